import Dataset
import Engine
import NeuralNet
import Notebook

/// A named choice with its own settings, written either as the bare name (`optimizer: adam`) or
/// as a one-key mapping (`optimizer: {adam: {learning-rate: 0.001}}`): optimizers, schedules, losses.
///
/// The validated value is written as a user could write it, with every default filled in: the bare
/// name for alternatives without settings (`constant`), `{name: {setting: value, …}}` otherwise; so
/// every spelling of one choice has the same canonical form, and `loom actions` shows defaults that
/// can be copied into a cell.
struct NamedChoice: Sendable {
    /// One alternative and its settings.
    struct Option: Sendable {
        var name: String
        var fields: [Parameter]
        var doc: String
    }

    /// The parameter's name (`optimizer`), used in messages.
    var parameter: String
    /// What one alternative is called in messages: `optimizer`, `schedule`, `loss`.
    var noun: String
    var options: [Option]
    /// An example for messages: `{adam: {learning-rate: 0.001}}`.
    var example: String

    /// The custom parameter type that validates this choice.
    var parameterType: ParameterType {
        let choice = self
        return .custom(CustomParameterType(summary: "one of " + options.map(\.name).joined(separator: ", ")
                                               + ", alone or with settings") { node, problems in
            choice.parse(node, problems: &problems)
        })
    }

    func parse(_ node: ParameterNodeReader, problems: inout [ParameterProblem]) -> Value? {
        let name: String
        let namePosition: SourcePosition
        let settings: ParameterNodeReader?
        if let named = node.nameWithSettings {
            (name, namePosition, settings) = named
        } else {
            problems.append(ParameterProblem(
                at: node.position, "'\(parameter)' must be one \(noun) name (\(options.map { "'\($0.name)'" }.joined(separator: ", "))), "
                    + "alone or as '\(example)', not \(node.kindDescription)"))
            return nil
        }
        guard let option = options.first(where: { $0.name == name }) else {
            problems.append(ParameterProblem(
                at: namePosition, "unknown \(noun) '\(name)'" + Suggestions.hint(for: name, in: options.map(\.name))))
            return nil
        }
        var nested: [ParameterProblem] = []
        var entries: [(String, Value)] = []
        if let settings {
            if settings.entries == nil {
                nested.append(ParameterProblem(
                    at: settings.position, "the settings of the \(noun) '\(name)' must be a mapping, as in '\(example)', not \(settings.kindDescription)"))
            } else if option.fields.isEmpty {
                nested.append(ParameterProblem(at: settings.position, "the \(noun) '\(name)' takes no settings"))
            } else {
                entries = ParameterValidator.validateRecord(settings, fields: option.fields, owner: name, problems: &nested).mapValue ?? []
            }
        } else {
            if let required = option.fields.first(where: \.isRequired) {
                nested.append(ParameterProblem(
                    at: namePosition, "the \(noun) '\(name)' needs its '\(required.name)' (\(required.doc.lowercasedFirstLetter))"))
            }
            entries = option.fields.compactMap { field in field.defaultValue.map { (field.name, $0) } }
        }
        problems += nested
        return nested.isEmpty ? value(name, settings: entries) : nil
    }

    /// The validated value of option `name` with its settings.
    private func value(_ name: String, settings: [(String, Value)]) -> Value {
        settings.isEmpty ? .string(name) : .map([(name, .map(settings))])
    }

    /// The name and the settings of a validated value.
    static func read(_ value: Value) -> (name: String, settings: Value) {
        if let name = value.stringValue { return (name, .map([])) }
        guard let (name, settings) = value.mapValue?.first else { preconditionFailure("not a validated choice: \(value)") }
        return (name, settings)
    }

    /// The validated value of option `name` with all its defaults: a parameter's default, so that
    /// leaving the parameter out and writing the bare name have the same canonical form.
    func defaultValue(_ name: String) -> Value {
        guard let option = options.first(where: { $0.name == name }), !option.fields.contains(where: \.isRequired) else {
            preconditionFailure("'\(name)' is not a \(noun) that works without settings")
        }
        return value(name, settings: option.fields.compactMap { field in field.defaultValue.map { (field.name, $0) } })
    }

