import Foundation

/// Something that draws itself into a rectangle of a ``Canvas``: a chart, or a grid of them.
///
/// Every chart kind of this module (``BarChart``, ``Histogram``, ``LineChart``, ``Heatmap``,
/// ``BoxPlot``, ``ViolinPlot``, ``ScatterPlot``, ``ImageGrid``, ``WordCloud``, ``ReliabilityDiagram``) and
/// ``FigureGrid`` conform. A chart lays itself out from measured text extents, so it never
/// draws outside `frame`.
public protocol Chart: Sendable {
    /// The size, in points, of a figure that shows only this chart when no size is given.
    var preferredSize: Size { get }

    /// Draws the chart inside `frame`.
    ///
    /// - Parameters:
    ///   - canvas: The canvas to draw on; its theme gives colours and fonts.
    ///   - frame: The rectangle the chart may use, margins included.
    func draw(on canvas: Canvas, in frame: Rect)
}

extension Chart {
    /// 640×400 points, the default size of a figure.
    public var preferredSize: Size { Figure.defaultSize }
}

/// A chart (or a ``FigureGrid`` of charts) with an optional title, rendered to PNG.
///
/// A figure has a size in points and a scale: at scale 1 a point is a pixel, which reads well
/// embedded in a Markdown page; scale 2 gives twice the pixels in each direction for crisp
/// screens (embed it at the point width). Rendering is deterministic: the same figure gives the
/// same PNG bytes.
///
/// ```swift
/// let chart = BarChart(categories: ["a", "b"], values: [3, 5], title: "Counts")
/// let png = try Figure(chart).renderPNG()
/// ```
public struct Figure: Sendable {
    /// The default size, 640×400 points.
    public static let defaultSize = Size(width: 640, height: 400)
    /// The largest width or height, in pixels, a figure may have.
    public static let maximumPixelSide = 16_384

    /// The chart drawn below the title.
    public var chart: any Chart
    /// A title centred above the chart, in bold, or `nil` for none.
    public var title: String?
    /// The size in points.
    public var size: Size
    /// Pixels per point: 1 for pages, 2 for crisp screens.
    public var scale: Double
    /// Colours, fonts and spacing.
    public var theme: Theme

    /// Creates a figure.
    ///
    /// - Parameters:
    ///   - chart: What to draw.
    ///   - title: A figure title, or `nil`.
    ///   - size: The size in points; when `nil`, the chart's ``Chart/preferredSize`` with room
    ///     for the title above it, so the chart keeps the size it asks for.
    ///   - scale: Pixels per point, 1 by default.
    ///   - theme: The theme, ``Theme/standard`` by default.
    public init(_ chart: any Chart, title: String? = nil, size: Size? = nil, scale: Double = 1,
                theme: Theme = .standard) {
        self.chart = chart
        self.title = title
        self.scale = scale
        self.theme = theme
        if let size {
            self.size = size
        } else {
            let preferred = chart.preferredSize
            self.size = Size(width: preferred.width,
                             height: preferred.height + Self.titleHeight(title, width: preferred.width, theme: theme))
        }
    }

    /// The height a figure title takes above the chart: padding, its lines and a gap.
    static func titleHeight(_ title: String?, width: Double, theme: Theme) -> Double {
        guard let title, !title.isEmpty,
              let canvas = try? Canvas(size: Size(width: 1, height: 1), scale: 1, theme: theme) else { return 0 }
        return theme.padding + canvas.titleBlockHeight(title, font: Font(size: theme.figureTitleSize, bold: true),
                                                       width: width - 2 * theme.padding)
    }

    /// Renders the figure to an RGB raster of `size × scale` pixels.
    ///
    /// - Throws: ``FiguresError/invalidFigureSize(width:height:)`` or
    ///   ``FiguresError/renderingFailed(reason:)``.
    public func render() throws -> PNGImage {
        let canvas = try Canvas(size: size, scale: scale, theme: theme)
        var frame = Rect(x: 0, y: 0, width: size.width, height: size.height)
        if let title, !title.isEmpty {
            let font = Font(size: theme.figureTitleSize, bold: true)
            let used = canvas.drawTitle(title, font: font, in: frame.inset(top: theme.padding,
                                                                            left: theme.padding,
                                                                            right: theme.padding))
            frame = frame.inset(top: theme.padding + used)
        }
        chart.draw(on: canvas, in: frame)
        return try canvas.snapshot()
    }

