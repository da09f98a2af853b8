import ArgumentParser
import Engine

extension Loom {
    /// `loom check NOTEBOOK…`
    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Validates notebooks without running anything.",
            discussion: """
                Reports every error as FILE:LINE:COLUMN: ACTION: MESSAGE — unknown actions and \
                parameters (with suggestions), types and ranges, YAML syntax, and references to \
                results that are undefined, below the cell or of the wrong kind. Exits non-zero if any.
                """)

        @Argument(help: "The notebooks to check.")
        var notebooks: [String]

        @OptionGroup var notebookParameters: NotebookParameterOptions

        func run() throws {
            var failed = false
            for path in notebooks {
                let checked = try loadAndCheck(path, overrides: notebookParameters.overrides)
                failed = report(checked.diagnostics) || failed
                if !checked.errors.isEmpty {
                    printError("\(path): \(checked.errors.count) error\(checked.errors.count == 1 ? "" : "s")")
                } else {
                    print("\(path): \(checked.cells.count) cells, no errors")
                }
            }
            if failed { throw ExitCode.failure }
        }
    }
}
