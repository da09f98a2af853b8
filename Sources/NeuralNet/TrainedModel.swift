import Foundation
import Dataset
import TensorCore

/// A trained classifier: its architecture, weights, training history and input scaling.
///
/// It serialises to bytes (``serializedBytes()``) and back (``init(serializedBytes:)``) bit for
/// bit, and predicts in batches of 1000.
public struct TrainedModel: Sendable, Equatable {
    /// The architecture and weights.
    public var model: Sequential
    /// One record per training epoch.
    public var history: [EpochRecord]
    /// How pixels become inputs; predictions on bytes use it.
    public var pixelScaling: PixelScaling
    /// The settings it was trained with, if known.
    public var configuration: TrainingConfiguration?
    /// The names of the classes, in label order, if known.
    public var classNames: [String]
    /// The epoch whose weights the model holds when early stopping restored its best epoch's
    /// weights; `nil` when they are the last epoch's.
    public var keptEpoch: Int?

    /// Creates a trained model from its parts.
    ///
    /// - Parameters:
    ///   - model: The architecture and weights.
    ///   - history: One record per training epoch.
    ///   - pixelScaling: How pixels become inputs.
    ///   - configuration: The settings it was trained with, if known.
    ///   - classNames: The names of the classes in label order, if known.
    ///   - keptEpoch: The epoch whose weights early stopping restored, or nil for the last epoch's.
    public init(
        model: Sequential, history: [EpochRecord] = [], pixelScaling: PixelScaling = .unit,
        configuration: TrainingConfiguration? = nil, classNames: [String] = [], keptEpoch: Int? = nil
    ) {
        self.model = model
        self.history = history
        self.pixelScaling = pixelScaling
        self.configuration = configuration
        self.classNames = classNames
        self.keptEpoch = keptEpoch
    }

    /// The number of classes: the model's output size.
    public var classCount: Int { model.outputShape.reduce(1, *) }

    /// The logits of every image, `[N, classes]`.
    ///
    /// - Parameters:
    ///   - images: Images of the model's input shape.
    ///   - precision: The precision of the dense layers' products (``InferencePrecision``).
    /// - Throws: ``NeuralNetError/imageShapeMismatch(expected:got:)`` if the images do not fit,
    ///   ``NeuralNetError/precisionUnavailable(precision:reason:)`` for a precision this
    ///   processor cannot run.
    public func logits(for images: ImageSet, precision: InferencePrecision = .float32) throws(NeuralNetError) -> Tensor {
        guard images.imageShape == model.inputShape else {
            throw .imageShapeMismatch(expected: model.inputShape, got: images.imageShape)
        }
        try precision.requireAvailable()
        let classes = classCount
        var result = Tensor.zeros(shape: [images.count, classes])
        guard images.count > 0 else { return result }
        BLAS.enterSingleThreaded()
        defer { BLAS.leaveSingleThreaded() }
        let evaluator = Evaluator(model: model, capacity: min(Sequential.inferenceBatch, images.count), precision: precision)
        result.withUnsafeMutableBufferPointer { out in
            evaluator.run(images, model: model, scaling: pixelScaling) { start, count, logits, _ in
                (out.baseAddress! + start * classes).update(from: logits, count: count * classes)
            }
        }
        return result
    }

    /// The softmax probabilities of every image, `[N, classes]`.
    ///
    /// - Parameter images: Images of the model's input shape.
    /// - Throws: ``NeuralNetError/imageShapeMismatch(expected:got:)`` if the images do not fit.
    public func probabilities(for images: ImageSet) throws(NeuralNetError) -> Tensor {
        try logits(for: images).softmaxRows()
    }

    /// The softmax probabilities of inputs that are already scaled, `[N] + inputShape → [N, classes]`.
    ///
    /// - Parameter inputs: Scaled inputs.
    public func probabilities(forScaled inputs: Tensor) -> Tensor {
        model(inputs).reshaped(to: [inputs.shape[0], classCount]).softmaxRows()
    }

    /// The most probable class of every image.
    ///
    /// - Parameter images: Images of the model's input shape.
    /// - Throws: ``NeuralNetError/imageShapeMismatch(expected:got:)`` if the images do not fit.
    public func predict(_ images: ImageSet) throws(NeuralNetError) -> [Int] {
        try logits(for: images).argmaxRows()
    }

    /// The mean cross-entropy loss (no label smoothing) and the accuracy on labelled images.
    ///
    /// - Parameter images: Labelled images of the model's input shape.
    /// - Throws: ``NeuralNetError`` if the images do not fit the model or a label is out of range.
    public func evaluate(on images: ImageSet) throws(NeuralNetError) -> (loss: Float, accuracy: Float) {
        try Trainer.check(images, model: model, name: "evaluation")
        BLAS.enterSingleThreaded()
        defer { BLAS.leaveSingleThreaded() }
        let evaluator = Evaluator(model: model, capacity: min(Sequential.inferenceBatch, images.count))
        let measured = evaluator.evaluate(images, model: model, scaling: pixelScaling, loss: SoftmaxCrossEntropy())
        return (measured.loss, measured.accuracy)
    }
}

// MARK: - Serialisation

/// The JSON header of a saved model or checkpoint; numbers that must round-trip exactly
/// (weights, optimiser state, generator state) are stored as binary after it.
private struct Header: Codable {
    var inputShape: [Int]
    var layers: [LayerSpec]
    var history: [EpochRecord]
    var pixelScaling: PixelScaling
    var configuration: TrainingConfiguration?
    var classNames: [String]
    var keptEpoch: Int?
    var earlyStopping: MetricMonitor?
    var plateau: PlateauState?
    var stopped: Bool?
}

