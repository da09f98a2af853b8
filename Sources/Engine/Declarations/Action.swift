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
/// Each action is declared once, in its own file, as a value whose parameters are a
/// ``ParameterSet`` struct; `run` receives that struct, typed:
///
/// ```swift
/// extension Action {
///     public static let split = Action(
///         name: "split", version: 1,
///         summary: "Splits a dataset into train, validation and test sets.",
///         inputs: [Input("data", kind: .dataset, doc: "The dataset to split.")],
///         produces: .split,
///         parameters: SplitParameters.self,
///         run: { parameters, context in ... parameters.train ... })
/// }
/// ```
public struct Action: Sendable {
    /// The name cells use, e.g. `train.cnn`.
    public var name: String
    /// Bumped whenever the action's results change for the same parameters; part of every cache key.
    public var version: Int
    /// The version of what the action computes through sub-results
    /// (``ActionContext/memoized(_:identity:compute:)``: its trainings), part of their keys; `nil`
    /// for ``version``. An action whose outputs or facts change while its trainings stay the same
    /// bumps ``version`` alone: its cells re-run and read their trainings from the cache.
    public var subresultVersion: Int?
    /// One line for `loom actions`.
    public var summary: String
    /// A longer description for `loom actions NAME`.
    public var discussion: String
    public var inputs: [Input]
    /// The kind of result the action makes, if any.
    public var produces: ResultKind?
    /// The declared parameters, as help shows them (derived from the parameter struct's fields).
    public let parameters: [Parameter]
    /// A cell body that shows the action at work, for `loom actions NAME --example` (checked by a test).
    public var example: String?
    /// The facts a cell of this action publishes, which prose can show as inline values.
    public var facts: [FactDeclaration]
    /// Problems with the declaration itself (repeated names, defaults that do not fit).
    public let declarationProblems: @Sendable () -> [String]
    /// Reads a cell's body into the typed parameters.
    let bind: @Sendable (_ node: ParameterNodeReader, _ context: CellReadingContext,
                         _ problems: inout [ParameterProblem]) -> BoundParameters

    /// - Parameters:
    ///   - parameters: the struct the cell's body is read into.
    ///   - identity: extra identity for the cache key beyond parameters and inputs (for `load`: the data files).
    ///   - check: checks that need what the cell's inputs will hold (shapes of the data a model trains on).
    ///   - describe: what the cell's result will hold, as far as it is known without running (a dataset's shape).
    ///   - run: does the work.
    public init<P: ParameterSet>(
        name: String, version: Int, subresultVersion: Int? = nil, summary: String, discussion: String = "",
        inputs: [Input] = [], produces: ResultKind? = nil, parameters: P.Type, example: String? = nil,
        facts: [FactDeclaration] = [],
        identity: (@Sendable (_ parameters: P, _ files: FileIdentityProvider) throws -> String)? = nil,
        check: (@Sendable (_ parameters: P, _ inputs: InputFacts) -> [NamedProblem])? = nil,
        describe: (@Sendable (_ parameters: P, _ inputs: InputFacts) -> ResultFacts?)? = nil,
        run: @escaping @Sendable (_ parameters: P, _ context: ActionContext) throws -> Void
    ) {
        self.name = name
        self.version = version
        self.subresultVersion = subresultVersion
        self.summary = summary
        self.discussion = discussion
        self.inputs = inputs
        self.produces = produces
        self.example = example
        self.facts = facts
        let inputDeclarations = inputs.map { input in
            Parameter(input.name, input.isMultiple ? .list(.string, acceptsSingle: true) : .string, doc: input.doc)
        }
        self.parameters = P.declarations
        self.declarationProblems = {
            var problems = P.declarationProblems()
            for input in inputs where P.fields.contains(where: { $0.name == input.name }) {
                problems.append("'\(input.name)' is both an input and a parameter")
            }
            var seen: Set<String> = []
            for fact in facts where !seen.insert(fact.name).inserted {
                problems.append("the fact '\(fact.name)' is declared twice")
            }
            return problems
        }
        self.bind = { node, context, problems in
            Self.bind(P.self, node: node, context: context, inputs: inputDeclarations, problems: &problems,
                      identity: identity, check: check, describe: describe, run: run)
        }
    }

