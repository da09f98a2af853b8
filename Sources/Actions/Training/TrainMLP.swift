import Engine
import NeuralNet

extension Action {
    /// `train.mlp`: trains a fully connected network on flattened images.
    public static let trainMLP = Action(
        name: "train.mlp",
        version: 1,
        summary: "Trains a fully connected network (multilayer perceptron) on flattened images.",
        discussion: """
            The action flattens each image itself, then applies the 'layers' list: dense, activation, \
            dropout and batchnorm layers (\(LayerList.help(for: .mlp))); convolution and pooling layers \
            belong in train.cnn. Instead of 'layers', the shorthand 'hidden: [256, 128]' with \
            'activation' and 'dropout' builds dense → activation (→ dropout) for each hidden width, then \
            'dense' with one unit per class of the data. Everything else is as in train.cnn: validation \
            every epoch, the summary, epoch table and curves, and the trained model as the result. \
            \(TrainingParameters.help)
            """,
        inputs: [Input("data", kind: .split, doc: "The split to train on (its train part) and to monitor (its validation part).")],
        produces: .model,
        parameters: [
            Parameter("layers", LayerList.parameterType(for: .mlp),
                      doc: "The layers after flattening: '- dense: 256', '- relu', '- dropout: 0.2', …, '- dense: 10'."),
            Parameter("hidden", .list(.integer(.atLeast(1)), acceptsSingle: true),
                      doc: "Shorthand instead of 'layers': the widths of the hidden dense layers, e.g. [256, 128]."),
            Parameter("activation", .choice(LayerSyntax.activationNames), default: .string("relu"),
                      doc: "The activation after each hidden layer (with 'hidden')."),
            Parameter("dropout", .number(.halfOpen(0, 1)), default: .double(0),
                      doc: "Dropout after each hidden activation (with 'hidden'); 0 for none."),
        ] + TrainingParameters.all,
        check: { parameters in
            var problems = TrainingParameters.check(parameters)
            let wroteLayers = parameters.positions["layers"] != nil
            let wroteHidden = parameters.positions["hidden"] != nil
            if wroteLayers && wroteHidden {
                problems.append(NamedProblem(parameter: "hidden", "give either 'layers' or 'hidden', not both"))
            } else if !wroteLayers && !wroteHidden {
                problems.append(NamedProblem(parameter: nil, "train.mlp needs 'layers' (a list of layers) or 'hidden' (widths such as [256, 128])"))
            } else if wroteLayers {
                for name in ["activation", "dropout"] where parameters.positions[name] != nil {
                    problems.append(NamedProblem(parameter: name, "'\(name)' goes with 'hidden'; with 'layers', write it as a layer"))
                }
            }
            return problems
        },
        run: { context in try TrainAction.run(context, family: .mlp) })
}