    /// `'adam' [learning-rate (default 0.001), …]; …` for the actions' discussions.
    var help: String {
        options.map { option in
            let settings = option.fields.map { field in field.defaultValue.map { "\(field.name) \($0)" } ?? field.name }
            return "'\(option.name)'" + (settings.isEmpty ? "" : " (" + settings.joined(separator: ", ") + ")")
        }.joined(separator: "; ")
    }
}

extension String {
    /// The text with its first letter lower-cased, for docs quoted inside messages.
    var lowercasedFirstLetter: String {
        guard let first else { return self }
        return first.lowercased() + dropFirst()
    }
}

/// The settings a training cell shares with every other training cell (`train.cnn`, `train.mlp`,
/// `sweep`): loss, optimiser, schedule, epochs, batch size, clipping, early stopping, augmentation
/// and seed. Declared once here, so every training action validates and documents them alike.
enum TrainingParameters {
    static let optimizer = NamedChoice(parameter: "optimizer", noun: "optimizer", options: [
        .init(name: "adam", fields: [learningRate(0.001)] + adamFields + [weightDecay(0)],
              doc: "Adam (Kingma and Ba, 2015), with L2 weight decay."),
        .init(name: "adamw", fields: [learningRate(0.001)] + adamFields + [weightDecay(0.01)],
              doc: "AdamW: Adam with decoupled weight decay (Loshchilov and Hutter, 2019)."),
        .init(name: "sgd", fields: [
            learningRate(0.01),
            Parameter("momentum", .number(.halfOpen(0, 1)), default: .double(0), doc: "The momentum μ."),
            Parameter("nesterov", .boolean, default: .bool(false), doc: "Nesterov momentum (needs momentum > 0)."),
            weightDecay(0),
        ], doc: "Stochastic gradient descent with optional (Nesterov) momentum."),
        .init(name: "rmsprop", fields: [
            learningRate(0.001),
            Parameter("alpha", .number(.halfOpen(0, 1)), default: .double(0.99), doc: "The decay of the squared-gradient average."),
            Parameter("epsilon", .number(.greaterThan(0)), default: .double(1e-8), doc: "The denominator's ε."),
            Parameter("momentum", .number(.halfOpen(0, 1)), default: .double(0), doc: "The momentum μ."),
            weightDecay(0),
        ], doc: "RMSprop (Hinton, 2012)."),
    ], example: "{adam: {learning-rate: 0.001}}")

    private static let adamFields = [
        Parameter("beta1", .number(.halfOpen(0, 1)), default: .double(0.9), doc: "The first-moment decay β₁."),
        Parameter("beta2", .number(.halfOpen(0, 1)), default: .double(0.999), doc: "The second-moment decay β₂."),
        Parameter("epsilon", .number(.greaterThan(0)), default: .double(1e-8), doc: "The denominator's ε."),
    ]

    private static func learningRate(_ value: Double) -> Parameter {
        Parameter("learning-rate", .number(.greaterThan(0)), default: .double(value), doc: "The step size η.")
    }

    private static func weightDecay(_ value: Double) -> Parameter {
        Parameter("weight-decay", .number(.atLeast(0)), default: .double(value), doc: "The weight decay λ.")
    }

