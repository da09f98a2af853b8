@testable import Engine
import Foundation
@testable import NeuralNet
import Testing
@testable import Actions

/// `seeds:` and `repeat:` on the training cells and `sweep`: parsing, mean ± sd, per-seed
/// caching, the best seed, and `evaluate`'s `seeds: all`.
@Suite struct SeedTests {
    /// A cell body (after its fence line, line 11) and the errors expected, as `line:column: message`.
    static let cases: [(action: String, body: String, errors: [String])] = [
        ("train.mlp", "hidden: [8]\nseeds: [0, 1]\nrepeat: 3",
         ["14:1: give either 'seeds' (the seeds to train with) or 'repeat' (how many seeds from 'seed'), not both"]),
        ("train.mlp", "hidden: [8]\nseeds: [0, 1, 0]",
         ["13:15: the seed 0 is listed twice (items 1 and 3); each seed trains one model"]),
        ("train.cnn", "layers:\n  - flatten\n  - dense: 10\nseeds:\n  - 4\n  - 5\n  - 4",
         ["18:5: the seed 4 is listed twice (items 1 and 3); each seed trains one model"]),
        ("train.mlp", "hidden: [8]\nseeds: []", ["13:1: 'seeds' needs at least one seed"]),
        ("train.mlp", "hidden: [8]\nseeds: [0, -1]", ["13:12: 'seeds' must be an integer ≥ 0, not -1"]),
        ("train.mlp", "hidden: [8]\nrepeat: 0", ["13:9: 'repeat' must be an integer in [1, 100], not 0"]),
        ("train.mlp", "hidden: [8]\nseed: 4\nseeds: [0, 1]",
         ["14:1: 'seeds' lists every seed, so 'seed: 4' would be ignored; remove 'seed' or use 'repeat' to count from it"]),
        ("sweep", "width: 8\nrepeat: 2\nseeds: [3]",
         ["13:1: give either 'seeds' (the seeds to train with) or 'repeat' (how many seeds from 'seed'), not both"]),
        ("sweep", "width: 8\nseeds: [3, 3]", ["13:12: the seed 3 is listed twice (items 1 and 2); each seed trains one model"]),
        ("evaluate", "model: mlp\nseeds: every", ["18:8: 'seeds' must be one of 'best', 'all', not 'every'"]),
    ]

    @Test(arguments: cases.indices)
    func reportsTheMistakeAtItsPosition(_ index: Int) throws {
        let bench = try TrainingBench()
        let (action, body, expected) = Self.cases[index]
        // An evaluate cell follows a model cell of 5 lines (its errors are 5 lines further down).
        let model = action == "evaluate" ? "```loom train.mlp as mlp\nhidden: [8]\nepochs: 1\n```\n\n" : ""
        let text = bench.notebook(model + "```loom \(action)\n\(body)\n```\n")
        #expect(bench.errors(text) == expected)
    }

    @Test func seedsAndRepeatGiveTheListOfSeeds() {
        var settings = SeedSettings()
        #expect(!settings.isList && settings.list(from: 7) == [7])
        settings.repetitions = 3
        #expect(settings.isList && settings.list(from: 7) == [7, 8, 9])
        settings = SeedSettings()
        settings.seeds = LocatedList(values: [4, 1], positions: [])
        #expect(settings.isList && settings.list(from: 7) == [4, 1])
    }

    @Test func meanAndSampleStandardDeviationByHand() {
        // 0.80, 0.82, 0.84: mean 0.82; squared deviations 0.0004 + 0 + 0.0004, over n − 1 = 2: 0.0004, sd 0.02.
        let three = SeedSummary([0.80, 0.82, 0.84])
        #expect(abs(three.mean - 0.82) < 1e-12 && abs(three.sd - 0.02) < 1e-12 && three.count == 3)
        #expect(three.text() == "0.820 ± 0.020")
        // 1, 2, 3, 4: mean 2.5; deviations² 2.25 + 0.25 + 0.25 + 2.25 = 5, over 3: sd √(5/3).
        let four = SeedSummary([1, 2, 3, 4])
        #expect(four.mean == 2.5 && abs(four.sd - (5.0 / 3).squareRoot()) < 1e-12)
        #expect(SeedSummary([0.9]).sd == 0)
    }

