import CCairo
import Foundation

/// A font: the theme's family at a size and weight.
public struct Font: Equatable, Hashable, Sendable {
    /// Size in points (em height).
    public var size: Double
    /// Whether the bold face is used.
    public var bold: Bool

    /// Creates a font description.
    ///
    /// - Parameters:
    ///   - size: Size in points.
    ///   - bold: Whether to use the bold face.
    public init(size: Double, bold: Bool = false) {
        self.size = size
        self.bold = bold
    }
}

/// Measurements of a line of text, in points.
public struct TextMetrics: Equatable, Sendable {
    /// The advance width: how far the pen moves, which is what layout aligns.
    public var width: Double
    /// The font's ascent above the baseline (the same for every string in one font).
    public var ascent: Double
    /// The font's descent below the baseline.
    public var descent: Double
    /// The ink's bounding box relative to the pen at the baseline origin.
    public var ink: Rect

    /// The line height, `ascent + descent`.
    public var height: Double { ascent + descent }
}

/// Where a text's anchor point sits horizontally.
public enum HorizontalAlignment: Sendable {
    /// The anchor is at the text's start.
    case leading
    /// The anchor is at the text's centre.
    case center
    /// The anchor is at the text's end.
    case trailing
}

/// Where a text's anchor point sits vertically.
public enum VerticalAlignment: Sendable {
    /// The anchor is at the top of the line (the font's ascent).
    case top
    /// The anchor is halfway up the capitals, which centres text optically.
    case center
    /// The anchor is on the baseline.
    case baseline
    /// The anchor is at the bottom of the line (the font's descent).
    case bottom
}

/// A dash pattern for lines.
public enum LineStyle: Equatable, Hashable, Sendable {
    /// A continuous line.
    case solid
    /// Dashes of about four line widths.
    case dashed
    /// Dots one line width apart.
    case dotted
}

/// A drawing surface backed by a Cairo ARGB32 image, measured in points.
///
/// A canvas is created by ``Figure`` at the figure's pixel size; drawing commands take
/// points, and the canvas scales them by the figure's scale (1 or 2), so a chart draws the
/// same picture at both densities. Everything is anti-aliased. Charts conforming to
/// ``Chart`` draw on a canvas; a canvas is a reference to Cairo state and is not `Sendable`.
public final class Canvas {
    /// The drawable size in points.
    public let size: Size
    /// Device pixels per point.
    public let scale: Double
    /// The theme charts draw with.
    public let theme: Theme

    private let surface: OpaquePointer
    private let context: OpaquePointer
    private let pixelWidth: Int
    private let pixelHeight: Int

