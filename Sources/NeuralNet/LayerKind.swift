import TensorCore

/// One kind of layer (`conv`, `dropout`, `relu`), with everything loom needs to know about it in
/// one type: its name in notebooks, its settings (typed, with doc and bounds), its output shape
/// and the errors of a wrong input, how its weights start, the kernel that computes it, its saved
/// form and how it is exported.
///
/// The stored properties are the layer's settings; ``init()`` gives every setting its default
/// (a required setting, such as `conv`'s `filters`, any value: cells must write it). The
/// synthesized `Codable` form of the properties is the layer's form in saved models, under
/// ``codingKey``. Every kind is listed once, in ``LayerKinds/all``; adding a layer type is one file
/// with its kind (and its kernel, a `LayerKernel`) and one line there.
public protocol LayerKind: Codable, Sendable, Hashable {
    /// The name cells write and messages quote: `depthwise-conv`.
    static var name: String { get }
    /// The key of the layer in saved models' JSON: `depthwiseConv`.
    static var codingKey: String { get }
    /// The settings as cells write them, in the order help lists them.
    static var fields: [LayerField<Self>] { get }
    /// The setting a single value sets (`dense: 128` sets `units`), if the layer has one.
    static var primaryField: String? { get }
    /// An example for messages and help: `- dense: 128`.
    static var example: String { get }
    /// What the layer is and what it can be fused with.
    static var traits: LayerTraits { get }
    /// The layer with every setting at its default.
    init()
    /// The settings in words, for summaries: `32 filters 3×3, stride 1, same`.
    var details: String { get }
    /// The output shape and the number of values the layer stores, for one sample of `input`.
    ///
    /// - Throws: ``NeuralNetError`` naming the layer (from `input`) when it cannot take the input.
    func plan(_ input: LayerInput) throws(NeuralNetError) -> LayerShape
    /// The shapes of the layer's slices of the parameter vector, in order (weights, then bias).
    func parameterShapes(input: [Int]) -> [[Int]]
    /// The blocks of parameters drawn at random (He or Glorot); the rest start at 0 unless
    /// ``initialize(input:parameters:buffers:)`` sets them.
    func weightBlocks(input: [Int]) -> [WeightBlock]
    /// Sets the parameters and buffers that start at a fixed value (batch norm's scale of 1).
    func initialize(input: [Int], parameters: inout ArraySlice<Float>, buffers: inout ArraySlice<Float>)
    /// The kernel that computes the layer, or `nil` where it leaves its input as it is
    /// (`flatten`, `dropout` in inference).
    func kernel(_ request: KernelRequest) -> LayerKernelBox?
    /// Adds the layer's operators and tensors to an exported graph; returns its output's name.
    func export<Graph: LayerGraph>(_ layer: ExportedLayer, into graph: inout Graph) -> String
}

extension LayerKind {
    public static var fields: [LayerField<Self>] { [] }
    public static var primaryField: String? { nil }
    public static var example: String { "- \(name)" }
    public static var traits: LayerTraits { [] }
    public var details: String { "" }
    public func parameterShapes(input: [Int]) -> [[Int]] { [] }
    public func weightBlocks(input: [Int]) -> [WeightBlock] { [] }
    public func initialize(input: [Int], parameters: inout ArraySlice<Float>, buffers: inout ArraySlice<Float>) {}
}

/// What a layer is and which neighbours its kernel can compute with it.
public struct LayerTraits: OptionSet, Sendable, Hashable {
    public let rawValue: Int
    public init(rawValue: Int) { self.rawValue = rawValue }

    /// The layer only makes sense on images (`train.mlp` rejects it).
    public static let imagesOnly = LayerTraits(rawValue: 1 << 0)
    /// An activation function applied element by element.
    public static let activation = LayerTraits(rawValue: 1 << 1)
    /// A ReLU-family activation, which He initialisation is designed for.
    public static let rectifier = LayerTraits(rawValue: 1 << 2)
    /// Each sample's output depends on that sample alone, also in training (so a training step
    /// may run as independent parts of the batch).
    public static let independentSamples = LayerTraits(rawValue: 1 << 3)
    /// The kernel can apply a `relu` right after the layer itself.
    public static let absorbsReLU = LayerTraits(rawValue: 1 << 4)
    /// The kernel can apply a 2×2 stride-2 `maxpool` (after the absorbed `relu`) itself.
    public static let absorbsPool = LayerTraits(rawValue: 1 << 5)
    /// The parameters are weights `[outputs][fan-in]` then one bias per output, so an inference
    /// batch norm right after it can be folded into them.
    public static let foldsBatchNorm = LayerTraits(rawValue: 1 << 6)
}

