import TensorCore

/// `dense`: a fully connected layer `y = W x + b` with `units` outputs (``DenseKernel``).
/// Parameters: weights `[units, inputs]`, then the biases.
public struct DenseLayer: LayerKind {
    public var units = 0

    public init() {}

    public init(units: Int) { self.units = units }

    public static let name = "dense"
    public static let codingKey = "dense"
    public static let primaryField: String? = "units"
    public static let example = "- dense: 128"
    public static let traits: LayerTraits = [.independentSamples, .absorbsReLU, .foldsBatchNorm]
    public static var fields: [LayerField<Self>] {
        [.integer("units", \.units, 1...1_048_576, required: true, doc: "The number of outputs")]
    }

    public var details: String { "\(units) units" }

    public func plan(_ input: LayerInput) throws(NeuralNetError) -> LayerShape {
        let features = try input.features()
        try input.requirePositive(units, "units")
        return LayerShape(outputShape: [units], parameterCount: units * features + units)
    }

    public func parameterShapes(input: [Int]) -> [[Int]] { [[units, input[0]], [units]] }

    public func weightBlocks(input: [Int]) -> [WeightBlock] {
        [WeightBlock(fanIn: input[0], fanOut: units, count: units * input[0])]
    }

    public func kernel(_ request: KernelRequest) -> LayerKernelBox? {
        LayerKernelBox(DenseKernel(inputs: request.input[0], units: units, fusedReLU: request.fusedReLU, precision: request.precision))
    }

    public func export<Graph: LayerGraph>(_ layer: ExportedLayer, into graph: inout Graph) -> String {
        let weight = graph.tensor("\(layer.prefix).weight", layer.parameters[0])
        let bias = graph.tensor("\(layer.prefix).bias", layer.parameters[1])
        return graph.node("Gemm", layer.prefix, inputs: [layer.input, weight, bias], attributes: [
            .float("alpha", 1), .float("beta", 1), .int("transB", 1),
        ])
    }
}

extension LayerSpec {
    /// A fully connected layer `y = W x + b` with `units` outputs.
    public static func dense(units: Int) -> LayerSpec { LayerSpec(DenseLayer(units: units)) }
}
