import Analysis
import Foundation

/// A reliability diagram: for each confidence bin, a bar as tall as the accuracy of the
/// predictions in it, a short line across the bar at their mean confidence, the diagonal of
/// perfect calibration dashed, and the number of predictions written above each bar (after Guo
/// et al., "On calibration of modern neural networks", 2017, fig. 1).
///
/// Where a bar ends below its confidence line the model is overconfident in that bin, where it
/// rises above it underconfident; the distance between them is the bin's calibration gap.
///
/// ```swift
/// let calibration = Calibration(confidence: confidence, correct: correct)
/// let chart = ReliabilityDiagram(bins: calibration.bins, title: "ECE 0.021")
/// ```
public struct ReliabilityDiagram: Chart {
    /// The bins, each with its range on the confidence axis; empty bins draw nothing.
    public var bins: [CalibrationBin]
    /// The panel title.
    public var title: String?
    /// Whether each bar gets its count written above it.
    public var showCounts: Bool

    /// Creates a reliability diagram.
    ///
    /// - Parameters:
    ///   - bins: The calibration bins (``Calibration/bins``).
    ///   - title: A panel title (the ECE, say), or `nil`.
    ///   - showCounts: Whether to write each bin's count, `true` by default.
    public init(bins: [CalibrationBin], title: String? = nil, showCounts: Bool = true) {
        self.bins = bins
        self.title = title
        self.showCounts = showCounts
    }

    /// 560×480 points: the plot is close to square, as the diagonal asks.
    public var preferredSize: Size { Size(width: 560, height: 480) }

    /// The largest value on the accuracy axis: room above 1 for the counts, below the next tick.
    static let accuracyTop = 1.08

    public func draw(on canvas: Canvas, in frame: Rect) {
        let theme = canvas.theme
        let barColor = theme.color(0)
        let confidenceColor = Color.wrong
        let legend = [
            LegendEntry(label: "accuracy", color: barColor, symbol: .patch),
            LegendEntry(label: "mean confidence", color: confidenceColor, symbol: .line(.solid, nil)),
            LegendEntry(label: "perfect calibration", color: theme.textColor, symbol: .line(.dashed, nil)),
        ]
        let axes = CartesianAxes(
            title: title,
            x: AxisSpec(kind: .continuous(lower: 0, upper: 1, integers: false), label: "confidence (probability of the predicted class)"),
            y: AxisSpec(kind: .continuous(lower: 0, upper: Self.accuracyTop, integers: false), label: "accuracy"),
            legend: legend, legendPlacement: .best)
        let filled = bins.filter { $0.count > 0 }
        axes.draw(on: canvas, in: frame, occupancy: { mapping in
            var points = samplePoints(along: [mapping.point(0, 0), mapping.point(1, 1)])
            for bin in filled {
                let top = max(bin.accuracy ?? 0, bin.meanConfidence ?? 0) + (showCounts ? 0.08 : 0)
                points += samplePoints(of: rect(mapping, bin.lower, bin.upper, 0, top))
            }
            return points
        }, content: { mapping in
            let font = Font(size: theme.annotationSize)
            for bin in filled {
                let accuracy = bin.accuracy ?? 0
                canvas.fill(rect(mapping, bin.lower, bin.upper, 0, accuracy).inset(left: 1, right: 1), color: barColor)
                if let confidence = bin.meanConfidence {
                    let y = mapping.py(confidence)
                    canvas.line(from: Point(x: mapping.px(bin.lower) + 1, y: y), to: Point(x: mapping.px(bin.upper) - 1, y: y),
                                color: confidenceColor, width: 2.5)
                }
            }
            canvas.line(from: mapping.point(0, 0), to: mapping.point(1, 1), color: theme.textColor,
                        width: theme.lineWidth, style: .dashed)
            guard showCounts else { return }
            let width = filled.map { mapping.px($0.upper) - mapping.px($0.lower) }.min() ?? 0
            let widest = filled.map { canvas.measure(Self.countText($0.count), font: font).width }.max() ?? 0
            let upright = widest > width - 2
            for bin in filled {
                let top = max(bin.accuracy ?? 0, bin.meanConfidence ?? 0)
                let anchor = Point(x: mapping.px((bin.lower + bin.upper) / 2), y: mapping.py(top) - 3)
                if upright {
                    canvas.text(Self.countText(bin.count), at: anchor, font: font, horizontal: .leading,
                                vertical: .center, angle: 90)
                } else {
                    canvas.text(Self.countText(bin.count), at: anchor, font: font, horizontal: .center, vertical: .bottom)
                }
            }
        })
    }

    /// The canvas rectangle of data `x0...x1 × y0...y1`.
    func rect(_ mapping: PlotMapping, _ x0: Double, _ x1: Double, _ y0: Double, _ y1: Double) -> Rect {
        let left = mapping.px(x0), right = mapping.px(x1)
        let top = mapping.py(y1), bottom = mapping.py(y0)
        return Rect(x: left, y: top, width: right - left, height: bottom - top)
    }

    /// `812`, `12.3k` for counts of ten thousand and more, so labels stay short.
    static func countText(_ count: Int) -> String {
        count < 10_000 ? String(count) : String(format: "%.1fk", Double(count) / 1000)
    }
}
