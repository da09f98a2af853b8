import Dataset
import Engine
import Figures
import Foundation
import NeuralNet
import Notebook

/// The images a training cell reads: the train and validation parts of its split, as NeuralNet
/// image sets that share the dataset's bytes.
struct TrainingData {
    var dataset: DatasetValue
    /// How pixels become inputs: unit, or standardised with the train part's statistics.
    var scaling: PixelScaling
    var train: ImageSet
    /// `nil` when the split's validation part is empty.
    var validation: ImageSet?
    /// `[channels, height, width]` of one image.
    var imageShape: [Int]
    var classNames: [String]
    /// The cache key of the split, stored in the model so `evaluate` can find its test part.
    var splitKey: String?

    var classCount: Int { classNames.count }

    /// Reads the split named by the `data` input and the dataset it indexes.
    static func load(_ context: ActionContext) throws -> TrainingData {
        let (split, dataset) = try context.splitData("data")
        let images = dataset.images
        let shape = [images.channels, images.height, images.width]
        let all = try ImageSet(pixels: images.pixels, labels: images.labels, imageShape: shape)
        let train = all.subset(split.split.train.map { Int($0) })
        guard train.count > 0 else {
            throw context.error("The split has no training images; give 'train' a larger share in the split cell.", parameter: "data")
        }
        let validationIndices = split.split.validation.map { Int($0) }
        return TrainingData(
            dataset: dataset, scaling: dataset.scaling(training: split.split.train), train: train, validation: validationIndices.isEmpty ? nil : all.subset(validationIndices),
            imageShape: shape, classNames: images.classNames, splitKey: context.inputKey("data"))
    }
}

/// Where a model's layers were written, so errors found at run time point at the layer's line.
struct LayerLocator {
    /// The position of each layer's `- ` item, by 0-based index, where the layers were written as a list.
    var positions: [SourcePosition]
    /// The parameter to point at otherwise (`hidden`, or the whole cell for sweep variants).
    var parameter: String?
    /// Put before messages (a sweep variant's name).
    var prefix: String = ""

    /// An error about layer `index` (0-based), or about the model as a whole when `index` is `nil`.
    func error(_ message: String, layer index: Int?, context: ActionContext) -> ActionError {
        let position = index.flatMap { positions.indices.contains($0) ? positions[$0] : nil }
        return context.error(prefix + message, parameter: parameter, position: position)
    }
}

/// The checks a model passes before it is built, at `loom check` (from the data's headers) and
/// again at run time: every layer takes its input, the output is one score per class, and the
/// weights and a batch's activations fit in memory.
enum ModelCheck {
    /// A problem, with the 0-based layer it is about (`nil`: the model as a whole).
    struct Problem: Equatable {
        var message: String
        var layer: Int?
    }

    /// The bytes training may use, beyond which a model is refused: the machine's memory.
    static var memoryLimit: UInt64 { ProcessInfo.processInfo.physicalMemory }

    /// The first problem of `layers` on images of `imageShape`, or `nil`.
    ///
    /// `train.mlp` models start with an implicit `flatten`: their layers are checked on the flat
    /// input, so messages count the layers as written.
    static func problem(layers: [LayerSpec], family: ModelFamily, imageShape: [Int], classNames: [String],
                        batchSize: Int) -> Problem? {
        let input = family == .mlp ? [imageShape.reduce(1, *)] : imageShape
        let shape: ModelShape
        do {
            shape = try Sequential.shape(inputShape: input, layers: layers)
        } catch {
            return Problem(message: "\(error)", layer: error.layer.map { $0 - 1 })
        }
        let classes = classNames.count
        let output = shape.outputShape ?? input
        if output != [classes] {
            let shapeText = output.map(String.init).joined(separator: "×")
            let names = classNames.prefix(3).map { "'\($0)'" }.joined(separator: ", ") + (classes > 3 ? ", …" : "")
            if let units = layers.last?.as(DenseLayer.self)?.units {
                return Problem(message: "the last layer 'dense' has \(units) units but the data has \(classes) classes (\(names)); make it 'dense: \(classes)'",
                               layer: layers.count - 1)
            }
            return Problem(message: "the model's output is \(shapeText), not one score for each of the data's \(classes) classes (\(names)); "
                               + "end it with \(output.count == 1 ? "" : "'flatten' and ")'dense: \(classes)'",
                           layer: layers.count - 1)
        }
        let bytes = trainingBytes(shape, batchSize: batchSize)
        if bytes > Double(memoryLimit) {
            return Problem(message: "the model needs about \(gigabytes(bytes)) to train (\(Format.count(shape.parameterCount)) parameters "
                               + "with their gradients and optimizer state, and the activations of a batch of \(Format.count(batchSize))), "
                               + "but this machine has \(gigabytes(Double(memoryLimit))); make it smaller", layer: nil)
        }
        return nil
    }

