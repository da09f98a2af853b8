import Foundation
import Dataset
import TensorCore

/// The settings of a training run; stored in checkpoints and trained models.
public struct TrainingConfiguration: Codable, Sendable, Equatable {
    /// The number of passes over the training data.
    public var epochs: Int
    /// The number of images per step (the last batch of an epoch may be smaller).
    public var batchSize: Int
    /// The optimiser and its settings.
    public var optimizer: OptimizerKind
    /// The learning rate at each step.
    public var learningRate: LearningRateSchedule
    /// The label smoothing of the cross-entropy loss, in `[0, 1)`.
    public var labelSmoothing: Float
    /// The largest global gradient norm allowed, or nil for no clipping.
    public var gradientClipNorm: Float?
    /// Stop when a validation metric stops improving (and keep the best epoch's weights), or nil
    /// to train every epoch.
    public var earlyStopping: EarlyStopping?
    /// The seed of shuffling, dropout and augmentation.
    public var seed: UInt64
    /// How pixels become inputs.
    public var pixelScaling: PixelScaling

    /// Creates a configuration.
    ///
    /// - Parameters:
    ///   - epochs: The number of passes over the training data.
    ///   - batchSize: The number of images per step.
    ///   - optimizer: The optimiser and its settings.
    ///   - learningRate: The learning rate at each step.
    ///   - labelSmoothing: The label smoothing, in `[0, 1)`.
    ///   - gradientClipNorm: The largest global gradient norm, or nil.
    ///   - earlyStopping: When to stop and which weights to keep, or nil to train every epoch.
    ///   - seed: The seed of shuffling, dropout and augmentation.
    ///   - pixelScaling: How pixels become inputs.
    public init(
        epochs: Int, batchSize: Int = 128, optimizer: OptimizerKind = .adam(),
        learningRate: LearningRateSchedule = .constant(1e-3), labelSmoothing: Float = 0,
        gradientClipNorm: Float? = nil, earlyStopping: EarlyStopping? = nil, seed: UInt64 = 0,
        pixelScaling: PixelScaling = .unit
    ) {
        self.epochs = epochs
        self.batchSize = batchSize
        self.optimizer = optimizer
        self.learningRate = learningRate
        self.labelSmoothing = labelSmoothing
        self.gradientClipNorm = gradientClipNorm
        self.earlyStopping = earlyStopping
        self.seed = seed
        self.pixelScaling = pixelScaling
    }

    /// Checks every setting's range.
    ///
    /// - Throws: ``NeuralNetError/invalidSetting(name:reason:)`` for the first bad setting.
    public func validate() throws(NeuralNetError) {
        guard epochs >= 1 else { throw .invalidSetting(name: "epochs", reason: "it must be at least 1 but is \(epochs)") }
        guard batchSize >= 1 else { throw .invalidSetting(name: "batch-size", reason: "it must be at least 1 but is \(batchSize)") }
        guard labelSmoothing >= 0, labelSmoothing < 1 else {
            throw .invalidSetting(name: "label-smoothing", reason: "it must be at least 0 and below 1 but is \(labelSmoothing)")
        }
        if let clip = gradientClipNorm, !(clip > 0 && clip.isFinite) {
            throw .invalidSetting(name: "clip-norm", reason: "it must be a positive number but is \(clip)")
        }
        if let earlyStopping {
            guard earlyStopping.patience >= 1 else {
                throw .invalidSetting(name: "patience", reason: "it must be at least 1 but is \(earlyStopping.patience)")
            }
            guard earlyStopping.minDelta >= 0, earlyStopping.minDelta.isFinite else {
                throw .invalidSetting(name: "patience", reason: "its min-delta must be a number of at least 0 but is \(earlyStopping.minDelta)")
            }
        }
        try learningRate.plateau?.validate()
        let rate = learningRate(0)
        guard rate.isFinite, rate > 0 else {
            throw .invalidSetting(name: "learning-rate", reason: "it must be a positive number but is \(rate)")
        }
    }

