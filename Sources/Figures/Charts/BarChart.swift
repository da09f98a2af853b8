/// A bar chart: one bar per category, or a group of bars per category for several series.
///
/// Bars grow from zero (or from the nearer end of a ``valueRange`` that excludes zero). The value
/// axis fits the data, or spans a fixed ``valueRange`` so that several small charts share one
/// scale. Written values all carry the same number of decimals. Several series are drawn side by side within each category, in the
/// palette's colours, with a legend. Horizontal bars list the first category at the top.
///
/// ```swift
/// let chart = BarChart(categories: ["T-shirt/top", "Trouser"], values: [6000, 5980],
///                      title: "Images per class", valueLabel: "images", showValues: true)
/// ```
public struct BarChart: Chart {
    /// Which way bars grow.
    public enum Orientation: Sendable {
        /// Bars grow upwards from a horizontal category axis.
        case vertical
        /// Bars grow rightwards from a vertical category axis.
        case horizontal
    }

    /// One series: a value per category.
    public struct Series: Sendable {
        /// The legend label.
        public var name: String
        /// One value per category.
        public var values: [Double]
        /// The bar colour; the palette colour for the series' position when `nil`.
        public var color: Color?

        /// Creates a series.
        ///
        /// - Parameters:
        ///   - name: The legend label.
        ///   - values: One value per category.
        ///   - color: A colour, or `nil` for the palette's.
        public init(name: String, values: [Double], color: Color? = nil) {
            self.name = name
            self.values = values
            self.color = color
        }
    }

    /// The category names, in order.
    public var categories: [String]
    /// The series; bars of one category are grouped.
    public var series: [Series]
    /// Vertical or horizontal bars.
    public var orientation: Orientation
    /// The panel title.
    public var title: String?
    /// The label of the category axis.
    public var categoryLabel: String?
    /// The label of the value axis.
    public var valueLabel: String?
    /// Whether each bar's value is written at its end.
    public var showValues: Bool
    /// Decimals of every written value (`1.00`, `0.50`), unless ``trimsWholeNumbers`` applies.
    public var valueDecimals: Int
    /// Whether a chart whose values are all whole numbers (counts) writes them without
    /// decimals; `true` unless the chart was created with an explicit `valueDecimals`.
    public var trimsWholeNumbers: Bool
    /// The span of the value axis, or `nil` to fit the data.
    ///
    /// Give the same range to several panels (top-k probabilities, `0...1`) so that equal values
    /// have equal bar lengths everywhere. Values outside the range widen the axis rather than
    /// being cut, and the axis grows a little beyond the range where written values need room.
    public var valueRange: ClosedRange<Double>?
    /// Where the legend goes (shown only for several series).
    public var legendPlacement: LegendPlacement

    /// Creates a bar chart of several series.
    ///
    /// - Parameters:
    ///   - categories: Category names.
    ///   - series: Series with one value per category each.
    ///   - orientation: `.vertical` by default.
    ///   - title: Panel title.
    ///   - categoryLabel: Category axis label.
    ///   - valueLabel: Value axis label.
    ///   - showValues: Whether to write values on the bars.
    ///   - valueDecimals: Decimals of every written value. When `nil`, a chart of whole numbers
    ///     writes them without decimals and any other chart uses 2.
    ///   - valueRange: A fixed span of the value axis, or `nil` to fit the data.
    ///   - legendPlacement: Legend position, `.best` by default.
    public init(categories: [String], series: [Series], orientation: Orientation = .vertical,
                title: String? = nil, categoryLabel: String? = nil, valueLabel: String? = nil,
                showValues: Bool = false, valueDecimals: Int? = nil, valueRange: ClosedRange<Double>? = nil,
                legendPlacement: LegendPlacement = .best) {
        for item in series {
            precondition(item.values.count == categories.count,
                         "Bar series '\(item.name)' has \(item.values.count) values for \(categories.count) categories.")
        }
        self.categories = categories
        self.series = series
        self.orientation = orientation
        self.title = title
        self.categoryLabel = categoryLabel
        self.valueLabel = valueLabel
        precondition(valueDecimals.map { (0...12).contains($0) } ?? true, "A bar chart writes 0 to 12 decimals.")
        precondition(valueRange.map { $0.lowerBound.isFinite && $0.upperBound.isFinite } ?? true,
                     "A bar chart's value range must be finite.")
        self.showValues = showValues
        self.valueDecimals = valueDecimals ?? 2
        self.trimsWholeNumbers = valueDecimals == nil
        self.valueRange = valueRange
        self.legendPlacement = legendPlacement
    }

