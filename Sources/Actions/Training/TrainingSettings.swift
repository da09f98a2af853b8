import Dataset
import Engine
import NeuralNet
import Notebook

/// A named choice with its own settings, written either as the bare name (`optimizer: adam`) or
/// as a one-key mapping (`optimizer: {adam: {learning-rate: 0.001}}`): optimizers, schedules, losses.
///
/// Each alternative's settings are a ``ParameterSet``, read straight into the choice's Swift type
/// (`T`); the canonical value is written as a user could write it, with every default filled in:
/// the bare name for alternatives without settings (`constant`), `{name: {setting: value, …}}`
/// otherwise; so every spelling of one choice has the same cache key.
struct NamedChoice<T: Sendable>: Sendable {
    /// One alternative and its settings.
    struct Option: Sendable {
        var name: String
        var doc: String
        /// The settings' declarations, for help.
        var fields: [Parameter]
        /// Reads the settings (absent: every default) into the choice; `nil` with problems on failure.
        var read: @Sendable (_ settings: ParameterNodeReader?, _ problems: inout [ParameterProblem]) -> T?
        /// The canonical settings of `value` when it is this alternative.
        var encode: @Sendable (_ value: T) -> [(String, Value)]?

        /// An alternative whose settings are `S`, made into the choice by `make`.
        static func settings<S: ParameterSet>(_ name: String, _ settings: S.Type, doc: String,
                                              make: @escaping @Sendable (S) -> T,
                                              match: @escaping @Sendable (T) -> S?) -> Option {
            Option(name: name, doc: doc, fields: S.declarations, read: { node, problems in
                let before = problems.count
                guard let node else {
                    if let required = S.fields.first(where: \.isRequired) {
                        problems.append(ParameterProblem(at: nil, "needs its '\(required.name)' (\(required.doc.lowercasedFirst))"))
                        return nil
                    }
                    return make(S())
                }
                let (value, _) = S.decode(node, owner: name, problems: &problems)
                return problems.count == before ? make(value) : nil
            }, encode: { value in match(value).map(\.encodedFields) })
        }
    }

    /// The parameter's name (`optimizer`), used in messages.
    var parameter: String
    /// What one alternative is called in messages: `optimizer`, `schedule`, `loss`.
    var noun: String
    var options: [Option]
    /// An example for messages: `{adam: {learning-rate: 0.001}}`.
    var example: String

    var summary: String { "one of " + options.map(\.name).joined(separator: ", ") + ", alone or with settings" }

    func parse(_ node: ParameterNodeReader, problems: inout [ParameterProblem]) -> T? {
        guard let (name, namePosition, settings) = node.nameWithSettings else {
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
        if let settings {
            if settings.entries == nil {
                problems.append(ParameterProblem(
                    at: settings.position, "the settings of the \(noun) '\(name)' must be a mapping, as in '\(example)', not \(settings.kindDescription)"))
                return nil
            }
            if option.fields.isEmpty {
                problems.append(ParameterProblem(at: settings.position, "the \(noun) '\(name)' takes no settings"))
                return nil
            }
        }
        var nested: [ParameterProblem] = []
        let value = option.read(settings, &nested)
        // A missing required setting is reported at the name, worded for this choice.
        problems += nested.map { problem in
            problem.position == nil ? ParameterProblem(at: namePosition, "the \(noun) '\(name)' \(problem.message)") : problem
        }
        return nested.isEmpty ? value : nil
    }

    /// The canonical value of a choice.
    func encode(_ value: T) -> Value? {
        for option in options {
            guard let settings = option.encode(value) else { continue }
            return settings.isEmpty ? .string(option.name) : .map([(option.name, .map(settings))])
        }
        return nil
    }

    /// A field of this choice, stored at `keyPath`.
    func field<Root: ParameterSet>(_ keyPath: WritableKeyPath<Root, T> & Sendable, doc: String) -> Field<Root> {
        let choice = self
        return Field(parameter, keyPath, summary: summary, doc: doc,
                     parse: { node, problems in choice.parse(node, problems: &problems) },
                     encode: { choice.encode($0) })
    }

    /// `'adam' (learning-rate 0.001, …); …` for the actions' discussions.
    var help: String {
        options.map { option in
            let settings = option.fields.map { field in field.defaultValue.map { "\(field.name) \($0)" } ?? field.name }
            return "'\(option.name)'" + (settings.isEmpty ? "" : " (" + settings.joined(separator: ", ") + ")")
        }.joined(separator: "; ")
    }
}

// MARK: - Optimizers

/// An optimizer and its learning rate, as NeuralNet trains with them.
struct OptimizerChoice: Sendable, Equatable {
    var kind: OptimizerKind
    var learningRate: Double
}

/// The settings of `adam` and `adamw`. Their defaults are NeuralNet's (`OptimizerKind.adam()`,
/// `.adamW()`), so Adam's defaults live in one place; only the learning rate is loom's own.
struct AdamSettings: ParameterSet {
    var learningRate, beta1, beta2, epsilon, weightDecay: Double

