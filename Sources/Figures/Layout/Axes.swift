import Foundation

/// The shape of a marker drawn at a data point.
public enum MarkerShape: Equatable, Hashable, Sendable, CaseIterable {
    /// A disc.
    case circle
    /// A square.
    case square
    /// An upward triangle.
    case triangle
    /// A diamond.
    case diamond
}

/// Where a chart puts its legend.
public enum LegendPlacement: Equatable, Sendable {
    /// Inside the plot, in the corner that covers no data; outside on the right when every
    /// corner would cover some (matplotlib's `loc="best"`, made strict).
    case best
    /// Outside the plot, to the right.
    case outside
    /// No legend.
    case hidden
}

/// One row of a legend: a symbol in a colour and a label.
struct LegendEntry {
    enum Symbol {
        case patch
        case line(LineStyle, MarkerShape?)
        case marker(MarkerShape)
    }
    var label: String
    var color: Color
    var symbol: Symbol
}

/// One axis of a cartesian plot.
struct AxisSpec {
    enum Kind {
        /// A numeric axis from `lower` to `upper` with nice ticks.
        case continuous(lower: Double, upper: Double, integers: Bool)
        /// Named positions 0, 1, …, n−1, each in a band of width 1.
        case categories([String])
    }
    var kind: Kind
    var label: String?
    var inverted = false
    var grid = true

    var limits: (lower: Double, upper: Double) {
        switch kind {
        case .continuous(let lower, let upper, _): return (lower, upper)
        case .categories(let names): return (-0.5, Double(names.count) - 0.5)
        }
    }

    /// Data limits padded by `fraction` of the range on each side, with `zero` kept as a
    /// hard edge if the data start there (bars grow from zero without a gap).
    static func paddedLimits(of values: [Double], fraction: Double = 0.05, includeZero: Bool = false)
        -> (lower: Double, upper: Double)
    {
        let finite = values.filter(\.isFinite)
        var lower = finite.min() ?? 0
        var upper = finite.max() ?? 1
        if includeZero { lower = min(lower, 0); upper = max(upper, 0) }
        if upper == lower {
            let half = lower == 0 ? 1 : abs(lower) * 0.5
            return (lower - half, upper + half)
        }
        let pad = (upper - lower) * fraction
        let paddedLower = includeZero && lower == 0 ? 0 : lower - pad
        let paddedUpper = includeZero && upper == 0 ? 0 : upper + pad
        return (paddedLower, paddedUpper)
    }
}

/// Maps data coordinates to canvas points inside a plot rectangle.
struct PlotMapping {
    let plot: Rect
    let x: AxisSpec
    let y: AxisSpec

    /// The canvas x of data value `value` on the horizontal axis.
    func px(_ value: Double) -> Double {
        let (lower, upper) = x.limits
        let t = upper > lower ? (value - lower) / (upper - lower) : 0.5
        return x.inverted ? plot.maxX - t * plot.width : plot.x + t * plot.width
    }

    /// The canvas y of data value `value` on the vertical axis (up is larger unless inverted).
    func py(_ value: Double) -> Double {
        let (lower, upper) = y.limits
        let t = upper > lower ? (value - lower) / (upper - lower) : 0.5
        return y.inverted ? plot.y + t * plot.height : plot.maxY - t * plot.height
    }

    func point(_ x: Double, _ y: Double) -> Point { Point(x: px(x), y: py(y)) }

    /// Canvas points per data unit horizontally and vertically.
    var xUnit: Double { plot.width / max(x.limits.upper - x.limits.lower, .leastNonzeroMagnitude) }
    var yUnit: Double { plot.height / max(y.limits.upper - y.limits.lower, .leastNonzeroMagnitude) }
}

/// How categorical tick labels on the horizontal axis are set.
enum LabelMode: Equatable {
    case horizontal
    case wrapped
    case rotated(Double)
}

/// A laid-out cartesian plot: where the plot area, ticks, labels and legend go.
struct AxesLayout {
    var mapping: PlotMapping
    var xTicks: [(value: Double, lines: [String])]
    var yTicks: [(value: Double, lines: [String])]
    var xMode: LabelMode
    var titleLines: [String]
    var legendRect: Rect?
    var frame: Rect
    /// Where the horizontal axis label's baseline box ends: just below the tick labels, also when
    /// an equal aspect made the plot shorter than the frame allows.
    var xLabelBottom: Double? = nil
}