private let formatVersion = 1

private func encodeHeader(_ header: Header) -> Data {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
    encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
    // Every field is a plain Codable value; encoding cannot fail.
    return (try? encoder.encode(header)) ?? Data()
}

private func readPreamble(_ data: Data, magic: String, what: String) throws(NeuralNetError) -> (ByteReader, Header) {
    guard data.count >= 4, data.prefix(4) == Data(magic.utf8) else { throw .corruptData(what) }
    var reader = ByteReader(Data(data.dropFirst(4)))
    do {
        guard try reader.readInt() == formatVersion else { throw NeuralNetError.corruptData("\(what) of this version") }
        let json = try reader.readData()
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        guard let header = try? decoder.decode(Header.self, from: json) else { throw NeuralNetError.corruptData(what) }
        return (reader, header)
    } catch let error as NeuralNetError {
        throw error
    } catch {
        throw .corruptData(what)
    }
}

private func readModel(_ reader: inout ByteReader, header: Header, what: String) throws(NeuralNetError) -> Sequential {
    do {
        let parameters = try reader.readTensor(), buffers = try reader.readTensor()
        return try Sequential(inputShape: header.inputShape, layers: header.layers, parameters: parameters, buffers: buffers)
    } catch let error as NeuralNetError {
        throw error
    } catch {
        throw .corruptData(what)
    }
}

extension TrainedModel {
    /// The model as bytes: the magic `LMDL`, a version, a JSON header (architecture, history,
    /// scaling, configuration, class names) and the weights' exact bit patterns.
    public func serializedBytes() -> Data {
        var writer = ByteWriter()
        writer.write(formatVersion)
        writer.write(encodeHeader(Header(
            inputShape: model.inputShape, layers: model.layers, history: history, pixelScaling: pixelScaling,
            configuration: configuration, classNames: classNames, keptEpoch: keptEpoch)))
        writer.write(model.parameters)
        writer.write(model.buffers)
        return Data("LMDL".utf8) + writer.data
    }

    /// Reads a model written by ``serializedBytes()``.
    ///
    /// - Parameter bytes: The saved model.
    /// - Throws: ``NeuralNetError/corruptData(_:)`` if the bytes are not a whole saved model.
    public init(serializedBytes bytes: Data) throws(NeuralNetError) {
        var (reader, header) = try readPreamble(bytes, magic: "LMDL", what: "saved model")
        let model = try readModel(&reader, header: header, what: "saved model")
        self.init(model: model, history: header.history, pixelScaling: header.pixelScaling, configuration: header.configuration,
                  classNames: header.classNames, keptEpoch: header.keptEpoch)
    }
}

extension TrainingCheckpoint {
    /// The checkpoint as bytes: the magic `LCKP`, a version, a JSON header, then the weights,
    /// optimiser state, generator state and early-stopping weights as exact bit patterns.
    public func serializedBytes() -> Data {
        var writer = ByteWriter()
        writer.write(formatVersion)
        writer.write(encodeHeader(Header(
            inputShape: model.inputShape, layers: model.layers, history: history, pixelScaling: configuration.pixelScaling,
            configuration: configuration, classNames: [], earlyStopping: earlyStopping, plateau: plateau, stopped: stopped)))
        writer.write(model.parameters)
        writer.write(model.buffers)
        writer.write(optimizer.step)
        writer.write(optimizer.first)
        writer.write(optimizer.second)
        for word in generator.state { writer.write(word) }
        writer.write(bestParameters == nil ? 0 : 1)
        if let bestParameters, let bestBuffers {
            writer.write(bestParameters)
            writer.write(bestBuffers)
        }
        return Data("LCKP".utf8) + writer.data
    }

    /// Reads a checkpoint written by ``serializedBytes()``.
    ///
    /// - Parameter bytes: The saved checkpoint.
    /// - Throws: ``NeuralNetError/corruptData(_:)`` if the bytes are not a whole checkpoint.
    public init(serializedBytes bytes: Data) throws(NeuralNetError) {
        let what = "training checkpoint"
        var (reader, header) = try readPreamble(bytes, magic: "LCKP", what: what)
        let model = try readModel(&reader, header: header, what: what)
        guard let configuration = header.configuration else { throw .corruptData(what) }
        do {
            var optimizer = OptimizerState(parameterCount: model.parameterCount)
            optimizer.step = try reader.readInt()
            optimizer.first = try reader.readFloats()
            optimizer.second = try reader.readFloats()
            let state = [try reader.readUInt64(), try reader.readUInt64(), try reader.readUInt64(), try reader.readUInt64()]
            guard optimizer.first.count == model.parameterCount, optimizer.second.count == model.parameterCount,
                state.contains(where: { $0 != 0 })
            else { throw NeuralNetError.corruptData(what) }
            var bestParameters: Tensor?, bestBuffers: Tensor?
            if try reader.readInt() == 1 {
                bestParameters = try reader.readTensor()
                bestBuffers = try reader.readTensor()
                guard bestParameters?.shape == model.parameters.shape, bestBuffers?.shape == model.buffers.shape else {
                    throw NeuralNetError.corruptData(what)
                }
            }
            self.init(
                configuration: configuration, model: model, optimizer: optimizer, generator: SeededGenerator(state: state),
                history: header.history, earlyStopping: header.earlyStopping, bestParameters: bestParameters,
                bestBuffers: bestBuffers, plateau: header.plateau, stopped: header.stopped ?? false)
        } catch let error as NeuralNetError {
            throw error
        } catch {
            throw .corruptData(what)
        }
    }
}