    static let schedule = NamedChoice(parameter: "schedule", noun: "schedule", options: [
        .init(name: "constant", fields: [], doc: "The optimizer's learning rate throughout."),
        .init(name: "step", fields: [
            Parameter("every", .integer(.atLeast(1)), required: true, doc: "The epochs between decays"),
            Parameter("factor", .number(.openClosed(0, 1)), default: .double(0.5), doc: "The factor applied at each decay."),
        ], doc: "Multiplies the rate by 'factor' every 'every' epochs."),
        .init(name: "cosine", fields: [
            Parameter("minimum", .number(.atLeast(0)), default: .double(0), doc: "The rate at the end."),
        ], doc: "Cosine annealing from the optimizer's rate to 'minimum' over all epochs (Loshchilov and Hutter, 2017)."),
        .init(name: "one-cycle", fields: [
            Parameter("max-learning-rate", .number(.greaterThan(0)),
                      doc: "The peak rate (default: the optimizer's learning rate)."),
            Parameter("warmup", .number(.openClosed(0, 1)), default: .double(0.3), doc: "The share of steps spent rising."),
        ], doc: "Rises to the peak then anneals far below it (Smith and Topin, 2019)."),
    ], example: "{step: {every: 5, factor: 0.5}}")

    static let loss = NamedChoice(parameter: "loss", noun: "loss", options: [
        .init(name: "cross-entropy", fields: [
            Parameter("label-smoothing", .number(.halfOpen(0, 1)), default: .double(0),
                      doc: "The share of each target spread evenly over all classes."),
        ], doc: "Softmax cross-entropy."),
    ], example: "{cross-entropy: {label-smoothing: 0.1}}")

    /// The fields of `augment:`, exactly Dataset's ``Augmentation`` parameters (and eda.augment's).
    static let augmentFields = [
        Parameter("flip", .number(.closed(0, 1)), default: .double(0), doc: "Probability of a horizontal (left-right) flip."),
        Parameter("shift", .integer(.atLeast(0)), default: .int(0), doc: "Largest shift in pixels along each axis."),
        Parameter("rotate", .number(.closed(0, 180)), default: .double(0), doc: "Largest rotation in degrees."),
        Parameter("crop", .list(.number(.openClosed(0, 1))), doc: "[lower, upper]: range of the area fraction kept by crop-and-resize."),
        Parameter("erase", .record([
            Parameter("probability", .number(.closed(0, 1)), default: .double(0.5), doc: "How often a rectangle is erased."),
            Parameter("area", .list(.number(.openClosed(0, 1))), default: .list([.double(0.02), .double(0.2)]),
                      doc: "[lower, upper]: range of the erased fraction of the image area."),
        ]), doc: "Random erasing: a rectangle set to the background."),
        Parameter("noise", .number(.atLeast(0)), default: .double(0), doc: "Standard deviation of Gaussian noise added to every input value."),
    ]

    /// The custom type of `augment:`: the fields above, then Dataset's own checks (crop ranges).
    static let augmentType = ParameterType.custom(CustomParameterType(summary: "mapping of flip, shift, rotate, crop, erase, noise") { node, problems in
        var nested: [ParameterProblem] = []
        let value = ParameterValidator.validateRecord(node, fields: augmentFields, owner: "augment", problems: &nested)
        if nested.isEmpty {
            do {
                _ = try augmentation(from: value)
            } catch {
                let field = ["crop", "erase", "flip", "shift", "rotate", "noise"].first { "\(error)".contains("'\($0)") }
                let position = node.entries?.first { $0.key == field }?.keyPosition ?? node.position
                nested.append(ParameterProblem(at: position, "\(error)"))
            }
        }
        problems += nested
        return nested.isEmpty ? value : nil
    })

