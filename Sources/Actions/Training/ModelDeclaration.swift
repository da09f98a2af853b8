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

/// The syntax of one layer in a `layers:` list, as design.md writes it.
///
/// A layer is a bare name (`- relu`, `- flatten`), a name with one value (`- dense: 128`,
/// `- maxpool: 2`, `- dropout: 0.3`, `- leaky-relu: 0.1`) that sets its ``primary`` setting, or a
/// name with a mapping of settings (`- conv: {filters: 32, kernel: 3, padding: same}`). The
/// settings are declared as ``Parameter``s, so they are validated (types, ranges, unknown keys with
/// suggestions) by the engine's own ``ParameterValidator`` and documented in `loom actions`.
struct LayerSyntax: Sendable {
    /// The name users write, equal to ``LayerSpec/name``.
    var name: String
    /// The declared settings, in the order they are listed.
    var fields: [Parameter]
    /// The setting a single value sets (`dense: 128` sets `units`), if the layer has one.
    var primary: String?
    /// Whether the layer only works on images (`[C, H, W]`), so `train.mlp` rejects it.
    var needsImages: Bool
    /// An example for messages: `- dense: 128`.
    var example: String

    /// Whether the layer must be given settings (a required field has no default).
    var needsSettings: Bool { fields.contains { $0.isRequired } }

    /// Every layer loom knows, in the order help lists them.
    static let all: [LayerSyntax] = [
        LayerSyntax(name: "conv", fields: [
            Parameter("filters", .integer(.atLeast(1)), required: true, doc: "The number of filters"),
            Parameter("kernel", .integer(.atLeast(1)), default: .int(3), doc: "The side of the square kernel."),
            Parameter("stride", .integer(.atLeast(1)), default: .int(1), doc: "The step between windows."),
            Parameter("padding", .choice(["same", "valid"]), default: .string("same"),
                      doc: "'same' keeps the size (at stride 1), 'valid' pads nothing."),
        ], primary: "filters", needsImages: true, example: "- conv: {filters: 32, kernel: 3, padding: same}"),
        LayerSyntax(name: "maxpool", fields: poolFields, primary: "size", needsImages: true, example: "- maxpool: 2"),
        LayerSyntax(name: "avgpool", fields: poolFields, primary: "size", needsImages: true, example: "- avgpool: 2"),
        LayerSyntax(name: "global-avgpool", fields: [], primary: nil, needsImages: true, example: "- global-avgpool"),
        LayerSyntax(name: "flatten", fields: [], primary: nil, needsImages: true, example: "- flatten"),
        LayerSyntax(name: "dense", fields: [
            Parameter("units", .integer(.atLeast(1)), required: true, doc: "The number of outputs"),
        ], primary: "units", needsImages: false, example: "- dense: 128"),
        LayerSyntax(name: "dropout", fields: [
            Parameter("rate", .number(.halfOpen(0, 1)), required: true, doc: "The share of values zeroed in training"),
        ], primary: "rate", needsImages: false, example: "- dropout: 0.3"),
        LayerSyntax(name: "batchnorm", fields: [], primary: nil, needsImages: false, example: "- batchnorm"),
        LayerSyntax(name: "relu", fields: [], primary: nil, needsImages: false, example: "- relu"),
        LayerSyntax(name: "leaky-relu", fields: [
            Parameter("slope", .number(.atLeast(0)), default: .double(0.01), doc: "The slope for negative inputs."),
        ], primary: "slope", needsImages: false, example: "- leaky-relu: 0.1"),
        LayerSyntax(name: "elu", fields: [
            Parameter("alpha", .number(.greaterThan(0)), default: .double(1), doc: "The value approached for very negative inputs is −alpha."),
        ], primary: "alpha", needsImages: false, example: "- elu"),
        LayerSyntax(name: "gelu", fields: [], primary: nil, needsImages: false, example: "- gelu"),
        LayerSyntax(name: "sigmoid", fields: [], primary: nil, needsImages: false, example: "- sigmoid"),
        LayerSyntax(name: "tanh", fields: [], primary: nil, needsImages: false, example: "- tanh"),
    ]