    /// Float32 weights, gradients and two optimizer moments per parameter, and each sample's
    /// activations kept for the backward pass with their gradients.
    static func trainingBytes(_ shape: ModelShape, batchSize: Int) -> Double {
        4 * (4 * Double(shape.parameterCount) + 2 * Double(shape.bufferCount)
             + 2 * Double(shape.activationCount) * Double(max(1, batchSize)))
    }

    /// `318 GB`, `1.2 GB`
    static func gigabytes(_ bytes: Double) -> String {
        let value = bytes / 1e9
        return (value >= 10 ? Format.count(Int(value.rounded())) : Format.decimal(value, 1)) + " GB"
    }
}

/// Trains a model inside a cell: builds it (checking shapes before any training), trains with
/// live progress and per-epoch checkpoints, and reports it as tables and a figure.
enum TrainingRun {
    /// Builds the model for images of the data's shape, after ``ModelCheck`` (the checks `loom
    /// check` runs too) finds its shapes right and its size within memory.
    ///
    /// - Throws: an ``ActionError`` at the layer's line when a layer cannot take its input, or at
    ///   the last layer when the output is not one score per class.
    static func buildModel(layers: [LayerSpec], family: ModelFamily, data: TrainingData, seed: Int, batchSize: Int,
                           locator: LayerLocator, context: ActionContext) throws -> Sequential {
        if let problem = ModelCheck.problem(layers: layers, family: family, imageShape: data.imageShape,
                                            classNames: data.classNames, batchSize: min(batchSize, data.train.count)) {
            throw locator.error(problem.message, layer: problem.layer, context: context)
        }
        do {
            return try Sequential(inputShape: data.imageShape, layers: family == .mlp ? [.flatten] + layers : layers,
                                  seed: UInt64(seed))
        } catch {
            throw locator.error("\(error)", layer: error.layer.map { $0 - (family == .mlp ? 2 : 1) }, context: context)
        }
    }

    /// The outcome of ``train(_:model:settings:data:family:checkpoints:label:)``.
    struct Outcome {
        var model: ModelValue
        /// The epoch an earlier, interrupted run had finished, when this run resumed from its checkpoint.
        var resumedAfterEpoch: Int?
    }

