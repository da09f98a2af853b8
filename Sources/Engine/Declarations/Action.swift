import Foundation
import Notebook

/// The kind of a cell's result, which later cells ask for: `dataset`, `split`, `model`.
public struct ResultKind: RawRepresentable, Hashable, Sendable, ExpressibleByStringLiteral, CustomStringConvertible {
    public var rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public init(stringLiteral value: String) { self.rawValue = value }
    public var description: String { rawValue }
}

/// A result an action reads from a cell above it.
///
/// A cell names the result with the input's parameter (`model: cnn`); where it names none,
/// the engine takes the nearest result above of the right kind (or, for ``isMultiple`` inputs,
/// every result of that kind above).
public struct Input: Sendable {
    /// The parameter that names the result, e.g. `model`.
    public var name: String
    public var kind: ResultKind
    public var doc: String
    /// Whether the input takes a list of results (e.g. `compare`'s models).
    public var isMultiple: Bool
    /// Whether the cell may run without it.
    public var isOptional: Bool

    public init(_ name: String, kind: ResultKind, multiple: Bool = false, optional: Bool = false, doc: String) {
        self.name = name
        self.kind = kind
        self.doc = doc
        self.isMultiple = multiple
        self.isOptional = optional
    }
}

/// A built-in action: everything the engine, `loom check` and `loom actions` know about it.
///
/// Each action is declared once, in its own file, as a value:
///
/// ```swift
/// extension Action {
///     public static let split = Action(
///         name: "split", version: 1,
///         summary: "Splits a dataset into train, validation and test sets.",
///         inputs: [Input("data", kind: .dataset, doc: "The dataset to split.")],
///         produces: .split,
///         parameters: [Parameter("train", .number(.openClosed(0, 1)), default: 0.8, doc: "Training fraction.")],
///         run: { context in ... })
/// }
/// ```
public struct Action: Sendable {
    /// The name cells use, e.g. `train.cnn`.
    public var name: String
    /// Bumped whenever the action's results change for the same parameters; part of every cache key.
    public var version: Int
    /// One line for `loom actions`.
    public var summary: String
    /// A longer description for `loom actions NAME`.
    public var discussion: String
    public var inputs: [Input]
    /// The kind of result the action makes, if any.
    public var produces: ResultKind?
    public var parameters: [Parameter]
    /// Checks that involve several parameters (fractions that must sum to 1). They run even when
    /// other parameters are invalid (so `loom check` reports everything at once): an invalid
    /// parameter is absent from the values, so checks read them with the optional accessors.
    /// Problems name the parameter they are about.
    public var check: @Sendable (_ parameters: ParameterValues) -> [NamedProblem]
    /// Extra identity for the cache key beyond parameters and inputs (for `load`: the data files).
    public var identity: (@Sendable (_ parameters: ParameterValues, _ files: FileIdentityProvider) throws -> String)?
    /// Does the work.
    public var run: @Sendable (_ context: ActionContext) throws -> Void

    public init(name: String, version: Int, summary: String, discussion: String = "",
                inputs: [Input] = [], produces: ResultKind? = nil, parameters: [Parameter],
                check: @escaping @Sendable (ParameterValues) -> [NamedProblem] = { _ in [] },
                identity: (@Sendable (ParameterValues, FileIdentityProvider) throws -> String)? = nil,
                run: @escaping @Sendable (ActionContext) throws -> Void) {
        self.name = name
        self.version = version
        self.summary = summary
        self.discussion = discussion
        self.inputs = inputs
        self.produces = produces
        self.parameters = parameters
        self.check = check
        self.identity = identity
        self.run = run
    }

    /// The declared parameters plus one reference parameter per input, as validation sees them.
    var allParameters: [Parameter] {
        inputs.map { input in
            Parameter(input.name, input.isMultiple ? .list(.string, acceptsSingle: true) : .string,
                      doc: input.doc)
        } + parameters
    }
}

/// A problem with a named parameter, found by an action's own check.
public struct NamedProblem: Sendable, Hashable {
    public var parameter: String?
    public var message: String
    public init(parameter: String?, _ message: String) {
        self.parameter = parameter
        self.message = message
    }
}

/// Validated parameters of one cell, with typed accessors.
///
/// Accessors trap on a name the action did not declare (a programmer mistake); values the user
/// wrote were checked against the declaration before the action runs.
public struct ParameterValues: Sendable {
    public var values: [String: Value]
    /// Where each parameter was written, for errors found while running.
    public var positions: [String: SourcePosition]
    /// The YAML as written, for actions that point errors at a part of a parameter (layer 9 of `layers`).
    public var nodes: [String: ParameterNode]

    public init(values: [String: Value], positions: [String: SourcePosition] = [:],
                nodes: [String: ParameterNode] = [:]) {
        self.values = values
        self.positions = positions
        self.nodes = nodes
    }

    public subscript(name: String) -> Value? { values[name] }

    public func int(_ name: String) -> Int {
        guard let v = values[name]?.intValue else { preconditionFailure("parameter '\(name)' is not an integer") }
        return v
    }
    public func double(_ name: String) -> Double {
        guard let v = values[name]?.doubleValue else { preconditionFailure("parameter '\(name)' is not a number") }
        return v
    }
    public func bool(_ name: String) -> Bool {
        guard let v = values[name]?.boolValue else { preconditionFailure("parameter '\(name)' is not a boolean") }
        return v
    }
    public func string(_ name: String) -> String {
        guard let v = values[name]?.stringValue else { preconditionFailure("parameter '\(name)' is not text") }
        return v
    }
    public func optionalInt(_ name: String) -> Int? { values[name]?.intValue }
    public func optionalDouble(_ name: String) -> Double? { values[name]?.doubleValue }
    public func optionalString(_ name: String) -> String? { values[name]?.stringValue }
    public func list(_ name: String) -> [Value] { values[name]?.listValue ?? [] }
}

/// Answers "has this file changed?" cheaply for actions' cache identities.
public protocol FileIdentityProvider: Sendable {
    /// A stable identity of the file's content: size, modification time and a SHA-256 of the bytes,
    /// with the hash remembered per (path, size, mtime) so unchanged files are not read again.
    func identity(ofFile path: String) throws -> String
    /// The folder of the notebook being planned: paths a cell writes relative to its notebook
    /// (`predict`'s `files`) resolve against it.
    var notebookDirectory: String { get }
}

extension FileIdentityProvider {
    /// The current directory, for providers that know no notebook.
    public var notebookDirectory: String { FileManager.default.currentDirectoryPath }
}
