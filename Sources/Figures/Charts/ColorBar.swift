import Foundation

/// A vertical colour bar: the colour map as a gradient, ticks with values, and a label saying
/// what the colour means, as matplotlib's `colorbar` draws it beside an image.
///
/// ``Heatmap`` draws one beside its matrix; an ``ImageGrid`` draws one beside each group of
/// rows whose pictures are colour-mapped (``ImageGrid/colorBars``).
///
/// ```swift
/// let bar = ColorBar(colorMap: .viridis, range: 0...0.45, label: "std of pixel / 255")
/// ```
public struct ColorBar: Sendable, Equatable {
    /// The colour map, value 0 at the bottom.
    public var colorMap: ColorMap
    /// The values at the bottom and the top of the bar.
    public var range: ClosedRange<Double>
    /// What the colour means, set vertically beside the tick labels, or `nil`.
    public var label: String?
    /// In an ``ImageGrid``, the rows the bar describes (drawn beside them); all rows when `nil`.
    public var rows: Range<Int>?

    /// The width of the gradient, in points.
    static let barWidth = 12.0
    /// The gap between the gradient and its tick labels.
    static let tickGap = 5.0

    /// Creates a colour bar.
    ///
    /// - Parameters:
    ///   - colorMap: The colour map.
    ///   - range: The values at its ends (an empty range is widened by 1 at the top).
    ///   - label: What the colour means, or `nil`.
    ///   - rows: In an image grid, the rows it describes, or `nil` for all.
    public init(colorMap: ColorMap, range: ClosedRange<Double>, label: String? = nil, rows: Range<Int>? = nil) {
        self.colorMap = colorMap
        self.range = range.upperBound > range.lowerBound ? range : range.lowerBound...(range.lowerBound + 1)
        self.label = label
        self.rows = rows
    }

    /// Nice tick values, about `count` of them, asking for more until at least two fall inside
    /// the range (a bar with one tick says nothing about its scale).
    func ticks(count: Int) -> AxisTicks {
        var target = count
        while true {
            let ticks = AxisTicks(lower: range.lowerBound, upper: range.upperBound, targetCount: target)
            if ticks.values.filter({ range.contains($0) }).count >= 2 || target >= 12 { return ticks }
            target += 1
        }
    }

    /// How many ticks fit a bar `height` points tall: one every 28 points at most, from 3 to 6.
    static func tickCount(height: Double) -> Int { min(6, max(3, Int(height / 28))) }

    /// The width the bar, its tick labels and its label take, gap before it excluded.
    ///
    /// - Parameters:
    ///   - canvas: The canvas whose fonts measure the text.
    ///   - height: The bar's height (which sets how many ticks it has).
    public func width(on canvas: Canvas, height: Double) -> Double {
        let font = Font(size: canvas.theme.tickSize)
        let labels = ticks(count: Self.tickCount(height: height)).labels
        let tickWidth = labels.map { canvas.measure($0, font: font).width }.max() ?? 0
        var width = Self.barWidth + Self.tickGap + tickWidth
        if let label { width += 4 + canvas.measure("0", font: labelFont(label, on: canvas, height: height)).height }
        return width
    }

    /// The label's font: the theme's label size, smaller (down to the tick size) where the label
    /// would otherwise run more than a fifth of the bar's height past either end of it.
    func labelFont(_ label: String, on canvas: Canvas, height: Double) -> Font {
        let size = canvas.theme.labelSize
        let length = canvas.measure(label, font: Font(size: size)).width
        let room = height * 1.4
        guard length > room, length > 0 else { return Font(size: size) }
        return Font(size: max(canvas.theme.tickSize, size * room / length))
    }

    /// The vertical position of `value` in a bar drawn in `rect`.
    func y(of value: Double, in rect: Rect) -> Double {
        rect.maxY - (value - range.lowerBound) / (range.upperBound - range.lowerBound) * rect.height
    }

    /// Draws the gradient in `rect` (its width is the gradient's), with ticks, their labels and
    /// the label to its right.
    ///
    /// - Parameters:
    ///   - canvas: The canvas to draw on.
    ///   - rect: The gradient's rectangle; the labels go right of it, within ``width(on:height:)``.
    public func draw(on canvas: Canvas, in rect: Rect) {
        let theme = canvas.theme
        let font = Font(size: theme.tickSize)
        let steps = 256
        let gradient = PNGImage(width: 1, height: steps, channels: 3, pixels: (0..<steps).flatMap { i -> [UInt8] in
            let c = colorMap.color(at: 1 - Double(i) / Double(steps - 1)).rgb8
            return [c.red, c.green, c.blue]
        })
        canvas.image(gradient, in: rect, smooth: true)
        canvas.stroke(rect, color: theme.spineColor, width: 0.8)
        let ticks = ticks(count: Self.tickCount(height: rect.height))
        var tickWidth = 0.0
        for (value, label) in zip(ticks.values, ticks.labels) where range.contains(value) {
            let y = y(of: value, in: rect)
            canvas.line(from: Point(x: rect.maxX, y: y), to: Point(x: rect.maxX + 3, y: y), color: theme.spineColor, width: 1)
            canvas.text(label, at: Point(x: rect.maxX + Self.tickGap, y: y), font: font, horizontal: .leading, vertical: .center)
            tickWidth = max(tickWidth, canvas.measure(label, font: font).width)
        }
        if let label {
            canvas.text(label, at: Point(x: rect.maxX + Self.tickGap + tickWidth + 4, y: rect.midY),
                        font: labelFont(label, on: canvas, height: rect.height), horizontal: .center, vertical: .top,
                        angle: 90)
        }
    }
}
