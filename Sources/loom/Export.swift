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
                let document: NotebookDocument
                do {
                    document = try NotebookDocument.read(path: notebook)
                } catch {
                    throw LoomFailure(message: error.description)
                }
                if !document.cells.isEmpty && document.outputBlocks.isEmpty {
                    throw LoomFailure(message: "'\(notebook)' has not been run: it holds no cell outputs. Run "
                        + "'loom run \(notebook)' and export the executed notebook it writes (outputs/NAME.md).")
                }
                let destination = output ?? ((notebook as NSString).deletingPathExtension + ".html")
                try Self.refuseToOverwriteSource(destination, source: notebook)
                let base = (notebook as NSString).deletingLastPathComponent
                let page = HTMLPage.render(markdown: document.text, title: (notebook as NSString).lastPathComponent,
                                           baseDirectory: base)
                try writeAtomically(page, to: destination)
                print("wrote \(destination)")
            }

            /// The page never replaces a Markdown file (the notebook itself, or another source).
            static func refuseToOverwriteSource(_ destination: String, source: String) throws {
                let lowered = destination.lowercased()
                if sameFile(destination, source) {
                    throw LoomFailure(message: "'\(destination)' is the notebook being exported; the page would "
                        + "replace it. Name another file with -o (for example -o page.html).")
                }
                if [".md", ".markdown"].contains(where: lowered.hasSuffix) {
                    throw LoomFailure(message: "'\(destination)' is a Markdown file name; the page is HTML and "
                        + "would replace a notebook. Name an .html file with -o.")
                }
            }

            /// Whether two paths name the same file (or the same path where neither exists yet).
            static func sameFile(_ a: String, _ b: String) -> Bool {
                let first = URL(fileURLWithPath: a).standardizedFileURL.resolvingSymlinksInPath().path
                let second = URL(fileURLWithPath: b).standardizedFileURL.resolvingSymlinksInPath().path
                return first == second
            }
        }
    }
}