    /// The number of steps in one epoch over `count` images: `⌈count / batchSize⌉`.
    ///
    /// - Parameter count: The number of training images.
    public func batchesPerEpoch(count: Int) -> Int { (count + batchSize - 1) / batchSize }
}

/// What one epoch of training measured.
public struct EpochRecord: Codable, Sendable, Equatable {
    /// The 1-based epoch number.
    public var epoch: Int
    /// The mean training loss over the epoch's batches (dropout on), weighted by batch size.
    public var trainLoss: Float
    /// The share of training images classified correctly during the epoch.
    public var trainAccuracy: Float
    /// The validation loss after the epoch, if there is validation data.
    public var validationLoss: Float?
    /// The validation accuracy after the epoch, if there is validation data.
    public var validationAccuracy: Float?
    /// The validation macro-F1 after the epoch (see ``ClassCounts/macroF1``), if there is
    /// validation data; `nil` in histories saved before it was measured.
    public var validationMacroF1: Float?
    /// The seconds the epoch's training steps took (validation excluded).
    public var seconds: Double
    /// Training images per second.
    public var imagesPerSecond: Double
    /// The learning rate of the epoch's last step.
    public var learningRate: Float
    /// `true` when reduce-on-plateau lowered the learning rate at the end of this epoch (the next
    /// epoch trains at the lower rate); `nil` otherwise.
    public var reducedLearningRate: Bool?
}

/// A training step's progress, for a live progress bar.
public struct TrainingProgress: Sendable, Equatable {
    /// The 1-based epoch.
    public var epoch: Int
    /// The number of epochs planned.
    public var epochs: Int
    /// The 1-based batch within the epoch.
    public var batch: Int
    /// The number of batches in an epoch.
    public var batchesPerEpoch: Int
    /// The mean training loss of the epoch so far.
    public var loss: Float
    /// The training accuracy of the epoch so far.
    public var accuracy: Float
    /// Training images per second in the epoch so far.
    public var imagesPerSecond: Double
}

/// Thrown by ``Trainer/fit(training:validation:augmentation:progress:epochEnded:shouldStop:)`` when
/// `shouldStop` asks it to stop: training ended before `batch` of `epoch`, and ``Trainer/checkpoint``
/// still holds the state after the last completed epoch (`completedEpochs`), so nothing saved is lost.
public struct TrainingStopped: Error, Sendable, Equatable, CustomStringConvertible {
    /// The 1-based epoch that was interrupted.
    public var epoch: Int
    /// The 1-based batch that was not started.
    public var batch: Int
    /// The epochs completed (and checkpointed) before the stop.
    public var completedEpochs: Int

    /// Creates the error.
    public init(epoch: Int, batch: Int, completedEpochs: Int) {
        self.epoch = epoch
        self.batch = batch
        self.completedEpochs = completedEpochs
    }

    public var description: String {
        "training was stopped before batch \(batch) of epoch \(epoch); "
            + (completedEpochs == 0 ? "no epoch was complete, so there is no checkpoint yet"
                : "the checkpoint after epoch \(completedEpochs) is kept and the next run resumes from it")
    }
}

/// An augmentation hook: changes a batch of input images (`[N, C, H, W]`, already scaled)
/// in place, drawing randomness from the training generator so runs stay reproducible.
/// It must keep the batch's shape.
public typealias BatchAugmentation = (inout Tensor, inout SeededGenerator) -> Void

