import Engine
import NeuralNet
import Notebook

/// Which training action reads a layer list: `train.cnn` takes images, `train.mlp` flat vectors.
enum ModelFamily: String, Sendable {
    case cnn
    case mlp

    /// The action that trains this family (`train.cnn`), the `family` of its ``ModelValue``.
    var actionName: String { "train.\(rawValue)" }
}

/// The syntax of one layer in a `layers:` list, as design.md writes it: the one place a layer
/// type is declared for cells (name, settings, how they become a ``LayerSpec`` and back).
///
/// A layer is a bare name (`- relu`, `- flatten`), a name with one value (`- dense: 128`,
/// `- maxpool: 2`, `- dropout: 0.3`, `- leaky-relu: 0.1`) that sets its ``primary`` setting, or a
/// name with a mapping of settings (`- conv: {filters: 32, kernel: 3, padding: same}`). The
/// settings are a ``ParameterSet``, so they are validated (types, ranges, unknown keys with
/// suggestions) by the engine's own reader and documented in `loom actions`.
struct LayerSyntax: Sendable {
    /// The name, settings and conversions of the layer.
    var option: NamedChoice<LayerSpec>.Option
    /// The setting a single value sets (`dense: 128` sets `units`), if the layer has one.
    var primary: String?
    /// Whether the layer only works on images (`[C, H, W]`), so `train.mlp` rejects it.
    var needsImages: Bool
    /// An example for messages: `- dense: 128`.
    var example: String

    /// The name users write, equal to ``LayerSpec/name``.
    var name: String { option.name }
    /// The declared settings, in the order they are listed.
    var fields: [Parameter] { option.fields }
    /// Whether the layer must be given settings (a required field has no default).
    var needsSettings: Bool { fields.contains { $0.isRequired } }

    /// A layer with settings `S`.
    static func layer<S: ParameterSet>(_ name: String, _ settings: S.Type, primary: String? = nil, images: Bool = false,
                                       example: String, make: @escaping @Sendable (S) -> LayerSpec,
                                       match: @escaping @Sendable (LayerSpec) -> S?) -> LayerSyntax {
        LayerSyntax(option: .settings(name, S.self, doc: example, make: make, match: match), primary: primary,
                    needsImages: images, example: example)
    }

    /// A layer without settings.
    static func bare(_ spec: LayerSpec, images: Bool = false) -> LayerSyntax {
        layer(spec.name, NoSettings.self, images: images, example: "- \(spec.name)", make: { _ in spec },
              match: { $0 == spec ? NoSettings() : nil })
    }

    /// Every layer loom knows, in the order help lists them.
    static let all: [LayerSyntax] = [
        layer("conv", ConvSettings.self, primary: "filters", images: true, example: "- conv: {filters: 32, kernel: 3, padding: same}",
              make: { .conv(filters: $0.filters, kernel: $0.kernel, stride: $0.stride, padding: $0.padding) },
              match: { if case .conv(let f, let k, let s, let p) = $0 { ConvSettings(filters: f, kernel: k, stride: s, padding: p) } else { nil } }),
        layer("depthwise-conv", ConvSettings.self, primary: "filters", images: true,
              example: "- depthwise-conv: {filters: 64, kernel: 3}",
              make: { .depthwiseConv(filters: $0.filters, kernel: $0.kernel, stride: $0.stride, padding: $0.padding) },
              match: { spec in
                  guard case .depthwiseConv(let f, let k, let s, let p) = spec else { return nil }
                  return ConvSettings(filters: f, kernel: k, stride: s, padding: p)
              }),
        layer("maxpool", PoolSettings.self, primary: "size", images: true, example: "- maxpool: 2",
              make: { .maxPool(size: $0.size, stride: $0.stride) },
              match: { if case .maxPool(let size, let stride) = $0 { PoolSettings(size: size, stride: stride) } else { nil } }),
        layer("avgpool", PoolSettings.self, primary: "size", images: true, example: "- avgpool: 2",
              make: { .avgPool(size: $0.size, stride: $0.stride) },
              match: { if case .avgPool(let size, let stride) = $0 { PoolSettings(size: size, stride: stride) } else { nil } }),
        bare(.globalAvgPool, images: true),
        bare(.flatten, images: true),
        layer("dense", DenseSettings.self, primary: "units", example: "- dense: 128",
              make: { .dense(units: $0.units) },
              match: { if case .dense(let units) = $0 { DenseSettings(units: units) } else { nil } }),
        layer("dropout", DropoutSettings.self, primary: "rate", example: "- dropout: 0.3",
              make: { .dropout(rate: Float($0.rate)) },
              match: { if case .dropout(let rate) = $0 { DropoutSettings(rate: rate.shortestDouble) } else { nil } }),
        bare(.batchNorm),
        bare(.relu),
        layer("leaky-relu", LeakyReLUSettings.self, primary: "slope", example: "- leaky-relu: 0.1",
              make: { .leakyReLU(slope: Float($0.slope)) },
              match: { if case .leakyReLU(let slope) = $0 { LeakyReLUSettings(slope: slope.shortestDouble) } else { nil } }),
        layer("elu", ELUSettings.self, primary: "alpha", example: "- elu",
              make: { .elu(alpha: Float($0.alpha)) },
              match: { if case .elu(let alpha) = $0 { ELUSettings(alpha: alpha.shortestDouble) } else { nil } }),
        bare(.gelu),
        bare(.sigmoid),
        bare(.tanh),
    ]