    /// The ``Augmentation`` a validated `augment:` value describes, checked by its own initialiser.
    ///
    /// - Throws: ``DatasetError/invalidAugmentation(parameter:requirement:value:)``, or for an
    ///   interval that is not two numbers.
    static func augmentation(from value: Value) throws(DatasetError) -> Augmentation {
        func interval(_ value: Value?, name: String) throws(DatasetError) -> Augmentation.Interval? {
            guard let list = value?.listValue else { return nil }
            guard list.count == 2, let lower = list[0].doubleValue, let upper = list[1].doubleValue else {
                throw .invalidAugmentation(parameter: name, requirement: "two numbers [lower, upper]",
                                           value: "\(list.count) value\(list.count == 1 ? "" : "s")")
            }
            return Augmentation.Interval(lower, upper)
        }
        var erase: Augmentation.Erase?
        if let record = value["erase"], record.mapValue != nil {
            erase = Augmentation.Erase(probability: record["probability"]?.doubleValue ?? 0.5,
                                       area: try interval(record["area"], name: "erase.area") ?? Augmentation.Interval(0.02, 0.2))
        }
        return try Augmentation(flip: value["flip"]?.doubleValue ?? 0, shift: value["shift"]?.intValue ?? 0,
                                rotate: value["rotate"]?.doubleValue ?? 0, crop: try interval(value["crop"], name: "crop"),
                                erase: erase, noise: value["noise"]?.doubleValue ?? 0)
    }

    /// The training settings every training action declares, with their defaults.
    static let all: [Parameter] = [
        Parameter("loss", loss.parameterType, default: loss.defaultValue("cross-entropy"),
                  doc: "The loss: 'cross-entropy', or {cross-entropy: {label-smoothing: 0.1}}."),
        Parameter("optimizer", optimizer.parameterType, default: optimizer.defaultValue("adam"),
                  doc: "adam, adamw, sgd or rmsprop, alone or with settings: {adam: {learning-rate: 0.001}}."),
        Parameter("schedule", schedule.parameterType, default: schedule.defaultValue("constant"),
                  doc: "The learning rate over time: constant, {step: {every: 5, factor: 0.5}}, cosine or one-cycle."),
        Parameter("metric", .choice(["accuracy"]), default: .string("accuracy"), doc: "What the tables report besides the loss."),
        Parameter("epochs", .integer(.atLeast(1)), default: .int(5), doc: "Passes over the training images."),
        Parameter("batch-size", .integer(.atLeast(1)), default: .int(128), doc: "Images per optimizer step."),
        Parameter("clip-norm", .number(.greaterThan(0)), doc: "Largest global gradient norm (no clipping when absent)."),
        Parameter("early-stopping", .record([
            Parameter("patience", .integer(.atLeast(1)), default: .int(3),
                      doc: "Epochs without a lower validation loss before stopping."),
        ]), doc: "Stop when the validation loss stops falling, and keep the best epoch's weights."),
        Parameter("augment", augmentType,
                  doc: "Random changes to training images: {flip: 0.5, shift: 2, rotate: 10, crop: [0.8, 1], erase: {probability: 0.5}, noise: 0.05}."),
        Parameter("seed", .integer(.atLeast(0)), default: .int(0), doc: "Seed of the initial weights, shuffling, dropout and augmentation."),
    ]

    /// Cross-parameter checks: Nesterov momentum needs momentum.
    static func check(_ parameters: ParameterValues) -> [NamedProblem] {
        guard let optimizer = parameters["optimizer"]?["sgd"], optimizer["nesterov"]?.boolValue == true,
              optimizer["momentum"]?.doubleValue == 0 else { return [] }
        return [NamedProblem(parameter: "optimizer", "'nesterov' needs a 'momentum' above 0 in the optimizer 'sgd'")]
    }

    /// A paragraph for the discussions of the training actions.
    static let help = """
        Optimizers: \(optimizer.help). Schedules (steps counted in epochs): \(schedule.help). \
        'augment' takes Dataset's augmentation parameters, as eda.augment does; the background brought \
        in by shifts, rotations and erasing is the value of a black pixel. Every finished epoch is \
        checkpointed: a run that is stopped resumes at its last finished epoch and ends with the same \
        weights as an uninterrupted run.
        """
}

/// The validated training settings of one cell, ready to become a ``TrainingConfiguration``.
struct TrainingSettings: Sendable {
    var optimizer: OptimizerKind
    var learningRate: Double
    /// The validated `schedule` value (`{step: {every: 5, factor: 0.5}}`).
    var schedule: Value
    var labelSmoothing: Double
    var epochs: Int
    var batchSize: Int
    var clipNorm: Double?
    var patience: Int?
    var augmentation: Augmentation?
    var seed: Int
    /// The canonical text of every setting above, for cache identities (sweep variants).
    var canonical: String

