import TensorCore

/// `sigmoid`: `1 / (1 + e⁻ˣ)`.
public struct SigmoidLayer: ActivationLayerKind {
    public init() {}

    public static let name = "sigmoid"
    public static let codingKey = "sigmoid"

    public var function: ActivationFunction { .sigmoid }

    public func export<Graph: LayerGraph>(_ layer: ExportedLayer, into graph: inout Graph) -> String {
        graph.node("Sigmoid", layer.prefix, inputs: [layer.input])
    }
}

extension LayerSpec {
    /// `1 / (1 + e⁻ˣ)`.
    public static let sigmoid = LayerSpec(SigmoidLayer())
}
