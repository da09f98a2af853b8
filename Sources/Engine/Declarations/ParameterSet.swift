import Notebook

/// An action's parameters: a `Sendable` struct whose stored properties hold the values, and whose
/// ``fields`` say how each is written in a cell (name, type, bounds or choices, doc).
///
/// The declaration is the storage: the engine reads a cell's YAML once, through
/// ``ParameterNodeReader``'s core schema, into the struct, and the action's `run` receives it
/// typed. Help (`loom actions NAME`), `loom check`, the cache key (``canonicalForm``) and sweep's
/// variant identity all come from the same fields, so they cannot drift apart.
///
/// ```swift
/// struct SplitParameters: ParameterSet {
///     var train = 0.8
///     var seed = 42
///     static let fields: [Field<Self>] = [
///         Field("train", \.train, .number(.openClosed(0, 1)), doc: "Fraction for training."),
///         Field("seed", \.seed, .integer(.atLeast(0)), doc: "Which images go where."),
///     ]
/// }
/// ```
///
/// The defaults are the struct's own initial values (`init()`); a parameter a cell may leave
/// unset without a default is an `Optional` property, so "the user wrote x" is `x != nil`.
public protocol ParameterSet: Sendable {
    /// Every parameter at its default.
    init()
    /// How each stored property is written in a cell, in the order help lists them.
    static var fields: [Field<Self>] { get }
    /// Checks that involve several parameters (fractions that must sum to 1). They run once every
    /// field has been read without a problem; each problem names the parameter it is about.
    func check() -> [NamedProblem]
    /// Reads a cell's body; the default reads ``fields``. `params` reads its free-form body itself.
    static func read(_ node: ParameterNodeReader, otherNames: [String], context: CellReadingContext,
                     problems: inout [ParameterProblem]) -> (value: Self, positions: [String: SourcePosition])
    /// Each field that has a value, with it, in declaration order; the default encodes ``fields``.
    var encodedFields: [(String, Value)] { get }
}

extension ParameterSet {
    public func check() -> [NamedProblem] { [] }

    /// The parameters in canonical form: the fields that have a value, keys sorted, numbers in
    /// shortest round-trip form. Cache keys and sweep variants hash this text.
    public var canonicalForm: String { Value.map(encodedFields).canonical }

    /// Each field that has a value, with it, in declaration order.
    public var encodedFields: [(String, Value)] {
        Self.fields.compactMap { field in field.encode(self).map { (field.name, $0) } }
    }

    /// Reads a cell's body (a mapping) into the parameters.
    ///
    /// - Parameters:
    ///   - node: the cell's body.
    ///   - otherNames: keys the caller reads itself (an action's inputs): skipped here, but offered
    ///     in "did you mean" hints.
    ///   - owner: `nil` for a cell's top level, or the enclosing parameter's name for nested records.
    ///   - problems: where problems are appended, with their positions.
    /// - Returns: the parameters (fields with problems keep their defaults) and where each key was written.
    public static func decode(_ node: ParameterNodeReader, otherNames: [String] = [], owner: String? = nil,
                              problems: inout [ParameterProblem]) -> (value: Self, positions: [String: SourcePosition]) {
        var value = Self()
        var positions: [String: SourcePosition] = [:]
        var entries: [ParameterEntry] = []
        if let mapping = node.entries {
            entries = mapping
        } else if !node.isNull {
            let what = owner.map { "'\($0)' must be a mapping" } ?? "a cell's body must be a mapping of parameters"
            problems.append(ParameterProblem(at: node.position, "\(what), not \(node.kindDescription)"))
            return (value, positions)
        }
        let fields = Self.fields
        let names = fields.map(\.name)
        var given: [String: ParameterEntry] = [:]
        for entry in entries {
            if let first = positions[entry.key] {
                problems.append(ParameterProblem(
                    at: entry.keyPosition, "'\(entry.key)' is given twice (first at line \(first.line))"))
                continue
            }
            positions[entry.key] = entry.keyPosition
            if otherNames.contains(entry.key) { continue }
            guard names.contains(entry.key) else {
                let what = owner.map { "unknown field '\(entry.key)' of '\($0)'" } ?? "unknown parameter '\(entry.key)'"
                problems.append(ParameterProblem(
                    at: entry.keyPosition, what + Suggestions.hint(for: entry.key, in: names + otherNames)))
                continue
            }
            given[entry.key] = entry
        }
        for field in fields {
            if let entry = given[field.name] {
                field.read(ParameterNodeReader(entry.value), &value, &problems)
            } else if field.isRequired {
                let what = owner.map { "'\($0)' is missing its field '\(field.name)'" }
                    ?? "missing required parameter '\(field.name)'"
                problems.append(ParameterProblem(at: node.position, "\(what) (\(field.doc.lowercasedFirst))"))
            }
        }
        return (value, positions)
    }

