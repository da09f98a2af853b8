import Analysis
import Engine
import Figures
import Foundation
import NeuralNet

extension Action {
    /// `sweep`: trains a grid of model variants and compares their validation accuracy and time.
    public static let sweep = Action(
        name: "sweep",
        version: 3,
        subresultVersion: 1,
        summary: "Trains a grid of variants (activation × width × depth) and compares validation accuracy and time.",
        discussion: """
            Every combination of 'activation', 'width' and 'depth' is one variant, trained with the same \
            settings on the split's train part and measured on its validation part. For 'model: mlp' a \
            variant is 'depth' hidden dense layers of 'width' units, each followed by the activation \
            (and 'dropout' when above 0), then 'dense' with one unit per class. For 'model: cnn' it is \
            'depth' blocks of conv (3×3, same padding; 'width' filters in the first block, doubled in \
            each next one), activation and maxpool 2, then flatten (dropout) and dense. Each variant is \
            cached on its own: adding a value to a list trains only the new variants, and a stopped \
            sweep keeps the variants it finished. The validation accuracy of a variant is that of its \
            last epoch, or with early stopping of the epoch whose weights it keeps. Output: a table \
            sorted by validation accuracy, grouped bars of validation accuracy by variant, and accuracy \
            against training time. The result is the best variant's model (a model result, like \
            train.mlp's), so 'sweep as best' can be evaluated or compared. \(TrainingSettings.help) \(SeedSettings.help)
            """,
        inputs: [Input("data", kind: .split, doc: "The split to train on (its train part) and to compare on (its validation part).")],
        produces: .model,
        parameters: SweepParameters.self,
        example: "model: mlp\nwidth: [32, 64]\ndepth: 1\nepochs: 1",
        facts: PublishedFacts.sweep,
        check: { parameters, inputs in
            guard let data = inputs.first("data"), let classes = data.classNames?.count else { return [] }
            for variant in parameters.variants {
                let layers = variant.layers(family: parameters.model, dropout: parameters.dropout, classes: classes)
                if let problem = TrainAction.modelProblems(layers, written: nil, family: parameters.model,
                                                           training: parameters.training, data: data).first {
                    return [NamedProblem(parameter: "width", "variant '\(variant.name)': \(problem.message)")]
                }
            }
            return []
        },
        run: SweepAction.run)
}

/// The parameters of `sweep`: the grid and the shared training settings.
struct SweepParameters: ParameterSet {
    var model = ModelFamily.mlp
    var activation: [LayerSyntax.Activation] = [.relu]
    var width = [128]
    var depth = [1]
    var dropout = 0.0
    var training = TrainingSettings()
    var seeding = SeedSettings()

    static let fields: [Field<Self>] = [
        Field("model", \.model, doc: "The family of the variants."),
        Field("activation", \.activation, .list(.choice(LayerSyntax.Activation.words), acceptsSingle: true),
              doc: "Activations to try."),
        Field("width", \.width, .list(.integer(.closed(1, 65_536)), acceptsSingle: true),
              doc: "Units per hidden layer (mlp) or filters of the first block (cnn) to try."),
        Field("depth", \.depth, .list(.integer(.closed(1, 64)), acceptsSingle: true),
              doc: "Numbers of hidden layers (mlp) or conv blocks (cnn) to try."),
        Field("dropout", \.dropout, .number(.halfOpen(0, 1)),
              doc: "Dropout after each hidden activation (mlp) or before the last layer (cnn); 0 for none."),
    ] + TrainingSettings.lifted(through: \.training) + SeedSettings.lifted(through: \.seeding)

    func check() -> [NamedProblem] {
        var problems = training.check() + seeding.check() + seeding.problems(seed: training.seed)
        func repeated<T: Equatable>(_ name: String, _ values: [T], _ text: (T) -> String) {
            if let repeated = values.enumerated().first(where: { index, value in values[..<index].contains(value) })?.element {
                problems.append(NamedProblem(parameter: name, "'\(name)' lists \(text(repeated)) twice"))
            }
        }
        repeated("activation", activation, \.rawValue)
        repeated("width", width, String.init)
        repeated("depth", depth, String.init)
        return problems
    }

