import Engine
import Foundation
import NeuralNet

/// A trained network: architecture, weights, training history and input scaling, plus what
/// `compare` needs to know about how it was made.
///
/// A cell trained over several seeds (`seeds: [0, 1, 2]`) keeps every seed's model in ``runs``;
/// ``trained`` is the best seed's (``bestIndex``, chosen by the validation metric), the model that
/// `evaluate`, `predict` and `compare` use unless told to use them all.
///
/// The encoding is the single-seed layout (the best run's model, the family, its seconds and the
/// split key), followed by the seeds: their count, the best run's index, and each run's seed,
/// seconds and (for every run but the best, whose model is already written) model. A blob that
/// ends after the split key (written before seeds existed) reads as one run of an unknown seed,
/// so cached single-seed models stay valid.
public struct ModelValue: ResultValue {
    public static let kind = ResultKind.model

    /// One seed's training: its seed, model and wall-clock seconds.
    public struct SeedRun: Sendable, Equatable {
        /// The seed, or `nil` for a model stored before seeds were recorded.
        public var seed: Int?
        public var trained: TrainedModel
        public var trainingSeconds: Double

        public init(seed: Int?, trained: TrainedModel, trainingSeconds: Double) {
            self.seed = seed
            self.trained = trained
            self.trainingSeconds = trainingSeconds
        }
    }

    /// Every seed's run, in the order the cell listed the seeds; never empty.
    public private(set) var runs: [SeedRun]
    /// The index in ``runs`` of the best seed, whose model later cells use by default.
    public private(set) var bestIndex: Int
    /// The action that trained it (`train.cnn`, `train.mlp`).
    public var family: String
    /// The cache key of the split it was trained on, so evaluation can default to its test part.
    public var splitKey: String?

    /// A model trained with one seed.
    public init(trained: TrainedModel, family: String, trainingSeconds: Double, splitKey: String?, seed: Int? = nil) {
        self.runs = [SeedRun(seed: seed, trained: trained, trainingSeconds: trainingSeconds)]
        self.bestIndex = 0
        self.family = family
        self.splitKey = splitKey
    }

    /// A model trained over several seeds.
    ///
    /// - Throws: ``BlobError/badValue(_:)`` when `runs` is empty, `bestIndex` is outside it, a
    ///   seed repeats, or the runs are not one architecture on one set of classes.
    public init(runs: [SeedRun], bestIndex: Int, family: String, splitKey: String?) throws {
        try Self.validate(runs: runs, bestIndex: bestIndex)
        self.runs = runs
        self.bestIndex = bestIndex
        self.family = family
        self.splitKey = splitKey
    }

    /// The best seed's model.
    public var trained: TrainedModel {
        get { runs[bestIndex].trained }
        set { runs[bestIndex].trained = newValue }
    }

    /// The best seed's training seconds (all its epochs, including resumed ones).
    public var trainingSeconds: Double {
        get { runs[bestIndex].trainingSeconds }
        set { runs[bestIndex].trainingSeconds = newValue }
    }

    /// The best seed, when known.
    public var seed: Int? { runs[bestIndex].seed }

    /// The seeds of every run, in order (`nil` where unknown).
    public var seeds: [Int?] { runs.map(\.seed) }

    /// The same models with run `index` as the best one.
    public func choosingBest(_ index: Int) -> ModelValue {
        precondition(runs.indices.contains(index), "run \(index) of \(runs.count)")
        var copy = self
        copy.bestIndex = index
        return copy
    }

    /// The runs' problems: none, an out-of-range best, a repeated seed, another architecture.
    static func validate(runs: [SeedRun], bestIndex: Int) throws(BlobError) {
        guard !runs.isEmpty else { throw .badValue("a model has no seed runs") }
        guard runs.indices.contains(bestIndex) else {
            throw .badValue("the best seed run \(bestIndex) is outside the \(runs.count) runs")
        }
        let seeds = runs.compactMap(\.seed)
        if let repeated = seeds.enumerated().first(where: { seeds[..<$0.offset].contains($0.element) })?.element {
            throw .badValue("the seed \(repeated) appears twice in a model's runs")
        }
        if runs.contains(where: { $0.seed == nil }) && runs.count > 1 {
            throw .badValue("a model with several seed runs has a run without a seed")
        }
        let first = runs[0].trained
        for run in runs.dropFirst() {
            guard run.trained.model.layers == first.model.layers, run.trained.model.inputShape == first.model.inputShape,
                  run.trained.classNames == first.classNames else {
                throw .badValue("the seed runs of a model differ in architecture or classes")
            }
        }
        for run in runs where !(run.trainingSeconds.isFinite && run.trainingSeconds >= 0) {
            throw .badValue("a seed run's training time \(run.trainingSeconds) is not a duration")
        }
    }

    public func encode(to writer: inout BlobWriter) {
        let best = runs[bestIndex]
        writer.write(best.trained.serializedBytes())
        writer.write(family)
        writer.write(best.trainingSeconds)
        writer.write(splitKey ?? "")
        writer.write(runs.count)
        writer.write(bestIndex)
        for (index, run) in runs.enumerated() {
            writer.write(run.seed != nil)
            writer.write(run.seed ?? 0)
            writer.write(run.trainingSeconds)
            if index != bestIndex { writer.write(run.trained.serializedBytes()) }
        }
    }

    /// The most seed runs a stored model may hold, so a damaged count cannot ask for a huge array.
    static let maximumRuns = 10_000

    public init(from reader: inout BlobReader) throws {
        let best = try TrainedModel(serializedBytes: try reader.readData())
        family = try reader.readString()
        let bestSeconds = try reader.readDouble()
        let key = try reader.readString()
        splitKey = key.isEmpty ? nil : key
        guard !reader.isAtEnd else {
            runs = [SeedRun(seed: nil, trained: best, trainingSeconds: bestSeconds)]
            bestIndex = 0
            try Self.validate(runs: runs, bestIndex: bestIndex)
            return
        }
        let count = try reader.readInt()
        guard (1...Self.maximumRuns).contains(count) else {
            throw BlobError.badValue("a model has \(count) seed runs")
        }
        bestIndex = try reader.readInt()
        guard (0..<count).contains(bestIndex) else {
            throw BlobError.badValue("the best seed run \(bestIndex) is outside the \(count) runs")
        }
        var runs: [SeedRun] = []
        for index in 0..<count {
            let hasSeed = try reader.readBool()
            let seed = try reader.readInt()
            let seconds = try reader.readDouble()
            let trained = index == bestIndex ? best : try TrainedModel(serializedBytes: try reader.readData())
            runs.append(SeedRun(seed: hasSeed ? seed : nil, trained: trained, trainingSeconds: seconds))
        }
        guard runs[bestIndex].trainingSeconds == bestSeconds else {
            throw BlobError.badValue("the best seed run's training time differs from the model's")
        }
        guard reader.isAtEnd else { throw BlobError.badValue("a model has bytes after its seed runs") }
        try Self.validate(runs: runs, bestIndex: bestIndex)
        self.runs = runs
    }
}
