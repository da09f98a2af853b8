/// A bar chart: one bar per category, or a group of bars per category for several series.
///
/// Bars grow from zero. Several series are drawn side by side within each category, in the
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
    /// Decimals of written values that are not whole numbers.
    public var valueDecimals: Int
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
    ///   - valueDecimals: Decimals for fractional values, 2 by default.
    ///   - legendPlacement: Legend position, `.best` by default.
    public init(categories: [String], series: [Series], orientation: Orientation = .vertical,
                title: String? = nil, categoryLabel: String? = nil, valueLabel: String? = nil,
                showValues: Bool = false, valueDecimals: Int = 2, legendPlacement: LegendPlacement = .best) {
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
        self.showValues = showValues
        self.valueDecimals = valueDecimals
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
    ///   - valueDecimals: Decimals for fractional values, 2 by default.
    public init(categories: [String], values: [Double], orientation: Orientation = .vertical,
                title: String? = nil, categoryLabel: String? = nil, valueLabel: String? = nil,
                showValues: Bool = false, valueDecimals: Int = 2) {
        self.init(categories: categories, series: [Series(name: valueLabel ?? "", values: values)],
                  orientation: orientation, title: title, categoryLabel: categoryLabel, valueLabel: valueLabel,
                  showValues: showValues, valueDecimals: valueDecimals, legendPlacement: .hidden)
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
        let allValues = series.flatMap(\.values).filter(\.isFinite)
        let (lower, upper) = AxisSpec.paddedLimits(of: allValues, includeZero: true)
        let vertical = orientation == .vertical
        var axes = makeAxes(lower: lower, upper: upper, canvas: canvas)
        var rotateValues = false

        if showValues, !allValues.isEmpty {
            // Make room for the written values beyond the longest bars; in narrow vertical bars
            // the values are turned upright so neighbours cannot collide.
            let plot = axes.layout(on: canvas, in: frame, legendOutside: false).mapping.plot
            let font = Font(size: canvas.theme.annotationSize)
            let widest = allValues.map { canvas.measure(formatValue($0, decimals: valueDecimals), font: font).width }.max() ?? 0
            let barWidth = plot.width / Double(max(categories.count, 1)) * Self.groupWidth / Double(max(series.count, 1))
            let gap = plot.width / Double(max(categories.count, 1)) * (1 - Self.groupWidth)
            rotateValues = vertical && widest > barWidth + (series.count == 1 ? gap - 2 : 0)
            let extent = vertical && !rotateValues ? canvas.measure("0", font: font).height + 4 : widest + 6
            let length = vertical ? plot.height : plot.width
            let perUnit = max(length - extent, length * 0.5) / max(upper - lower, .leastNonzeroMagnitude)
            let room = extent / perUnit
            let newUpper = (allValues.max() ?? 0) > 0 ? max(upper, (allValues.max() ?? 0) + room) : upper
            let newLower = (allValues.min() ?? 0) < 0 ? min(lower, (allValues.min() ?? 0) - room) : lower
            axes = makeAxes(lower: newLower, upper: newUpper, canvas: canvas)
        }

        axes.draw(on: canvas, in: frame, occupancy: { mapping in
            bars(mapping: mapping, theme: canvas.theme).flatMap { samplePoints(of: $0.rect) }
        }, content: { mapping in
            let theme = canvas.theme
            let font = Font(size: theme.annotationSize)
            for bar in bars(mapping: mapping, theme: theme) {
                canvas.fill(bar.rect, color: bar.color)
                guard showValues, bar.value.isFinite else { continue }
                let text = formatValue(bar.value, decimals: valueDecimals)
                if vertical {
                    let positive = bar.value >= 0
                    let y = positive ? bar.rect.y - 3 : bar.rect.maxY + 3
                    if !rotateValues {
                        canvas.text(text, at: Point(x: bar.rect.midX, y: y), font: font,
                                    horizontal: .center, vertical: positive ? .bottom : .top)
                    } else {
                        canvas.text(text, at: Point(x: bar.rect.midX, y: y), font: font,
                                    horizontal: positive ? .leading : .trailing, vertical: .center, angle: 90)
                    }
                } else {
                    let positive = bar.value >= 0
                    let x = positive ? bar.rect.maxX + 4 : bar.rect.x - 4
                    canvas.text(text, at: Point(x: x, y: bar.rect.midY), font: font,
                                horizontal: positive ? .leading : .trailing, vertical: .center)
                }
            }
        })
    }

    private func makeAxes(lower: Double, upper: Double, canvas: Canvas) -> CartesianAxes {
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

    func bars(mapping: PlotMapping, theme: Theme) -> [Bar] {
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
                    let y0 = mapping.py(0), y1 = mapping.py(value)
                    result.append(Bar(rect: Rect(x: x0, y: min(y0, y1), width: x1 - x0, height: abs(y1 - y0)),
                                      value: value, color: color))
                } else {
                    let y0 = mapping.py(start), y1 = mapping.py(end)
                    let x0 = mapping.px(0), x1 = mapping.px(value)
                    result.append(Bar(rect: Rect(x: min(x0, x1), y: min(y0, y1), width: abs(x1 - x0), height: abs(y1 - y0)),
                                      value: value, color: color))
                }
            }
        }
        return result
    }
}
