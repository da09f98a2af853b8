import ArgumentParser
import Exporters
import Foundation

extension Loom.Export {
    /// `loom export ipynb outputs/X.md -o X.ipynb`
    struct IPYNB: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "ipynb",
            abstract: "Writes an executed notebook as a Jupyter notebook (nbformat 4).",
            discussion: """
                Prose becomes Markdown cells, each loom cell a code cell (its YAML, language yaml; the \
                action, name, status and time in the cell's metadata) with its outputs: tables and text \
                as text/markdown and text/html, figures as image/png. Opens in Jupyter, VS Code and \
                nbviewer; nothing in it runs in a Python kernel.
                """)

        @Argument(help: "An executed notebook (outputs/NAME.md).")
        var notebook: String

        @Option(name: .shortAndLong, help: ArgumentHelp("The .ipynb file (default: beside the notebook).", valueName: "file"))
        var output: String?

        func run() throws {
            let document = try readExecuted(notebook)
            let base = (notebook as NSString).deletingLastPathComponent
            let data = try exporting { try NotebookExport.ipynb(document, baseDirectory: base.isEmpty ? "." : base) }
            let destination = output ?? ((notebook as NSString).deletingPathExtension + ".ipynb")
            try writeExport(data, to: destination)
            print("wrote \(destination)")
        }
    }
}
