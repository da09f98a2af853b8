import Analysis
import Dataset
import Engine
import Figures
import Foundation
import NeuralNet

extension Action {
    /// `evaluate`: accuracy with its 95% interval, per-class precision, recall (with intervals)
    /// and F1, log-loss, calibration (ECE and a reliability diagram), one-vs-rest ROC AUC, the
    /// confusion matrix and the most confident mistakes of a trained model on one part of a split.
    public static let evaluate = Action(
        name: "evaluate",
        version: 4,
        summary: "Scores a trained model: accuracy with its 95% interval, per-class precision/recall/F1, calibration, ROC AUC, confusion matrix, worst mistakes.",
        discussion: """
            Runs the model on one part of the split ('on: test' by default) and reports accuracy, \
            log-loss (the mean cross-entropy of the true classes), and per-class precision, recall and \
            F1 with their macro (unweighted) and weighted (by support) averages, as scikit-learn's \
            classification_report computes them. The confusion matrix has the true classes as rows and \
            the predictions as columns; 'normalize: true' shows each row as shares of its class, so \
            the diagonal is the recall. The grid shows the mistakes the model was most sure of, framed \
            in red, with their true and predicted classes and the predicted probability. Accuracy and each \
            class's recall get a 95% confidence interval: Wilson's score interval by default, which stays \
            accurate for small classes and shares near 1, or 'interval: bootstrap' (percentile bootstrap, \
            2000 resamples, seed 0). Calibration: the confidence of a prediction is the probability of the \
            predicted class; the expected calibration error (ECE) is the mean gap between confidence and \
            accuracy over 'bins' equal-width bins (15 by default), weighted by the bins' counts, and the \
            reliability diagram shows each bin's accuracy against the diagonal of perfect calibration. \
            ROC AUC is one-vs-rest per class (each class's probability ranks its images against the rest; \
            ties count half), with their unweighted mean as the macro AUC.
            """,
        inputs: [
            Input("model", kind: .model, doc: "The trained model to evaluate."),
            Input("data", kind: .split, doc: "The split whose images it is evaluated on."),
        ],
        parameters: EvaluateParameters.self,
        example: "on: test\nnormalize: true\nmistakes: 8\ninterval: wilson\nbins: 15",
        facts: PublishedFacts.evaluate + PublishedFacts.confusion,
        run: EvaluateAction.run)
}

/// The parameters of `evaluate`.
struct EvaluateParameters: ParameterSet {
    var on = EvaluationPart.test
    var normalize = false
    var mistakes = 16
    var interval = IntervalChoice.wilson
    var bins = Calibration.defaultBinCount
    /// `best` (`nil`: the default) or `all`; see ``EvaluateSeeds``.
    var seeds: String?
    var testTime = TestTimeAugmentation.none
    var precision = InferencePrecision.float32

    static let fields: [Field<Self>] = [
        Field("on", \.on, doc: EvaluationPart.doc),
        Field("normalize", \.normalize, .boolean, doc: "Show the confusion matrix as shares of each true class instead of counts."),
        Field("mistakes", \.mistakes, .integer(.closed(0, 10_000)), doc: "How many of the most confident mistakes to show (0 for none)."),
        Field("interval", \.interval, doc: IntervalChoice.doc),
        Field("bins", \.bins, .integer(.closed(2, 100)), doc: "Equal-width confidence bins of the calibration error and the reliability diagram."),
        Field("seeds", \.seeds, .choice(EvaluateSeeds.choices), doc: EvaluateSeeds.doc),
        Field("test-time", \.testTime, doc: TestTimeAugmentation.doc),
        Field("precision", \.precision, doc: InferencePrecision.doc),
    ]
}

