import Foundation

/// One task of a cell computed elsewhere (a Slurm job, or one task of a job array): what the
/// terminal's status line sums up and the preview lists under the cell.
public struct RemoteTaskStatus: Sendable, Equatable, Codable {
    /// What the task computes: the cell's action (`train.mlp`) or a sweep variant (`variant relu 8×1`).
    public var name: String
    /// The scheduler's id of its latest submission: `12`, or `12_3` for task 3 of array 12; `nil` before it is submitted.
    public var job: String?
    /// The scheduler's state: `PENDING`, `RUNNING`, `COMPLETED`, `FAILED`, `TIMEOUT`, `CANCELLED`…
    public var state: String
    /// The submissions so far (1 for the first, more after retries).
    public var attempt: Int
    /// The task's latest line while it runs (`epoch 2/3 · loss 0.41`), or why it ended.
    public var detail: String

    public init(name: String, job: String?, state: String, attempt: Int, detail: String = "") {
        self.name = name
        self.job = job
        self.state = state
        self.attempt = attempt
        self.detail = detail
    }
}

extension CellProgress {
    /// Reports the tasks of this cell that an executor submitted, each time one of them changes.
    public func tasks(_ tasks: [RemoteTaskStatus]) { reporter.cellTasks(index: index, tasks) }
}

extension ProgressReporter {
    public func cellTasks(index: Int, _ tasks: [RemoteTaskStatus]) {}
}
