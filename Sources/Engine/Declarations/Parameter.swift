/// One parameter of an action: its name, type, default and one-line doc.
///
/// The same declaration drives validation (`loom check`), help (`loom actions`) and the
/// values an action's run function reads, so they can never disagree.
///
/// ```swift
/// Parameter("epochs", .integer(.atLeast(1)), default: 5, doc: "Passes over the training set.")
/// ```
public struct Parameter: Sendable {
    public var name: String
    public var type: ParameterType
    /// The value used when the cell leaves the parameter out; `nil` for required or optional-without-default.
    public var defaultValue: Value?
    /// A required parameter has no default and must be written in the cell.
    public var isRequired: Bool
    public var doc: String

    /// - Parameters:
    ///   - name: the YAML key, kebab-case (`batch-size`).
    ///   - type: what values are allowed.
    ///   - default: the value when the key is absent; `nil` means the parameter is optional with no value.
    ///   - required: whether the key must be present.
    ///   - doc: one line for `loom actions`.
    public init(_ name: String, _ type: ParameterType, default defaultValue: Value? = nil,
                required: Bool = false, doc: String) {
        self.name = name
        self.type = type
        self.defaultValue = defaultValue
        self.isRequired = required
        self.doc = doc
    }
}

/// A numeric range with open or closed ends, for parameter checks and help text.
public struct NumericBounds: Sendable, Hashable {
    public var lower: Double?
    public var upper: Double?
    public var lowerInclusive: Bool
    public var upperInclusive: Bool

    public init(lower: Double?, lowerInclusive: Bool = true, upper: Double?, upperInclusive: Bool = true) {
        self.lower = lower; self.upper = upper
        self.lowerInclusive = lowerInclusive; self.upperInclusive = upperInclusive
    }
    /// `x ≥ value`
    public static func atLeast(_ value: Double) -> Self { .init(lower: value, upper: nil) }
    /// `x > value`
    public static func greaterThan(_ value: Double) -> Self { .init(lower: value, lowerInclusive: false, upper: nil) }
    /// `low ≤ x ≤ high`
    public static func closed(_ low: Double, _ high: Double) -> Self { .init(lower: low, upper: high) }
    /// `low ≤ x < high`
    public static func halfOpen(_ low: Double, _ high: Double) -> Self {
        .init(lower: low, upper: high, upperInclusive: false)
    }
    /// `low < x ≤ high`
    public static func openClosed(_ low: Double, _ high: Double) -> Self {
        .init(lower: low, lowerInclusive: false, upper: high)
    }

    public func contains(_ x: Double) -> Bool {
        if let lower, lowerInclusive ? x < lower : x <= lower { return false }
        if let upper, upperInclusive ? x > upper : x >= upper { return false }
        return true
    }

    /// `≥ 1`, `in [0, 1)`, `> 0`.
    public func describe(integer: Bool) -> String {
        func show(_ v: Double) -> String {
            integer || v == v.rounded() && abs(v) < 1e15 ? String(Int(v)) : "\(v)"
        }
        switch (lower, upper) {
        case let (l?, u?):
            return "in \(lowerInclusive ? "[" : "(")\(show(l)), \(show(u))\(upperInclusive ? "]" : ")")"
        case let (l?, nil): return "\(lowerInclusive ? "≥" : ">") \(show(l))"
        case let (nil, u?): return "\(upperInclusive ? "≤" : "<") \(show(u))"
        case (nil, nil): return ""
        }
    }
}

/// The values a parameter may take.
public indirect enum ParameterType: Sendable {
    /// A whole number, optionally bounded.
    case integer(NumericBounds? = nil)
    /// A real number (integers are accepted), optionally bounded.
    case number(NumericBounds? = nil)
    case boolean
    case string
    /// One of a fixed set of words.
    case choice([String])
    /// A YAML sequence of one element type; a single scalar is accepted as a one-element list
    /// when `acceptsSingle` is true.
    case list(ParameterType, acceptsSingle: Bool = false)
    /// A mapping with declared fields (validated recursively, with defaults).
    case record([Parameter])
    /// The first alternative that accepts the value wins (e.g. a count or a list of paths).
    case either([ParameterType])
    /// A value whose structure an action checks itself (a layer list, an optimizer spec).
    /// `parse` converts the node to a ``Value`` or reports problems at their positions.
    case custom(CustomParameterType)

    /// Short human name: `integer ≥ 1`, `one of same, valid`, `list of string`.
    public var summary: String {
        switch self {
        case .integer(let b): return b.map { "integer \($0.describe(integer: true))" } ?? "integer"
        case .number(let b): return b.map { "number \($0.describe(integer: false))" } ?? "number"
        case .boolean: return "boolean"
        case .string: return "string"
        case .choice(let words): return "one of " + words.joined(separator: ", ")
        case .list(let element, _): return "list of \(element.summary)"
        case .record(let fields): return "mapping of " + fields.map(\.name).joined(separator: ", ")
        case .either(let types): return types.map(\.summary).joined(separator: " or ")
        case .custom(let custom): return custom.summary
        }
    }
}

/// A parameter type an action validates itself, such as a list of layers.
public struct CustomParameterType: Sendable {
    /// Shown in help, e.g. `list of layers`.
    public var summary: String
    /// Converts a node into a value; appends problems (with their positions) and returns `nil` on failure.
    public var parse: @Sendable (_ node: ParameterNodeReader, _ problems: inout [ParameterProblem]) -> Value?

    public init(summary: String,
                parse: @escaping @Sendable (_ node: ParameterNodeReader, _ problems: inout [ParameterProblem]) -> Value?) {
        self.summary = summary
        self.parse = parse
    }
}

/// A problem found in a parameter, at a position in the notebook.
public struct ParameterProblem: Sendable, Hashable {
    public var position: SourcePosition?
    public var message: String
    public init(at position: SourcePosition?, _ message: String) {
        self.position = position
        self.message = message
    }
}

import Notebook