/// Title, axes, grid, ticks and legend around a cartesian plot, with margins computed from
/// measured text so that nothing is clipped or overlaps.
struct CartesianAxes {
    var title: String?
    var x: AxisSpec
    var y: AxisSpec
    var legend: [LegendEntry] = []
    var legendPlacement: LegendPlacement = .best
    /// Space kept free at the right of the plot (for a colour bar).
    var reservedRight: Double = 0
    /// Whether one data unit has the same length on both axes (square heatmap cells).
    var equalAspect = false
    var spines = true

    private let tickGap = 6.0

    /// Lays out, draws the grid, then `content`, then ticks, labels and legend.
    ///
    /// - Parameters:
    ///   - occupancy: Canvas points the data covers, used to place the legend where it hides nothing.
    ///   - content: Draws the data through the mapping.
    @discardableResult
    func draw(on canvas: Canvas, in frame: Rect, occupancy: (PlotMapping) -> [Point],
              content: (PlotMapping) -> Void) -> AxesLayout {
        var layout = self.layout(on: canvas, in: frame, legendOutside: legendPlacement == .outside)
        if legendPlacement == .best, !legend.isEmpty {
            let points = occupancy(layout.mapping)
            if let corner = bestCorner(on: canvas, layout: layout, points: points) {
                layout.legendRect = corner
            } else {
                layout = self.layout(on: canvas, in: frame, legendOutside: true)
            }
        }
        render(on: canvas, layout: layout, content: content)
        return layout
    }

    // MARK: Layout

    func layout(on canvas: Canvas, in frame: Rect, legendOutside: Bool) -> AxesLayout {
        let theme = canvas.theme
        let tickFont = Font(size: theme.tickSize)
        let labelFont = Font(size: theme.labelSize)
        let pad = theme.padding
        let tickHeight = canvas.measure("0", font: tickFont).height
        let labelHeight = canvas.measure("0", font: labelFont).height

        var top = pad
        var titleLines: [String] = []
        if let title, !title.isEmpty {
            let font = Font(size: theme.titleSize, bold: true)
            titleLines = canvas.wrap(title, font: font, width: frame.width - 2 * pad)
            top += Double(titleLines.count) * canvas.measure(title, font: font).height + pad * 0.6
        }
        top += tickHeight / 2   // the top y tick label is centred on the plot's top edge

        // Vertical axis ticks: estimated on a plot about 70% of the frame's height first, then
        // measured again on the real plot (the wider of the two sets the margin).
        var yTickWidth = 0.0
        var plotHeight = max(frame.height * 0.7, 40)
        var attempt = 0
        while true {
            attempt += 1
            let yTicks = ticks(for: y, length: plotHeight, spacing: 42, font: tickFont, canvas: canvas,
                               wrapWidth: frame.width * 0.3)
            yTickWidth = max(yTickWidth, yTicks.map { $0.lines.map { canvas.measure($0, font: tickFont).width }.max() ?? 0 }.max() ?? 0)

            var left = pad + yTickWidth + tickGap
            if let label = y.label, !label.isEmpty { left += labelHeight + tickGap }
            let legendSize = legendBoxSize(on: canvas)
            var right = pad + reservedRight
            if legendOutside, let legendSize { right += legendSize.width + pad }

            // Horizontal axis ticks and how their labels are set.
            var xTicks: [(value: Double, lines: [String])] = []
            var xMode = LabelMode.horizontal
            var xTickBlock = tickHeight
            for _ in 0..<3 {
                let plotWidth = max(frame.width - left - right, 20)
                switch x.kind {
                case .continuous:
                    xTicks = ticks(for: x, length: plotWidth, spacing: 80, font: tickFont, canvas: canvas, wrapWidth: .infinity)
                    xMode = .horizontal
                    xTickBlock = tickHeight
                    // Labels centred on the plot's edges must not leave the frame.
                    if let first = xTicks.first, let last = xTicks.last {
                        let mapping = PlotMapping(plot: Rect(x: frame.x + left, y: 0, width: plotWidth, height: 1), x: x, y: y)
                        let firstHalf = canvas.measure(first.lines[0], font: tickFont).width / 2
                        let lastHalf = canvas.measure(last.lines[0], font: tickFont).width / 2
                        let leftOverhang = (frame.x + pad) - (mapping.px(first.value) - firstHalf)
                        let rightOverhang = (mapping.px(last.value) + lastHalf) - (frame.maxX - pad)
                        let newLeft = leftOverhang > 0 ? left + leftOverhang : left
                        let newRight = rightOverhang > 0 ? right + rightOverhang : right
                        if newLeft == left && newRight == right { break }
                        left = newLeft; right = newRight
                        continue
                    }
                case .categories(let names):
                    let slot = plotWidth / Double(max(names.count, 1))
                    let widths = names.map { canvas.measure($0, font: tickFont).width }
                    let widest = widths.max() ?? 0
                    if widest <= slot - 6 {
                        xMode = .horizontal
                        xTicks = names.enumerated().map { (Double($0.offset), [$0.element]) }
                        xTickBlock = tickHeight
                    } else {
                        let wrapped = names.map { canvas.wrap($0, font: tickFont, width: slot - 6) }
                        let fits = wrapped.allSatisfy { lines in
                            lines.count <= 2 && lines.allSatisfy { canvas.measure($0, font: tickFont).width <= slot - 6 }
                        }
                        if fits {
                            xMode = .wrapped
                            xTicks = zip(names.indices, wrapped).map { (Double($0), $1) }
                            xTickBlock = Double(wrapped.map(\.count).max() ?? 1) * tickHeight
                        } else {
                            let angle = tickHeight * 1.5 <= slot ? 45.0 : 90.0
                            xMode = .rotated(angle)
                            xTicks = names.enumerated().map { (Double($0.offset), [$0.element]) }
                            let radians = angle * Double.pi / 180
                            xTickBlock = widest * sin(radians) + tickHeight * cos(radians)
                            // The first label reaches left of its tick.
                            let reach = widths.first.map { $0 * cos(radians) + tickHeight * sin(radians) / 2 } ?? 0
                            let available = left + slot / 2 - pad
                            if reach > available {
                                left += reach - available
                                continue
                            }
                        }
                    }
                }
                break
            }

            var bottom = pad + xTickBlock + tickGap
            if let label = x.label, !label.isEmpty { bottom += labelHeight + tickGap }

            var plot = frame.inset(top: top, left: left, bottom: bottom, right: right)
            if attempt < 2 && abs(plot.height - plotHeight) > 1 {
                plotHeight = plot.height
                continue
            }
            if equalAspect {
                let xRange = x.limits.upper - x.limits.lower
                let yRange = y.limits.upper - y.limits.lower
                let unit = min(plot.width / xRange, plot.height / yRange)
                let width = unit * xRange, height = unit * yRange
                plot = Rect(x: plot.x + (plot.width - width) / 2, y: plot.y, width: width, height: height)
            }
            let mapping = PlotMapping(plot: plot, x: x, y: y)
            // Re-derive the vertical ticks for the real plot height.
            let finalYTicks = ticks(for: y, length: plot.height, spacing: 42, font: tickFont, canvas: canvas,
                                    wrapWidth: frame.width * 0.3)
            var legendRect: Rect?
            if legendOutside, let legendSize {
                legendRect = Rect(x: plot.maxX + reservedRight + pad, y: plot.y,
                                  width: legendSize.width, height: legendSize.height)
            }
            return AxesLayout(mapping: mapping, xTicks: xTicks, yTicks: finalYTicks, xMode: xMode,
                              titleLines: titleLines, legendRect: legendRect, frame: frame,
                              xLabelBottom: min(frame.maxY - pad, plot.maxY + bottom - pad))
        }
    }

