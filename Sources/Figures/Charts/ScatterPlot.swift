/// A scatter plot with points coloured by class and a legend, e.g. a 2-D embedding.
///
/// ```swift
/// let chart = ScatterPlot(x: embedding.x, y: embedding.y, labels: classIndices,
///                         classNames: names, title: "t-SNE of test images")
/// ```
public struct ScatterPlot: Chart {
    /// The points of one class.
    public struct Series: Sendable {
        /// The legend label.
        public var name: String
        /// Horizontal coordinates.
        public var x: [Double]
        /// Vertical coordinates, one per `x`.
        public var y: [Double]

        /// Creates a class of points.
        ///
        /// - Parameters:
        ///   - name: The legend label.
        ///   - x: Horizontal coordinates.
        ///   - y: Vertical coordinates, one per `x`.
        public init(name: String, x: [Double], y: [Double]) {
            precondition(x.count == y.count, "Scatter series '\(name)' has \(x.count) x values and \(y.count) y values.")
            self.name = name
            self.x = x
            self.y = y
        }
    }

    /// The classes, drawn in order (later classes on top).
    public var series: [Series]
    /// The panel title.
    public var title: String?
    /// The horizontal axis label.
    public var xLabel: String?
    /// The vertical axis label.
    public var yLabel: String?
    /// The marker diameter in points.
    public var markerSize: Double
    /// The marker opacity, so dense regions show their density.
    public var opacity: Double
    /// Where the legend goes.
    public var legendPlacement: LegendPlacement

    /// Creates a scatter plot from classes of points.
    ///
    /// - Parameters:
    ///   - series: One series per class.
    ///   - title: Panel title.
    ///   - xLabel: Horizontal axis label.
    ///   - yLabel: Vertical axis label.
    ///   - markerSize: Marker diameter, 6 points by default.
    ///   - opacity: Marker opacity, 0.75 by default.
    ///   - legendPlacement: Legend position, `.best` by default.
    public init(series: [Series], title: String? = nil, xLabel: String? = nil, yLabel: String? = nil,
                markerSize: Double = 6, opacity: Double = 0.75, legendPlacement: LegendPlacement = .best) {
        self.series = series
        self.title = title
        self.xLabel = xLabel
        self.yLabel = yLabel
        self.markerSize = markerSize
        self.opacity = opacity
        self.legendPlacement = legendPlacement
    }

    /// Creates a scatter plot from coordinates and a class index per point.
    ///
    /// - Parameters:
    ///   - x: Horizontal coordinates.
    ///   - y: Vertical coordinates, one per `x`.
    ///   - labels: A class index per point, each in `classNames.indices`.
    ///   - classNames: The class names, in index order.
    ///   - title: Panel title.
    ///   - xLabel: Horizontal axis label.
    ///   - yLabel: Vertical axis label.
    public init(x: [Double], y: [Double], labels: [Int], classNames: [String], title: String? = nil,
                xLabel: String? = nil, yLabel: String? = nil) {
        precondition(x.count == y.count && x.count == labels.count, "A scatter plot needs as many labels as points.")
        precondition(labels.allSatisfy { classNames.indices.contains($0) }, "Every label must index a class name.")
        var groups = classNames.map { Series(name: $0, x: [], y: []) }
        for (index, label) in labels.enumerated() {
            groups[label].x.append(x[index])
            groups[label].y.append(y[index])
        }
        self.init(series: groups, title: title, xLabel: xLabel, yLabel: yLabel)
    }

    public func draw(on canvas: Canvas, in frame: Rect) {
        let xLimits = AxisSpec.paddedLimits(of: series.flatMap(\.x))
        let yLimits = AxisSpec.paddedLimits(of: series.flatMap(\.y))
        let axes = CartesianAxes(
            title: title,
            x: AxisSpec(kind: .continuous(lower: xLimits.lower, upper: xLimits.upper, integers: false), label: xLabel),
            y: AxisSpec(kind: .continuous(lower: yLimits.lower, upper: yLimits.upper, integers: false), label: yLabel),
            legend: series.enumerated().map { LegendEntry(label: $0.element.name, color: canvas.theme.color($0.offset), symbol: .marker(.circle)) },
            legendPlacement: legendPlacement)
        axes.draw(on: canvas, in: frame, occupancy: { mapping in
            series.flatMap { item in zip(item.x, item.y).map { mapping.point($0, $1) } }
        }, content: { mapping in
            for (index, item) in series.enumerated() {
                let color = canvas.theme.color(index).withAlpha(opacity)
                for (x, y) in zip(item.x, item.y) where x.isFinite && y.isFinite {
                    canvas.circle(center: mapping.point(x, y), radius: markerSize / 2, color: color,
                                  outline: Color.white.withAlpha(0.6), outlineWidth: 0.5)
                }
            }
        })
    }
}
