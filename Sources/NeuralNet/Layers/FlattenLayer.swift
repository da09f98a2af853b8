import TensorCore

/// `flatten`: reshapes `[C, H, W]` to `[C·H·W]`; no kernel, the values stay where they are.
public struct FlattenLayer: LayerKind {
    public init() {}

    public static let name = "flatten"
    public static let codingKey = "flatten"
    public static let traits: LayerTraits = [.imagesOnly, .independentSamples]

    public func plan(_ input: LayerInput) throws(NeuralNetError) -> LayerShape {
        LayerShape(outputShape: [input.shape.reduce(1, *)])
    }

    public func kernel(_ request: KernelRequest) -> LayerKernelBox? { nil }

    public func export<Graph: LayerGraph>(_ layer: ExportedLayer, into graph: inout Graph) -> String {
        graph.node("Flatten", layer.prefix, inputs: [layer.input], attributes: [.int("axis", 1)])
    }
}

extension LayerSpec {
    /// Reshapes `[C, H, W]` to `[C·H·W]`.
    public static let flatten = LayerSpec(FlattenLayer())
}