    /// Tick values and label lines for an axis of the given length.
    private func ticks(for axis: AxisSpec, length: Double, spacing: Double, font: Font, canvas: Canvas,
                       wrapWidth: Double) -> [(value: Double, lines: [String])] {
        switch axis.kind {
        case .categories(let names):
            return names.enumerated().map { (Double($0.offset), canvas.wrap($0.element, font: font, width: wrapWidth)) }
        case .continuous(let lower, let upper, let integers):
            var target = max(2, min(9, Int(length / spacing) + 1))
            while true {
                let ticks = AxisTicks(lower: lower, upper: upper, targetCount: target, integersOnly: integers)
                // Horizontal labels need room: widest label plus a gap per tick interval.
                let widest = ticks.labels.map { canvas.measure($0, font: font).width }.max() ?? 0
                let interval = length * ticks.step / max(upper - lower, .leastNonzeroMagnitude)
                if target <= 2 || spacing < 60 || interval >= widest + 12 {
                    return zip(ticks.values, ticks.labels).map { ($0, [$1]) }
                }
                target -= 1
            }
        }
    }

    // MARK: Legend

    func legendBoxSize(on canvas: Canvas) -> Size? {
        guard !legend.isEmpty, legendPlacement != .hidden else { return nil }
        let font = Font(size: canvas.theme.tickSize)
        let row = canvas.measure("0", font: font).height * 1.25
        let widest = legend.map { canvas.measure($0.label, font: font).width }.max() ?? 0
        return Size(width: 8 + 22 + 6 + widest + 8, height: 6 + Double(legend.count) * row + 6)
    }

