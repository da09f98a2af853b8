import TensorCore

/// `maxpool`: max pooling over `size×size` windows moved by `stride` (default: `size`), no padding
/// (``MaxPoolKernel``).
public struct MaxPoolLayer: PoolingLayerKind {
    public var size = 2
    public var stride: Int?

    public init() {}

    public static let name = "maxpool"
    public static let codingKey = "maxPool"

    /// Whether a convolution can compute this pooling itself (``LayerTraits/absorbsPool``).
    var isPairwise: Bool { size == 2 && (stride ?? size) == 2 }

    public func kernel(_ request: KernelRequest) -> LayerKernelBox? { windowKernel(MaxPoolKernel.self, request) }

    public func export<Graph: LayerGraph>(_ layer: ExportedLayer, into graph: inout Graph) -> String {
        export("MaxPool", layer, into: &graph)
    }
}

extension LayerSpec {
    /// Max pooling over `size×size` windows moved by `stride` (default: `size`), no padding.
    public static func maxPool(size: Int, stride: Int? = nil) -> LayerSpec { LayerSpec(MaxPoolLayer(size: size, stride: stride)) }
}

/// A pooling layer's kind (`maxpool`, `avgpool`): `size×size` windows moved by `stride`
/// (default: `size`), no padding; its settings, their fields, its shapes and ONNX attributes.
public protocol PoolingLayerKind: LayerKind {
    /// The side of the square window.
    var size: Int { get set }
    /// The step between windows; `nil` for the size.
    var stride: Int? { get set }
}

extension PoolingLayerKind {
    /// The layer with these settings.
    public init(size: Int, stride: Int? = nil) {
        self.init()
        (self.size, self.stride) = (size, stride)
    }

    public static var primaryField: String? { "size" }
    public static var example: String { "- \(name): 2" }
    public static var traits: LayerTraits { [.imagesOnly] }

    /// `size`, `stride`.
    public static var fields: [LayerField<Self>] {
        [
            .integer("size", \.size, 1...1024, doc: "The side of the square window."),
            .integer("stride", \.stride, 1...1024, doc: "The step between windows (default: the size)."),
        ]
    }

    public var details: String { "\(size)×\(size), stride \(stride ?? size)" }

    public func plan(_ input: LayerInput) throws(NeuralNetError) -> LayerShape {
        let (channels, _, _) = try input.image()
        try input.requirePositive(size, "size")
        try input.requirePositive(stride ?? size, "stride")
        let geometry = try input.windowGeometry(window: size, stride: stride ?? size, padding: .valid)
        return LayerShape(outputShape: [channels, geometry.outputHeight, geometry.outputWidth])
    }

    /// The kernel of type `Kernel` over the windows.
    func windowKernel<Kernel: PoolingWindow & LayerKernel>(_ type: Kernel.Type, _ request: KernelRequest) -> LayerKernelBox {
        let input = request.input
        return LayerKernelBox(Kernel(channels: input[0], height: input[1], width: input[2], size: size, stride: stride ?? size))
    }

    /// The ONNX pooling operator `operation` (`MaxPool`, `AveragePool`) over the windows.
    func export<Graph: LayerGraph>(_ operation: String, _ layer: ExportedLayer, into graph: inout Graph) -> String {
        graph.node(operation, layer.prefix, inputs: [layer.input], attributes: [
            .ints("kernel_shape", [size, size]), .ints("strides", [stride ?? size, stride ?? size]), .ints("pads", [0, 0, 0, 0]),
        ])
    }
}
