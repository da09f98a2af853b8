import Foundation
import TensorCore

/// A feed-forward model: a list of ``LayerSpec``s applied in order to inputs of a fixed shape,
/// with all its weights in one flat parameter vector.
///
/// Building a model infers every layer's output shape and throws before any training if a
/// layer cannot take its input, naming the layer's 1-based position:
///
/// ```swift
/// let model = try Sequential(
///     inputShape: [1, 28, 28],
///     layers: [.conv(filters: 32, kernel: 3), .relu, .maxPool(size: 2), .flatten, .dense(units: 10)],
///     seed: 0)
/// print(model.summary)
/// let logits = model(images)            // [N, 10]
/// ```
///
/// Parameters are laid out layer by layer: a convolution's weights `[filters, C, k, k]` then
/// its biases; a dense layer's weights `[units, inputs]` then its biases; batch norm's scale then
/// shift. ``buffers`` holds the non-trainable running statistics of batch-norm layers.
public struct Sequential: Sendable, Equatable {
    /// The shape of one input sample: `[channels, height, width]` or `[features]`.
    public let inputShape: [Int]
    /// The layers, in order.
    public let layers: [LayerSpec]
    /// Every trainable value, flat, shape `[parameterCount]`.
    public var parameters: Tensor {
        didSet { precondition(parameters.shape == oldValue.shape, "A model's parameter vector keeps its shape \(oldValue.shape).") }
    }
    /// Every non-trainable value (batch-norm running means and variances), flat.
    public var buffers: Tensor {
        didSet { precondition(buffers.shape == oldValue.shape, "A model's buffer vector keeps its shape \(oldValue.shape).") }
    }
    let plans: [LayerPlan]

    /// Builds a model and draws its initial weights.
    ///
    /// - Parameters:
    ///   - inputShape: The shape of one sample, `[channels, height, width]` or `[features]`.
    ///   - layers: The layers in order.
    ///   - initialization: How to draw the initial weights.
    ///   - seed: The seed of the weights' generator.
    /// - Throws: ``NeuralNetError`` naming the first layer that cannot take its input.
    public init(
        inputShape: [Int], layers: [LayerSpec], initialization: WeightInitialization = .automatic, seed: UInt64
    ) throws(NeuralNetError) {
        let plans = try planLayers(layers, inputShape: inputShape)
        var parameters = [Float](repeating: 0, count: plans.reduce(0) { $0 + $1.parameterCount })
        var buffers = [Float](repeating: 0, count: plans.reduce(0) { $0 + $1.bufferCount })
        var generator = SeededGenerator(seed: seed)
        initialization.initialize(layers: layers, plans: plans, parameters: &parameters, buffers: &buffers, generator: &generator)
        self.inputShape = inputShape
        self.layers = layers
        self.plans = plans
        self.parameters = Tensor(shape: [parameters.count], scalars: parameters)
        self.buffers = Tensor(shape: [buffers.count], scalars: buffers)
    }

    /// Rebuilds a model from its architecture and saved values.
    ///
    /// - Parameters:
    ///   - inputShape: The shape of one sample.
    ///   - layers: The layers in order.
    ///   - parameters: The flat parameter vector, as ``parameters`` gives it.
    ///   - buffers: The flat buffer vector, as ``buffers`` gives it.
    /// - Throws: ``NeuralNetError`` if the architecture is invalid or the vectors do not fit it.
    public init(inputShape: [Int], layers: [LayerSpec], parameters: Tensor, buffers: Tensor) throws(NeuralNetError) {
        let plans = try planLayers(layers, inputShape: inputShape)
        let parameterCount = plans.reduce(0) { $0 + $1.parameterCount }
        let bufferCount = plans.reduce(0) { $0 + $1.bufferCount }
        guard parameters.count == parameterCount, buffers.count == bufferCount else {
            throw .corruptData("model: its architecture needs \(parameterCount) parameters and \(bufferCount) buffer values but \(parameters.count) and \(buffers.count) were given")
        }
        self.inputShape = inputShape
        self.layers = layers
        self.plans = plans
        self.parameters = parameters.reshaped(to: [parameterCount])
        self.buffers = buffers.reshaped(to: [bufferCount])
    }