    private static func bind<P: ParameterSet>(
        _: P.Type, node: ParameterNodeReader, context: CellReadingContext, inputs: [Parameter],
        problems: inout [ParameterProblem],
        identity: (@Sendable (P, FileIdentityProvider) throws -> String)?,
        check: (@Sendable (P, InputFacts) -> [NamedProblem])?,
        describe: (@Sendable (P, InputFacts) -> ResultFacts?)?,
        run: @escaping @Sendable (P, ActionContext) throws -> Void
    ) -> BoundParameters {
        let before = problems.count
        let (value, positions) = P.read(node, otherNames: inputs.map(\.name), context: context, problems: &problems)
        // The keys whose values had problems: each problem lies in the last entry that starts before it.
        let starts = (node.entries ?? []).map { ($0.key, $0.keyPosition) }
        var failed: Set<String> = []
        for problem in problems[before...] {
            guard let position = problem.position else { continue }
            if let owner = starts.last(where: { $0.1 <= position }) { failed.insert(owner.0) }
        }
        var references: [String: [String]] = [:]
        for input in inputs {
            guard let entry = node.entries?.first(where: { $0.key == input.name }) else { continue }
            let written = ParameterValidator.validate(ParameterNodeReader(entry.value), as: input.type,
                                                      name: input.name, problems: &problems)
            let names: [String]? = written?.listValue?.compactMap(\.stringValue) ?? written?.stringValue.map { [$0] }
            references[input.name] = names ?? []
        }
        var inputCheck: (@Sendable (InputFacts) -> [NamedProblem])?
        if let check { inputCheck = { facts in check(value, facts) } }
        var describing: (@Sendable (InputFacts) -> ResultFacts?)?
        if let describe { describing = { facts in describe(value, facts) } }
        var identifying: (@Sendable (FileIdentityProvider) throws -> String)?
        if let identity { identifying = { files in try identity(value, files) } }
        return BoundParameters(
            value: value, canonicalForm: value.canonicalForm, encoded: value.encodedFields, positions: positions,
            inputReferences: references, failedFields: failed, crossCheck: { value.check() }, inputCheck: inputCheck, describe: describing,
            identity: identifying, run: { context in try run(value, context) })
    }
}

/// A cell's parameters after reading: the typed value (type-erased) and everything derived from it.
public struct BoundParameters: Sendable {
    /// The action's parameter struct.
    public let value: any ParameterSet
    /// The canonical encoding of the parameters (inputs left out), which cache keys hash.
    public let canonicalForm: String
    /// The fields that have a value, in declaration order, for tables and tests.
    public let encoded: [(String, Value)]
    /// Where each key was written, for errors found later.
    public let positions: [String: SourcePosition]
    /// The result names written for each input (`model: cnn`).
    public let inputReferences: [String: [String]]
    /// The keys whose values could not be read (they keep their defaults in ``value``).
    let failedFields: Set<String>
    let crossCheck: @Sendable () -> [NamedProblem]
    let inputCheck: (@Sendable (InputFacts) -> [NamedProblem])?
    let describe: (@Sendable (InputFacts) -> ResultFacts?)?
    let identity: (@Sendable (FileIdentityProvider) throws -> String)?
    let run: @Sendable (ActionContext) throws -> Void

    /// The encoded value of field `name`, for tests and tables.
    public subscript(encoded name: String) -> Value? { encoded.first { $0.0 == name }?.1 }
}

/// What a cell's reading may depend on besides its body: the notebook's parameters (for `params`).
public struct CellReadingContext: Sendable {
    /// The notebook parameters, by name, as `params` cells declare them and `-p` overrides them.
    public var notebookParameters: [NotebookParameter]
    public init(notebookParameters: [NotebookParameter] = []) { self.notebookParameters = notebookParameters }
}

/// One notebook parameter: its value and where it came from.
public struct NotebookParameter: Sendable, Hashable {
    public var name: String
    public var value: Value
    /// Whether `loom run -p` gave the value (otherwise it is the `params` cell's default).
    public var isOverridden: Bool
}

