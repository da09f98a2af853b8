import Engine
import Figures
import Foundation
import NeuralNet

extension Action {
    /// `sweep`: trains a grid of model variants and compares their validation accuracy and time.
    public static let sweep = Action(
        name: "sweep",
        version: 1,
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
            train.mlp's), so 'sweep as best' can be evaluated or compared. \(TrainingSettings.help)
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
    ] + TrainingSettings.lifted(through: \.training)

    func check() -> [NamedProblem] {
        var problems = training.check()
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
        var model: ModelValue
        var cached: Bool
        var validationAccuracy: Double?
        var validationLoss: Double?
    }

    static func run(_ parameters: SweepParameters, _ context: ActionContext) throws {
        let settings = parameters.training
        let family = parameters.model
        let dropout = parameters.dropout
        let data = try TrainingData.load(context)
        context.recordSeed(settings.seed, purpose: "sweep")
        let variants = parameters.variants

        // Each variant is cached on its own; with an executor (Slurm) the missing ones are trained elsewhere, all at once.
        let items = variants.enumerated().map { number, variant in
            let layers = variant.layers(family: family, dropout: dropout, classes: data.classCount)
            // Everything the variant depends on besides the inputs: its layers and every training setting.
            let identity = Value.map([("family", .string(family.actionName)), ("layers", LayerList.value(of: layers)),
                                      ("training", .string(settings.canonicalForm))]).canonical
            let label = "variant \(number + 1)/\(variants.count) \(variant.name) · "
            return MemoizedItem(identity: identity, name: variant.name) { () throws -> ModelValue in
                let locator = LayerLocator(positions: [], parameter: nil, prefix: "variant '\(variant.name)': ")
                let sequential = try TrainingRun.buildModel(layers: layers, family: family, data: data, seed: settings.seed,
                                                            batchSize: settings.batchSize, locator: locator, context: context)
                return try TrainingRun.train(context, model: sequential, settings: settings, data: data, family: family,
                                             checkpoints: context.computesOneSubresult, label: label).model
            }
        }
        var rows: [Row] = []
        for (variant, (model, cached)) in zip(variants, try context.memoized("variant", batch: items)) {
            let record = keptRecord(model.trained.history, earlyStopping: settings.patience != nil)
            let row = Row(variant: variant, model: model, cached: cached,
                          validationAccuracy: record?.validationAccuracy.map(Double.init),
                          validationLoss: record?.validationLoss.map(Double.init))
            context.progress.log("variant \(variant.name): val acc \(row.validationAccuracy.map { Format.decimal($0) } ?? "–"), "
                                 + (cached ? "from the cache" : "trained in \(TrainingRun.secondsText(model.trainingSeconds)) s"))
            rows.append(row)
        }

        let ranked = rows.sorted { ($0.validationAccuracy ?? -1) > ($1.validationAccuracy ?? -1) }
        var table = Table(columns: ["variant", "activation", "width", "depth", "params", "val acc", "val loss", "seconds"],
                          alignments: [.left, .left, .right, .right, .right, .right, .right, .right])
        for row in ranked {
            table.append([
                row.variant.name, row.variant.activation.rawValue, String(row.variant.width), String(row.variant.depth),
                Format.count(row.model.trained.model.parameterCount),
                row.validationAccuracy.map { Format.decimal($0) } ?? "–", row.validationLoss.map { Format.decimal($0) } ?? "–",
                TrainingRun.secondsText(row.model.trainingSeconds),
            ])
        }
        let trainedNow = rows.filter { !$0.cached }.count
        context.emit(markdown: "\(rows.count) \(family.rawValue) variant\(rows.count == 1 ? "" : "s") (\(trainedNow) trained for this output, "
                     + "\(rows.count - trainedNow) reused from earlier runs), \(settings.epochs) epoch\(settings.epochs == 1 ? "" : "s") each, "
                     + "sorted by validation accuracy:")
        context.emit(table)
        try emitCharts(context, rows: rows, variants: variants)
        guard let best = ranked.first else { preconditionFailure("a sweep has at least one variant") }
        context.emit(markdown: "The best variant is '\(MarkdownText.literal(best.variant.name))' (validation accuracy "
                     + "\(best.validationAccuracy.map { Format.decimal($0) } ?? "–")); it is this cell's model result.")
        context.publish(fact: "best-variant", text: best.variant.name)
        if let accuracy = best.validationAccuracy {
            context.publish(fact: "best-validation-accuracy", value: accuracy, kind: .fraction)
        }
        context.publish(fact: "variants", value: Double(rows.count), kind: .count)
        context.setResult(best.model)
    }

    /// The epoch whose weights the model keeps: the last, or with early stopping the lowest validation loss.
    static func keptRecord(_ history: [EpochRecord], earlyStopping: Bool) -> EpochRecord? {
        guard earlyStopping else { return history.last }
        return TrainedModel.lowestValidationLoss(in: history) ?? history.last
    }

    /// Grouped bars of validation accuracy (width × depth groups, one bar per activation) and a
    /// scatter of validation accuracy against training seconds.
    static func emitCharts(_ context: ActionContext, rows: [Row], variants: [SweepVariant]) throws {
        var activations: [String] = []
        var groups: [String] = []
        for variant in variants {
            if !activations.contains(variant.activation.rawValue) { activations.append(variant.activation.rawValue) }
            let group = "\(variant.width)×\(variant.depth)"
            if !groups.contains(group) { groups.append(group) }
        }
        let series = activations.map { activation in
            BarChart.Series(name: activation, values: groups.map { group in
                rows.first { "\($0.variant.width)×\($0.variant.depth)" == group && $0.variant.activation.rawValue == activation }?
                    .validationAccuracy ?? 0
            })
        }
        // About 42 points per bar leave room for its value written above it (three decimals).
        let bars = groups.count * activations.count
        let width = min(1400, max(520, 160 + Double(groups.count) * (40 + 42 * Double(activations.count))))
        let chart = BarChart(categories: groups, series: series, title: nil, categoryLabel: "width × depth",
                             valueLabel: "validation accuracy", showValues: (width - 160) / Double(bars) >= 40, valueDecimals: 3,
                             legendPlacement: activations.count > 1 ? .outside : .hidden)
        context.emitFigure(name: "accuracy-by-variant", title: "Validation accuracy by variant (width × depth, one bar per activation)",
                           png: try Figure(chart, title: "Validation accuracy by variant", size: Size(width: width, height: 360)).renderPNG())

        let points = activations.map { activation in
            let mine = rows.filter { $0.variant.activation.rawValue == activation && $0.validationAccuracy != nil }
            return ScatterPlot.Series(name: activation, x: mine.map(\.model.trainingSeconds), y: mine.compactMap(\.validationAccuracy))
        }
        let scatter = ScatterPlot(series: points, xLabel: "training seconds", yLabel: "validation accuracy", markerSize: 9, opacity: 0.9)
        context.emitFigure(name: "accuracy-vs-time", title: "Validation accuracy against training time, one colour per activation",
                           png: try Figure(scatter, title: "Accuracy against training time", size: Size(width: 560, height: 380)).renderPNG())
    }
}
