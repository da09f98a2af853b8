import Foundation
import TensorCore

/// Words sized by weight and packed without overlap, deterministic for a seed.
///
/// Font sizes grow linearly with weight from a minimum to a maximum that depends on the frame.
/// Words are placed from the heaviest, each along an Archimedean spiral from the centre
/// (stretched to the frame's aspect ratio) at the first position where its ink box, measured
/// from the real glyphs, overlaps no placed word; about a third of the words after the three
/// heaviest are set vertically. Each ink box is padded by 14% of its font size (at least
/// 3 points) on every side, so neighbouring words are always a clear gap apart, never run
/// together ("BagT-shirt/top"). The largest size is tuned so that every word fits at its own
/// size (so equal weights are drawn equal) and the cloud fills the frame; only when no size
/// works is a word that finds no place shrunk, and left out below the minimum size.
///
/// ```swift
/// let cloud = WordCloud(words: [("Shirt", 310), ("T-shirt/top", 190), ("Pullover", 150)], seed: 7)
/// ```
public struct WordCloud: Chart {
    /// A word and its weight.
    public struct Word: Equatable, Sendable {
        /// The text.
        public var text: String
        /// A positive weight; font size grows with it.
        public var weight: Double

        /// Creates a word.
        ///
        /// - Parameters:
        ///   - text: The text.
        ///   - weight: A positive weight.
        public init(text: String, weight: Double) {
            self.text = text
            self.weight = weight
        }
    }

    /// The words.
    public var words: [Word]
    /// The seed of the layout's random choices (orientation and spiral start).
    public var seed: UInt64
    /// The panel title.
    public var title: String?
    /// Whether some words are set vertically.
    public var allowVertical: Bool

    /// Creates a word cloud.
    ///
    /// - Parameters:
    ///   - words: The words with positive weights; others are ignored.
    ///   - seed: The layout seed, 0 by default.
    ///   - title: Panel title.
    ///   - allowVertical: Whether some words are set vertically, `true` by default.
    public init(words: [Word], seed: UInt64 = 0, title: String? = nil, allowVertical: Bool = true) {
        self.words = words
        self.seed = seed
        self.title = title
        self.allowVertical = allowVertical
    }

    /// Creates a word cloud from `(text, weight)` pairs.
    ///
    /// - Parameters:
    ///   - words: The words and weights.
    ///   - seed: The layout seed, 0 by default.
    ///   - title: Panel title.
    public init(words: [(String, Double)], seed: UInt64 = 0, title: String? = nil) {
        self.init(words: words.map { Word(text: $0.0, weight: $0.1) }, seed: seed, title: title)
    }

    /// A word where the layout put it.
    struct Placement {
        var text: String
        var font: Font
        var vertical: Bool
        /// The ink box plus ``margin`` on every side, in canvas points.
        var box: Rect
        /// The padding around the ink, from ``WordCloud/padding(forSize:)``.
        var margin: Double
        /// The ink box relative to the pen at the baseline (unrotated).
        var ink: Rect
        var colorIndex: Int
    }

    /// The padding kept around a word's ink at font `size`: 14% of the size (about half a
    /// space), at least 3 points, so two words are at least the sum of their paddings apart.
    ///
    /// - Parameter size: The font size in points.
    public static func padding(forSize size: Double) -> Double { max(3, size * 0.14) }

    /// The ink box of a placed word, in canvas points.
    static func inkBox(of word: Placement) -> Rect {
        word.box.inset(top: word.margin, left: word.margin, bottom: word.margin, right: word.margin)
    }

    /// Places the words inside `area`, as large as they fit, centred.
    ///
    /// The largest font size is searched: grown while every word fits with room to spare,
    /// shrunk while some word finds no place.
    func layout(on canvas: Canvas, in area: Rect) -> [Placement] {
        let wanted = words.filter { $0.weight > 0 && $0.weight.isFinite && !$0.text.isEmpty }.count
        var maximum = min(area.height * 0.25, area.width * 0.14, 72)
        var best: [Placement] = []
        var bestComplete = false
        for _ in 0..<14 {
            let (placed, shrunk) = place(on: canvas, in: area, maximumSize: maximum)
            let bounds = Self.bounds(of: placed)
            // Complete: every word placed at the size its weight asks for.
            let complete = placed.count == wanted && !shrunk
            if complete || best.isEmpty || (!bestComplete && placed.count > best.count) {
                best = placed
                bestComplete = complete
            }
            if complete, let bounds, bounds.width < area.width * 0.85, bounds.height < area.height * 0.85,
               maximum * 1.15 <= min(area.height * 0.45, 120) {
                maximum *= 1.15
            } else if !complete && maximum > 10 {
                maximum *= 0.85
            } else {
                break
            }
        }
        // Centre the cloud in the area.
        guard let bounds = Self.bounds(of: best) else { return [] }
        let dx = area.midX - bounds.midX, dy = area.midY - bounds.midY
        return best.map { word in
            var moved = word
            moved.box.x += dx
            moved.box.y += dy
            return moved
        }
    }