    /// The first corner of the plot where the legend covers no data point, if any.
    private func bestCorner(on canvas: Canvas, layout: AxesLayout, points: [Point]) -> Rect? {
        guard let size = legendBoxSize(on: canvas) else { return nil }
        let plot = layout.mapping.plot
        let inset = 6.0
        guard size.width + 2 * inset <= plot.width, size.height + 2 * inset <= plot.height else { return nil }
        let candidates = [
            Rect(x: plot.maxX - inset - size.width, y: plot.y + inset, width: size.width, height: size.height),
            Rect(x: plot.x + inset, y: plot.y + inset, width: size.width, height: size.height),
            Rect(x: plot.maxX - inset - size.width, y: plot.maxY - inset - size.height, width: size.width, height: size.height),
            Rect(x: plot.x + inset, y: plot.maxY - inset - size.height, width: size.width, height: size.height),
        ]
        for candidate in candidates {
            let guarded = candidate.inset(top: -4, left: -4, bottom: -4, right: -4)
            if !points.contains(where: { guarded.contains($0) }) { return candidate }
        }
        return nil
    }

    private func drawLegend(on canvas: Canvas, in rect: Rect) {
        let theme = canvas.theme
        let font = Font(size: theme.tickSize)
        let row = canvas.measure("0", font: font).height * 1.25
        canvas.fill(rect, color: Color.white.withAlpha(0.9))
        canvas.stroke(rect.inset(top: 0.5, left: 0.5, bottom: 0.5, right: 0.5), color: Color(grey: 0.8), width: 1)
        for (index, entry) in legend.enumerated() {
            let midY = rect.y + 6 + (Double(index) + 0.5) * row
            let symbolX = rect.x + 8
            switch entry.symbol {
            case .patch:
                canvas.fill(Rect(x: symbolX + 4, y: midY - 5, width: 14, height: 10), color: entry.color)
            case .line(let style, let marker):
                canvas.line(from: Point(x: symbolX, y: midY), to: Point(x: symbolX + 22, y: midY),
                            color: entry.color, width: theme.lineWidth, style: style)
                if let marker { drawMarker(marker, at: Point(x: symbolX + 11, y: midY), size: 7, color: entry.color, on: canvas) }
            case .marker(let marker):
                drawMarker(marker, at: Point(x: symbolX + 11, y: midY), size: 8, color: entry.color, on: canvas)
            }
            canvas.text(entry.label, at: Point(x: symbolX + 28, y: midY), font: font,
                        horizontal: .leading, vertical: .center)
        }
    }

    // MARK: Drawing

    private func render(on canvas: Canvas, layout: AxesLayout, content: (PlotMapping) -> Void) {
        let theme = canvas.theme
        let plot = layout.mapping.plot
        let tickFont = Font(size: theme.tickSize)
        let labelFont = Font(size: theme.labelSize)
        let tickHeight = canvas.measure("0", font: tickFont).height
        let mapping = layout.mapping

        // Grid behind the data.
        if x.grid, case .continuous = x.kind {
            for tick in layout.xTicks {
                let px = (mapping.px(tick.value) * 2).rounded() / 2
                canvas.line(from: Point(x: px, y: plot.y), to: Point(x: px, y: plot.maxY), color: theme.gridColor, width: 1)
            }
        }
        if y.grid, case .continuous = y.kind {
            for tick in layout.yTicks {
                let py = (mapping.py(tick.value) * 2).rounded() / 2
                canvas.line(from: Point(x: plot.x, y: py), to: Point(x: plot.maxX, y: py), color: theme.gridColor, width: 1)
            }
        }

        canvas.clipped(to: plot.inset(top: -6, left: -6, bottom: -6, right: -6)) { content(mapping) }

        if spines {
            canvas.stroke(plot, color: theme.spineColor, width: 1)
        }

        // Horizontal axis tick labels.
        let labelTop = plot.maxY + tickGap
        for tick in layout.xTicks {
            let px = mapping.px(tick.value)
            switch layout.xMode {
            case .horizontal, .wrapped:
                for (line, text) in tick.lines.enumerated() {
                    canvas.text(text, at: Point(x: px, y: labelTop + Double(line) * tickHeight), font: tickFont,
                                horizontal: .center, vertical: .top)
                }
            case .rotated(let angle):
                let text = tick.lines.joined(separator: " ")
                if angle >= 90 {
                    canvas.text(text, at: Point(x: px, y: labelTop), font: tickFont, horizontal: .trailing,
                                vertical: .center, angle: 90)
                } else {
                    canvas.text(text, at: Point(x: px, y: labelTop), font: tickFont, horizontal: .trailing,
                                vertical: .center, angle: angle)
                }
            }
        }
        // Vertical axis tick labels.
        var yTickWidth = 0.0
        for tick in layout.yTicks {
            let py = mapping.py(tick.value)
            let block = Double(tick.lines.count) * tickHeight
            for (line, text) in tick.lines.enumerated() {
                yTickWidth = max(yTickWidth, canvas.measure(text, font: tickFont).width)
                let centre = py - block / 2 + (Double(line) + 0.5) * tickHeight
                canvas.text(text, at: Point(x: plot.x - tickGap, y: centre), font: tickFont,
                            horizontal: .trailing, vertical: .center)
            }
        }

        // Axis labels.
        if let label = x.label, !label.isEmpty {
            let bottom = layout.xLabelBottom ?? layout.frame.maxY - theme.padding
            canvas.text(label, at: Point(x: plot.midX, y: bottom), font: labelFont, horizontal: .center, vertical: .bottom)
        }
        if let label = y.label, !label.isEmpty {
            let leftEdge = plot.x - tickGap - yTickWidth - tickGap
            canvas.text(label, at: Point(x: leftEdge, y: plot.midY), font: labelFont, horizontal: .center,
                        vertical: .bottom, angle: 90)
        }

        // Title.
        if !layout.titleLines.isEmpty {
            let font = Font(size: theme.titleSize, bold: true)
            let height = canvas.measure("0", font: font).height
            // Centred over the plot, as matplotlib does, but never past the frame's padding; all
            // lines share one centre, so a wrapped title reads as one block.
            let half = layout.titleLines.map { canvas.measure($0, font: font).width }.max().map { $0 / 2 } ?? 0
            let x = min(max(plot.midX, layout.frame.x + theme.padding + half), layout.frame.maxX - theme.padding - half)
            for (index, line) in layout.titleLines.enumerated() {
                canvas.text(line, at: Point(x: x, y: layout.frame.y + theme.padding + Double(index) * height),
                            font: font, horizontal: .center, vertical: .top)
            }
        }

        if let legendRect = layout.legendRect { drawLegend(on: canvas, in: legendRect) }
    }
}

