import Engine
import Foundation

/// Computes the expensive cells of a run as Slurm jobs: each `train.*` cell as one job, the
/// missing variants of a `sweep` as one job array (a task per variant).
///
/// For every cell it writes, under the shared folder, `jobs/KEY/job.json` (the ``JobDescription``),
/// `jobs/KEY/bundle.loom` (the results the cell reads, from the cache) and the `sbatch` script;
/// each task runs `loom task run job.json` on a node and writes `results/KEY.result` by an atomic
/// rename. This process polls `squeue` and `sacct`, imports each result as it arrives (it is the
/// only writer of the cache), resubmits failed tasks up to ``SlurmSettings/retries`` times, and
/// cancels its jobs (`scancel`) when the run is stopped.
public final class SlurmExecutor: CellExecutor, @unchecked Sendable {
    public let settings: SlurmSettings
    /// The folder tasks and this process share, absolute.
    public let sharedDirectory: String
    let cache: Cache
    let loomExecutable: String
    let overrides: [String: String]
    let cancellation: RunCancellation?
    let commands = SlurmCommands()
    private let pruning = NSLock()
    private var pruned = false

    /// - Parameters:
    ///   - cache: read for the input bundles (never written here: the runner stores what comes back).
    ///   - loomExecutable: the `loom` binary the tasks run (this one).
    ///   - overrides: the run's `-p name=value` notebook parameters, which tasks apply too.
    public init(settings: SlurmSettings, cache: Cache, loomExecutable: String, overrides: [String: String] = [:],
                cancellation: RunCancellation? = nil) {
        self.settings = settings
        self.cache = cache
        self.loomExecutable = loomExecutable
        self.overrides = overrides
        self.cancellation = cancellation
        let shared = settings.sharedDirectory
            ?? ((cache.path as NSString).deletingLastPathComponent as NSString).appendingPathComponent("slurm")
        sharedDirectory = URL(fileURLWithPath: shared).standardizedFileURL.path
    }

    public func computesWholeCell(action: String) -> Bool { action.hasPrefix("train.") }

    /// `train.*` cells and sweeps: the runner submits those that do not depend on each other together.
    public func waitsOnExecutor(action: String) -> Bool { computesWholeCell(action: action) || action == "sweep" }

    public func compute(cell job: CellJob, progress: CellProgress) throws -> ComputedCell {
        var computed: ComputedCell?
        try run(job, subresults: [], progress: progress) { _, cell in computed = cell }
        guard let computed else { throw ActionError("the Slurm job of this cell ended without a result") }
        CheckpointFolder(directory: checkpointDirectory).remove(key: job.key)
        return computed
    }

    public func compute(subresults: [SubresultRequest], of job: CellJob, progress: CellProgress,
                        arrived: (String, Data, Double) throws -> Void) throws {
        try run(job, subresults: subresults, progress: progress) { index, cell in
            guard let result = cell.result else {
                throw ActionError("the Slurm task of \(subresults[index].name) wrote no value")
            }
            try arrived(subresults[index].key, result.data, cell.seconds)
            CheckpointFolder(directory: checkpointDirectory).remove(key: subresults[index].key)
        }
    }

    var checkpointDirectory: String { (sharedDirectory as NSString).appendingPathComponent("checkpoints") }
    var resultDirectory: String { (sharedDirectory as NSString).appendingPathComponent("results") }
    var jobsDirectory: String { (sharedDirectory as NSString).appendingPathComponent("jobs") }

    /// Once per executor, before its first job folder is written: removes the folders of earlier
    /// failed or cancelled jobs that ``JobFolders`` no longer keeps (none while `squeue` fails).
    func pruneJobFolders(progress: CellProgress) {
        pruning.withLock {
            guard !pruned else { return }
            pruned = true
            guard let queued = try? commands.queuedJobs() else { return }
            let removed = JobFolders(directory: jobsDirectory).prune(queued: queued)
            if !removed.isEmpty {
                progress.log("removed \(removed.count) old job folder\(removed.count == 1 ? "" : "s") of failed or cancelled "
                             + "Slurm jobs from \(jobsDirectory)")
            }
        }
    }

