import Engine
import Foundation

/// The node side of a Slurm job (`loom task run JOBFILE`): reads the job description and the
/// input bundle, computes the task's result and writes it to the shared folder by an atomic rename.
public enum ClusterTask {
    /// The array index of this task: `--index`, else Slurm's `SLURM_ARRAY_TASK_ID`, else a
    /// Kubernetes Indexed Job's `JOB_COMPLETION_INDEX`, else 0.
    public static func index(given: Int?, environment: [String: String] = ProcessInfo.processInfo.environment) throws -> Int {
        if let given { return given }
        for name in ["SLURM_ARRAY_TASK_ID", "JOB_COMPLETION_INDEX"] {
            guard let text = environment[name] else { continue }
            guard let index = Int(text), index >= 0 else {
                throw TaskFileError.damaged(path: name, reason: "the task index '\(text)' is not a whole number")
            }
            return index
        }
        return 0
    }

    /// Runs task `index` of the job in `jobFile`; returns the path of the result it wrote.
    ///
    /// - Throws: ``TaskFileError`` for unreadable job files, ``RemoteCellError`` when the cell fails.
    @discardableResult
    public static func run(jobFile: String, index: Int, registry: ActionRegistry, progress: any ProgressReporter) throws -> String {
        guard let data = FileManager.default.contents(atPath: jobFile) else { throw TaskFileError.missing(path: jobFile) }
        let description: JobDescription
        do {
            description = try JSONDecoder().decode(JobDescription.self, from: data)
        } catch {
            throw TaskFileError.damaged(path: jobFile, reason: "it is not a job description (\(error))")
        }
        guard description.format == JobDescription.format else {
            throw TaskFileError.damaged(path: jobFile, reason: "it has format \(description.format); this loom reads \(JobDescription.format)")
        }
        let (key, subresult) = try description.task(index)
        let bundle = try TaskArchive.read(description.bundle)
        var results: [String: Data] = [:]
        for entry in bundle.entries { results[entry.name] = entry.data }
        let computed = try RemoteCell.compute(description.cell, subresult: subresult, bundle: results, registry: registry,
                                              checkpoints: CheckpointFolder(directory: description.checkpoints), progress: progress)
        let path = description.resultPath(key: key)
        try TaskFiles.resultArchive(computed).write(to: path)
        return path
    }
}

/// A task's progress as lines on standard output (the job's `.out` file, which the submitting
/// process reads for its status line): every log line, and the latest progress at most once a second.
public final class TaskLogProgress: ProgressReporter, @unchecked Sendable {
    private let lock = NSLock()
    private var lastUpdate = Date.distantPast

    public init() {}

    private func write(_ line: String) {
        FileHandle.standardOutput.write(Data((line + "\n").utf8))
    }

    public func runStarted(notebook: String, cells: Int, toRun: Int, cached: Int) {}
    public func cellStarted(index: Int, ordinal: Int, toRun: Int, action: String) {}

    public func cellProgress(index: Int, _ update: ProgressUpdate) {
        let due = lock.withLock {
            guard Date().timeIntervalSince(lastUpdate) >= 1 else { return false }
            lastUpdate = Date()
            return true
        }
        if due, !update.message.isEmpty { write(update.message) }
    }

    public func cellLog(index: Int, _ line: String) { write(line) }
    public func cellFinished(index: Int, action: String, status: CellStatus, seconds: Double) {}
    public func runFinished(notebook: String, ran: Int, cached: Int, failed: Int, skipped: Int, seconds: Double, output: String?) {}
}
