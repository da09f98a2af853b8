import Notebook

/// A cell after validation: its action, typed parameters and the cells its inputs come from.
public struct CheckedCell: Sendable {
    public var cell: Cell
    /// `nil` when the action name is unknown.
    public var action: Action?
    /// `nil` when a parameter is invalid.
    public var parameters: ParameterValues?
    /// Input name → the indices of the cells whose results it reads (document order).
    public var inputs: [String: [Int]]
    public var diagnostics: [Diagnostic]

    /// Whether the cell can run (given that its inputs can).
    public var isValid: Bool { action != nil && parameters != nil && !diagnostics.contains { $0.severity == .error } }

    /// Every cell this cell reads, without repeats, in document order.
    public var dependencies: [Int] { Array(Set(inputs.values.flatMap { $0 })).sorted() }
}

/// A whole notebook after validation.
public struct CheckedNotebook: Sendable {
    public var document: NotebookDocument
    public var cells: [CheckedCell]
    /// Problems that belong to no cell (a `-p` override of an undeclared parameter).
    public var notebookDiagnostics: [Diagnostic] = []

    /// Every diagnostic, in document order.
    public var diagnostics: [Diagnostic] {
        let inCells = Set(cells.flatMap(\.diagnostics))
        return (document.diagnostics.filter { !inCells.contains($0) } + notebookDiagnostics + cells.flatMap(\.diagnostics))
            .sorted { ($0.position, $0.message) < ($1.position, $1.message) }
    }

    public var errors: [Diagnostic] { diagnostics.filter { $0.severity == .error } }
}