    /// The name cells write for the field stored at `keyPath`, so that messages about a
    /// parameter name it as its declaration does (`Self.name(of: \.seeds)` is `seeds`).
    ///
    /// A key path that no field declares is a programming error; the declaration tests call
    /// every action's uses.
    public static func name(of keyPath: PartialKeyPath<Self>) -> String {
        guard let field = fields.first(where: { $0.keyPath == keyPath }) else {
            preconditionFailure("\(Self.self) declares no field stored at \(keyPath)")
        }
        return field.name
    }

    /// Every field, stored inside a larger parameter set at `keyPath` (see ``Field/lifted(through:)``).
    public static func lifted<Outer: ParameterSet>(through keyPath: WritableKeyPath<Outer, Self> & Sendable) -> [Field<Outer>] {
        fields.map { $0.lifted(through: keyPath) }
    }

    /// The declarations as help and nested validation read them.
    public static var declarations: [Parameter] {
        let defaults = Self()
        return fields.map { $0.declaration(defaults: defaults) }
    }

    /// Problems with the declaration itself: repeated names, and defaults that do not pass their
    /// own field's check. A test and a debug start-up assertion run it for every action.
    public static func declarationProblems() -> [String] {
        var problems: [String] = []
        var seen: Set<String> = []
        let defaults = Self()
        for field in fields {
            if !seen.insert(field.name).inserted { problems.append("'\(field.name)' is declared twice") }
            guard !field.isRequired, let value = field.encode(defaults) else { continue }
            var found: [ParameterProblem] = []
            var scratch = Self()
            field.read(ParameterNodeReader(value.node), &scratch, &found)
            if let first = found.first {
                problems.append("the default of '\(field.name)' (\(value)) does not fit its declaration: \(first.message)")
            } else if field.encode(scratch)?.canonical != value.canonical {
                problems.append("the default of '\(field.name)' (\(value)) reads back as \(field.encode(scratch).map { "\($0)" } ?? "nothing")")
            }
        }
        return problems
    }
}

/// One parameter of a ``ParameterSet``: its name in cells, how it is read into its stored
/// property and written back in canonical form, and its doc.
public struct Field<Root: ParameterSet>: Sendable {
    /// The YAML key, kebab-case (`batch-size`).
    public let name: String
    /// What values are allowed, for help and nested validation.
    public private(set) var type: ParameterType
    /// Whether the cell must write it.
    public let isRequired: Bool
    /// One line for `loom actions`.
    public let doc: String
    /// The stored property, for ``ParameterSet/name(of:)`` (`nil` where it is not one property).
    /// Key paths are immutable values, so sharing one across threads is safe.
    nonisolated(unsafe) let keyPath: AnyKeyPath?
    let read: @Sendable (ParameterNodeReader, inout Root, inout [ParameterProblem]) -> Void
    let encode: @Sendable (Root) -> Value?

    /// A field whose values a ``ParameterType`` describes (numbers, text, choices, lists, records).
    ///
    /// - Parameters:
    ///   - name: the YAML key.
    ///   - keyPath: the stored property; its initial value is the default.
    ///   - type: what values are allowed.
    ///   - required: whether the key must be present.
    ///   - doc: one line for `loom actions`.
    public init<T: ParameterValue>(_ name: String, _ keyPath: WritableKeyPath<Root, T> & Sendable, _ type: ParameterType,
                                   required: Bool = false, doc: String) {
        self.name = name
        self.type = type
        self.isRequired = required
        self.doc = doc
        self.keyPath = keyPath
        self.read = { node, root, problems in
            let before = problems.count
            guard let value = ParameterValidator.validate(node, as: type, name: name, problems: &problems) else { return }
            guard let typed = T(parameterValue: value) else {
                if problems.count == before {
                    problems.append(ParameterProblem(at: node.position, "'\(name)' cannot be \(value)"))
                }
                return
            }
            root[keyPath: keyPath] = typed
        }
        self.encode = { root in root[keyPath: keyPath].parameterValue }
    }

