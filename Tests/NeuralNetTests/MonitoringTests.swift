import Foundation
import Testing
import TensorCore
@testable import NeuralNet

/// Early stopping on any validation metric, reduce-on-plateau, and the per-class counts behind
/// the validation macro-F1.
@Suite struct MonitoringTests {
    @Test func macroF1AveragesThePerClassScoresOfTheClassesSeen() {
        // labels 0 0 1 1 2, predictions 0 1 1 1 0: F1 = 2/4, 4/5 and 0; class 3 never occurs.
        var counts = ClassCounts(classes: 4)
        for (label, prediction) in [(0, 0), (0, 1), (1, 1), (1, 1), (2, 0)] { counts.add(label: label, prediction: prediction) }
        #expect(counts.truePositives == [1, 2, 0, 0])
        #expect(counts.predicted == [2, 3, 0, 0])
        #expect(counts.actual == [2, 2, 1, 0])
        #expect(abs(counts.macroF1 - Float((0.5 + 0.8 + 0) / 3)) < 1e-6)
        #expect(ClassCounts(classes: 3).macroF1 == 0)
    }

    @Test func aMonitorCountsEpochsWithoutAnImprovementLargerThanMinDelta() {
        var f1 = MetricMonitor(metric: .macroF1, minDelta: 0.01)
        // Better, but by less than min-delta at epoch 2.
        let f1Improved = [0.5, 0.505, 0.52].enumerated().map { f1.observe(Float($1), epoch: $0 + 1) }
        #expect(f1Improved == [true, false, true])
        #expect(f1.best == 0.52 && f1.bestEpoch == 3 && f1.epochsWithoutImprovement == 0)
        var loss = MetricMonitor(metric: .loss)
        // Equal is no improvement, and neither is a NaN.
        let lossImproved = [1, 1, 0.9, Float.nan].enumerated().map { loss.observe($1, epoch: $0 + 1) }
        #expect(lossImproved == [true, false, true, false])
        #expect(loss.epochsWithoutImprovement == 1 && loss.bestEpoch == 3)
    }

    /// The hand case: factor 0.5, patience 2, minimum 0.03, from 0.1, on these validation losses.
    @Test func plateauHalvesAfterPatienceEpochsWithoutImprovementAndStopsAtTheMinimum() {
        let plateau = Plateau(factor: 0.5, patience: 2, minimum: 0.03, metric: .loss)
        var state = PlateauState(rate: 0.1, plateau: plateau)
        let losses: [Float] = [1.0, 0.9, 0.95, 0.92, 0.91, 0.93, 0.94, 0.8, 0.85, 0.86]
        var reduced: [Int] = [], rates: [Float] = []
        for (index, loss) in losses.enumerated() {
            if state.observe(loss, epoch: index + 1, plateau: plateau) { reduced.append(index + 1) }
            rates.append(state.rate)
        }
        // Epochs 3–4 do not beat 0.9: halved after 4. Epochs 5–6 neither: 0.025 is below the
        // minimum, so 0.03. Epoch 8 improves; 9–10 do not, but the rate is at its minimum already.
        #expect(reduced == [4, 6])
        #expect(rates == [0.1, 0.1, 0.1, 0.05, 0.05, 0.03, 0.03, 0.03, 0.03, 0.03])
    }

    func configuration(epochs: Int, schedule: LearningRateSchedule = .constant(0.01), stopping: EarlyStopping? = nil) -> TrainingConfiguration {
        TrainingConfiguration(epochs: epochs, batchSize: 16, optimizer: .adam(), learningRate: schedule, earlyStopping: stopping, seed: 9)
    }

    func fit(_ configuration: TrainingConfiguration, validation: ImageSet, resumeFrom: Data? = nil) throws -> (TrainedModel, [Data]) {
        let train = try quadrantImages(count: 40, seed: 5)
        var trainer: Trainer
        if let resumeFrom {
            trainer = Trainer(resumingFrom: try TrainingCheckpoint(serializedBytes: resumeFrom))
        } else {
            trainer = try Trainer(model: try Sequential(inputShape: [1, 6, 6], layers: smallCNN, seed: 4), configuration: configuration)
        }
        var checkpoints: [Data] = []
        let trained = try trainer.fit(training: train, validation: validation, epochEnded: { checkpoints.append($0.serializedBytes()) })
        return (trained, checkpoints)
    }

