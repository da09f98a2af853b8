import TensorCore

/// `depthwise-conv`: a depthwise-separable convolution, a `kernel×kernel` filter per input
/// channel, then a 1×1 convolution to `filters` channels with a bias per filter
/// (``DepthwiseConvolutionKernel``). Parameters: depthwise `[C, k, k]`, pointwise `[filters, C]`,
/// then the biases; exported as PyTorch's `nn.Conv2d(C, C, k, groups=C, bias=False)` then
/// `nn.Conv2d(C, filters, 1)`.
public struct DepthwiseConvolutionLayer: ConvolutionLayerKind {
    public var filters = 0
    public var kernel = 3
    public var stride = 1
    public var padding = Padding.same

    public init() {}

    public static let name = "depthwise-conv"
    public static let codingKey = "depthwiseConv"
    public static let example = "- depthwise-conv: {filters: 64, kernel: 3}"
    public static let traits: LayerTraits = [.imagesOnly]

    public var details: String {
        "\(filters) filters, \(kernel)×\(kernel) depthwise then 1×1, stride \(stride), \(padding.rawValue)"
    }

    public func plan(_ input: LayerInput) throws(NeuralNetError) -> LayerShape {
        let (channels, geometry) = try windows(input)
        return LayerShape(outputShape: [filters, geometry.outputHeight, geometry.outputWidth],
                          parameterCount: channels * kernel * kernel + filters * channels + filters)
    }

    public func parameterShapes(input: [Int]) -> [[Int]] {
        let channels = input[0]
        return [[channels, kernel, kernel], [filters, channels], [filters]]
    }

    public func weightBlocks(input: [Int]) -> [WeightBlock] {
        let channels = input[0], depthwise = channels * kernel * kernel
        return [WeightBlock(fanIn: kernel * kernel, fanOut: kernel * kernel, count: depthwise),
                WeightBlock(start: depthwise, fanIn: channels, fanOut: filters, count: filters * channels)]
    }

    public func kernel(_ request: KernelRequest) -> LayerKernelBox? {
        let input = request.input
        return LayerKernelBox(DepthwiseConvolutionKernel(
            channels: input[0], height: input[1], width: input[2], filters: filters, kernel: kernel,
            stride: stride, padding: padding))
    }

    public func export<Graph: LayerGraph>(_ layer: ExportedLayer, into graph: inout Graph) -> String {
        // A grouped convolution (one k×k filter per channel, no bias), then a 1×1 one.
        let channels = layer.inputShape[0], prefix = layer.prefix
        let depthwise = graph.tensor("\(prefix).depthwise.weight", shape: [channels, 1, kernel, kernel],
                                     values: layer.parameters[0].scalars)
        let pointwise = graph.tensor("\(prefix).pointwise.weight", shape: [filters, channels, 1, 1],
                                     values: layer.parameters[1].scalars)
        let bias = graph.tensor("\(prefix).pointwise.bias", layer.parameters[2])
        let middle = graph.node("Conv", prefix + ".depthwise", inputs: [layer.input, depthwise],
                                attributes: attributes(layer, groups: channels))
        return graph.node("Conv", prefix, inputs: [middle, pointwise, bias], attributes: [
            .ints("kernel_shape", [1, 1]), .ints("strides", [1, 1]), .ints("pads", [0, 0, 0, 0]),
            .ints("dilations", [1, 1]), .int("group", 1),
        ])
    }
}

extension LayerSpec {
    /// A depthwise-separable convolution: a `kernel×kernel` filter per input channel, then a 1×1
    /// convolution to `filters` channels with a bias per filter.
    public static func depthwiseConv(filters: Int, kernel: Int, stride: Int = 1, padding: Padding = .same) -> LayerSpec {
        LayerSpec(DepthwiseConvolutionLayer(filters: filters, kernel: kernel, stride: stride, padding: padding))
    }
}
