import Testing
@testable import Figures

/// Vertical markers on a line chart: a line across the plot at the marker's x, and a legend row per label.
@Suite struct MarkedLineChartTests {
    static let red = Color(red: 1, green: 0, blue: 0)
    static let blue = Color(red: 0, green: 0, blue: 1)

    func render(_ markers: [MarkedLineChart.Marker]) throws -> PNGImage {
        let line = LineChart(series: [.init(name: "loss", values: [4, 3, 2.5, 2.2, 2], color: Color(grey: 0.2))],
                             xLabel: "epoch", markers: false, legendPlacement: .outside)
        return try Figure(MarkedLineChart(line, markers: markers), size: Size(width: 500, height: 300)).render()
    }

    @Test func aMarkerIsAVerticalLineAtItsEpochWithALegendRow() throws {
        let image = try render([.init(x: 2, label: "kept epoch", style: .solid, color: Self.red)])
        let red = positions(of: Self.red, in: image, tolerance: 110)
        // Lines 1.5 points wide blend into their neighbours, hence the wide tolerance.
        // Most red pixels form one vertical line spanning most of the figure's height; the rest is the legend's swatch.
        let columns = Dictionary(grouping: red, by: \.x).mapValues(\.count)
        let line = try #require(columns.max { $0.value < $1.value })
        #expect(line.value > image.height / 2)
        // Epoch 2 of 1…5 lies about a quarter of the way across the plot, left of the middle.
        #expect(line.key < image.width / 2)
        let swatch = red.filter { abs($0.x - line.key) > 3 }
        #expect(!swatch.isEmpty)
        #expect(swatch.allSatisfy { $0.x > image.width / 2 })
    }

    @Test func markersWithOneLabelShareALegendRowAndEachStandsAtItsX() throws {
        let two = try render([.init(x: 2, label: "lr lowered", style: .solid, color: Self.blue),
                              .init(x: 4, label: "lr lowered", style: .solid, color: Self.blue)])
        let columns = Dictionary(grouping: positions(of: Self.blue, in: two, tolerance: 110), by: \.x).mapValues(\.count)
        let tall = columns.filter { $0.value > two.height / 2 }.keys.sorted()
        #expect(tall.count >= 2)
        #expect((tall.last ?? 0) - (tall.first ?? 0) > 100)  // epochs 2 and 4, far apart
        let chart = MarkedLineChart(LineChart(series: []), markers: [.init(x: 2, label: "a"), .init(x: 4, label: "a"), .init(x: 5, label: "b")])
        #expect(chart.markerLabels == ["a", "b"])
    }
}
