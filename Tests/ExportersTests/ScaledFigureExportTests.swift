import Foundation
import Testing
@testable import Exporters

@Suite struct ScaledFigureExportTests {
    @Test func anImgElementOfAScaledFigureIsReadAsAFigure() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("loom-img-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory + "/nb.assets", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let png = Data([0x89, 0x50, 0x4E, 0x47, 1, 2, 3])
        try png.write(to: URL(fileURLWithPath: directory + "/nb.assets/cell-01-a.png"))
        let line = #"<img src="nb.assets/cell-01-a.png" alt="Loss &quot;and&quot; accuracy &lt;1&gt;" width="640">"#
        let figure = try #require(NotebookExport.figure(line, baseDirectory: directory))
        #expect(figure.alt == "Loss \"and\" accuracy <1>")
        #expect(figure.png == png)
        let embedded = "<img src=\"data:image/png;base64,\(png.base64EncodedString())\" alt=\"A\" width=\"320\">"
        #expect(NotebookExport.figure(embedded, baseDirectory: directory)?.png == png)
        // The plain Markdown form still reads, and an <img> of something else does not.
        #expect(NotebookExport.figure("![Loss](nb.assets/cell-01-a.png)", baseDirectory: directory)?.alt == "Loss")
        #expect(NotebookExport.figure(#"<img src="https://example.com/x.png" alt="x">"#, baseDirectory: directory) == nil)
    }
}
