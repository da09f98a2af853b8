import Foundation

/// A validation measurement that training can watch: for early stopping, for reduce-on-plateau,
/// and to choose the epoch whose weights a run keeps.
public enum MonitoredMetric: String, Codable, Sendable, CaseIterable {
    /// The mean cross-entropy (with the run's label smoothing); lower is better.
    case loss
    /// The share of images classified correctly; higher is better.
    case accuracy
    /// The F1 score averaged over the classes, unweighted; higher is better.
    case macroF1 = "macro-f1"

    /// Whether a larger value is an improvement.
    public var higherIsBetter: Bool { self != .loss }

    /// `validation loss`, `validation accuracy`, `validation macro-F1`.
    public var phrase: String {
        switch self {
        case .loss: "validation loss"
        case .accuracy: "validation accuracy"
        case .macroF1: "validation macro-F1"
        }
    }

    /// `loss`, `accuracy`, `macro-F1`: the short name for tables and legends.
    public var shortName: String { self == .macroF1 ? "macro-F1" : rawValue }

    /// The metric's value in an epoch's record, `nil` when the epoch was not validated.
    public func value(in record: EpochRecord) -> Float? {
        switch self {
        case .loss: record.validationLoss
        case .accuracy: record.validationAccuracy
        case .macroF1: record.validationMacroF1
        }
    }
}

/// Watches one validation metric epoch by epoch and says whether each epoch improved on the best
/// so far by more than `minDelta` (the first measured epoch always does).
///
/// ```swift
/// var monitor = MetricMonitor(metric: .macroF1, minDelta: 0.001)
/// monitor.observe(0.85, epoch: 1)   // true: the first epoch is the best so far
/// monitor.observe(0.8505, epoch: 2) // false: not better by more than 0.001
/// monitor.epochsWithoutImprovement  // 1
/// ```
public struct MetricMonitor: Codable, Sendable, Equatable {
    /// The metric watched.
    public var metric: MonitoredMetric
    /// How much better than the best a value must be to count as an improvement.
    public var minDelta: Float
    /// The best value so far, `nil` before the first epoch.
    public var best: Float?
    /// The 1-based epoch of ``best``.
    public var bestEpoch: Int?
    /// The epochs since the last improvement.
    public var epochsWithoutImprovement: Int

    /// A monitor that has seen nothing yet.
    ///
    /// - Parameters:
    ///   - metric: The metric watched.
    ///   - minDelta: The smallest change that counts as an improvement, at least 0.
    public init(metric: MonitoredMetric, minDelta: Float = 0) {
        self.metric = metric
        self.minDelta = minDelta
        best = nil
        bestEpoch = nil
        epochsWithoutImprovement = 0
    }

    /// Whether `value` improves on the best so far by more than ``minDelta``.
    public func improves(_ value: Float) -> Bool {
        guard let best else { return true }
        if best.isNaN { return !value.isNaN }
        return metric.higherIsBetter ? value > best + minDelta : value < best - minDelta
    }

    /// Records epoch `epoch`'s value.
    ///
    /// - Returns: whether it improved on the best so far (and is now the best).
    @discardableResult
    public mutating func observe(_ value: Float, epoch: Int) -> Bool {
        if improves(value) {
            best = value
            bestEpoch = epoch
            epochsWithoutImprovement = 0
            return true
        }
        epochsWithoutImprovement += 1
        return false
    }
}

/// Early stopping: end the run when a validation metric has not improved for `patience` epochs,
/// and (with `restoreBest`) keep the weights of the epoch where it was best.
public struct EarlyStopping: Codable, Sendable, Equatable {
    /// The epochs without improvement after which training stops, at least 1.
    public var patience: Int
    /// The metric watched.
    public var metric: MonitoredMetric
    /// The smallest change that counts as an improvement.
    public var minDelta: Float
    /// Whether the trained model keeps the best epoch's weights (otherwise the last epoch's).
    public var restoreBest: Bool

    /// Creates the settings; the defaults watch the validation loss and keep the best weights.
    public init(patience: Int, metric: MonitoredMetric = .loss, minDelta: Float = 0, restoreBest: Bool = true) {
        self.patience = patience
        self.metric = metric
        self.minDelta = minDelta
        self.restoreBest = restoreBest
    }
}

