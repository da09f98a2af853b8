import Foundation
import Testing
import TensorCore
import _LoomTestSupport
@testable import NeuralNet

/// A tiny synthetic classification set: 1×6×6 images of `classes` classes where class `k` is a
/// bright 3×3 block in quadrant `k` over noise; `labelShift` relabels class `k` as `k + shift`.
func quadrantImages(count: Int, seed: UInt64, labelShift: Int32 = 0) throws -> ImageSet {
    var generator = SeededGenerator(seed: seed)
    var pixels = [UInt8](), labels = [Int32]()
    for index in 0..<count {
        let k = index % 4
        var image = (0..<36).map { _ in UInt8(generator.next() % 60) }
        let (top, left) = (k / 2 * 3, k % 2 * 3)
        for y in top..<(top + 3) {
            for x in left..<(left + 3) { image[y * 6 + x] = UInt8(180 + generator.next() % 75) }
        }
        pixels += image
        labels.append((Int32(k) + labelShift) % 4)
    }
    return try ImageSet(pixels: pixels, labels: labels, imageShape: [1, 6, 6])
}

let smallCNN: [LayerSpec] = [.conv(filters: 4, kernel: 3), .relu, .maxPool(size: 2), .flatten, .dense(units: 4)]
let regularisedCNN: [LayerSpec] = [
    .conv(filters: 4, kernel: 3), .batchNorm, .relu, .maxPool(size: 2), .flatten, .dropout(rate: 0.25), .dense(units: 8), .relu, .dense(units: 4),
]

/// Adds seeded noise: exercises the augmentation hook and its use of the training generator.
func noiseAugmentation(_ batch: inout Tensor, _ generator: inout SeededGenerator) {
    for i in 0..<batch.count { batch.scalars[i] += 0.05 * generator.nextNormal() }
}

@Suite struct TrainingTests {
    @Test(arguments: [
        ("cnn", smallCNN, OptimizerKind.adam()),
        ("mlp", [LayerSpec.flatten, .dense(units: 16), .relu, .dense(units: 4)], .sgd(momentum: 0.9, nesterov: true)),
        ("regularised", regularisedCNN, .adamW()),
    ] as [(String, [LayerSpec], OptimizerKind)])
    func smallModelOverfitsATinySet(name: String, layers: [LayerSpec], optimizer: OptimizerKind) throws {
        let train = try quadrantImages(count: 32, seed: 1)
        let model = try Sequential(inputShape: [1, 6, 6], layers: layers, seed: 2)
        let rate: Float = optimizer.name == "sgd" ? 0.05 : 0.01
        var trainer = try Trainer(
            model: model,
            configuration: TrainingConfiguration(epochs: 25, batchSize: 8, optimizer: optimizer, learningRate: .constant(rate), seed: 3))
        var progressCalls = 0
        let trained = try trainer.fit(training: train, validation: train, progress: { progress in
            progressCalls += 1
            #expect(progress.batchesPerEpoch == 4)
        })
        #expect(progressCalls == 25 * 4)
        #expect(trained.history.count == 25)
        #expect(trained.history.last!.trainLoss < trained.history.first!.trainLoss / 4, "\(name)")
        #expect(try trained.evaluate(on: train).accuracy == 1, "\(name)")
        #expect(trained.history.last!.validationAccuracy == 1, "\(name)")
    }

    func train(epochs: Int, resumeFrom: Data? = nil, patience: Int? = nil, validation: ImageSet? = nil) throws -> (TrainedModel, [Data]) {
        let train = try quadrantImages(count: 40, seed: 5)
        let validation = try validation ?? quadrantImages(count: 12, seed: 6)
        let configuration = TrainingConfiguration(
            epochs: epochs, batchSize: 16, optimizer: .adam(), learningRate: .cosine(initial: 0.01, steps: 12),
            labelSmoothing: 0.1, gradientClipNorm: 5, earlyStopping: patience.map { EarlyStopping(patience: $0) }, seed: 9)
        var trainer: Trainer
        if let resumeFrom {
            trainer = Trainer(resumingFrom: try TrainingCheckpoint(serializedBytes: resumeFrom))
        } else {
            trainer = try Trainer(model: try Sequential(inputShape: [1, 6, 6], layers: regularisedCNN, seed: 4), configuration: configuration)
        }
        var checkpoints = [Data]()
        let trained = try trainer.fit(training: train, validation: validation, augmentation: noiseAugmentation, epochEnded: { checkpoint in
            checkpoints.append(checkpoint.serializedBytes())
        })
        return (trained, checkpoints)
    }