    static func record(_ epoch: Int, loss: Float, accuracy: Float?, validationLoss: Float? = nil) -> EpochRecord {
        EpochRecord(epoch: epoch, trainLoss: loss, trainAccuracy: 0.5, validationLoss: validationLoss ?? accuracy.map { 1 - $0 },
                    validationAccuracy: accuracy, seconds: 1, imagesPerSecond: 100, learningRate: 0.01)
    }

    @Test func theBestSeedHasTheBestValidationAccuracyOfItsKeptWeights() {
        let histories = [[Self.record(1, loss: 0.5, accuracy: 0.80), Self.record(2, loss: 0.4, accuracy: 0.84)],
                         [Self.record(1, loss: 0.5, accuracy: 0.90), Self.record(2, loss: 0.3, accuracy: 0.86)],
                         [Self.record(1, loss: 0.5, accuracy: 0.70), Self.record(2, loss: 0.2, accuracy: 0.85)]]
        // The last epoch counts: 0.84, 0.86, 0.85.
        #expect(SeedTraining.bestIndex(histories, earlyStopping: false) == 1)
        // With early stopping the epoch of the lowest validation loss: 0.84, 0.90, 0.85.
        #expect(SeedTraining.bestIndex(histories, earlyStopping: true) == 1)
        let tied = [[Self.record(1, loss: 0.5, accuracy: 0.8)], [Self.record(1, loss: 0.1, accuracy: 0.8)]]
        #expect(SeedTraining.bestIndex(tied, earlyStopping: false) == 0)
        // Without validation: the lowest final training loss.
        let blind = [[Self.record(1, loss: 0.5, accuracy: nil)], [Self.record(1, loss: 0.2, accuracy: nil)]]
        #expect(SeedTraining.bestIndex(blind, earlyStopping: false) == 1)
    }

    static func mlp(_ seeds: String, epochs: Int = 2) -> String {
        """
        ```loom train.mlp as mlp
        hidden: [8]
        optimizer: {adam: {learning-rate: 0.01}}
        epochs: \(epochs)
        batch-size: 32
        \(seeds)
        ```
        """
    }

    static func seedEntries(_ cache: Cache, action: String = "train.mlp:seed") throws -> Int {
        try cache.statistics().byAction.first { $0.action == action }?.cells ?? 0
    }