/// Draws a marker centred on a point.
func drawMarker(_ shape: MarkerShape, at center: Point, size: Double, color: Color, on canvas: Canvas,
                outline: Color? = .white) {
    let r = size / 2
    switch shape {
    case .circle:
        canvas.circle(center: center, radius: r, color: color, outline: outline, outlineWidth: 0.8)
    case .square:
        let s = r * 0.9
        canvas.polygon([Point(x: center.x - s, y: center.y - s), Point(x: center.x + s, y: center.y - s),
                        Point(x: center.x + s, y: center.y + s), Point(x: center.x - s, y: center.y + s)],
                       color: color, outline: outline, outlineWidth: 0.8)
    case .triangle:
        let s = r * 1.15
        canvas.polygon([Point(x: center.x, y: center.y - s), Point(x: center.x + s * 0.95, y: center.y + s * 0.65),
                        Point(x: center.x - s * 0.95, y: center.y + s * 0.65)],
                       color: color, outline: outline, outlineWidth: 0.8)
    case .diamond:
        let s = r * 1.2
        canvas.polygon([Point(x: center.x, y: center.y - s), Point(x: center.x + s * 0.8, y: center.y),
                        Point(x: center.x, y: center.y + s), Point(x: center.x - s * 0.8, y: center.y)],
                       color: color, outline: outline, outlineWidth: 0.8)
    }
}

/// Points spread over a rectangle (its corners, edges and interior every `spacing` points),
/// standing for the area it covers when placing a legend.
func samplePoints(of rect: Rect, spacing: Double = 6) -> [Point] {
    let columns = max(1, Int(rect.width / spacing)), rows = max(1, Int(rect.height / spacing))
    var points: [Point] = []
    for i in 0...columns {
        for j in 0...rows {
            points.append(Point(x: rect.x + rect.width * Double(i) / Double(columns),
                                y: rect.y + rect.height * Double(j) / Double(rows)))
        }
    }
    return points
}

/// Points along a polyline, at most `spacing` points apart.
func samplePoints(along line: [Point], spacing: Double = 4) -> [Point] {
    guard let first = line.first else { return [] }
    var points = [first]
    for (a, b) in zip(line, line.dropFirst()) {
        let length = hypot(b.x - a.x, b.y - a.y)
        let steps = max(1, Int(length / spacing))
        for step in 1...steps {
            let t = Double(step) / Double(steps)
            points.append(Point(x: a.x + (b.x - a.x) * t, y: a.y + (b.y - a.y) * t))
        }
    }
    return points
}