    /// Two models are equal when they have the same architecture and bit-identical values.
    public static func == (lhs: Sequential, rhs: Sequential) -> Bool {
        lhs.inputShape == rhs.inputShape && lhs.layers == rhs.layers
            && lhs.parameters.scalars.elementsEqualBitwise(rhs.parameters.scalars)
            && lhs.buffers.scalars.elementsEqualBitwise(rhs.buffers.scalars)
    }

    /// The shape of one output sample.
    public var outputShape: [Int] { plans.last?.outputShape ?? inputShape }

    /// The number of trainable values.
    public var parameterCount: Int { parameters.count }

    /// The output shape of each layer, in order.
    public var layerOutputShapes: [[Int]] { plans.map(\.outputShape) }

    /// The trainable values of one layer, shaped as its kind says
    /// (``LayerKind/parameterShapes(input:)``): a convolution gives `[filters, C, k, k]` weights
    /// and `[filters]` biases, a dense layer `[units, inputs]` and `[units]`, batch norm `[C]` scale
    /// and `[C]` shift; layers without parameters give none.
    ///
    /// - Parameter index: The layer's 0-based index in ``layers``.
    public func layerParameters(_ index: Int) -> [Tensor] {
        precondition(layers.indices.contains(index), "Layer index \(index) is out of range.")
        let offset = plans[..<index].reduce(0) { $0 + $1.parameterCount }
        var start = offset
        return layers[index].kind.parameterShapes(input: plans[index].inputShape).map { shape in
            let count = shape.reduce(1, *)
            defer { start += count }
            return Tensor(shape: shape, scalars: Array(parameters.scalars[start..<(start + count)]))
        }
    }

    /// Runs the model in evaluation mode (dropout off, batch norm on running statistics).
    ///
    /// Works through the batch 1000 samples at a time, with OpenBLAS single-threaded inside
    /// TensorCore's own threads.
    ///
    /// - Parameter batch: Inputs of shape `[N] + inputShape`.
    /// - Returns: Outputs of shape `[N] + outputShape`.
    public func callAsFunction(_ batch: Tensor) -> Tensor {
        precondition(
            batch.rank == inputShape.count + 1 && Array(batch.shape.dropFirst()) == inputShape,
            "The model expects [N] + \(inputShape) inputs but got \(batch.shape).")
        let count = batch.shape[0]
        let inputSize = inputShape.reduce(1, *), outputSize = outputShape.reduce(1, *)
        var result = Tensor.zeros(shape: [count] + outputShape)
        guard count > 0 else { return result }
        BLAS.enterSingleThreaded()
        defer { BLAS.leaveSingleThreaded() }
        let network = Network(layers: layers, plans: plans, capacity: min(count, Sequential.inferenceBatch), training: false)
        var parameters = self.parameters.scalars, buffers = self.buffers.scalars
        var generator = SeededGenerator(seed: 0)
        result.withUnsafeMutableBufferPointer { out in
            batch.withUnsafeBufferPointer { input in
                parameters.withUnsafeMutableBufferPointer { p in
                    buffers.withUnsafeMutableBufferPointer { b in
                        var start = 0
                        while start < count {
                            let size = min(Sequential.inferenceBatch, count - start)
                            let y = network.forward(
                                input: input.baseAddress! + start * inputSize, batch: size, parameters: p, buffers: b,
                                generator: &generator)
                            (out.baseAddress! + start * outputSize).update(from: y, count: size * outputSize)
                            start += size
                        }
                    }
                }
            }
        }
        return result
    }

    /// The number of samples evaluated at once in inference.
    public static let inferenceBatch = 1000