    @Test func eachSeedIsCachedOnItsOwnAndTheReportIsMeanAndSD() throws {
        let bench = try TrainingBench()
        let first = try bench.run(bench.notebook(Self.mlp("seeds: [0, 1]")))
        #expect(first.cells[2].status == .ran, "\(first.cells[2].failure ?? "")")
        #expect(try Self.seedEntries(bench.cache) == 2)
        #expect(bench.log.lines.filter { $0.hasPrefix("seed 0 (1/2) · epoch") }.count == 2)
        #expect(bench.log.lines.filter { $0.hasPrefix("seed 1 (2/2) · epoch") }.count == 2)

        bench.log.reset()
        let text = bench.notebook(Self.mlp("seeds: [0, 1, 2]"))
        let second = try bench.run(text)
        let cell = second.cells[2]
        #expect(cell.status == .ran, "\(cell.failure ?? "")")
        #expect(try Self.seedEntries(bench.cache) == 3)
        // Only seed 2 trained: its two epochs, and the others read from the cache.
        #expect(bench.log.lines.filter { $0.contains("· epoch") }.count == 2)
        #expect(bench.log.lines.filter { $0.hasPrefix("seed 2 (3/3) · epoch") }.count == 2)
        #expect(bench.log.lines.contains { $0.hasPrefix("seed 0: val acc ") && $0.hasSuffix("from the cache") })
        #expect(bench.log.lines.contains { $0.hasPrefix("seed 2: val acc ") && $0.contains("trained in") })
        #expect(cell.markdownText.contains("Trained over 3 seeds (0, 1, 2): 1 trained for this output, 2 reused from earlier runs."))

        let model = try #require(try bench.model(text, cell: 2))
        #expect(model.seeds == [0, 1, 2])
        let accuracies = model.runs.map { Double($0.trained.history.last?.validationAccuracy ?? -1) }
        #expect(model.bestIndex == accuracies.indices.max { accuracies[$0] < accuracies[$1] })
        #expect(model.trained == model.runs[model.bestIndex].trained)
        // Each seed's model is the one a single-seed cell with that seed trains.
        #expect(model.runs.map { $0.trained.configuration?.seed } == [0, 1, 2])
        #expect(model.runs[0].trained.model != model.runs[1].trained.model)

        // The seed table: one row per seed, the best marked, and mean ± sd computed from the rows.
        let table = try #require(cell.tables.first { $0.columns.first == "seed" })
        #expect(table.columns == ["seed", "epochs", "best val acc", "final val acc", "final train loss", "seconds"])
        #expect(table.rows.map { $0[0] }.dropLast() == ["0", "1", "2"].enumerated().map { $0.offset == model.bestIndex ? "\($0.element) (best)" : $0.element })
        let finals = model.runs.map { Double($0.trained.history.last?.validationAccuracy ?? 0) }
        #expect(table.rows.last == ["**mean ± sd**", "2.0 ± 0.0", table.rows.last?[2] ?? "", SeedSummary(finals).text(),
                                    table.rows.last?[4] ?? "", table.rows.last?[5] ?? ""])
        let epochs = try #require(cell.tables.first { $0.columns.first == "epoch" })
        #expect(epochs.rows.count == 2 && epochs.rows.allSatisfy { $0[1].contains(" ± ") && $0[4].contains(" ± ") })
        #expect(cell.figures.map(\.name) == ["training-curves"])
        try cell.figures[0].png.write(to: URL(fileURLWithPath: NSTemporaryDirectory() + "/loom-seed-curves.png"))

        // Facts: the mean under the single-seed name, its sd and each seed's value.
        expectDeclaredFacts(cell)
        func fact(_ name: String) -> Double? { cell.facts.first { $0.name == name }?.value }
        let summary = SeedSummary(finals.map { Double(Float($0)) })
        #expect(abs((fact("final-validation-accuracy") ?? -1) - summary.mean) < 1e-9)
        #expect(abs((fact("final-validation-accuracy-sd") ?? -1) - summary.sd) < 1e-9)
        #expect(fact("final-validation-accuracy-by-seed.2") == Double(Float(finals[2])))
        #expect(fact("seeds") == 3)
        #expect(fact("best-seed") == Double(model.bestIndex))
        #expect(fact("epochs") == 2 && fact("epochs-sd") == 0)
    }

    /// A run killed during seed 1's second epoch leaves seed 0 cached and seed 1's checkpoint: the
    /// next run reads seed 0, resumes seed 1 after its first epoch, and ends with the same weights.
    @Test func aStoppedSeedResumesFromItsCheckpoint() throws {
        let bench = try TrainingBench()
        let text = bench.notebook(Self.mlp("seeds: [0, 1]"))
        let key = try #require(bench.key(text, cell: 2))
        let cache = bench.cache
        let saved = Saved()
        bench.log.onLine = { line in
            if line.hasPrefix("seed 1 (2/2) · epoch 1/2"), let checkpoint = try? cache.checkpoint(key: key) { saved.set(checkpoint) }
        }
        #expect(try bench.run(text).cells[2].status == .ran)
        bench.log.onLine = nil
        let uninterrupted = try #require(try bench.model(text, cell: 2))
        let checkpoint = try #require(saved.value)
        #expect(checkpoint.step == 1)

        // A second cache with seed 0 trained (by a cell of that seed alone) and seed 1's checkpoint.
        let second = try Cache(path: bench.directory + "/second.sqlite")
        #expect(try bench.run(bench.notebook(Self.mlp("seeds: [0]")), cache: second).cells[2].status == .ran)
        try second.saveCheckpoint(key: key, step: checkpoint.step, data: checkpoint.data)
        bench.log.reset()
        let report = try bench.run(text, cache: second)
        #expect(report.cells[2].status == .ran, "\(report.cells[2].failure ?? "")")
        #expect(bench.log.lines.contains { $0.hasPrefix("seed 0: val acc ") && $0.hasSuffix("from the cache") })
        #expect(bench.log.lines.contains("seed 1 (2/2) · resuming after epoch 1 of 2 from the checkpoint"))
        #expect(bench.log.lines.filter { $0.contains("· epoch") }.map { String($0.prefix(22)) } == ["seed 1 (2/2) · epoch 2"])
        let resumed = try ModelValue.decoded(from: try #require(try second.resultData(key: key)))
        #expect(resumed.runs.map(\.trained.model) == uninterrupted.runs.map(\.trained.model))
        #expect(resumed.bestIndex == uninterrupted.bestIndex)
    }

    @Test func repeatCountsFromSeedAndSharesTheCacheWithTheSameList() throws {
        let bench = try TrainingBench()
        let first = try bench.run(bench.notebook(Self.mlp("seed: 5\nrepeat: 2", epochs: 1)))
        #expect(first.cells[2].status == .ran, "\(first.cells[2].failure ?? "")")
        let model = try #require(try bench.model(bench.notebook(Self.mlp("seed: 5\nrepeat: 2", epochs: 1)), cell: 2))
        #expect(model.seeds == [5, 6])
        bench.log.reset()
        let second = try bench.run(bench.notebook(Self.mlp("seeds: [6, 5]", epochs: 1)))
        #expect(second.cells[2].status == .ran, "\(second.cells[2].failure ?? "")")
        #expect(!bench.log.lines.contains { $0.contains("· epoch") }, "both seeds come from the cache: \(bench.log.lines)")
        #expect(try Self.seedEntries(bench.cache) == 2)
    }

    static func sweep(_ seeds: String) -> String {
        """
        ```loom sweep as best
        model: mlp
        width: [8, 16]
        optimizer: {adam: {learning-rate: 0.01}}
        epochs: 1
        batch-size: 32
        \(seeds)
        ```
        """
    }

    @Test func sweepReportsEachVariantOverItsSeedsAndTrainsOnlyNewSeeds() throws {
        let bench = try TrainingBench()
        let plain = try bench.run(bench.notebook(Self.sweep("")))
        #expect(plain.cells[2].status == .ran, "\(plain.cells[2].failure ?? "")")
        #expect(try Self.seedEntries(bench.cache, action: "sweep:variant") == 2)

        // Seed 0 of each variant is the plain sweep's: only seed 1 trains.
        bench.log.reset()
        let two = try bench.run(bench.notebook(Self.sweep("repeat: 2")))
        #expect(two.cells[2].status == .ran, "\(two.cells[2].failure ?? "")")
        #expect(try Self.seedEntries(bench.cache, action: "sweep:variant") == 4)
        #expect(bench.log.lines.filter { $0.contains("· epoch") }.count == 2)
        #expect(bench.log.lines.filter { $0.contains("· seed 1 (2/2) · epoch 1/1") }.count == 2)

        bench.log.reset()
        let text = bench.notebook(Self.sweep("repeat: 3"))
        let three = try bench.run(text)
        let cell = three.cells[2]
        #expect(cell.status == .ran, "\(cell.failure ?? "")")
        #expect(try Self.seedEntries(bench.cache, action: "sweep:variant") == 6)
        #expect(bench.log.lines.filter { $0.contains("· epoch") }.count == 2)
        #expect(bench.log.lines.contains { $0.hasPrefix("variant relu 8×1: val acc ") && $0.hasSuffix("(1 of 3 seeds)") })

        let table = try #require(cell.tables.first)
        #expect(table.rows.count == 2 && table.rows.allSatisfy { $0[5].contains(" ± ") && $0[6].contains(" ± ") })
        #expect(cell.markdownText.contains("each trained with 3 seeds (0, 1, 2), sorted by mean validation accuracy"))
        #expect(cell.figures.map(\.name) == ["accuracy-by-variant", "accuracy-vs-time"])
        try cell.figures[0].png.write(to: URL(fileURLWithPath: NSTemporaryDirectory() + "/loom-sweep-seeds.png"))

        // The result is the best variant with its three seeds; its row is their mean ± sd.
        let best = try #require(try bench.model(text, cell: 2))
        #expect(best.seeds == [0, 1, 2])
        let accuracies = best.runs.map { Double($0.trained.history.last?.validationAccuracy ?? -1) }
        #expect(table.rows[0][5] == SeedSummary(accuracies).text())
        #expect(cell.textFacts["best-variant"] == table.rows[0][0])
        expectDeclaredFacts(cell)
        func fact(_ name: String) -> Double? { cell.facts.first { $0.name == name }?.value }
        #expect(fact("seeds") == 3)
        #expect(abs((fact("best-validation-accuracy") ?? -1) - SeedSummary(accuracies).mean) < 1e-9)
        #expect(abs((fact("best-validation-accuracy-sd") ?? -1) - SeedSummary(accuracies).sd) < 1e-9)
    }

    @Test func evaluateUsesTheBestSeedOrReportsEverySeed() throws {
        let bench = try TrainingBench()
        let text = bench.notebook(Self.mlp("repeat: 3", epochs: 2) + """


            ```loom evaluate as best
            model: mlp
            mistakes: 0
            ```

            ```loom evaluate as all
            model: mlp
            mistakes: 0
            seeds: all
            ```

            ```loom compare
            models: [mlp]
            ```
            """)
        let report = try bench.run(text)
        let (best, all) = (report.cells[3], report.cells[4])
        #expect(best.status == .ran && all.status == .ran, "\(best.failure ?? "") \(all.failure ?? "")")
        let model = try #require(try bench.model(text, cell: 2))
        func fact(_ cell: CellReport, _ name: String) -> Double? { cell.facts.first { $0.name == name }?.value }
        // The best seed's accuracy is the same in both cells; with 'all', 'accuracy' is the mean over seeds.
        let bestAccuracy = try #require(fact(best, "accuracy"))
        #expect(fact(all, "best-seed-accuracy") == bestAccuracy)
        let perSeed = (0..<3).compactMap { fact(all, "accuracy-by-seed.\($0)") }
        #expect(perSeed.count == 3 && perSeed[model.bestIndex] == bestAccuracy)
        #expect(abs((fact(all, "accuracy") ?? -1) - SeedSummary(perSeed).mean) < 1e-12)
        #expect(abs((fact(all, "accuracy-sd") ?? -1) - SeedSummary(perSeed).sd) < 1e-12)
        let table = try #require(all.tables.first { $0.columns.first == "seed" })
        #expect(table.rows.count == 4 && table.rows.last?.first == "**mean ± sd**")
        #expect(!best.tables.contains { $0.columns.first == "seed" })
        expectDeclaredFacts(all)
        expectDeclaredFacts(best)
        // compare, like every later cell, scores the best seed's network.
        let compare = report.cells[5]
        #expect(compare.status == .ran, "\(compare.failure ?? "")")
        #expect(fact(compare, "accuracy.mlp") == bestAccuracy)
    }
}