    init() { self.init(learningRate: 0.001, kind: .adam()) }

    /// The settings of an Adam or AdamW optimizer.
    init(learningRate: Double, kind: OptimizerKind) {
        self.learningRate = learningRate
        switch kind {
        case .adam(let beta1, let beta2, let epsilon, let decay), .adamW(let beta1, let beta2, let epsilon, let decay):
            (self.beta1, self.beta2) = (beta1.shortestDouble, beta2.shortestDouble)
            (self.epsilon, weightDecay) = (epsilon.shortestDouble, decay.shortestDouble)
        default:
            preconditionFailure("\(kind.name) is not Adam")
        }
    }

    static let fields: [Field<Self>] = [
        Field("learning-rate", \.learningRate, .number(.openClosed(0, 1000)), doc: "The step size η."),
        Field("beta1", \.beta1, .number(.halfOpen(0, 1)), doc: "The first-moment decay β₁."),
        Field("beta2", \.beta2, .number(.halfOpen(0, 1)), doc: "The second-moment decay β₂."),
        Field("epsilon", \.epsilon, .number(.greaterThan(0)), doc: "The denominator's ε."),
        Field("weight-decay", \.weightDecay, .number(.atLeast(0)), doc: "The weight decay λ."),
    ]

    /// Adam (L2 weight decay) with these settings.
    var optimizer: OptimizerChoice {
        OptimizerChoice(kind: .adam(beta1: Float(beta1), beta2: Float(beta2), epsilon: Float(epsilon), weightDecay: Float(weightDecay)),
                        learningRate: learningRate)
    }

    /// The settings of `choice` when it is Adam (not AdamW).
    static func matching(_ choice: OptimizerChoice) -> AdamSettings? {
        guard case .adam = choice.kind else { return nil }
        return AdamSettings(learningRate: choice.learningRate, kind: choice.kind)
    }
}

/// The settings of `adamw`: Adam's, with NeuralNet's AdamW default weight decay.
struct AdamWSettings: ParameterSet {
    var adam = AdamSettings(learningRate: 0.001, kind: .adamW())
    static let fields: [Field<Self>] = AdamSettings.fields.map { $0.lifted(through: \.adam) }

    /// AdamW (decoupled weight decay) with these settings.
    var optimizer: OptimizerChoice {
        OptimizerChoice(kind: .adamW(beta1: Float(adam.beta1), beta2: Float(adam.beta2), epsilon: Float(adam.epsilon),
                                     weightDecay: Float(adam.weightDecay)), learningRate: adam.learningRate)
    }

    static func matching(_ choice: OptimizerChoice) -> AdamWSettings? {
        guard case .adamW = choice.kind else { return nil }
        var settings = AdamWSettings()
        settings.adam = AdamSettings(learningRate: choice.learningRate, kind: choice.kind)
        return settings
    }
}

/// The settings of `sgd`, with NeuralNet's defaults (`OptimizerKind.sgd()`).
struct SGDSettings: ParameterSet {
    var learningRate = 0.01
    var momentum, weightDecay: Double
    var nesterov: Bool

