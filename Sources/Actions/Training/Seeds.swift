import Engine
import Foundation
import NeuralNet
import Notebook

/// The seeds a training cell (`train.cnn`, `train.mlp`, `sweep`) trains with: one (`seed`), an
/// explicit list (`seeds: [0, 1, 2]`), or a number of consecutive ones (`repeat: 3`: `seed`,
/// `seed + 1`, `seed + 2`).
///
/// Neither written: the cell trains once with `seed`, as it always has, and its cache key is what it
/// was. Either written: each seed is trained (and cached) on its own, and every metric is reported
/// as mean ± standard deviation over the seeds.
struct SeedSettings: ParameterSet {
    var seeds: LocatedList<Int>?
    /// `repeat` (a Swift keyword, hence the name).
    var repetitions: Int?

    /// A paragraph for the discussions of the training actions.
    static let help = """
        'seeds: [0, 1, 2]' (or 'repeat: 3': seeds 'seed', 'seed'+1, 'seed'+2) trains once per seed, each \
        seed cached on its own (adding a seed trains only it), and reports every metric as mean ± sample \
        standard deviation over the seeds, in tables, facts (NAME the mean, NAME-sd, NAME-by-seed.N) and \
        figures; the result holds every seed's model and later cells use the best seed's (by validation \
        accuracy) unless told otherwise ('evaluate' with 'seeds: all').
        """

    /// The most seeds one cell trains.
    static let maximumCount = 100

    static let fields: [Field<Self>] = [
        Field("seeds", \.seeds, .list(.integer(.atLeast(0))),
              doc: "Train once per seed and report mean ± sd over them, e.g. [0, 1, 2] (instead of 'repeat')."),
        Field("repeat", \.repetitions, .integer(.closed(1, Double(Self.maximumCount))),
              doc: "Train this many times, with seeds 'seed', 'seed'+1, …, and report mean ± sd (instead of 'seeds')."),
    ]

    func check() -> [NamedProblem] {
        if seeds != nil && repetitions != nil {
            return [NamedProblem(\Self.repetitions, "give either 'seeds' (the seeds to train with) or 'repeat' "
                                 + "(how many seeds from 'seed'), not both")]
        }
        guard let seeds else { return [] }
        guard !seeds.values.isEmpty else { return [NamedProblem(\Self.seeds, "'seeds' needs at least one seed")] }
        if seeds.values.count > Self.maximumCount {
            return [NamedProblem(\Self.seeds, "'seeds' lists \(seeds.values.count) seeds; at most \(Self.maximumCount) are trained in one cell")]
        }
        for (index, seed) in seeds.values.enumerated() {
            guard let first = seeds.values[..<index].firstIndex(of: seed) else { continue }
            let position = seeds.positions.indices.contains(index) ? seeds.positions[index] : nil
            return [NamedProblem(\Self.seeds, at: position,
                                 "the seed \(seed) is listed twice (items \(first + 1) and \(index + 1)); each seed trains one model")]
        }
        return []
    }

    /// Whether the cell trains over a list of seeds (`seeds` or `repeat` written).
    var isList: Bool { seeds != nil || repetitions != nil }

    /// The seeds to train with, given the cell's `seed`.
    func list(from seed: Int) -> [Int] {
        if let seeds { return seeds.values }
        return (0..<(repetitions ?? 1)).map { seed + $0 }
    }

    /// The problem of writing `seed` beside `seeds` (it would be ignored): `seed` is only checked
    /// when it is not the default, the one case where its value says it was written.
    func problems(seed: Int) -> [NamedProblem] {
        guard seeds != nil, seed != TrainingSettings().seed else { return [] }
        return [NamedProblem(\Self.seeds, "'seeds' lists every seed, so 'seed: \(seed)' would be ignored; "
                             + "remove 'seed' or use 'repeat' to count from it")]
    }
}

/// Mean and standard deviation over seeds.
struct SeedSummary: Equatable {
    var mean: Double
    /// The sample standard deviation (n − 1 in the denominator); 0 for one value.
    var sd: Double
    var count: Int

    /// The summary of `values` (at least one).
    init(_ values: [Double]) {
        precondition(!values.isEmpty, "a summary over seeds needs at least one value")
        let mean = values.reduce(0, +) / Double(values.count)
        let centred = values.map { ($0 - mean) * ($0 - mean) }.reduce(0, +)
        self.count = values.count
        self.mean = mean
        sd = values.count > 1 ? (centred / Double(values.count - 1)).squareRoot() : 0
    }

    /// `0.912 ± 0.004`
    func text(_ places: Int = 3) -> String {
        Format.decimal(mean, places) + " ± " + Format.decimal(sd, places)
    }
}

extension TrainingSettings {
    /// These settings with another seed.
    func with(seed: Int) -> TrainingSettings {
        var copy = self
        copy.seed = seed
        return copy
    }
}