    private static func bounds(of placed: [Placement]) -> Rect? {
        guard let first = placed.first?.box else { return nil }
        var minX = first.x, minY = first.y, maxX = first.maxX, maxY = first.maxY
        for word in placed {
            minX = min(minX, word.box.x); minY = min(minY, word.box.y)
            maxX = max(maxX, word.box.maxX); maxY = max(maxY, word.box.maxY)
        }
        return Rect(x: minX, y: minY, width: maxX - minX, height: maxY - minY)
    }

    /// One placement pass with a given largest font size; `shrunk` tells whether some word had to be
    /// set smaller than its weight asks for.
    private func place(on canvas: Canvas, in area: Rect, maximumSize: Double) -> (placed: [Placement], shrunk: Bool) {
        let ordered = words.enumerated()
            .filter { $0.element.weight > 0 && $0.element.weight.isFinite && !$0.element.text.isEmpty }
            .sorted { $0.element.weight != $1.element.weight ? $0.element.weight > $1.element.weight : $0.offset < $1.offset }
        guard let heaviest = ordered.first?.element.weight, area.width > 4, area.height > 4 else { return ([], false) }
        var random = SplitMix64(seed: seed)
        let minimumSize = 9.0
        let maximumSize = max(minimumSize, maximumSize)
        let aspect = area.width / area.height
        var placed: [Placement] = []
        var shrunk = false
        for (rank, entry) in ordered.enumerated() {
            let ratio = entry.element.weight / heaviest
            var size = minimumSize + (maximumSize - minimumSize) * ratio
            let vertical = allowVertical && rank > 2 && random.unit() < 0.3
            let startAngle = random.unit() * 2 * Double.pi
            search: while size >= minimumSize {
                let font = Font(size: size, bold: true)
                let margin = Self.padding(forSize: size)
                let ink = canvas.measure(entry.element.text, font: font).ink
                let width = (vertical ? ink.height : ink.width) + 2 * margin
                let height = (vertical ? ink.width : ink.height) + 2 * margin
                if width <= area.width && height <= area.height {
                    var theta = 0.0
                    let limit = hypot(area.width, area.height)
                    while true {
                        let radius = 2.0 * theta / (2 * Double.pi) * 2
                        if radius > limit { break }
                        let angle = startAngle + theta
                        let cx = area.midX + radius * cos(angle) * max(aspect, 1)
                        let cy = area.midY + radius * sin(angle) * max(1 / aspect, 1)
                        let box = Rect(x: cx - width / 2, y: cy - height / 2, width: width, height: height)
                        if area.contains(box) && !placed.contains(where: { $0.box.intersects(box) }) {
                            placed.append(Placement(text: entry.element.text, font: font, vertical: vertical, box: box,
                                                    margin: margin, ink: ink, colorIndex: rank))
                            break search
                        }
                        theta += max(0.05, 2.0 / max(radius, 1))
                    }
                }
                size *= 0.85
                shrunk = true
            }
        }
        return (placed, shrunk)
    }

    /// The area words are packed into, below the title.
    func area(on canvas: Canvas, in frame: Rect) -> Rect {
        var area = frame.inset(top: canvas.theme.padding, left: canvas.theme.padding,
                               bottom: canvas.theme.padding, right: canvas.theme.padding)
        if let title, !title.isEmpty {
            let font = Font(size: canvas.theme.titleSize, bold: true)
            let lines = canvas.wrap(title, font: font, width: area.width).count
            area = area.inset(top: Double(lines) * canvas.measure(title, font: font).height + canvas.theme.padding)
        }
        return area
    }

    public func draw(on canvas: Canvas, in frame: Rect) {
        if let title, !title.isEmpty {
            canvas.drawTitle(title, font: Font(size: canvas.theme.titleSize, bold: true),
                             in: frame.inset(top: canvas.theme.padding, left: canvas.theme.padding, right: canvas.theme.padding))
        }
        for word in layout(on: canvas, in: area(on: canvas, in: frame)) {
            let color = canvas.theme.color(word.colorIndex)
            let margin = word.margin
            if word.vertical {
                // Rotating by 90° maps the ink box (x, y, w, h) to x' = y…y+h, y' = −x−w…−x.
                let anchor = Point(x: word.box.x + margin - word.ink.y, y: word.box.y + margin + word.ink.x + word.ink.width)
                canvas.text(word.text, at: anchor, font: word.font, color: color, angle: 90)
            } else {
                let anchor = Point(x: word.box.x + margin - word.ink.x, y: word.box.y + margin - word.ink.y)
                canvas.text(word.text, at: anchor, font: word.font, color: color)
            }
        }
    }
}