    /// A field of one of a fixed set of words, read into an enum whose raw values are the words.
    public init<T: CaseIterable & RawRepresentable & Sendable>(
        _ name: String, _ keyPath: WritableKeyPath<Root, T> & Sendable, doc: String) where T.RawValue == String {
        let words = T.allCases.map(\.rawValue)
        self.init(name, keyPath, summary: ParameterType.choice(words).summary, doc: doc,
                  parse: { node, problems in
                      ParameterValidator.validate(node, as: .choice(words), name: name, problems: &problems)?
                          .stringValue.flatMap(T.init(rawValue:))
                  },
                  encode: { .string($0.rawValue) })
        self.type = .choice(words)
    }

    /// A field that reads its YAML itself, straight into its own type (a layer list, an optimizer).
    ///
    /// - Parameters:
    ///   - summary: what help calls the type: `list of layers`.
    ///   - parse: reads the node; appends problems (with positions) and returns `nil` when it does not fit.
    ///   - encode: the canonical value of a parsed value, for cache keys and help.
    public init<T: Sendable>(_ name: String, _ keyPath: WritableKeyPath<Root, T> & Sendable, summary: String,
                             required: Bool = false, doc: String,
                             parse: @escaping @Sendable (ParameterNodeReader, inout [ParameterProblem]) -> T?,
                             encode: @escaping @Sendable (T) -> Value?) {
        self.name = name
        self.isRequired = required
        self.doc = doc
        self.keyPath = keyPath
        self.type = .custom(CustomParameterType(summary: summary) { node, problems in
            parse(node, &problems).flatMap(encode)
        })
        self.read = { node, root, problems in
            let before = problems.count
            guard let value = parse(node, &problems) else {
                if problems.count == before {
                    problems.append(ParameterProblem(at: node.position, "'\(name)' must be \(summary), not \(node.kindDescription)"))
                }
                return
            }
            root[keyPath: keyPath] = value
        }
        self.encode = { root in encode(root[keyPath: keyPath]) }
    }

    /// A field that is a mapping with fields of its own, read into a nested parameter set
    /// (`erase: {probability: 0.5}`); `nil` when the cell leaves it out.
    public init<Nested: ParameterSet>(_ name: String, _ keyPath: WritableKeyPath<Root, Nested?> & Sendable,
                                      record: Nested.Type, doc: String) {
        self.init(name, keyPath, summary: "mapping of " + Nested.fields.map(\.name).joined(separator: ", "), doc: doc,
                  parse: { node, problems in
                      let before = problems.count
                      let (value, _) = Nested.decode(node, owner: name, problems: &problems)
                      return problems.count == before ? value : nil
                  },
                  encode: { nested in nested.map { Value.map($0.encodedFields) } })
        self.type = .record(Nested.declarations)
    }

    /// A private initialiser for ``lifted(through:)``.
    init(name: String, type: ParameterType, isRequired: Bool, doc: String, keyPath: AnyKeyPath?,
         read: @escaping @Sendable (ParameterNodeReader, inout Root, inout [ParameterProblem]) -> Void,
         encode: @escaping @Sendable (Root) -> Value?) {
        self.name = name
        self.type = type
        self.isRequired = isRequired
        self.doc = doc
        self.keyPath = keyPath
        self.read = read
        self.encode = encode
    }

    /// The same field, stored inside a larger parameter set: the training settings every
    /// training action shares, the augmentation fields `eda.augment` writes at its top level.
    public func lifted<Outer: ParameterSet>(through keyPath: WritableKeyPath<Outer, Root> & Sendable) -> Field<Outer> {
        let read = self.read, encode = self.encode
        return Field<Outer>(name: name, type: type, isRequired: isRequired, doc: doc,
                            keyPath: self.keyPath.flatMap { (keyPath as AnyKeyPath).appending(path: $0) },
                            read: { node, outer, problems in read(node, &outer[keyPath: keyPath], &problems) },
                            encode: { outer in encode(outer[keyPath: keyPath]) })
    }

    /// The declaration help reads, with the default taken from `defaults`.
    func declaration(defaults: Root) -> Parameter {
        Parameter(name, type, default: isRequired ? nil : encode(defaults), required: isRequired, doc: doc)
    }
}

/// A Swift type a parameter's value can have: it is read from a validated ``Value`` and written back
/// as one for cache keys and help.
public protocol ParameterValue: Sendable {
    /// The typed value of a validated value, or `nil` where it does not fit.
    init?(parameterValue value: Value)
    /// The value in canonical form; `nil` for an absent optional.
    var parameterValue: Value? { get }
}