    init() { self.init(learningRate: 0.01, kind: .sgd())! }

    init?(learningRate: Double, kind: OptimizerKind) {
        guard case .sgd(let momentum, let nesterov, let decay) = kind else { return nil }
        self.learningRate = learningRate
        (self.momentum, self.nesterov, weightDecay) = (momentum.shortestDouble, nesterov, decay.shortestDouble)
    }

    static let fields: [Field<Self>] = [
        Field("learning-rate", \.learningRate, .number(.openClosed(0, 1000)), doc: "The step size η."),
        Field("momentum", \.momentum, .number(.halfOpen(0, 1)), doc: "The momentum μ."),
        Field("nesterov", \.nesterov, .boolean, doc: "Nesterov momentum (needs momentum > 0)."),
        Field("weight-decay", \.weightDecay, .number(.atLeast(0)), doc: "The weight decay λ."),
    ]

    var optimizer: OptimizerChoice {
        OptimizerChoice(kind: .sgd(momentum: Float(momentum), nesterov: nesterov, weightDecay: Float(weightDecay)),
                        learningRate: learningRate)
    }
}

/// The settings of `rmsprop`, with NeuralNet's defaults (`OptimizerKind.rmsprop()`).
struct RMSpropSettings: ParameterSet {
    var learningRate = 0.001
    var alpha, epsilon, momentum, weightDecay: Double

    init() { self.init(learningRate: 0.001, kind: .rmsprop())! }

    init?(learningRate: Double, kind: OptimizerKind) {
        guard case .rmsprop(let alpha, let epsilon, let momentum, let decay) = kind else { return nil }
        self.learningRate = learningRate
        (self.alpha, self.epsilon) = (alpha.shortestDouble, epsilon.shortestDouble)
        (self.momentum, weightDecay) = (momentum.shortestDouble, decay.shortestDouble)
    }

    static let fields: [Field<Self>] = [
        Field("learning-rate", \.learningRate, .number(.openClosed(0, 1000)), doc: "The step size η."),
        Field("alpha", \.alpha, .number(.halfOpen(0, 1)), doc: "The decay of the squared-gradient average."),
        Field("epsilon", \.epsilon, .number(.greaterThan(0)), doc: "The denominator's ε."),
        Field("momentum", \.momentum, .number(.halfOpen(0, 1)), doc: "The momentum μ."),
        Field("weight-decay", \.weightDecay, .number(.atLeast(0)), doc: "The weight decay λ."),
    ]

    var optimizer: OptimizerChoice {
        OptimizerChoice(kind: .rmsprop(alpha: Float(alpha), epsilon: Float(epsilon), momentum: Float(momentum),
                                       weightDecay: Float(weightDecay)), learningRate: learningRate)
    }
}

// MARK: - Schedules

/// The learning rate over a run, with steps counted in epochs as cells write them.
enum ScheduleChoice: Sendable, Equatable {
    case constant
    case step(every: Int, factor: Double)
    case cosine(minimum: Double)
    /// `maximum` `nil`: the optimizer's learning rate.
    case oneCycle(maximum: Double?, warmup: Double)
    /// Reduce-on-plateau, reacting to a validation metric at the end of each epoch.
    case plateau(PlateauSettings)