    /// A table of the layers with their output shapes and parameter counts.
    public var summary: ModelSummary {
        ModelSummary(
            inputShape: inputShape,
            rows: layers.enumerated().map { index, spec in
                ModelSummary.Row(
                    layer: index + 1, name: spec.name, details: spec.details,
                    outputShape: plans[index].outputShape, parameters: plans[index].parameterCount)
            })
    }
}

extension Array where Element == Float {
    func elementsEqualBitwise(_ other: [Float]) -> Bool {
        count == other.count && zip(self, other).allSatisfy { $0.bitPattern == $1.bitPattern }
    }
}

/// A model's layers with their output shapes and parameter counts, and the total.
public struct ModelSummary: Sendable, Equatable, CustomStringConvertible {
    /// One layer of the summary.
    public struct Row: Sendable, Equatable {
        /// The layer's 1-based position.
        public var layer: Int
        /// The layer's name, such as `conv`.
        public var name: String
        /// The layer's settings in words, such as `32 filters 3×3, stride 1, same`.
        public var details: String
        /// The shape of one output sample.
        public var outputShape: [Int]
        /// The number of trainable values.
        public var parameters: Int
    }

    /// The shape of one input sample.
    public var inputShape: [Int]
    /// One row per layer.
    public var rows: [Row]

    /// The number of trainable values in all layers.
    public var totalParameters: Int { rows.reduce(0) { $0 + $1.parameters } }

    /// The summary as a plain-text table.
    public var description: String {
        var lines = [["#", "layer", "output", "parameters"]]
        lines.append(["", "input", formatShape(inputShape), ""])
        for row in rows {
            let name = row.details.isEmpty ? row.name : "\(row.name) (\(row.details))"
            lines.append([String(row.layer), name, formatShape(row.outputShape), String(row.parameters)])
        }
        lines.append(["", "total", "", String(totalParameters)])
        let widths = (0..<4).map { column in lines.map { $0[column].count }.max() ?? 0 }
        return lines.map { line in
            line.enumerated().map { column, text in
                column == 3 || column == 0
                    ? String(repeating: " ", count: widths[column] - text.count) + text
                    : text + String(repeating: " ", count: widths[column] - text.count)
            }.joined(separator: "  ")
        }.joined(separator: "\n")
    }
}

/// A model's shapes and sizes, inferred from its layers without drawing any weight (for
/// `loom check`, which reports shape errors and models too large for memory before training).
public struct ModelShape: Sendable, Equatable {
    /// Each layer's output shape, in order.
    public var outputShapes: [[Int]]
    /// The number of trainable values.
    public var parameterCount: Int
    /// The number of non-trainable values (batch-norm statistics).
    public var bufferCount: Int
    /// The values one sample's forward pass produces, over all layers (what training keeps per sample).
    public var activationCount: Int

    /// The model's output shape (the input's when there are no layers).
    public var outputShape: [Int]? { outputShapes.last }
}

extension Sequential {
    /// Infers the shapes of `layers` applied to samples of `inputShape`.
    ///
    /// - Throws: ``NeuralNetError`` naming the first layer that cannot take its input, as
    ///   ``init(inputShape:layers:initialization:seed:)`` would.
    public static func shape(inputShape: [Int], layers: [LayerSpec]) throws(NeuralNetError) -> ModelShape {
        let plans = try planLayers(layers, inputShape: inputShape)
        func sum(_ values: [Int]) -> Int { values.reduce(0) { $0.addingReportingOverflow($1).overflow ? Int.max : $0 + $1 } }
        return ModelShape(outputShapes: plans.map(\.outputShape), parameterCount: sum(plans.map(\.parameterCount)),
                          bufferCount: sum(plans.map(\.bufferCount)),
                          activationCount: sum(plans.map { $0.outputShape.reduce(1) { $0.multipliedReportingOverflow(by: $1).overflow ? Int.max : $0 * $1 } }))
    }
}
