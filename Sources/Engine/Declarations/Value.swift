/// A validated parameter value: what an action's run function reads.
///
/// Values come from a cell's YAML after validation against the action's declared parameters,
/// with defaults filled in. Their canonical form (see ``canonical``) is what cache keys hash,
/// so comments, key order and YAML spelling (`0.80` or `0.8`, `yes` or `true`) don't matter.
public indirect enum Value: Sendable, Hashable, CustomStringConvertible {
    case null
    case bool(Bool)
    case int(Int)
    case double(Double)
    case string(String)
    case list([Value])
    /// A mapping in source order; compare with ``canonical`` for order-insensitive equality.
    case map([(String, Value)])

    public static func == (a: Value, b: Value) -> Bool { a.canonical == b.canonical }
    public func hash(into hasher: inout Hasher) { hasher.combine(canonical) }

    /// A canonical, JSON-like text: keys sorted, numbers in shortest round-trip form.
    public var canonical: String {
        switch self {
        case .null: return "null"
        case .bool(let b): return b ? "true" : "false"
        case .int, .double: return numberText
        case .string(let s): return Value.quoted(s)
        case .list(let items): return "[" + items.map(\.canonical).joined(separator: ",") + "]"
        case .map(let entries):
            return "{" + entries.sorted { $0.0 < $1.0 }
                .map { Value.quoted($0.0) + ":" + $0.1.canonical }.joined(separator: ",") + "}"
        }
    }

    /// How the value reads in help text and tables: `0.8`, `true`, `'same'`, `[1, 2]`.
    public var description: String {
        switch self {
        case .null: return "null"
        case .bool(let b): return b ? "true" : "false"
        case .int, .double: return numberText
        case .string(let s): return s
        case .list(let items): return "[" + items.map(\.description).joined(separator: ", ") + "]"
        case .map(let entries):
            return "{" + entries.map { "\($0.0): \($0.1.description)" }.joined(separator: ", ") + "}"
        }
    }

    /// A number in its shortest round-trip form, whole numbers without a decimal point (`0.8`, `3`).
    private var numberText: String {
        switch self {
        case .int(let i): return String(i)
        case .double(let d) where d.isFinite && d == d.rounded() && abs(d) < 1e15: return String(Int(d))
        case .double(let d): return "\(d)"
        default: return ""
        }
    }

    private static func quoted(_ s: String) -> String {
        var out = "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 { out += String(format: "\\u%04x", scalar.value) } else { out.unicodeScalars.append(scalar) }
            }
        }
        return out + "\""
    }

    // MARK: Typed access

    public var intValue: Int? { if case .int(let i) = self { i } else { nil } }
    public var doubleValue: Double? {
        switch self {
        case .double(let d): d
        case .int(let i): Double(i)
        default: nil
        }
    }
    public var boolValue: Bool? { if case .bool(let b) = self { b } else { nil } }
    public var stringValue: String? { if case .string(let s) = self { s } else { nil } }
    public var listValue: [Value]? { if case .list(let l) = self { l } else { nil } }
    public var mapValue: [(String, Value)]? { if case .map(let m) = self { m } else { nil } }

    /// The value for `key` in a mapping, or `nil`.
    public subscript(key: String) -> Value? {
        guard case .map(let entries) = self else { return nil }
        return entries.first { $0.0 == key }?.1
    }
}

import Foundation

extension Value: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByFloatLiteral,
    ExpressibleByBooleanLiteral
{
    public init(stringLiteral value: String) { self = .string(value) }
    public init(integerLiteral value: Int) { self = .int(value) }
    public init(floatLiteral value: Double) { self = .double(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
}
