/// A line chart with labelled vertical markers at chosen x values: where a learning rate was
/// lowered, where training stopped, which epoch's model was kept.
///
/// The lines are drawn as ``LineChart`` draws them (palette colours, markers, whole-number
/// ticks for epochs); each marker is a vertical line across the plot, behind the data, and
/// markers that share a label share one legend row.
///
/// ```swift
/// let chart = MarkedLineChart(
///     LineChart(series: [.init(name: "train", values: trainLoss)], title: "Loss", xLabel: "epoch"),
///     markers: [.init(x: 7, label: "rate lowered"), .init(x: 12, label: "kept epoch", style: .solid)])
/// ```
public struct MarkedLineChart: Chart {
    /// One vertical marker.
    public struct Marker: Sendable, Equatable {
        /// Where the marker stands on the horizontal axis.
        public var x: Double
        /// The legend label; markers with the same label share a row.
        public var label: String
        /// The line's dash pattern.
        public var style: LineStyle
        /// The colour; a palette colour after the series' when `nil` (one per label).
        public var color: Color?

        /// Creates a marker.
        ///
        /// - Parameters:
        ///   - x: The horizontal position.
        ///   - label: The legend label.
        ///   - style: Dotted by default.
        ///   - color: A colour, or `nil` for the palette's.
        public init(x: Double, label: String, style: LineStyle = .dotted, color: Color? = nil) {
            self.x = x
            self.label = label
            self.style = style
            self.color = color
        }
    }

    /// The lines, titles and axis settings.
    public var chart: LineChart
    /// The vertical markers.
    public var markers: [Marker]

    /// Creates a line chart with vertical markers.
    ///
    /// - Parameters:
    ///   - chart: The lines and their axes.
    ///   - markers: The vertical markers, drawn in order.
    public init(_ chart: LineChart, markers: [Marker]) {
        self.chart = chart
        self.markers = markers
    }

    /// The distinct marker labels, in first-appearance order.
    var markerLabels: [String] {
        var labels: [String] = []
        for marker in markers where !labels.contains(marker.label) { labels.append(marker.label) }
        return labels
    }

    /// The colour of the markers labelled `label`.
    func color(of marker: Marker, theme: Theme) -> Color {
        marker.color ?? theme.color(chart.series.count + (markerLabels.firstIndex(of: marker.label) ?? 0))
    }

    public func draw(on canvas: Canvas, in frame: Rect) {
        let series = chart.series
        let xs = series.flatMap(\.x).filter(\.isFinite) + markers.map(\.x).filter(\.isFinite)
        let ys = series.flatMap(\.y).filter(\.isFinite)
        let integers = !xs.isEmpty && xs.allSatisfy { $0 == $0.rounded() }
        let xLimits = AxisSpec.paddedLimits(of: xs, fraction: 0.04)
        let yLimits = chart.yRange.map { (lower: $0.lowerBound, upper: $0.upperBound) } ?? AxisSpec.paddedLimits(of: ys, fraction: 0.06)
        let densest = Double(series.map(\.x.count).max() ?? 0) / max(frame.width, 1)
        let theme = canvas.theme
        var legend = series.enumerated().map { index, item in
            LegendEntry(label: item.name, color: item.color ?? theme.color(index),
                        symbol: .line(item.style, chart.marker(index, pointsPerPixel: densest)))
        }
        for label in markerLabels {
            guard let first = markers.first(where: { $0.label == label }) else { continue }
            legend.append(LegendEntry(label: label, color: color(of: first, theme: theme), symbol: .line(first.style, nil)))
        }
        let axes = CartesianAxes(
            title: chart.title,
            x: AxisSpec(kind: .continuous(lower: xLimits.lower, upper: xLimits.upper, integers: integers), label: chart.xLabel),
            y: AxisSpec(kind: .continuous(lower: yLimits.lower, upper: yLimits.upper, integers: false), label: chart.yLabel),
            legend: legend, legendPlacement: chart.legendPlacement)
        // The legend may cover a stretch of a marker (as matplotlib's does), never the data: markers
        // cross the whole plot, so counting them would push every legend outside.
        axes.draw(on: canvas, in: frame, occupancy: { mapping in
            series.flatMap { item in
                samplePoints(along: zip(item.x, item.y).filter { $0.0.isFinite && $0.1.isFinite }.map { mapping.point($0.0, $0.1) })
            }
        }, content: { mapping in
            for marker in markers where marker.x.isFinite {
                let x = mapping.px(marker.x)
                canvas.line(from: Point(x: x, y: mapping.plot.y), to: Point(x: x, y: mapping.plot.maxY),
                            color: color(of: marker, theme: theme), width: theme.lineWidth * 0.75, style: marker.style)
            }
            chart.drawLines(mapping: mapping, pointsPerPixel: densest, on: canvas)
        })
    }
}