    /// Creates a blank canvas filled with the theme's background.
    ///
    /// - Parameters:
    ///   - size: Size in points.
    ///   - scale: Device pixels per point (1 or 2 in practice).
    ///   - theme: The theme to draw with.
    /// - Throws: ``FiguresError/invalidFigureSize(width:height:)`` for an empty or huge size,
    ///   ``FiguresError/renderingFailed(reason:)`` if Cairo cannot make the surface.
    public init(size: Size, scale: Double, theme: Theme) throws {
        let limit = Double(Figure.maximumPixelSide)
        func pixels(_ points: Double) -> Int {
            let value = (points * scale).rounded()
            return value.isFinite ? Int(min(max(value, -limit - 1), limit + 1)) : 0
        }
        let width = pixels(size.width), height = pixels(size.height)
        guard scale > 0, (1...Figure.maximumPixelSide).contains(width), (1...Figure.maximumPixelSide).contains(height)
        else {
            throw FiguresError.invalidFigureSize(width: width, height: height)
        }
        guard let surface = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, Int32(width), Int32(height)) else {
            throw FiguresError.renderingFailed(reason: "no image surface could be created")
        }
        let status = cairo_surface_status(surface)
        guard status == CAIRO_STATUS_SUCCESS, let context = cairo_create(surface) else {
            cairo_surface_destroy(surface)
            throw FiguresError.renderingFailed(reason: String(cString: cairo_status_to_string(status)))
        }
        self.surface = surface
        self.context = context
        self.size = size
        self.scale = scale
        self.theme = theme
        self.pixelWidth = width
        self.pixelHeight = height
        cairo_scale(context, scale, scale)
        let options = cairo_font_options_create()
        cairo_font_options_set_antialias(options, CAIRO_ANTIALIAS_GRAY)
        cairo_font_options_set_hint_style(options, CAIRO_HINT_STYLE_SLIGHT)
        cairo_font_options_set_hint_metrics(options, CAIRO_HINT_METRICS_OFF)
        cairo_set_font_options(context, options)
        cairo_font_options_destroy(options)
        cairo_set_line_join(context, CAIRO_LINE_JOIN_ROUND)
        cairo_set_line_cap(context, CAIRO_LINE_CAP_BUTT)
        fill(Rect(x: 0, y: 0, width: size.width, height: size.height), color: theme.background)
    }

    deinit {
        cairo_destroy(context)
        cairo_surface_destroy(surface)
    }

    // MARK: Shapes

    /// Fills a rectangle.
    ///
    /// - Parameters:
    ///   - rect: The rectangle.
    ///   - color: The fill colour.
    public func fill(_ rect: Rect, color: Color) {
        setColor(color)
        cairo_rectangle(context, rect.x, rect.y, rect.width, rect.height)
        cairo_fill(context)
    }

    /// Strokes a rectangle's outline, centred on its edges.
    ///
    /// - Parameters:
    ///   - rect: The rectangle.
    ///   - color: The line colour.
    ///   - width: The line width in points.
    public func stroke(_ rect: Rect, color: Color, width: Double) {
        setColor(color)
        cairo_set_line_width(context, width)
        setDash(.solid, width: width)
        cairo_rectangle(context, rect.x, rect.y, rect.width, rect.height)
        cairo_stroke(context)
    }

    /// Draws a straight line.
    ///
    /// - Parameters:
    ///   - start: One end.
    ///   - end: The other end.
    ///   - color: The line colour.
    ///   - width: The line width in points.
    ///   - style: Solid, dashed or dotted.
    public func line(from start: Point, to end: Point, color: Color, width: Double, style: LineStyle = .solid) {
        polyline([start, end], color: color, width: width, style: style)
    }

    /// Draws connected line segments through the points.
    ///
    /// - Parameters:
    ///   - points: The vertices, at least two for anything to appear.
    ///   - color: The line colour.
    ///   - width: The line width in points.
    ///   - style: Solid, dashed or dotted.
    public func polyline(_ points: [Point], color: Color, width: Double, style: LineStyle = .solid) {
        guard points.count >= 2 else { return }
        setColor(color)
        cairo_set_line_width(context, width)
        setDash(style, width: width)
        cairo_move_to(context, points[0].x, points[0].y)
        for point in points.dropFirst() { cairo_line_to(context, point.x, point.y) }
        cairo_stroke(context)
        setDash(.solid, width: width)
    }

    /// Fills a closed polygon and optionally strokes its outline.
    ///
    /// - Parameters:
    ///   - points: The vertices in order; at least three.
    ///   - color: The fill colour.
    ///   - outline: The outline colour, or `nil` for none.
    ///   - outlineWidth: The outline width in points.
    public func polygon(_ points: [Point], color: Color, outline: Color? = nil, outlineWidth: Double = 1) {
        guard points.count >= 3 else { return }
        cairo_move_to(context, points[0].x, points[0].y)
        for point in points.dropFirst() { cairo_line_to(context, point.x, point.y) }
        cairo_close_path(context)
        fillPath(color: color, outline: outline, outlineWidth: outlineWidth)
    }

    /// Draws a filled circle, optionally outlined.
    ///
    /// - Parameters:
    ///   - center: The centre.
    ///   - radius: The radius in points.
    ///   - color: The fill colour.
    ///   - outline: The outline colour, or `nil` for none.
    ///   - outlineWidth: The outline width in points.
    public func circle(center: Point, radius: Double, color: Color, outline: Color? = nil, outlineWidth: Double = 1) {
        cairo_new_sub_path(context)
        cairo_arc(context, center.x, center.y, radius, 0, 2 * Double.pi)
        fillPath(color: color, outline: outline, outlineWidth: outlineWidth)
    }

    /// Fills the current path with `color` and, if given, strokes it with a solid `outline`.
    private func fillPath(color: Color, outline: Color?, outlineWidth: Double) {
        setColor(color)
        if let outline {
            cairo_fill_preserve(context)
            setColor(outline)
            cairo_set_line_width(context, outlineWidth)
            setDash(.solid, width: outlineWidth)
            cairo_stroke(context)
        } else {
            cairo_fill(context)
        }
    }

    // MARK: Text

    /// Measures one line of text.
    ///
    /// - Parameters:
    ///   - text: The text, drawn on one line.
    ///   - font: The font.
    public func measure(_ text: String, font: Font) -> TextMetrics {
        select(font)
        var fontExtents = cairo_font_extents_t()
        cairo_font_extents(context, &fontExtents)
        var extents = cairo_text_extents_t()
        cairo_text_extents(context, text, &extents)
        return TextMetrics(
            width: extents.x_advance, ascent: fontExtents.ascent, descent: fontExtents.descent,
            ink: Rect(x: extents.x_bearing, y: extents.y_bearing, width: extents.width, height: extents.height))
    }

    /// The height of capital letters in `font`, used to centre text optically.
    ///
    /// - Parameter font: The font.
    public func capHeight(_ font: Font) -> Double {
        -measure("H", font: font).ink.y
    }

    /// Draws one line of text anchored at a point, optionally rotated about it.
    ///
    /// - Parameters:
    ///   - text: The text.
    ///   - point: The anchor.
    ///   - font: The font.
    ///   - color: The text colour; the theme's text colour when `nil`.
    ///   - horizontal: Where the anchor sits along the text.
    ///   - vertical: Where the anchor sits across the text.
    ///   - angle: Counter-clockwise rotation in degrees about the anchor.
    public func text(_ text: String, at point: Point, font: Font, color: Color? = nil,
                     horizontal: HorizontalAlignment = .leading, vertical: VerticalAlignment = .baseline,
                     angle: Double = 0) {
        let metrics = measure(text, font: font)
        let dx: Double
        switch horizontal {
        case .leading: dx = 0
        case .center: dx = -metrics.width / 2
        case .trailing: dx = -metrics.width
        }
        let dy: Double
        switch vertical {
        case .top: dy = metrics.ascent
        case .center: dy = capHeight(font) / 2
        case .baseline: dy = 0
        case .bottom: dy = -metrics.descent
        }
        cairo_save(context)
        cairo_translate(context, point.x, point.y)
        if angle != 0 { cairo_rotate(context, -angle * Double.pi / 180) }
        select(font)
        setColor(color ?? theme.textColor)
        cairo_move_to(context, dx, dy)
        cairo_show_text(context, text)
        cairo_restore(context)
    }

    // MARK: Images

    /// Draws a raster scaled into a rectangle.
    ///
    /// - Parameters:
    ///   - image: A grey or RGB image.
    ///   - rect: Where it goes; the image is stretched to fill it.
    ///   - smooth: `false` (the default) scales with nearest neighbour, keeping pixels crisp
    ///     squares; `true` interpolates bilinearly when enlarging and averages the covered
    ///     pixels when shrinking (Cairo's `GOOD` filter), so neither leaves moiré.
    public func image(_ image: PNGImage, in rect: Rect, smooth: Bool = false) {
        guard rect.width > 0, rect.height > 0,
              let source = cairo_image_surface_create(CAIRO_FORMAT_RGB24, Int32(image.width), Int32(image.height))
        else { return }
        defer { cairo_surface_destroy(source) }
        cairo_surface_flush(source)
        let stride = Int(cairo_image_surface_get_stride(source))
        guard let data = cairo_image_surface_get_data(source) else { return }
        data.withMemoryRebound(to: UInt8.self, capacity: stride * image.height) { bytes in
            image.pixels.withUnsafeBufferPointer { pixels in
                for y in 0..<image.height {
                    let row = UnsafeMutableRawPointer(bytes + y * stride).assumingMemoryBound(to: UInt32.self)
                    for x in 0..<image.width {
                        let i = (y * image.width + x) * image.channels
                        let r = UInt32(pixels[i])
                        let g = UInt32(image.channels == 3 ? pixels[i + 1] : pixels[i])
                        let b = UInt32(image.channels == 3 ? pixels[i + 2] : pixels[i])
                        row[x] = 0xFF00_0000 | r << 16 | g << 8 | b
                    }
                }
            }
        }
        cairo_surface_mark_dirty(source)
        cairo_save(context)
        cairo_rectangle(context, rect.x, rect.y, rect.width, rect.height)
        cairo_clip(context)
        cairo_translate(context, rect.x, rect.y)
        cairo_scale(context, rect.width / Double(image.width), rect.height / Double(image.height))
        cairo_set_source_surface(context, source, 0, 0)
        let pattern = cairo_get_source(context)
        cairo_pattern_set_filter(pattern, smooth ? CAIRO_FILTER_GOOD : CAIRO_FILTER_NEAREST)
        cairo_pattern_set_extend(pattern, CAIRO_EXTEND_PAD)
        cairo_paint(context)
        cairo_restore(context)
    }

    // MARK: State

    /// Runs `body` with drawing clipped to `rect`, restoring the clip afterwards.
    ///
    /// - Parameters:
    ///   - rect: The clip rectangle.
    ///   - body: The drawing to clip.
    public func clipped(to rect: Rect, _ body: () -> Void) {
        cairo_save(context)
        cairo_rectangle(context, rect.x, rect.y, rect.width, rect.height)
        cairo_clip(context)
        body()
        cairo_restore(context)
    }

    /// The canvas as an opaque RGB image at device resolution.
    ///
    /// - Throws: ``FiguresError/renderingFailed(reason:)`` if Cairo is in an error state.
    public func snapshot() throws -> PNGImage {
        let status = cairo_status(context)
        guard status == CAIRO_STATUS_SUCCESS else {
            throw FiguresError.renderingFailed(reason: String(cString: cairo_status_to_string(status)))
        }
        cairo_surface_flush(surface)
        let stride = Int(cairo_image_surface_get_stride(surface))
        guard let data = cairo_image_surface_get_data(surface) else {
            throw FiguresError.renderingFailed(reason: "the image surface has no pixel data")
        }
        var pixels = [UInt8](repeating: 0, count: pixelWidth * pixelHeight * 3)
        let background = theme.background.rgb8
        for y in 0..<pixelHeight {
            let row = UnsafeRawPointer(data + y * stride).assumingMemoryBound(to: UInt32.self)
            for x in 0..<pixelWidth {
                // ARGB32 is premultiplied; composite over the opaque background.
                let value = row[x]
                let alpha = Int(value >> 24)
                let inverse = 255 - alpha
                let o = (y * pixelWidth + x) * 3
                pixels[o] = UInt8(min(255, Int((value >> 16) & 0xFF) + (Int(background.red) * inverse + 127) / 255))
                pixels[o + 1] = UInt8(min(255, Int((value >> 8) & 0xFF) + (Int(background.green) * inverse + 127) / 255))
                pixels[o + 2] = UInt8(min(255, Int(value & 0xFF) + (Int(background.blue) * inverse + 127) / 255))
            }
        }
        return PNGImage(width: pixelWidth, height: pixelHeight, channels: 3, pixels: pixels)
    }

    private func setColor(_ color: Color) {
        cairo_set_source_rgba(context, color.red, color.green, color.blue, color.alpha)
    }

    private func select(_ font: Font) {
        cairo_select_font_face(context, theme.fontFamily, CAIRO_FONT_SLANT_NORMAL,
                               font.bold ? CAIRO_FONT_WEIGHT_BOLD : CAIRO_FONT_WEIGHT_NORMAL)
        cairo_set_font_size(context, font.size)
    }

    private func setDash(_ style: LineStyle, width: Double) {
        switch style {
        case .solid:
            cairo_set_dash(context, nil, 0, 0)
            cairo_set_line_cap(context, CAIRO_LINE_CAP_BUTT)
        case .dashed:
            var pattern = [3.7 * width, 1.6 * width]
            cairo_set_dash(context, &pattern, 2, 0)
            cairo_set_line_cap(context, CAIRO_LINE_CAP_BUTT)
        case .dotted:
            var pattern = [0, 2 * width]
            cairo_set_dash(context, &pattern, 2, 0)
            cairo_set_line_cap(context, CAIRO_LINE_CAP_ROUND)
        }
    }
}