/// A model over several seeds is stored and read back whole, and inconsistent bytes are refused.
@Suite struct SeedModelEncodingTests {
    static func trained(seed: UInt64, layers: [LayerSpec] = [.flatten, .dense(units: 3)]) throws -> TrainedModel {
        var model = TrainedModel(model: try Sequential(inputShape: [1, 2, 2], layers: layers, seed: seed),
                                 history: [SeedTests.record(1, loss: 0.5, accuracy: 0.5 + Float(seed) / 100)])
        model.classNames = ["a", "b", "c"]
        return model
    }

    static func model() throws -> ModelValue {
        try ModelValue(runs: [0, 1, 2].map { .init(seed: $0, trained: try trained(seed: UInt64($0)), trainingSeconds: Double($0) + 0.5) },
                       bestIndex: 2, family: "train.mlp", splitKey: "abc")
    }

    @Test func everySeedRoundTrips() throws {
        let model = try Self.model()
        let back = try ModelValue.decoded(from: model.encoded())
        #expect(back.runs == model.runs && back.bestIndex == 2 && back.family == "train.mlp" && back.splitKey == "abc")
        #expect(back.trained == model.runs[2].trained && back.trainingSeconds == 2.5 && back.seed == 2)
        let single = ModelValue(trained: try Self.trained(seed: 4), family: "train.cnn", trainingSeconds: 1, splitKey: nil, seed: 4)
        let singleBack = try ModelValue.decoded(from: single.encoded())
        #expect(singleBack.runs == single.runs && singleBack.seed == 4)
    }

