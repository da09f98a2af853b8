import TensorCore

/// `batchnorm`: batch normalisation over the batch (and positions, after a convolution), with
/// learned scale and shift and running statistics for evaluation (momentum 0.1, ε = 1e-5;
/// ``BatchNormKernel``). Parameters: scale `[C]` (starting at 1), shift `[C]`; buffers: running
/// mean `[C]`, running variance `[C]` (starting at 1).
public struct BatchNormLayer: LayerKind {
    public init() {}

    public static let name = "batchnorm"
    public static let codingKey = "batchNorm"
    public static let traits: LayerTraits = [.absorbsReLU]

    public func plan(_ input: LayerInput) throws(NeuralNetError) -> LayerShape {
        LayerShape(outputShape: input.shape, parameterCount: 2 * input.shape[0], bufferCount: 2 * input.shape[0])
    }

    public func parameterShapes(input: [Int]) -> [[Int]] { [[input[0]], [input[0]]] }

    public func initialize(input: [Int], parameters: inout ArraySlice<Float>, buffers: inout ArraySlice<Float>) {
        let channels = input[0]
        for c in 0..<channels { parameters[parameters.startIndex + c] = 1 }
        for c in 0..<channels { buffers[buffers.startIndex + channels + c] = 1 }
    }

    public func kernel(_ request: KernelRequest) -> LayerKernelBox? {
        let input = request.input
        return LayerKernelBox(BatchNormKernel(channels: input[0], positions: input.dropFirst().reduce(1, *), fusedReLU: request.fusedReLU))
    }

    public func export<Graph: LayerGraph>(_ layer: ExportedLayer, into graph: inout Graph) -> String {
        let channels = layer.inputShape[0], prefix = layer.prefix
        let scale = graph.tensor("\(prefix).weight", layer.parameters[0])
        let bias = graph.tensor("\(prefix).bias", layer.parameters[1])
        let mean = graph.tensor("\(prefix).running_mean", shape: [channels], values: Array(layer.buffers[..<channels]))
        let variance = graph.tensor("\(prefix).running_var", shape: [channels], values: Array(layer.buffers[channels..<2 * channels]))
        return graph.node("BatchNormalization", prefix, inputs: [layer.input, scale, bias, mean, variance],
                          attributes: [.float("epsilon", 1e-5), .float("momentum", 0.9)])
    }
}

extension LayerSpec {
    /// Batch normalisation with learned scale and shift and running statistics for evaluation.
    public static let batchNorm = LayerSpec(BatchNormLayer())
}