/// The input a layer gets while shapes are inferred, with the layer's position for errors.
public struct LayerInput: Sendable {
    /// One sample's shape: `[C, H, W]` or `[features]`.
    public let shape: [Int]
    /// The layer's 1-based position in the model.
    public let position: Int
    /// The layer's name.
    public let name: String

    /// The input as an image, `(C, H, W)`.
    ///
    /// - Throws: ``NeuralNetError/needsImageInput(layer:name:shape:)`` for a flat input.
    public func image() throws(NeuralNetError) -> (channels: Int, height: Int, width: Int) {
        guard shape.count == 3 else { throw .needsImageInput(layer: position, name: name, shape: shape) }
        return (shape[0], shape[1], shape[2])
    }

    /// The number of features of a flat input.
    ///
    /// - Throws: ``NeuralNetError/needsFlatInput(layer:name:shape:)`` for an image.
    public func features() throws(NeuralNetError) -> Int {
        guard shape.count == 1 else { throw .needsFlatInput(layer: position, name: name, shape: shape) }
        return shape[0]
    }

    /// Checks that a whole-number setting is positive.
    public func requirePositive(_ value: Int, _ parameter: String) throws(NeuralNetError) {
        guard value > 0 else {
            throw invalid(parameter, "it must be a positive whole number but is \(value)")
        }
    }

    /// The error of a setting out of range.
    public func invalid(_ parameter: String, _ reason: String) -> NeuralNetError {
        .invalidParameter(layer: position, name: name, parameter: parameter, reason: reason)
    }

    /// The output size of a `window×window` window moved by `stride` over the image, checked to
    /// leave at least one position.
    ///
    /// - Throws: ``NeuralNetError/windowTooLarge(layer:name:window:shape:)`` when it leaves none.
    func windowGeometry(window: Int, stride: Int, padding: Padding) throws(NeuralNetError) -> ConvolutionGeometry {
        let (_, height, width) = try image()
        let geometry = ConvolutionGeometry(height: height, width: width, kernel: window, stride: stride, padding: padding)
        guard geometry.outputHeight > 0, geometry.outputWidth > 0 else {
            throw .windowTooLarge(layer: position, name: name, window: window, shape: shape)
        }
        return geometry
    }
}

/// A layer's output shape and the number of values it stores.
public struct LayerShape: Sendable, Equatable {
    /// One output sample's shape.
    public var outputShape: [Int]
    /// The number of trainable values.
    public var parameterCount: Int
    /// The number of non-trainable values (running statistics).
    public var bufferCount: Int

    public init(outputShape: [Int], parameterCount: Int = 0, bufferCount: Int = 0) {
        self.outputShape = outputShape
        self.parameterCount = parameterCount
        self.bufferCount = bufferCount
    }
}

/// A block of a layer's parameters that starts at random: `count` values from `start` (within
/// the layer's slice), with the fan-in and fan-out that He and Glorot initialisation scale by.
public struct WeightBlock: Sendable, Equatable {
    public var start: Int
    public var fanIn: Int
    public var fanOut: Int
    public var count: Int

    public init(start: Int = 0, fanIn: Int, fanOut: Int, count: Int) {
        (self.start, self.fanIn, self.fanOut, self.count) = (start, fanIn, fanOut, count)
    }
}

/// What a network asks of a layer's kernel.
public struct KernelRequest: Sendable {
    /// One input sample's shape.
    public let input: [Int]
    /// Whether the network trains (keeps what backward needs, draws dropout masks).
    public let training: Bool
    /// Whether the kernel also applies the `relu` after the layer (only asked of layers with
    /// ``LayerTraits/absorbsReLU``).
    public let fusedReLU: Bool
    /// Whether the kernel also applies the 2×2 stride-2 `maxpool` after that (only asked of
    /// layers with ``LayerTraits/absorbsPool``).
    public let fusedPool: Bool
    /// The precision of inference's products (always Float32 in training); a kernel without a
    /// reduced-precision path computes in Float32.
    public var precision: InferencePrecision = .float32
}