    /// The layout before seeds: the model, family, seconds and split key, nothing after.
    @Test func aModelStoredBeforeSeedsReadsAsOneRun() throws {
        let trained = try Self.trained(seed: 1)
        var writer = BlobWriter()
        writer.write(ModelValue.kind.rawValue)
        writer.write(Int64(ModelValue.encodingVersion))
        writer.write(trained.serializedBytes())
        writer.write("train.mlp")
        writer.write(3.5)
        writer.write("key")
        let model = try ModelValue.decoded(from: writer.data)
        #expect(model.runs.count == 1 && model.seed == nil && model.trained == trained && model.trainingSeconds == 3.5)
        #expect(model.splitKey == "key")
    }

    /// The single-seed layout of the best run, then a hand-written seed section.
    static func blob(count: Int, best: Int, seeds: [Int], seconds: [Double], extra: [UInt8] = [],
                     layers: [LayerSpec] = [.flatten, .dense(units: 3)]) throws -> Data {
        var writer = BlobWriter()
        writer.write(ModelValue.kind.rawValue)
        writer.write(Int64(ModelValue.encodingVersion))
        writer.write(try trained(seed: 0).serializedBytes())
        writer.write("train.mlp")
        writer.write(seconds[min(max(best, 0), seconds.count - 1)])
        writer.write("")
        writer.write(count)
        writer.write(best)
        for (index, seed) in seeds.enumerated() {
            writer.write(true)
            writer.write(seed)
            writer.write(seconds[index])
            if index != best { writer.write(try trained(seed: UInt64(seed), layers: index == 1 ? layers : [.flatten, .dense(units: 3)]).serializedBytes()) }
        }
        return writer.data + Data(extra)
    }