    /// Reads the settings of a cell whose parameters passed validation.
    init(_ parameters: ParameterValues) {
        guard let written = parameters["optimizer"] else { preconditionFailure("the optimizer has a default") }
        let (name, optimizerValue) = NamedChoice.read(written)
        func number(_ key: String) -> Float { Float(optimizerValue[key]?.doubleValue ?? 0) }
        switch name {
        case "sgd":
            optimizer = .sgd(momentum: number("momentum"), nesterov: optimizerValue["nesterov"]?.boolValue ?? false,
                             weightDecay: number("weight-decay"))
        case "adamw":
            optimizer = .adamW(beta1: number("beta1"), beta2: number("beta2"), epsilon: number("epsilon"), weightDecay: number("weight-decay"))
        case "rmsprop":
            optimizer = .rmsprop(alpha: number("alpha"), epsilon: number("epsilon"), momentum: number("momentum"),
                                 weightDecay: number("weight-decay"))
        default:
            optimizer = .adam(beta1: number("beta1"), beta2: number("beta2"), epsilon: number("epsilon"), weightDecay: number("weight-decay"))
        }
        learningRate = optimizerValue["learning-rate"]?.doubleValue ?? 0.001
        schedule = parameters["schedule"] ?? .string("constant")
        labelSmoothing = parameters["loss"].map { NamedChoice.read($0).settings["label-smoothing"]?.doubleValue ?? 0 } ?? 0
        epochs = parameters.int("epochs")
        batchSize = parameters.int("batch-size")
        clipNorm = parameters.optionalDouble("clip-norm")
        patience = parameters["early-stopping"]?["patience"]?.intValue
        // Validated at check time by the same function.
        augmentation = parameters["augment"].flatMap { value in (try? TrainingParameters.augmentation(from: value)).flatMap { $0.isIdentity ? nil : $0 } }
        seed = parameters.int("seed")
        let keys = ["loss", "optimizer", "schedule", "epochs", "batch-size", "clip-norm", "early-stopping", "augment", "seed"]
        canonical = Value.map(keys.compactMap { key in parameters[key].map { (key, $0) } }).canonical
    }

    /// The learning-rate schedule for a run with `batchesPerEpoch` steps per epoch.
    func learningRateSchedule(batchesPerEpoch: Int) -> LearningRateSchedule {
        let rate = Float(learningRate)
        let steps = epochs * batchesPerEpoch
        let (name, schedule) = NamedChoice.read(self.schedule)
        switch name {
        case "step":
            return .step(initial: rate, factor: Float(schedule["factor"]?.doubleValue ?? 0.5),
                         every: (schedule["every"]?.intValue ?? 1) * batchesPerEpoch)
        case "cosine":
            return .cosine(initial: rate, minimum: Float(schedule["minimum"]?.doubleValue ?? 0), steps: steps)
        case "one-cycle":
            return .oneCycle(maximum: Float(schedule["max-learning-rate"]?.doubleValue ?? learningRate), steps: steps,
                             warmup: Float(schedule["warmup"]?.doubleValue ?? 0.3))
        default:
            return .constant(rate)
        }
    }

    /// The NeuralNet configuration of a run over `trainingCount` images.
    func configuration(trainingCount: Int, scaling: PixelScaling) -> TrainingConfiguration {
        let batches = (trainingCount + batchSize - 1) / max(batchSize, 1)
        return TrainingConfiguration(
            epochs: epochs, batchSize: batchSize, optimizer: optimizer,
            learningRate: learningRateSchedule(batchesPerEpoch: max(batches, 1)), labelSmoothing: Float(labelSmoothing),
            gradientClipNorm: clipNorm.map(Float.init), earlyStoppingPatience: patience, seed: UInt64(seed),
            pixelScaling: scaling)
    }
}