/// Everything needed to continue training exactly where it stopped: the model, the optimiser
/// state, the generator, the history and the early-stopping state.
///
/// A run resumed from epoch `k`'s checkpoint ends with bit-identical weights to an
/// uninterrupted run (same thread count).
public struct TrainingCheckpoint: Sendable, Equatable {
    /// The run's settings.
    public var configuration: TrainingConfiguration
    /// The model after the last completed epoch.
    public var model: Sequential
    /// The optimiser's state after the last completed epoch.
    public var optimizer: OptimizerState
    /// The generator's state after the last completed epoch.
    public var generator: SeededGenerator
    /// One record per completed epoch.
    public var history: [EpochRecord]
    /// Early stopping's view of its metric (best value, its epoch, epochs since), when on.
    public var earlyStopping: MetricMonitor?
    /// The parameters at early stopping's best epoch, when it keeps the best weights.
    public var bestParameters: Tensor?
    /// The buffers at early stopping's best epoch, when it keeps the best weights.
    public var bestBuffers: Tensor?
    /// The reduce-on-plateau schedule's rate and monitor, when that schedule is used.
    public var plateau: PlateauState?
    /// Whether early stopping has ended the run.
    public var stopped: Bool

    /// The number of completed epochs.
    public var completedEpochs: Int { history.count }

    /// Whether the run has nothing left to do.
    public var isFinished: Bool { stopped || completedEpochs >= configuration.epochs }
}

/// Trains a ``Sequential`` classifier with softmax cross-entropy.
///
/// ```swift
/// var trainer = try Trainer(model: model, configuration: TrainingConfiguration(epochs: 5, seed: 0))
/// let trained = try trainer.fit(training: train, validation: validation) { progress in
///     bar.update(progress)
/// } epochEnded: { checkpoint in
///     try store(checkpoint.serializedBytes())
/// }
/// ```
///
/// Each epoch shuffles the training images with the run's generator, then for each batch:
/// gathers the bytes into `Float` inputs, applies the augmentation, runs forward and backward,
/// clips the gradient, and takes an optimiser step with the scheduled learning rate. After each
/// epoch it measures the validation loss and accuracy, updates early stopping, and reports a
/// checkpoint. OpenBLAS runs single-threaded inside TensorCore's own threads meanwhile.
public struct Trainer: Sendable {
    /// The state after the last completed epoch.
    public private(set) var checkpoint: TrainingCheckpoint

    /// Prepares to train `model` from scratch.
    ///
    /// - Parameters:
    ///   - model: The model with its initial weights.
    ///   - configuration: The run's settings.
    /// - Throws: ``NeuralNetError`` if a setting is invalid or the model is not a classifier.
    public init(model: Sequential, configuration: TrainingConfiguration) throws(NeuralNetError) {
        try configuration.validate()
        guard model.outputShape.count == 1, model.outputShape[0] >= 2 else {
            throw .notAClassifier(outputShape: model.outputShape)
        }
        checkpoint = TrainingCheckpoint(
            configuration: configuration, model: model, optimizer: OptimizerState(parameterCount: model.parameterCount),
            generator: SeededGenerator(seed: configuration.seed), history: [],
            earlyStopping: configuration.earlyStopping.map { MetricMonitor(metric: $0.metric, minDelta: $0.minDelta) },
            bestParameters: nil, bestBuffers: nil,
            plateau: configuration.learningRate.plateau.map { PlateauState(rate: configuration.learningRate.initialRate, plateau: $0) },
            stopped: false)
    }

    /// Prepares to continue a run from a checkpoint.
    ///
    /// - Parameter checkpoint: The state after some completed epoch.
    public init(resumingFrom checkpoint: TrainingCheckpoint) {
        self.checkpoint = checkpoint
    }

