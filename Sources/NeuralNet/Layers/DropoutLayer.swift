import TensorCore

/// `dropout`: inverted dropout. In training, zeroes each value with probability `rate` and
/// scales the rest by `1 / (1 − rate)` (``DropoutKernel``); the identity in evaluation, and left
/// out of exports.
public struct DropoutLayer: LayerKind {
    public var rate: Float = 0

    public init() {}

    public init(rate: Float) { self.rate = rate }

    public static let name = "dropout"
    public static let codingKey = "dropout"
    public static let primaryField: String? = "rate"
    public static let example = "- dropout: 0.3"
    public static let traits: LayerTraits = [.independentSamples]
    public static var fields: [LayerField<Self>] {
        [.number("rate", \.rate, .halfOpen(0, 1), required: true, doc: "The share of values zeroed in training")]
    }

    public var details: String { "rate \(rate)" }

    public func plan(_ input: LayerInput) throws(NeuralNetError) -> LayerShape {
        guard rate >= 0, rate < 1 else { throw input.invalid("rate", "it must be at least 0 and below 1 but is \(rate)") }
        return LayerShape(outputShape: input.shape)
    }

    public func kernel(_ request: KernelRequest) -> LayerKernelBox? {
        request.training && rate > 0 ? LayerKernelBox(DropoutKernel(size: request.input.reduce(1, *), rate: rate)) : nil
    }

    public func export<Graph: LayerGraph>(_ layer: ExportedLayer, into graph: inout Graph) -> String { layer.input }
}

extension LayerSpec {
    /// Inverted dropout with probability `rate`; the identity in evaluation.
    public static func dropout(rate: Float) -> LayerSpec { LayerSpec(DropoutLayer(rate: rate)) }
}
