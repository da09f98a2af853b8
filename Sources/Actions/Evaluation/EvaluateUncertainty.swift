import Analysis
import Engine
import Figures
import Foundation

/// The parts of `evaluate` beyond the classification report: intervals, calibration and ROC AUC.
extension EvaluateAction {
    /// "accuracy **91.2%** (95% interval 90.5–91.9%, Wilson score)"
    static func accuracyText(_ evaluation: ClassifierEvaluation) -> String {
        "accuracy **\(Format.percent(evaluation.accuracy.estimate))** (95% interval "
            + "\(Format.percentRange(evaluation.accuracy)), \(evaluation.intervalMethod.description))"
    }

    /// Per class: recall with its 95% interval and the one-vs-rest ROC AUC, then the macro averages.
    static func uncertaintyTable(_ evaluation: ClassifierEvaluation, names: [String]) -> Table {
        var table = Table(columns: ["class", "recall", "recall 95% interval", "ROC AUC (one-vs-rest)", "support"],
                          alignments: [.left, .right, .right, .right, .right])
        for (index, name) in names.enumerated() {
            let recall = evaluation.recall[index]
            // A class without images here has no recall to speak of.
            table.append([name, recall.trials == 0 ? "–" : Format.decimal(recall.estimate),
                          recall.trials == 0 ? "–" : "\(Format.decimal(recall.low)) – \(Format.decimal(recall.high))",
                          evaluation.auc[index].map { Format.decimal($0, 4) } ?? "–", Format.count(recall.trials)])
        }
        table.append(["**macro average**", Format.decimal(evaluation.report.macro.recall), "",
                      evaluation.macroAUC.map { Format.decimal($0, 4) } ?? "–", Format.count(evaluation.confusion.total)])
        return table
    }

    /// What the table above says and how it was computed.
    static func uncertaintyNote(_ evaluation: ClassifierEvaluation) -> String {
        let interval = evaluation.accuracy
        var text = "The 95% intervals are \(evaluation.intervalMethod.description) intervals: on "
            + "\(Format.count(interval.trials)) images the accuracy is known to about "
            + "±\(Format.decimal(interval.halfWidth * 100, 1)) points, so smaller differences between models "
            + "are within the noise. ROC AUC is the chance that an image of the class gets a higher probability "
            + "for it than an image of another class (0.5 is guessing, 1 a perfect ranking)"
        if evaluation.auc.contains(where: { $0 == nil }) {
            text += "; a class without images here has none"
        }
        return text + "."
    }

    /// "Expected calibration error 0.021 (15 bins): mean confidence 95.1% against accuracy 91.2%,
    /// so the model is overconfident."
    static func calibrationSentence(_ calibration: Calibration, accuracy: Double) -> String {
        let confidence = calibration.bins.reduce(0.0) { $0 + ($1.meanConfidence ?? 0) * Double($1.count) }
            / Double(max(calibration.count, 1))
        let gap = confidence - accuracy
        let verdict = abs(gap) < 0.005 ? "so on the whole its confidence matches its accuracy"
            : gap > 0 ? "so the model is overconfident" : "so the model is underconfident"
        return "Expected calibration error **\(Format.decimal(calibration.expectedError))** "
            + "(\(calibration.bins.count) equal-width bins; the largest gap of a bin is "
            + "\(Format.decimal(calibration.maximumError))): mean confidence \(Format.percent(confidence)) against "
            + "accuracy \(Format.percent(accuracy)), \(verdict)."
    }

    /// Accuracy against confidence per bin, with the diagonal and the counts.
    static func reliabilityFigure(_ calibration: Calibration) -> Figure {
        let chart = ReliabilityDiagram(
            bins: calibration.bins,
            title: "ECE \(Format.decimal(calibration.expectedError)) over \(calibration.bins.count) bins "
                + "(numbers: predictions per bin)")
        return Figure(chart, size: Size(width: 560, height: 480))
    }
}
