import Notebook

extension Action {
    /// `params`: a notebook's named parameters, which other cells use as `$name`.
    ///
    /// Its body is free-form (each key declares one parameter and its default), so it is not
    /// validated against a declaration; `loom run -p name=value` overrides a default. Its output
    /// records the values a run used, and where each came from.
    public static let params = Action(
        name: NotebookParameters.actionName,
        version: 1,
        summary: "Declares notebook parameters: defaults that cells use as $name and 'loom run -p name=value' overrides.",
        discussion: """
            Each key of the body declares a parameter and its default value. Any cell below may write \
            '$name' as a value (epochs: $epochs); 'loom run notebook.md -p epochs=10' runs it with 10 \
            instead, checked like every parameter. A cell that does not use a parameter keeps its \
            cache across runs with other values. The executed notebook records the values used.
            """,
        parameters: NotebookParameterValues.self,
        example: "epochs: 5\nseed: 42",
        run: { parameters, context in
            var table = Table(columns: ["parameter", "value", "from"], alignments: [.left, .left, .left])
            for parameter in parameters.values.sorted(by: { $0.name < $1.name }) {
                table.append([parameter.name, parameter.value.description,
                              parameter.isOverridden ? "command line (-p)" : "default"])
            }
            context.emit(table)
        })
}

/// The body of a `params` cell: each key declares a notebook parameter and its default.
///
/// It is read with the notebook's context, so each value is the one the run uses (the default,
/// or the `-p` override) and knows where it came from; the cache key hashes the values.
public struct NotebookParameterValues: ParameterSet {
    /// The parameters this cell declares, in the order written.
    public var values: [NotebookParameter] = []

    public init() {}

    /// None: the body is free-form.
    public static let fields: [Field<Self>] = []

    /// One entry per declared parameter, with where its value came from, so the cache key (and
    /// the cell's table) changes with the values a run uses and with their source.
    public var encodedFields: [(String, Value)] {
        values.map { ($0.name, .map([("value", $0.value), ("from", .string($0.isOverridden ? "-p" : "default"))])) }
    }

    public static func read(_ node: ParameterNodeReader, otherNames: [String], context: CellReadingContext,
                            problems: inout [ParameterProblem]) -> (value: Self, positions: [String: SourcePosition]) {
        var result = Self()
        var positions: [String: SourcePosition] = [:]
        guard let entries = node.entries else {
            if !node.isNull {
                problems.append(ParameterProblem(at: node.position, "a 'params' cell must be a mapping of names to default values"))
            }
            return (result, positions)
        }
        for entry in entries where positions[entry.key] == nil {
            positions[entry.key] = entry.keyPosition
            let declared = context.notebookParameters.first { $0.name == entry.key }
            result.values.append(declared ?? NotebookParameter(
                name: entry.key, value: ParameterNodeReader(entry.value).plainValue, isOverridden: false))
        }
        return (result, positions)
    }
}

/// Notebook parameters: the `loom params` cell, `$name` references, and `-p name=value` overrides.
enum NotebookParameters {
    static let actionName = "params"

    struct Declared {
        var node: ParameterNode
        var line: Int
        var overridden: Bool
    }

    /// Collects the declared parameters (first `params` cell wins for a name), applying overrides.
    static func collect(_ document: NotebookDocument, overrides: [String: String],
                        diagnostics: inout [Diagnostic]) -> [String: Declared] {
        var declared: [String: Declared] = [:]
        let cells = document.cells.filter { $0.action == actionName }
        for cell in cells {
            guard case .mapping(let entries, _) = cell.parameters else { continue }
            for entry in entries where declared[entry.key] == nil {
                declared[entry.key] = Declared(node: entry.value, line: entry.keyPosition.line, overridden: false)
            }
        }
        for (name, text) in overrides.sorted(by: { $0.key < $1.key }) {
            guard var parameter = declared[name] else {
                let position = cells.first?.actionPosition ?? SourcePosition(line: 1, column: 1)
                let hint = Suggestions.hint(for: name, in: declared.keys)
                let where_ = cells.isEmpty ? "the notebook has no 'loom params' cell" : "no such notebook parameter"
                diagnostics.append(Diagnostic(path: document.path, position: position, action: actionName,
                                              message: "-p \(name)=\(text): \(where_)\(hint)"))
                continue
            }
            parameter.node = .scalar(text, parameter.node.position, .plain)
            parameter.overridden = true
            declared[name] = parameter
        }
        return declared
    }

    /// Replaces `$name` scalars with the parameter's value (keeping the reference's position, so a
    /// wrong value is reported where it is used).
    static func substitute(_ node: ParameterNode, declared: [String: Declared], path: String, action: String,
                           diagnostics: inout [Diagnostic]) -> ParameterNode {
        switch node {
        case .scalar(let text, let position, .plain) where text.hasPrefix("$") && text.count > 1:
            let name = String(text.dropFirst())
            guard let parameter = declared[name] else {
                diagnostics.append(Diagnostic(path: path, position: position, action: action,
                                              message: "unknown notebook parameter '\(text)'"
                                                  + Suggestions.hint(for: name, in: declared.keys)
                                                  + (declared.isEmpty ? " (declare it in a 'loom params' cell)" : "")))
                return node
            }
            return relocated(parameter.node, to: position)
        case .sequence(let items, let position):
            return .sequence(items.map { substitute($0, declared: declared, path: path, action: action,
                                                    diagnostics: &diagnostics) }, position)
        case .mapping(let entries, let position):
            return .mapping(entries.map { entry in
                var entry = entry
                entry.value = substitute(entry.value, declared: declared, path: path, action: action,
                                         diagnostics: &diagnostics)
                return entry
            }, position)
        default:
            return node
        }
    }

    /// The same value, reported at `position`.
    private static func relocated(_ node: ParameterNode, to position: SourcePosition) -> ParameterNode {
        switch node {
        case .scalar(let text, _, let style): return .scalar(text, position, style)
        case .null: return .null(position)
        case .sequence(let items, _): return .sequence(items, position)
        case .mapping(let entries, _): return .mapping(entries, position)
        }
    }
}