    /// Renders the figure and encodes it as PNG bytes.
    ///
    /// - Throws: The errors of ``render()`` and ``PNGImage/encode()``.
    public func renderPNG() throws -> Data {
        try render().encode()
    }

    /// Renders the figure and writes it to a PNG file.
    ///
    /// - Parameter url: The file to write, replaced if it exists.
    /// - Throws: The errors of ``renderPNG()``, or ``FiguresError/writeFailed(path:reason:)``.
    public func write(to url: URL) throws {
        let data = try renderPNG()
        do {
            try data.write(to: url, options: .atomic)
        } catch {
            throw FiguresError.writeFailed(path: url.path, reason: error.localizedDescription)
        }
    }
}

/// Several charts laid out as panels in a grid, like matplotlib's `subplots`.
///
/// Panels fill the grid row by row; each gets an equal share of the frame. A grid is itself a
/// ``Chart``, so it can be the content of a ``Figure`` (whose title then acts as a suptitle).
///
/// ```swift
/// let curves = FigureGrid([lossChart, accuracyChart], columns: 2)
/// try Figure(curves, title: "Training").write(to: url)
/// ```
public struct FigureGrid: Chart {
    /// The panels, row by row.
    public var panels: [any Chart]
    /// The number of panels per row.
    public var columns: Int

    /// Creates a grid of panels.
    ///
    /// - Parameters:
    ///   - panels: The charts, row by row.
    ///   - columns: Panels per row; all panels in one row when `nil`.
    public init(_ panels: [any Chart], columns: Int? = nil) {
        precondition(columns.map { $0 > 0 } ?? true, "A FigureGrid needs at least one column.")
        self.panels = panels
        self.columns = max(1, columns ?? panels.count)
    }

    /// The number of rows the panels fill.
    public var rows: Int { (panels.count + columns - 1) / columns }

    /// Each panel's preferred size placed side by side: the widest and tallest panel per cell.
    public var preferredSize: Size {
        let cell = panels.reduce(Size(width: 0, height: 0)) { size, panel in
            let preferred = panel.preferredSize
            return Size(width: max(size.width, preferred.width * 0.75),
                        height: max(size.height, preferred.height * 0.9))
        }
        return Size(width: cell.width * Double(min(columns, max(panels.count, 1))),
                    height: cell.height * Double(max(rows, 1)))
    }

    public func draw(on canvas: Canvas, in frame: Rect) {
        for (index, rect) in cells(in: frame).enumerated() {
            panels[index].draw(on: canvas, in: rect)
        }
    }

    /// The rectangle of each panel inside `frame`, row by row.
    ///
    /// - Parameter frame: The grid's frame.
    public func cells(in frame: Rect) -> [Rect] {
        guard !panels.isEmpty else { return [] }
        let width = frame.width / Double(columns)
        let height = frame.height / Double(rows)
        return panels.indices.map { index in
            Rect(x: frame.x + Double(index % columns) * width, y: frame.y + Double(index / columns) * height,
                 width: width, height: height)
        }
    }
}

extension Canvas {
    /// The height ``drawTitle(_:font:in:)`` uses for a title wrapped to `width`.
    func titleBlockHeight(_ title: String, font: Font, width: Double) -> Double {
        Double(wrap(title, font: font, width: width).count) * measure(title, font: font).height + theme.padding * 0.6
    }

    /// Draws a title centred at the top of `frame`, wrapped onto several lines if it is too wide.
    ///
    /// - Returns: The height used, including a gap below the text.
    @discardableResult
    func drawTitle(_ title: String, font: Font, in frame: Rect) -> Double {
        let lines = wrap(title, font: font, width: frame.width)
        let metrics = measure(title, font: font)
        let lineHeight = metrics.height
        for (index, line) in lines.enumerated() {
            text(line, at: Point(x: frame.midX, y: frame.y + Double(index) * lineHeight), font: font,
                 horizontal: .center, vertical: .top)
        }
        return Double(lines.count) * lineHeight + theme.padding * 0.6
    }

