import Engine
import NeuralNet

extension Action {
    /// `train.mlp`: trains a fully connected network on flattened images.
    public static let trainMLP = Action(
        name: "train.mlp",
        version: 2,
        summary: "Trains a fully connected network (multilayer perceptron) on flattened images.",
        discussion: """
            The action flattens each image itself, then applies the 'layers' list: dense, activation, \
            dropout and batchnorm layers (\(LayerList.help(for: .mlp))); convolution and pooling layers \
            belong in train.cnn. Instead of 'layers', the shorthand 'hidden: [256, 128]' with \
            'activation' and 'dropout' builds dense → activation (→ dropout) for each hidden width, then \
            'dense' with one unit per class of the data. Everything else is as in train.cnn: validation \
            every epoch, the summary, epoch table and curves, and the trained model as the result. \
            \(TrainingSettings.help) \(SeedSettings.help)
            """,
        inputs: [Input("data", kind: .split, doc: "The split to train on (its train part) and to monitor (its validation part).")],
        produces: .model,
        parameters: TrainMLPParameters.self,
        example: "hidden: [64]\nepochs: 1\nbatch-size: 64",
        facts: PublishedFacts.train,
        check: TrainMLPParameters.modelProblems,
        run: TrainMLPParameters.run)
}

/// The parameters of `train.mlp`: a layer list or the `hidden` shorthand, and the training settings.
struct TrainMLPParameters: ParameterSet {
    var layers: WrittenLayers?
    var hidden: [Int]?
    /// Written only with `hidden`; ``effectiveActivation`` applies the default.
    var activation: LayerSyntax.Activation?
    var dropout: Double?
    var training = TrainingSettings()
    var seeding = SeedSettings()

    static let fields: [Field<Self>] = [
        LayerList.field(\.layers, family: .mlp, required: false,
                        doc: "The layers after flattening: '- dense: 256', '- relu', '- dropout: 0.2', …, '- dense: 10'."),
        Field("hidden", \.hidden, .list(.integer(.closed(1, 1_048_576)), acceptsSingle: true),
              doc: "Shorthand instead of 'layers': the widths of the hidden dense layers, e.g. [256, 128]."),
        Field("activation", \.activation, .choice(LayerSyntax.Activation.words),
              doc: "The activation after each hidden layer (with 'hidden'; default relu)."),
        Field("dropout", \.dropout, .number(.halfOpen(0, 1)),
              doc: "Dropout after each hidden activation (with 'hidden'; default 0, none)."),
    ] + TrainingSettings.lifted(through: \.training) + SeedSettings.lifted(through: \.seeding)

    /// The layers for data with `classes` classes: as written, or made from `hidden`.
    func layers(classes: Int) -> [LayerSpec] {
        if let layers { return layers.layers }
        guard let hidden else { return [] }
        return LayerList.multilayerPerceptron(hidden: hidden, activation: activation ?? .relu, dropout: dropout ?? 0,
                                              classes: classes)
    }

    /// The shape and memory problems of the model on the data the split will hold.
    @Sendable static func modelProblems(_ parameters: TrainMLPParameters, _ inputs: InputFacts) -> [NamedProblem] {
        let data = inputs.first("data")
        let layers = parameters.layers(classes: data?.classNames?.count ?? 0)
        return TrainAction.modelProblems(layers, written: parameters.layers, family: .mlp, training: parameters.training, data: data)
    }

    @Sendable static func run(_ parameters: TrainMLPParameters, _ context: ActionContext) throws {
        var shorthand: (@Sendable (Int) -> [LayerSpec])?
        if parameters.layers == nil { shorthand = { @Sendable classes in parameters.layers(classes: classes) } }
        try TrainAction.run(context, layers: parameters.layers ?? WrittenLayers(), family: .mlp, settings: parameters.training,
                            seeding: parameters.seeding, shorthand: shorthand)
    }

    func check() -> [NamedProblem] {
        var problems = training.check() + seeding.check() + seeding.problems(seed: training.seed)
        if layers != nil && hidden != nil {
            problems.append(NamedProblem(parameter: "hidden", "give either 'layers' or 'hidden', not both"))
        } else if layers == nil && hidden == nil {
            problems.append(NamedProblem(parameter: nil, "train.mlp needs 'layers' (a list of layers) or 'hidden' (widths such as [256, 128])"))
        } else if layers != nil {
            if activation != nil {
                problems.append(NamedProblem(parameter: "activation", "'activation' goes with 'hidden'; with 'layers', write it as a layer"))
            }
            if dropout != nil {
                problems.append(NamedProblem(parameter: "dropout", "'dropout' goes with 'hidden'; with 'layers', write it as a layer"))
            }
        }
        return problems
    }
}
