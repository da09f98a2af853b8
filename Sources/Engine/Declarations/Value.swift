import Notebook

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

    /// The one canonical form, which cache keys hash: JSON-like text with keys sorted and numbers
    /// in shortest round-trip form; kinds matter (`1` is an integer, `1.0` a number), as a typed
    /// parameter tells them apart.
    public var canonical: String {
        switch self {
        case .null: return "null"
        case .bool(let b): return b ? "true" : "false"
        case .int(let i): return String(i)
        case .double(let d): return "\(d)"
        case .string(let s): return JSONText.quoted(s)
        case .list(let items): return "[" + items.map(\.canonical).joined(separator: ",") + "]"
        case .map(let entries):
            let sorted = entries.sorted { $0.0.utf8.lexicographicallyPrecedes($1.0.utf8) }
            let members: [String] = sorted.map { entry in JSONText.quoted(entry.0) + ":" + entry.1.canonical }
            return "{" + members.joined(separator: ",") + "}"
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
