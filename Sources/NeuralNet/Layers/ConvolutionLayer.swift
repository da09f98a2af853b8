import TensorCore

/// `conv`: a 2-D convolution with `filters` square `kernel×kernel` filters plus a bias per filter
/// (``ConvolutionKernel``). Parameters: weights `[filters, C, k, k]`, then the biases.
public struct ConvolutionLayer: ConvolutionLayerKind {
    public var filters = 0
    public var kernel = 3
    public var stride = 1
    public var padding = Padding.same

    public init() {}

    public static let name = "conv"
    public static let codingKey = "conv"
    public static let example = "- conv: {filters: 32, kernel: 3, padding: same}"
    public static let traits: LayerTraits = [.imagesOnly, .absorbsReLU, .absorbsPool, .foldsBatchNorm]
    public var details: String { "\(filters) filters \(kernel)×\(kernel), stride \(stride), \(padding.rawValue)" }

    public func plan(_ input: LayerInput) throws(NeuralNetError) -> LayerShape {
        let (channels, geometry) = try windows(input)
        return LayerShape(outputShape: [filters, geometry.outputHeight, geometry.outputWidth],
                          parameterCount: filters * channels * kernel * kernel + filters)
    }

    public func parameterShapes(input: [Int]) -> [[Int]] { [[filters, input[0], kernel, kernel], [filters]] }

    public func weightBlocks(input: [Int]) -> [WeightBlock] {
        let fanIn = input[0] * kernel * kernel
        return [WeightBlock(fanIn: fanIn, fanOut: filters * kernel * kernel, count: filters * fanIn)]
    }

    public func kernel(_ request: KernelRequest) -> LayerKernelBox? {
        let input = request.input
        return LayerKernelBox(ConvolutionKernel(
            channels: input[0], height: input[1], width: input[2], filters: filters, kernel: kernel,
            stride: stride, padding: padding, fusedReLU: request.fusedReLU, fusedPool: request.fusedPool,
            training: request.training))
    }

    public func export<Graph: LayerGraph>(_ layer: ExportedLayer, into graph: inout Graph) -> String {
        let weight = graph.tensor("\(layer.prefix).weight", layer.parameters[0])
        let bias = graph.tensor("\(layer.prefix).bias", layer.parameters[1])
        return graph.node("Conv", layer.prefix, inputs: [layer.input, weight, bias],
                          attributes: attributes(layer, groups: 1))
    }
}

extension LayerSpec {
    /// A 2-D convolution with `filters` square `kernel×kernel` filters plus a bias per filter.
    public static func conv(filters: Int, kernel: Int, stride: Int = 1, padding: Padding = .same) -> LayerSpec {
        LayerSpec(ConvolutionLayer(filters: filters, kernel: kernel, stride: stride, padding: padding))
    }
}

/// A convolution's kind (`conv`, `depthwise-conv`): its settings, their fields, the shape
/// checks and the ONNX attributes of its windows.
public protocol ConvolutionLayerKind: LayerKind {
    /// The number of output channels.
    var filters: Int { get set }
    /// The side of the square kernel.
    var kernel: Int { get set }
    /// The step between windows.
    var stride: Int { get set }
    /// How the border is treated.
    var padding: Padding { get set }
}

extension ConvolutionLayerKind {
    /// The layer with these settings.
    public init(filters: Int, kernel: Int, stride: Int = 1, padding: Padding = .same) {
        self.init()
        (self.filters, self.kernel, self.stride, self.padding) = (filters, kernel, stride, padding)
    }

    public static var primaryField: String? { "filters" }

    /// `filters`, `kernel`, `stride`, `padding`.
    public static var fields: [LayerField<Self>] {
        [
            .integer("filters", \.filters, 1...65_536, required: true, doc: "The number of filters"),
            .integer("kernel", \.kernel, 1...1024, doc: "The side of the square kernel."),
            .integer("stride", \.stride, 1...1024, doc: "The step between windows."),
            .choice("padding", \.padding, doc: "'same' keeps the size (at stride 1), 'valid' pads nothing."),
        ]
    }

    /// Checks the settings against the input; returns its channels and the windows' geometry.
    func windows(_ input: LayerInput) throws(NeuralNetError) -> (channels: Int, geometry: ConvolutionGeometry) {
        let (channels, _, _) = try input.image()
        try input.requirePositive(filters, "filters")
        try input.requirePositive(kernel, "kernel")
        try input.requirePositive(stride, "stride")
        return (channels, try input.windowGeometry(window: kernel, stride: stride, padding: padding))
    }

    /// ONNX `Conv`'s attributes for the windows, with explicit pads (the odd pixel of `same`
    /// padding after, as NeuralNet pads).
    func attributes(_ layer: ExportedLayer, groups: Int) -> [GraphAttribute] {
        let geometry = ConvolutionGeometry(height: layer.inputShape[1], width: layer.inputShape[2], kernel: kernel,
                                           stride: stride, padding: padding)
        return [.ints("kernel_shape", [kernel, kernel]), .ints("strides", [stride, stride]), .ints("pads", geometry.onnxPads),
                .ints("dilations", [1, 1]), .int("group", groups)]
    }
}
