/// A dot-and-whisker chart: one dot per category and series at its centre (a mean over seeds),
/// a whisker across its interval (± one standard deviation, a confidence interval), and the
/// values it summarises as faint small dots.
///
/// Categories run down the vertical axis, first at the top; the value axis is zoomed to the
/// intervals (it does not start at zero), so differences of a fraction of a point are visible,
/// which bars from zero would hide.
///
/// ```swift
/// let chart = IntervalChart(categories: ["relu 64×1", "relu 128×1"],
///                           series: [.init(name: "relu", intervals: [
///                               .init(center: 0.861, lower: 0.858, upper: 0.864, samples: [0.858, 0.861, 0.864]),
///                               .init(center: 0.866, lower: 0.863, upper: 0.869)])],
///                           valueLabel: "validation accuracy (mean ± sd over 3 seeds)")
/// ```
public struct IntervalChart: Chart {
    /// One dot with its whisker.
    public struct Interval: Sendable, Equatable {
        /// Where the dot is (a mean).
        public var center: Double
        /// The whisker's ends.
        public var lower: Double
        public var upper: Double
        /// The values summarised (one per seed), drawn as faint small dots; may be empty.
        public var samples: [Double]

        /// Creates an interval; `lower ≤ center ≤ upper`.
        public init(center: Double, lower: Double, upper: Double, samples: [Double] = []) {
            precondition(!(lower > center || center > upper), "An interval needs lower ≤ center ≤ upper, not \(lower), \(center), \(upper).")
            self.center = center
            self.lower = lower
            self.upper = upper
            self.samples = samples
        }
    }

    /// The intervals of one series (one colour), one per category; `nil` leaves a category empty.
    public struct Series: Sendable {
        /// The legend label.
        public var name: String
        /// One interval per category.
        public var intervals: [Interval?]
        /// The colour; the palette colour for the series' position when `nil`.
        public var color: Color?

        /// Creates a series.
        public init(name: String, intervals: [Interval?], color: Color? = nil) {
            self.name = name
            self.intervals = intervals
            self.color = color
        }
    }

    /// The category names, top to bottom.
    public var categories: [String]
    /// The series; several share each category's row, side by side.
    public var series: [Series]
    /// The panel title.
    public var title: String?
    /// The category axis label.
    public var categoryLabel: String?
    /// The value axis label (say what the whiskers are: "± sd over 3 seeds").
    public var valueLabel: String?
    /// Whether each interval's `centre ± half-width` is written beside it.
    public var showValues: Bool
    /// The decimals of written values.
    public var valueDecimals: Int
    /// Where the legend goes (shown only for several series).
    public var legendPlacement: LegendPlacement

    /// Creates an interval chart.
    ///
    /// - Parameters:
    ///   - categories: Category names, top to bottom.
    ///   - series: Series with one interval (or `nil`) per category each.
    ///   - title: Panel title.
    ///   - categoryLabel: Category axis label.
    ///   - valueLabel: Value axis label.
    ///   - showValues: Whether to write `centre ± half-width` beside each interval, `true` by default.
    ///   - valueDecimals: Decimals of written values, 3 by default.
    ///   - legendPlacement: Legend position, `.best` by default.
    public init(categories: [String], series: [Series], title: String? = nil, categoryLabel: String? = nil,
                valueLabel: String? = nil, showValues: Bool = true, valueDecimals: Int = 3,
                legendPlacement: LegendPlacement = .best) {
        for item in series {
            precondition(item.intervals.count == categories.count,
                         "Interval series '\(item.name)' has \(item.intervals.count) intervals for \(categories.count) categories.")
        }
        precondition((0...12).contains(valueDecimals), "An interval chart writes 0 to 12 decimals.")
        self.categories = categories
        self.series = series
        self.title = title
        self.categoryLabel = categoryLabel
        self.valueLabel = valueLabel
        self.showValues = showValues
        self.valueDecimals = valueDecimals
        self.legendPlacement = legendPlacement
    }

    /// Every finite value the axis must show: ends, centres and samples.
    var values: [Double] {
        series.flatMap { item in
            item.intervals.compactMap { $0 }.flatMap { [$0.lower, $0.center, $0.upper] + $0.samples }
        }.filter(\.isFinite)
    }

    /// The value axis before room is made for written values: the data's limits padded by 8% a
    /// side, never stretched to zero.
    var valueLimits: (lower: Double, upper: Double) {
        AxisSpec.paddedLimits(of: values, fraction: 0.08)
    }

    /// `0.912 ± 0.004`: the centre and the larger distance to an end.
    func valueText(_ interval: Interval) -> String {
        let half = max(interval.upper - interval.center, interval.center - interval.lower)
        return formatValue(interval.center, decimals: valueDecimals, trimWhole: false) + " ± "
            + formatValue(half, decimals: valueDecimals, trimWhole: false)
    }