/// Validates every cell of a notebook against the registry without running anything.
///
/// It finds unknown actions and parameters (with suggestions), type and range errors, an action's
/// own cross-parameter checks, and references to undefined, later or wrongly typed results.
public enum Checker {
    ///
    /// - Parameter overrides: notebook parameters given on the command line (`-p name=value`).
    public static func check(_ document: NotebookDocument, registry: ActionRegistry,
                             overrides: [String: String] = [:]) -> CheckedNotebook {
        var notebookDiagnostics: [Diagnostic] = []
        let declared = NotebookParameters.collect(document, overrides: overrides, diagnostics: &notebookDiagnostics)
        var checked: [CheckedCell] = []
        /// Result name → index of the cell that defines it, for names defined so far.
        var namesAbove: [String: Int] = [:]
        let allNames = Dictionary(document.cells.compactMap { cell in cell.resultName.map { ($0, cell.index) } },
                                  uniquingKeysWith: { first, _ in first })

        for cell in document.cells {
            var diagnostics = document.diagnostics.filter { diagnostic in
                (cell.startLine...cell.endLine).contains(diagnostic.position.line)
            }
            func report(_ position: SourcePosition?, _ message: String, action: String? = cell.action) {
                diagnostics.append(Diagnostic(path: document.path, position: position ?? cell.actionPosition,
                                              action: action, message: message))
            }
            guard let action = registry.action(named: cell.action) else {
                report(cell.actionPosition,
                       "unknown action '\(cell.action)'" + Suggestions.hint(for: cell.action, in: registry.names)
                           + " (see 'loom actions')",
                       action: nil)
                checked.append(CheckedCell(cell: cell, action: nil, parameters: nil, inputs: [:], diagnostics: diagnostics))
                if let name = cell.resultName, namesAbove[name] == nil { namesAbove[name] = cell.index }
                continue
            }

            if action.name == NotebookParameters.actionName {
                var values: [String: Value] = [:]
                var overridden: [Value] = []
                if case .mapping(let entries, _) = cell.parameters {
                    for entry in entries {
                        let parameter = declared[entry.key]
                        values[entry.key] = ParameterNodeReader(parameter?.node ?? entry.value).plainValue
                        if parameter?.overridden == true { overridden.append(.string(entry.key)) }
                    }
                } else if !ParameterNodeReader(cell.parameters).isNull {
                    report(cell.parameters.position, "a 'params' cell must be a mapping of names to default values")
                }
                values["--overridden"] = .list(overridden)
                checked.append(CheckedCell(cell: cell, action: action, parameters: ParameterValues(values: values),
                                           inputs: [:], diagnostics: diagnostics))
                continue
            }

            // Notebook parameters ($name), then the action's own parameters.
            var cell = cell
            let before = diagnostics.count
            cell.parameters = NotebookParameters.substitute(cell.parameters, declared: declared, path: document.path,
                                                            action: action.name, diagnostics: &diagnostics)
            let unresolved = Set(diagnostics[before...].map(\.position))
            var problems: [ParameterProblem] = []
            let record = ParameterValidator.validateRecord(
                ParameterNodeReader(cell.parameters), fields: action.allParameters, owner: nil, problems: &problems)
            // An unknown `$name` is reported once, not again as a wrongly typed value.
            problems.removeAll { $0.position.map(unresolved.contains) ?? false }
            let hasUnresolved = !unresolved.isEmpty
            var positions: [String: SourcePosition] = [:]
            var nodes: [String: ParameterNode] = [:]
            if case .mapping(let entries, _) = cell.parameters {
                for entry in entries where positions[entry.key] == nil {
                    positions[entry.key] = entry.keyPosition
                    nodes[entry.key] = entry.value
                }
            }
            var values: [String: Value] = [:]
            for (name, value) in record.mapValue ?? [] { values[name] = value }
            for problem in problems { report(problem.position, problem.message) }
            let parameters = ParameterValues(values: values, positions: positions, nodes: nodes)
            for problem in action.check(parameters) {
                report(problem.parameter.flatMap { positions[$0] }, problem.message)
            }

            // Result name.
            if let name = cell.resultName {
                if action.produces == nil {
                    report(cell.resultNamePosition, "'\(action.name)' makes no result, so it cannot be named '\(name)'")
                } else if let previous = namesAbove[name] {
                    report(cell.resultNamePosition,
                           "the name '\(name)' is already used by cell \(previous + 1) (line \(document.cells[previous].startLine))")
                }
            }

            // Inputs.
            var inputs: [String: [Int]] = [:]
            for input in action.inputs {
                let producers = registry.producers(of: input.kind)
                let hint = producers.isEmpty ? "" : "; add a '\(producers[0])' cell before it"
                if let named = values[input.name] {
                    let names = named.listValue?.compactMap(\.stringValue) ?? named.stringValue.map { [$0] } ?? []
                    var resolved: [Int] = []
                    for name in names {
                        let position = positions[input.name]
                        if let index = namesAbove[name] {
                            let producer = checked[index]
                            if let kind = producer.action?.produces, kind != input.kind {
                                report(position, "'\(input.name)' needs a \(input.kind) result, but '\(name)' is a \(kind) "
                                    + "(made by '\(producer.cell.action)' at line \(producer.cell.startLine))")
                            } else {
                                resolved.append(index)
                            }
                        } else if let later = allNames[name], later >= cell.index {
                            report(position, later == cell.index
                                ? "'\(input.name)' names this cell's own result '\(name)'"
                                : "'\(name)' is defined below this cell (line \(document.cells[later].startLine)); "
                                    + "a cell can only use results above it")
                        } else {
                            let candidates = namesAbove.filter { checked[$0.value].action?.produces == input.kind }.keys
                            report(position, "no result named '\(name)' above this cell"
                                + Suggestions.hint(for: name, in: candidates))
                        }
                    }
                    inputs[input.name] = resolved
                } else {
                    let above = checked.indices.reversed().filter { checked[$0].action?.produces == input.kind }
                    if input.isMultiple {
                        if above.isEmpty, !input.isOptional {
                            report(cell.actionPosition, "needs at least one \(input.kind) result above it\(hint)")
                        }
                        inputs[input.name] = above.reversed()
                    } else if let nearest = above.first {
                        inputs[input.name] = [nearest]
                    } else if !input.isOptional {
                        report(cell.actionPosition, "needs a \(input.kind) result above it\(hint)")
                    }
                }
            }
            let isValid = problems.isEmpty && !hasUnresolved
            checked.append(CheckedCell(cell: cell, action: action, parameters: isValid ? parameters : nil,
                                       inputs: inputs, diagnostics: diagnostics))
            if let name = cell.resultName, namesAbove[name] == nil { namesAbove[name] = cell.index }
        }
        return CheckedNotebook(document: document, cells: checked, notebookDiagnostics: notebookDiagnostics)
    }
}
