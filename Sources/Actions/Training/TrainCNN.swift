import Engine
import NeuralNet

extension Action {
    /// `train.cnn`: trains a network declared layer by layer on the images of a split.
    public static let trainCNN = Action(
        name: "train.cnn",
        version: 1,
        summary: "Trains a convolutional network declared layer by layer, with validation every epoch.",
        discussion: """
            The model is the 'layers' list, applied to images of the split's shape (channels×height×width). \
            Layers: \(LayerList.help(for: .cnn)). Names, settings and ranges are checked by 'loom check'; \
            shapes are checked when the data is known, before any training, and errors point at the \
            layer's line. The last layer must give one score per class (usually 'dense' with as many \
            units as the data has classes). The train part of the split trains; the validation part is \
            measured after every epoch. Output: the model summary, a table of every epoch and the \
            training curves. The result is the trained model (architecture, weights and history), which \
            evaluate, predict and compare read without training again. \(TrainingParameters.help)
            """,
        inputs: [Input("data", kind: .split, doc: "The split to train on (its train part) and to monitor (its validation part).")],
        produces: .model,
        parameters: [
            Parameter("layers", LayerList.parameterType(for: .cnn), required: true,
                      doc: "The layers in order: '- conv: {filters: 32, kernel: 3}', '- relu', '- maxpool: 2', '- flatten', '- dense: 10', …"),
        ] + TrainingParameters.all,
        check: TrainingParameters.check,
        run: { context in try TrainAction.run(context, family: .cnn) })
}

/// The run of `train.cnn` and `train.mlp`.
enum TrainAction {
    static func run(_ context: ActionContext, family: ModelFamily) throws {
        let parameters = context.parameters
        let settings = TrainingSettings(parameters)
        let data = try TrainingData.load(context)
        let layers: [LayerSpec]
        let locator: LayerLocator
        if let written = parameters["layers"]?.listValue {
            layers = written.map(LayerList.spec(of:))
            locator = .layersList(context)
        } else {
            layers = LayerList.multilayerPerceptron(
                hidden: parameters.list("hidden").compactMap(\.intValue), activation: parameters.string("activation"),
                dropout: parameters.double("dropout"), classes: data.classCount)
            locator = LayerLocator(positions: [], parameter: "hidden")
        }
        let model = try TrainingRun.buildModel(layers: layers, family: family, data: data, seed: settings.seed,
                                               locator: locator, context: context)
        context.recordSeed(settings.seed, purpose: family.actionName)
        context.emit(TrainingRun.summaryTable(model, family: family))
        let outcome = try TrainingRun.train(context, model: model, settings: settings, data: data, family: family,
                                            checkpoints: true)
        try TrainingRun.emitHistory(context, outcome: outcome, settings: settings)
        context.publish(fact: "epochs", value: Double(outcome.model.trained.history.count), kind: .count)
        context.publish(fact: "seconds", value: outcome.model.trainingSeconds, kind: .seconds)
        if let best = outcome.model.trained.history.compactMap(\.validationAccuracy).max() { context.publish(fact: "best-validation-accuracy", value: Double(best), kind: .fraction) }
        context.publish(fact: "parameters", value: Double(outcome.model.trained.model.parameterCount), kind: .count)
        context.setResult(outcome.model)
    }
}