/// Training one model per seed, each cached on its own, and choosing the best.
enum SeedTraining {
    /// What a seed's cache entry depends on besides the inputs: the family, the layers and every
    /// training setting, seed included. `sweep` keys its variants the same way, so a variant
    /// trained with `seed: 1` is reused by `seeds: [0, 1]`.
    static func identity(family: ModelFamily, layers: [LayerSpec], settings: TrainingSettings) -> String {
        Value.map([("family", .string(family.actionName)), ("layers", LayerList.value(of: layers)),
                   ("training", .string(settings.canonicalForm))]).canonical
    }

    /// The outcome of ``train(_:layers:family:settings:seeds:data:locator:label:memoLabel:)``.
    struct Outcome {
        /// Every seed's model; its best one is the run with the best validation metric.
        var model: ModelValue
        /// For each seed, whether it came from the cache.
        var cached: [Bool]
    }

    /// Trains the layers once per seed (reading each seed already trained from the cache).
    ///
    /// - Parameters:
    ///   - label: put before progress lines (a sweep variant's name).
    ///   - memoLabel: the sub-result label (`seed`, or `variant` for sweep).
    ///   - checkpoints: whether seeds save and resume from the cell's checkpoint (a checkpoint is
    ///     used only by the seed whose settings it was made with).
    static func train(_ context: ActionContext, layers: [LayerSpec], family: ModelFamily, settings: TrainingSettings,
                      seeds: [Int], data: TrainingData, locator: LayerLocator, label: String = "", memoLabel: String = "seed",
                      checkpoints: Bool) throws -> Outcome {
        var runs: [ModelValue.SeedRun] = []
        var cached: [Bool] = []
        for (number, seed) in seeds.enumerated() {
            let seeded = settings.with(seed: seed)
            let seedLabel = label + "seed \(seed) (\(number + 1)/\(seeds.count)) · "
            let (value, hit) = try context.memoized(memoLabel, identity: identity(family: family, layers: layers, settings: seeded)) {
                () throws -> ModelValue in
                let sequential = try TrainingRun.buildModel(layers: layers, family: family, data: data, seed: seed,
                                                            batchSize: seeded.batchSize, locator: locator, context: context)
                return try TrainingRun.train(context, model: sequential, settings: seeded, data: data, family: family,
                                             checkpoints: checkpoints, label: seedLabel).model
            }
            let accuracy = validationAccuracy(value.trained)
            context.progress.log("\(label)seed \(seed): val acc \(accuracy.map { Format.decimal($0) } ?? "–"), "
                                 + (hit ? "from the cache" : "trained in \(TrainingRun.secondsText(value.trainingSeconds)) s"))
            runs.append(ModelValue.SeedRun(seed: seed, trained: value.trained, trainingSeconds: value.trainingSeconds))
            cached.append(hit)
        }
        let best = bestIndex(runs.map(\.trained))
        let model = try ModelValue(runs: runs, bestIndex: best, family: family.actionName, splitKey: data.splitKey)
        return Outcome(model: model, cached: cached)
    }

    /// The validation accuracy of the weights a model keeps (``TrainedModel/keptRecord``: the last
    /// epoch's, or the epoch early stopping restored, by whatever metric it watched).
    static func validationAccuracy(_ trained: TrainedModel) -> Double? {
        trained.keptRecord?.validationAccuracy.map(Double.init)
    }

    /// The run whose kept weights have the highest validation accuracy (the first on ties); without
    /// validation, the lowest final training loss.
    static func bestIndex(_ histories: [[EpochRecord]], earlyStopping: Bool) -> Int {
        bestIndex(kept: histories.map { SweepAction.keptRecord($0, earlyStopping: earlyStopping) }, histories: histories)
    }

    /// The best of trained models, each judged by the epoch whose weights it keeps (early stopping
    /// on any metric may keep an earlier one).
    static func bestIndex(_ models: [TrainedModel]) -> Int {
        bestIndex(kept: models.map(\.keptRecord), histories: models.map(\.history))
    }

    private static func bestIndex(kept: [EpochRecord?], histories: [[EpochRecord]]) -> Int {
        precondition(!histories.isEmpty, "choosing the best of no runs")
        let accuracies = kept.map { $0?.validationAccuracy.map(Double.init) }
        if accuracies.allSatisfy({ $0 != nil }) {
            let values = accuracies.compactMap { $0 }
            return values.indices.max { values[$0] < values[$1] || (values[$0] == values[$1] && $0 > $1) } ?? 0
        }
        let losses = histories.map { $0.last.map { Double($0.trainLoss) } ?? .infinity }
        return losses.indices.min { losses[$0] < losses[$1] || (losses[$0] == losses[$1] && $0 < $1) } ?? 0
    }
}