    /// Every combination of activation, width and depth, in that nesting order.
    var variants: [SweepVariant] {
        activation.flatMap { activation in
            width.flatMap { width in depth.map { SweepVariant(activation: activation, width: width, depth: $0) } }
        }
    }
}

extension ModelFamily: CaseIterable {
    static let allCases: [ModelFamily] = [.mlp, .cnn]
}

/// One point of a sweep's grid.
struct SweepVariant: Sendable {
    var activation: LayerSyntax.Activation
    var width: Int
    var depth: Int

    /// `relu 128×2`
    var name: String { "\(activation.rawValue) \(width)×\(depth)" }

    /// The variant's layers for data with `classes` classes.
    func layers(family: ModelFamily, dropout: Double, classes: Int) -> [LayerSpec] {
        switch family {
        case .mlp:
            return LayerList.multilayerPerceptron(hidden: Array(repeating: width, count: depth), activation: activation,
                                                  dropout: dropout, classes: classes)
        case .cnn:
            var layers: [LayerSpec] = []
            for block in 0..<depth {
                layers += [.conv(filters: width << block, kernel: 3), activation.spec, .maxPool(size: 2)]
            }
            layers.append(.flatten)
            if dropout > 0 { layers.append(.dropout(rate: Float(dropout))) }
            layers.append(.dense(units: classes))
            return layers
        }
    }
}

enum SweepAction {
    /// A trained variant and what the table shows of it.
    struct Row {
        var variant: SweepVariant
        /// Every seed's model (one without 'seeds' or 'repeat').
        var model: ModelValue
        /// Whether every seed came from the cache.
        var cached: Bool
        /// The validation accuracy and loss of each seed's kept weights.
        var accuracies: [Double?]
        var losses: [Double?]

        /// The mean and sd over the seeds, `nil` without validation.
        var accuracy: SeedSummary? { Self.summary(accuracies) }
        var loss: SeedSummary? { Self.summary(losses) }
        /// The mean validation accuracy over the seeds.
        var validationAccuracy: Double? { accuracy?.mean }
        /// The mean training seconds of a seed.
        var seconds: Double { SeedSummary(model.runs.map(\.trainingSeconds)).mean }

        static func summary(_ values: [Double?]) -> SeedSummary? {
            let finite = values.compactMap { $0 }
            return finite.count == values.count && !finite.isEmpty ? SeedSummary(finite) : nil
        }
    }

