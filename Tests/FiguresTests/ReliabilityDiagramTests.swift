import Analysis
import Foundation
import Testing
@testable import Figures

@Suite struct ReliabilityDiagramTests {
    /// Four bins: the first empty, the others below the diagonal (overconfident).
    let bins = [
        CalibrationBin(lower: 0, upper: 0.25, count: 0, meanConfidence: nil, accuracy: nil),
        CalibrationBin(lower: 0.25, upper: 0.5, count: 10, meanConfidence: 0.4, accuracy: 0.3),
        CalibrationBin(lower: 0.5, upper: 0.75, count: 20, meanConfidence: 0.65, accuracy: 0.6),
        CalibrationBin(lower: 0.75, upper: 1, count: 12_345, meanConfidence: 0.95, accuracy: 0.9),
    ]

    @Test func drawsBarsInThePaletteColourAndIsDeterministic() throws {
        let figure = Figure(ReliabilityDiagram(bins: bins, title: "ECE 0.050"), title: "Reliability")
        let image = try figure.render()
        #expect(image.width == 560)
        #expect(figure.size.width == 560 && figure.size.height > 480)
        // The bars (and the legend's patch) are in the first palette colour.
        #expect(positions(of: Theme.standard.color(0), in: image).count > 2000)
        #expect(try figure.renderPNG() == (try figure.renderPNG()))
        #expect(edgeIsBlank(image, band: 2))
    }

    @Test func theBarsFollowTheAccuracies() throws {
        // Without counts, a bin at accuracy 0.9 has a column of bar colour about 3 times as tall
        // as one at 0.3.
        let image = try Figure(ReliabilityDiagram(bins: bins, showCounts: false), size: Size(width: 560, height: 480)).render()
        let bar = Theme.standard.color(0)
        let columns = Dictionary(grouping: positions(of: bar, in: image), by: \.x).mapValues(\.count)
        let tallest = columns.values.max() ?? 0
        let heights = columns.values.filter { $0 > tallest / 5 }
        #expect(tallest > 250)
        #expect(heights.contains { abs(Double($0) / Double(tallest) - 1.0 / 3) < 0.06 })
    }

    @Test func largeCountsAreShortened() {
        #expect(ReliabilityDiagram.countText(812) == "812")
        #expect(ReliabilityDiagram.countText(12_345) == "12.3k")
    }
}
