import Foundation

/// Everything `evaluate` reports about one model on one set of labelled items, computed from its
/// predictions, the labels and the predicted probabilities alone, so that it can be computed per
/// model (several seeds, several runs) and compared.
public struct ClassifierEvaluation: Equatable, Sendable {
    /// True classes down, predictions across.
    public let confusion: ConfusionMatrix
    /// Accuracy, per-class and averaged precision, recall and F1.
    public let report: ClassificationReport
    /// How the intervals were computed.
    public let intervalMethod: IntervalMethod
    /// The accuracy with its 95% interval.
    public let accuracy: ProportionInterval
    /// Each class's recall (correct / support) with its 95% interval.
    public let recall: [ProportionInterval]
    /// Confidence against accuracy, binned.
    public let calibration: Calibration
    /// Each class's one-vs-rest ROC AUC; `nil` where the class is absent from the labels.
    public let auc: [Double?]
    /// The mean of the defined per-class AUCs.
    public let macroAUC: Double?

    /// Scores predictions.
    ///
    /// - Parameters:
    ///   - actual: The true class of every item, each in `0..<classCount`.
    ///   - predicted: The predicted class of every item.
    ///   - probabilities: `N × classCount` predicted probabilities, row by row.
    ///   - classCount: The number of classes.
    ///   - interval: How the 95% intervals are computed, Wilson's by default.
    ///   - calibrationBins: Equal-width bins of the reliability diagram, 15 by default.
    public init(actual: [Int], predicted: [Int], probabilities: [Float], classCount: Int,
                interval: IntervalMethod = .wilson, calibrationBins: Int = Calibration.defaultBinCount) {
        precondition(probabilities.count == actual.count * classCount, "One row of probabilities per label is needed.")
        let confusion = ConfusionMatrix(actual: actual, predicted: predicted, classCount: classCount)
        self.confusion = confusion
        report = ClassificationReport(confusion: confusion)
        intervalMethod = interval
        accuracy = interval.interval(successes: confusion.correct, trials: confusion.total)
        let support = confusion.support
        recall = (0..<classCount).map { k in
            interval.interval(successes: confusion[actual: k, predicted: k], trials: support[k])
        }
        let confidence = predicted.enumerated().map { Double(probabilities[$0.offset * classCount + $0.element]) }
        calibration = Calibration(confidence: confidence, correct: zip(actual, predicted).map { $0 == $1 },
                                  binCount: calibrationBins)
        auc = ROC.oneVsRest(probabilities: probabilities, labels: actual, classCount: classCount)
        macroAUC = ROC.macro(auc)
    }
}