/// A scalar that is one case of ``Value``: read and written through the case's accessor.
public protocol ScalarParameterValue: ParameterValue {
    /// The value's scalar, or `nil` for another kind (`Value.intValue`).
    static var scalar: @Sendable (Value) -> Self? { get }
    /// The case that holds it (`Value.int`).
    static var wrap: @Sendable (Self) -> Value { get }
}

extension ScalarParameterValue {
    public init?(parameterValue value: Value) {
        guard let scalar = Self.scalar(value) else { return nil }
        self = scalar
    }
    public var parameterValue: Value? { Self.wrap(self) }
}

// One line each: the accessor that reads the scalar, and the case that holds it.
extension Int: ScalarParameterValue { public static let scalar: @Sendable (Value) -> Int? = { $0.intValue }, wrap = Value.int }
extension Double: ScalarParameterValue { public static let scalar: @Sendable (Value) -> Double? = { $0.doubleValue }, wrap = Value.double }
extension Bool: ScalarParameterValue { public static let scalar: @Sendable (Value) -> Bool? = { $0.boolValue }, wrap = Value.bool }
extension String: ScalarParameterValue { public static let scalar: @Sendable (Value) -> String? = { $0.stringValue }, wrap = Value.string }

extension Array: ParameterValue where Element: ParameterValue {
    public init?(parameterValue value: Value) {
        guard let items = value.listValue else { return nil }
        var elements: [Element] = []
        for item in items {
            guard let element = Element(parameterValue: item) else { return nil }
            elements.append(element)
        }
        self = elements
    }
    public var parameterValue: Value? { .list(compactMap(\.parameterValue)) }
}

extension Optional: ParameterValue where Wrapped: ParameterValue {
    public init?(parameterValue value: Value) {
        if case .null = value {
            self = .none
            return
        }
        guard let wrapped = Wrapped(parameterValue: value) else { return nil }
        self = .some(wrapped)
    }
    public var parameterValue: Value? { self?.parameterValue ?? nil }
}

extension RawRepresentable where Self: ParameterValue, RawValue == String {
    public init?(parameterValue value: Value) {
        guard let text = value.stringValue else { return nil }
        self.init(rawValue: text)
    }
    public var parameterValue: Value? { .string(rawValue) }
}

extension Field where Root: ParameterSet {
    /// The `seed` of a random choice: a whole number ≥ 0; equal seeds give equal results.
    public static func seed(_ keyPath: WritableKeyPath<Root, Int> & Sendable, doc: String) -> Field {
        Field("seed", keyPath, .integer(.atLeast(0)), doc: doc)
    }
}

/// A list parameter with where each item is written, for errors about one item found while
/// running (`files`' third path does not exist). The positions are not part of the canonical form.
public struct LocatedList<Element: ParameterValue>: Sendable {
    public var values: [Element]
    /// Where each item is written; one position for a single value written without a list.
    public var positions: [SourcePosition]
}

extension Field {
    /// A list field that keeps each item's position.
    public init<Element: ParameterValue>(_ name: String, _ keyPath: WritableKeyPath<Root, LocatedList<Element>?> & Sendable,
                                         _ type: ParameterType, doc: String) {
        self.init(name, keyPath, summary: type.summary, doc: doc,
                  parse: { node, problems in
                      guard let value = ParameterValidator.validate(node, as: type, name: name, problems: &problems),
                            let values = [Element](parameterValue: value) else { return nil }
                      return LocatedList(values: values, positions: node.items?.map(\.position) ?? [node.position])
                  },
                  encode: { $0?.values.parameterValue })
        self.type = type
    }
}

/// A parameter set with no parameters.
public struct NoParameters: ParameterSet {
    public init() {}
    public static let fields: [Field<Self>] = []
}

extension Value {
    /// The value as a YAML node (positions at the start), so a declared default can be read back
    /// through its own field.
    var node: ParameterNode {
        let start = SourcePosition(line: 1, column: 1)
        switch self {
        case .null: return .null(start)
        case .bool(let b): return .scalar(b ? "true" : "false", start, .plain)
        case .int, .double: return .scalar(description, start, .plain)
        case .string(let s): return .scalar(s, start, .doubleQuoted)
        case .list(let items): return .sequence(items.map(\.node), start)
        case .map(let entries):
            return .mapping(entries.map { ParameterEntry(key: $0.0, keyPosition: start, value: $0.1.node) }, start)
        }
    }
}