extension ParameterSet {
    /// The default reading of a cell's body: its ``fields`` (``decode(_:otherNames:owner:problems:)``).
    public static func read(_ node: ParameterNodeReader, otherNames: [String], context: CellReadingContext,
                            problems: inout [ParameterProblem]) -> (value: Self, positions: [String: SourcePosition]) {
        decode(node, otherNames: otherNames, problems: &problems)
    }
}

/// A problem with a named parameter, found by an action's own check.
public struct NamedProblem: Sendable, Hashable {
    /// The parameters the problem is about; it is shown at the last of them the cell writes
    /// (or at the cell's action when it writes none).
    public var parameters: [String]
    /// An exact position inside the parameter (layer 3 of `layers`), which wins over the parameter's.
    public var position: SourcePosition?
    public var message: String
    public init(parameter: String?, at position: SourcePosition? = nil, _ message: String) {
        self.parameters = parameter.map { [$0] } ?? []
        self.position = position
        self.message = message
    }
    /// A problem about the parameter stored at `keyPath`, named as its declaration names it
    /// (``ParameterSet/name(of:)``), so the name cannot drift from the declaration.
    public init<Parameters: ParameterSet>(_ keyPath: PartialKeyPath<Parameters>, at position: SourcePosition? = nil, _ message: String) {
        self.init(parameter: Parameters.name(of: keyPath), at: position, message)
    }
    /// A problem about several parameters together (fractions that must sum to 1).
    public init(parameters: [String], _ message: String) {
        self.parameters = parameters
        self.position = nil
        self.message = message
    }
    /// The first parameter it is about.
    public var parameter: String? { parameters.first }

    /// Where to show the problem, given where the cell wrote its keys.
    func position(in positions: [String: SourcePosition]) -> SourcePosition? {
        position ?? parameters.last { positions[$0] != nil }.flatMap { positions[$0] }
    }
}

/// What `loom check` knows about a cell's inputs before anything runs, by input name.
public struct InputFacts: Sendable {
    public var facts: [String: [ResultFacts]]
    /// The folder of the notebook being checked: paths a cell reads relative to its notebook resolve against it.
    public var notebookDirectory: String
    public init(_ facts: [String: [ResultFacts]] = [:], notebookDirectory: String = ".") {
        self.facts = facts
        self.notebookDirectory = notebookDirectory
    }
    /// The facts of the single result input `name` reads, where known.
    public func first(_ name: String) -> ResultFacts? { facts[name]?.first }
}

/// What a result will hold, as far as `loom check` can tell without running: the shape of the
/// images and the classes of a dataset or split.
public struct ResultFacts: Sendable, Hashable {
    /// `[channels, height, width]` of one image.
    public var imageShape: [Int]?
    /// The class names.
    public var classNames: [String]?
    /// The number of images (a dataset's, or a split's training part).
    public var imageCount: Int?
    /// How many of a dataset's images came from its official training file (about, for a sample),
    /// when it keeps the official training and test files apart; `nil` otherwise.
    public var officialTrainCount: Int?
    public init(imageShape: [Int]? = nil, classNames: [String]? = nil, imageCount: Int? = nil, officialTrainCount: Int? = nil) {
        self.imageShape = imageShape
        self.classNames = classNames
        self.imageCount = imageCount
        self.officialTrainCount = officialTrainCount
    }
}

/// Answers "has this file changed?" cheaply for actions' cache identities.
public protocol FileIdentityProvider: Sendable {
    /// A stable identity of the file's content: size, modification time and a SHA-256 of the bytes,
    /// with the hash remembered per (path, size, mtime) so unchanged files are not read again.
    func identity(ofFile path: String) throws -> String
    /// The folder of the notebook being planned: paths a cell writes relative to its notebook
    /// (`predict`'s `files`) resolve against it.
    var notebookDirectory: String { get }
    /// The runs of the notebook being planned recorded in the cache, newest first, for an identity
    /// that depends on earlier runs (`compare`'s `runs`); empty without a cache.
    func recordedRuns() throws -> [RunRecord]
}

extension FileIdentityProvider {
    /// The current directory, for providers that know no notebook.
    public var notebookDirectory: String { FileManager.default.currentDirectoryPath }
    /// No runs, for providers that know no cache.
    public func recordedRuns() throws -> [RunRecord] { [] }
}
