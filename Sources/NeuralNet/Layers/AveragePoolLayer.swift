import TensorCore

/// `avgpool`: average pooling over `size×size` windows moved by `stride` (default: `size`), no
/// padding (``AveragePoolKernel``).
public struct AveragePoolLayer: PoolingLayerKind {
    public var size = 2
    public var stride: Int?

    public init() {}

    public static let name = "avgpool"
    public static let codingKey = "avgPool"

    public func kernel(_ request: KernelRequest) -> LayerKernelBox? {
        let input = request.input
        return LayerKernelBox(AveragePoolKernel(channels: input[0], height: input[1], width: input[2], size: size, stride: stride ?? size))
    }

    public func export<Graph: LayerGraph>(_ layer: ExportedLayer, into graph: inout Graph) -> String {
        graph.node("AveragePool", layer.prefix, inputs: [layer.input], attributes: attributes)
    }
}

extension LayerSpec {
    /// Average pooling over `size×size` windows moved by `stride` (default: `size`), no padding.
    public static func avgPool(size: Int, stride: Int? = nil) -> LayerSpec { LayerSpec(AveragePoolLayer(size: size, stride: stride)) }
}