    /// Whether the rate changes during the run (anything but `constant`).
    var varies: Bool { self != .constant }
}

struct NoSettings: ParameterSet {
    static let fields: [Field<Self>] = []
}

struct StepSettings: ParameterSet {
    var every = 0
    var factor = 0.5
    static let fields: [Field<Self>] = [
        Field("every", \.every, .integer(.atLeast(1)), required: true, doc: "The epochs between decays"),
        Field("factor", \.factor, .number(.openClosed(0, 1)), doc: "The factor applied at each decay."),
    ]
}

struct CosineSettings: ParameterSet {
    var minimum = 0.0
    static let fields: [Field<Self>] = [
        Field("minimum", \.minimum, .number(.atLeast(0)), doc: "The rate at the end."),
    ]
}

struct OneCycleSettings: ParameterSet {
    var maxLearningRate: Double?
    var warmup = 0.3
    static let fields: [Field<Self>] = [
        Field("max-learning-rate", \.maxLearningRate, .number(.openClosed(0, 1000)),
              doc: "The peak rate (default: the optimizer's learning rate)."),
        Field("warmup", \.warmup, .number(.openClosed(0, 1)), doc: "The share of steps spent rising."),
    ]
}

/// The settings of `plateau`: Keras's `ReduceLROnPlateau` without cooldown.
struct PlateauSettings: ParameterSet, Equatable {
    var factor = 0.5
    var patience = 2
    var metric = MonitoredMetric.loss
    var minimum = 0.0
    var minDelta = 0.0
    static let fields: [Field<Self>] = [
        Field("factor", \.factor, .number(NumericBounds(lower: 0, lowerInclusive: false, upper: 1, upperInclusive: false)),
              doc: "The factor applied to the rate at each reduction."),
        Field("patience", \.patience, .integer(.atLeast(1)), doc: "Epochs without improvement before a reduction."),
        Field("metric", \.metric, doc: "The validation metric watched: loss, accuracy or macro-f1."),
        Field("minimum", \.minimum, .number(.atLeast(0)), doc: "The lowest rate."),
        Field("min-delta", \.minDelta, .number(.atLeast(0)), doc: "The smallest change that counts as an improvement."),
    ]

    /// NeuralNet's settings.
    var plateau: Plateau {
        Plateau(factor: Float(factor), patience: patience, minimum: Float(minimum), metric: metric, minDelta: Float(minDelta))
    }
}

/// The loss: softmax cross-entropy with optional label smoothing.
struct CrossEntropySettings: ParameterSet, Equatable {
    var labelSmoothing = 0.0
    static let fields: [Field<Self>] = [
        Field("label-smoothing", \.labelSmoothing, .number(.halfOpen(0, 1)),
              doc: "The share of each target spread evenly over all classes."),
    ]
}

// MARK: - Augmentation

/// The fields of `augment:` (and of `eda.augment`), read into Dataset's ``Augmentation``.
struct AugmentSettings: ParameterSet {
    var flip = 0.0
    var shift = 0
    var rotate = 0.0
    var crop: [Double]?
    var erase: EraseSettings?
    var noise = 0.0

    static let fields: [Field<Self>] = [
        Field("flip", \.flip, .number(.closed(0, 1)), doc: "Probability of a horizontal (left-right) flip."),
        Field("shift", \.shift, .integer(.closed(0, 1024)), doc: "Largest shift in pixels along each axis."),
        Field("rotate", \.rotate, .number(.closed(0, 180)), doc: "Largest rotation in degrees."),
        Field("crop", \.crop, .list(.number(.openClosed(0, 1))), doc: "[lower, upper]: range of the area fraction kept by crop-and-resize."),
        Field("erase", \.erase, record: EraseSettings.self, doc: "Random erasing: a rectangle set to the background."),
        Field("noise", \.noise, .number(.closed(0, 1000)), doc: "Standard deviation of Gaussian noise added to every input value."),
    ]

    /// The settings of an augmentation, for its canonical form.
    init(_ augmentation: Augmentation) {
        flip = augmentation.flip
        shift = augmentation.shift
        rotate = augmentation.rotate
        crop = augmentation.crop.map { [$0.lower, $0.upper] }
        erase = augmentation.erase.map { EraseSettings(probability: $0.probability, area: [$0.area.lower, $0.area.upper]) }
        noise = augmentation.noise
    }

    init() {}

