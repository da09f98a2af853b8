import ArgumentParser
import Figures
import Foundation
import Notebook

extension Loom {
    /// `loom gallery`
    struct Gallery: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Draws every kind of figure loom makes, from synthetic data, into one folder.",
            discussion: """
                Writes one PNG per chart kind (bars, histogram, lines, heatmaps, box and violin plots, \
                scatter, image grids, word cloud, panels) and a gallery.md that shows them all, so you \
                can see at a glance what the actions draw.
                """)

        @Option(help: ArgumentHelp("Where the figures go.", valueName: "dir"))
        var out = "outputs/gallery"

        @Option(help: "Pixel density: 1 for Markdown embedding, 2 for crisp screens.")
        var scale: Double = 1

        func validate() throws {
            guard [1.0, 2.0].contains(scale) else { throw ValidationError("'--scale' must be 1 or 2.") }
        }

        func run() throws {
            let files = try Figures.Gallery.renderAll(to: URL(fileURLWithPath: out), scale: scale)
            var lines = ["# loom figure gallery", "",
                         "Every kind of figure loom draws, from synthetic data (`loom gallery`).", ""]
            for file in files {
                let name = file.deletingPathExtension().lastPathComponent
                lines += ["## \(name)", "", "![\(name)](\(file.lastPathComponent))", ""]
            }
            try writeAtomically(lines.joined(separator: "\n"), to: (out as NSString).appendingPathComponent("gallery.md"))
            print("wrote \(files.count) figures and gallery.md to \(out)")
        }
    }
}