    private static let poolFields = [
        Parameter("size", .integer(.atLeast(1)), default: .int(2), doc: "The side of the square window."),
        Parameter("stride", .integer(.atLeast(1)), doc: "The step between windows (default: the size)."),
    ]

    /// The syntax of the layer called `name`, if there is one.
    static func named(_ name: String) -> LayerSyntax? { all.first { $0.name == name } }

    /// The activation layers, which `train.mlp`'s `activation:` and `sweep`'s `activation:` name.
    static let activationNames = ["relu", "leaky-relu", "elu", "gelu", "sigmoid", "tanh"]
}

/// Reads `layers:` lists into ``LayerSpec``s, for `loom check` (as a ``CustomParameterType``) and
/// for running (from the validated ``Value``).
///
/// A validated layer is a mapping `{layer: NAME, setting: value, …}` with every default filled in,
/// so `- maxpool: 2` and `- maxpool: {size: 2}` have the same canonical form and cache key.
enum LayerList {
    /// The custom parameter type of a `layers:` list for one family.
    ///
    /// - Parameter family: `.mlp` rejects layers that need images, saying to use `train.cnn`.
    static func parameterType(for family: ModelFamily) -> ParameterType {
        .custom(CustomParameterType(summary: "list of layers") { node, problems in
            parse(node, family: family, problems: &problems)
        })
    }

    /// Validates a layer list; returns `nil` and appends problems (at their positions) when it is not valid.
    static func parse(_ node: ParameterNodeReader, family: ModelFamily, problems: inout [ParameterProblem]) -> Value? {
        guard let items = node.items else {
            problems.append(ParameterProblem(
                at: node.position, "'layers' must be a list of layers, one '- ' item each (such as '- dense: 128'), not \(node.kindDescription)"))
            return nil
        }
        guard !items.isEmpty else {
            problems.append(ParameterProblem(at: node.position, "'layers' needs at least one layer"))
            return nil
        }
        var layers: [Value] = []
        let before = problems.count
        for item in items {
            if let layer = parseLayer(item, family: family, problems: &problems) { layers.append(layer) }
        }
        return problems.count == before ? .list(layers) : nil
    }

    /// Validates one `- …` item of a layer list.
    static func parseLayer(_ item: ParameterNodeReader, family: ModelFamily, problems: inout [ParameterProblem]) -> Value? {
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
        let record: Value
        if let settings {
            if syntax.fields.isEmpty {
                problemsHere.append(ParameterProblem(
                    at: settings.position, "the layer '\(name)' takes no settings; write it as '\(syntax.example)'"))
                record = .map([])
            } else if settings.entries != nil {
                record = ParameterValidator.validateRecord(settings, fields: syntax.fields, owner: name, problems: &problemsHere)
            } else if settings.scalarText != nil, let primary = syntax.primary,
                      let field = syntax.fields.first(where: { $0.name == primary }) {
                let value = ParameterValidator.validate(settings, as: field.type, name: primary, problems: &problemsHere)
                var entries: [(String, Value)] = []
                for other in syntax.fields {
                    if other.name == primary {
                        if let value { entries.append((primary, value)) }
                    } else if let defaultValue = other.defaultValue {
                        entries.append((other.name, defaultValue))
                    }
                }
                record = .map(entries)
            } else {
                problemsHere.append(ParameterProblem(
                    at: settings.position, "the settings of '\(name)' must be a value or a mapping, as in '\(syntax.example)', not \(settings.kindDescription)"))
                record = .map([])
            }
        } else if syntax.needsSettings {
            let required = syntax.fields.filter(\.isRequired).map { "'\($0.name)'" }.joined(separator: ", ")
            problemsHere.append(ParameterProblem(
                at: namePosition, "the layer '\(name)' needs its \(required), as in '\(syntax.example)'"))
            record = .map([])
        } else {
            record = .map(syntax.fields.compactMap { field in field.defaultValue.map { (field.name, $0) } })
        }
        problems += problemsHere
        guard problemsHere.isEmpty, let entries = record.mapValue else { return nil }
        return .map([("layer", .string(name))] + entries)
    }

