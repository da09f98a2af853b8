import Foundation
import Testing
import _LoomTestSupport

/// Whether a Slurm cluster answers here (`make slurm-up` starts a one-node one; `.ci/run` does).
enum SlurmCluster {
    static let isUp: Bool = {
        guard let output = try? runProcess(URL(fileURLWithPath: "/usr/bin/env"), arguments: ["sinfo", "-h", "-o", "%T"]) else {
            return false
        }
        return output.status == 0 && ["idle", "mixed", "alloc"].contains { output.standardOutput.contains($0) }
    }()

    static let missing: Comment = "no Slurm cluster answers (sinfo): 'make slurm-up' starts a one-node cluster on this machine"

    /// `sacct`'s state of every job or array task of job `id`, by task id, once it lists `entries`
    /// of them, none still pending or running (or after 10 s).
    static func accounting(_ id: String, entries: Int = 1) throws -> [String: String] {
        // Accounting is written a moment after a job ends, an array's tasks sometimes after the array.
        var states: [String: String] = [:]
        for _ in 0..<40 {
            let output = try runProcess(URL(fileURLWithPath: "/usr/bin/env"),
                                        arguments: ["sacct", "-n", "-P", "-X", "-j", id, "-o", "JobID,State"])
            states = [:]
            for line in output.standardOutput.split(separator: "\n") {
                let fields = line.split(separator: "|").map(String.init)
                guard fields.count == 2 else { continue }
                for id in expanded(fields[0]) { states[id] = fields[1].split(separator: " ").first.map(String.init) }
            }
            if states.count == entries, !states.values.contains(where: { ["PENDING", "RUNNING", "COMPLETING"].contains($0) }) { break }
            Thread.sleep(forTimeInterval: 0.25)
        }
        return states
    }

    /// `12_[0-1]` (how sacct lists array tasks cancelled before they started) → `12_0`, `12_1`.
    static func expanded(_ id: String) -> [String] {
        guard let open = id.firstIndex(of: "["), id.hasSuffix("]") else { return [id] }
        let job = id[..<open]
        return id[id.index(after: open)..<id.index(before: id.endIndex)].split(separator: ",").flatMap { part -> [String] in
            let bounds = part.split(separator: "-").compactMap { Int($0) }
            guard let low = bounds.first else { return [] }
            return (low...(bounds.last ?? low)).map { "\(job)\($0)" }
        }
    }

    /// The job ids that `loom run --executor slurm` said it submitted: `submitted Slurm job array 12 (…)`.
    static func submitted(_ log: String, array: Bool) -> [String] {
        let marker = array ? "submitted Slurm job array " : "submitted Slurm job "
        return log.components(separatedBy: "\n").compactMap { line -> String? in
            guard let range = line.range(of: marker) else { return nil }
            let id = line[range.upperBound...].prefix { $0.isNumber }
            return id.isEmpty ? nil : String(id)
        }
    }
}

extension Project {
    /// The quickstart, a two-by-two sweep and a small MLP, all seeded.
    var slurmStudy: String {
        quickstart + """


            ```loom sweep
            model: mlp
            activation: [relu, tanh]
            width: [8, 16]
            depth: 1
            epochs: 2
            batch-size: 16
            seed: 7
            ```

            ```loom train.mlp
            hidden: [12]
            epochs: 3
            batch-size: 16
            seed: 3
            ```
            """
    }