/// Reduce-on-plateau: multiply the learning rate by `factor` when a validation metric has not
/// improved for `patience` epochs, never going below `minimum` (as Keras's `ReduceLROnPlateau`,
/// without cooldown). The count of epochs without improvement starts again after each reduction.
public struct Plateau: Codable, Sendable, Equatable {
    /// The factor applied at each reduction, in `(0, 1)`.
    public var factor: Float
    /// The epochs without improvement before a reduction, at least 1.
    public var patience: Int
    /// The lowest learning rate.
    public var minimum: Float
    /// The metric watched.
    public var metric: MonitoredMetric
    /// The smallest change that counts as an improvement.
    public var minDelta: Float

    /// Creates the settings.
    public init(factor: Float = 0.5, patience: Int = 2, minimum: Float = 0, metric: MonitoredMetric = .loss, minDelta: Float = 0) {
        self.factor = factor
        self.patience = patience
        self.minimum = minimum
        self.metric = metric
        self.minDelta = minDelta
    }

    /// Checks every setting's range.
    ///
    /// - Throws: ``NeuralNetError/invalidSetting(name:reason:)`` for the first bad one.
    public func validate() throws(NeuralNetError) {
        guard factor > 0, factor < 1 else {
            throw .invalidSetting(name: "plateau", reason: "its factor must be above 0 and below 1 but is \(factor)")
        }
        guard patience >= 1 else { throw .invalidSetting(name: "plateau", reason: "its patience must be at least 1 but is \(patience)") }
        guard minimum >= 0, minimum.isFinite else {
            throw .invalidSetting(name: "plateau", reason: "its minimum must be a number of at least 0 but is \(minimum)")
        }
        guard minDelta >= 0, minDelta.isFinite else {
            throw .invalidSetting(name: "plateau", reason: "its min-delta must be a number of at least 0 but is \(minDelta)")
        }
    }
}

/// The state of a reduce-on-plateau schedule between epochs: the rate now and the monitor.
public struct PlateauState: Codable, Sendable, Equatable {
    /// The learning rate of the coming epoch.
    public var rate: Float
    /// The metric's history so far.
    public var monitor: MetricMonitor

    /// The state before the first epoch.
    public init(rate: Float, plateau: Plateau) {
        self.rate = rate
        monitor = MetricMonitor(metric: plateau.metric, minDelta: plateau.minDelta)
    }

    /// Observes an epoch's value and reduces the rate when `plateau.patience` epochs have passed
    /// without improvement.
    ///
    /// - Returns: whether the rate was lowered.
    public mutating func observe(_ value: Float, epoch: Int, plateau: Plateau) -> Bool {
        guard !monitor.observe(value, epoch: epoch), monitor.epochsWithoutImprovement >= plateau.patience else { return false }
        let lowered = max(rate * plateau.factor, plateau.minimum)
        guard lowered < rate else { return false }
        rate = lowered
        monitor.epochsWithoutImprovement = 0
        return true
    }
}

/// Counts of predictions against labels, per class, from which per-class F1 scores follow.
public struct ClassCounts: Sendable, Equatable {
    /// Correct predictions of each class.
    public var truePositives: [Int]
    /// Images predicted as each class.
    public var predicted: [Int]
    /// Images labelled as each class.
    public var actual: [Int]

    /// Empty counts for `classes` classes.
    public init(classes: Int) {
        truePositives = Array(repeating: 0, count: classes)
        predicted = truePositives
        actual = truePositives
    }

    /// Counts one prediction.
    public mutating func add(label: Int, prediction: Int) {
        actual[label] += 1
        predicted[prediction] += 1
        if label == prediction { truePositives[label] += 1 }
    }

    /// The F1 score `2·TP / (2·TP + FP + FN)` averaged over the classes that occur among the
    /// labels or the predictions (scikit-learn's `f1_score(average="macro")` on the classes seen);
    /// 0 when nothing was counted.
    public var macroF1: Float {
        var sum = 0.0, classes = 0
        for k in actual.indices where actual[k] + predicted[k] > 0 {
            sum += 2 * Double(truePositives[k]) / Double(actual[k] + predicted[k])
            classes += 1
        }
        return classes == 0 ? 0 : Float(sum / Double(classes))
    }
}
