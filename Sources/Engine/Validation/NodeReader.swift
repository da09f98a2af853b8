import Notebook

/// A read-only view of a YAML node with the YAML 1.2 core-schema reading of its scalars.
///
/// Validators and custom parameter types read cells through this view, so that every action
/// agrees on what `yes`, `0.80`, `"42"` or `~` mean: quoted scalars are always strings.
public struct ParameterNodeReader: Sendable {
    public let node: ParameterNode

    public init(_ node: ParameterNode) { self.node = node }

    public var position: SourcePosition { node.position }

    /// The scalar's text, or `nil` for sequences, mappings and null.
    public var scalarText: String? {
        if case .scalar = node { return node.scalarText }
        return nil
    }

    public var isNull: Bool {
        if case .null = node { return true }
        return false
    }

    /// The mapping's entries in source order, or `nil`.
    public var entries: [ParameterEntry]? {
        if case .mapping(let entries, _) = node { return entries }
        return nil
    }

    /// The sequence's items, or `nil`.
    public var items: [ParameterNodeReader]? {
        if case .sequence(let items, _) = node { return items.map(ParameterNodeReader.init) }
        return nil
    }

    /// The "name, alone or with its settings" form that layers and optimizers use:
    /// `- relu`, `- dense: 128`, `adam`, `{adam: {learning-rate: 0.001}}`.
    ///
    /// - Returns: the name, where it is written, and its settings (`nil` when there are none), or
    ///   `nil` when the node is neither a text scalar nor a mapping of exactly one entry.
    public var nameWithSettings: (name: String, position: SourcePosition, settings: ParameterNodeReader?)? {
        if let text = scalarText, case .string? = scalarValue {
            return (text, position, nil)
        }
        if let entries, entries.count == 1 {
            let value = ParameterNodeReader(entries[0].value)
            return (entries[0].key, entries[0].keyPosition, value.isNull ? nil : value)
        }
        return nil
    }

    /// The value of the scalar in the YAML 1.2 core schema, as Notebook's ``ParameterNode`` resolves
    /// it (the one core-schema reader): quoted scalars are strings, integers too large for `Int`
    /// are numbers.
    public var scalarValue: Value? {
        guard case .scalar = node, let text = node.scalarText else { return nil }
        switch node.kind {
        case .null: return .null
        case .boolean: return node.asBool.map(Value.bool)
        case .integer: return node.asInt.map(Value.int) ?? node.asDouble.map(Value.double)
        case .float: return node.asDouble.map(Value.double)
        default: return .string(text)
        }
    }

    /// A natural conversion to ``Value`` with no schema: scalars by the core schema,
    /// sequences and mappings recursively.
    public var plainValue: Value {
        switch node {
        case .null: return .null
        case .scalar: return scalarValue ?? .null
        case .sequence(let items, _): return .list(items.map { ParameterNodeReader($0).plainValue })
        case .mapping(let entries, _): return .map(entries.map { ($0.key, ParameterNodeReader($0.value).plainValue) })
        }
    }

    /// What kind of YAML this is, for messages: `a number`, `a list`, `a mapping`, `text`.
    public var kindDescription: String {
        switch node {
        case .null: return "nothing"
        case .sequence: return "a list"
        case .mapping: return "a mapping"
        case .scalar:
            switch scalarValue {
            case .int?, .double?: return "a number"
            case .bool?: return "a boolean"
            case .null?: return "nothing"
            default: return "text"
            }
        }
    }
}
