import TensorCore

/// `elu`: `x` for `x > 0`, else `α (eˣ − 1)` (Clevert et al., 2015).
public struct ELULayer: ActivationLayerKind {
    public var alpha: Float = 1

    public init() {}

    public init(alpha: Float) { self.alpha = alpha }

    public static let name = "elu"
    public static let codingKey = "elu"
    public static let primaryField: String? = "alpha"
    public static let traits: LayerTraits = [.activation, .rectifier, .independentSamples]
    public static var fields: [LayerField<Self>] {
        [.number("alpha", \.alpha, .openClosed(0, 1000), doc: "The value approached for very negative inputs is −alpha.")]
    }

    public var details: String { "alpha \(alpha)" }

    public func plan(_ input: LayerInput) throws(NeuralNetError) -> LayerShape {
        guard alpha.isFinite, alpha > 0 else {
            throw input.invalid("alpha", "it must be a finite positive number but is \(alpha)")
        }
        return LayerShape(outputShape: input.shape)
    }

    public var function: ActivationFunction { .elu(alpha: alpha) }

    public func export<Graph: LayerGraph>(_ layer: ExportedLayer, into graph: inout Graph) -> String {
        graph.node("Elu", layer.prefix, inputs: [layer.input], attributes: [.float("alpha", alpha)])
    }
}

extension LayerSpec {
    /// `x` for `x > 0`, else `α (eˣ − 1)`.
    public static func elu(alpha: Float = 1) -> LayerSpec { LayerSpec(ELULayer(alpha: alpha)) }
}
