import Analysis
import Foundation

/// How `evaluate` computes its 95% intervals, as a cell writes it.
enum IntervalChoice: String, CaseIterable, Sendable {
    case wilson, bootstrap

    /// The method: Wilson's score interval, or the percentile bootstrap with 2000 resamples and seed 0.
    var method: IntervalMethod {
        switch self {
        case .wilson: .wilson
        case .bootstrap: .defaultBootstrap
        }
    }

    static let doc = "How the 95% intervals of accuracy and recall are computed: 'wilson' (Wilson's score interval) "
        + "or 'bootstrap' (percentile bootstrap of the images, 2000 resamples, seed 0)."
}

/// What `evaluate` and `compare` compute of one model on one set of images: every metric of
/// ``ClassifierEvaluation`` (from the predictions, labels and probabilities alone), the log-loss
/// and which images it got right, so that each model (of several seeds or earlier runs) is
/// scored by one call and models can be compared image by image.
struct ModelScores {
    /// Accuracy with its interval, per-class metrics, calibration and ROC AUC.
    let evaluation: ClassifierEvaluation
    /// The mean cross-entropy of the true classes, from the logits.
    let logLoss: Double
    /// Whether each image was classified right, in the set's order (for McNemar's test).
    let correct: [Bool]

    /// Scores a model's predictions.
    ///
    /// - Parameters:
    ///   - predictions: The model's outputs on the images.
    ///   - actual: The true class of each image.
    ///   - interval: How the 95% intervals are computed.
    ///   - calibrationBins: Equal-width confidence bins for the calibration error.
    init(predictions: Predictions, actual: [Int], interval: IntervalMethod = .wilson,
         calibrationBins: Int = Calibration.defaultBinCount) {
        evaluation = ClassifierEvaluation(actual: actual, predicted: predictions.predicted,
                                          probabilities: predictions.probabilities, classCount: predictions.classCount,
                                          interval: interval, calibrationBins: calibrationBins)
        logLoss = ClassifierMaths.logLoss(logits: predictions.logits, labels: actual, classCount: predictions.classCount)
        correct = zip(predictions.predicted, actual).map { $0 == $1 }
    }

    /// Accuracy, precision, recall and F1.
    var report: ClassificationReport { evaluation.report }
}

extension Format {
    /// `90.5–91.9%`: an interval of shares in percent.
    static func percentRange(_ interval: ProportionInterval, _ places: Int = 1) -> String {
        String(format: "%.\(places)f–%.\(places)f%%", interval.low * 100, interval.high * 100)
    }

    /// `0.0027`, `0.219`, `< 0.0001`: a p-value with the digits that matter.
    static func pValue(_ p: Double) -> String {
        if p < 0.0001 { return "< 0.0001" }
        return p < 0.01 ? String(format: "%.4f", p) : String(format: "%.3f", p)
    }

    /// `+1.23 pt`, `−0.40 pt`: a difference of shares in percentage points.
    static func points(_ difference: Double) -> String {
        let text = String(format: "%.2f pt", abs(difference) * 100)
        return (difference < 0 ? "−" : "+") + text
    }
}
