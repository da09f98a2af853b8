import TensorCore

/// `relu`: `max(x, 0)`. The convolution, dense or batch-norm layer before it computes it itself.
public struct ReLULayer: ActivationLayerKind {
    public init() {}

    public static let name = "relu"
    public static let codingKey = "relu"
    public static let traits: LayerTraits = [.activation, .rectifier, .independentSamples]

    public var function: ActivationFunction { .relu }

    public func export<Graph: LayerGraph>(_ layer: ExportedLayer, into graph: inout Graph) -> String {
        graph.node("Relu", layer.prefix, inputs: [layer.input])
    }
}

extension LayerSpec {
    /// `max(x, 0)`.
    public static let relu = LayerSpec(ReLULayer())
}