    /// The ``LayerSpec`` of a validated layer value (as ``parse(_:family:problems:)`` makes it).
    static func spec(of value: Value) -> LayerSpec {
        guard let name = value["layer"]?.stringValue else { preconditionFailure("a validated layer has a name: \(value)") }
        func int(_ key: String) -> Int {
            guard let int = value[key]?.intValue else { preconditionFailure("layer '\(name)' has no integer '\(key)'") }
            return int
        }
        func float(_ key: String) -> Float {
            guard let double = value[key]?.doubleValue else { preconditionFailure("layer '\(name)' has no number '\(key)'") }
            return Float(double)
        }
        switch name {
        case "conv":
            return .conv(filters: int("filters"), kernel: int("kernel"), stride: int("stride"),
                         padding: value["padding"]?.stringValue == "valid" ? .valid : .same)
        case "maxpool": return .maxPool(size: int("size"), stride: value["stride"]?.intValue)
        case "avgpool": return .avgPool(size: int("size"), stride: value["stride"]?.intValue)
        case "global-avgpool": return .globalAvgPool
        case "flatten": return .flatten
        case "dense": return .dense(units: int("units"))
        case "dropout": return .dropout(rate: float("rate"))
        case "batchnorm": return .batchNorm
        case "relu": return .relu
        case "leaky-relu": return .leakyReLU(slope: float("slope"))
        case "elu": return .elu(alpha: float("alpha"))
        case "gelu": return .gelu
        case "sigmoid": return .sigmoid
        case "tanh": return .tanh
        default: preconditionFailure("unknown validated layer '\(name)'")
        }
    }

    /// The validated value of a layer spec: the inverse of ``spec(of:)``, for layers an action
    /// builds itself (`hidden:` shorthand, sweep variants), so their canonical form matches a
    /// written list.
    static func value(of spec: LayerSpec) -> Value {
        var entries: [(String, Value)] = [("layer", .string(spec.name))]
        switch spec {
        case .conv(let filters, let kernel, let stride, let padding):
            entries += [("filters", .int(filters)), ("kernel", .int(kernel)), ("stride", .int(stride)),
                        ("padding", .string(padding.rawValue))]
        case .maxPool(let size, let stride), .avgPool(let size, let stride):
            entries.append(("size", .int(size)))
            if let stride { entries.append(("stride", .int(stride))) }
        case .dense(let units): entries.append(("units", .int(units)))
        case .dropout(let rate): entries.append(("rate", .double(Double(rate))))
        case .leakyReLU(let slope): entries.append(("slope", .double(Double(slope))))
        case .elu(let alpha): entries.append(("alpha", .double(Double(alpha))))
        case .globalAvgPool, .flatten, .batchNorm, .relu, .gelu, .sigmoid, .tanh: break
        }
        return .map(entries)
    }

    /// The activation layer called `name` with its default setting.
    static func activation(_ name: String) -> LayerSpec {
        guard let syntax = LayerSyntax.named(name), LayerSyntax.activationNames.contains(name) else {
            preconditionFailure("'\(name)' is not an activation")
        }
        return spec(of: .map([("layer", .string(name))] + syntax.fields.compactMap { f in f.defaultValue.map { (f.name, $0) } }))
    }

    /// The layers of an MLP written as `hidden: [256, 128]`, `activation: relu`, `dropout: 0.2`:
    /// dense → activation (→ dropout) per hidden layer, then a dense layer with one unit per class.
    static func multilayerPerceptron(hidden: [Int], activation: String, dropout: Double, classes: Int) -> [LayerSpec] {
        var layers: [LayerSpec] = []
        for width in hidden {
            layers.append(.dense(units: width))
            layers.append(Self.activation(activation))
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