enum EvaluateAction {
    static func run(_ parameters: EvaluateParameters, _ context: ActionContext) throws {
        let model = try context.input("model", as: ModelValue.self)
        let label = context.inputLabel("model") ?? "model"
        let (split, dataset) = try context.splitData()
        let set = try EvaluationImages(split: split, dataset: dataset, part: parameters.on.part)
        try set.checkFits(model, label: label, parameter: "model")
        let predictions = try Predictions(model: model.trained, images: set.images, testTime: parameters.testTime,
                                          precision: parameters.precision)
        let actual = set.labels
        let names = set.classNames
        let scores = ModelScores(predictions: predictions, actual: actual, interval: parameters.interval.method,
                                 calibrationBins: parameters.bins)
        let evaluation = scores.evaluation
        let confusion = evaluation.confusion
        let report = evaluation.report
        let loss = scores.logLoss
        PublishedFacts.publishEvaluation(context, report: report, logLoss: loss, mistakes: confusion.total - confusion.correct,
                                         images: set.count, classNames: names)
        PublishedFacts.publishUncertainty(context, evaluation: evaluation, classNames: names)
        PublishedFacts.publishConfusions(context, confusion: confusion, classNames: names)

        context.emit(markdown: "**\(label)** on the \(set.part.rawValue) part (\(Format.count(set.count)) images, "
                     + "\(names.count) classes\(parameters.testTime.clause)\(parameters.precision.clause)): \(accuracyText(evaluation)), "
                     + "\(Format.count(confusion.total - confusion.correct)) mistakes.")
        if let note = context.splitMismatchNote(for: model, label: label) { context.emit(markdown: note) }
        if parameters.precision != .float32 {
            let reference = try Predictions(model: model.trained, images: set.images, testTime: parameters.testTime)
            context.emit(markdown: PrecisionComparison(reduced: predictions, reference: reference, actual: actual,
                                                       precision: parameters.precision).sentence)
        }
        if parameters.seeds == "all" {
            try EvaluateSeeds.report(context, model: model, set: set, label: label, testTime: parameters.testTime,
                                     precision: parameters.precision)
        }
        context.emit(metricsTable(evaluation, logLoss: loss, count: set.count))
        context.emit(classTable(report: report, names: names))
        context.emit(markdown: summarySentence(confusion: confusion, report: report, names: names))
        context.emit(uncertaintyTable(evaluation, names: names))
        context.emit(markdown: uncertaintyNote(evaluation))

        let normalize = parameters.normalize
        try context.emit(confusionFigure(confusion, names: names, normalize: normalize),
                         name: "confusion-matrix",
                         title: "Confusion matrix of \(label) on the \(set.part.rawValue) part")

        context.emit(.details(summary: "The confusion matrix as a table (rows: true class, columns: predicted)",
                              body: confusionTable(confusion, names: names).markdown))

        context.emit(markdown: calibrationSentence(evaluation.calibration, accuracy: report.accuracy))
        try context.emit(reliabilityFigure(evaluation.calibration), name: "reliability-diagram",
                         title: "Reliability diagram of \(label) on the \(set.part.rawValue) part: accuracy against "
                             + "confidence in \(parameters.bins) bins, the dashed diagonal is perfect calibration")

        let limit = parameters.mistakes
        let mistakes = ClassifierMaths.confidentMistakes(predicted: predictions.predicted, actual: actual,
                                                         confidence: predictions.confidence, limit: limit)
        PublishedFacts.publishConfusion(context, confusion: confusion, names: names,
                                        shownConfidences: mistakes.map { predictions.confidence[$0] })
        if !mistakes.isEmpty {
            let pictures = mistakes.map { index in
                GridImage(image: set.picture(index),
                          caption: "\(names[actual[index]]) → \(names[predictions.predicted[index]]) "
                              + probabilityText(predictions.confidence[index]),
                          frame: .wrong)
            }
            let grid = ImageGrid(images: pictures, columns: min(8, pictures.count),
                                 title: "Most confident mistakes (true → predicted, probability)")
            try context.emit(Figure(grid), name: "mistakes", title: "The \(mistakes.count) most confident mistakes of \(label)")
        }
    }

