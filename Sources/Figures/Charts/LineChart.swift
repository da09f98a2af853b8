/// A line chart of several series with markers and a legend, such as training curves.
///
/// Each series gets the next palette colour and marker shape, so series stay distinguishable
/// in grey print and for colour-blind readers. When every x value is a whole number (epochs),
/// ticks fall on whole numbers only.
///
/// ```swift
/// let loss = LineChart(series: [.init(name: "train", values: trainLoss),
///                               .init(name: "validation", values: validationLoss)],
///                      title: "Loss", xLabel: "epoch", yLabel: "cross-entropy")
/// ```
public struct LineChart: Chart {
    /// One line.
    public struct Series: Sendable {
        /// The legend label.
        public var name: String
        /// Horizontal coordinates.
        public var x: [Double]
        /// Vertical coordinates, one per `x`; non-finite values break the line.
        public var y: [Double]
        /// The line's dash pattern.
        public var style: LineStyle
        /// The colour; the palette colour for the series' position when `nil`.
        public var color: Color?
        /// A shaded range around the line (mean ± sd over seeds), drawn beneath it in its colour.
        public var band: Band?

        /// Creates a series from coordinates.
        ///
        /// - Parameters:
        ///   - name: The legend label.
        ///   - x: Horizontal coordinates.
        ///   - y: Vertical coordinates, one per `x`.
        ///   - style: Solid by default.
        ///   - color: A colour, or `nil` for the palette's.
        ///   - band: A shaded range around the line, or `nil`.
        public init(name: String, x: [Double], y: [Double], style: LineStyle = .solid, color: Color? = nil, band: Band? = nil) {
            precondition(x.count == y.count, "Line series '\(name)' has \(x.count) x values and \(y.count) y values.")
            precondition(band.map { $0.lower.count == x.count && $0.upper.count == x.count } ?? true,
                         "The band of line series '\(name)' needs one lower and one upper value per x value.")
            self.name = name
            self.x = x
            self.y = y
            self.style = style
            self.color = color
            self.band = band
        }

        /// Creates a series at x = 1, 2, 3, … (epochs).
        ///
        /// - Parameters:
        ///   - name: The legend label.
        ///   - values: Vertical coordinates.
        ///   - style: Solid by default.
        ///   - color: A colour, or `nil` for the palette's.
        public init(name: String, values: [Double], style: LineStyle = .solid, color: Color? = nil) {
            self.init(name: name, x: values.indices.map { Double($0 + 1) }, y: values, style: style, color: color)
        }
    }

    /// A shaded vertical range per x value (such as mean ± sd); non-finite bounds break it.
    public struct Band: Sendable, Equatable {
        /// The lower edge, one per x value.
        public var lower: [Double]
        /// The upper edge, one per x value.
        public var upper: [Double]

        /// Creates a band from its edges.
        public init(lower: [Double], upper: [Double]) {
            self.lower = lower
            self.upper = upper
        }
    }

    /// The opacity of a series' band.
    static let bandOpacity = 0.2

    /// The series.
    public var series: [Series]
    /// The panel title.
    public var title: String?
    /// The horizontal axis label.
    public var xLabel: String?
    /// The vertical axis label.
    public var yLabel: String?
    /// Whether data points get markers; they are dropped automatically when points crowd.
    public var markers: Bool
    /// Fixed vertical limits, or `nil` to fit the data (e.g. `0...1` for accuracy).
    public var yRange: ClosedRange<Double>?
    /// Where the legend goes.
    public var legendPlacement: LegendPlacement

    /// Creates a line chart.
    ///
    /// - Parameters:
    ///   - series: The lines.
    ///   - title: Panel title.
    ///   - xLabel: Horizontal axis label.
    ///   - yLabel: Vertical axis label.
    ///   - markers: Whether to mark data points, `true` by default.
    ///   - yRange: Fixed vertical limits, or `nil`.
    ///   - legendPlacement: Legend position, `.best` by default.
    public init(series: [Series], title: String? = nil, xLabel: String? = nil, yLabel: String? = nil,
                markers: Bool = true, yRange: ClosedRange<Double>? = nil, legendPlacement: LegendPlacement = .best) {
        self.series = series
        self.title = title
        self.xLabel = xLabel
        self.yLabel = yLabel
        self.markers = markers
        self.yRange = yRange
        self.legendPlacement = legendPlacement
    }

