import Foundation
import Testing
@testable import Figures

/// The dot-and-whisker chart of sweep variants over seeds, and the ± sd band of a line chart.
@Suite struct IntervalChartTests {
    /// Three variants 0.2 points apart, one per activation, with three seeds each.
    static func chart(showValues: Bool = true) -> IntervalChart {
        let names = ["relu 64×1", "gelu 64×1", "tanh 64×1"]
        let centres = [0.862, 0.860, 0.858]
        let series = names.indices.map { index in
            IntervalChart.Series(name: String(names[index].prefix(4)), intervals: names.indices.map { row in
                row == index ? IntervalChart.Interval(center: centres[row], lower: centres[row] - 0.001, upper: centres[row] + 0.001,
                                                      samples: [centres[row] - 0.001, centres[row], centres[row] + 0.001]) : nil
            })
        }
        return IntervalChart(categories: names, series: series, categoryLabel: "variant",
                             valueLabel: "validation accuracy (mean ± sd over 3 seeds)", showValues: showValues,
                             legendPlacement: .outside)
    }

    static let frame = Rect(x: 0, y: 0, width: 640, height: 260)

    @Test func theValueAxisIsZoomedSoTwoTenthsOfAPointAreFarApart() throws {
        let chart = Self.chart()
        let limits = chart.valueLimits
        #expect(limits.lower > 0.85 && limits.upper < 0.87, "the axis must not start at zero: \(limits)")
        let canvas = try testCanvas(width: 640, height: 260)
        let mapping = chart.layoutAxes(on: canvas, in: Self.frame).layout(on: canvas, in: Self.frame, legendOutside: true).mapping
        let marks = chart.marks(mapping: mapping, theme: canvas.theme)
        #expect(marks.count == 3)
        // 0.2 points (0.002) apart: at least 40 points on a 640-point figure.
        #expect(marks[0].center.x - marks[1].center.x > 40)
        #expect(marks[1].center.x - marks[2].center.x > 40)
        // First category on top.
        #expect(marks[0].center.y < marks[1].center.y && marks[1].center.y < marks[2].center.y)
        for mark in marks {
            #expect(mark.lower.x < mark.center.x && mark.center.x < mark.upper.x)
            #expect(mark.samples.count == 3)
            #expect(mapping.plot.contains(mark.lower) && mapping.plot.contains(mark.upper))
        }
        #expect(marks.map(\.text) == ["0.862 ± 0.001", "0.860 ± 0.001", "0.858 ± 0.001"])
    }

    @Test func writtenValuesFitInsideThePlot() throws {
        let chart = Self.chart()
        let canvas = try testCanvas(width: 640, height: 260)
        let mapping = chart.layoutAxes(on: canvas, in: Self.frame).layout(on: canvas, in: Self.frame, legendOutside: true).mapping
        let font = Font(size: canvas.theme.annotationSize)
        for mark in chart.marks(mapping: mapping, theme: canvas.theme) {
            let right = mark.upper.x + 8 + canvas.measure(mark.text, font: font).width
            #expect(right <= mapping.plot.maxX + 1, "'\(mark.text)' ends at \(right), the plot at \(mapping.plot.maxX)")
        }
    }

    @Test func seriesSharingARowSitSideBySideAndALoneOneIsCentred() throws {
        let one = IntervalChart.Interval(center: 1, lower: 0.5, upper: 1.5)
        let chart = IntervalChart(categories: ["a", "b"], series: [
            .init(name: "x", intervals: [one, one]), .init(name: "y", intervals: [one, nil]),
        ], showValues: false)
        let canvas = try testCanvas()
        let frame = Rect(x: 0, y: 0, width: 640, height: 400)
        let mapping = chart.layoutAxes(on: canvas, in: frame).layout(on: canvas, in: frame, legendOutside: false).mapping
        let marks = chart.marks(mapping: mapping, theme: canvas.theme)
        #expect(marks.count == 3)
        let rowB = mapping.py(1)
        #expect(abs(marks[1].center.y - rowB) < 0.5, "the lone dot of row b is centred")
        #expect(abs(marks[0].center.y - marks[2].center.y) > 10, "two dots in row a are apart")
        #expect(abs((marks[0].center.y + marks[2].center.y) / 2 - mapping.py(0)) < 0.5)
    }

    @Test func theDotsAreDrawnInTheirColourAtTheirPlace() throws {
        let figure = Figure(Self.chart(), title: "Validation accuracy by variant", size: Size(width: 640, height: 260))
        let image = try figure.render()
        let data = try figure.renderPNG()
        try data.write(to: URL(fileURLWithPath: NSTemporaryDirectory() + "/loom-interval-chart.png"))
        let theme = Theme.standard
        for index in 0..<3 {
            let found = positions(of: theme.color(index), in: image, tolerance: 6)
            #expect(found.count > 20, "series \(index) is drawn")
        }
        // The dots sit in three rows, right to left from the best (top) to the worst.
        let xs = (0..<3).map { mean(positions(of: theme.color($0), in: image, tolerance: 6).map(\.x)) }
        let ys = (0..<3).map { mean(positions(of: theme.color($0), in: image, tolerance: 6).map(\.y)) }
        #expect(xs[0] > xs[1] && xs[1] > xs[2])
        #expect(ys[0] < ys[1] && ys[1] < ys[2])
    }

    @Test func anIntervalMustContainItsCentre() {
        #expect(IntervalChart.Interval(center: 1, lower: 1, upper: 1).center == 1)
        let nan = IntervalChart.Interval(center: .nan, lower: .nan, upper: .nan)
        #expect(nan.center.isNaN)
    }
}

@Suite struct LineChartBandTests {
    @Test func theBandIsShadedBetweenItsEdgesAndWidensTheAxis() throws {
        let chart = LineChart(series: [.init(name: "validation", x: [1, 2, 3, 4], y: [0.5, 0.6, 0.7, 0.75],
                                             band: .init(lower: [0.3, 0.4, 0.5, 0.55], upper: [0.7, 0.8, 0.9, 0.95]))],
                              markers: false, legendPlacement: .hidden)
        let figure = Figure(chart, size: Size(width: 400, height: 300))
        try figure.renderPNG().write(to: URL(fileURLWithPath: NSTemporaryDirectory() + "/loom-band-chart.png"))
        let image = try figure.render()
        let color = Theme.standard.color(0)
        // The band's tint: the colour at 20% over white.
        let tint = Color(red: 1 - (1 - color.red) * LineChart.bandOpacity, green: 1 - (1 - color.green) * LineChart.bandOpacity,
                         blue: 1 - (1 - color.blue) * LineChart.bandOpacity)
        let tinted = positions(of: tint, in: image, tolerance: 4)
        #expect(tinted.count > 2000, "the band covers a large area: \(tinted.count) pixels")
        let line = positions(of: color, in: image, tolerance: 8)
        #expect(!line.isEmpty)
        // The tint lies above and below the line.
        let lineY = mean(line.map(\.y))
        #expect(tinted.contains { Double($0.y) < lineY - 20 } && tinted.contains { Double($0.y) > lineY + 20 })
    }
}
