/// How a YAML scalar was written in the notebook.
///
/// Only the difference between plain and every other style matters for a scalar's value:
/// a plain scalar is resolved by the YAML 1.2 core schema (`true` is a boolean, `0.8` a
/// number), any quoted or block scalar is a string.
public enum ScalarStyle: Sendable, Hashable {
    /// Unquoted: `adam`, `0.001`, `true`.
    case plain
    /// `'single quoted'`.
    case singleQuoted
    /// `"double quoted"`, or a plain scalar with the explicit tag `!!str`.
    case doubleQuoted
    /// A `|` literal block.
    case literal
    /// A `>` folded block.
    case folded
}

/// What a parameter value is, once the YAML 1.2 core schema has resolved it.
public enum ParameterKind: Sendable, Hashable, CustomStringConvertible {
    /// `null`, `~` or nothing.
    case null
    /// `true` or `false` (in any of the spellings `true`, `True`, `TRUE`).
    case boolean
    /// A whole number: `42`, `-7`, `0x2A`, `0o52`.
    case integer
    /// A number with a fraction or exponent: `0.8`, `1e-3`, `.inf`, `.nan`.
    case float
    /// Any other scalar, and every quoted or block scalar.
    case string
    /// A YAML sequence.
    case sequence
    /// A YAML mapping.
    case mapping

    /// The kind with its article, for messages: "an integer", "a list".
    public var description: String {
        switch self {
        case .null: return "null"
        case .boolean: return "a boolean"
        case .integer: return "an integer"
        case .float: return "a number"
        case .string: return "a string"
        case .sequence: return "a list"
        case .mapping: return "a mapping"
        }
    }
}

/// One `key: value` pair of a parameter mapping, in the order the notebook wrote it.
public struct ParameterEntry: Sendable, Hashable {
    /// The key's text.
    public var key: String
    /// Where the key is written in the notebook file.
    public var keyPosition: SourcePosition
    /// The value.
    public var value: ParameterNode

    /// Creates an entry.
    ///
    /// - Parameters:
    ///   - key: The key's text.
    ///   - keyPosition: Where the key is written.
    ///   - value: The value.
    public init(key: String, keyPosition: SourcePosition, value: ParameterNode) {
        self.key = key
        self.keyPosition = keyPosition
        self.value = value
    }
}

