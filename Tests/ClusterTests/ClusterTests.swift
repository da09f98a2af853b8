import Foundation
import Testing
@testable import Cluster
import Engine

@Suite struct TaskArchiveTests {
    @Test func roundTripsEntriesByName() throws {
        let archive = TaskArchive(entries: [("a", Data([1, 2, 3])), ("empty", Data()), ("b", Data(repeating: 7, count: 1000))])
        let decoded = try TaskArchive.decode(archive.encoded(), path: "x")
        #expect(decoded == archive)
        #expect(decoded["b"] == Data(repeating: 7, count: 1000))
        #expect(decoded["missing"] == nil)
    }

    @Test func aChangedByteOrATruncatedFileIsDamaged() throws {
        var bytes = TaskArchive(entries: [("a", Data([1, 2, 3]))]).encoded()
        // A truncated file fails its checksum before anything in it is read.
        #expect(throws: TaskFileError.damaged(path: "f", reason: "its checksum does not match")) {
            _ = try TaskArchive.decode(bytes.prefix(bytes.count - 1), path: "f")
        }
        bytes[bytes.count - 40] ^= 1
        do {
            _ = try TaskArchive.decode(bytes, path: "f")
            Issue.record("a damaged archive was read")
        } catch let error as TaskFileError {
            #expect(error == .damaged(path: "f", reason: "its checksum does not match"))
        }
        #expect(throws: TaskFileError.self) { _ = try TaskArchive.decode(Data("not a task file at all, no".utf8), path: "f") }
    }

    @Test func aResultFileCarriesOutputsFactsAndTheResult() throws {
        let computed = ComputedCell(outputs: [.markdown("hello")], result: (kind: "model", data: Data([9, 8])), seeds: ["sweep 7"],
                                    facts: [Fact(name: "accuracy", value: 0.5, kind: .fraction)], textFacts: ["best": "relu"],
                                    seconds: 1.5)
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("loom-cluster-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/k.result"
        try TaskFiles.resultArchive(computed).write(to: path)
        #expect(try TaskFiles.computed(from: TaskArchive.read(path), path: path) == computed)
        // Nothing but the file itself is left in the folder (the temporary name was renamed).
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory) == ["k.result"])
    }
}

@Suite struct SlurmSettingsTests {
    @Test func readsTheSlurmTable() throws {
        let settings = try SlurmSettings.parse(toml: """
            # loom.toml
            [slurm]
            partition = "gpu"   # the fast ones
            time = '1:30:00'
            cpus-per-task = 8
            mem = "16G"
            sbatch-args = ["--account=vision", "--qos=short"]
            shared-dir = "/scratch/loom"
            retries = 2
            """, path: "loom.toml")
        var expected = SlurmSettings()
        expected.partition = "gpu"
        expected.time = "1:30:00"
        expected.cpusPerTask = 8
        expected.memory = "16G"
        expected.sbatchArguments = ["--account=vision", "--qos=short"]
        expected.sharedDirectory = "/scratch/loom"
        expected.retries = 2
        #expect(settings == expected)
        #expect(settings.sbatchOptions == ["--partition=gpu", "--time=1:30:00", "--cpus-per-task=8", "--mem=16G",
                                           "--account=vision", "--qos=short"])
    }

    @Test(arguments: [
        ("[slurm]\npartiton = \"gpu\"", "loom.toml:2:1: [slurm] has no key 'partiton'; did you mean 'partition'?"),
        ("[slurm]\ntime = \"soon\"", "loom.toml:2:1: the time limit 'soon' is not one Slurm reads"),
        ("[slurm]\ncpus-per-task = \"8\"", "loom.toml:2:1: expected a whole number"),
        ("[slurm]\nmem = \"lots\"", "loom.toml:2:1: the memory 'lots' is not one Slurm reads"),
        ("[slurm]\npartition = \"gpu", "loom.toml:2:17: the string is not closed on this line"),
        ("[slurm]\nretries = 1 2", "loom.toml:2:13: unexpected '2' after the value"),
        ("[other]\nkey = 1", "loom.toml:2:1: 'other.key' is not a loom setting"),
        ("[slurm]\nretries = 1\nretries = 2", "loom.toml:3:1: 'retries' is set twice"),
    ])
    func badSettingsSayWhatAndWhere(text: String, message: String) {
        do {
            _ = try SlurmSettings.parse(toml: text, path: "loom.toml")
            Issue.record("'\(text)' was accepted")
        } catch {
            #expect("\(error)".hasPrefix(message), "\(error)")
        }
    }

    @Test func findsTheFileBesideTheNotebook() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("loom-toml-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try "[slurm]\npartition = \"debug\"\n".write(toFile: directory + "/loom.toml", atomically: true, encoding: .utf8)
        let (settings, path) = try SlurmSettings.load(near: [directory + "/study.md"])
        #expect(settings.partition == "debug")
        #expect(path == directory + "/loom.toml")
    }
}

