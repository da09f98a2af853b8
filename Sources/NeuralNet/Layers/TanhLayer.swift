import TensorCore

/// `tanh`: `tanh x`.
public struct TanhLayer: ActivationLayerKind {
    public init() {}

    public static let name = "tanh"
    public static let codingKey = "tanh"

    public var function: ActivationFunction { .tanh }

    public func export<Graph: LayerGraph>(_ layer: ExportedLayer, into graph: inout Graph) -> String {
        graph.node("Tanh", layer.prefix, inputs: [layer.input])
    }
}

extension LayerSpec {
    /// `tanh x`.
    public static let tanh = LayerSpec(TanhLayer())
}