/// A cell's parameters: the YAML tree of its body, with the file position of every node.
///
/// Scalars keep their text and style; the typed accessors (`asInt`, `asDouble`, `asBool`,
/// `asString`) resolve them by the YAML 1.2 core schema (YAML 1.2.2, section 10.3.2), not
/// YAML 1.1: `yes`, `on` and `0777`-style octals are plain strings and integers as written
/// in 1.2, never booleans. Plain scalars that spell null (`null`, `Null`, `NULL`, `~`, or
/// nothing) are `.null` nodes.
///
/// ```swift
/// let parameters = cell.parameters
/// let epochs = parameters["epochs"]?.asInt          // Optional(5)
/// let rate = parameters["optimizer"]?["adam"]?["learning-rate"]?.asDouble
/// ```
public indirect enum ParameterNode: Sendable, Hashable {
    /// A scalar: its text (after YAML unescaping and folding), position and style.
    case scalar(String, SourcePosition, ScalarStyle)
    /// A sequence of nodes.
    case sequence([ParameterNode], SourcePosition)
    /// A mapping, its entries in the order written.
    case mapping([ParameterEntry], SourcePosition)
    /// A null value.
    case null(SourcePosition)

    /// Where the node starts in the notebook file.
    public var position: SourcePosition {
        switch self {
        case let .scalar(_, position, _), let .sequence(_, position), let .mapping(_, position),
            let .null(position):
            return position
        }
    }

    /// What the node is, with plain scalars resolved by the YAML 1.2 core schema.
    public var kind: ParameterKind {
        switch self {
        case .null: return .null
        case .sequence: return .sequence
        case .mapping: return .mapping
        case let .scalar(text, _, style):
            guard style == .plain else { return .string }
            switch CoreSchema.resolve(text) {
            case .null: return .null
            case .boolean: return .boolean
            case .integer: return .integer
            case .float: return .float
            case .string: return .string
            }
        }
    }

    /// The value of a plain scalar that the core schema reads as an integer, if it fits an
    /// `Int`: `42`, `-7`, `+3`, `0x2A`, `0o52`.
    public var asInt: Int? {
        guard case let .scalar(text, _, .plain) = self else { return nil }
        return CoreSchema.integerValue(text)
    }

    /// The value of a plain scalar that the core schema reads as a number, integers
    /// included: `0.8`, `1e-3`, `5`, `.inf`, `-.inf`, `.nan`.
    public var asDouble: Double? {
        guard case let .scalar(text, _, .plain) = self else { return nil }
        switch CoreSchema.resolve(text) {
        case .integer:
            return CoreSchema.integerValue(text).map(Double.init) ?? CoreSchema.bigIntegerAsDouble(text)
        case .float:
            return CoreSchema.floatValue(text)
        case .null, .boolean, .string:
            return nil
        }
    }

    /// The value of a plain `true`/`True`/`TRUE` or `false`/`False`/`FALSE`.
    public var asBool: Bool? {
        guard case let .scalar(text, _, .plain) = self else { return nil }
        switch text {
        case "true", "True", "TRUE": return true
        case "false", "False", "FALSE": return false
        default: return nil
        }
    }

    /// The text of a scalar that is a string by the core schema: any quoted or block
    /// scalar, or a plain scalar that is not null, a boolean or a number.
    public var asString: String? {
        guard case let .scalar(text, _, _) = self, kind == .string else { return nil }
        return text
    }

    /// The text of any scalar as written (`"0.80"` stays `0.80`), or `nil` for other nodes.
    public var scalarText: String? {
        guard case let .scalar(text, _, _) = self else { return nil }
        return text
    }

    /// Whether the node is null.
    public var isNull: Bool { kind == .null }

    /// The elements of a sequence.
    public var elements: [ParameterNode]? {
        guard case let .sequence(elements, _) = self else { return nil }
        return elements
    }

    /// The entries of a mapping, in the order written.
    public var entries: [ParameterEntry]? {
        guard case let .mapping(entries, _) = self else { return nil }
        return entries
    }

    /// The entry of a mapping whose key is `key`, with its key's position.
    ///
    /// - Parameter key: The key to look up.
    /// - Returns: The entry, or `nil` when the node is not a mapping or lacks the key.
    public func entry(forKey key: String) -> ParameterEntry? {
        entries?.first { $0.key == key }
    }

    /// The value stored under `key` in a mapping, or `nil` when the node is not a mapping
    /// or lacks the key.
    ///
    /// - Parameter key: The key to look up.
    public subscript(key: String) -> ParameterNode? {
        entry(forKey: key)?.value
    }
}

/// The YAML 1.2 core schema's resolution of plain scalars (YAML 1.2.2, section 10.3.2).
enum CoreSchema {
    enum Resolved { case null, boolean, integer, float, string }

    static func resolve(_ text: String) -> Resolved {
        switch text {
        case "", "~", "null", "Null", "NULL": return .null
        case "true", "True", "TRUE", "false", "False", "FALSE": return .boolean
        default: break
        }
        let bytes = Array(text.utf8)
        if isInteger(bytes) { return .integer }
        if isFloat(bytes) { return .float }
        return .string
    }

