/// A histogram of one or more samples over shared bins.
///
/// Bins come from the Freedman–Diaconis rule with a Sturges fallback
/// (``Statistics/binEdges(for:maximumBins:)``) over all samples together, or from a fixed count.
/// Several samples are overlaid translucently with a legend, as seaborn's `histplot` layers them.
///
/// ```swift
/// let chart = Histogram(values: brightness, title: "Mean brightness", xLabel: "brightness")
/// ```
public struct Histogram: Chart {
    /// One sample.
    public struct Series: Sendable {
        /// The legend label.
        public var name: String
        /// The observations.
        public var values: [Double]

        /// Creates a sample.
        ///
        /// - Parameters:
        ///   - name: The legend label.
        ///   - values: The observations.
        public init(name: String, values: [Double]) {
            self.name = name
            self.values = values
        }
    }

    /// How the bins are chosen.
    public enum Binning: Equatable, Sendable {
        /// Freedman–Diaconis, falling back to Sturges.
        case automatic
        /// This many equal bins over the data's range.
        case count(Int)
    }

    /// The samples.
    public var series: [Series]
    /// The binning rule.
    public var binning: Binning
    /// Whether bar heights are densities (area 1 per sample) rather than counts.
    public var density: Bool
    /// The panel title.
    public var title: String?
    /// The horizontal axis label.
    public var xLabel: String?
    /// The vertical axis label; "Count" or "Density" when `nil`.
    public var yLabel: String?
    /// Where the legend goes (shown only for several samples).
    public var legendPlacement: LegendPlacement

    /// Creates a histogram of several samples.
    ///
    /// - Parameters:
    ///   - series: The samples.
    ///   - binning: `.automatic` by default.
    ///   - density: Whether to normalise each sample to unit area.
    ///   - title: Panel title.
    ///   - xLabel: Horizontal axis label.
    ///   - yLabel: Vertical axis label.
    ///   - legendPlacement: Legend position.
    public init(series: [Series], binning: Binning = .automatic, density: Bool = false, title: String? = nil,
                xLabel: String? = nil, yLabel: String? = nil, legendPlacement: LegendPlacement = .best) {
        if case .count(let bins) = binning { precondition(bins > 0, "A histogram needs at least one bin.") }
        self.series = series
        self.binning = binning
        self.density = density
        self.title = title
        self.xLabel = xLabel
        self.yLabel = yLabel
        self.legendPlacement = legendPlacement
    }

    /// Creates a histogram of one sample.
    ///
    /// - Parameters:
    ///   - values: The observations.
    ///   - binning: `.automatic` by default.
    ///   - density: Whether to normalise to unit area.
    ///   - title: Panel title.
    ///   - xLabel: Horizontal axis label.
    ///   - yLabel: Vertical axis label.
    public init(values: [Double], binning: Binning = .automatic, density: Bool = false, title: String? = nil,
                xLabel: String? = nil, yLabel: String? = nil) {
        self.init(series: [Series(name: xLabel ?? "", values: values)], binning: binning, density: density,
                  title: title, xLabel: xLabel, yLabel: yLabel, legendPlacement: .hidden)
    }

    /// The shared bin edges.
    public var edges: [Double] {
        let all = series.flatMap(\.values)
        switch binning {
        case .automatic:
            return Statistics.binEdges(for: all)
        case .count(let bins):
            let finite = all.filter(\.isFinite)
            guard let low = finite.min(), let high = finite.max() else { return [0, 1] }
            return high > low ? Statistics.edges(from: low, to: high, bins: bins) : [low - 0.5, high + 0.5]
        }
    }

    /// Each sample's bar heights: counts, or densities `count / (n · width)`.
    public var heights: [[Double]] {
        let edges = self.edges
        return series.map { item in
            let counts = Statistics.counts(of: item.values, edges: edges)
            guard density else { return counts.map(Double.init) }
            let n = Double(counts.reduce(0, +))
            return counts.indices.map { n > 0 ? Double(counts[$0]) / (n * (edges[$0 + 1] - edges[$0])) : 0 }
        }
    }

    public func draw(on canvas: Canvas, in frame: Rect) {
        let edges = self.edges
        let heights = self.heights
        let top = heights.flatMap { $0 }.max() ?? 1
        let span = edges[edges.count - 1] - edges[0]
        let axes = CartesianAxes(
            title: title,
            x: AxisSpec(kind: .continuous(lower: edges[0] - span * 0.02, upper: edges[edges.count - 1] + span * 0.02,
                                          integers: false), label: xLabel),
            y: AxisSpec(kind: .continuous(lower: 0, upper: max(top, 1e-12) * 1.05, integers: !density),
                        label: yLabel ?? (density ? "Density" : "Count")),
            legend: series.count > 1
                ? series.enumerated().map { LegendEntry(label: $0.element.name, color: canvas.theme.color($0.offset), symbol: .patch) }
                : [],
            legendPlacement: legendPlacement)
        let layered = series.count > 1
        axes.draw(on: canvas, in: frame, occupancy: { mapping in
            heights.flatMap { bars in
                bars.indices.flatMap { i in
                    samplePoints(of: rect(mapping: mapping, low: edges[i], high: edges[i + 1], height: bars[i]))
                }
            }
        }, content: { mapping in
            for (s, bars) in heights.enumerated() {
                let color = canvas.theme.color(s)
                for (i, height) in bars.enumerated() where height > 0 {
                    let r = rect(mapping: mapping, low: edges[i], high: edges[i + 1], height: height)
                    if layered {
                        canvas.fill(r, color: color.withAlpha(0.4))
                    } else {
                        canvas.fill(r, color: color.withAlpha(0.85))
                        if r.width > 4 {
                            canvas.line(from: Point(x: r.x, y: r.y), to: Point(x: r.x, y: r.maxY),
                                        color: .white, width: 0.8)
                        }
                    }
                }
                if layered {
                    // An outline of the whole histogram keeps overlapping layers legible.
                    var outline: [Point] = []
                    for (i, height) in bars.enumerated() {
                        outline.append(mapping.point(edges[i], height))
                        outline.append(mapping.point(edges[i + 1], height))
                    }
                    outline.insert(mapping.point(edges[0], 0), at: 0)
                    outline.append(mapping.point(edges[edges.count - 1], 0))
                    canvas.polyline(outline, color: color, width: 1.2)
                }
            }
        })
    }

    private func rect(mapping: PlotMapping, low: Double, high: Double, height: Double) -> Rect {
        let x0 = mapping.px(low), x1 = mapping.px(high)
        let y0 = mapping.py(0), y1 = mapping.py(height)
        return Rect(x: x0, y: y1, width: x1 - x0, height: y0 - y1)
    }
}
