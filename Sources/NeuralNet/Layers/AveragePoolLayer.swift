import TensorCore

/// `avgpool`: average pooling over `size×size` windows moved by `stride` (default: `size`), no
/// padding (``AveragePoolKernel``).
public struct AveragePoolLayer: LayerKind, PoolSettingsStorage {
    public var size = 2
    public var stride: Int?

    public init() {}

    public init(size: Int, stride: Int? = nil) { (self.size, self.stride) = (size, stride) }

    public static let name = "avgpool"
    public static let codingKey = "avgPool"
    public static let primaryField: String? = "size"
    public static let example = "- avgpool: 2"
    public static let traits: LayerTraits = [.imagesOnly]
    public static var fields: [LayerField<Self>] { PoolSettings.fields() }

    public var details: String { PoolSettings.details(self) }

    public func plan(_ input: LayerInput) throws(NeuralNetError) -> LayerShape { try PoolSettings.plan(input, self) }

    public func kernel(_ request: KernelRequest) -> LayerKernelBox? {
        let input = request.input
        return LayerKernelBox(AveragePoolKernel(channels: input[0], height: input[1], width: input[2], size: size, stride: stride ?? size))
    }

    public func export<Graph: LayerGraph>(_ layer: ExportedLayer, into graph: inout Graph) -> String {
        graph.node("AveragePool", layer.prefix, inputs: [layer.input], attributes: PoolSettings.attributes(self))
    }
}

extension LayerSpec {
    /// Average pooling over `size×size` windows moved by `stride` (default: `size`), no padding.
    public static func avgPool(size: Int, stride: Int? = nil) -> LayerSpec { LayerSpec(AveragePoolLayer(size: size, stride: stride)) }
}
