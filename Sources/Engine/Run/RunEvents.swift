import Foundation

/// One finished training epoch, as a live view shows it (a row of the epoch table, a point of the curves).
public struct EpochProgress: Sendable, Equatable, Codable {
    /// The 1-based epoch.
    public var epoch: Int
    /// The epochs planned.
    public var epochs: Int
    public var trainLoss: Double
    public var trainAccuracy: Double
    public var validationLoss: Double?
    public var validationAccuracy: Double?
    public var learningRate: Double
    /// The seconds the epoch's training steps took.
    public var seconds: Double
    public var imagesPerSecond: Double
    /// A sweep variant's name, or empty for a cell's only model.
    public var label: String

    public init(epoch: Int, epochs: Int, trainLoss: Double, trainAccuracy: Double, validationLoss: Double?,
                validationAccuracy: Double?, learningRate: Double, seconds: Double, imagesPerSecond: Double,
                label: String = "") {
        self.epoch = epoch
        self.epochs = epochs
        self.trainLoss = trainLoss
        self.trainAccuracy = trainAccuracy
        self.validationLoss = validationLoss
        self.validationAccuracy = validationAccuracy
        self.learningRate = learningRate
        self.seconds = seconds
        self.imagesPerSecond = imagesPerSecond
        self.label = label
    }
}

/// Asks a run to stop: the runner starts no further cell, and long actions (training) stop
/// between batches, keeping their per-epoch checkpoints. Thread-safe; once set it stays set.
public final class RunCancellation: @unchecked Sendable {
    private let lock = NSLock()
    private var cancelled = false

    public init() {}

    /// Asks the run to stop.
    public func cancel() { lock.withLock { cancelled = true } }

    /// Whether ``cancel()`` was called.
    public var isCancelled: Bool { lock.withLock { cancelled } }
}

/// The optional events have no effect unless a reporter implements them.
extension ProgressReporter {
    public func cellQueued(index: Int, action: String) {}
    public func cellEpoch(index: Int, _ epoch: EpochProgress) {}
    public func cellReported(_ report: CellReport) {}
}
