/// One picture of an ``ImageGrid``: pixels, an optional caption and an optional coloured frame.
public struct GridImage: Sendable {
    /// The pixels.
    public var image: PNGImage
    /// Text under the picture (wrapped onto two lines at most, shortened with "…" beyond), or `nil`.
    public var caption: String?
    /// A frame colour, e.g. ``Color/correct`` or ``Color/wrong`` for predictions; `nil` for none.
    public var frame: Color?

    /// Creates a grid picture from a raster.
    ///
    /// - Parameters:
    ///   - image: A grey or RGB image of any size.
    ///   - caption: Text under the picture, or `nil`.
    ///   - frame: A frame colour, or `nil`.
    public init(image: PNGImage, caption: String? = nil, frame: Color? = nil) {
        self.image = image
        self.caption = caption
        self.frame = frame
    }

    /// Creates a grid picture from raw samples.
    ///
    /// - Parameters:
    ///   - pixels: `width * height * channels` samples, row by row from the top.
    ///   - width: Width in pixels.
    ///   - height: Height in pixels.
    ///   - channels: 1 (grey) or 3 (RGB).
    ///   - caption: Text under the picture, or `nil`.
    ///   - frame: A frame colour, or `nil`.
    public init(pixels: [UInt8], width: Int, height: Int, channels: Int = 1, caption: String? = nil, frame: Color? = nil) {
        self.init(image: PNGImage(width: width, height: height, channels: channels, pixels: pixels),
                  caption: caption, frame: frame)
    }
}

/// Pictures in a grid with captions, coloured frames and row labels.
///
/// Pictures are upscaled with nearest neighbour by a whole factor where they fit, so every
/// source pixel is a crisp square of the same size. Columns are as wide as a picture, or wider
/// where captions need it and the frame has room: a caption is wrapped to its column, so
/// captions never run into their neighbours. Row labels (class names, augmentation names) are
/// set to the left of each row.
///
/// ```swift
/// let grid = ImageGrid(images: predictions.map { GridImage(pixels: $0.pixels, width: 28, height: 28,
///                         caption: $0.label, frame: $0.correct ? .correct : .wrong) },
///                      columns: 8, title: "Predictions")
/// ```
public struct ImageGrid: Chart {
    /// The pictures, row by row.
    public var images: [GridImage]
    /// Pictures per row.
    public var columns: Int
    /// A label per row, or `nil`.
    public var rowLabels: [String]?
    /// The panel title.
    public var title: String?
    /// About how many points a picture takes in a figure of the ``preferredSize``.
    ///
    /// Pictures smaller than this are shown at the largest whole multiple of their pixel size
    /// that does not exceed it (at least 1×); larger ones at their own size, up to 128 points.
    public var pictureSide: Double
    /// Colour bars drawn right of the pictures, each beside the rows it describes: one for every
    /// colour-mapped row group (a mean image's grey scale, a std image's viridis).
    public var colorBars: [ColorBar]

    /// Creates an image grid.
    ///
    /// - Parameters:
    ///   - images: The pictures, row by row.
    ///   - columns: Pictures per row, at least one.
    ///   - rowLabels: A label per row, or `nil`.
    ///   - title: Panel title.
    ///   - pictureSide: About how many points a picture takes at the preferred size; 84 by
    ///     default (28-pixel images at 3×).
    ///   - colorBars: Colour bars for colour-mapped rows, none by default.
    public init(images: [GridImage], columns: Int, rowLabels: [String]? = nil, title: String? = nil,
                pictureSide: Double = 84, colorBars: [ColorBar] = []) {
        precondition(columns > 0, "An image grid needs at least one column.")
        precondition(pictureSide > 0 && pictureSide.isFinite, "An image grid's picture side must be positive.")
        self.images = images
        self.columns = columns
        self.rowLabels = rowLabels
        self.title = title
        self.pictureSide = pictureSide
        self.colorBars = colorBars
    }