    /// Trains until every epoch is done or early stopping ends the run.
    ///
    /// - Parameters:
    ///   - training: The training images.
    ///   - validation: The validation images, measured after every epoch; required for early stopping.
    ///   - augmentation: Changes each training batch in place, or nil.
    ///   - progress: Called after every step.
    ///   - epochEnded: Called with the checkpoint after every epoch; throwing aborts training.
    ///   - shouldStop: Asked before every batch; when it answers true, training stops with
    ///     ``TrainingStopped`` and ``checkpoint`` keeps the last completed epoch.
    /// - Returns: The trained model (with the best weights restored when early stopping is on).
    /// - Throws: ``NeuralNetError`` if the data does not fit the model, ``TrainingStopped`` when
    ///   `shouldStop` says so, or whatever `epochEnded` throws.
    public mutating func fit(
        training: ImageSet, validation: ImageSet? = nil, augmentation: BatchAugmentation? = nil,
        progress: ((TrainingProgress) -> Void)? = nil, epochEnded: ((TrainingCheckpoint) throws -> Void)? = nil,
        shouldStop: (() -> Bool)? = nil
    ) throws -> TrainedModel {
        let configuration = checkpoint.configuration
        let model = checkpoint.model
        let classes = model.outputShape[0]
        try Trainer.check(training, model: model, name: "training")
        if let validation { try Trainer.check(validation, model: model, name: "validation") }
        if configuration.earlyStopping != nil && (validation?.count ?? 0) == 0 {
            throw NeuralNetError.invalidSetting(name: "patience", reason: "early stopping needs validation data")
        }
        if configuration.learningRate.plateau != nil && (validation?.count ?? 0) == 0 {
            throw NeuralNetError.invalidSetting(name: "plateau", reason: "reduce-on-plateau needs validation data")
        }

        BLAS.enterSingleThreaded()
        defer { BLAS.leaveSingleThreaded() }
        let batchSize = min(configuration.batchSize, training.count)
        let network = Network(layers: model.layers, plans: model.plans, capacity: batchSize, training: true)
        let evaluator = validation.map { Evaluator(model: model, capacity: min(Sequential.inferenceBatch, max($0.count, 1))) }
        let loss = SoftmaxCrossEntropy(labelSmoothing: configuration.labelSmoothing)
        var parameters = model.parameters.scalars
        var buffers = model.buffers.scalars
        var gradients = [Float](repeating: 0, count: parameters.count)
        var labels = [Int32](repeating: 0, count: batchSize)
        var input = Tensor.zeros(shape: [batchSize] + model.inputShape)
        let batches = configuration.batchesPerEpoch(count: training.count)

        while !checkpoint.isFinished {
            let epoch = checkpoint.completedEpochs + 1
            var order = Array(0..<training.count)
            checkpoint.generator.shuffle(&order)
            var totalLoss = 0.0, correct = 0, seen = 0
            var rate: Float = 0
            let start = DispatchTime.now().uptimeNanoseconds
            for batch in 0..<batches {
                if let shouldStop, shouldStop() {
                    throw TrainingStopped(epoch: epoch, batch: batch + 1, completedEpochs: checkpoint.completedEpochs)
                }
                let rows = (batch * configuration.batchSize)..<min((batch + 1) * configuration.batchSize, training.count)
                if input.shape[0] != rows.count { input = Tensor.zeros(shape: [rows.count] + model.inputShape) }
                input.withUnsafeMutableBufferPointer { buffer in
                    labels.withUnsafeMutableBufferPointer { l in
                        training.gather(rows, order: order, scaling: configuration.pixelScaling, into: buffer.baseAddress!, labels: l.baseAddress!)
                    }
                }
                if let augmentation {
                    let shape = input.shape
                    augmentation(&input, &checkpoint.generator)
                    precondition(input.shape == shape, "The augmentation changed the batch's shape from \(shape) to \(input.shape).")
                }
                rate = checkpoint.plateau?.rate ?? configuration.learningRate(checkpoint.optimizer.step)
                let result = input.withUnsafeBufferPointer { x in
                    parameters.withUnsafeMutableBufferPointer { p in
                        buffers.withUnsafeMutableBufferPointer { b in
                            gradients.withUnsafeMutableBufferPointer { g in
                                labels.withUnsafeBufferPointer { l in
                                    let result = network.trainingStep(
                                        input: x.baseAddress!, labels: l.baseAddress!, batch: rows.count, classes: classes, loss: loss,
                                        parameters: p, buffers: b, gradients: g, generator: &checkpoint.generator)
                                    if let clip = configuration.gradientClipNorm { clipByGlobalNorm(g, maximumNorm: clip) }
                                    checkpoint.optimizer.apply(configuration.optimizer, parameters: p, gradients: UnsafeBufferPointer(g), learningRate: rate)
                                    return result
                                }
                            }
                        }
                    }
                }
                totalLoss += result.loss * Double(rows.count)
                correct += result.correct
                seen += rows.count
                if let progress {
                    let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
                    progress(TrainingProgress(
                        epoch: epoch, epochs: configuration.epochs, batch: batch + 1, batchesPerEpoch: batches,
                        loss: Float(totalLoss / Double(seen)), accuracy: Float(correct) / Float(seen),
                        imagesPerSecond: Double(seen) / max(seconds, 1e-9)))
                }
            }
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            checkpoint.model.parameters = Tensor(shape: [parameters.count], scalars: parameters)
            checkpoint.model.buffers = Tensor(shape: [buffers.count], scalars: buffers)
            var record = EpochRecord(
                epoch: epoch, trainLoss: Float(totalLoss / Double(seen)), trainAccuracy: Float(correct) / Float(seen),
                validationLoss: nil, validationAccuracy: nil, seconds: seconds,
                imagesPerSecond: Double(seen) / max(seconds, 1e-9), learningRate: rate)
            if let validation, let evaluator {
                let measured = evaluator.evaluate(validation, model: checkpoint.model, scaling: configuration.pixelScaling, loss: loss)
                record.validationLoss = measured.loss
                record.validationAccuracy = measured.accuracy
                record.validationMacroF1 = measured.macroF1
                if let stopping = configuration.earlyStopping, var monitor = checkpoint.earlyStopping,
                   let value = stopping.metric.value(in: record) {
                    if monitor.observe(value, epoch: epoch) {
                        if stopping.restoreBest {
                            checkpoint.bestParameters = checkpoint.model.parameters
                            checkpoint.bestBuffers = checkpoint.model.buffers
                        }
                    } else if monitor.epochsWithoutImprovement >= stopping.patience {
                        checkpoint.stopped = true
                    }
                    checkpoint.earlyStopping = monitor
                }
                // A run that stops here trains no further epoch: the rate is not lowered for nothing.
                if !checkpoint.stopped, let plateau = configuration.learningRate.plateau, var state = checkpoint.plateau,
                   let value = plateau.metric.value(in: record), epoch < configuration.epochs {
                    if state.observe(value, epoch: epoch, plateau: plateau) { record.reducedLearningRate = true }
                    checkpoint.plateau = state
                }
            }
            checkpoint.history.append(record)
            try epochEnded?(checkpoint)
        }
        return trainedModel
    }

