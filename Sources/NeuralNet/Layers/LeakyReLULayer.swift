import TensorCore

/// `leaky-relu`: `x` for `x > 0`, else `slope · x`.
public struct LeakyReLULayer: ActivationLayerKind {
    public var slope: Float = 0.01

    public init() {}

    public init(slope: Float) { self.slope = slope }

    public static let name = "leaky-relu"
    public static let codingKey = "leakyReLU"
    public static let primaryField: String? = "slope"
    public static let example = "- leaky-relu: 0.1"
    public static let traits: LayerTraits = [.activation, .rectifier, .independentSamples]
    public static var fields: [LayerField<Self>] {
        [.number("slope", \.slope, .closed(0, 1000), doc: "The slope for negative inputs.")]
    }

    public var details: String { "slope \(slope)" }

    public func plan(_ input: LayerInput) throws(NeuralNetError) -> LayerShape {
        guard slope.isFinite, slope >= 0 else {
            throw input.invalid("slope", "it must be a finite number of at least 0 but is \(slope)")
        }
        return LayerShape(outputShape: input.shape)
    }

    public var function: ActivationFunction { .leakyReLU(slope: slope) }

    public func export<Graph: LayerGraph>(_ layer: ExportedLayer, into graph: inout Graph) -> String {
        graph.node("LeakyRelu", layer.prefix, inputs: [layer.input], attributes: [.float("alpha", slope)])
    }
}

extension LayerSpec {
    /// `x` for `x > 0`, else `slope · x`.
    public static func leakyReLU(slope: Float = 0.01) -> LayerSpec { LayerSpec(LeakyReLULayer(slope: slope)) }
}
