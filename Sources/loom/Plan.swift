import ArgumentParser
import Actions
import Engine
import Foundation

extension Loom {
    /// `loom plan NOTEBOOK`
    struct Plan: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Shows what a run would do: which cells run (and why) and which come from the cache.")

        @Argument(help: "The notebook.")
        var notebook: String

        @Option(name: .customLong("force"), help: ArgumentHelp("As for 'loom run'.", valueName: "cell"))
        var force: [String] = []

        @Flag(help: "As for 'loom run'.")
        var noCache = false

        @OptionGroup var notebookParameters: NotebookParameterOptions

        @OptionGroup var cache: CacheOptions

        func run() throws {
            let checked = try loadAndCheck(notebook, overrides: notebookParameters.overrides)
            if report(checked.diagnostics) { throw ExitCode.failure }
            try validateForce(force, in: [checked])
            let planned = Planner(cache: try cache.open())
                .plan(checked, options: PlanOptions(force: force, ignoreCache: noCache))
            var table = Table(columns: ["cell", "line", "action", "result", "plan", "why"],
                              alignments: [.right, .right, .left, .left, .left, .left])
            for (entry, cell) in zip(planned, checked.cells) {
                let (word, why): (String, String) = switch entry.decision {
                case .cached: ("cached", "")
                case .run(let reason): ("run", reason.description)
                case .blocked(let reason): ("blocked", reason)
                }
                table.append([String(entry.index + 1), String(cell.cell.startLine), entry.action,
                              entry.resultName ?? "", word, why])
            }
            print(TextTable.render(table))
            let runs = planned.filter { if case .run = $0.decision { true } else { false } }.count
            print("\(runs) of \(planned.count) cells would run.")
        }
    }
}

/// Plain-text tables for the terminal.
enum TextTable {
    static func render(_ table: Table) -> String {
        let all = [table.columns] + table.rows
        let widths = table.columns.indices.map { column in all.map { $0[column].count }.max() ?? 0 }
        func line(_ row: [String]) -> String {
            row.enumerated().map { column, text in
                let pad = String(repeating: " ", count: widths[column] - text.count)
                return table.alignments[column] == .right ? pad + text : text + pad
            }.joined(separator: "  ").trimmingTrailingSpaces
        }
        return ([line(table.columns), widths.map { String(repeating: "─", count: $0) }.joined(separator: "  ")]
                + table.rows.map(line)).joined(separator: "\n")
    }
}

extension String {
    var trimmingTrailingSpaces: String {
        var copy = self
        while copy.last == " " { copy.removeLast() }
        return copy
    }
}
