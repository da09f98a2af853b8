import TensorCore

/// `avgpool`: average pooling over `size×size` windows moved by `stride` (default: `size`), no
/// padding (``AveragePoolKernel``).
public struct AveragePoolLayer: PoolingLayerKind {
    public var size = 2
    public var stride: Int?

    public init() {}

    public static let name = "avgpool"
    public static let codingKey = "avgPool"

    public func kernel(_ request: KernelRequest) -> LayerKernelBox? { windowKernel(AveragePoolKernel.self, request) }

    public func export<Graph: LayerGraph>(_ layer: ExportedLayer, into graph: inout Graph) -> String {
        export("AveragePool", layer, into: &graph)
    }
}

extension LayerSpec {
    /// Average pooling over `size×size` windows moved by `stride` (default: `size`), no padding.
    public static func avgPool(size: Int, stride: Int? = nil) -> LayerSpec { LayerSpec(AveragePoolLayer(size: size, stride: stride)) }
}
