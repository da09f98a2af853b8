import TensorCore

/// `relu`: `max(x, 0)`. The convolution, dense or batch-norm layer before it computes it itself.
public struct ReLULayer: LayerKind {
    public init() {}

    public static let name = "relu"
    public static let codingKey = "relu"
    public static let traits: LayerTraits = [.activation, .rectifier, .independentSamples]

    public func plan(_ input: LayerInput) throws(NeuralNetError) -> LayerShape { LayerShape(outputShape: input.shape) }

    public func kernel(_ request: KernelRequest) -> LayerKernelBox? { .activation(.relu, request) }

    public func export<Graph: LayerGraph>(_ layer: ExportedLayer, into graph: inout Graph) -> String {
        graph.node("Relu", layer.prefix, inputs: [layer.input])
    }
}

extension LayerSpec {
    /// `max(x, 0)`.
    public static let relu = LayerSpec(ReLULayer())
}