    /// The syntax of the layer called `name`, if there is one.
    static func named(_ name: String) -> LayerSyntax? { all.first { $0.name == name } }

    /// The activation layers, which `train.mlp`'s `activation:` and `sweep`'s `activation:` name.
    enum Activation: String, ParameterValue, CaseIterable {
        case relu, leakyReLU = "leaky-relu", elu, gelu, sigmoid, tanh

        /// The names cells write.
        static let words: [String] = allCases.map(\.rawValue)

        /// The activation layer with its default setting.
        var spec: LayerSpec {
            var problems: [ParameterProblem] = []
            guard let syntax = LayerSyntax.named(rawValue), let spec = syntax.option.read(nil, &problems) else {
                preconditionFailure("'\(rawValue)' is an activation with defaults")
            }
            return spec
        }
    }
}

struct ConvSettings: ParameterSet {
    var filters = 0
    var kernel = 3
    var stride = 1
    var padding = Padding.same
    static let fields: [Field<Self>] = [
        Field("filters", \.filters, .integer(.closed(1, 65_536)), required: true, doc: "The number of filters"),
        Field("kernel", \.kernel, .integer(.closed(1, 1024)), doc: "The side of the square kernel."),
        Field("stride", \.stride, .integer(.closed(1, 1024)), doc: "The step between windows."),
        Field("padding", \.padding, doc: "'same' keeps the size (at stride 1), 'valid' pads nothing."),
    ]
}

struct PoolSettings: ParameterSet {
    var size = 2
    var stride: Int?
    static let fields: [Field<Self>] = [
        Field("size", \.size, .integer(.closed(1, 1024)), doc: "The side of the square window."),
        Field("stride", \.stride, .integer(.closed(1, 1024)), doc: "The step between windows (default: the size)."),
    ]
}

struct DenseSettings: ParameterSet {
    var units = 0
    static let fields: [Field<Self>] = [
        Field("units", \.units, .integer(.closed(1, 1_048_576)), required: true, doc: "The number of outputs"),
    ]
}

struct DropoutSettings: ParameterSet {
    var rate = 0.0
    static let fields: [Field<Self>] = [
        Field("rate", \.rate, .number(.halfOpen(0, 1)), required: true, doc: "The share of values zeroed in training"),
    ]
}

struct LeakyReLUSettings: ParameterSet {
    var slope = 0.01
    static let fields: [Field<Self>] = [
        Field("slope", \.slope, .number(.closed(0, 1000)), doc: "The slope for negative inputs."),
    ]
}

struct ELUSettings: ParameterSet {
    var alpha = 1.0
    static let fields: [Field<Self>] = [
        Field("alpha", \.alpha, .number(.openClosed(0, 1000)), doc: "The value approached for very negative inputs is −alpha."),
    ]
}

extension Float {
    /// The `Double` that prints as this `Float` does (`0.3`, not `0.30000001192092896`).
    var shortestDouble: Double { Double(description) ?? Double(self) }
}

/// A layer list as a cell wrote it: the layers, and where each `- ` item is (for errors found
/// when the shapes are known). The positions are not part of the canonical form.
struct WrittenLayers: Sendable, Equatable {
    var layers: [LayerSpec] = []
    var positions: [SourcePosition] = []
}

/// Reads `layers:` lists straight into ``LayerSpec``s.
///
/// A layer's canonical value is a mapping `{layer: NAME, setting: value, …}` with every default
/// filled in, so `- maxpool: 2` and `- maxpool: {size: 2}` have the same cache key.
enum LayerList {
    /// The `layers` field of a training action's parameters, for one family.
    ///
    /// - Parameter family: `.mlp` rejects layers that need images, saying to use `train.cnn`.
    static func field<Root: ParameterSet>(_ keyPath: WritableKeyPath<Root, WrittenLayers?> & Sendable, family: ModelFamily,
                                          required: Bool, doc: String) -> Field<Root> {
        Field("layers", keyPath, summary: "list of layers", required: required, doc: doc,
              parse: { node, problems in parse(node, family: family, problems: &problems) },
              encode: { written in written.map { value(of: $0.layers) } })
    }

    /// The canonical value of a layer list.
    static func value(of layers: [LayerSpec]) -> Value { .list(layers.map(value(of:))) }

