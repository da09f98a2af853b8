import Engine
import Figures
import Foundation
import NeuralNet

/// How a training cell over several seeds reports: a table of the seeds with a mean ± sd row,
/// the epochs as mean ± sd, training curves with ± sd bands, and facts for the mean, the standard
/// deviation and each seed.
enum SeedReport {
    /// The facts that differ between seeds: each is published as the mean over the seeds (under
    /// its single-seed name), with `NAME-sd` and each seed's `NAME-by-seed.N`.
    static let varyingFacts: [(name: String, kind: FactDeclaration.Kind)] = [
        ("epochs", .count), ("seconds", .duration), ("best-validation-accuracy", .percentage),
        ("seconds-per-epoch", .duration), ("images-per-second", .number), ("best-epoch", .count),
        ("final-validation-accuracy", .percentage), ("final-train-loss", .number), ("final-learning-rate", .number),
    ]

    /// The kind of a fact's standard deviation: a count's is a fractional number.
    static func sdKind(_ kind: FactDeclaration.Kind) -> FactDeclaration.Kind { kind == .count ? .number : kind }

    /// `3 seeds`, `1 seed`
    static func count(_ seeds: Int) -> String { "\(seeds) seed\(seeds == 1 ? "" : "s")" }

    /// `final-validation-accuracy-by-seed.3`: the fact of one seed.
    static func perSeed(_ name: String, seed: Int?) -> String { "\(name)-by-seed.\(seed.map(String.init) ?? "unknown")" }

    /// The training summary of every seed run: the facts the table shows.
    struct RunRow {
        var run: ModelValue.SeedRun
        var facts: [String: Double]
    }

    static func rows(_ model: ModelValue) -> [RunRow] {
        model.runs.map { run in
            let facts = PublishedFacts.trainingFacts(run, parameters: model.trained.model.parameterCount)
            return RunRow(run: run, facts: Dictionary(facts.map { ($0.name, $0.value) }, uniquingKeysWith: { first, _ in first }))
        }
    }

    /// The summary over seeds of a fact, or `nil` where some seed lacks it (no validation part).
    static func summary(_ name: String, _ rows: [RunRow]) -> SeedSummary? {
        let values = rows.compactMap { $0.facts[name] }
        return values.count == rows.count && !values.isEmpty ? SeedSummary(values) : nil
    }

    /// One row per seed (the best marked) and a last row of mean ± sd.
    static func seedTable(_ model: ModelValue) -> Table {
        let rows = rows(model)
        let columns: [(title: String, fact: String, format: (Double) -> String)] = [
            ("epochs", "epochs", { Format.count(Int($0.rounded())) }),
            ("best val acc", "best-validation-accuracy", { Format.decimal($0) }),
            ("final val acc", "final-validation-accuracy", { Format.decimal($0) }),
            ("final train loss", "final-train-loss", { Format.decimal($0) }),
            ("seconds", "seconds", TrainingRun.secondsText),
        ]
        var table = Table(columns: ["seed"] + columns.map(\.title))
        for (index, row) in rows.enumerated() {
            let seed = row.run.seed.map(String.init) ?? "?"
            table.append([index == model.bestIndex ? "\(seed) (best)" : seed]
                         + columns.map { column in row.facts[column.fact].map(column.format) ?? "–" })
        }
        table.append(["**mean ± sd**"] + columns.map { column in
            guard let summary = summary(column.fact, rows) else { return "–" }
            switch column.fact {
            case "epochs": return Format.decimal(summary.mean, 1) + " ± " + Format.decimal(summary.sd, 1)
            case "seconds":
                let places = summary.mean < 10 ? 2 : 1
                return Format.decimal(summary.mean, places) + " ± " + Format.decimal(summary.sd, places)
            default: return summary.text()
            }
        })
        return table
    }

    /// One row per epoch: each loss and accuracy as mean ± sd over the seeds that trained it,
    /// with a `seeds` column when early stopping ended some seeds sooner.
    static func epochTable(_ histories: [[EpochRecord]]) -> Table {
        let longest = histories.map(\.count).max() ?? 0
        let uneven = histories.contains { $0.count != longest }
        var table = Table(columns: ["epoch", "train loss", "train acc", "val loss", "val acc", "lr", "seconds", "img/s"]
                          + (uneven ? ["seeds"] : []),
                          alignments: Array(repeating: .right, count: uneven ? 9 : 8))
        for index in 0..<longest {
            let records = histories.compactMap { $0.indices.contains(index) ? $0[index] : nil }
            func cell(_ values: [Float?]) -> String {
                let finite = values.compactMap { $0.map(Double.init) }
                return finite.count == values.count && !finite.isEmpty ? SeedSummary(finite).text() : "–"
            }
            let seconds = SeedSummary(records.map(\.seconds)).mean
            var row = [String(index + 1), cell(records.map(\.trainLoss)), cell(records.map(\.trainAccuracy)),
                       cell(records.map(\.validationLoss)), cell(records.map(\.validationAccuracy)),
                       TrainingRun.learningRateText(records[0].learningRate), TrainingRun.secondsText(seconds),
                       Format.count(Int(SeedSummary(records.map(\.imagesPerSecond)).mean.rounded()))]
            if uneven { row.append(String(records.count)) }
            table.append(row)
        }
        return table
    }