    @Test func sameSeedGivesBitIdenticalWeights() throws {
        let (a, _) = try train(epochs: 3)
        let (b, _) = try train(epochs: 3)
        #expect(a.model == b.model)
        #expect(a.model.parameters.scalars.map(\.bitPattern) == b.model.parameters.scalars.map(\.bitPattern))
    }

    @Test func resumingFromACheckpointGivesIdenticalWeights() throws {
        let (uninterrupted, checkpoints) = try train(epochs: 4)
        #expect(checkpoints.count == 4)
        let (resumed, later) = try train(epochs: 4, resumeFrom: checkpoints[1])
        #expect(later.count == 2)
        #expect(resumed.model == uninterrupted.model)
        #expect(resumed.history.map(\.trainLoss) == uninterrupted.history.map(\.trainLoss))
        let resumedFinal = try TrainingCheckpoint(serializedBytes: later[1])
        let uninterruptedFinal = try TrainingCheckpoint(serializedBytes: checkpoints[3])
        #expect(resumedFinal.optimizer == uninterruptedFinal.optimizer)
        #expect(resumedFinal.generator == uninterruptedFinal.generator)
    }

    @Test func shouldStopEndsTrainingBeforeTheNextBatchAndKeepsTheLastEpoch() throws {
        let train = try quadrantImages(count: 40, seed: 5)
        var trainer = try Trainer(model: try Sequential(inputShape: [1, 6, 6], layers: regularisedCNN, seed: 4),
                                  configuration: TrainingConfiguration(epochs: 4, batchSize: 16, seed: 9))
        var asked = 0
        var checkpoints = 0
        // Three batches an epoch: the eighth question comes before batch 2 of epoch 3.
        #expect(throws: TrainingStopped(epoch: 3, batch: 2, completedEpochs: 2)) {
            _ = try trainer.fit(training: train, epochEnded: { _ in checkpoints += 1 }, shouldStop: {
                asked += 1
                return asked == 8
            })
        }
        #expect(checkpoints == 2)
        #expect(trainer.checkpoint.completedEpochs == 2)
        #expect(TrainingStopped(epoch: 3, batch: 2, completedEpochs: 2).description
                == "training was stopped before batch 2 of epoch 3; the checkpoint after epoch 2 is kept and the next run resumes from it")
        #expect(TrainingStopped(epoch: 1, batch: 1, completedEpochs: 0).description
                == "training was stopped before batch 1 of epoch 1; no epoch was complete, so there is no checkpoint yet")
        // Resuming from the kept state finishes the run.
        var resumed = Trainer(resumingFrom: trainer.checkpoint)
        let trained = try resumed.fit(training: train)
        #expect(trained.history.count == 4)
    }

    @Test func checkpointRoundTripsThroughBytes() throws {
        let (_, checkpoints) = try train(epochs: 2, patience: 5)
        let checkpoint = try TrainingCheckpoint(serializedBytes: checkpoints[1])
        #expect(checkpoint.completedEpochs == 2)
        #expect(checkpoint.bestParameters != nil)
        #expect(try TrainingCheckpoint(serializedBytes: checkpoint.serializedBytes()) == checkpoint)
    }

    @Test func earlyStoppingStopsAndRestoresTheBestWeights() throws {
        // Validation labels are shifted, so fitting the training set makes validation worse.
        let misleading = try quadrantImages(count: 12, seed: 6, labelShift: 1)
        let (trained, checkpoints) = try train(epochs: 12, patience: 2, validation: misleading)
        #expect(trained.history.count < 12)
        let losses = trained.history.map { $0.validationLoss! }
        let best = losses.indices.min { losses[$0] < losses[$1] }!
        #expect(trained.history.count == best + 1 + 2)
        let bestCheckpoint = try TrainingCheckpoint(serializedBytes: checkpoints[best])
        #expect(trained.model.parameters == bestCheckpoint.model.parameters)
        #expect(trained.model.buffers == bestCheckpoint.model.buffers)
    }

    @Test func savedModelLoadsWithIdenticalPredictions() throws {
        let (trained, _) = try train(epochs: 1)
        var named = trained
        named.classNames = ["a", "b", "c", "d"]
        let loaded = try TrainedModel(serializedBytes: named.serializedBytes())
        #expect(loaded == named)
        let images = try quadrantImages(count: 10, seed: 11)
        let before = try named.probabilities(for: images), after = try loaded.probabilities(for: images)
        #expect(before.scalars.map(\.bitPattern) == after.scalars.map(\.bitPattern))
        #expect(try loaded.predict(images) == named.predict(images))
        #expect(before.shape == [10, 4])
        for row in 0..<10 { #expect(abs(before.scalars[(row * 4)..<(row * 4 + 4)].reduce(0, +) - 1) < 1e-5) }
    }

    @Test func predictionsOnBytesMatchPredictionsOnScaledInputs() throws {
        let (trained, _) = try train(epochs: 1)
        let images = try quadrantImages(count: 6, seed: 12)
        let scaled = Tensor(shape: [6, 1, 6, 6], scalars: images.pixels.map { Float($0) / 255 })
        expectClose(try trained.probabilities(for: images), trained.probabilities(forScaled: scaled), tolerance: 1e-6)
    }

    @Test func subsetsShareStorageAndSelectImages() throws {
        let images = try quadrantImages(count: 8, seed: 1)
        let subset = images.subset([5, 2]).subset([1])
        #expect(subset.count == 1)
        #expect(subset.label(at: 0) == 2)
        #expect(subset.selection == [2])
    }

    @Test(arguments: [
        (Data("nope".utf8), "The data is not a valid saved model."),
        (Data("LMDL".utf8) + Data([2, 0, 0, 0, 0, 0, 0, 0]), "The data is not a valid saved model of this version."),
        (Data("LMDL".utf8) + Data([1, 0, 0, 0, 0, 0, 0, 0, 9]), "The data is not a valid saved model."),
    ])
    func corruptModelBytesGiveTheExactMessage(bytes: Data, message: String) {
        do {
            _ = try TrainedModel(serializedBytes: bytes)
            Issue.record("Decoding corrupt bytes succeeded.")
        } catch {
            #expect(error.description == message)
        }
    }

    @Test func dataThatDoesNotFitTheModelIsRejectedBeforeTraining() throws {
        let model = try Sequential(inputShape: [1, 6, 6], layers: smallCNN, seed: 0)
        var trainer = try Trainer(model: model, configuration: TrainingConfiguration(epochs: 1))
        let badLabels = try ImageSet(pixels: [UInt8](repeating: 0, count: 36), labels: [7], imageShape: [1, 6, 6])
        #expect(throws: NeuralNetError.labelOutOfRange(label: 7, classes: 4)) { try trainer.fit(training: badLabels) }
        let wrongShape = try ImageSet(pixels: [UInt8](repeating: 0, count: 49), labels: [0], imageShape: [1, 7, 7])
        #expect(throws: NeuralNetError.imageShapeMismatch(expected: [1, 6, 6], got: [1, 7, 7])) { try trainer.fit(training: wrongShape) }
        #expect(throws: NeuralNetError.invalidSetting(name: "patience", reason: "early stopping needs validation data")) {
            var stopping = try Trainer(model: model, configuration: TrainingConfiguration(epochs: 1, earlyStopping: EarlyStopping(patience: 2)))
            _ = try stopping.fit(training: try quadrantImages(count: 4, seed: 0))
        }
        #expect(throws: NeuralNetError.notAClassifier(outputShape: [4, 3, 3])) {
            try Trainer(model: try Sequential(inputShape: [1, 6, 6], layers: [.conv(filters: 4, kernel: 2, stride: 2)], seed: 0), configuration: TrainingConfiguration(epochs: 1))
        }
        #expect(throws: NeuralNetError.invalidSetting(name: "batch-size", reason: "it must be at least 1 but is 0")) {
            try Trainer(model: model, configuration: TrainingConfiguration(epochs: 1, batchSize: 0))
        }
        #expect(NeuralNetError.labelOutOfRange(label: 7, classes: 4).description == "The label 7 is outside the model's 4 classes (0 to 3).")
    }
}