    /// The model as training leaves it: the best epoch's weights when early stopping keeps them,
    /// the last epoch's otherwise.
    public var trainedModel: TrainedModel {
        var model = checkpoint.model
        var kept: Int?
        if let best = checkpoint.bestParameters, let bestBuffers = checkpoint.bestBuffers {
            model.parameters = best
            model.buffers = bestBuffers
            kept = checkpoint.earlyStopping?.bestEpoch
        }
        return TrainedModel(model: model, history: checkpoint.history, pixelScaling: checkpoint.configuration.pixelScaling,
                            configuration: checkpoint.configuration, keptEpoch: kept)
    }

    static func check(_ images: ImageSet, model: Sequential, name: String) throws(NeuralNetError) {
        guard images.count > 0 else { throw .emptyData(name) }
        guard images.imageShape == model.inputShape else {
            throw .imageShapeMismatch(expected: model.inputShape, got: images.imageShape)
        }
        let classes = Int32(model.outputShape.reduce(1, *))
        for index in 0..<images.count {
            let label = images.label(at: index)
            if label < 0 || label >= classes { throw .labelOutOfRange(label: label, classes: Int(classes)) }
        }
    }
}

/// Runs a model in evaluation mode over an ``ImageSet`` in batches, reusing one network.
final class Evaluator {
    let network: Network
    let capacity: Int
    private var input: [Float]

