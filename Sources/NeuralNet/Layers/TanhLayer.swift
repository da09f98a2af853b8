import TensorCore

/// `tanh`: `tanh x`.
public struct TanhLayer: LayerKind {
    public init() {}

    public static let name = "tanh"
    public static let codingKey = "tanh"
    public static let traits: LayerTraits = [.activation, .independentSamples]

    public func plan(_ input: LayerInput) throws(NeuralNetError) -> LayerShape { LayerShape(outputShape: input.shape) }

    public func kernel(_ request: KernelRequest) -> LayerKernelBox? { .activation(.tanh, request) }

    public func export<Graph: LayerGraph>(_ layer: ExportedLayer, into graph: inout Graph) -> String {
        graph.node("Tanh", layer.prefix, inputs: [layer.input])
    }
}

extension LayerSpec {
    /// `tanh x`.
    public static let tanh = LayerSpec(TanhLayer())
}
