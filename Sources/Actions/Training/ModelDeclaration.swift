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

/// The syntax of one layer in a `layers:` list, as design.md writes it, made from the layer's
/// ``LayerKind`` (its name, settings, example and whether it needs images live there, so a new
/// kind needs nothing here).
///
/// A layer is a bare name (`- relu`, `- flatten`), a name with one value (`- dense: 128`,
/// `- maxpool: 2`, `- dropout: 0.3`, `- leaky-relu: 0.1`) that sets its ``primary`` setting, or a
/// name with a mapping of settings (`- conv: {filters: 32, kernel: 3, padding: same}`). The
/// settings are a ``ParameterSet`` (``LayerSettings``), so they are validated (types, ranges,
/// unknown keys with suggestions) by the engine's own reader and documented in `loom actions`.
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

    /// The syntax of the layer kind `Layer`.
    init<Layer: LayerKind>(_ layer: Layer.Type) {
        option = .settings(Layer.name, LayerSettings<Layer>.self, doc: Layer.example,
                           make: { LayerSpec($0.layer) }, match: { $0.as(Layer.self).map(LayerSettings.init) })
        primary = Layer.primaryField
        needsImages = Layer.traits.contains(.imagesOnly)
        example = Layer.example
    }

    /// Every layer loom knows, in the order help lists them (``LayerKinds/all``).
    static let all: [LayerSyntax] = LayerKinds.all.map { LayerSyntax($0) }

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

/// A layer kind's settings as a ``ParameterSet``: the kind's ``LayerField``s adapted to the
/// engine's ``Field``s, each stored in the layer itself.
struct LayerSettings<Layer: LayerKind>: ParameterSet {
    var layer = Layer()

    init() {}

    init(_ layer: Layer) { self.layer = layer }

    /// The setting called `name`, read from and written into ``layer``.
    subscript(setting name: String) -> LayerSetting? {
        get { Layer.fields.first { $0.name == name }?.value(of: layer).map(LayerSetting.init) }
        set {
            guard let newValue, let field = Layer.fields.first(where: { $0.name == name }) else { return }
            field.set(newValue.value, in: &layer)
        }
    }

    static var fields: [Field<Self>] {
        Layer.fields.map { field in
            Field(field.name, \Self.[setting: field.name], field.type.parameterType, required: field.isRequired, doc: field.doc)
        }
    }
}

/// One layer setting's value as a ``ParameterValue``.
struct LayerSetting: ParameterValue {
    var value: LayerFieldValue

    init(_ value: LayerFieldValue) { self.value = value }

    init?(parameterValue value: Value) {
        switch value {
        case .int(let number): self.value = .integer(number)
        case .double(let number): self.value = .number(number)
        case .string(let word): self.value = .word(word)
        default: return nil
        }
    }

    var parameterValue: Value? {
        switch value {
        case .integer(let number): .int(number)
        case .number(let number): .double(number)
        case .word(let word): .string(word)
        }
    }
}

extension LayerFieldType {
    /// The engine's type of a layer setting.
    var parameterType: ParameterType {
        switch self {
        case .integer(let range): .integer(.closed(Double(range.lowerBound), Double(range.upperBound)))
        case .number(let bounds):
            .number(NumericBounds(lower: bounds.lower, lowerInclusive: bounds.lowerInclusive,
                                  upper: bounds.upper, upperInclusive: bounds.upperInclusive))
        case .choice(let words): .choice(words)
        }
    }
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
