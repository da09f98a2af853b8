import Engine
import NeuralNet

extension Action {
    /// `train.cnn`: trains a network declared layer by layer on the images of a split.
    public static let trainCNN = Action(
        name: "train.cnn",
        version: 2,
        summary: "Trains a convolutional network declared layer by layer, with validation every epoch.",
        discussion: """
            The model is the 'layers' list, applied to images of the split's shape (channels×height×width). \
            Layers: \(LayerList.help(for: .cnn)). Names, settings and ranges are checked by 'loom check'; \
            shapes are checked when the data is known, before any training, and errors point at the \
            layer's line. The last layer must give one score per class (usually 'dense' with as many \
            units as the data has classes). The train part of the split trains; the validation part is \
            measured after every epoch. Output: the model summary, a table of every epoch and the \
            training curves. The result is the trained model (architecture, weights and history), which \
            evaluate, predict and compare read without training again. \(TrainingSettings.help) \(SeedSettings.help)
            """,
        inputs: [Input("data", kind: .split, doc: "The split to train on (its train part) and to monitor (its validation part).")],
        produces: .model,
        parameters: TrainCNNParameters.self,
        example: """
            layers:
              - conv: {filters: 8, kernel: 3}
              - relu
              - maxpool: 2
              - flatten
              - dense: 10
            epochs: 1
            """,
        facts: PublishedFacts.train,
        check: { parameters, inputs in
            TrainAction.modelProblems(parameters.layers?.layers ?? [], written: parameters.layers, family: .cnn,
                                      training: parameters.training, data: inputs.first("data"))
        },
        run: { parameters, context in
            try TrainAction.run(context, layers: parameters.layers ?? WrittenLayers(), family: .cnn, settings: parameters.training,
                                seeding: parameters.seeding)
        })
}

/// The parameters of `train.cnn`: the layers and the shared training settings.
struct TrainCNNParameters: ParameterSet {
    var layers: WrittenLayers?
    var training = TrainingSettings()
    var seeding = SeedSettings()

    static let fields: [Field<Self>] = [
        LayerList.field(\.layers, family: .cnn, required: true,
                        doc: "The layers in order: '- conv: {filters: 32, kernel: 3}', '- relu', '- maxpool: 2', '- flatten', '- dense: 10', …"),
    ] + TrainingSettings.lifted(through: \.training) + SeedSettings.lifted(through: \.seeding)

    func check() -> [NamedProblem] { training.check() + seeding.check() + seeding.problems(seed: training.seed) }
}

/// The run of `train.cnn` and `train.mlp`.
enum TrainAction {
    /// Trains the written layers (or, with an empty list, `hidden` layers made for the data by `make`).
    static func run(_ context: ActionContext, layers written: WrittenLayers, family: ModelFamily, settings: TrainingSettings,
                    seeding: SeedSettings = SeedSettings(), shorthand: (@Sendable (_ classes: Int) -> [LayerSpec])? = nil) throws {
        let data = try TrainingData.load(context)
        let layers: [LayerSpec]
        let locator: LayerLocator
        if let shorthand {
            layers = shorthand(data.classCount)
            locator = LayerLocator(positions: [], parameter: "hidden")
        } else {
            layers = written.layers
            locator = LayerLocator(positions: written.positions, parameter: "layers")
        }
        let model = try TrainingRun.buildModel(layers: layers, family: family, data: data, seed: settings.seed,
                                               batchSize: settings.batchSize, locator: locator, context: context)
        context.emit(TrainingRun.summaryTable(model, family: family))
        guard !seeding.isList else {
            let seeds = seeding.list(from: settings.seed)
            for seed in seeds { context.recordSeed(seed, purpose: family.actionName) }
            let outcome = try SeedTraining.train(context, layers: layers, family: family, settings: settings, seeds: seeds,
                                                 data: data, locator: locator, checkpoints: true)
            try SeedReport.emit(context, model: outcome.model, cached: outcome.cached, settings: settings)
            PublishedFacts.publishTraining(context, model: outcome.model)
            context.setResult(outcome.model)
            return
        }
        context.recordSeed(settings.seed, purpose: family.actionName)
        let outcome = try TrainingRun.train(context, model: model, settings: settings, data: data, family: family,
                                            checkpoints: true)
        try TrainingRun.emitHistory(context, outcome: outcome, settings: settings)
        PublishedFacts.publishTraining(context, model: outcome.model)
        context.setResult(outcome.model)
    }

    /// The problems `loom check` finds in a model once the data's shape is known (from the split's
    /// dataset headers): at the layer's line, or at `hidden` for the shorthand.
    static func modelProblems(_ layers: [LayerSpec], written: WrittenLayers?, family: ModelFamily, training: TrainingSettings,
                              data: ResultFacts?) -> [NamedProblem] {
        guard let data, let shape = data.imageShape, let classNames = data.classNames, !layers.isEmpty else { return [] }
        let batch = min(training.batchSize, data.imageCount ?? training.batchSize)
        guard let problem = ModelCheck.problem(layers: layers, family: family, imageShape: shape, classNames: classNames,
                                               batchSize: batch) else { return [] }
        guard let written else { return [NamedProblem(parameter: "hidden", problem.message)] }
        let position = problem.layer.flatMap { written.positions.indices.contains($0) ? written.positions[$0] : nil }
        return [NamedProblem(parameter: "layers", at: position, problem.message)]
    }
}