    init(model: Sequential, capacity: Int, precision: InferencePrecision = .float32) {
        self.capacity = capacity
        network = Network(layers: model.layers, plans: model.plans, capacity: capacity, training: false, precision: precision)
        input = [Float](repeating: 0, count: capacity * model.inputShape.reduce(1, *))
    }

    /// Calls `body` with each batch's first index, size, logits and labels.
    func run(
        _ images: ImageSet, model: Sequential, scaling: PixelScaling,
        _ body: (_ start: Int, _ count: Int, _ logits: UnsafePointer<Float>, _ labels: UnsafePointer<Int32>) -> Void
    ) {
        var parameters = model.parameters.scalars, buffers = model.buffers.scalars
        var labels = [Int32](repeating: 0, count: capacity)
        var generator = SeededGenerator(seed: 0)
        var start = 0
        while start < images.count {
            let count = min(capacity, images.count - start)
            input.withUnsafeMutableBufferPointer { x in
                labels.withUnsafeMutableBufferPointer { l in
                    images.gather(start..<(start + count), scaling: scaling, into: x.baseAddress!, labels: l.baseAddress!)
                    parameters.withUnsafeMutableBufferPointer { p in
                        buffers.withUnsafeMutableBufferPointer { b in
                            let logits = network.forward(input: x.baseAddress!, batch: count, parameters: p, buffers: b, generator: &generator)
                            body(start, count, logits, l.baseAddress!)
                        }
                    }
                }
            }
            start += count
        }
    }

    /// The mean loss, the accuracy and the macro-F1 of `model` on `images`.
    func evaluate(_ images: ImageSet, model: Sequential, scaling: PixelScaling,
                  loss: SoftmaxCrossEntropy) -> (loss: Float, accuracy: Float, macroF1: Float) {
        var total = 0.0, correct = 0
        let classes = model.outputShape[0]
        var counts = ClassCounts(classes: classes)
        run(images, model: model, scaling: scaling) { _, count, logits, labels in
            let result = loss.evaluate(logits: logits, labels: labels, batch: count, classes: classes, gradient: nil)
            total += result.loss * Double(count)
            correct += result.correct
            for n in 0..<count {
                // The first largest score, as the loss counts a correct prediction.
                let z = logits + n * classes
                var best = 0
                for k in 1..<classes where z[k] > z[best] { best = k }
                counts.add(label: Int(labels[n]), prediction: best)
            }
        }
        return (Float(total / Double(images.count)), Float(correct) / Float(images.count), counts.macroF1)
    }
}

extension TrainedModel {
    /// The epoch with the lowest validation loss (the first of equals); `nil` when no epoch was
    /// validated.
    public static func lowestValidationLoss(in history: [EpochRecord]) -> EpochRecord? {
        var best: EpochRecord?
        for record in history {
            guard let loss = record.validationLoss else { continue }
            if best?.validationLoss.map({ loss < $0 }) ?? true { best = record }
        }
        return best
    }

    /// The record of the epoch whose weights the model holds: ``keptEpoch`` when early stopping
    /// restored the best weights, the last epoch otherwise.
    public var keptRecord: EpochRecord? {
        keptEpoch.flatMap { epoch in history.first { $0.epoch == epoch } } ?? history.last
    }

    /// The epoch after which early stopping ended the run, `nil` when every planned epoch ran.
    public var stoppedEpoch: Int? {
        guard let configuration, configuration.earlyStopping != nil, history.count < configuration.epochs else { return nil }
        return history.last?.epoch
    }

    /// The epochs after which reduce-on-plateau lowered the learning rate.
    public var learningRateReductions: [Int] { history.filter { $0.reducedLearningRate == true }.map(\.epoch) }
}