    /// The ``Augmentation`` these settings describe, checked by its own initialiser.
    ///
    /// - Throws: ``DatasetError/invalidAugmentation(parameter:requirement:value:)``, or for an
    ///   interval that is not two numbers.
    func augmentation() throws(DatasetError) -> Augmentation {
        func interval(_ list: [Double]?, name: String) throws(DatasetError) -> Augmentation.Interval? {
            guard let list else { return nil }
            guard list.count == 2 else {
                throw .invalidAugmentation(parameter: name, requirement: "two numbers [lower, upper]",
                                           value: "\(list.count) value\(list.count == 1 ? "" : "s")")
            }
            return Augmentation.Interval(list[0], list[1])
        }
        var erased: Augmentation.Erase?
        if let erase {
            erased = Augmentation.Erase(probability: erase.probability,
                                        area: try interval(erase.area, name: "erase.area") ?? Augmentation.Interval(0.02, 0.2))
        }
        return try Augmentation(flip: flip, shift: shift, rotate: rotate, crop: try interval(crop, name: "crop"),
                                erase: erased, noise: noise)
    }

    /// The field an augmentation error is about (`crop`, `erase`), for its position.
    static func field(of error: DatasetError) -> String? {
        fields.map(\.name).first { "\(error)".contains("'\($0)") }
    }

    /// Reads an `augment:` mapping straight into an ``Augmentation``, reporting Dataset's own
    /// checks (crop ranges) at the field they are about.
    static func parseAugmentation(_ node: ParameterNodeReader, problems: inout [ParameterProblem]) -> Augmentation? {
        let before = problems.count
        let (settings, positions) = decode(node, owner: "augment", problems: &problems)
        guard problems.count == before else { return nil }
        do {
            return try settings.augmentation()
        } catch {
            let position = field(of: error).flatMap { positions[$0] } ?? node.position
            problems.append(ParameterProblem(at: position, "\(error)"))
            return nil
        }
    }
}

/// The settings of random erasing.
struct EraseSettings: ParameterSet {
    var probability = 0.5
    var area = [0.02, 0.2]
    static let fields: [Field<Self>] = [
        Field("probability", \.probability, .number(.closed(0, 1)), doc: "How often a rectangle is erased."),
        Field("area", \.area, .list(.number(.openClosed(0, 1))), doc: "[lower, upper]: range of the erased fraction of the image area."),
    ]
}

// MARK: - Training settings

/// The settings a training cell shares with every other training cell (`train.cnn`, `train.mlp`,
/// `sweep`): loss, optimiser, schedule, epochs, batch size, clipping, early stopping, augmentation
/// and seed. Declared once here, so every training action reads, checks and documents them alike,
/// and a sweep variant's identity is exactly their canonical form.
struct TrainingSettings: ParameterSet {
    var loss = CrossEntropySettings()
    var optimizer = AdamSettings().optimizer
    var schedule = ScheduleChoice.constant
    var metric = MonitoredMetric.accuracy
    var epochs = 5
    var batchSize = 128
    var clipNorm: Double?
    var earlyStopping: EarlyStoppingSettings?
    var augment: Augmentation?
    var seed = 0

    static let optimizerChoice = NamedChoice<OptimizerChoice>(parameter: "optimizer", noun: "optimizer", options: [
        .settings("adam", AdamSettings.self, doc: "Adam (Kingma and Ba, 2015), with L2 weight decay.",
                  make: \.optimizer, match: AdamSettings.matching),
        .settings("adamw", AdamWSettings.self, doc: "AdamW: Adam with decoupled weight decay (Loshchilov and Hutter, 2019).",
                  make: \.optimizer, match: AdamWSettings.matching),
        .settings("sgd", SGDSettings.self, doc: "Stochastic gradient descent with optional (Nesterov) momentum.",
                  make: \.optimizer, match: { SGDSettings(learningRate: $0.learningRate, kind: $0.kind) }),
        .settings("rmsprop", RMSpropSettings.self, doc: "RMSprop (Hinton, 2012).",
                  make: \.optimizer, match: { RMSpropSettings(learningRate: $0.learningRate, kind: $0.kind) }),
    ], example: "{adam: {learning-rate: 0.001}}")