    /// The notebook's tables with their timing columns (`seconds`, `img/s`) left out: what a run
    /// with the same seeds must reproduce exactly, wherever it ran.
    func tablesWithoutTimes(_ name: String) -> [[String]] {
        var tables: [[String]] = []
        var timing: Set<Int> = []
        var current: [String]?
        for line in (read(name) ?? "").components(separatedBy: "\n") {
            guard line.hasPrefix("|") else {
                if let table = current { tables.append(table) }
                current = nil
                continue
            }
            let cells = line.split(separator: "|", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
            if current == nil {
                timing = Set(cells.indices.filter { ["seconds", "img/s", "computed", "time"].contains(cells[$0]) })
                current = []
            }
            current?.append(cells.indices.filter { !timing.contains($0) }.map { cells[$0] }.joined(separator: "|"))
        }
        if let table = current { tables.append(table) }
        return tables
    }
}

/// `loom run --executor slurm` against the real one-node cluster of `make slurm-up`: one at a
/// time, since they share its two CPUs.
@Suite(.serialized, .enabled(if: SlurmCluster.isUp, SlurmCluster.missing))
struct SlurmCLITests {
    @Test func sweepAsAnArrayAndATrainCellAsAJobMatchALocalRun() throws {
        let project = try Project()
        try project.write("notebooks/study.md", project.slurmStudy)
        let local = try project.loom("run", "notebooks/study.md", "--threads", "1", "--cache", "cache/local.sqlite",
                                     "--out", "local")
        #expect(local.status == 0, "\(local.standardError)")
        let slurm = try project.loom("run", "notebooks/study.md", "--executor", "slurm", "--slurm-cpus-per-task", "1",
                                     "--cache", "cache/slurm.sqlite", "--out", "slurm")
        #expect(slurm.status == 0, "\(slurm.standardError)")

        // Same seeds, same numbers: every table (losses, accuracies, the sweep's ranking) is identical.
        let localTables = project.tablesWithoutTimes("local/study.md")
        #expect(localTables.count >= 4)
        #expect(project.tablesWithoutTimes("slurm/study.md") == localTables)

        // The sweep and the train cell do not depend on each other: both were submitted before either came back.
        let lines = slurm.standardError.components(separatedBy: "\n")
        let submissions = lines.indices.filter { lines[$0].contains("submitted Slurm job") }
        let firstDone = try #require(lines.firstIndex { $0.contains(": done (Slurm job") }, "\(slurm.standardError)")
        #expect(submissions.count == 2 && submissions.allSatisfy { $0 < firstDone }, "\(slurm.standardError)")

        // One array task per variant, one job for the train cell, all completed in accounting.
        let arrays = SlurmCluster.submitted(slurm.standardError, array: true)
        let jobs = SlurmCluster.submitted(slurm.standardError, array: false)
        #expect(arrays.count == 1 && jobs.count == 1, "\(slurm.standardError)")
        if let array = arrays.first {
            let states = try SlurmCluster.accounting(array, entries: 4)
            #expect(states == Dictionary(uniqueKeysWithValues: (0..<4).map { ("\(array)_\($0)", "COMPLETED") }), "\(states)")
        }
        if let job = jobs.first {
            #expect(try SlurmCluster.accounting(job) == [job: "COMPLETED"])
        }
        // The results came home to the cache: a second run submits nothing.
        let again = try project.loom("run", "notebooks/study.md", "--executor", "slurm", "--cache", "cache/slurm.sqlite",
                                     "--out", "slurm")
        #expect(again.status == 0)
        #expect(!again.standardError.contains("submitted Slurm job"), "\(again.standardError)")
        #expect(again.standardError.contains("0 ran, 4 cached"), "\(again.standardError)")
        // The shared folder keeps no job files once their results are imported.
        let jobsFolder = project.root + "/cache/slurm/jobs"
        #expect(((try? FileManager.default.contentsOfDirectory(atPath: jobsFolder)) ?? []).isEmpty)
    }

    @Test func aFailingTaskIsReportedUnderItsCellWithItsJobStateAndStandardError() throws {
        let project = try Project()
        try project.write("notebooks/fails.md", """
            ```loom load
            dataset: \(project.data.directory)
            ```

            ```loom split
            train: 0.899
            validation: 0.001
            test: 0.1
            seed: 1
            ```

            ```loom train.mlp
            hidden: [8]
            epochs: 2
            early-stopping: {patience: 1}
            ```
            """)
        let result = try project.loom("run", "notebooks/fails.md", "--executor", "slurm", "--retries", "1")
        #expect(result.status != 0)
        let jobs = SlurmCluster.submitted(result.standardError, array: false)
        #expect(jobs.count == 2, "one submission and one retry: \(result.standardError)")
        let output = project.read("outputs/fails.md") ?? ""
        // Under the cell: the job id, its state, the attempts and the end of its standard error,
        // which holds the action's own message at the parameter's line.
        let last = try #require(jobs.last)
        #expect(output.contains("Slurm job \(last) (train.mlp) ended FAILED (exit code 1:0) after 2 attempts"), "\(output)")
        #expect(output.contains("the end of its standard error"))
        #expect(output.contains("notebooks/fails.md:15:1: train.mlp: Early stopping watches the validation loss"), "\(output)")
        for job in jobs { #expect(try SlurmCluster.accounting(job) == [job: "FAILED"]) }
    }

    @Test func aStoppedRunCancelsItsJobsAndTheNextRunSubmitsOnlyWhatIsMissing() throws {
        let project = try Project()
        try project.write("notebooks/study.md", project.slurmStudy.replacingOccurrences(of: "width: [8, 16]", with: "width: [8]"))
        let first = try project.loom("run", "notebooks/study.md", "--executor", "slurm")
        #expect(first.status == 0, "\(first.standardError)")
        // Two more variants, held in the queue (--begin) until the run is stopped with Ctrl-C.
        try project.write("notebooks/study.md", project.slurmStudy)
        let process = Process()
        process.executableURL = Loom.executable
        process.arguments = ["run", "notebooks/study.md", "--executor", "slurm", "--slurm-sbatch-arg=--begin=now+3600"]
        process.currentDirectoryURL = URL(fileURLWithPath: project.root)
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        let log = TextLog()
        try process.run()
        Thread.detachNewThread {
            while case let data = errors.fileHandleForReading.availableData, !data.isEmpty {
                log.append(String(decoding: data, as: UTF8.self))
            }
        }
        let deadline = Date().addingTimeInterval(60)
        while SlurmCluster.submitted(log.value, array: true).isEmpty, Date() < deadline, process.isRunning {
            Thread.sleep(forTimeInterval: 0.05)
        }
        kill(process.processIdentifier, SIGINT)
        process.waitUntilExit()
        Thread.sleep(forTimeInterval: 0.2)
        let stopped = log.value
        #expect(process.terminationStatus != 0)
        let array = try #require(SlurmCluster.submitted(stopped, array: true).first, "\(stopped)")
        #expect(stopped.contains("submitted Slurm job array \(array) (2 tasks: variant relu 16×1, variant tanh 16×1)"), "\(stopped)")
        #expect(stopped.contains("its Slurm jobs were cancelled (scancel \(array))"), "\(stopped)")
        // Accounting lists an array cancelled before it started as one job, or as its tasks.
        let cancelled = try SlurmCluster.accounting(array)
        #expect(cancelled == [array: "CANCELLED"] || cancelled == ["\(array)_0": "CANCELLED", "\(array)_1": "CANCELLED"],
                "\(cancelled)")

        let again = try project.loom("run", "notebooks/study.md", "--executor", "slurm")
        #expect(again.status == 0, "\(again.standardError)")
        let resubmitted = try #require(SlurmCluster.submitted(again.standardError, array: true).first)
        #expect(again.standardError.contains("submitted Slurm job array \(resubmitted) (2 tasks: variant relu 16×1, variant tanh 16×1)"),
                "\(again.standardError)")
        // The array's indices are those of the missing variants only.
        let completed = try SlurmCluster.accounting(resubmitted, entries: 2)
        #expect(completed == ["\(resubmitted)_0": "COMPLETED", "\(resubmitted)_1": "COMPLETED"], "\(completed)")
        #expect((project.read("outputs/study.md") ?? "").contains("4 mlp variants (2 trained for this output, 2 reused from earlier runs)"))
    }

