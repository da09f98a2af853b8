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
        version: 3,
        summary: "Compares trained models (also from earlier runs): accuracy, McNemar's test, macro F1, parameters, training time, inference speed, curves.",
        discussion: """
            Takes every model above the cell, or those named ('models: [cnn, mlp]'), and evaluates each \
            on the same part of the split ('on: test' by default). Inference speed is measured here, in \
            batches of 1000 images, for at least a third of a second per model, so it depends on this \
            machine. Training time is what training took when the model was made. The chart shows each \
            model's validation accuracy after every epoch of its training. Each model is tested against \
            the most accurate one with McNemar's test on the same images: only the images exactly one of \
            the two got right count (b and c); the p-value is the exact two-sided binomial test when \
            b + c < 25 and the chi-square test with continuity correction, (|b − c| − 1)² / (b + c), \
            otherwise; p < 0.05 is called significant (not corrected for several comparisons). \
            'runs: [last, -2]' (or run ids, as 'loom runs' lists them) adds the models the same cells \
            made in earlier runs of this notebook, read from the cache, as 'cnn (run 3)'; their \
            validation curves are dashed. A relative run that does not exist yet is noted and left \
            out; an unknown run id, or a model pruned from the cache, is an error.
            """,
        inputs: [
            Input("models", kind: .model, multiple: true, doc: "The models to compare (every model above by default)."),
            Input("data", kind: .split, doc: "The split whose images they are evaluated on."),
        ],
        parameters: CompareParameters.self,
        example: "on: test\nruns: [last]",
        facts: PublishedFacts.compare,
        identity: { parameters, files in try EarlierRuns.identity(parameters.runs, runs: files.recordedRuns()) },
        run: CompareAction.run)
}

enum CompareAction {
    /// What `compare` measures of one model.
    struct Row {
        /// `cnn`, or `cnn (run 3)` for a model of an earlier run.
        var label: String
        /// `cnn`, or `cnn@run3`: the suffix of its facts.
        var factName: String
        /// The cell that made it: `cnn` for both.
        var cell: String
        var model: ModelValue
        var scores: ModelScores
        var imagesPerSecond: Double
        /// The earlier run it comes from; `nil` for this run's models.
        var run: Int64?

        var report: ClassificationReport { scores.report }
        var logLoss: Double { scores.logLoss }
    }

    /// One model against the most accurate one.
    struct PairedTest {
        var best: Row
        var other: Row
        /// `b`: only the best right; `c`: only the other right.
        var result: McNemarTest
    }

    static func run(_ parameters: CompareParameters, _ context: ActionContext) throws {
        let models = try context.inputs("models", as: ModelValue.self)
        let (split, dataset) = try context.splitData()
        let set = try EvaluationImages(split: split, dataset: dataset, part: parameters.on.part)
        let (runs, runNotes) = try EarlierRuns.resolve(parameters.runs, runs: context.recordedRuns())
        let current = zip(models.map(\.label), context.inputKeys("models")).map { (label: $0, key: $1) }
        let (earlier, sameNotes) = try EarlierRuns.models(of: current, in: runs, context: context)
        var entries = models.map { (label: $0.label, factName: $0.label, cell: $0.label, model: $0.value, run: Int64?.none) }
        entries += earlier.map { (label: $0.label, factName: $0.factName, cell: $0.cellLabel, model: $0.value,
                                  run: Optional($0.run.id)) }
        var rows: [Row] = []
        for entry in entries {
            try set.checkFits(entry.model, label: entry.label, parameter: entry.run == nil ? "models" : "runs")
            let predictions = try Predictions(model: entry.model.trained, images: set.images)
            rows.append(Row(label: entry.label, factName: entry.factName, cell: entry.cell, model: entry.model,
                            scores: ModelScores(predictions: predictions, actual: set.labels),
                            imagesPerSecond: try inferenceSpeed(entry.model.trained, images: set.images), run: entry.run))
            context.progress.log("\(entry.label): accuracy \(Format.decimal(rows.last?.report.accuracy ?? 0))")
        }

        let part = set.part.rawValue
        context.emit(markdown: "\(rows.count) \(rows.count == 1 ? "model" : "models") on the \(part) part "
                     + "(\(Format.count(set.count)) images):")
        for note in runNotes + sameNotes { context.emit(markdown: note) }
        for entry in entries {
            if let note = context.splitMismatchNote(for: entry.model, label: entry.label) { context.emit(markdown: note) }
        }
        context.emit(table(rows, part: part))
        if let sentence = summary(rows, part: part) { context.emit(markdown: sentence) }
        PublishedFacts.publishComparison(context, rows: rows, classNames: dataset.images.classNames)
        let tests = pairedTests(rows)
        if !tests.isEmpty {
            context.emit(significanceTable(tests, part: part))
            context.emit(markdown: significanceSentence(tests, images: set.count, part: part))
            PublishedFacts.publishSignificance(context, tests: tests)
        }

        let series = rows.compactMap { row -> LineChart.Series? in
            let points = row.model.trained.history.compactMap { record in
                record.validationAccuracy.map { (Double(record.epoch), Double($0)) }
            }
            guard !points.isEmpty else { return nil }
            // A cell's earlier runs share its colour, dashed.
            let colour = Theme.standard.color(models.firstIndex { $0.label == row.cell } ?? 0)
            return LineChart.Series(name: row.label, x: points.map(\.0), y: points.map(\.1),
                                    style: row.run == nil ? .solid : .dashed, color: colour)
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
