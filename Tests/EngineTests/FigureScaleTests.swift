import Foundation
import Testing
@testable import Engine

@Suite struct FigureScaleTests {
    @Test func aFigureAtScaleTwoIsShownAtHalfItsPixelWidth() throws {
        let figure = FigureOutput(name: "curves", title: "Loss \"and\" accuracy", png: pngHeader(width: 1280), scale: 2)
        #expect(figure.pixelWidth == 1280)
        #expect(figure.displayWidth == 640)
        let markdown = try [OutputItem.figure(figure)].markdown(figures: .embedded, prefix: "cell-01", firstFigureNumber: 1)
        #expect(markdown.hasPrefix("<img src=\"data:image/png;base64,"))
        #expect(markdown.contains("alt=\"Loss &quot;and&quot; accuracy\" width=\"640\">"))
        #expect(markdown.contains("*Figure 1: Loss \"and\" accuracy.*"))
    }

    @Test func aFigureAtScaleOneStaysAMarkdownImage() throws {
        let figure = FigureOutput(name: "curves", title: "Loss", png: pngHeader(width: 640))
        #expect(figure.scale == nil && figure.displayWidth == nil)
        let markdown = try [OutputItem.figure(figure)].markdown(figures: .embedded, prefix: "cell-01")
        #expect(markdown.hasPrefix("![Loss](data:image/png;base64,"))
    }

    @Test func assetFiguresAtScaleTwoAreLinkedAndKept() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("loom-scale-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let figure = FigureOutput(name: "map", title: "Map", png: pngHeader(width: 800), scale: 2)
        let markdown = try [OutputItem.figure(figure)].markdown(figures: .assets(directory: directory, relativePath: "nb.assets"),
                                                                prefix: "cell-02")
        #expect(markdown.hasPrefix("<img src=\"nb.assets/cell-02-map-") && markdown.hasSuffix("width=\"400\">"))
        let files = try FileManager.default.contentsOfDirectory(atPath: directory)
        #expect(files.count == 1)
        // The stale-figure sweep after writing the notebook keeps a file the <img> links.
        NotebookRunner.removeStaleFigures(in: directory, keeping: markdown)
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory) == files)
        NotebookRunner.removeStaleFigures(in: directory, keeping: "no figures")
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory).isEmpty)
    }

    @Test func cachedScaleOneFiguresDecodeWithoutAScale() throws {
        // Outputs stored before figures had a scale have no `scale` key.
        let old = #"{"name":"a","title":"A","png":""}"#
        let figure = try JSONDecoder().decode(FigureOutput.self, from: Data(old.utf8))
        #expect(figure.scale == nil)
        let encoded = try JSONEncoder().encode(FigureOutput(name: "a", title: "A", png: Data()))
        #expect(!String(decoding: encoded, as: UTF8.self).contains("scale"))
    }

    @Test func theScaleIsNotPartOfAnyKey() throws {
        let notebook = "```loom number as n\nvalue: 3\n```\n\n```loom plot\nof: n\n```\n"
        let harness = Harness()
        #expect(try harness.plan(notebook).map(\.key) == harness.plan(notebook, scale: 2).map(\.key))
    }

    /// `--scale 2` after a run at scale 1 redraws only the cells that have figures, and what they
    /// computed through sub-results (a training) comes from the cache; back at scale 1 they redraw again.
    @Test func anotherScaleRedrawsFiguresWithoutRecomputingSubresults() throws {
        let notebook = "```loom number as n\nvalue: 3\n```\n\n```loom plot\nof: n\n```\n"
        let harness = Harness()
        #expect(try harness.run(notebook).cells.map(\.status) == [.ran, .ran])
        #expect(harness.log.all == ["number 3.0", "square 3.0", "plot at 1.0"])
        harness.log.reset()

        let planned = try harness.plan(notebook, scale: 2)
        #expect(planned[0].decision == .cached)
        #expect(planned[1].decision == .run(.figureScale(stored: 1, wanted: 2)))
        #expect(RunReason.figureScale(stored: 1, wanted: 2).description == "its figures were drawn at scale 1, --scale asks for 2")
        let doubled = try harness.run(notebook, scale: 2)
        #expect(doubled.cells.map(\.status) == [.cached, .ran])
        #expect(harness.log.all == ["plot at 2.0"])
        #expect(harness.output.contains("width=\"100\">"))
        harness.log.reset()

        #expect(try harness.run(notebook, scale: 2).cells.map(\.status) == [.cached, .cached])
        #expect(harness.log.all.isEmpty)
        #expect(try harness.run(notebook).cells.map(\.status) == [.cached, .ran])
        #expect(harness.log.all == ["plot at 1.0"])
    }
}
