import Foundation

/// A matrix drawn as coloured cells, with a colour bar and optional numbers in the cells.
///
/// Row 0 is at the top, as in a printed matrix. With labels (a confusion matrix's class names)
/// every row and column is named; without them, axes show nice index ticks. Small matrices are
/// drawn cell by cell; large ones (a 784×784 correlation matrix) as one image scaled with nearest
/// neighbour. Cells are square. Diverging colour maps are centred on zero.
///
/// ```swift
/// let chart = Heatmap(values: confusion, rows: 10, columns: 10, rowLabels: classes,
///                     columnLabels: classes, colorMap: .blues, annotate: true,
///                     title: "Confusion matrix", xLabel: "predicted", yLabel: "true")
/// ```
public struct Heatmap: Chart {
    /// The values, row by row (`values[row * columns + column]`).
    public var values: [Double]
    /// The number of rows.
    public var rows: Int
    /// The number of columns.
    public var columns: Int
    /// A name per row, or `nil` for index ticks.
    public var rowLabels: [String]?
    /// A name per column, or `nil` for index ticks.
    public var columnLabels: [String]?
    /// The colour map.
    public var colorMap: ColorMap
    /// The values mapped to the ends of the colour map; from the data when `nil`
    /// (symmetric about zero for a diverging map).
    public var range: ClosedRange<Double>?
    /// Whether each cell shows its value (skipped where the number cannot fit the cell).
    public var annotate: Bool
    /// Decimals of shown values that are not whole numbers.
    public var valueDecimals: Int
    /// The panel title.
    public var title: String?
    /// The horizontal axis label.
    public var xLabel: String?
    /// The vertical axis label.
    public var yLabel: String?
    /// A label beside the colour bar.
    public var colorBarLabel: String?

    /// Creates a heatmap.
    ///
    /// - Parameters:
    ///   - values: `rows * columns` values, row by row.
    ///   - rows: Number of rows.
    ///   - columns: Number of columns.
    ///   - rowLabels: A name per row, or `nil`.
    ///   - columnLabels: A name per column, or `nil`.
    ///   - colorMap: `.viridis` by default.
    ///   - range: Values at the colour map's ends, or `nil` to fit the data.
    ///   - annotate: Whether to write values in cells.
    ///   - valueDecimals: Decimals for fractional values, 2 by default.
    ///   - title: Panel title.
    ///   - xLabel: Horizontal axis label.
    ///   - yLabel: Vertical axis label.
    ///   - colorBarLabel: Colour bar label.
    public init(values: [Double], rows: Int, columns: Int, rowLabels: [String]? = nil, columnLabels: [String]? = nil,
                colorMap: ColorMap = .viridis, range: ClosedRange<Double>? = nil, annotate: Bool = false,
                valueDecimals: Int = 2, title: String? = nil, xLabel: String? = nil, yLabel: String? = nil,
                colorBarLabel: String? = nil) {
        precondition(rows > 0 && columns > 0, "A heatmap needs at least one row and one column.")
        precondition(values.count == rows * columns,
                     "A \(rows)×\(columns) heatmap needs \(rows * columns) values, not \(values.count).")
        precondition(rowLabels.map { $0.count == rows } ?? true, "A heatmap needs one label per row.")
        precondition(columnLabels.map { $0.count == columns } ?? true, "A heatmap needs one label per column.")
        self.values = values
        self.rows = rows
        self.columns = columns
        self.rowLabels = rowLabels
        self.columnLabels = columnLabels
        self.colorMap = colorMap
        self.range = range
        self.annotate = annotate
        self.valueDecimals = valueDecimals
        self.title = title
        self.xLabel = xLabel
        self.yLabel = yLabel
        self.colorBarLabel = colorBarLabel
    }

    /// 600×500 points: room for square cells, labels and a colour bar.
    public var preferredSize: Size { Size(width: 600, height: 500) }

    /// The values at the colour map's ends.
    public var colorRange: ClosedRange<Double> {
        if let range { return range }
        let finite = values.filter(\.isFinite)
        var low = finite.min() ?? 0, high = finite.max() ?? 1
        if colorMap.isDiverging {
            let extent = max(abs(low), abs(high))
            low = -extent
            high = extent
        }
        if high <= low { high = low + 1 }
        return low...high
    }

    /// The colour of a value under the map and range.
    ///
    /// - Parameter value: A matrix value.
    public func color(for value: Double) -> Color {
        let range = colorRange
        return colorMap.color(at: (value - range.lowerBound) / (range.upperBound - range.lowerBound))
    }

    /// Whether the matrix is small enough for cells drawn one by one (with rules between
    /// labelled cells) and for numbers in the cells.
    var drawsCells: Bool { rows * columns <= 4096 }

    /// The colour bar beside the matrix: the map over ``colorRange`` with ``colorBarLabel``.
    public var colorBar: ColorBar {
        ColorBar(colorMap: colorMap, range: colorRange, label: colorBarLabel)
    }

    public func draw(on canvas: Canvas, in frame: Rect) {
        let theme = canvas.theme
        let bar = colorBar
        let reserved = theme.padding * 1.5 + bar.width(on: canvas, height: frame.height * 0.7)
        let axes = makeAxes(reservedRight: reserved)
        let layout = axes.draw(on: canvas, in: frame, occupancy: { _ in [] }, content: { mapping in
            drawCells(on: canvas, mapping: mapping)
        })
        let plot = layout.mapping.plot
        bar.draw(on: canvas, in: Rect(x: plot.maxX + theme.padding * 1.5, y: plot.y, width: ColorBar.barWidth,
                                      height: plot.height))
    }