    /// The rows colour bar `bar` stands beside, clamped to the grid's rows.
    func rows(of bar: ColorBar) -> Range<Int> {
        let wanted = bar.rows ?? 0..<rows
        return max(0, min(wanted.lowerBound, rows))..<max(0, min(wanted.upperBound, rows))
    }

    /// The room kept right of the pictures for the colour bars: a gap and the widest bar with
    /// its labels, measured for pictures about `side` points tall.
    func colorBarSpace(on canvas: Canvas, side: Double) -> Double {
        let widest = colorBars.map { bar in
            bar.width(on: canvas, height: side * Double(max(1, rows(of: bar).count)))
        }.max()
        return widest.map { $0 + 1.5 * canvas.theme.padding } ?? 0
    }

    /// The number of rows.
    public var rows: Int { max(1, (images.count + columns - 1) / columns) }

    private var largestSide: Int { images.map { max($0.image.width, $0.image.height) }.max() ?? 28 }
    private var hasCaptions: Bool { images.contains { !($0.caption ?? "").isEmpty } }

    /// The side, in points, of the largest picture at the preferred size (see ``pictureSide``).
    var shownSide: Double {
        let pixels = Double(largestSide)
        return pixels >= pictureSide ? min(pixels, max(128, pictureSide)) : pixels * max(1, (pictureSide / pixels).rounded(.down))
    }

    /// The smallest figure in which every picture is shown at ``pictureSide`` (a whole multiple
    /// of its pixels), captions on at most two lines fit their columns, and row labels and the
    /// title fit, measured with the standard theme.
    public var preferredSize: Size {
        guard let canvas = try? Canvas(size: Size(width: 1, height: 1), scale: 1, theme: .standard) else {
            return Figure.defaultSize
        }
        return preferredSize(on: canvas)
    }

    /// The preferred size, measuring text on `canvas` (whose theme sets fonts and padding).
    func preferredSize(on canvas: Canvas) -> Size {
        let theme = canvas.theme
        let pad = theme.padding
        let font = Font(size: theme.tickSize)
        let labelFont = Font(size: theme.labelSize)
        let lineHeight = canvas.measure("0", font: font).height
        let frameWidth = images.contains { $0.frame != nil } ? 3.0 : 0
        let picture = shownSide + 2 * frameWidth
        let texts = images.map { $0.caption ?? "" }
        // Columns as wide as a picture, or as the widest caption needs on two lines.
        let column = max(picture, texts.map { canvas.narrowestWidth(of: $0, font: font, lines: 2) }.max() ?? 0)
        let lines = hasCaptions
            ? texts.map { canvas.captionLines($0, font: font, width: column, maximumLines: 2).count }.max() ?? 0 : 0
        let captionHeight = lines > 0 ? Double(lines) * lineHeight + 4 : 0
        let labelWidth = rowLabels.map { labels in
            (labels.map { canvas.measure($0, font: labelFont).width }.max() ?? 0) + pad
        } ?? 0
        let width = (2 * pad + labelWidth + Double(columns) * (column + Self.gap)
                     + colorBarSpace(on: canvas, side: shownSide)).rounded(.up)
        var titleHeight = 0.0
        if let title, !title.isEmpty {
            let titleFont = Font(size: theme.titleSize, bold: true)
            titleHeight = Double(canvas.wrap(title, font: titleFont, width: width - 2 * pad).count)
                * canvas.measure(title, font: titleFont).height + pad * 0.6
        }
        let height = 2 * pad + titleHeight + Double(rows) * (picture + captionHeight + Self.gap)
        return Size(width: width, height: height.rounded(.up))
    }

    /// Where each picture goes (its frame excluded) and where its caption starts.
    struct Cell {
        var image: Rect
        var captionTop: Double
        /// The width of the picture's column: the most its caption lines may take.
        var captionWidth: Double
    }

    /// The space between columns and between rows, and between neighbouring captions.
    static let gap = 10.0