    static func run(_ parameters: SweepParameters, _ context: ActionContext) throws {
        let settings = parameters.training
        let family = parameters.model
        let dropout = parameters.dropout
        let data = try TrainingData.load(context)
        let seeds = parameters.seeding.list(from: settings.seed)
        for seed in seeds { context.recordSeed(seed, purpose: "sweep") }
        let variants = parameters.variants

        // Each variant × seed is cached on its own; with an executor (Slurm) the missing ones are trained
        // elsewhere, all at once.
        var items: [MemoizedItem<ModelValue>] = []
        for (number, variant) in variants.enumerated() {
            let layers = variant.layers(family: family, dropout: dropout, classes: data.classCount)
            let label = "variant \(number + 1)/\(variants.count) \(variant.name) · "
            for (seedNumber, seed) in seeds.enumerated() {
                // Everything the variant depends on besides the inputs: its layers and every training setting.
                let seeded = settings.with(seed: seed)
                let identity = SeedTraining.identity(family: family, layers: layers, settings: seeded)
                let isList = parameters.seeding.isList
                let seedLabel = isList ? label + "seed \(seed) (\(seedNumber + 1)/\(seeds.count)) · " : label
                items.append(MemoizedItem(identity: identity, name: isList ? "\(variant.name) seed \(seed)" : variant.name) {
                    () throws -> ModelValue in
                    let locator = LayerLocator(positions: [], parameter: nil, prefix: "variant '\(variant.name)': ")
                    let sequential = try TrainingRun.buildModel(layers: layers, family: family, data: data, seed: seed,
                                                                batchSize: seeded.batchSize, locator: locator, context: context)
                    return try TrainingRun.train(context, model: sequential, settings: seeded, data: data, family: family,
                                                 checkpoints: context.computesOneSubresult, label: seedLabel).model
                })
            }
        }
        let results = try context.memoized("variant", batch: items)
        var rows: [Row] = []
        for (number, variant) in variants.enumerated() {
            let mine = results[(number * seeds.count)..<((number + 1) * seeds.count)]
            let runs = zip(seeds, mine).map { seed, result in
                ModelValue.SeedRun(seed: seed, trained: result.value.trained, trainingSeconds: result.value.trainingSeconds)
            }
            let hits = mine.map(\.cached)
            let records = runs.map(\.trained.keptRecord)
            let best = SeedTraining.bestIndex(runs.map(\.trained))
            let model = try ModelValue(runs: runs, bestIndex: best, family: family.actionName, splitKey: data.splitKey)
            let row = Row(variant: variant, model: model, cached: !hits.contains(false),
                          accuracies: records.map { $0?.validationAccuracy.map(Double.init) },
                          losses: records.map { $0?.validationLoss.map(Double.init) })
            let accuracyText = parameters.seeding.isList ? row.accuracy?.text() : row.validationAccuracy.map { Format.decimal($0) }
            let trainedSeeds = hits.filter { !$0 }.count
            context.progress.log("variant \(variant.name): val acc \(accuracyText ?? "–"), "
                                 + (row.cached ? "from the cache"
                                    : "trained in \(TrainingRun.secondsText(runs.map(\.trainingSeconds).reduce(0, +))) s"
                                        + (parameters.seeding.isList ? " (\(trainedSeeds) of \(seeds.count) seeds)" : "")))
            rows.append(row)
        }

        let ranked = rows.sorted { ($0.validationAccuracy ?? -1) > ($1.validationAccuracy ?? -1) }
        var table = Table(columns: ["variant", "activation", "width", "depth", "params", "val acc", "val loss", "seconds"],
                          alignments: [.left, .left, .right, .right, .right, .right, .right, .right])
        for row in ranked {
            table.append([
                row.variant.name, row.variant.activation.rawValue, String(row.variant.width), String(row.variant.depth),
                Format.count(row.model.trained.model.parameterCount),
                Self.text(row.accuracy, seeds: parameters.seeding.isList), Self.text(row.loss, seeds: parameters.seeding.isList),
                TrainingRun.secondsText(row.seconds),
            ])
        }
        let trainedNow = rows.filter { !$0.cached }.count
        context.emit(markdown: "\(rows.count) \(family.rawValue) variant\(rows.count == 1 ? "" : "s") (\(trainedNow) trained for this output, "
                     + "\(rows.count - trainedNow) reused from earlier runs), \(settings.epochs) epoch\(settings.epochs == 1 ? "" : "s") each, "
                     + (parameters.seeding.isList
                        ? "each trained with \(seeds.count) seed\(seeds.count == 1 ? "" : "s") (\(seeds.map(String.init).joined(separator: ", "))), "
                            + "sorted by mean validation accuracy; values are mean ± sd over the seeds, seconds the mean of one seed:"
                        : "sorted by validation accuracy:"))
        context.emit(table)
        if parameters.seeding.isList {
            try emitSeedCharts(context, rows: ranked, seeds: seeds.count)
        } else {
            try emitCharts(context, ranked: ranked, rows: rows, validationCount: data.validation?.count ?? 0)
        }
        guard let best = ranked.first else { preconditionFailure("a sweep has at least one variant") }
        context.emit(markdown: "The best variant is '\(MarkdownText.literal(best.variant.name))' (validation accuracy "
                     + "\(Self.text(best.accuracy, seeds: parameters.seeding.isList))); it is this cell's model result"
                     + (parameters.seeding.isList ? ", with its best seed (\(best.model.seed.map(String.init) ?? "?")) the model later cells use." : "."))
        context.publish(fact: "best-variant", text: best.variant.name)
        if let accuracy = best.validationAccuracy {
            context.publish(fact: "best-validation-accuracy", value: accuracy, kind: .fraction)
        }
        context.publish(fact: "variants", value: Double(rows.count), kind: .count)
        publishVariants(context, ranked: ranked)
        if parameters.seeding.isList {
            context.publish(fact: "seeds", value: Double(seeds.count), kind: .count)
            if let accuracy = best.accuracy {
                context.publish(fact: "best-validation-accuracy-sd", value: accuracy.sd, kind: .fraction)
            }
        }
        context.setResult(best.model)
    }

