import TensorCore

/// `sigmoid`: `1 / (1 + e⁻ˣ)`.
public struct SigmoidLayer: LayerKind {
    public init() {}

    public static let name = "sigmoid"
    public static let codingKey = "sigmoid"
    public static let traits: LayerTraits = [.activation, .independentSamples]

    public func plan(_ input: LayerInput) throws(NeuralNetError) -> LayerShape { LayerShape(outputShape: input.shape) }

    public func kernel(_ request: KernelRequest) -> LayerKernelBox? { .activation(.sigmoid, request) }

    public func export<Graph: LayerGraph>(_ layer: ExportedLayer, into graph: inout Graph) -> String {
        graph.node("Sigmoid", layer.prefix, inputs: [layer.input])
    }
}

extension LayerSpec {
    /// `1 / (1 + e⁻ˣ)`.
    public static let sigmoid = LayerSpec(SigmoidLayer())
}