    /// One task of a job: what it computes and how far it got.
    struct Task {
        var key: String
        var name: String
        /// The Slurm id of its latest submission (`12` or `12_3`).
        var slurmID: String?
        var attempts = 0
        var state = "PENDING"
        var done = false
        /// Polls since it left the queue without a result (the file may still be on its way).
        var missingPolls = 0
        /// Why it ended, once it failed for good.
        var failure: String?

        /// What the terminal and the preview show of it; `logs` holds its latest line while it runs.
        func status(logs: String) -> RemoteTaskStatus {
            var detail = failure ?? ""
            if !done, state == "RUNNING", let slurmID {
                detail = SlurmExecutor.lastLine(of: (logs as NSString).appendingPathComponent("\(slurmID).out")) ?? ""
            }
            return RemoteTaskStatus(name: name, job: slurmID, state: state, attempt: attempts, detail: detail)
        }
    }

    /// Submits the tasks of `job` that have no result yet, waits for all of them and passes each
    /// result to `imported` (task index, what it computed) as it arrives.
    func run(_ cell: CellJob, subresults: [SubresultRequest], progress: CellProgress,
             imported: (Int, ComputedCell) throws -> Void) throws {
        var job = cell
        job.overrides = overrides
        pruneJobFolders(progress: progress)
        let directory = (jobsDirectory as NSString).appendingPathComponent(job.key)
        let description = JobDescription(
            cell: job, subresults: subresults, bundle: (directory as NSString).appendingPathComponent("bundle.loom"),
            results: resultDirectory, checkpoints: checkpointDirectory)
        var tasks = subresults.isEmpty
            ? [Task(key: job.key, name: job.action)]
            : subresults.map { Task(key: $0.key, name: $0.name) }

        // A result an earlier, interrupted run's task wrote is used as it is: only what is missing is submitted.
        for index in tasks.indices where FileManager.default.fileExists(atPath: description.resultPath(key: tasks[index].key)) {
            if try importResult(index, &tasks, description: description, imported: imported) {
                progress.log("\(tasks[index].name): the result of an earlier Slurm task was waiting in \(resultDirectory)")
            }
        }
        guard tasks.contains(where: { !$0.done }) else { return }

        try writeInputs(description, directory: directory)
        let script = try writeScript(directory: directory, description: description, array: !subresults.isEmpty, action: job.action)
        let logs = (directory as NSString).appendingPathComponent("logs")
        try submit(tasks.indices.filter { !tasks[$0].done }, &tasks, script: script, array: !subresults.isEmpty, progress: progress)

        var failures: [String] = []
        var reported: [RemoteTaskStatus] = []
        while true {
            if cancellation?.isCancelled == true || progress.isCancelled {
                let active = tasks.filter { !$0.done }.compactMap(\.slurmID)
                try? commands.cancel(active)
                for index in tasks.indices where !tasks[index].done { tasks[index].state = "CANCELLED" }
                progress.tasks(tasks.map { $0.status(logs: logs) })
                throw ActionError("the run was stopped: its Slurm jobs were cancelled (scancel \(Set(active.map(Self.jobPart)).sorted().joined(separator: " "))); "
                                  + "run again to submit what is missing")
            }
            let active = tasks.indices.filter { !tasks[$0].done }
            let ids = active.compactMap { tasks[$0].slurmID }
            let queued = try commands.queued(Array(Set(ids.map(Self.jobPart))))
            var ended: [Int] = []
            for index in active {
                if try importResult(index, &tasks, description: description, imported: imported) {
                    progress.log("\(tasks[index].name): done (Slurm job \(tasks[index].slurmID ?? "?"))")
                    continue
                }
                guard let id = tasks[index].slurmID else { continue }
                if let state = queued[id] {
                    if state != tasks[index].state, state == "RUNNING" {
                        progress.log("\(tasks[index].name): running (Slurm job \(id))")
                    }
                    tasks[index].state = state
                } else {
                    ended.append(index)
                }
            }
            if !ended.isEmpty {
                let accounted = try commands.accounted(Array(Set(ended.compactMap { tasks[$0].slurmID }.map(Self.jobPart))))
                var again: [Int] = []
                for index in ended {
                    guard let id = tasks[index].slurmID else { continue }
                    let record = accounted[id]
                    let state = record?.state ?? "UNKNOWN"
                    tasks[index].missingPolls += 1
                    // Accounting and shared file systems lag: a task that left the queue gets a few polls to show up.
                    if (record == nil || state == "COMPLETED" || state == "RUNNING" || state == "PENDING" || state == "COMPLETING")
                        && tasks[index].missingPolls < Self.gracePolls(interval: settings.pollInterval) {
                        continue
                    }
                    if try importResult(index, &tasks, description: description, imported: imported) { continue }
                    let reason = state == "COMPLETED" ? "COMPLETED but wrote no result" : state
                    let report = "Slurm job \(id) (\(tasks[index].name)) ended \(reason)"
                        + (record.map { " (exit code \($0.exitCode))" } ?? "")
                    let hint = state == "TIMEOUT" ? timeLimitHint : ""
                    tasks[index].state = state
                    if tasks[index].attempts <= settings.retries {
                        progress.log("\(report); submitting it again (attempt \(tasks[index].attempts + 1) of \(settings.retries + 1))")
                        again.append(index)
                    } else {
                        tasks[index].done = true
                        tasks[index].failure = report + hint
                        let attempts = tasks[index].attempts
                        failures.append(report + " after \(attempts) attempt\(attempts == 1 ? "" : "s")" + hint
                                        + Self.standardErrorTail(logs: logs, id: id))
                    }
                }
                if !again.isEmpty { try submit(again, &tasks, script: script, array: !subresults.isEmpty, progress: progress) }
            }
            let statuses = tasks.map { $0.status(logs: logs) }
            if statuses != reported {
                progress.tasks(statuses)
                reported = statuses
            }
            let finished = tasks.filter(\.done).count
            if finished == tasks.count { break }
            progress.update(ProgressUpdate(completed: finished - failures.count, total: tasks.count, unit: "tasks",
                                           message: statusLine(tasks, logs: logs)))
            Thread.sleep(forTimeInterval: settings.pollInterval)
        }
        guard failures.isEmpty else { throw ActionError(failures.joined(separator: "\n")) }
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// What a task killed by its time limit adds to its report.
    var timeLimitHint: String {
        "; it ran past its time limit (" + (settings.time.map { "--slurm-time \($0)" } ?? "the partition's default")
            + "): raise --slurm-time (or time in loom.toml's [slurm]); a training resumes from its last epoch checkpoint"
    }

    /// Polls that a task which left the queue may take to show its result or final state: 10 s.
    static func gracePolls(interval: Double) -> Int { max(3, Int((10 / max(0.05, interval)).rounded())) }

    /// `12_3` → `12`.
    static func jobPart(_ id: String) -> String { String(id.split(separator: "_")[0]) }

    /// Imports task `index`'s result file if it is there; returns whether it was.
    func importResult(_ index: Int, _ tasks: inout [Task], description: JobDescription,
                      imported: (Int, ComputedCell) throws -> Void) throws -> Bool {
        let path = description.resultPath(key: tasks[index].key)
        guard FileManager.default.fileExists(atPath: path) else { return false }
        let computed: ComputedCell
        do {
            computed = try TaskFiles.computed(from: try TaskArchive.read(path), path: path)
        } catch {
            try? FileManager.default.removeItem(atPath: path)
            throw ActionError("\(error); it was removed, so run again to compute it anew")
        }
        try imported(index, computed)
        try? FileManager.default.removeItem(atPath: path)
        tasks[index].done = true
        tasks[index].state = "COMPLETED"
        return true
    }

    /// The bundle (the results the cell reads, from the cache) and the job description.
    func writeInputs(_ description: JobDescription, directory: String) throws {
        var results: [String: Data] = [:]
        for key in description.cell.bundleKeys {
            guard let data = try cache.resultData(key: key) else {
                throw ActionError("the input \(key.prefix(12)) of this cell is not in the cache, so it cannot be sent to Slurm; "
                                  + "run the notebook again")
            }
            results[key] = data
        }
        try TaskFiles.bundle(results).write(to: description.bundle)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try TaskFiles.writeAtomically(try encoder.encode(description), to: (directory as NSString).appendingPathComponent("job.json"))
    }

    /// The `sbatch` script: its options, and the one command every task runs.
    func writeScript(directory: String, description: JobDescription, array: Bool, action: String) throws -> String {
        let logs = (directory as NSString).appendingPathComponent("logs")
        try FileManager.default.createDirectory(atPath: logs, withIntermediateDirectories: true)
        let pattern = array ? "%A_%a" : "%j"
        let threads = settings.cpusPerTask.map { " --threads \($0)" } ?? ""
        let text = """
            #!/bin/sh
            #SBATCH --job-name=loom-\(action)
            #SBATCH --output=\(logs)/\(pattern).out
            #SBATCH --error=\(logs)/\(pattern).err
            # Written by loom run --executor slurm. Each task computes one result of the cell in
            # job.json (task SLURM_ARRAY_TASK_ID of an array) and writes it to \(description.results).
            exec \(Self.quoted(loomExecutable)) task run\(threads) \(Self.quoted((directory as NSString).appendingPathComponent("job.json")))

            """
        let path = (directory as NSString).appendingPathComponent("submit.sh")
        try TaskFiles.writeAtomically(Data(text.utf8), to: path)
        return path
    }

    /// Submits tasks `indices` (as array indices for a sweep) and records their Slurm ids.
    func submit(_ indices: [Int], _ tasks: inout [Task], script: String, array: Bool, progress: CellProgress) throws {
        guard !indices.isEmpty else { return }
        let options = settings.sbatchOptions + (array ? ["--array=\(indices.map(String.init).joined(separator: ","))"] : [])
        let id = try commands.sbatch(options: options, script: script)
        try JobFolders.recordSubmission(id, folder: (script as NSString).deletingLastPathComponent)
        for index in indices {
            tasks[index].slurmID = array ? "\(id)_\(index)" : id
            tasks[index].attempts += 1
            tasks[index].state = "PENDING"
            tasks[index].missingPolls = 0
        }
        progress.log(array ? "submitted Slurm job array \(id) (\(indices.count) task\(indices.count == 1 ? "" : "s"): "
                             + indices.map { tasks[$0].name }.joined(separator: ", ") + ")"
                           : "submitted Slurm job \(id)")
    }

    /// `Slurm 12: 1 done · 2 running · 1 pending · relu 32×1: epoch 2/3 · loss 0.41`
    func statusLine(_ tasks: [Task], logs: String) -> String {
        let done = tasks.filter(\.done).count
        let running = tasks.filter { !$0.done && $0.state == "RUNNING" }
        let pending = tasks.filter { !$0.done && $0.state != "RUNNING" }.count
        var parts = ["Slurm \(Set(tasks.compactMap(\.slurmID).map(Self.jobPart)).sorted().joined(separator: ","))",
                     "\(done) done", "\(running.count) running", "\(pending) pending"]
        if let first = running.first, let id = first.slurmID,
           let line = Self.lastLine(of: (logs as NSString).appendingPathComponent("\(id).out")) {
            parts.append("\(first.name): \(line)")
        }
        return parts.joined(separator: " · ")
    }

    /// The last non-empty line of a file, read from its last 4 KB.
    static func lastLine(of path: String) -> String? {
        tail(of: path, bytes: 4096)?.split(separator: "\n").last.map(String.init)
    }

    static func tail(of path: String, bytes: Int) -> String? {
        guard let handle = FileHandle(forReadingAtPath: path) else { return nil }
        defer { try? handle.close() }
        let size = (try? handle.seekToEnd()) ?? 0
        try? handle.seek(toOffset: size > UInt64(bytes) ? size - UInt64(bytes) : 0)
        return (try? handle.readToEnd()).map { String(decoding: $0, as: UTF8.self) }
    }

    /// `; the end of its standard error (PATH):` and its last lines, indented.
    static func standardErrorTail(logs: String, id: String, lines: Int = 8) -> String {
        let path = (logs as NSString).appendingPathComponent("\(id).err")
        guard let text = tail(of: path, bytes: 4096) else { return "; it left no standard error (\(path))" }
        let last = text.split(separator: "\n").suffix(lines)
        guard !last.isEmpty else { return "; its standard error is empty (\(path))" }
        return "; the end of its standard error (\(path)):\n" + last.map { "    \($0)" }.joined(separator: "\n")
    }

    /// A word for `sh`, in single quotes.
    static func quoted(_ text: String) -> String { "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'" }
}