    /// The fuzz corpus's model over two seeds (selector byte, then the blob) is a valid one.
    @Test func theFuzzCorpusHoldsAValidModelOverSeeds() throws {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("fuzz/corpus/results/model-seeds")
        let model = try ModelValue.decoded(from: Data(try Data(contentsOf: url).dropFirst()))
        #expect(model.seeds == [0, 1] && model.bestIndex == 0 && model.runs[1].trainingSeconds == 2.5)
    }

    @Test func inconsistentSeedSectionsAreRefused() throws {
        #expect(try ModelValue.decoded(from: Self.blob(count: 2, best: 0, seeds: [0, 1], seconds: [1, 2])).runs.count == 2)
        let bad: [(Data, String)] = [
            (try Self.blob(count: 0, best: 0, seeds: [], seconds: [1]), "a model has 0 seed runs"),
            (try Self.blob(count: 2, best: 2, seeds: [0, 1], seconds: [1, 2]), "the best seed run 2 is outside the 2 runs"),
            (try Self.blob(count: 2, best: 0, seeds: [3, 3], seconds: [1, 2]), "the seed 3 appears twice in a model's runs"),
            (try Self.blob(count: 2, best: 0, seeds: [0, 1], seconds: [1, 2], extra: [7]), "a model has bytes after its seed runs"),
            (try Self.blob(count: 2, best: 0, seeds: [0, 1], seconds: [1, 2], layers: [.flatten, .relu, .dense(units: 3)]),
             "the seed runs of a model differ in architecture or classes"),
            (try Self.blob(count: 2, best: 1, seeds: [0, 1], seconds: [1, -2]), "a seed run's training time -2.0 is not a duration"),
        ]
        for (data, message) in bad {
            #expect(throws: BlobError.badValue(message)) { try ModelValue.decoded(from: data) }
        }
        // A count too large for the bytes is truncated, not a huge allocation.
        #expect(throws: BlobError.self) { try ModelValue.decoded(from: Self.blob(count: 9_999, best: 0, seeds: [0], seconds: [1])) }
    }
}
