import Foundation
import Testing
@testable import Engine

@Suite struct FigureScaleTests {
    /// The first 24 bytes of a PNG `width` × 10 pixels: signature, IHDR length and type, width, height.
    static func pngHeader(width: UInt32) -> Data {
        var bytes: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13] + Array("IHDR".utf8)
        bytes += withUnsafeBytes(of: width.bigEndian) { Array($0) }
        bytes += withUnsafeBytes(of: UInt32(10).bigEndian) { Array($0) }
        return Data(bytes + [8, 2, 0, 0, 0])
    }

    @Test func aFigureAtScaleTwoIsShownAtHalfItsPixelWidth() throws {
        let figure = FigureOutput(name: "curves", title: "Loss \"and\" accuracy", png: Self.pngHeader(width: 1280), scale: 2)
        #expect(figure.pixelWidth == 1280)
        #expect(figure.displayWidth == 640)
        let markdown = try [OutputItem.figure(figure)].markdown(figures: .embedded, prefix: "cell-01", firstFigureNumber: 1)
        #expect(markdown.hasPrefix("<img src=\"data:image/png;base64,"))
        #expect(markdown.contains("alt=\"Loss &quot;and&quot; accuracy\" width=\"640\">"))
        #expect(markdown.contains("*Figure 1: Loss \"and\" accuracy.*"))
    }

    @Test func aFigureAtScaleOneStaysAMarkdownImage() throws {
        let figure = FigureOutput(name: "curves", title: "Loss", png: Self.pngHeader(width: 640))
        #expect(figure.scale == nil && figure.displayWidth == nil)
        let markdown = try [OutputItem.figure(figure)].markdown(figures: .embedded, prefix: "cell-01")
        #expect(markdown.hasPrefix("![Loss](data:image/png;base64,"))
    }

    @Test func assetFiguresAtScaleTwoAreLinkedAndKept() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("loom-scale-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let figure = FigureOutput(name: "map", title: "Map", png: Self.pngHeader(width: 800), scale: 2)
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

    @Test func onlyAScaleOtherThanOneChangesTheCellKey() {
        let plain = CacheKey.cell(action: "a", version: 1, parameters: "{}", inputs: [:], identity: nil)
        #expect(CacheKey.cell(action: "a", version: 1, parameters: "{}", inputs: [:], identity: nil, figureScale: 1) == plain)
        let doubled = CacheKey.cell(action: "a", version: 1, parameters: "{}", inputs: [:], identity: nil, figureScale: 2)
        #expect(doubled != plain)
        #expect(CacheKey.scaleText(2) == "2" && CacheKey.scaleText(1.5) == "1.5")
    }
}
