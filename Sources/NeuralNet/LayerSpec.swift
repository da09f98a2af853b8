import TensorCore

/// How a convolution treats the border of its input.
public enum Padding: String, Codable, Sendable, Equatable, Hashable, CaseIterable {
    /// Zero-pad so that the output has `⌈size / stride⌉` positions (TensorFlow's rule; the odd
    /// extra pixel goes after).
    case same
    /// No padding: the output has `⌊(size − kernel) / stride⌋ + 1` positions.
    case valid
}

/// One layer of a ``Sequential`` model, as a user writes it: a value of one of the
/// ``LayerKind``s that ``LayerKinds/all`` lists.
///
/// Specs are plain values: they are `Codable` (a model's architecture is stored with its weights,
/// each layer as `{"KEY": {settings}}` under its kind's ``LayerKind/codingKey``) and carry no
/// weights themselves. Image tensors are NCHW. Each kind's file adds its constructor:
///
/// ```swift
/// let layers: [LayerSpec] = [
///     .conv(filters: 32, kernel: 3), .relu, .maxPool(size: 2),
///     .flatten, .dense(units: 10),
/// ]
/// ```
public struct LayerSpec: Codable, Sendable, Hashable, CustomStringConvertible {
    /// The layer, with its settings.
    public let kind: any LayerKind

    /// The layer `kind`.
    public init(_ kind: some LayerKind) { self.kind = kind }

    /// The layer's name as users write it and messages quote it.
    public var name: String { type(of: kind).name }

    /// What the layer is and what it fuses with.
    public var traits: LayerTraits { type(of: kind).traits }

    /// The layer's settings in words, for summaries.
    public var details: String { kind.details }

    /// Whether the layer is an activation function applied element by element.
    public var isActivation: Bool { traits.contains(.activation) }

    /// Whether the layer is one that He initialisation is designed for (the ReLU family).
    var isRectifier: Bool { traits.contains(.rectifier) }

    /// The layer as a kind `Kind`, if it is one.
    public func `as`<Kind: LayerKind>(_ kind: Kind.Type) -> Kind? { self.kind as? Kind }

    public var description: String { details.isEmpty ? name : "\(name) (\(details))" }

    public static func == (lhs: LayerSpec, rhs: LayerSpec) -> Bool { AnyHashable(lhs.kind) == AnyHashable(rhs.kind) }

    public func hash(into hasher: inout Hasher) { hasher.combine(AnyHashable(kind)) }

    private struct Key: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(_ text: String) { stringValue = text }
        init?(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: Key.self)
        guard container.allKeys.count == 1, let key = container.allKeys.first else {
            throw DecodingError.dataCorrupted(.init(codingPath: container.codingPath, debugDescription: "A layer is one key, its kind."))
        }
        guard let kind = LayerKinds.all.first(where: { $0.codingKey == key.stringValue }) else {
            throw DecodingError.dataCorrupted(.init(codingPath: container.codingPath + [key], debugDescription: "Unknown layer kind '\(key.stringValue)'."))
        }
        func decode<Kind: LayerKind>(_ type: Kind.Type) throws -> any LayerKind { try container.decode(type, forKey: key) }
        self.kind = try decode(kind)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Key.self)
        try container.encode(kind, forKey: Key(type(of: kind).codingKey))
    }
}

/// Every layer kind loom knows, in the order help lists them: the one list to add a kind to.
public enum LayerKinds {
    public static let all: [any LayerKind.Type] = [
        ConvolutionLayer.self,
        DepthwiseConvolutionLayer.self,
        MaxPoolLayer.self,
        AveragePoolLayer.self,
        GlobalAveragePoolLayer.self,
        FlattenLayer.self,
        DenseLayer.self,
        DropoutLayer.self,
        BatchNormLayer.self,
        ReLULayer.self,
        LeakyReLULayer.self,
        ELULayer.self,
        GELULayer.self,
        SigmoidLayer.self,
        TanhLayer.self,
    ]

    /// Problems with the registry itself: repeated names or coding keys, fields that name no
    /// setting. A test runs it.
    public static func problems() -> [String] {
        var problems: [String] = []
        var names = Set<String>(), keys = Set<String>()
        for kind in all {
            if !names.insert(kind.name).inserted { problems.append("the layer name '\(kind.name)' is used twice") }
            if !keys.insert(kind.codingKey).inserted { problems.append("the coding key '\(kind.codingKey)' is used twice") }
            problems += fieldProblems(kind)
        }
        return problems
    }

    private static func fieldProblems<Kind: LayerKind>(_ kind: Kind.Type) -> [String] {
        var problems: [String] = []
        let names = Kind.fields.map(\.name)
        if Set(names).count != names.count { problems.append("'\(Kind.name)' declares a setting twice") }
        if let primary = Kind.primaryField, !names.contains(primary) {
            problems.append("'\(Kind.name)' has the primary setting '\(primary)', which it does not declare")
        }
        return problems
    }
}

/// The shape each layer produces and the number of values it stores.
struct LayerPlan: Sendable {
    var inputShape: [Int]
    var outputShape: [Int]
    var parameterCount: Int
    var bufferCount: Int
}

/// Infers every layer's output shape, checking each layer's needs in order.
///
/// - Throws: ``NeuralNetError`` naming the first layer whose input does not fit it.
func planLayers(_ layers: [LayerSpec], inputShape: [Int]) throws(NeuralNetError) -> [LayerPlan] {
    guard inputShape.count == 3 || inputShape.count == 1, inputShape.allSatisfy({ $0 > 0 }) else {
        throw .invalidInputShape(inputShape)
    }
    var shape = inputShape
    var plans = [LayerPlan]()
    for (index, spec) in layers.enumerated() {
        let planned = try spec.kind.plan(LayerInput(shape: shape, position: index + 1, name: spec.name))
        plans.append(LayerPlan(inputShape: shape, outputShape: planned.outputShape,
                               parameterCount: planned.parameterCount, bufferCount: planned.bufferCount))
        shape = planned.outputShape
    }
    return plans
}

/// The output size and padding of a convolution or pooling window along both axes.
struct ConvolutionGeometry: Sendable, Equatable {
    var outputHeight: Int
    var outputWidth: Int
    var padTop: Int
    var padLeft: Int

    /// The padding after the image: the odd extra pixel of `same` padding goes there.
    var padBottom = 0
    var padRight = 0

    init(height: Int, width: Int, kernel: Int, stride: Int, padding: Padding) {
        switch padding {
        case .valid:
            outputHeight = height >= kernel ? (height - kernel) / stride + 1 : 0
            outputWidth = width >= kernel ? (width - kernel) / stride + 1 : 0
            padTop = 0
            padLeft = 0
        case .same:
            outputHeight = (height + stride - 1) / stride
            outputWidth = (width + stride - 1) / stride
            let totalHeight = max((outputHeight - 1) * stride + kernel - height, 0)
            let totalWidth = max((outputWidth - 1) * stride + kernel - width, 0)
            (padTop, padBottom) = (totalHeight / 2, totalHeight - totalHeight / 2)
            (padLeft, padRight) = (totalWidth / 2, totalWidth - totalWidth / 2)
        }
    }
}

extension ConvolutionGeometry {
    /// ONNX's `pads`: `[top, left, bottom, right]`.
    var onnxPads: [Int] { [padTop, padLeft, padBottom, padRight] }
}
