import TensorCore

/// `global-avgpool`: the mean of each channel over all positions, `[C, H, W] → [C]`
/// (``GlobalAveragePoolKernel``).
public struct GlobalAveragePoolLayer: LayerKind {
    public init() {}

    public static let name = "global-avgpool"
    public static let codingKey = "globalAvgPool"
    public static let traits: LayerTraits = [.imagesOnly]

    public func plan(_ input: LayerInput) throws(NeuralNetError) -> LayerShape {
        LayerShape(outputShape: [try input.image().channels])
    }

    public func kernel(_ request: KernelRequest) -> LayerKernelBox? {
        let input = request.input
        return LayerKernelBox(GlobalAveragePoolKernel(channels: input[0], positions: input[1] * input[2]))
    }

    public func export<Graph: LayerGraph>(_ layer: ExportedLayer, into graph: inout Graph) -> String {
        let pooled = graph.node("GlobalAveragePool", layer.prefix, inputs: [layer.input])
        return graph.node("Flatten", layer.prefix + ".flatten", inputs: [pooled], attributes: [.int("axis", 1)])
    }
}

extension LayerSpec {
    /// The mean of each channel over all positions: `[C, H, W] → [C]`.
    public static let globalAvgPool = LayerSpec(GlobalAveragePoolLayer())
}
