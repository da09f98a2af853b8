import ArgumentParser
import Foundation
import Notebook

extension Loom {
    /// `loom export html NOTEBOOK`
    struct Export: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Takes results to other tools: HTML pages, ONNX and safetensors models, CSV tables, NumPy arrays, Jupyter notebooks.",
            subcommands: [HTML.self, Model.self, CSV.self, NPY.self, IPYNB.self])

        struct HTML: ParsableCommand {
            static let configuration = CommandConfiguration(
                commandName: "html", abstract: "Writes one self-contained HTML page (figures inlined).")

            @Argument(help: "An executed notebook (outputs/NAME.md).")
            var notebook: String

            @Option(name: .shortAndLong, help: ArgumentHelp("The HTML file (default: beside the notebook).",
                                                           valueName: "file"))
            var output: String?

            func run() throws {
                guard let text = try? String(contentsOfFile: notebook, encoding: .utf8) else {
                    throw LoomFailure(message: "error: cannot read '\(notebook)'")
                }
                let destination = output ?? ((notebook as NSString).deletingPathExtension + ".html")
                let base = (notebook as NSString).deletingLastPathComponent
                let page = HTMLPage.render(markdown: text, title: (notebook as NSString).lastPathComponent,
                                           baseDirectory: base)
                try writeAtomically(page, to: destination)
                print("wrote \(destination)")
            }
        }
    }
}
