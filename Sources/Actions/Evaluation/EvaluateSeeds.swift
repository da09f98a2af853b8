import Analysis
import Engine
import Foundation
import NeuralNet

/// `evaluate`'s `seeds` parameter: which of a model's seeds to evaluate.
///
/// A model trained with `seeds` or `repeat` holds one network per seed. `best` (the default)
/// evaluates the best seed's (by validation accuracy), as every later cell does; `all` evaluates
/// each seed's too, adds a table of their scores with a mean ± sd row, and makes `accuracy`,
/// `macro-f1`, `weighted-f1` and `log-loss` the means over the seeds, with `NAME-sd` and
/// `NAME-by-seed.N`. The per-class scores, the confusion matrix and the mistakes stay the best seed's.
enum EvaluateSeeds {
    static let choices = ["best", "all"]

    static let doc = "With a model trained over several seeds: 'best' evaluates the best seed's network; "
        + "'all' evaluates every seed's and reports mean ± sd (the details stay the best seed's)."

    /// The metrics summarised over seeds, with their fact kinds.
    static let metrics: [(name: String, title: String, kind: FactDeclaration.Kind)] = [
        ("accuracy", "accuracy", .percentage), ("macro-f1", "macro F1", .number),
        ("weighted-f1", "weighted F1", .number), ("log-loss", "log-loss", .number),
    ]

    /// The facts `seeds: all` adds.
    static let facts: [FactDeclaration] = [
        FactDeclaration("best-seed-accuracy", .percentage, doc: "With 'seeds: all': the accuracy of the best seed, whose details the report shows."),
    ] + metrics.flatMap { metric in [
        FactDeclaration(metric.name + "-sd", metric.kind, doc: "With 'seeds: all': the standard deviation of '\(metric.name)' over the seeds."),
        .family(metric.name + "-by-seed", suffix: "seed", metric.kind, doc: "With 'seeds: all': '\(metric.name)' of one seed, e.g. \(metric.name)-by-seed.1."),
    ] }

    /// One seed's scores, by metric name.
    static func scores(_ run: ModelValue.SeedRun, set: EvaluationImages, testTime: TestTimeAugmentation = .none,
                       precision: InferencePrecision = .float32) throws -> [String: Double] {
        let predictions = try Predictions(model: run.trained, images: set.images, testTime: testTime, precision: precision)
        let classes = set.classNames.count
        let confusion = ConfusionMatrix(actual: set.labels, predicted: predictions.predicted, classCount: classes)
        let report = ClassificationReport(confusion: confusion)
        return ["accuracy": report.accuracy, "macro-f1": report.macro.f1, "weighted-f1": report.weighted.f1,
                "log-loss": ClassifierMaths.logLoss(logits: predictions.logits, labels: set.labels, classCount: classes)]
    }

    /// Evaluates every seed of `model`, emits their table and publishes the means.
    static func report(_ context: ActionContext, model: ModelValue, set: EvaluationImages, label: String,
                       testTime: TestTimeAugmentation = .none, precision: InferencePrecision = .float32) throws {
        guard model.runs.count > 1 else {
            context.emit(markdown: "**\(label)** was trained with one seed, so 'seeds: all' evaluates just that one.")
            return
        }
        let perSeed = try model.runs.map { try scores($0, set: set, testTime: testTime, precision: precision) }
        var table = Table(columns: ["seed"] + metrics.map(\.title))
        for (index, run) in model.runs.enumerated() {
            let seed = run.seed.map(String.init) ?? "?"
            table.append([index == model.bestIndex ? "\(seed) (best)" : seed]
                         + metrics.map { perSeed[index][$0.name].map { Format.decimal($0) } ?? "–" })
        }
        var summaries: [String: SeedSummary] = [:]
        for metric in metrics { summaries[metric.name] = SeedSummary(perSeed.compactMap { $0[metric.name] }) }
        table.append(["**mean ± sd**"] + metrics.map { summaries[$0.name]?.text() ?? "–" })
        let accuracy = summaries["accuracy"].map { Format.percent($0.mean) + " ± " + Format.percent($0.sd) } ?? "–"
        context.emit(markdown: "Over its \(model.runs.count) seeds, \(label) has accuracy \(accuracy) (mean ± sd) on the "
                     + "\(set.part.rawValue) part; the rest of this report is the best seed's (\(model.seed.map(String.init) ?? "?")).")
        context.emit(table)

        context.publish(fact: "best-seed-accuracy", value: perSeed[model.bestIndex]["accuracy"] ?? .nan, kind: .fraction)
        for metric in metrics {
            guard let summary = summaries[metric.name], let kind = metric.kind.factKind else { continue }
            context.publish(fact: metric.name, value: summary.mean, kind: kind)
            context.publish(fact: metric.name + "-sd", value: summary.sd, kind: kind)
            for (index, run) in model.runs.enumerated() {
                if let value = perSeed[index][metric.name] {
                    context.publish(fact: SeedReport.perSeed(metric.name, seed: run.seed), value: value, kind: kind)
                }
            }
        }
    }
}
