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

    /// The value of the scalar in the YAML 1.2 core schema.
    public var scalarValue: Value? {
        guard case .scalar = node, let text = node.scalarText else { return nil }
        if case .scalar(_, _, let style) = node, style != .plain { return .string(text) }
        return Self.coreSchemaValue(text)
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

    /// Reads an unquoted scalar by the YAML 1.2 core schema.
    static func coreSchemaValue(_ text: String) -> Value {
        switch text {
        case "", "~", "null", "Null", "NULL": return .null
        case "true", "True", "TRUE": return .bool(true)
        case "false", "False", "FALSE": return .bool(false)
        case ".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF": return .double(.infinity)
        case "-.inf", "-.Inf", "-.INF": return .double(-.infinity)
        case ".nan", ".NaN", ".NAN": return .double(.nan)
        default: break
        }
        if let int = parseInteger(text) { return .int(int) }
        if isCoreFloat(text), let double = Double(text) { return .double(double) }
        return .string(text)
    }

    private static func parseInteger(_ text: String) -> Int? {
        if text.hasPrefix("0x") { return Int(text.dropFirst(2), radix: 16) }
        if text.hasPrefix("0o") { return Int(text.dropFirst(2), radix: 8) }
        var body = Substring(text)
        if body.first == "-" || body.first == "+" { body = body.dropFirst() }
        guard !body.isEmpty, body.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        return Int(text.hasPrefix("+") ? String(text.dropFirst()) : text)
    }

    /// `[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?`
    private static func isCoreFloat(_ text: String) -> Bool {
        var chars = Array(text.utf8)[...]
        if chars.first == UInt8(ascii: "-") || chars.first == UInt8(ascii: "+") { chars = chars.dropFirst() }
        func digits() -> Int {
            var n = 0
            while let c = chars.first, c >= 48, c <= 57 { chars = chars.dropFirst(); n += 1 }
            return n
        }
        let whole = digits()
        var fraction = 0
        if chars.first == UInt8(ascii: ".") {
            chars = chars.dropFirst()
            fraction = digits()
        }
        guard whole > 0 || fraction > 0 else { return false }
        if chars.first == UInt8(ascii: "e") || chars.first == UInt8(ascii: "E") {
            chars = chars.dropFirst()
            if chars.first == UInt8(ascii: "-") || chars.first == UInt8(ascii: "+") { chars = chars.dropFirst() }
            guard digits() > 0 else { return false }
        }
        return chars.isEmpty
    }
}
