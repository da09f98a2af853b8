import TensorCore

/// How a convolution treats the border of its input.
public enum Padding: String, Codable, Sendable, Equatable, Hashable, CaseIterable {
    /// Zero-pad so that the output has `⌈size / stride⌉` positions (TensorFlow's rule; the odd
    /// extra pixel goes after).
    case same
    /// No padding: the output has `⌊(size − kernel) / stride⌋ + 1` positions.
    case valid
}

/// One layer of a ``Sequential`` model, as a user writes it.
///
/// Specs are plain values: they are `Codable` (a model's architecture is stored with its weights)
/// and carry no weights themselves. Image tensors are NCHW.
///
/// ```swift
/// let layers: [LayerSpec] = [
///     .conv(filters: 32, kernel: 3), .relu, .maxPool(size: 2),
///     .flatten, .dense(units: 10),
/// ]
/// ```
public enum LayerSpec: Codable, Sendable, Equatable, Hashable {
    /// A 2-D convolution with `filters` square `kernel×kernel` filters plus a bias per filter.
    case conv(filters: Int, kernel: Int, stride: Int = 1, padding: Padding = .same)
    /// A depthwise-separable convolution: a `kernel×kernel` filter per input channel, then a
    /// 1×1 convolution to `filters` channels with a bias per filter (``DepthwiseConvolutionKernel``).
    case depthwiseConv(filters: Int, kernel: Int, stride: Int = 1, padding: Padding = .same)
    /// Max pooling over `size×size` windows moved by `stride` (default: `size`), no padding.
    case maxPool(size: Int, stride: Int? = nil)
    /// Average pooling over `size×size` windows moved by `stride` (default: `size`), no padding.
    case avgPool(size: Int, stride: Int? = nil)
    /// The mean of each channel over all positions: `[C, H, W] → [C]`.
    case globalAvgPool
    /// A fully connected layer `y = W x + b` with `units` outputs.
    case dense(units: Int)
    /// Reshapes `[C, H, W]` to `[C·H·W]`.
    case flatten
    /// Inverted dropout: in training, zeroes each value with probability `rate` and scales the
    /// rest by `1 / (1 − rate)`; the identity in evaluation.
    case dropout(rate: Float)
    /// Batch normalisation over the batch (and positions, after a convolution), with learned
    /// scale and shift and running statistics for evaluation (momentum 0.1, ε = 1e-5).
    case batchNorm
    /// `max(x, 0)`.
    case relu
    /// `x` for `x > 0`, else `slope · x`.
    case leakyReLU(slope: Float = 0.01)
    /// `x` for `x > 0`, else `α (eˣ − 1)` (Clevert et al., 2015).
    case elu(alpha: Float = 1)
    /// `x · Φ(x)` with Φ the standard normal CDF (Hendrycks and Gimpel, 2016), computed exactly with `erf`.
    case gelu
    /// `1 / (1 + e⁻ˣ)`.
    case sigmoid
    /// `tanh x`.
    case tanh

    /// The layer's name as users write it and messages quote it.
    public var name: String {
        switch self {
        case .conv: "conv"
        case .depthwiseConv: "depthwise-conv"
        case .maxPool: "maxpool"
        case .avgPool: "avgpool"
        case .globalAvgPool: "global-avgpool"
        case .dense: "dense"
        case .flatten: "flatten"
        case .dropout: "dropout"
        case .batchNorm: "batchnorm"
        case .relu: "relu"
        case .leakyReLU: "leaky-relu"
        case .elu: "elu"
        case .gelu: "gelu"
        case .sigmoid: "sigmoid"
        case .tanh: "tanh"
        }
    }

    /// Whether the layer is an activation function applied element by element.
    public var isActivation: Bool {
        switch self {
        case .relu, .leakyReLU, .elu, .gelu, .sigmoid, .tanh: true
        default: false
        }
    }

    /// Whether the layer is one that He initialisation is designed for (the ReLU family).
    var isRectifier: Bool {
        switch self {
        case .relu, .leakyReLU, .elu, .gelu: true
        default: false
        }
    }
}

/// The shape each layer produces and the number of values it stores.
struct LayerPlan: Sendable {
    var inputShape: [Int]
    var outputShape: [Int]
    var parameterCount: Int
    var bufferCount: Int
}