    /// Whether a matrix of `count` cells drawn `points` wide on `canvas` needs smoothing: when a
    /// cell is not a whole number of device pixels, nearest-neighbour scaling makes some cells
    /// one pixel wider than others, which aliases fine bands into moiré.
    static func needsSmoothing(cells count: Int, points: Double, scale: Double) -> Bool {
        let pixelsPerCell = points * scale / Double(count)
        return pixelsPerCell < 1 || abs(pixelsPerCell - pixelsPerCell.rounded()) > 0.02
    }

    /// The axes around the matrix: labelled categories, or index ticks at cell centres.
    ///
    /// - Parameter reservedRight: Room kept right of the plot for the colour bar.
    func makeAxes(reservedRight: Double) -> CartesianAxes {
        let xAxis = columnLabels.map { AxisSpec(kind: .categories($0), label: xLabel, grid: false) }
            ?? AxisSpec(kind: .continuous(lower: -0.5, upper: Double(columns) - 0.5, integers: true), label: xLabel, grid: false)
        let yAxis = rowLabels.map { AxisSpec(kind: .categories($0), label: yLabel, inverted: true, grid: false) }
            ?? AxisSpec(kind: .continuous(lower: -0.5, upper: Double(rows) - 0.5, integers: true), label: yLabel,
                          inverted: true, grid: false)
        return CartesianAxes(title: title, x: xAxis, y: yAxis, legend: [], legendPlacement: .hidden,
                             reservedRight: reservedRight, equalAspect: true, spines: false)
    }

    /// The rectangle of cell (`row`, `column`) in canvas points.
    ///
    /// Cell `i` spans `i − 0.5 … i + 0.5` on its axis, so that an index tick (or a label) sits
    /// at the centre of the cell it names, as matplotlib's `imshow` places them.
    func cellRect(row: Int, column: Int, mapping: PlotMapping) -> Rect {
        let x0 = mapping.px(Double(column) - 0.5), x1 = mapping.px(Double(column) + 0.5)
        let y0 = mapping.py(Double(row) - 0.5), y1 = mapping.py(Double(row) + 0.5)
        return Rect(x: min(x0, x1), y: min(y0, y1), width: abs(x1 - x0), height: abs(y1 - y0))
    }

    private func drawCells(on canvas: Canvas, mapping: PlotMapping) {
        let theme = canvas.theme
        let first = cellRect(row: 0, column: 0, mapping: mapping)
        // Labelled cells big enough to tell apart get a thin white rule between them; all
        // others are one picture scaled with nearest neighbour, which leaves no hairline seams
        // between cells that fall between pixels.
        let separated = drawsCells && first.width >= 14 && (rowLabels != nil || columnLabels != nil)
        // Small matrices (a 28×28 mask) stay crisp blocks; large ones are smoothed where needed.
        let blocky = drawsCells && first.width >= 4
        if separated {
            for row in 0..<rows {
                for column in 0..<columns {
                    let rect = cellRect(row: row, column: column, mapping: mapping)
                    canvas.fill(rect.inset(top: 0.5, left: 0.5, bottom: 0.5, right: 0.5),
                                color: color(for: values[row * columns + column]))
                }
            }
        } else {
            var pixels = [UInt8](repeating: 0, count: rows * columns * 3)
            for (index, value) in values.enumerated() {
                let c = color(for: value).rgb8
                pixels[index * 3] = c.red
                pixels[index * 3 + 1] = c.green
                pixels[index * 3 + 2] = c.blue
            }
            let image = PNGImage(width: columns, height: rows, channels: 3, pixels: pixels)
            let bottomRight = cellRect(row: rows - 1, column: columns - 1, mapping: mapping)
            let area = Rect(x: first.x, y: first.y, width: bottomRight.maxX - first.x, height: bottomRight.maxY - first.y)
            let smooth = Self.needsSmoothing(cells: columns, points: area.width, scale: canvas.scale)
                || Self.needsSmoothing(cells: rows, points: area.height, scale: canvas.scale)
            canvas.image(image, in: area, smooth: smooth && !blocky)
        }
        guard drawsCells, annotate else { return }
        let texts = values.map { formatValue($0, decimals: valueDecimals) }
        let widest = texts.map { canvas.measure($0, font: Font(size: theme.annotationSize)).width }.max() ?? 0
        var size = theme.annotationSize
        if widest + 4 > first.width { size *= (first.width - 4) / (widest + 4) }
        let font = Font(size: size)
        guard size >= 6, canvas.measure("0", font: font).height <= first.height else { return }
        for row in 0..<rows {
            for column in 0..<columns {
                let value = values[row * columns + column]
                let rect = cellRect(row: row, column: column, mapping: mapping)
                let textColor = color(for: value).luminance < 0.35 ? Color.white : Color(grey: 0.1)
                canvas.text(texts[row * columns + column], at: Point(x: rect.midX, y: rect.midY), font: font,
                            color: textColor, horizontal: .center, vertical: .center)
            }
        }
    }
}
