import Actions
import Engine
import Foundation
import NeuralNet
import Testing

/// Training cells run on a small synthetic set (10 classes of 12×12 images, a bright bar at a
/// class-dependent row; 16 training images per class).
@Suite struct TrainRunTests {
    static let mlp = """
        ```loom train.mlp as mlp
        hidden: [32]
        optimizer: {adam: {learning-rate: 0.01}}
        epochs: 4
        batch-size: 16
        seed: 3
        ```
        """

    @Test func mlpLearnsTheBarsAndReportsEveryEpoch() throws {
        let bench = try TrainingBench()
        let text = bench.notebook(Self.mlp)
        let report = try bench.run(text)
        let cell = report.cells[2]
        #expect(cell.status == .ran, "\(cell.failure ?? "")")

        let summary = try #require(cell.tables.first)
        #expect(summary.columns == ["#", "layer", "output shape", "parameters"])
        #expect(summary.rows.map { $0[1] } == ["input", "flatten (added by train.mlp)", "dense (32 units)", "relu",
                                                "dense (10 units)", "**total**"])
        #expect(summary.rows.map { $0[2] } == ["1×12×12", "144", "32", "32", "10", ""])
        #expect(summary.rows.last?[3] == "**4,970**")  // 144·32 + 32 + 32·10 + 10

        let epochs = try #require(cell.tables.dropFirst().first)
        #expect(epochs.columns == ["epoch", "train loss", "train acc", "val loss", "val acc", "lr", "seconds", "img/s"])
        #expect(epochs.rows.map { $0[0] } == ["1", "2", "3", "4"])
        #expect(cell.figures.map(\.name) == ["training-curves"])
        #expect(cell.figures.first?.png.starts(with: [0x89, 0x50, 0x4E, 0x47]) == true)

        let lines = bench.log.lines
        #expect(lines.count == 4)
        #expect(lines.first?.hasPrefix("epoch 1/4 · train loss ") == true)
        #expect(bench.log.updates >= 4)

        let model = try #require(try bench.model(text, cell: 2))
        #expect(model.family == "train.mlp")
        #expect(model.splitKey == bench.key(text, cell: 1))
        #expect(model.trained.classNames.count == 10)
        #expect(model.trained.history.count == 4)
        let accuracy = try #require(model.trained.history.last?.validationAccuracy)
        #expect(accuracy >= 0.9)

        // The second run reads the cell from the cache: nothing is trained.
        bench.log.reset()
        let again = try bench.run(text)
        #expect(again.cells[2].status == .cached)
        #expect(bench.log.lines.isEmpty)
    }

    @Test func cnnLearnsWithAugmentationAndAStepSchedule() throws {
        let bench = try TrainingBench()
        let text = bench.notebook("""
            ```loom train.cnn
            layers:
              - conv: {filters: 4, kernel: 3}
              - relu
              - maxpool: 2
              - flatten
              - dense: 10
            optimizer: {adam: {learning-rate: 0.02}}
            schedule: {step: {every: 2, factor: 0.5}}
            augment: {noise: 0.02}
            epochs: 5
            batch-size: 16
            ```
            """)
        let model = try bench.trained(text).model
        #expect(model.family == "train.cnn")
        let history = model.trained.history
        #expect((history.last?.validationAccuracy ?? 0) >= 0.9)
        // Epochs 1–2 at 0.02, 3–4 at 0.01, 5 at 0.005.
        #expect(history.map(\.learningRate) == [0.02, 0.02, 0.01, 0.01, 0.005])
    }

    @Test func earlyStoppingKeepsTheBestEpochAndSaysSo() throws {
        let bench = try TrainingBench()
        let text = bench.notebook("""
            ```loom train.mlp
            hidden: 16
            optimizer: {sgd: {learning-rate: 20}}
            early-stopping: {patience: 1}
            epochs: 8
            batch-size: 32
            ```
            """)
        // A far too large learning rate makes the validation loss rise, so training stops early.
        let (cell, model) = try bench.trained(text)
        let history = model.trained.history
        #expect(history.count < 8)
        let best = try #require(history.min { ($0.validationLoss ?? .infinity) < ($1.validationLoss ?? .infinity) })
        #expect(cell.markdown.contains {
            $0.hasPrefix("Early stopping stopped after epoch \(history.count) of 8, 1 epoch without a better validation loss; "
                         + "the model keeps epoch \(best.epoch) (best validation loss, ")
        }, "\(cell.markdown)")
        #expect(model.trained.keptEpoch == best.epoch)
    }

    @Test func aDepthwiseSeparableConvolutionTrains() throws {
        let bench = try TrainingBench()
        let report = try bench.run(bench.notebook(
            "```loom train.cnn\nlayers:\n  - depthwise-conv: {filters: 4, kernel: 3}\n  - relu\n  - flatten\n  - dense: 10\nepochs: 1\n```\n"))
        #expect(report.cells[2].status == .ran, "\(report.cells[2].failure ?? "")")
        let model = try #require(try bench.model(bench.notebook(
            "```loom train.cnn\nlayers:\n  - depthwise-conv: {filters: 4, kernel: 3}\n  - relu\n  - flatten\n  - dense: 10\nepochs: 1\n```\n"), cell: 2))
        #expect(model.trained.model.layers.first == .depthwiseConv(filters: 4, kernel: 3, stride: 1, padding: .same))
    }

    @Test func hiddenShorthandBuildsDenseActivationDropout() throws {
        let bench = try TrainingBench()
        let report = try bench.run(bench.notebook("""
            ```loom train.mlp
            hidden: [16, 8]
            activation: tanh
            dropout: 0.1
            epochs: 1
            ```
            """))
        let summary = try #require(report.cells[2].tables.first)
        #expect(summary.rows.map { $0[0] } == ["", "", "1", "2", "3", "4", "5", "6", "7", ""])
        #expect(summary.rows.map { $0[1] } == [
            "input", "flatten (added by train.mlp)", "dense (16 units)", "tanh", "dropout (rate 0.1)", "dense (8 units)", "tanh",
            "dropout (rate 0.1)", "dense (10 units)", "**total**",
        ])
    }

    /// A run stopped after epoch 2 of 3 resumes from its checkpoint and ends with the same
    /// weights as an uninterrupted run.
    @Test func resumingFromACheckpointGivesTheSameWeights() throws {
        let bench = try TrainingBench()
        let text = bench.notebook("""
            ```loom train.mlp
            hidden: [16]
            dropout: 0.2
            augment: {shift: 1, noise: 0.05}
            epochs: 3
            batch-size: 16
            seed: 5
            ```
            """)
        let key = try #require(bench.key(text, cell: 2))
        let cache = bench.cache
        let saved = Saved()
        bench.log.onLine = { line in
            if line.hasPrefix("epoch 2/3"), let checkpoint = try? cache.checkpoint(key: key) { saved.set(checkpoint) }
        }
        #expect(try bench.run(text).cells[2].status == .ran)
        bench.log.onLine = nil
        let uninterrupted = try #require(try bench.model(text, cell: 2))
        let checkpoint = try #require(saved.value)
        #expect(checkpoint.step == 2)

        // A second cache holds only the checkpoint, as a run killed during epoch 3 leaves it.
        let second = try Cache(path: bench.directory + "/second.sqlite")
        #expect(bench.key(text, cell: 2, cache: second) == key)
        try second.saveCheckpoint(key: key, step: checkpoint.step, data: checkpoint.data)
        bench.log.reset()
        let report = try bench.run(text, cache: second)
        #expect(report.cells[2].status == .ran)
        #expect(report.cells[2].markdown.first == "Resumed from the checkpoint after epoch 2; the later epochs were trained after resuming.")
        #expect(bench.log.lines.first == "resuming after epoch 2 of 3 from the checkpoint")
        #expect(bench.log.lines.dropFirst().map { $0.prefix(9) } == ["epoch 3/3"])
        let resumed = try ModelValue.decoded(from: try #require(try second.resultData(key: key)))
        #expect(resumed.trained.model == uninterrupted.trained.model)
        #expect(resumed.trained.history.map(\.validationLoss) == uninterrupted.trained.history.map(\.validationLoss))
        #expect(try second.checkpoint(key: key) == nil)
    }
}

/// A value set from a logging callback.
final class Saved: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: (step: Int, data: Data)?
    var value: (step: Int, data: Data)? { lock.withLock { stored } }
    func set(_ value: (step: Int, data: Data)) { lock.withLock { stored = value } }
}