    /// Trains `model` on the data's train part, measuring the validation part after every epoch.
    ///
    /// - Parameters:
    ///   - checkpoints: whether to resume from and save the cell's checkpoints (one model per cell).
    ///   - label: put before progress messages (a sweep variant's name).
    static func train(_ context: ActionContext, model: Sequential, settings: TrainingSettings, data: TrainingData,
                      family: ModelFamily, checkpoints: Bool, label: String = "") throws -> Outcome {
        let configuration = settings.configuration(trainingCount: data.train.count, scaling: data.scaling)
        if settings.batchSize > data.train.count {
            context.emit(markdown: "The batch size \(Format.count(settings.batchSize)) is larger than the \(Format.count(data.train.count)) "
                         + "training images, so each step takes all of them (a batch of \(Format.count(configuration.batchSize))).")
        }
        do {
            try configuration.validate()
        } catch {
            throw context.error("\(error)", parameter: parameterName(forSetting: error))
        }
        if let stopping = settings.earlyStopping, data.validation == nil {
            throw context.error("Early stopping watches the \(stopping.metric.phrase), but the split has no validation images; "
                                + "give 'validation' a share in the split cell or remove 'early-stopping'.", parameter: "early-stopping")
        }
        if case .plateau(let plateau) = settings.schedule, data.validation == nil {
            throw context.error("The plateau schedule watches the \(plateau.metric.phrase), but the split has no validation images; "
                                + "give 'validation' a share in the split cell or choose another schedule.", parameter: "schedule")
        }

        var trainer = try Trainer(model: model, configuration: configuration)
        var resumedAfter: Int?
        var resumedSeconds = 0.0
        if checkpoints, let saved = try context.latestCheckpoint(),
           let checkpoint = try? TrainingCheckpoint(serializedBytes: saved.data),
           checkpoint.configuration == configuration, checkpoint.model.layers == model.layers,
           checkpoint.model.inputShape == model.inputShape, checkpoint.completedEpochs > 0 {
            trainer = Trainer(resumingFrom: checkpoint)
            resumedAfter = checkpoint.completedEpochs
            resumedSeconds = checkpoint.history.reduce(0) { $0 + $1.seconds }
            context.progress.log("\(label)resuming after epoch \(checkpoint.completedEpochs) of \(configuration.epochs) from the checkpoint")
            for record in checkpoint.history {
                context.progress.epoch(epochProgress(record, epochs: configuration.epochs, label: label))
            }
        }

        let augmentation = settings.activeAugmentation.map { augmentation in
            batchAugmentation(augmentation, imageShape: data.imageShape, background: data.scaling.value(of: 0))
        }
        let trainCount = data.train.count
        let firstEpoch = (resumedAfter ?? 0) + 1
        let total = max(1, (configuration.epochs - firstEpoch + 1) * trainCount)
        let batchSize = configuration.batchSize
        let started = Date()
        let trained: TrainedModel
        do {
            trained = try trainer.fit(
                training: data.train, validation: data.validation, augmentation: augmentation,
                progress: { step in
                    let done = (step.epoch - firstEpoch) * trainCount + min(step.batch * batchSize, trainCount)
                    context.progress.update(ProgressUpdate(
                        completed: done, total: total, unit: "img", rate: step.imagesPerSecond,
                        message: "\(label)epoch \(step.epoch)/\(step.epochs) · batch \(step.batch)/\(step.batchesPerEpoch) · loss \(Format.decimal(Double(step.loss)))"))
                },
                epochEnded: { checkpoint in
                    if checkpoints {
                        try context.saveCheckpoint(step: checkpoint.completedEpochs, data: checkpoint.serializedBytes())
                    }
                    if let record = checkpoint.history.last {
                        context.progress.log(label + logLine(record, epochs: configuration.epochs))
                        context.progress.epoch(epochProgress(record, epochs: configuration.epochs, label: label))
                    }
                },
                shouldStop: { context.progress.isCancelled })
        } catch let error as NeuralNetError {
            throw context.error("\(error)", parameter: "data")
        }
        var model = trained
        model.classNames = data.classNames
        let seconds = Date().timeIntervalSince(started) + resumedSeconds
        return Outcome(model: ModelValue(trained: model, family: family.actionName, trainingSeconds: seconds, splitKey: data.splitKey),
                       resumedAfterEpoch: resumedAfter)
    }

    /// An epoch's record as a live view's event.
    static func epochProgress(_ record: EpochRecord, epochs: Int, label: String) -> EpochProgress {
        EpochProgress(epoch: record.epoch, epochs: epochs, trainLoss: Double(record.trainLoss),
                      trainAccuracy: Double(record.trainAccuracy), validationLoss: record.validationLoss.map(Double.init),
                      validationAccuracy: record.validationAccuracy.map(Double.init), learningRate: Double(record.learningRate),
                      seconds: record.seconds, imagesPerSecond: record.imagesPerSecond,
                      label: label.trimmingCharacters(in: CharacterSet(charactersIn: " ·:")))
    }

    /// The parameter a NeuralNet setting error is about.
    static func parameterName(forSetting error: NeuralNetError) -> String? {
        guard case .invalidSetting(let name, _) = error else { return nil }
        switch name {
        case "label-smoothing": return "loss"
        case "patience": return "early-stopping"
        case "plateau": return "schedule"
        case "learning-rate": return "optimizer"
        default: return name
        }
    }

    /// Applies `augmentation` to every image of a training batch, drawing from the trainer's generator.
    static func batchAugmentation(_ augmentation: Augmentation, imageShape: [Int], background: Float) -> BatchAugmentation {
        let (channels, height, width) = (imageShape[0], imageShape[1], imageShape[2])
        return { batch, generator in
            let count = batch.shape[0]
            batch.withUnsafeMutableBufferPointer { buffer in
                augmentation.apply(toBatch: buffer, count: count, channels: channels, height: height, width: width,
                                   background: background, using: &generator)
            }
        }
    }