    /// A mean line with a ± sd band per epoch, over the seeds that trained the epoch.
    static func meanSeries(_ name: String, _ histories: [[EpochRecord]], _ value: (EpochRecord) -> Float?,
                           style: LineStyle) -> LineChart.Series {
        let longest = histories.map(\.count).max() ?? 0
        var means: [Double] = [], lowers: [Double] = [], uppers: [Double] = []
        for index in 0..<longest {
            let values = histories.compactMap { $0.indices.contains(index) ? value($0[index]).map(Double.init) : nil }
            guard !values.isEmpty else {
                means.append(.nan); lowers.append(.nan); uppers.append(.nan)
                continue
            }
            let summary = SeedSummary(values)
            means.append(summary.mean)
            lowers.append(summary.mean - summary.sd)
            uppers.append(summary.mean + summary.sd)
        }
        return LineChart.Series(name: name, x: (0..<longest).map { Double($0 + 1) }, y: means, style: style,
                                band: LineChart.Band(lower: lowers, upper: uppers))
    }

    /// Loss and accuracy per epoch, train against validation: means over the seeds with ± sd bands.
    static func curvesFigure(_ histories: [[EpochRecord]], scale: Double = 1) throws -> Data {
        var loss = [meanSeries("train", histories, { $0.trainLoss }, style: .solid)]
        var accuracy = [meanSeries("train", histories, { $0.trainAccuracy }, style: .solid)]
        if histories.contains(where: { $0.contains { $0.validationLoss != nil } }) {
            loss.append(meanSeries("validation", histories, { $0.validationLoss }, style: .dashed))
            accuracy.append(meanSeries("validation", histories, { $0.validationAccuracy }, style: .dashed))
        }
        let charts = [LineChart(series: loss, title: "Loss", xLabel: "epoch", yLabel: "cross-entropy"),
                      LineChart(series: accuracy, title: "Accuracy", xLabel: "epoch", yLabel: "accuracy")]
        return try Figure(FigureGrid(charts, columns: 2), title: "Training curves over \(count(histories.count)) (mean ± sd)",
                          size: Size(width: 760, height: 320), scale: scale).renderPNG()
    }

    /// Emits the seed table, the epoch table and the curves of a model trained over several seeds.
    static func emit(_ context: ActionContext, model: ModelValue, cached: [Bool], settings: TrainingSettings) throws {
        let seeds = model.seeds.map { $0.map(String.init) ?? "?" }.joined(separator: ", ")
        let reused = cached.filter { $0 }.count
        context.emit(markdown: "Trained over \(model.runs.count) seed\(model.runs.count == 1 ? "" : "s") (\(seeds)): \(model.runs.count - reused) trained for this "
                     + "output, \(reused) reused from earlier runs. Values are the mean ± sample standard deviation over the seeds.")
        context.emit(seedTable(model))
        let histories = model.runs.map(\.trained.history)
        context.emit(epochTable(histories))
        if let patience = settings.patience {
            let stopped = histories.filter { $0.count < settings.epochs }.count
            context.emit(markdown: "Early stopping (patience \(patience)) ended \(stopped) of the \(histories.count) seeds before epoch "
                         + "\(settings.epochs); each seed's model keeps the weights of its epoch with the lowest validation loss.")
        }
        context.emitFigure(name: "training-curves",
                           title: "Training curves: loss and accuracy per epoch, train and validation, mean ± sd over \(count(model.runs.count))",
                           png: try curvesFigure(histories, scale: context.figureScale), scale: context.figureScale)
        let accuracy = SeedTraining.validationAccuracy(model.trained)
        context.emit(markdown: "The best seed is \(model.seed.map(String.init) ?? "?")"
                     + (accuracy.map { " (validation accuracy \(Format.decimal($0)))" } ?? " (lowest training loss)")
                     + "; its model is this cell's result, which evaluate, predict and compare use unless told to use every seed.")
    }

    /// The facts of a model over several seeds: means under the single-seed names, `NAME-sd`,
    /// `NAME-by-seed.N`, `seeds` and `best-seed`.
    static func publish(_ context: ActionContext, model: ModelValue) {
        let rows = rows(model)
        context.publish(fact: "seeds", value: Double(rows.count), kind: .count)
        for (name, declared) in varyingFacts {
            guard let summary = summary(name, rows), let kind = declared.factKind else { continue }
            context.publish(fact: name, value: summary.mean, kind: kind)
            context.publish(fact: name + "-sd", value: summary.sd, kind: sdKind(declared).factKind ?? kind)
            for row in rows {
                if let value = row.facts[name] { context.publish(fact: perSeed(name, seed: row.run.seed), value: value, kind: kind) }
            }
        }
        context.publish(fact: "parameters", value: Double(model.trained.model.parameterCount), kind: .count)
        if let seed = model.seed { context.publish(fact: "best-seed", value: Double(seed), kind: .count) }
    }
}

extension PublishedFacts {
    /// The facts a training cell adds over several seeds.
    static let seedFacts: [FactDeclaration] = [
        FactDeclaration("seeds", .count, doc: "How many seeds were trained (with 'seeds' or 'repeat'); the other facts are then means over them."),
        FactDeclaration("best-seed", .count, doc: "The seed with the best validation accuracy, whose model is the result."),
    ] + SeedReport.varyingFacts.flatMap { fact in [
        FactDeclaration(fact.name + "-sd", SeedReport.sdKind(fact.kind), doc: "The standard deviation of '\(fact.name)' over the seeds."),
        .family(fact.name + "-by-seed", suffix: "seed", fact.kind, doc: "'\(fact.name)' of one seed, e.g. \(fact.name)-by-seed.1."),
    ] }

    /// The facts of a model over several seeds (see ``SeedReport/publish(_:model:)``).
    static func publishSeeds(_ context: ActionContext, model: ModelValue) {
        SeedReport.publish(context, model: model)
    }
}