    /// Reads a layer list; returns `nil` and appends problems (at their positions) when it is not valid.
    static func parse(_ node: ParameterNodeReader, family: ModelFamily, problems: inout [ParameterProblem]) -> WrittenLayers? {
        guard let items = node.items else {
            problems.append(ParameterProblem(
                at: node.position, "'layers' must be a list of layers, one '- ' item each (such as '- dense: 128'), not \(node.kindDescription)"))
            return nil
        }
        guard !items.isEmpty else {
            problems.append(ParameterProblem(at: node.position, "'layers' needs at least one layer"))
            return nil
        }
        var written = WrittenLayers()
        let before = problems.count
        for item in items {
            if let layer = parseLayer(item, family: family, problems: &problems) {
                written.layers.append(layer)
                written.positions.append(item.position)
            }
        }
        return problems.count == before ? written : nil
    }

    /// Reads one `- …` item of a layer list.
    static func parseLayer(_ item: ParameterNodeReader, family: ModelFamily, problems: inout [ParameterProblem]) -> LayerSpec? {
        let name: String
        let namePosition: SourcePosition
        let settings: ParameterNodeReader?
        if let named = item.nameWithSettings {
            (name, namePosition, settings) = named
        } else if let entries = item.entries {
            problems.append(ParameterProblem(
                at: item.position,
                "a layer is one name, alone or with its settings (such as '- dense: 128'), but this item has "
                    + "\(entries.count) keys; write each layer as its own '- ' item"))
            return nil
        } else {
            problems.append(ParameterProblem(
                at: item.position, "a layer must be a name such as 'relu' or a name with settings such as 'dense: 128', not \(item.kindDescription)"))
            return nil
        }
        guard let syntax = LayerSyntax.named(name) else {
            problems.append(ParameterProblem(
                at: namePosition, "unknown layer '\(name)'" + Suggestions.hint(for: name, in: LayerSyntax.all.map(\.name))))
            return nil
        }
        if family == .mlp && syntax.needsImages {
            let message = name == "flatten"
                ? "train.mlp flattens the images itself, so it takes no 'flatten' layer; remove it"
                : "the layer '\(name)' works on images, but train.mlp flattens its input first; use train.cnn for '\(name)'"
            problems.append(ParameterProblem(at: namePosition, message))
            return nil
        }
        var problemsHere: [ParameterProblem] = []
        var spec: LayerSpec?
        if let settings {
            if syntax.fields.isEmpty {
                problemsHere.append(ParameterProblem(
                    at: settings.position, "the layer '\(name)' takes no settings; write it as '\(syntax.example)'"))
            } else if settings.entries != nil {
                spec = syntax.option.read(settings, &problemsHere)
            } else if settings.scalarText != nil, let primary = syntax.primary {
                // `dense: 128` is `dense: {units: 128}`.
                let mapping = ParameterNode.mapping(
                    [ParameterEntry(key: primary, keyPosition: settings.position, value: settings.node)], settings.position)
                spec = syntax.option.read(ParameterNodeReader(mapping), &problemsHere)
            } else {
                problemsHere.append(ParameterProblem(
                    at: settings.position, "the settings of '\(name)' must be a value or a mapping, as in '\(syntax.example)', not \(settings.kindDescription)"))
            }
        } else if syntax.needsSettings {
            let required = syntax.fields.filter(\.isRequired).map { "'\($0.name)'" }.joined(separator: ", ")
            problemsHere.append(ParameterProblem(
                at: namePosition, "the layer '\(name)' needs its \(required), as in '\(syntax.example)'"))
        } else {
            spec = syntax.option.read(nil, &problemsHere)
        }
        problems += problemsHere
        return problemsHere.isEmpty ? spec : nil
    }

    /// The canonical value of a layer: `{layer: NAME, setting: value, …}`.
    static func value(of spec: LayerSpec) -> Value {
        guard let syntax = LayerSyntax.named(spec.name), let settings = syntax.option.encode(spec) else {
            preconditionFailure("every layer spec has a syntax: \(spec.name)")
        }
        return .map([("layer", .string(spec.name))] + settings)
    }

    /// The layers of an MLP written as `hidden: [256, 128]`, `activation: relu`, `dropout: 0.2`:
    /// dense → activation (→ dropout) per hidden layer, then a dense layer with one unit per class.
    static func multilayerPerceptron(hidden: [Int], activation: LayerSyntax.Activation, dropout: Double, classes: Int) -> [LayerSpec] {
        var layers: [LayerSpec] = []
        for width in hidden {
            layers.append(.dense(units: width))
            layers.append(activation.spec)
            if dropout > 0 { layers.append(.dropout(rate: Float(dropout))) }
        }
        layers.append(.dense(units: classes))
        return layers
    }

    /// The help text that lists every layer with its settings, for the actions' discussions.
    static func help(for family: ModelFamily) -> String {
        LayerSyntax.all.filter { family == .cnn || !$0.needsImages }.map { syntax in
            let settings = syntax.fields.map { field in
                field.defaultValue.map { "\(field.name) (default \($0))" } ?? field.name
            }
            return "'\(syntax.example)'" + (settings.isEmpty ? "" : " [" + settings.joined(separator: ", ") + "]")
        }.joined(separator: "; ")
    }
}