/// Infers every layer's output shape, checking each layer's needs in order.
///
/// - Throws: ``NeuralNetError`` naming the first layer whose input does not fit it.
func planLayers(_ layers: [LayerSpec], inputShape: [Int]) throws(NeuralNetError) -> [LayerPlan] {
    guard inputShape.count == 3 || inputShape.count == 1, inputShape.allSatisfy({ $0 > 0 }) else {
        throw .invalidInputShape(inputShape)
    }
    var shape = inputShape
    var plans = [LayerPlan]()
    for (index, spec) in layers.enumerated() {
        let position = index + 1
        func image() throws(NeuralNetError) -> (Int, Int, Int) {
            guard shape.count == 3 else { throw .needsImageInput(layer: position, name: spec.name, shape: shape) }
            return (shape[0], shape[1], shape[2])
        }
        func positive(_ value: Int, _ parameter: String) throws(NeuralNetError) {
            guard value > 0 else {
                throw .invalidParameter(layer: position, name: spec.name, parameter: parameter, reason: "it must be a positive whole number but is \(value)")
            }
        }
        var parameters = 0
        var buffers = 0
        let input = shape
        switch spec {
        case .conv(let filters, let kernel, let stride, let padding),
             .depthwiseConv(let filters, let kernel, let stride, let padding):
            let (c, h, w) = try image()
            try positive(filters, "filters")
            try positive(kernel, "kernel")
            try positive(stride, "stride")
            let geometry = ConvolutionGeometry(height: h, width: w, kernel: kernel, stride: stride, padding: padding)
            guard geometry.outputHeight > 0, geometry.outputWidth > 0 else {
                throw .windowTooLarge(layer: position, name: spec.name, window: kernel, shape: input)
            }
            shape = [filters, geometry.outputHeight, geometry.outputWidth]
            // A full convolution has a k×k×C filter per output channel; a depthwise-separable one a
            // k×k filter per input channel, then a 1×1 mix.
            var weights = c * kernel * kernel + filters * c
            if case .conv = spec { weights = filters * c * kernel * kernel }
            parameters = weights + filters
        case .maxPool(let size, let stride), .avgPool(let size, let stride):
            let (c, h, w) = try image()
            try positive(size, "size")
            try positive(stride ?? size, "stride")
            let geometry = ConvolutionGeometry(height: h, width: w, kernel: size, stride: stride ?? size, padding: .valid)
            guard geometry.outputHeight > 0, geometry.outputWidth > 0 else {
                throw .windowTooLarge(layer: position, name: spec.name, window: size, shape: input)
            }
            shape = [c, geometry.outputHeight, geometry.outputWidth]
        case .globalAvgPool:
            let (c, _, _) = try image()
            shape = [c]
        case .dense(let units):
            guard shape.count == 1 else { throw .needsFlatInput(layer: position, name: spec.name, shape: shape) }
            try positive(units, "units")
            parameters = units * shape[0] + units
            shape = [units]
        case .flatten:
            shape = [shape.reduce(1, *)]
        case .dropout(let rate):
            guard rate >= 0, rate < 1 else {
                throw .invalidParameter(layer: position, name: spec.name, parameter: "rate", reason: "it must be at least 0 and below 1 but is \(rate)")
            }
        case .batchNorm:
            parameters = 2 * shape[0]
            buffers = 2 * shape[0]
        case .leakyReLU(let slope):
            guard slope.isFinite, slope >= 0 else {
                throw .invalidParameter(layer: position, name: spec.name, parameter: "slope", reason: "it must be a finite number of at least 0 but is \(slope)")
            }
        case .elu(let alpha):
            guard alpha.isFinite, alpha > 0 else {
                throw .invalidParameter(layer: position, name: spec.name, parameter: "alpha", reason: "it must be a finite positive number but is \(alpha)")
            }
        case .relu, .gelu, .sigmoid, .tanh:
            break
        }
        plans.append(LayerPlan(inputShape: input, outputShape: shape, parameterCount: parameters, bufferCount: buffers))
    }
    return plans
}

/// The output size and padding of a convolution or pooling window along both axes.
struct ConvolutionGeometry: Sendable, Equatable {
    var outputHeight: Int
    var outputWidth: Int
    var padTop: Int
    var padLeft: Int

    init(height: Int, width: Int, kernel: Int, stride: Int, padding: Padding) {
        switch padding {
        case .valid:
            outputHeight = height >= kernel ? (height - kernel) / stride + 1 : 0
            outputWidth = width >= kernel ? (width - kernel) / stride + 1 : 0
            padTop = 0
            padLeft = 0
        case .same:
            outputHeight = (height + stride - 1) / stride
            outputWidth = (width + stride - 1) / stride
            padTop = max((outputHeight - 1) * stride + kernel - height, 0) / 2
            padLeft = max((outputWidth - 1) * stride + kernel - width, 0) / 2
        }
    }
}
