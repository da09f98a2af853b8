import Foundation

/// A named sample, one box or violin of a ``BoxPlot`` or ``ViolinPlot``.
public struct DistributionGroup: Sendable {
    /// The category name on the axis.
    public var name: String
    /// The observations; non-finite values are ignored.
    public var values: [Double]

    /// Creates a group.
    ///
    /// - Parameters:
    ///   - name: The category name.
    ///   - values: The observations.
    public init(name: String, values: [Double]) {
        self.name = name
        self.values = values
    }
}

/// Box plots of several groups side by side (distributions per class).
///
/// Boxes span the quartiles with a line at the median; whiskers reach the most extreme values
/// within 1.5 IQR of the box and points beyond are drawn as outliers (Tukey's rule, see
/// ``Statistics/boxSummary(of:)``).
public struct BoxPlot: Chart {
    /// The groups, one box each, in order along the axis.
    public var groups: [DistributionGroup]
    /// The panel title.
    public var title: String?
    /// The label of the group axis.
    public var xLabel: String?
    /// The label of the value axis.
    public var yLabel: String?

    /// Creates a box plot.
    ///
    /// - Parameters:
    ///   - groups: One group per box.
    ///   - title: Panel title.
    ///   - xLabel: Group axis label.
    ///   - yLabel: Value axis label.
    public init(groups: [DistributionGroup], title: String? = nil, xLabel: String? = nil, yLabel: String? = nil) {
        self.groups = groups
        self.title = title
        self.xLabel = xLabel
        self.yLabel = yLabel
    }

    public func draw(on canvas: Canvas, in frame: Rect) {
        let summaries = groups.map { Statistics.boxSummary(of: $0.values) }
        let limits = AxisSpec.paddedLimits(of: groups.flatMap(\.values))
        let axes = CartesianAxes(
            title: title,
            x: AxisSpec(kind: .categories(groups.map(\.name)), label: xLabel, grid: false),
            y: AxisSpec(kind: .continuous(lower: limits.lower, upper: limits.upper, integers: false), label: yLabel))
        let edge = Color(grey: 0.25)
        axes.draw(on: canvas, in: frame, occupancy: { _ in [] }, content: { mapping in
            for (index, summary) in summaries.enumerated() {
                guard let summary else { continue }
                let center = Double(index)
                let half = 0.3
                let fill = canvas.theme.color(index).mixed(with: .white, fraction: 0.15)
                let x0 = mapping.px(center - half), x1 = mapping.px(center + half), xm = mapping.px(center)
                let capHalf = (x1 - x0) * 0.25
                // Whiskers and caps.
                for (end, whisker) in [(summary.lowerQuartile, summary.lowerWhisker), (summary.upperQuartile, summary.upperWhisker)] {
                    canvas.line(from: Point(x: xm, y: mapping.py(end)), to: Point(x: xm, y: mapping.py(whisker)), color: edge, width: 1.2)
                    canvas.line(from: Point(x: xm - capHalf, y: mapping.py(whisker)), to: Point(x: xm + capHalf, y: mapping.py(whisker)),
                                color: edge, width: 1.2)
                }
                let top = mapping.py(summary.upperQuartile), bottom = mapping.py(summary.lowerQuartile)
                let box = Rect(x: x0, y: top, width: x1 - x0, height: max(bottom - top, 1))
                canvas.fill(box, color: fill)
                canvas.stroke(box, color: edge, width: 1.2)
                canvas.line(from: Point(x: x0 + 1, y: mapping.py(summary.median)), to: Point(x: x1 - 1, y: mapping.py(summary.median)),
                            color: fill.contrastingLine, width: 2)
                for outlier in summary.outliers {
                    drawMarker(.diamond, at: Point(x: xm, y: mapping.py(outlier)), size: 5, color: Color(grey: 0.35).withAlpha(0.8),
                               on: canvas, outline: nil)
                }
            }
        })
    }
}