    /// `epoch 3/15 · train loss 0.312 acc 0.887 · val loss 0.345 acc 0.874 · lr 0.001 · 12.3 s · 4,812 img/s`
    static func logLine(_ record: EpochRecord, epochs: Int) -> String {
        var parts = ["epoch \(record.epoch)/\(epochs)",
                     "train loss \(Format.decimal(Double(record.trainLoss))) acc \(Format.decimal(Double(record.trainAccuracy)))"]
        if let loss = record.validationLoss, let accuracy = record.validationAccuracy {
            parts.append("val loss \(Format.decimal(Double(loss))) acc \(Format.decimal(Double(accuracy)))")
        }
        parts += ["lr \(learningRateText(record.learningRate))", "\(secondsText(record.seconds)) s",
                  "\(Format.count(Int(record.imagesPerSecond.rounded()))) img/s"]
        return parts.joined(separator: " · ")
    }

    /// `0.42`, `12.3`: two decimals below 10 seconds, one above.
    static func secondsText(_ seconds: Double) -> String { Format.decimal(seconds, seconds < 10 ? 2 : 1) }

    /// `0.001`, `0.00025`, `1.2e-05`: three significant digits.
    static func learningRateText(_ rate: Float) -> String { String(format: "%.3g", Double(rate)) }

    // MARK: Reports

    /// The model summary: one row per layer with its output shape and parameter count, and the total.
    static func summaryTable(_ model: Sequential, family: ModelFamily) -> Table {
        let summary = model.summary
        var table = Table(columns: ["#", "layer", "output shape", "parameters"], alignments: [.right, .left, .left, .right])
        table.append(["", "input", shapeText(summary.inputShape), ""])
        for row in summary.rows {
            // train.mlp's own flatten is not one of the written layers: it has no number.
            let implicit = family == .mlp && row.layer == 1
            let number = implicit ? "" : String(family == .mlp ? row.layer - 1 : row.layer)
            let name = implicit ? "flatten (added by train.mlp)" : row.details.isEmpty ? row.name : "\(row.name) (\(row.details))"
            table.append([number, name, shapeText(row.outputShape), Format.count(row.parameters)])
        }
        table.append(["", "**total**", "", "**\(Format.count(summary.totalParameters))**"])
        return table
    }

    /// `64×7×7`
    static func shapeText(_ shape: [Int]) -> String { shape.map(String.init).joined(separator: "×") }

    /// One row per epoch: losses, accuracies (and the validation macro-F1 when the cell reports or
    /// watches it), learning rate, seconds and throughput, with a note where the monitoring acted.
    static func epochTable(_ trained: TrainedModel, showMacroF1: Bool = false) -> Table {
        let history = trained.history
        let events = MonitoringEvents(trained)
        let f1 = showMacroF1 && history.contains { $0.validationMacroF1 != nil }
        var columns = ["epoch", "train loss", "train acc", "val loss", "val acc"] + (f1 ? ["val macro-F1"] : [])
        columns += ["lr", "seconds", "img/s"]
        let notes = !events.isEmpty
        var table = Table(columns: columns + (notes ? ["note"] : []),
                          alignments: Array(repeating: .right, count: columns.count) + (notes ? [.left] : []))
        for record in history {
            var row = [
                String(record.epoch), Format.decimal(Double(record.trainLoss)), Format.decimal(Double(record.trainAccuracy)),
                record.validationLoss.map { Format.decimal(Double($0)) } ?? "–",
                record.validationAccuracy.map { Format.decimal(Double($0)) } ?? "–",
            ]
            if f1 { row.append(record.validationMacroF1.map { Format.decimal(Double($0)) } ?? "–") }
            row += [learningRateText(record.learningRate), secondsText(record.seconds), Format.count(Int(record.imagesPerSecond.rounded()))]
            if notes { row.append(events.note(epoch: record.epoch)) }
            table.append(row)
        }
        return table
    }

    /// The metrics the cell reports or watches besides loss and accuracy: macro-F1 when it is the
    /// declared metric, early stopping's or the plateau schedule's.
    static func showsMacroF1(_ settings: TrainingSettings) -> Bool {
        if settings.metric == .macroF1 || settings.earlyStopping?.metric == .macroF1 { return true }
        if case .plateau(let plateau) = settings.schedule { return plateau.metric == .macroF1 }
        return false
    }