    @Test func aTrainingTaskStoppedMidwayResumesFromItsLastEpochWhenResubmitted() throws {
        let project = try Project()
        // Larger images than the project's own, so that an epoch takes a while.
        let data = try SyntheticFashionFolder(side: 28, trainPerClass: 300, testPerClass: 10)
        defer { data.remove() }
        try project.write("notebooks/long.md", project.quickstart.replacingOccurrences(of: project.data.directory, with: data.directory) + """


            ```loom train.mlp
            hidden: [64]
            epochs: 4
            batch-size: 32
            seed: 5
            ```
            """)
        let process = Process()
        process.executableURL = Loom.executable
        process.arguments = ["run", "notebooks/long.md", "--executor", "slurm"]
        process.currentDirectoryURL = URL(fileURLWithPath: project.root)
        process.standardError = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        // Wait for the task's first per-epoch checkpoint in the shared folder, then stop the run.
        let checkpoints = project.root + "/cache/slurm/checkpoints"
        let deadline = Date().addingTimeInterval(120)
        while ((try? FileManager.default.contentsOfDirectory(atPath: checkpoints)) ?? []).filter({ $0.hasSuffix(".checkpoint") }).isEmpty,
              Date() < deadline, process.isRunning {
            Thread.sleep(forTimeInterval: 0.05)
        }
        kill(process.processIdentifier, SIGINT)
        process.waitUntilExit()
        #expect(process.terminationStatus != 0, "the training finished before it could be stopped")

        let again = try project.loom("run", "notebooks/long.md", "--executor", "slurm")
        #expect(again.status == 0, "\(again.standardError)")
        let output = project.read("outputs/long.md") ?? ""
        #expect(output.contains("Resumed from the checkpoint after epoch"), "\(output)")
        #expect(((try? FileManager.default.contentsOfDirectory(atPath: checkpoints)) ?? []).filter { $0.hasSuffix(".checkpoint") }.isEmpty)
    }
}

/// Text that one thread appends to and another reads.
final class TextLog: @unchecked Sendable {
    private var text = ""
    private let lock = NSLock()
    func append(_ more: String) { lock.withLock { text += more } }
    var value: String { lock.withLock { text } }
}

/// The Slurm settings are checked before anything is submitted (no cluster needed).
@Suite struct SlurmSettingsCLITests {
    @Test func slurmOptionsWithoutTheSlurmExecutorAreAUsageError() throws {
        let project = try Project()
        try project.write("notebooks/q.md", project.quickstart)
        let result = try project.loom("run", "notebooks/q.md", "--retries", "2")
        #expect(result.status == 64)
        #expect(result.standardError.contains("The --slurm-* options and --retries need '--executor slurm'."))
    }

    @Test func aMisspelledLoomTomlKeyIsReportedAtItsLineWithASuggestion() throws {
        let project = try Project()
        try project.write("notebooks/q.md", project.quickstart)
        try project.write("notebooks/loom.toml", "[slurm]\npartiton = \"debug\"\n")
        let result = try project.loom("run", "notebooks/q.md", "--executor", "slurm")
        #expect(result.status == 1)
        #expect(result.standardError.contains("notebooks/loom.toml:2:1: [slurm] has no key 'partiton'; did you mean 'partition'?"),
                "\(result.standardError)")
        try FileManager.default.removeItem(atPath: project.root + "/notebooks/loom.toml")
        let time = try project.loom("run", "notebooks/q.md", "--executor", "slurm", "--slurm-time", "soon")
        #expect(time.status == 1)
        #expect(time.standardError.contains("--slurm-time: the time limit 'soon' is not one Slurm reads"))
    }
}