    /// Computes picture rectangles; also returns the row label column's right edge and the
    /// caption lines per picture.
    ///
    /// The picture side comes from the frame (a whole multiple of the source size where it
    /// fits). Captions are first wrapped to the widest column the frame allows, which fixes how
    /// many lines they need; the column is then made just wide enough for that many lines, but
    /// never narrower than a picture, so the pitch of the grid covers both.
    func layout(on canvas: Canvas, in frame: Rect) -> (cells: [Cell], captions: [[String]], labelRight: Double, top: Double) {
        let theme = canvas.theme
        let pad = theme.padding
        let font = Font(size: theme.tickSize)
        let labelFont = Font(size: theme.labelSize)
        let lineHeight = canvas.measure("0", font: font).height
        var top = frame.y + pad
        if let title, !title.isEmpty {
            let titleFont = Font(size: theme.titleSize, bold: true)
            top += Double(canvas.wrap(title, font: titleFont, width: frame.width - 2 * pad).count)
                * canvas.measure(title, font: titleFont).height + pad * 0.6
        }
        var labelWidth = 0.0
        if let rowLabels {
            let limit = frame.width * 0.3
            labelWidth = rowLabels.flatMap { canvas.wrap($0, font: labelFont, width: limit) }
                .map { canvas.measure($0, font: labelFont).width }.max() ?? 0
            labelWidth += pad
        }
        let gap = Self.gap
        let frameWidth = images.contains { $0.frame != nil } ? 3.0 : 0
        let availableWidth = frame.width - 2 * pad - labelWidth - colorBarSpace(on: canvas, side: shownSide)
        let cellWidth = availableWidth / Double(columns)
        // The widest a caption may be: its share of the frame, less the gap to its neighbour.
        let widestCaption = max(1, cellWidth - gap)
        let texts = images.map { $0.caption ?? "" }
        let captionLines = hasCaptions
            ? texts.map { canvas.captionLines($0, font: font, width: widestCaption, maximumLines: 2).count }.max() ?? 0
            : 0
        let captionHeight = captionLines > 0 ? Double(captionLines) * lineHeight + 4 : 0
        let cellHeight = (frame.maxY - pad - top) / Double(rows)
        let boxSide = max(1, min(cellWidth - gap - 2 * frameWidth, cellHeight - gap - captionHeight - 2 * frameWidth))
        let source = Double(largestSide)
        // A whole upscaling factor keeps every source pixel the same size.
        let side = boxSide >= source ? source * (boxSide / source).rounded(.down) : boxSide
        let picture = side + 2 * frameWidth
        // Wrap captions to the picture's width where that keeps them within `captionLines`
        // lines, and to a wider column (up to the frame's share) where it does not.
        let needed = texts.map { canvas.narrowestWidth(of: $0, font: font, lines: max(captionLines, 1)) }.max() ?? 0
        let wrapWidth = min(widestCaption, max(picture, needed))
        let captions = texts.map { canvas.captionLines($0, font: font, width: wrapWidth, maximumLines: max(captionLines, 1)) }
        let widestLine = captions.joined().map { canvas.measure($0, font: font).width }.max() ?? 0
        let column = max(picture, min(widestLine, wrapWidth))
        let pitch = column + gap
        let usedWidth = labelWidth + Double(columns) * pitch - gap + colorBarSpace(on: canvas, side: shownSide)
        let left = frame.x + pad + max(0, (frame.width - 2 * pad - usedWidth) / 2) + labelWidth
        let rowHeight = picture + captionHeight + gap
        // Centre the block vertically in what is left below the title.
        top += max(0, (frame.maxY - pad - top - (Double(rows) * rowHeight - gap)) / 2)
        let cells = images.indices.map { index -> Cell in
            let row = index / columns, columnIndex = index % columns
            let item = images[index].image
            let scale = side / Double(max(item.width, item.height))
            let width = Double(item.width) * scale, height = Double(item.height) * scale
            let centre = left + Double(columnIndex) * pitch + column / 2
            let cellY = top + Double(row) * rowHeight + frameWidth
            let image = Rect(x: centre - width / 2, y: cellY + (side - height) / 2, width: width, height: height)
            return Cell(image: image, captionTop: cellY + side + frameWidth + 3, captionWidth: column)
        }
        return (cells, captions, left - (labelWidth > 0 ? pad : 0), top)
    }