    /// Creates a bar chart of one series.
    ///
    /// - Parameters:
    ///   - categories: Category names.
    ///   - values: One value per category.
    ///   - orientation: `.vertical` by default.
    ///   - title: Panel title.
    ///   - categoryLabel: Category axis label.
    ///   - valueLabel: Value axis label.
    ///   - showValues: Whether to write values on the bars.
    ///   - valueDecimals: Decimals of every written value. When `nil`, a chart of whole numbers
    ///     writes them without decimals and any other chart uses 2.
    ///   - valueRange: A fixed span of the value axis, or `nil` to fit the data.
    public init(categories: [String], values: [Double], orientation: Orientation = .vertical,
                title: String? = nil, categoryLabel: String? = nil, valueLabel: String? = nil,
                showValues: Bool = false, valueDecimals: Int? = nil, valueRange: ClosedRange<Double>? = nil) {
        self.init(categories: categories, series: [Series(name: valueLabel ?? "", values: values)],
                  orientation: orientation, title: title, categoryLabel: categoryLabel, valueLabel: valueLabel,
                  showValues: showValues, valueDecimals: valueDecimals, valueRange: valueRange, legendPlacement: .hidden)
    }

    /// The text written for `value`: ``valueDecimals`` decimals, or none when
    /// ``trimsWholeNumbers`` is set and every value of the chart is a whole number.
    func valueText(_ value: Double) -> String {
        formatValue(value, decimals: writtenDecimals, trimWhole: false)
    }

    /// The decimals every written value gets.
    var writtenDecimals: Int {
        let finite = series.flatMap(\.values).filter(\.isFinite)
        let whole = finite.allSatisfy { $0 == $0.rounded() && abs($0) < 1e15 }
        return trimsWholeNumbers && whole ? 0 : valueDecimals
    }

    /// The lower and upper end of the value axis before room is made for written values: the
    /// ``valueRange`` widened to the data, or the data's padded limits.
    var valueLimits: (lower: Double, upper: Double) {
        let values = series.flatMap(\.values).filter(\.isFinite)
        guard let valueRange else { return AxisSpec.paddedLimits(of: values, includeZero: true) }
        let lower = min(valueRange.lowerBound, values.min() ?? valueRange.lowerBound)
        let upper = max(valueRange.upperBound, values.max() ?? valueRange.upperBound)
        return upper > lower ? (lower, upper) : AxisSpec.paddedLimits(of: [lower], includeZero: true)
    }

    /// Where bars start: zero, or the nearer end of the value axis when zero lies outside it.
    func baseline(lower: Double, upper: Double) -> Double {
        min(max(0, lower), upper)
    }

    /// Bars take this fraction of each category's band.
    static let groupWidth = 0.8

    /// The rectangle of each bar in canvas points, indexed `[series][category]`.
    struct Bar {
        var rect: Rect
        var value: Double
        var color: Color
    }

    public func draw(on canvas: Canvas, in frame: Rect) {
        let vertical = orientation == .vertical
        let (axes, rotateValues) = layoutAxes(on: canvas, in: frame)
        let (lower, upper) = axes.valueAxisLimits(vertical: vertical)
        let base = baseline(lower: lower, upper: upper)

        axes.draw(on: canvas, in: frame, occupancy: { mapping in
            bars(mapping: mapping, theme: canvas.theme, baseline: base).flatMap { samplePoints(of: $0.rect) }
        }, content: { mapping in
            let theme = canvas.theme
            let font = Font(size: theme.annotationSize)
            for bar in bars(mapping: mapping, theme: theme, baseline: base) {
                canvas.fill(bar.rect, color: bar.color)
                guard showValues, bar.value.isFinite else { continue }
                let text = valueText(bar.value)
                let positive = bar.value >= base
                if vertical {
                    let y = positive ? bar.rect.y - 3 : bar.rect.maxY + 3
                    if !rotateValues {
                        canvas.text(text, at: Point(x: bar.rect.midX, y: y), font: font,
                                    horizontal: .center, vertical: positive ? .bottom : .top)
                    } else {
                        canvas.text(text, at: Point(x: bar.rect.midX, y: y), font: font,
                                    horizontal: positive ? .leading : .trailing, vertical: .center, angle: 90)
                    }
                } else {
                    let x = positive ? bar.rect.maxX + 4 : bar.rect.x - 4
                    canvas.text(text, at: Point(x: x, y: bar.rect.midY), font: font,
                                horizontal: positive ? .leading : .trailing, vertical: .center)
                }
            }
        })
    }