/// The precision of the matrix products in inference. Training is always Float32.
public enum InferencePrecision: String, Sendable, CaseIterable, Codable, CustomStringConvertible {
    /// Float32 throughout (the default).
    case float32 = "fp32"
    /// Dense layers multiply inputs and weights rounded to bfloat16, summing in Float32
    /// (``TensorCore/BFloat16Product``); where the processor has AVX512_BF16 or AMX, about twice
    /// the multiply-adds per second. Convolutions and everything else stay Float32.
    case bfloat16 = "bf16"

    public var description: String {
        switch self {
        case .float32: "Float32"
        case .bfloat16: "bfloat16"
        }
    }

    /// Throws unless this precision can run on this processor.
    public func requireAvailable() throws(NeuralNetError) {
        guard self == .bfloat16 else { return }
        let availability = BFloat16.availability
        guard availability.available else { throw .precisionUnavailable(precision: rawValue, reason: availability.detail) }
    }
}

/// A layer's compute kernel, as ``LayerKind/kernel(_:)`` returns it.
public struct LayerKernelBox {
    let kernel: any LayerKernel

    init(_ kernel: any LayerKernel) { self.kernel = kernel }
}

// MARK: - Settings

/// One setting of a layer kind, as cells write it: its name, what values it takes, whether it
/// must be written, its doc, and how it is read from and written into the layer.
///
/// NeuralNet cannot use the engine's declarations; the training actions adapt these fields to
/// them, so a layer's settings are validated, documented and cached like any action parameter.
public struct LayerField<Layer: LayerKind>: Sendable {
    /// The key cells write: `filters`.
    public let name: String
    /// What values it takes.
    public let type: LayerFieldType
    /// Whether a cell must write it.
    public let isRequired: Bool
    /// One line for help.
    public let doc: String
    private let get: @Sendable (Layer) -> LayerFieldValue?
    private let set: @Sendable (inout Layer, LayerFieldValue) -> Bool

    /// The setting's value in `layer`; `nil` for an absent optional.
    public func value(of layer: Layer) -> LayerFieldValue? { get(layer) }

    /// Sets the setting in `layer`; returns `false` when the value is not of the setting's kind.
    @discardableResult
    public func set(_ value: LayerFieldValue, in layer: inout Layer) -> Bool { set(&layer, value) }

    /// A whole-number setting within `range`.
    public static func integer(_ name: String, _ keyPath: WritableKeyPath<Layer, Int> & Sendable, _ range: ClosedRange<Int>,
                               required: Bool = false, doc: String) -> Self {
        Self(name: name, type: .integer(range), isRequired: required, doc: doc,
             get: { .integer($0[keyPath: keyPath]) },
             set: { layer, value in
                 guard case .integer(let number) = value else { return false }
                 layer[keyPath: keyPath] = number
                 return true
             })
    }

    /// A whole-number setting within `range` that may be left out (`nil`).
    public static func integer(_ name: String, _ keyPath: WritableKeyPath<Layer, Int?> & Sendable, _ range: ClosedRange<Int>,
                               doc: String) -> Self {
        Self(name: name, type: .integer(range), isRequired: false, doc: doc,
             get: { $0[keyPath: keyPath].map(LayerFieldValue.integer) },
             set: { layer, value in
                 guard case .integer(let number) = value else { return false }
                 layer[keyPath: keyPath] = number
                 return true
             })
    }

    /// A number setting within `bounds`, stored as a `Float` (written back in its shortest form:
    /// `0.3`, not `0.30000001192092896`).
    public static func number(_ name: String, _ keyPath: WritableKeyPath<Layer, Float> & Sendable, _ bounds: LayerFieldBounds,
                              required: Bool = false, doc: String) -> Self {
        Self(name: name, type: .number(bounds), isRequired: required, doc: doc,
             get: { .number($0[keyPath: keyPath].shortestDouble) },
             set: { layer, value in
                 switch value {
                 case .number(let number): layer[keyPath: keyPath] = Float(number)
                 case .integer(let number): layer[keyPath: keyPath] = Float(number)
                 case .word: return false
                 }
                 return true
             })
    }

    /// A setting that is one of an enum's words (its raw values).
    public static func choice<T: CaseIterable & RawRepresentable & Sendable>(
        _ name: String, _ keyPath: WritableKeyPath<Layer, T> & Sendable, doc: String) -> Self where T.RawValue == String {
        Self(name: name, type: .choice(T.allCases.map(\.rawValue)), isRequired: false, doc: doc,
             get: { .word($0[keyPath: keyPath].rawValue) },
             set: { layer, value in
                 guard case .word(let word) = value, let choice = T(rawValue: word) else { return false }
                 layer[keyPath: keyPath] = choice
                 return true
             })
    }
}