    /// The marker of series `index`, or `nil` when markers are off or points crowd.
    func marker(_ index: Int, pointsPerPixel: Double) -> MarkerShape? {
        guard markers, pointsPerPixel < 1.0 / 8 else { return nil }
        return MarkerShape.allCases[index % MarkerShape.allCases.count]
    }

    public func draw(on canvas: Canvas, in frame: Rect) {
        let xs = series.flatMap(\.x).filter(\.isFinite)
        let ys = series.flatMap { [$0.y, $0.band?.lower ?? [], $0.band?.upper ?? []].joined() }.filter(\.isFinite)
        let integers = !xs.isEmpty && xs.allSatisfy { $0 == $0.rounded() }
        let xLimits = AxisSpec.paddedLimits(of: xs, fraction: 0.04)
        let yLimits = yRange.map { (lower: $0.lowerBound, upper: $0.upperBound) } ?? AxisSpec.paddedLimits(of: ys, fraction: 0.06)
        let densest = Double(series.map(\.x.count).max() ?? 0) / max(frame.width, 1)
        let legend = series.enumerated().map { index, item in
            LegendEntry(label: item.name, color: item.color ?? canvas.theme.color(index),
                        symbol: .line(item.style, marker(index, pointsPerPixel: densest)))
        }
        let axes = CartesianAxes(
            title: title,
            x: AxisSpec(kind: .continuous(lower: xLimits.lower, upper: xLimits.upper, integers: integers), label: xLabel),
            y: AxisSpec(kind: .continuous(lower: yLimits.lower, upper: yLimits.upper, integers: false), label: yLabel),
            legend: legend, legendPlacement: legendPlacement)
        axes.draw(on: canvas, in: frame, occupancy: { mapping in
            series.flatMap { item in
                // A band occupies its edges and the space between them.
                let edges = item.band.map { band in [band.lower, band.upper, zip(band.lower, band.upper).map { ($0 + $1) / 2 }] } ?? []
                return ([item.y] + edges).flatMap { values in
                    samplePoints(along: zip(item.x, values).filter { $0.0.isFinite && $0.1.isFinite }.map { mapping.point($0.0, $0.1) })
                }
            }
        }, content: { mapping in
            let theme = canvas.theme
            for (index, item) in series.enumerated() {
                guard let band = item.band else { continue }
                drawBand(band, x: item.x, color: (item.color ?? theme.color(index)).withAlpha(Self.bandOpacity),
                         mapping: mapping, on: canvas)
            }
            drawLines(mapping: mapping, pointsPerPixel: densest, on: canvas)
        })
    }

    /// Draws every series' line, with its markers where they do not crowd (`pointsPerPixel`).
    func drawLines(mapping: PlotMapping, pointsPerPixel densest: Double, on canvas: Canvas) {
        let theme = canvas.theme
        for (index, item) in series.enumerated() {
            let color = item.color ?? theme.color(index)
            // Non-finite values break the line into runs.
            var runs: [[Point]] = [[]]
            for (x, y) in zip(item.x, item.y) {
                if x.isFinite && y.isFinite { runs[runs.count - 1].append(mapping.point(x, y)) } else { runs.append([]) }
            }
            for run in runs { canvas.polyline(run, color: color, width: theme.lineWidth, style: item.style) }
            if let shape = marker(index, pointsPerPixel: densest) {
                for point in runs.joined() { drawMarker(shape, at: point, size: 7, color: color, on: canvas) }
            }
        }
    }

    /// Fills each run of finite band values as one polygon: along the upper edge, back along the lower.
    private func drawBand(_ band: Band, x: [Double], color: Color, mapping: PlotMapping, on canvas: Canvas) {
        var runs: [[(Double, Double, Double)]] = [[]]
        for index in x.indices {
            let (lower, upper) = (band.lower[index], band.upper[index])
            if x[index].isFinite && lower.isFinite && upper.isFinite {
                runs[runs.count - 1].append((x[index], lower, upper))
            } else {
                runs.append([])
            }
        }
        for run in runs where run.count > 1 {
            let top = run.map { mapping.point($0.0, $0.2) }
            let bottom = run.reversed().map { mapping.point($0.0, $0.1) }
            canvas.polygon(top + bottom, color: color)
        }
    }
}