    /// The axes the chart draws in `frame`, with room beyond the longest bars for written
    /// values, and whether those values are turned upright (narrow vertical bars).
    func layoutAxes(on canvas: Canvas, in frame: Rect) -> (axes: CartesianAxes, rotateValues: Bool) {
        let allValues = series.flatMap(\.values).filter(\.isFinite)
        let (lower, upper) = valueLimits
        let vertical = orientation == .vertical
        var axes = makeAxes(lower: lower, upper: upper, canvas: canvas)
        guard showValues, !allValues.isEmpty else { return (axes, false) }

        // Make room for the written values beyond the longest bars; in narrow vertical bars the
        // values are turned upright so neighbours cannot collide. With a fixed range the room is
        // made for values at the range's ends too, so panels that share a range share an axis.
        let plot = axes.layout(on: canvas, in: frame, legendOutside: false).mapping.plot
        let font = Font(size: canvas.theme.annotationSize)
        let base = baseline(lower: lower, upper: upper)
        let ends = valueRange.map { [$0.lowerBound, $0.upperBound] } ?? []
        let widest = (allValues + ends).map { canvas.measure(valueText($0), font: font).width }.max() ?? 0
        let band = plot.width / Double(max(categories.count, 1))
        let barWidth = band * Self.groupWidth / Double(max(series.count, 1))
        let gap = band * (1 - Self.groupWidth)
        let rotate = vertical && widest > barWidth + (series.count == 1 ? gap - 2 : 0)
        let extent = vertical && !rotate ? canvas.measure("0", font: font).height + 4 : widest + 6
        let length = vertical ? plot.height : plot.width
        let perUnit = max(length - extent, length * 0.5) / max(upper - lower, .leastNonzeroMagnitude)
        let room = extent / perUnit
        let highest = max(allValues.max() ?? base, valueRange?.upperBound ?? base)
        let lowest = min(allValues.min() ?? base, valueRange?.lowerBound ?? base)
        let newUpper = highest > base ? max(upper, highest + room) : upper
        let newLower = lowest < base ? min(lower, lowest - room) : lower
        axes = makeAxes(lower: newLower, upper: newUpper, canvas: canvas)
        return (axes, rotate)
    }

    func makeAxes(lower: Double, upper: Double, canvas: Canvas) -> CartesianAxes {
        let categoryAxis = AxisSpec(kind: .categories(categories), label: categoryLabel,
                                    inverted: orientation == .horizontal, grid: false)
        let valueAxis = AxisSpec(kind: .continuous(lower: lower, upper: upper, integers: false), label: valueLabel)
        let legend = series.count > 1
            ? series.enumerated().map { LegendEntry(label: $0.element.name, color: $0.element.color ?? canvas.theme.color($0.offset), symbol: .patch) }
            : []
        return CartesianAxes(title: title,
                             x: orientation == .vertical ? categoryAxis : valueAxis,
                             y: orientation == .vertical ? valueAxis : categoryAxis,
                             legend: legend, legendPlacement: legendPlacement)
    }

    func bars(mapping: PlotMapping, theme: Theme, baseline: Double = 0) -> [Bar] {
        let count = Double(max(series.count, 1))
        let barWidth = Self.groupWidth / count
        var result: [Bar] = []
        for (s, item) in series.enumerated() {
            let color = item.color ?? theme.color(s)
            for (c, value) in item.values.enumerated() where value.isFinite {
                let start = Double(c) - Self.groupWidth / 2 + Double(s) * barWidth
                let end = start + barWidth
                if orientation == .vertical {
                    let x0 = mapping.px(start), x1 = mapping.px(end)
                    let y0 = mapping.py(baseline), y1 = mapping.py(value)
                    result.append(Bar(rect: Rect(x: x0, y: min(y0, y1), width: x1 - x0, height: abs(y1 - y0)),
                                      value: value, color: color))
                } else {
                    let y0 = mapping.py(start), y1 = mapping.py(end)
                    let x0 = mapping.px(baseline), x1 = mapping.px(value)
                    result.append(Bar(rect: Rect(x: min(x0, x1), y: min(y0, y1), width: abs(x1 - x0), height: abs(y1 - y0)),
                                      value: value, color: color))
                }
            }
        }
        return result
    }
}

extension CartesianAxes {
    /// The limits of the value axis of a bar chart: the vertical axis for vertical bars.
    func valueAxisLimits(vertical: Bool) -> (lower: Double, upper: Double) {
        vertical ? y.limits : x.limits
    }
}