    /// Loss and accuracy per epoch, train against validation, in two panels; a third panel with
    /// the learning rate when it changes during the run (any schedule but constant); vertical
    /// markers where reduce-on-plateau lowered the rate, where early stopping stopped and at the
    /// kept epoch.
    static func curvesFigure(_ trained: TrainedModel, showMacroF1: Bool = false, scale: Double = 1) throws -> Data {
        let history = trained.history
        let epochs = history.map { Double($0.epoch) }
        func series(_ name: String, _ values: [Float?], style: LineStyle) -> LineChart.Series {
            LineChart.Series(name: name, x: epochs, y: values.map { $0.map(Double.init) ?? .nan }, style: style)
        }
        var lossSeries = [series("train", history.map(\.trainLoss), style: .solid)]
        var accuracySeries = [series("train", history.map(\.trainAccuracy), style: .solid)]
        if history.contains(where: { $0.validationLoss != nil }) {
            lossSeries.append(series("validation", history.map(\.validationLoss), style: .dashed))
            accuracySeries.append(series("validation", history.map(\.validationAccuracy), style: .dashed))
        }
        let f1 = showMacroF1 && history.contains { $0.validationMacroF1 != nil }
        if f1 { accuracySeries.append(series("val macro-F1", history.map(\.validationMacroF1), style: .dotted)) }
        let markers = MonitoringEvents(trained).markers
        var panels: [any Chart] = [
            MarkedLineChart(LineChart(series: lossSeries, title: "Loss", xLabel: "epoch", yLabel: "cross-entropy"), markers: markers),
            MarkedLineChart(LineChart(series: accuracySeries, title: f1 ? "Accuracy and macro-F1" : "Accuracy", xLabel: "epoch",
                                      yLabel: f1 ? "accuracy, macro-F1" : "accuracy"), markers: markers),
        ]
        let varies = trained.configuration.map { !isConstant($0.learningRate) } ?? false
        if varies {
            let rate = LineChart(series: [series("learning rate", history.map(\.learningRate), style: .solid)],
                                 title: "Learning rate", xLabel: "epoch", yLabel: "rate (epoch's last step)", legendPlacement: .hidden)
            panels.append(MarkedLineChart(rate, markers: markers))
        }
        return try Figure(FigureGrid(panels, columns: panels.count), title: "Training curves",
                          size: Size(width: varies ? 1140 : 760, height: varies ? 400 : 340), scale: scale).renderPNG()
    }

    /// Whether a schedule keeps one rate throughout.
    static func isConstant(_ schedule: LearningRateSchedule) -> Bool {
        if case .constant = schedule { return true }
        return false
    }

    /// Emits the epoch table, the curves and a note on early stopping and resuming.
    static func emitHistory(_ context: ActionContext, outcome: Outcome, settings: TrainingSettings) throws {
        let trained = outcome.model.trained
        let history = trained.history
        if let epoch = outcome.resumedAfterEpoch {
            context.emit(markdown: "Resumed from the checkpoint after epoch \(epoch); the later epochs were trained after resuming.")
        }
        let showMacroF1 = showsMacroF1(settings)
        context.emit(epochTable(trained, showMacroF1: showMacroF1))
        if let sentence = MonitoringEvents(trained).sentence(history: history) {
            context.emit(markdown: sentence)
        }
        let varies = settings.schedule.varies
        context.emitFigure(name: "training-curves",
                           title: "Training curves: loss and accuracy per epoch, train and validation"
                               + (varies ? ", and the learning rate" : "")
                               + (MonitoringEvents(trained).isEmpty ? "" : "; vertical lines mark where the monitoring acted"),
                           png: try curvesFigure(trained, showMacroF1: showMacroF1, scale: context.figureScale),
                           scale: context.figureScale)
        let seconds = outcome.model.trainingSeconds
        let last = history.last
        let rate = last.map { Format.count(Int($0.imagesPerSecond.rounded())) } ?? "–"
        context.emit(markdown: "Trained \(Format.count(trained.model.parameterCount)) parameters for \(history.count) "
                     + "epoch\(history.count == 1 ? "" : "s") in \(secondsText(seconds)) s (last epoch \(rate) img/s).")
    }
}