    /// Each row's dots take this share of its band.
    static let groupHeight = 0.7

    /// Where one interval is drawn, in canvas points.
    struct Mark {
        var center: Point
        var lower: Point
        var upper: Point
        var samples: [Point]
        var color: Color
        var text: String
    }

    func marks(mapping: PlotMapping, theme: Theme) -> [Mark] {
        var result: [Mark] = []
        for (s, item) in series.enumerated() {
            let color = item.color ?? theme.color(s)
            for (c, interval) in item.intervals.enumerated() {
                guard let interval, interval.center.isFinite else { continue }
                // The series with an interval in this row share it, each on its own line.
                let sharing = series.indices.filter { series[$0].intervals[c]?.center.isFinite == true }
                let count = Double(sharing.count)
                let slot = Double(sharing.firstIndex(of: s) ?? 0)
                let offset = count > 1 ? -Self.groupHeight / 2 + (slot + 0.5) * Self.groupHeight / count : 0
                let y = Double(c) + offset
                let lower = interval.lower.isFinite ? interval.lower : interval.center
                let upper = interval.upper.isFinite ? interval.upper : interval.center
                result.append(Mark(center: mapping.point(interval.center, y), lower: mapping.point(lower, y),
                                   upper: mapping.point(upper, y),
                                   samples: interval.samples.filter(\.isFinite).map { mapping.point($0, y) },
                                   color: color, text: valueText(interval)))
            }
        }
        return result
    }

    func makeAxes(lower: Double, upper: Double, canvas: Canvas) -> CartesianAxes {
        let legend = series.count > 1
            ? series.enumerated().map { LegendEntry(label: $0.element.name, color: $0.element.color ?? canvas.theme.color($0.offset),
                                                    symbol: .marker(.circle)) }
            : []
        return CartesianAxes(title: title,
                             x: AxisSpec(kind: .continuous(lower: lower, upper: upper, integers: false), label: valueLabel),
                             y: AxisSpec(kind: .categories(categories), label: categoryLabel, inverted: true, grid: false),
                             legend: legend, legendPlacement: legendPlacement)
    }

    /// The axes, with room right of the highest interval for the widest written value.
    func layoutAxes(on canvas: Canvas, in frame: Rect) -> CartesianAxes {
        let (lower, upper) = valueLimits
        let axes = makeAxes(lower: lower, upper: upper, canvas: canvas)
        let intervals = series.flatMap { $0.intervals.compactMap { $0 } }
        guard showValues, !intervals.isEmpty else { return axes }
        let plot = axes.layout(on: canvas, in: frame, legendOutside: legendPlacement == .outside).mapping.plot
        let font = Font(size: canvas.theme.annotationSize)
        let widest = intervals.map { canvas.measure(valueText($0), font: font).width }.max() ?? 0
        let extent = widest + 8
        // Keep at least half the plot for the data.
        let perUnit = max(plot.width - extent, plot.width * 0.5) / max(upper - lower, .leastNonzeroMagnitude)
        return makeAxes(lower: lower, upper: upper + extent / perUnit, canvas: canvas)
    }

    public func draw(on canvas: Canvas, in frame: Rect) {
        let axes = layoutAxes(on: canvas, in: frame)
        axes.draw(on: canvas, in: frame, occupancy: { mapping in
            marks(mapping: mapping, theme: canvas.theme).flatMap { samplePoints(along: [$0.lower, $0.upper]) }
        }, content: { mapping in
            let theme = canvas.theme
            let font = Font(size: theme.annotationSize)
            let cap = 4.0
            for mark in marks(mapping: mapping, theme: theme) {
                canvas.line(from: mark.lower, to: mark.upper, color: mark.color, width: theme.lineWidth)
                for end in [mark.lower, mark.upper] {
                    canvas.line(from: Point(x: end.x, y: end.y - cap), to: Point(x: end.x, y: end.y + cap),
                                color: mark.color, width: theme.lineWidth)
                }
                // The seeds over the whisker, light with a white rim so the line does not hide them.
                for sample in mark.samples {
                    canvas.circle(center: sample, radius: 2.6, color: mark.color.withAlpha(0.45), outline: Color.white, outlineWidth: 0.8)
                }
                canvas.circle(center: mark.center, radius: 4.5, color: mark.color, outline: Color.white, outlineWidth: 1)
                if showValues {
                    canvas.text(mark.text, at: Point(x: max(mark.upper.x, mark.center.x) + 8, y: mark.center.y), font: font,
                                horizontal: .leading, vertical: .center)
                }
            }
        })
    }
}