    /// `0.853`, or over seeds `0.853 ± 0.004`; `–` without validation.
    static func text(_ summary: SeedSummary?, seeds: Bool) -> String {
        guard let summary else { return "–" }
        return seeds ? summary.text() : Format.decimal(summary.mean)
    }

    /// The epoch whose weights the model keeps: the last, or with early stopping the lowest validation loss.
    static func keptRecord(_ history: [EpochRecord], earlyStopping: Bool) -> EpochRecord? {
        guard earlyStopping else { return history.last }
        return TrainedModel.lowestValidationLoss(in: history) ?? history.last
    }

    /// What a sweep's two accuracy charts say: the axis labels and the captions.
    struct ChartWording {
        /// The value axis of the interval chart.
        var valueLabel: String
        /// The interval chart's caption.
        var caption: String
        /// The scatter's axes and caption.
        var secondsLabel: String
        var accuracyLabel: String
        var scatterCaption: String
    }

    /// Each variant's validation accuracy as a dot with its 95% Wilson interval on the validation
    /// images as a whisker, best first, on an axis zoomed to the intervals (a bar from zero would
    /// hide the fraction of a point between variants, and the whiskers show which differences the
    /// validation set can tell apart); and a scatter of validation accuracy against training seconds.
    static func emitCharts(_ context: ActionContext, ranked: [Row], rows: [Row], validationCount: Int) throws {
        let images = Format.count(validationCount)
        let wording = ChartWording(
            valueLabel: "validation accuracy (95% interval on \(images) images)",
            caption: "Validation accuracy by variant, best first: the dot is the accuracy, the whisker its 95% Wilson "
                + "interval on the \(images) validation images (variants whose whiskers "
                + "overlap are not told apart by this validation set)",
            secondsLabel: "training seconds", accuracyLabel: "validation accuracy",
            scatterCaption: "Validation accuracy against training time, one colour per activation")
        try emitAccuracyCharts(context, ranked: ranked, scatterRows: rows, wording: wording) { row in
            guard let accuracy = row.validationAccuracy, validationCount > 0 else { return nil }
            let correct = min(validationCount, max(0, Int((accuracy * Double(validationCount)).rounded())))
            let interval = Intervals.wilson(successes: correct, trials: validationCount)
            return IntervalChart.Interval(center: accuracy, lower: min(accuracy, interval.low), upper: max(accuracy, interval.high))
        }
    }

    /// The charts of every sweep: one row per variant of `ranked` (best first) with the interval
    /// `interval` gives it, coloured by activation, on an axis zoomed to the intervals; and the
    /// validation accuracy of `scatterRows` against their training seconds.
    static func emitAccuracyCharts(_ context: ActionContext, ranked: [Row], scatterRows: [Row], wording: ChartWording,
                                   interval: (Row) -> IntervalChart.Interval?) throws {
        let activations = ranked.reduce(into: [String]()) { names, row in
            if !names.contains(row.variant.activation.rawValue) { names.append(row.variant.activation.rawValue) }
        }
        // One row per variant, coloured by activation (one series each, empty elsewhere).
        let series = activations.map { activation in
            IntervalChart.Series(name: activation, intervals: ranked.map { row in
                row.variant.activation.rawValue == activation ? interval(row) : nil
            })
        }
        let chart = IntervalChart(categories: ranked.map(\.variant.name), series: series, categoryLabel: "variant",
                                  valueLabel: wording.valueLabel, legendPlacement: activations.count > 1 ? .outside : .hidden)
        let height = min(1400, max(240, 110 + 30 * Double(ranked.count)))
        try context.emit(Figure(chart, title: "Validation accuracy by variant", size: Size(width: 640, height: height)),
                         name: "accuracy-by-variant", title: wording.caption)

        let points = activations.map { activation in
            let mine = scatterRows.filter { $0.variant.activation.rawValue == activation && $0.validationAccuracy != nil }
            return ScatterPlot.Series(name: activation, x: mine.map(\.seconds), y: mine.compactMap(\.validationAccuracy))
        }
        let scatter = ScatterPlot(series: points, xLabel: wording.secondsLabel, yLabel: wording.accuracyLabel,
                                  markerSize: 9, opacity: 0.9)
        try context.emit(Figure(scatter, title: "Accuracy against training time", size: Size(width: 560, height: 380)),
                         name: "accuracy-vs-time", title: wording.scatterCaption)
    }
}