    private static func isDigit(_ byte: UInt8, radix: Int = 10) -> Bool {
        switch radix {
        case 8: return (UInt8(ascii: "0")...UInt8(ascii: "7")).contains(byte)
        case 16:
            return (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
                || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains(byte)
                || (UInt8(ascii: "A")...UInt8(ascii: "F")).contains(byte)
        default: return (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
        }
    }

    /// `[-+]?[0-9]+ | 0o[0-7]+ | 0x[0-9a-fA-F]+`.
    private static func isInteger(_ bytes: [UInt8]) -> Bool {
        if bytes.count > 2, bytes[0] == UInt8(ascii: "0") {
            if bytes[1] == UInt8(ascii: "o") { return bytes.dropFirst(2).allSatisfy { isDigit($0, radix: 8) } }
            if bytes[1] == UInt8(ascii: "x") { return bytes.dropFirst(2).allSatisfy { isDigit($0, radix: 16) } }
        }
        var digits = bytes[...]
        if let first = digits.first, first == UInt8(ascii: "+") || first == UInt8(ascii: "-") {
            digits = digits.dropFirst()
        }
        return !digits.isEmpty && digits.allSatisfy { isDigit($0) }
    }

    /// `[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)? | [-+]?\.(inf|Inf|INF) | \.(nan|NaN|NAN)`.
    private static func isFloat(_ bytes: [UInt8]) -> Bool {
        let text = String(decoding: bytes, as: UTF8.self)
        if [".nan", ".NaN", ".NAN"].contains(text) { return true }
        var rest = bytes[...]
        if let first = rest.first, first == UInt8(ascii: "+") || first == UInt8(ascii: "-") {
            rest = rest.dropFirst()
        }
        if [".inf", ".Inf", ".INF"].contains(String(decoding: rest, as: UTF8.self)) { return true }
        let integerDigits = rest.prefix { isDigit($0) }
        rest = rest.dropFirst(integerDigits.count)
        var fractionDigits = 0
        if rest.first == UInt8(ascii: ".") {
            rest = rest.dropFirst()
            let fraction = rest.prefix { isDigit($0) }
            fractionDigits = fraction.count
            rest = rest.dropFirst(fraction.count)
            // `.` alone needs digits after it; `1.` is a float.
            if integerDigits.isEmpty && fractionDigits == 0 { return false }
        } else if integerDigits.isEmpty {
            return false
        }
        if let first = rest.first, first == UInt8(ascii: "e") || first == UInt8(ascii: "E") {
            rest = rest.dropFirst()
            if let sign = rest.first, sign == UInt8(ascii: "+") || sign == UInt8(ascii: "-") {
                rest = rest.dropFirst()
            }
            let exponent = rest.prefix { isDigit($0) }
            if exponent.isEmpty { return false }
            rest = rest.dropFirst(exponent.count)
        }
        return rest.isEmpty
    }

    /// The value of an integer-resolved scalar, or `nil` if it is not one or overflows.
    static func integerValue(_ text: String) -> Int? {
        guard resolve(text) == .integer else { return nil }
        if text.hasPrefix("0x") { return Int(text.dropFirst(2), radix: 16) }
        if text.hasPrefix("0o") { return Int(text.dropFirst(2), radix: 8) }
        return Int(text.hasPrefix("+") ? String(text.dropFirst()) : text, radix: 10)
    }

    /// An integer too large for `Int`, as the nearest `Double`.
    static func bigIntegerAsDouble(_ text: String) -> Double? {
        if text.hasPrefix("0x") || text.hasPrefix("0o") {
            let radix = text.hasPrefix("0x") ? 16.0 : 8.0
            var value = 0.0
            for character in text.dropFirst(2) {
                guard let digit = character.hexDigitValue else { return nil }
                value = value * radix + Double(digit)
            }
            return value
        }
        return Double(text)
    }

    static func floatValue(_ text: String) -> Double? {
        var rest = Substring(text)
        var sign = 1.0
        if rest.first == "+" || rest.first == "-" {
            sign = rest.first == "-" ? -1 : 1
            rest = rest.dropFirst()
        }
        switch rest {
        case ".inf", ".Inf", ".INF": return sign * .infinity
        case ".nan", ".NaN", ".NAN": return .nan
        default: break
        }
        // Swift's parser wants a digit before the point and after it before an exponent.
        var normalized = String(rest)
        if normalized.hasPrefix(".") { normalized = "0" + normalized }
        if let dot = normalized.firstIndex(of: ".") {
            let after = normalized.index(after: dot)
            if after == normalized.endIndex || normalized[after] == "e" || normalized[after] == "E" {
                normalized.insert("0", at: after)
            }
        }
        return Double(normalized).map { sign * $0 }
    }

    /// Writes `text` as a JSON string literal.
    static func writeJSONString(_ text: String, into output: inout String) {
        output += "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": output += "\\\""
            case "\\": output += "\\\\"
            case "\n": output += "\\n"
            case "\r": output += "\\r"
            case "\t": output += "\\t"
            case _ where scalar.value < 0x20 || scalar.value == 0x7F:
                let hex = String(scalar.value, radix: 16)
                output += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default:
                output.unicodeScalars.append(scalar)
            }
        }
        output += "\""
    }
}

/// JSON text, for canonical forms and files loom writes.
public enum JSONText {
    /// `text` as a JSON string literal: quotes, backslashes and control characters escaped.
    public static func quoted(_ text: String) -> String {
        var output = ""
        CoreSchema.writeJSONString(text, into: &output)
        return output
    }
}
