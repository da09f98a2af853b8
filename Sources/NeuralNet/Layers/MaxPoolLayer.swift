import TensorCore

/// `maxpool`: max pooling over `size×size` windows moved by `stride` (default: `size`), no padding
/// (``MaxPoolKernel``).
public struct MaxPoolLayer: LayerKind, PoolSettingsStorage {
    public var size = 2
    public var stride: Int?

    public init() {}

    public init(size: Int, stride: Int? = nil) { (self.size, self.stride) = (size, stride) }

    public static let name = "maxpool"
    public static let codingKey = "maxPool"
    public static let primaryField: String? = "size"
    public static let example = "- maxpool: 2"
    public static let traits: LayerTraits = [.imagesOnly]
    public static var fields: [LayerField<Self>] { PoolSettings.fields() }

    public var details: String { PoolSettings.details(self) }

    /// Whether a convolution can compute this pooling itself (``LayerTraits/absorbsPool``).
    var isPairwise: Bool { size == 2 && (stride ?? size) == 2 }

    public func plan(_ input: LayerInput) throws(NeuralNetError) -> LayerShape { try PoolSettings.plan(input, self) }

    public func kernel(_ request: KernelRequest) -> LayerKernelBox? {
        let input = request.input
        return LayerKernelBox(MaxPoolKernel(channels: input[0], height: input[1], width: input[2], size: size, stride: stride ?? size))
    }

    public func export<Graph: LayerGraph>(_ layer: ExportedLayer, into graph: inout Graph) -> String {
        graph.node("MaxPool", layer.prefix, inputs: [layer.input], attributes: PoolSettings.attributes(self))
    }
}

extension LayerSpec {
    /// Max pooling over `size×size` windows moved by `stride` (default: `size`), no padding.
    public static func maxPool(size: Int, stride: Int? = nil) -> LayerSpec { LayerSpec(MaxPoolLayer(size: size, stride: stride)) }
}

/// A layer with a pooling window's settings.
protocol PoolSettingsStorage {
    var size: Int { get set }
    var stride: Int? { get set }
}

/// What `maxpool` and `avgpool` share: their settings, shapes and ONNX attributes.
enum PoolSettings {
    /// `size`, `stride`.
    static func fields<Layer: LayerKind & PoolSettingsStorage>() -> [LayerField<Layer>] {
        [
            .integer("size", \.size, 1...1024, doc: "The side of the square window."),
            .integer("stride", \.stride, 1...1024, doc: "The step between windows (default: the size)."),
        ]
    }

    static func details(_ pool: some PoolSettingsStorage) -> String {
        "\(pool.size)×\(pool.size), stride \(pool.stride ?? pool.size)"
    }

    static func plan(_ input: LayerInput, _ pool: some PoolSettingsStorage) throws(NeuralNetError) -> LayerShape {
        let (channels, _, _) = try input.image()
        try input.requirePositive(pool.size, "size")
        try input.requirePositive(pool.stride ?? pool.size, "stride")
        let geometry = try input.windowGeometry(window: pool.size, stride: pool.stride ?? pool.size, padding: .valid)
        return LayerShape(outputShape: [channels, geometry.outputHeight, geometry.outputWidth])
    }

    static func attributes(_ pool: some PoolSettingsStorage) -> [GraphAttribute] {
        let stride = pool.stride ?? pool.size
        return [.ints("kernel_shape", [pool.size, pool.size]), .ints("strides", [stride, stride]), .ints("pads", [0, 0, 0, 0])]
    }
}