    /// Overall metrics: accuracy and its interval, log-loss, macro and weighted averages,
    /// calibration errors and the macro ROC AUC.
    static func metricsTable(_ evaluation: ClassifierEvaluation, logLoss: Double, count: Int) -> Table {
        let report = evaluation.report
        var table = Table(columns: ["metric", "value"])
        table.append(["accuracy", Format.decimal(report.accuracy)])
        table.append(["accuracy 95% interval",
                      "\(Format.decimal(evaluation.accuracy.low)) – \(Format.decimal(evaluation.accuracy.high))"])
        table.append(["log-loss", Format.decimal(logLoss)])
        table.append(["macro precision", Format.decimal(report.macro.precision)])
        table.append(["macro recall", Format.decimal(report.macro.recall)])
        table.append(["macro F1", Format.decimal(report.macro.f1)])
        table.append(["weighted precision", Format.decimal(report.weighted.precision)])
        table.append(["weighted recall", Format.decimal(report.weighted.recall)])
        table.append(["weighted F1", Format.decimal(report.weighted.f1)])
        table.append(["expected calibration error", Format.decimal(evaluation.calibration.expectedError)])
        table.append(["maximum calibration error", Format.decimal(evaluation.calibration.maximumError)])
        table.append(["macro ROC AUC", evaluation.macroAUC.map { Format.decimal($0, 4) } ?? "–"])
        table.append(["images", Format.count(count)])
        return table
    }

    /// Precision, recall, F1 and support per class, then the two averages.
    static func classTable(report: ClassificationReport, names: [String]) -> Table {
        var table = Table(columns: ["class", "precision", "recall", "F1", "support"])
        func row(_ name: String, _ scores: ClassScores) -> [String] {
            [name, Format.decimal(scores.precision), Format.decimal(scores.recall), Format.decimal(scores.f1),
             Format.count(scores.support)]
        }
        for (name, scores) in zip(names, report.perClass) { table.append(row(name, scores)) }
        table.append(row("**macro average**", report.macro))
        table.append(row("**weighted average**", report.weighted))
        return table
    }

    /// "Shirt is most often mistaken for T-shirt/top (112 times, 16.0% of Shirt images). The
    /// weakest class is Shirt (F1 0.712)."
    static func summarySentence(confusion: ConfusionMatrix, report: ClassificationReport, names: [String]) -> String {
        guard let pair = confusion.mostConfused else {
            return "Every image is classified correctly."
        }
        let support = confusion.support[pair.actual]
        let names = names.map(MarkdownText.literal)
        var text = "\(names[pair.actual]) is most often mistaken for \(names[pair.predicted]) "
            + "(\(Format.count(pair.count)) \(pair.count == 1 ? "time" : "times"), "
            + "\(Format.percent(Double(pair.count) / Double(max(support, 1)))) of \(names[pair.actual]) images)."
        let present = report.perClass.indices.filter { report.perClass[$0].support > 0 }
        if let weakest = present.min(by: { report.perClass[$0].f1 < report.perClass[$1].f1 }) {
            text += " The weakest class is \(names[weakest]) (F1 \(Format.decimal(report.perClass[weakest].f1)))."
        }
        return text
    }

    /// The counts with the true classes as rows and the predictions as columns.
    static func confusionTable(_ confusion: ConfusionMatrix, names: [String]) -> Table {
        var table = Table(columns: ["true \\ predicted"] + names)
        for (row, name) in names.enumerated() {
            table.append([name] + (0..<names.count).map { Format.count(confusion[actual: row, predicted: $0]) })
        }
        return table
    }

    /// The confusion matrix as an annotated heatmap, true classes down, predictions across.
    static func confusionFigure(_ confusion: ConfusionMatrix, names: [String], normalize: Bool) -> Figure {
        let values = normalize ? confusion.rowNormalized : confusion.counts.map(Double.init)
        let heatmap = Heatmap(
            values: values, rows: names.count, columns: names.count, rowLabels: names, columnLabels: names,
            colorMap: .blues, range: normalize ? 0...1 : nil, annotate: true, valueDecimals: 2,
            title: normalize ? "Confusion matrix (shares of each true class)" : "Confusion matrix (images)", xLabel: "predicted class", yLabel: "true class",
            colorBarLabel: normalize ? "share of the true class" : "images")
        let side = min(960, max(380, 230 + 50 * Double(names.count)))
        return Figure(heatmap, size: Size(width: side, height: side - 50))
    }
}
