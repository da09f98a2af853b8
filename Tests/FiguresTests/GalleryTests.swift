import Foundation
import Testing
@testable import Figures

@Suite struct GalleryTests {
    /// Renders every chart kind. Set LOOM_GALLERY_OUT to a folder to keep the PNGs for viewing.
    @Test func galleryRendersEveryKindWithCleanEdges() throws {
        let keep = ProcessInfo.processInfo.environment["LOOM_GALLERY_OUT"]
        let directory = keep.map { URL(fileURLWithPath: $0) }
            ?? FileManager.default.temporaryDirectory.appendingPathComponent("loom-gallery-\(UUID().uuidString)")
        defer { if keep == nil { try? FileManager.default.removeItem(at: directory) } }
        let files = try Gallery.renderAll(to: directory)
        #expect(files.count == Gallery.figures().count)
        let kinds = Set(Gallery.figures().map { String(describing: type(of: $0.figure.chart)) })
        #expect(kinds.isSuperset(of: ["BarChart", "Histogram", "LineChart", "FigureGrid", "Heatmap", "BoxPlot",
                                      "ViolinPlot", "ScatterPlot", "ImageGrid", "WordCloud", "IntervalChart"]))
        for file in files {
            let image = try PNGImage.decode(Data(contentsOf: file))
            // Nothing is drawn in the outer 3 pixels: no text or mark is clipped at an edge.
            let blank = edgeIsBlank(image, band: 3)
            #expect(blank, "\(file.lastPathComponent) draws at its edge")
        }
        if keep != nil {
            try Gallery.renderAll(to: directory.appendingPathComponent("2x"), scale: 2)
        }
    }
}