/// Violin plots of several groups side by side: a mirrored kernel density per group with a
/// small box plot inside.
///
/// Densities are Gaussian kernel estimates with Scott's bandwidth
/// (``Statistics/gaussianDensity(of:at:bandwidth:)``), evaluated up to two bandwidths beyond
/// the data (seaborn's `cut=2`); each violin is scaled to the same maximum width. Inside, a
/// thick bar spans the quartiles, thin lines the whiskers, and a white dot marks the median.
public struct ViolinPlot: Chart {
    /// The groups, one violin each, in order along the axis.
    public var groups: [DistributionGroup]
    /// The panel title.
    public var title: String?
    /// The label of the group axis.
    public var xLabel: String?
    /// The label of the value axis.
    public var yLabel: String?

    /// Creates a violin plot.
    ///
    /// - Parameters:
    ///   - groups: One group per violin.
    ///   - title: Panel title.
    ///   - xLabel: Group axis label.
    ///   - yLabel: Value axis label.
    public init(groups: [DistributionGroup], title: String? = nil, xLabel: String? = nil, yLabel: String? = nil) {
        self.groups = groups
        self.title = title
        self.xLabel = xLabel
        self.yLabel = yLabel
    }

    /// Each group's density outline: evaluation points and densities scaled to a maximum of 1.
    func outlines(gridPoints: Int = 100) -> [(grid: [Double], width: [Double])?] {
        groups.map { group in
            let values = group.values.filter(\.isFinite)
            guard !values.isEmpty else { return nil }
            let bandwidth = Statistics.scottBandwidth(values)
            let low = (values.min() ?? 0) - 2 * bandwidth, high = (values.max() ?? 0) + 2 * bandwidth
            let grid = (0..<gridPoints).map { low + (high - low) * Double($0) / Double(gridPoints - 1) }
            let density = Statistics.gaussianDensity(of: values, at: grid, bandwidth: bandwidth)
            let peak = density.max() ?? 1
            return (grid, density.map { peak > 0 ? $0 / peak : 0 })
        }
    }

    public func draw(on canvas: Canvas, in frame: Rect) {
        let shapes = outlines()
        let extents: [Double] = shapes.compactMap { $0 }.flatMap { shape -> [Double] in
            [shape.grid.first ?? 0, shape.grid.last ?? 0]
        }
        let limits = AxisSpec.paddedLimits(of: extents, fraction: 0.03)
        let axes = CartesianAxes(
            title: title,
            x: AxisSpec(kind: .categories(groups.map(\.name)), label: xLabel, grid: false),
            y: AxisSpec(kind: .continuous(lower: limits.lower, upper: limits.upper, integers: false), label: yLabel))
        let edge = Color(grey: 0.25)
        axes.draw(on: canvas, in: frame, occupancy: { _ in [] }, content: { mapping in
            for (index, shape) in shapes.enumerated() {
                guard let shape, let summary = Statistics.boxSummary(of: groups[index].values) else { continue }
                let center = Double(index)
                let half = 0.4
                let right = zip(shape.grid, shape.width).map { mapping.point(center + $1 * half, $0) }
                let left = zip(shape.grid, shape.width).reversed().map { mapping.point(center - $1 * half, $0) }
                let fill = canvas.theme.color(index).mixed(with: .white, fraction: 0.15)
                canvas.polygon(right + left, color: fill, outline: edge, outlineWidth: 1.2)
                // The inner box plot in a colour that shows on the violin's fill, dark or light.
                let inner = fill.contrastingLine
                let xm = mapping.px(center)
                canvas.line(from: Point(x: xm, y: mapping.py(summary.lowerWhisker)), to: Point(x: xm, y: mapping.py(summary.upperWhisker)),
                            color: inner, width: 1.3)
                canvas.line(from: Point(x: xm, y: mapping.py(summary.lowerQuartile)), to: Point(x: xm, y: mapping.py(summary.upperQuartile)),
                            color: inner, width: 5)
                canvas.circle(center: Point(x: xm, y: mapping.py(summary.median)), radius: 2.6,
                              color: inner == edge ? .white : Color(grey: 0.1))
            }
        })
    }
}