@Suite struct SlurmCommandsTests {
    @Test func arrayIdsAreExpanded() {
        #expect(SlurmCommands.expanded("12_[0-2,5]") == ["12_0", "12_1", "12_2", "12_5"])
        #expect(SlurmCommands.expanded("12_[1-3%2]") == ["12_1", "12_2", "12_3"])
        #expect(SlurmCommands.expanded("12_3") == ["12_3"])
        #expect(SlurmCommands.states("12_[0-1]|PENDING\n12_2|RUNNING\n") == ["12_0": "PENDING", "12_1": "PENDING", "12_2": "RUNNING"])
        #expect(SlurmExecutor.jobPart("12_3") == "12")
    }

    @Test func theTaskIndexComesFromSlurmOrKubernetes() throws {
        #expect(try ClusterTask.index(given: 3, environment: ["SLURM_ARRAY_TASK_ID": "1"]) == 3)
        #expect(try ClusterTask.index(given: nil, environment: ["SLURM_ARRAY_TASK_ID": "1"]) == 1)
        #expect(try ClusterTask.index(given: nil, environment: ["JOB_COMPLETION_INDEX": "2"]) == 2)
        #expect(try ClusterTask.index(given: nil, environment: [:]) == 0)
        #expect(throws: TaskFileError.self) { try ClusterTask.index(given: nil, environment: ["SLURM_ARRAY_TASK_ID": "x"]) }
    }

    @Test func aJobNamesTheKeyOfEachTask() throws {
        let cell = CellJob(notebookPath: "n.md", notebookText: "", overrides: [:], cellIndex: 2, action: "sweep", actionVersion: 1,
                           key: "cellkey", inputKeys: [:], inputLabels: [:], bundleKeys: [], recomputesSubresults: false)
        let sweep = JobDescription(cell: cell, subresults: [SubresultRequest(key: "a", name: "variant relu 8×1"),
                                                             SubresultRequest(key: "b", name: "variant tanh 8×1")],
                                   bundle: "/s/bundle.loom", results: "/s/results", checkpoints: "/s/checkpoints")
        #expect(try sweep.task(1) == ("b", "b"))
        #expect(throws: TaskFileError.self) { try sweep.task(2) }
        let whole = JobDescription(cell: cell, subresults: [], bundle: "/s/bundle.loom", results: "/s/results", checkpoints: "/s/c")
        #expect(try whole.task(0) == ("cellkey", nil))
        #expect(whole.resultPath(key: "cellkey") == "/s/results/cellkey.result")
        #expect(SlurmExecutor.quoted("it's") == "'it'\\''s'")
    }
}

@Suite struct CheckpointFolderTests {
    @Test func savesReadsAndDropsADamagedCheckpoint() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("loom-ckpt-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let folder = CheckpointFolder(directory: directory)
        #expect(try folder.latest(key: "k") == nil)
        try folder.save(key: "k", step: 3, data: Data([1, 2, 3]))
        try folder.save(key: "k", step: 4, data: Data([4, 5]))
        let latest = try #require(try folder.latest(key: "k"))
        #expect(latest.step == 4 && latest.data == Data([4, 5]))
        var bytes = try #require(FileManager.default.contents(atPath: folder.path(key: "k")))
        bytes[bytes.count - 1] ^= 1
        try bytes.write(to: URL(fileURLWithPath: folder.path(key: "k")))
        #expect(throws: DamagedCacheEntry.self) { _ = try folder.latest(key: "k") }
        #expect(!FileManager.default.fileExists(atPath: folder.path(key: "k")))
    }
}