    /// The box of every caption line, per picture, as drawn: centred under the picture.
    func captionBoxes(on canvas: Canvas, in frame: Rect) -> [[Rect]] {
        let font = Font(size: canvas.theme.tickSize)
        let lineHeight = canvas.measure("0", font: font).height
        let (cells, captions, _, _) = layout(on: canvas, in: frame)
        return zip(cells, captions).map { cell, lines in
            lines.enumerated().map { index, line in
                let width = canvas.measure(line, font: font).width
                return Rect(x: cell.image.midX - width / 2, y: cell.captionTop + Double(index) * lineHeight,
                            width: width, height: lineHeight)
            }
        }
    }

    public func draw(on canvas: Canvas, in frame: Rect) {
        let theme = canvas.theme
        let font = Font(size: theme.tickSize)
        let labelFont = Font(size: theme.labelSize)
        let lineHeight = canvas.measure("0", font: font).height
        if let title, !title.isEmpty {
            canvas.drawTitle(title, font: Font(size: theme.titleSize, bold: true),
                             in: frame.inset(top: theme.padding, left: theme.padding, right: theme.padding))
        }
        let (cells, captions, labelRight, _) = layout(on: canvas, in: frame)
        for (index, cell) in cells.enumerated() {
            let item = images[index]
            canvas.image(item.image, in: cell.image)
            if let color = item.frame {
                canvas.stroke(cell.image.inset(top: -1.5, left: -1.5, bottom: -1.5, right: -1.5), color: color, width: 3)
            }
            for (line, text) in captions[index].enumerated() {
                canvas.text(text, at: Point(x: cell.image.midX, y: cell.captionTop + Double(line) * lineHeight), font: font,
                            color: item.frame.map { $0.mixed(with: .black, fraction: 0.2) }, horizontal: .center, vertical: .top)
            }
        }
        for (bar, rect) in zip(colorBars, colorBarRects(cells: cells, theme: theme)) {
            if let rect { bar.draw(on: canvas, in: rect) }
        }
        if let rowLabels {
            for (row, label) in rowLabels.enumerated() where row * columns < cells.count {
                let image = cells[row * columns].image
                let lines = canvas.wrap(label, font: labelFont, width: frame.width * 0.3)
                let height = canvas.measure(label, font: labelFont).height
                for (index, line) in lines.enumerated() {
                    let y = image.midY - Double(lines.count) * height / 2 + (Double(index) + 0.5) * height
                    canvas.text(line, at: Point(x: labelRight, y: y), font: labelFont, horizontal: .trailing, vertical: .center)
                }
            }
        }
    }

    /// The gradient rectangle of each colour bar: right of the rightmost picture, from the top
    /// of its first row's pictures to the bottom of its last row's.
    /// A bar whose rows hold no picture gets `nil`.
    func colorBarRects(cells: [Cell], theme: Theme) -> [Rect?] {
        guard !cells.isEmpty else { return colorBars.map { _ in nil } }
        let frameWidth = images.contains { $0.frame != nil } ? 3.0 : 0
        let right = cells.map { $0.image.maxX }.max() ?? 0
        let x = right + frameWidth + 1.5 * theme.padding
        return colorBars.map { bar in
            let rows = rows(of: bar)
            let inRows = cells.indices.filter { rows.contains($0 / columns) }
            guard let top = inRows.map({ cells[$0].image.y }).min(),
                  let bottom = inRows.map({ cells[$0].image.maxY }).max() else { return nil }
            return Rect(x: x, y: top, width: ColorBar.barWidth, height: bottom - top)
        }
    }

    /// The colour bars' gradient rectangles as drawn in `frame`.
    func colorBarRects(on canvas: Canvas, in frame: Rect) -> [Rect?] {
        colorBarRects(cells: layout(on: canvas, in: frame).cells, theme: canvas.theme)
    }
}