    @Test func plateauLowersTheRateTheTrainerUsesAndRecordsIt() throws {
        // Validation labels are shifted, so fitting the training set makes the validation loss rise.
        let misleading = try quadrantImages(count: 12, seed: 6, labelShift: 1)
        let plateau = Plateau(factor: 0.5, patience: 1, minimum: 0.001, metric: .loss)
        let (trained, checkpoints) = try fit(configuration(epochs: 8, schedule: .plateau(initial: 0.01, plateau)), validation: misleading)
        let history = trained.history
        #expect(history.count == 8)
        #expect(history.first?.learningRate == 0.01)
        let reductions = trained.learningRateReductions
        #expect(!reductions.isEmpty)
        // Each epoch trains at the rate the previous epoch's end left: lowered exactly after the flagged epochs.
        for (previous, record) in zip(history, history.dropFirst()) {
            let expected = previous.reducedLearningRate == true ? max(previous.learningRate * 0.5, 0.001) : previous.learningRate
            #expect(record.learningRate == expected, "epoch \(record.epoch)")
        }
        // The same decisions replayed from the recorded validation losses.
        var state = PlateauState(rate: 0.01, plateau: plateau)
        let replayed = history.dropLast().filter { state.observe($0.validationLoss!, epoch: $0.epoch, plateau: plateau) }.map(\.epoch)
        #expect(replayed == reductions)
        #expect(history.last?.reducedLearningRate == nil)  // no epoch follows the last

        // The plateau state is checkpointed: resuming after epoch 3 ends with the same rates and weights.
        let checkpoint = try TrainingCheckpoint(serializedBytes: checkpoints[2])
        #expect(checkpoint.plateau?.rate == history[3].learningRate)
        let (resumed, _) = try fit(configuration(epochs: 8), validation: misleading, resumeFrom: checkpoints[2])
        #expect(resumed.history.map(\.learningRate) == history.map(\.learningRate))
        #expect(resumed.model.parameters == trained.model.parameters)
    }

    @Test func earlyStoppingOnMacroF1KeepsTheBestEpochsWeights() throws {
        let misleading = try quadrantImages(count: 12, seed: 6, labelShift: 1)
        let stopping = EarlyStopping(patience: 2, metric: .macroF1)
        let (trained, checkpoints) = try fit(configuration(epochs: 12, stopping: stopping), validation: misleading)
        let history = trained.history
        #expect(history.count < 12)
        let scores = history.map { $0.validationMacroF1! }
        let best = scores.indices.first { scores[$0] == scores.max() }!
        #expect(trained.keptEpoch == best + 1)
        #expect(trained.keptRecord?.epoch == best + 1)
        #expect(trained.stoppedEpoch == history.count)
        #expect(history.count == best + 1 + 2)
        let kept = try TrainingCheckpoint(serializedBytes: checkpoints[best])
        #expect(trained.model.parameters == kept.model.parameters)
        #expect(trained.model.buffers == kept.model.buffers)

        // The recorded macro-F1 is the kept model's on the validation images.
        var counts = ClassCounts(classes: 4)
        for (index, prediction) in try trained.predict(misleading).enumerated() {
            counts.add(label: Int(misleading.label(at: index)), prediction: prediction)
        }
        #expect(counts.macroF1 == scores[best])

        // The kept epoch survives saving the model.
        let loaded = try TrainedModel(serializedBytes: trained.serializedBytes())
        #expect(loaded.keptEpoch == trained.keptEpoch)

        // Without restore-best, the same run keeps its last weights.
        var last = stopping
        last.restoreBest = false
        let (lastWeights, lastCheckpoints) = try fit(configuration(epochs: 12, stopping: last), validation: misleading)
        #expect(lastWeights.history.count == history.count)
        #expect(lastWeights.keptEpoch == nil)
        #expect(lastWeights.model.parameters == (try TrainingCheckpoint(serializedBytes: lastCheckpoints.last!)).model.parameters)
    }

    @Test func badMonitoringSettingsAreRejected() throws {
        let model = try Sequential(inputShape: [1, 6, 6], layers: smallCNN, seed: 0)
        #expect(throws: NeuralNetError.invalidSetting(name: "plateau", reason: "its factor must be above 0 and below 1 but is 1.0")) {
            try Trainer(model: model, configuration: configuration(epochs: 1, schedule: .plateau(initial: 0.01, Plateau(factor: 1))))
        }
        #expect(throws: NeuralNetError.invalidSetting(name: "plateau", reason: "reduce-on-plateau needs validation data")) {
            var trainer = try Trainer(model: model, configuration: configuration(epochs: 1, schedule: .plateau(initial: 0.01, Plateau())))
            _ = try trainer.fit(training: try quadrantImages(count: 4, seed: 0))
        }
    }
}