@Suite struct SlurmExecutorTests {
    /// A result that a task wrote after its submitter had stopped is imported as it is: nothing
    /// is submitted (this test needs no cluster), and the file is gone once it is in.
    @Test func aResultAlreadyInTheSharedFolderIsImportedWithoutSubmitting() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("loom-executor-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let cache = try Cache(path: directory + "/cache/loom.sqlite")
        let executor = SlurmExecutor(settings: SlurmSettings(), cache: cache, loomExecutable: "/nonexistent/loom")
        #expect(executor.sharedDirectory == directory + "/cache/slurm")
        let job = CellJob(notebookPath: "n.md", notebookText: "", overrides: [:], cellIndex: 2, action: "train.mlp", actionVersion: 1,
                          key: "cellkey", inputKeys: [:], inputLabels: [:], bundleKeys: ["missing"], recomputesSubresults: false)
        let computed = ComputedCell(outputs: [.markdown("trained")], result: (kind: "model", data: Data([1])), seeds: [],
                                    facts: [], textFacts: [:], seconds: 2)
        let path = executor.sharedDirectory + "/results/cellkey.result"
        try TaskFiles.resultArchive(computed).write(to: path)
        let log = Lines()
        #expect(try executor.compute(cell: job, progress: CellProgress(index: 2, reporter: log)) == computed)
        #expect(!FileManager.default.fileExists(atPath: path))
        #expect(log.lines.contains { $0.contains("the result of an earlier Slurm task was waiting") }, "\(log.lines)")
        // Without it, the job needs its inputs from the cache, and says so before submitting anything.
        do {
            _ = try executor.compute(cell: job, progress: CellProgress(index: 2, reporter: log))
            Issue.record("a job without its inputs was submitted")
        } catch let error as ActionError {
            #expect(error.message.hasPrefix("the input missing of this cell is not in the cache"), "\(error.message)")
        }
    }
}

/// Keeps the log lines a cell reports.
final class Lines: ProgressReporter, @unchecked Sendable {
    private let lock = NSLock()
    private var stored: [String] = []
    var lines: [String] { lock.withLock { stored } }
    func runStarted(notebook: String, cells: Int, toRun: Int, cached: Int) {}
    func cellStarted(index: Int, ordinal: Int, toRun: Int, action: String) {}
    func cellProgress(index: Int, _ update: ProgressUpdate) {}
    func cellLog(index: Int, _ line: String) { lock.withLock { stored.append(line) } }
    func cellFinished(index: Int, action: String, status: CellStatus, seconds: Double) {}
    func runFinished(notebook: String, ran: Int, cached: Int, failed: Int, skipped: Int, seconds: Double, output: String?) {}
}

@Suite struct JobFoldersTests {
    /// A job folder `name` whose files were last changed `age` seconds ago, with the jobs submitted from it.
    static func folder(_ name: String, in directory: String, age: TimeInterval, jobs: [String]) throws {
        let path = directory + "/" + name
        try FileManager.default.createDirectory(atPath: path + "/logs", withIntermediateDirectories: true)
        for job in jobs { try JobFolders.recordSubmission(job, folder: path) }
        try Data("log".utf8).write(to: URL(fileURLWithPath: path + "/logs/x.err"))
        let date = Date().addingTimeInterval(-age)
        for item in ["", "/logs", "/logs/x.err"] + (jobs.isEmpty ? [] : ["/" + JobFolders.submittedFile]) {
            try FileManager.default.setAttributes([.modificationDate: date], ofItemAtPath: path + item)
        }
    }

    @Test func failedJobFoldersAreKeptForADayAndOnlyTheNewestWhileNoneOfTheirJobsIsQueued() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("loom-jobs-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let day: TimeInterval = 24 * 60 * 60
        try Self.folder("old", in: directory, age: 2 * day, jobs: ["10"])
        try Self.folder("old-but-queued", in: directory, age: 2 * day, jobs: ["9", "11_3"])
        try Self.folder("new1", in: directory, age: 3600, jobs: ["12"])
        try Self.folder("new2", in: directory, age: 2 * 3600, jobs: ["13_0", "13_1"])
        try Self.folder("new3", in: directory, age: 3 * 3600, jobs: [])
        let folders = JobFolders(directory: directory, maximumAge: day, kept: 2)
        #expect(folders.folders().first { $0.name == "new2" }?.jobs == ["13_0", "13_1"])
        // Array job 11 is still queued: its folder stays however old. Of the others, the two newest stay.
        let removed = folders.prune(queued: ["11", "99"])
        #expect(removed.sorted() == ["new3", "old"])
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory).sorted() == ["new1", "new2", "old-but-queued"])
        // With the defaults (a day, 20 folders): the old folder goes once its job has left the queue, the recent ones stay.
        #expect(JobFolders(directory: directory).prune(queued: []) == ["old-but-queued"])
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory).sorted() == ["new1", "new2"])
        #expect(JobFolders.defaultKept == 20 && JobFolders.defaultMaximumAge == day)
    }
}