    static let scheduleChoice = NamedChoice<ScheduleChoice>(parameter: "schedule", noun: "schedule", options: [
        .settings("constant", NoSettings.self, doc: "The optimizer's learning rate throughout.",
                  make: { _ in .constant }, match: { $0 == .constant ? NoSettings() : nil }),
        .settings("step", StepSettings.self, doc: "Multiplies the rate by 'factor' every 'every' epochs.",
                  make: { .step(every: $0.every, factor: $0.factor) },
                  match: { if case .step(let every, let factor) = $0 { StepSettings(every: every, factor: factor) } else { nil } }),
        .settings("cosine", CosineSettings.self,
                  doc: "Cosine annealing from the optimizer's rate to 'minimum' over all epochs (Loshchilov and Hutter, 2017).",
                  make: { .cosine(minimum: $0.minimum) },
                  match: { if case .cosine(let minimum) = $0 { CosineSettings(minimum: minimum) } else { nil } }),
        .settings("one-cycle", OneCycleSettings.self, doc: "Rises to the peak then anneals far below it (Smith and Topin, 2019).",
                  make: { .oneCycle(maximum: $0.maxLearningRate, warmup: $0.warmup) },
                  match: { if case .oneCycle(let maximum, let warmup) = $0 { OneCycleSettings(maxLearningRate: maximum, warmup: warmup) } else { nil } }),
        .settings("plateau", PlateauSettings.self,
                  doc: "Multiplies the rate by 'factor' when the validation 'metric' has not improved for 'patience' epochs, down to 'minimum'.",
                  make: { .plateau($0) }, match: { if case .plateau(let settings) = $0 { settings } else { nil } }),
    ], example: "{step: {every: 5, factor: 0.5}}")

    static let lossChoice = NamedChoice<CrossEntropySettings>(parameter: "loss", noun: "loss", options: [
        .settings("cross-entropy", CrossEntropySettings.self, doc: "Softmax cross-entropy.", make: { $0 }, match: { $0 }),
    ], example: "{cross-entropy: {label-smoothing: 0.1}}")

    static let fields: [Field<Self>] = [
        lossChoice.field(\.loss, doc: "The loss: 'cross-entropy', or {cross-entropy: {label-smoothing: 0.1}}."),
        optimizerChoice.field(\.optimizer, doc: "adam, adamw, sgd or rmsprop, alone or with settings: {adam: {learning-rate: 0.001}}."),
        scheduleChoice.field(\.schedule,
                             doc: "The learning rate over time: constant, {step: {every: 5, factor: 0.5}}, cosine, one-cycle or {plateau: {factor: 0.5, patience: 2}}."),
        Field("metric", \.metric, doc: "The validation metric the tables and curves report besides the loss: accuracy, macro-f1 or loss."),
        Field("epochs", \.epochs, .integer(.closed(1, 100_000)), doc: "Passes over the training images."),
        Field("batch-size", \.batchSize, .integer(.closed(1, 1_048_576)),
              doc: "Images per optimizer step (a batch larger than the training part is clamped to it)."),
        Field("clip-norm", \.clipNorm, .number(.openClosed(0, 1e6)), doc: "Largest global gradient norm (no clipping when absent)."),
        Field("early-stopping", \.earlyStopping, record: EarlyStoppingSettings.self,
              doc: "Stop when a validation metric stops improving, and keep the best epoch's weights: {patience: 3, metric: macro-f1, min-delta: 0.001}."),
        Field("augment", \.augment, summary: "mapping of flip, shift, rotate, crop, erase, noise",
              doc: "Random changes to training images: {flip: 0.5, shift: 2, rotate: 10, crop: [0.8, 1], erase: {probability: 0.5}, noise: 0.05}.",
              parse: AugmentSettings.parseAugmentation(_:problems:),
              encode: { augmentation in augmentation.map { Value.map(AugmentSettings($0).encodedFields) } }),
        .seed(\.seed, doc: "Seed of the initial weights, shuffling, dropout and augmentation."),
    ]