/// The values a ``LayerField`` takes.
public enum LayerFieldType: Sendable, Equatable {
    /// A whole number within the range.
    case integer(ClosedRange<Int>)
    /// A number within the bounds.
    case number(LayerFieldBounds)
    /// One of the words.
    case choice([String])
}

/// The bounds of a number setting; each end is included or not.
public struct LayerFieldBounds: Sendable, Equatable {
    public var lower: Double
    public var lowerInclusive: Bool
    public var upper: Double
    public var upperInclusive: Bool

    /// `[low, high]`.
    public static func closed(_ low: Double, _ high: Double) -> Self { Self(lower: low, lowerInclusive: true, upper: high, upperInclusive: true) }
    /// `[low, high)`.
    public static func halfOpen(_ low: Double, _ high: Double) -> Self { Self(lower: low, lowerInclusive: true, upper: high, upperInclusive: false) }
    /// `(low, high]`.
    public static func openClosed(_ low: Double, _ high: Double) -> Self { Self(lower: low, lowerInclusive: false, upper: high, upperInclusive: true) }
}

/// A setting's value.
public enum LayerFieldValue: Sendable, Hashable {
    case integer(Int)
    case number(Double)
    case word(String)
}

extension Float {
    /// The `Double` that prints as this `Float` does (`0.3`, not `0.30000001192092896`).
    public var shortestDouble: Double { Double(description) ?? Double(self) }
}

// MARK: - Export

/// A graph that layers export themselves into: ONNX builds operators and initializers from it,
/// safetensors keeps the tensors. Names are PyTorch's `nn.Sequential` ones (`layers.0.weight`).
public protocol LayerGraph {
    /// Adds one of the model's tensors (weights, running statistics); returns its name.
    mutating func tensor(_ name: String, shape: [Int], values: [Float]) -> String
    /// Adds a scalar constant of the graph alone (not a model tensor); returns its name.
    mutating func constant(_ name: String, _ value: Float) -> String
    /// Adds an operator with one output; returns the output's name.
    mutating func node(_ operation: String, _ name: String, inputs: [String], attributes: [GraphAttribute]) -> String
}

extension LayerGraph {
    /// Adds a tensor with its own shape.
    public mutating func tensor(_ name: String, _ tensor: Tensor) -> String {
        self.tensor(name, shape: tensor.shape, values: tensor.scalars)
    }

    /// Adds an operator without attributes.
    public mutating func node(_ operation: String, _ name: String, inputs: [String]) -> String {
        node(operation, name, inputs: inputs, attributes: [])
    }
}

/// An attribute of an exported operator (ONNX's `AttributeProto`).
public enum GraphAttribute: Sendable, Equatable {
    case int(String, Int)
    case float(String, Float)
    case ints(String, [Int])
}

/// One layer of a trained model, as it is exported.
public struct ExportedLayer: Sendable {
    /// The prefix of its names: `layers.3`.
    public var prefix: String
    /// The name of its input value.
    public var input: String
    /// One input sample's shape.
    public var inputShape: [Int]
    /// One output sample's shape.
    public var outputShape: [Int]
    /// Its parameters, shaped as ``LayerKind/parameterShapes(input:)`` says.
    public var parameters: [Tensor]
    /// Its buffer values (running statistics), flat.
    public var buffers: [Float]
}

extension Sequential {
    /// Exports every layer into `graph`, in order, from the value `input`; returns the name of
    /// the last layer's output.
    public func export<Graph: LayerGraph>(into graph: inout Graph, input: String) -> String {
        var current = input
        var bufferOffset = 0
        for (index, spec) in layers.enumerated() {
            let plan = plans[index]
            let layer = ExportedLayer(
                prefix: "layers.\(index)", input: current, inputShape: plan.inputShape, outputShape: plan.outputShape,
                parameters: layerParameters(index),
                buffers: Array(buffers.scalars[bufferOffset..<(bufferOffset + plan.bufferCount)]))
            bufferOffset += plan.bufferCount
            current = spec.kind.export(layer, into: &graph)
        }
        return current
    }
}
