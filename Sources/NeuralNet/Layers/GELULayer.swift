import TensorCore

/// `gelu`: `x · Φ(x)` with Φ the standard normal CDF (Hendrycks and Gimpel, 2016), computed
/// exactly with `erf`; exported written out with `Erf` (ONNX's `Gelu` needs opset 20).
public struct GELULayer: ActivationLayerKind {
    public init() {}

    public static let name = "gelu"
    public static let codingKey = "gelu"
    public static let traits: LayerTraits = [.activation, .rectifier, .independentSamples]

    public var function: ActivationFunction { .gelu }

    public func export<Graph: LayerGraph>(_ layer: ExportedLayer, into graph: inout Graph) -> String {
        // 0.5 · x · (1 + erf(x · 1/√2)), as NeuralNet computes it.
        let x = layer.input, prefix = layer.prefix
        let inverseRoot2 = graph.constant("\(prefix).inverse_sqrt2", 0.707_106_77)
        let one = graph.constant("\(prefix).one", 1)
        let half = graph.constant("\(prefix).half", 0.5)
        var y = graph.node("Mul", prefix + ".scaled", inputs: [x, inverseRoot2])
        y = graph.node("Erf", prefix + ".erf", inputs: [y])
        y = graph.node("Add", prefix + ".cdf", inputs: [y, one])
        y = graph.node("Mul", prefix + ".times_x", inputs: [x, y])
        return graph.node("Mul", prefix, inputs: [y, half])
    }
}

extension LayerSpec {
    /// `x · Φ(x)`.
    public static let gelu = LayerSpec(GELULayer())
}
