import Foundation
import Notebook

/// A cell after validation: its action, typed parameters and the cells its inputs come from.
public struct CheckedCell: Sendable {
    public var cell: Cell
    /// `nil` when the action name is unknown.
    public var action: Action?
    /// The typed parameters; `nil` when a parameter is invalid.
    public var parameters: BoundParameters?
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
        let readingContext = CellReadingContext(notebookParameters: declared.keys.sorted().compactMap { name in
            declared[name].map { NotebookParameter(name: name, value: ParameterNodeReader($0.node).plainValue,
                                                   isOverridden: $0.overridden) }
        })
        let notebookDirectory = URL(fileURLWithPath: document.path).deletingLastPathComponent().path
        /// What each checked cell's result will hold, where known without running.
        var facts: [Int: ResultFacts] = [:]
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

            // Notebook parameters ($name), except in the cells that declare them; then the action's own parameters.
            var cell = cell
            let before = diagnostics.count
            if action.name != NotebookParameters.actionName {
                cell.parameters = NotebookParameters.substitute(cell.parameters, declared: declared, path: document.path,
                                                                action: action.name, diagnostics: &diagnostics)
            }
            let unresolved = Set(diagnostics[before...].map(\.position))
            var problems: [ParameterProblem] = []
            let parameters = action.bind(ParameterNodeReader(cell.parameters), readingContext, &problems)
            // An unknown `$name` is reported once, not again as a wrongly typed value.
            problems.removeAll { $0.position.map(unresolved.contains) ?? false }
            let hasUnresolved = !unresolved.isEmpty
            let positions = parameters.positions
            for problem in problems { report(problem.position, problem.message) }
            // Cross-parameter checks run even when other parameters are invalid (so everything is
            // reported at once), but say nothing about a parameter that could not be read.
            let unreadable = parameters.failedFields
            for problem in hasUnresolved ? [] : parameters.crossCheck() {
                let aboutUnreadable = problem.parameters.isEmpty ? !unreadable.isEmpty
                    : problem.parameters.contains(where: unreadable.contains)
                if !aboutUnreadable { report(problem.position(in: positions), problem.message) }
            }

            // Result name.
            // Any cell may be named, so that prose can show its facts (`{loom} ev.accuracy`).
            if let name = cell.resultName {
                if let previous = namesAbove[name] {
                    report(cell.resultNamePosition,
                           "the name '\(name)' is already used by cell \(previous + 1) (line \(document.cells[previous].startLine))")
                }
            }

            // Inputs.
            var inputs: [String: [Int]] = [:]
            for input in action.inputs {
                let producers = registry.producers(of: input.kind)
                let hint = producers.isEmpty ? "" : "; add a '\(producers[0])' cell before it"
                if let names = parameters.inputReferences[input.name] {
                    var resolved: [Int] = []
                    for name in names {
                        let position = positions[input.name]
                        if let index = namesAbove[name] {
                            let producer = checked[index]
                            if let producing = producer.action, producing.produces != input.kind {
                                let what = producing.produces.map { "is a \($0)" } ?? "makes no result"
                                report(position, "'\(input.name)' needs a \(input.kind) result, but '\(name)' \(what) "
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
            var isValid = problems.isEmpty && !hasUnresolved && !diagnostics.contains { $0.severity == .error }
            // What the inputs will hold, for checks that need it (a model's shapes) and for the cells below.
            var inputFacts: [String: [ResultFacts]] = [:]
            for (name, indices) in inputs { inputFacts[name] = indices.compactMap { facts[$0] } }
            let knownInputs = InputFacts(inputFacts, notebookDirectory: notebookDirectory)
            if isValid {
                for problem in parameters.inputCheck?(knownInputs) ?? [] {
                    report(problem.position(in: positions), problem.message)
                    isValid = false
                }
                if isValid, let described = parameters.describe?(knownInputs) { facts[cell.index] = described }
            }
            checked.append(CheckedCell(cell: cell, action: action, parameters: isValid ? parameters : nil,
                                       inputs: inputs, diagnostics: diagnostics))
            if let name = cell.resultName, namesAbove[name] == nil { namesAbove[name] = cell.index }
        }
        notebookDiagnostics += InlineValues.check(document, cells: checked)
        return CheckedNotebook(document: document, cells: checked, notebookDiagnostics: notebookDiagnostics)
    }
}