    /// Cross-parameter checks: Nesterov momentum needs momentum.
    func check() -> [NamedProblem] {
        if case .sgd(let momentum, true, _) = optimizer.kind, momentum == 0 {
            return [NamedProblem(\Self.optimizer, "'nesterov' needs a 'momentum' above 0 in the optimizer 'sgd'")]
        }
        return []
    }

    /// Early stopping's patience, when on.
    var patience: Int? { earlyStopping?.patience }

    /// Whether training watches the validation part (early stopping or reduce-on-plateau).
    var monitorsValidation: Bool {
        if earlyStopping != nil { return true }
        if case .plateau = schedule { return true }
        return false
    }

    /// The augmentation to apply, `nil` when it changes nothing.
    var activeAugmentation: Augmentation? { augment.flatMap { $0.isIdentity ? nil : $0 } }

    /// A paragraph for the discussions of the training actions.
    static let help = """
        Optimizers: \(optimizerChoice.help). Schedules (steps counted in epochs): \(scheduleChoice.help). \
        'augment' takes Dataset's augmentation parameters, as eda.augment does; the background brought \
        in by shifts, rotations and erasing is the value of a black pixel. Every finished epoch is \
        checkpointed: a run that is stopped resumes at its last finished epoch and ends with the same \
        weights as an uninterrupted run.
        """

    /// The learning-rate schedule for a run with `batchesPerEpoch` steps per epoch.
    func learningRateSchedule(batchesPerEpoch: Int) -> LearningRateSchedule {
        let rate = Float(optimizer.learningRate)
        let steps = epochs * batchesPerEpoch
        switch schedule {
        case .constant: return .constant(rate)
        case .step(let every, let factor): return .step(initial: rate, factor: Float(factor), every: every * batchesPerEpoch)
        case .cosine(let minimum): return .cosine(initial: rate, minimum: Float(minimum), steps: steps)
        case .oneCycle(let maximum, let warmup):
            return .oneCycle(maximum: Float(maximum ?? optimizer.learningRate), steps: steps, warmup: Float(warmup))
        case .plateau(let settings): return .plateau(initial: rate, settings.plateau)
        }
    }

    /// The NeuralNet configuration of a run over `trainingCount` images; a batch larger than the
    /// training part is clamped to it.
    func configuration(trainingCount: Int, scaling: PixelScaling) -> TrainingConfiguration {
        let batchSize = max(1, min(self.batchSize, trainingCount))
        let batches = (trainingCount + batchSize - 1) / batchSize
        return TrainingConfiguration(
            epochs: epochs, batchSize: batchSize, optimizer: optimizer.kind,
            learningRate: learningRateSchedule(batchesPerEpoch: max(batches, 1)), labelSmoothing: Float(loss.labelSmoothing),
            gradientClipNorm: clipNorm.map(Float.init), earlyStopping: earlyStopping?.earlyStopping, seed: UInt64(seed),
            pixelScaling: scaling)
    }
}

/// The settings of `early-stopping`.
struct EarlyStoppingSettings: ParameterSet {
    var patience = 3
    var metric = MonitoredMetric.loss
    var minDelta = 0.0
    var restoreBest = true
    static let fields: [Field<Self>] = [
        Field("patience", \.patience, .integer(.atLeast(1)), doc: "Epochs without improvement of the metric before stopping."),
        Field("metric", \.metric, doc: "The validation metric watched and selected on: loss, accuracy or macro-f1."),
        Field("min-delta", \.minDelta, .number(.atLeast(0)), doc: "The smallest change that counts as an improvement."),
        Field("restore-best", \.restoreBest, .boolean, doc: "Keep the weights of the best epoch (otherwise the last epoch's)."),
    ]

    /// NeuralNet's settings.
    var earlyStopping: EarlyStopping {
        EarlyStopping(patience: patience, metric: metric, minDelta: Float(minDelta), restoreBest: restoreBest)
    }
}