    /// Splits text into lines no wider than `width`, breaking after spaces, slashes and hyphens
    /// (or after spaces only).
    ///
    /// A single word wider than `width` stays on its own line.
    func wrap(_ text: String, font: Font, width: Double, spacesOnly: Bool = false) -> [String] {
        if measure(text, font: font).width <= width { return [text] }
        let pieces = Self.breakPieces(of: text, spacesOnly: spacesOnly)
        var lines: [String] = []
        var line = ""
        for piece in pieces {
            let candidate = line + piece
            if line.isEmpty || measure(candidate.trimmingCharacters(in: .whitespaces), font: font).width <= width {
                line = candidate
            } else {
                lines.append(line.trimmingCharacters(in: .whitespaces))
                line = piece
            }
        }
        if !line.isEmpty { lines.append(line.trimmingCharacters(in: .whitespaces)) }
        return lines
    }
}

extension Canvas {
    /// The text cut after every space, slash and hyphen, or after spaces only (each piece keeps
    /// its break character).
    static func breakPieces(of text: String, spacesOnly: Bool = false) -> [String] {
        var pieces: [String] = []
        var current = ""
        for character in text {
            current.append(character)
            if character == " " || !spacesOnly && (character == "/" || character == "-") {
                pieces.append(current)
                current = ""
            }
        }
        if !current.isEmpty { pieces.append(current) }
        return pieces
    }

    /// The text wrapped to `width` in at most `maximumLines` lines; what does not fit is cut and
    /// marked with "…", so that no line is wider than `width`.
    ///
    /// Breaks between words come first: "Shirt →" / "T-shirt/top 0.99", not "Shirt → T-" /
    /// "shirt/top 0.99"; slashes and hyphens break only where spaces alone cannot fit the text.
    func captionLines(_ text: String, font: Font, width: Double, maximumLines: Int) -> [String] {
        precondition(maximumLines > 0, "A caption needs at least one line.")
        guard !text.isEmpty else { return [] }
        let byWords = wrap(text, font: font, width: width, spacesOnly: true)
        if byWords.count <= maximumLines, byWords.allSatisfy({ measure($0, font: font).width <= width }) {
            return byWords
        }
        var lines = wrap(text, font: font, width: width)
        if lines.count > maximumLines {
            let kept = lines.prefix(maximumLines - 1)
            let rest = lines[(maximumLines - 1)...].joined(separator: " ")
            lines = Array(kept) + [rest]
        }
        return lines.map { fitted($0, font: font, width: width) }
    }

    /// The line itself if it is at most `width` wide, else its longest start that fits with "…".
    func fitted(_ line: String, font: Font, width: Double) -> String {
        guard measure(line, font: font).width > width else { return line }
        var characters = Array(line)
        while !characters.isEmpty {
            characters.removeLast()
            let candidate = String(characters).trimmingCharacters(in: .whitespaces) + "…"
            if measure(candidate, font: font).width <= width { return candidate }
        }
        return "…"
    }

    /// The narrowest width at which ``captionLines(_:font:width:maximumLines:)`` sets the text
    /// in `lines` lines or fewer without cutting it (at most two lines are considered; more
    /// count as two).
    ///
    /// One line needs the whole text's width; two need, over every break point, the smallest
    /// of the wider of the two halves. Break points are the spaces where the text has any, as
    /// captions break between words first.
    func narrowestWidth(of text: String, font: Font, lines: Int) -> Double {
        let whole = measure(text, font: font).width
        let words = Self.breakPieces(of: text, spacesOnly: true)
        let pieces = words.count > 1 ? words : Self.breakPieces(of: text)
        guard lines > 1, pieces.count > 1 else { return whole }
        var best = whole
        for split in 1..<pieces.count {
            let first = pieces[..<split].joined().trimmingCharacters(in: .whitespaces)
            let second = pieces[split...].joined().trimmingCharacters(in: .whitespaces)
            best = min(best, max(measure(first, font: font).width, measure(second, font: font).width))
        }
        return best
    }
}
