import Analysis
import Dataset
import Engine
import Figures
import Foundation
import NeuralNet

extension Action {
    /// `compare`: several trained models side by side.
    public static let compare = Action(
        name: "compare",
        version: 1,
        summary: "Compares trained models: accuracy, macro F1, parameters, training time, inference speed, curves.",
        discussion: """
            Takes every model above the cell, or those named ('models: [cnn, mlp]'), and evaluates each \
            on the same part of the split ('on: test' by default). Inference speed is measured here, in \
            batches of 1000 images, for at least a third of a second per model, so it depends on this \
            machine. Training time is what training took when the model was made. The chart shows each \
            model's validation accuracy after every epoch of its training.
            """,
        inputs: [
            Input("models", kind: .model, multiple: true, doc: "The models to compare (every model above by default)."),
            Input("data", kind: .split, doc: "The split whose images they are evaluated on."),
        ],
        parameters: CompareParameters.self,
        facts: PublishedFacts.compare,
        run: CompareAction.run)
}

enum CompareAction {
    /// What `compare` measures of one model.
    struct Row {
        var label: String
        var model: ModelValue
        var report: ClassificationReport
        var logLoss: Double
        var imagesPerSecond: Double
    }

    static func run(_ parameters: CompareParameters, _ context: ActionContext) throws {
        let models = try context.inputs("models", as: ModelValue.self)
        let (split, dataset) = try context.splitData()
        let set = try EvaluationImages(split: split, dataset: dataset, part: parameters.on.part)
        var rows: [Row] = []
        for (label, model) in models {
            try set.checkFits(model, label: label, parameter: "models")
            let predictions = try Predictions(model: model.trained, images: set.images)
            let actual = set.labels
            let confusion = ConfusionMatrix(actual: actual, predicted: predictions.predicted, classCount: set.classNames.count)
            rows.append(Row(label: label, model: model, report: ClassificationReport(confusion: confusion),
                            logLoss: ClassifierMaths.logLoss(logits: predictions.logits, labels: actual,
                                                             classCount: set.classNames.count),
                            imagesPerSecond: try inferenceSpeed(model.trained, images: set.images)))
            context.progress.log("\(label): accuracy \(Format.decimal(rows.last?.report.accuracy ?? 0))")
        }

        let part = set.part.rawValue
        context.emit(markdown: "\(rows.count) \(rows.count == 1 ? "model" : "models") on the \(part) part "
                     + "(\(Format.count(set.count)) images):")
        for (label, model) in models {
            if let note = context.splitMismatchNote(for: model, label: label) { context.emit(markdown: note) }
        }
        context.emit(table(rows, part: part))
        if let sentence = summary(rows, part: part) { context.emit(markdown: sentence) }
        PublishedFacts.publishComparison(context, rows: rows)

        let series = rows.compactMap { row -> LineChart.Series? in
            let points = row.model.trained.history.compactMap { record in
                record.validationAccuracy.map { (Double(record.epoch), Double($0)) }
            }
            guard !points.isEmpty else { return nil }
            return LineChart.Series(name: row.label, x: points.map(\.0), y: points.map(\.1))
        }
        if series.isEmpty {
            context.emit(markdown: "No model recorded a validation accuracy during training, so there are no curves to show.")
        } else {
            let chart = LineChart(series: series, title: "Validation accuracy per epoch", xLabel: "epoch",
                                  yLabel: "validation accuracy")
            try context.emit(Figure(chart, size: Size(width: 640, height: 380)), name: "validation-curves",
                             title: "Validation accuracy per epoch of \(series.map(\.name).joined(separator: ", "))")
        }
    }

    /// Images per second of inference in batches of 1000: the part's images (repeated to make
    /// a whole batch when there are fewer) run through the model until a third of a second passed.
    static func inferenceSpeed(_ model: TrainedModel, images: ImageSet) throws -> Double {
        let batch = images.subset((0..<Sequential.inferenceBatch).map { $0 % images.count })
        var seen = 0
        let started = DispatchTime.now().uptimeNanoseconds
        var elapsed = 0.0
        repeat {
            do {
                _ = try model.logits(for: batch)
            } catch {
                throw ActionError("\(error)")
            }
            seen += batch.count
            elapsed = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9
        } while elapsed < 1.0 / 3
        return Double(seen) / elapsed
    }

    /// One row per model; the best value of each quality column in bold.
    static func table(_ rows: [Row], part: String) -> Table {
        var table = Table(columns: ["model", "family", "parameters", "epochs", "training time", "\(part) accuracy",
                                    "macro F1", "log-loss", "inference img/s"],
                          alignments: [.left, .left] + Array(repeating: .right, count: 7))
        let bestAccuracy = rows.map(\.report.accuracy).max()
        let bestF1 = rows.map(\.report.macro.f1).max()
        let bestLoss = rows.map(\.logLoss).min()
        let fastest = rows.map(\.imagesPerSecond).max()
        func bold(_ text: String, _ isBest: Bool) -> String { isBest && rows.count > 1 ? "**\(text)**" : text }
        for row in rows {
            table.append([
                row.label, row.model.family, Format.count(row.model.trained.model.parameterCount),
                String(row.model.trained.history.count), duration(row.model.trainingSeconds),
                bold(Format.decimal(row.report.accuracy), row.report.accuracy == bestAccuracy),
                bold(Format.decimal(row.report.macro.f1), row.report.macro.f1 == bestF1),
                bold(Format.decimal(row.logLoss), row.logLoss == bestLoss),
                bold(Format.count(Int(row.imagesPerSecond.rounded())), row.imagesPerSecond == fastest),
            ])
        }
        return table
    }

    /// "**cnn** has the highest test accuracy (0.912); **mlp** is the fastest at inference (3.4× cnn)."
    static func summary(_ rows: [Row], part: String) -> String? {
        guard rows.count > 1,
              let best = rows.max(by: { $0.report.accuracy < $1.report.accuracy }),
              let fastest = rows.max(by: { $0.imagesPerSecond < $1.imagesPerSecond }) else { return nil }
        var text = "**\(best.label)** has the highest \(part) accuracy (\(Format.decimal(best.report.accuracy)))"
        if fastest.label == best.label {
            text += " and is also the fastest at inference."
        } else {
            let ratio = fastest.imagesPerSecond / max(best.imagesPerSecond, 1e-9)
            text += ratio < 1.1
                ? ", and no other model infers more than 10% faster."
                : "; **\(fastest.label)** is the fastest at inference (\(Format.decimal(ratio, 1))× \(best.label))."
        }
        return text
    }

    /// `41.2 s`, `3 min 05 s`, `1 h 02 min`.
    static func duration(_ seconds: Double) -> String {
        if seconds < 60 { return "\(Format.decimal(seconds, 1)) s" }
        let whole = Int(seconds.rounded())
        if whole < 3600 { return String(format: "%d min %02d s", whole / 60, whole % 60) }
        return String(format: "%d h %02d min", whole / 3600, whole % 3600 / 60)
    }
}
