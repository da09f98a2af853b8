import Analysis
import Foundation

/// Summary statistics behind histograms, box plots and violin plots.
public enum Statistics {
    /// Histogram bin edges by the Freedman–Diaconis rule, falling back to Sturges' rule.
    ///
    /// Freedman and Diaconis (1981) take the bin width `h = 2 · IQR · n^(−1/3)`; when the
    /// interquartile range is zero (or gives more than `maximumBins` bins), Sturges (1926)
    /// takes `⌈log₂ n⌉ + 1` bins. Edges span the data from its minimum to its maximum.
    ///
    /// - Parameters:
    ///   - values: The data; non-finite values are ignored.
    ///   - maximumBins: An upper limit on the bin count.
    /// - Returns: `bins + 1` ascending edges (two edges around a constant sample).
    public static func binEdges(for values: [Double], maximumBins: Int = 200) -> [Double] {
        let sorted = values.filter(\.isFinite).sorted()
        guard let low = sorted.first, let high = sorted.last else { return [0, 1] }
        guard high > low else { return [low - 0.5, high + 0.5] }
        let n = Double(sorted.count)
        let iqr = Descriptive.quantile(sorted: sorted, 0.75) - Descriptive.quantile(sorted: sorted, 0.25)
        var bins = Int(log2(n).rounded(.up)) + 1
        if iqr > 0 {
            let width = 2 * iqr * pow(n, -1.0 / 3.0)
            let freedmanDiaconis = Int(((high - low) / width).rounded(.up))
            if freedmanDiaconis <= maximumBins { bins = max(freedmanDiaconis, 1) }
        }
        bins = min(max(bins, 1), maximumBins)
        return edges(from: low, to: high, bins: bins)
    }

    /// `bins + 1` evenly spaced edges from `low` to `high`.
    ///
    /// - Parameters:
    ///   - low: The first edge.
    ///   - high: The last edge.
    ///   - bins: The number of bins, at least one.
    public static func edges(from low: Double, to high: Double, bins: Int) -> [Double] {
        precondition(bins > 0, "A histogram needs at least one bin.")
        return (0...bins).map { $0 == bins ? high : low + (high - low) * Double($0) / Double(bins) }
    }

    /// Counts of values per bin; the last bin includes its right edge (as NumPy does).
    ///
    /// - Parameters:
    ///   - values: The data; values outside the edges and non-finite values are not counted.
    ///   - edges: Ascending bin edges, at least two.
    public static func counts(of values: [Double], edges: [Double]) -> [Int] {
        precondition(edges.count >= 2, "Bin counting needs at least two edges.")
        var counts = [Int](repeating: 0, count: edges.count - 1)
        let low = edges[0], high = edges[edges.count - 1]
        for value in values where value.isFinite && value >= low && value <= high {
            // Binary search for the last edge at or below the value.
            var lower = 0, upper = edges.count - 1
            while upper - lower > 1 {
                let middle = (lower + upper) / 2
                if edges[middle] <= value { lower = middle } else { upper = middle }
            }
            counts[min(lower, counts.count - 1)] += 1
        }
        return counts
    }

    /// A box plot's five numbers and outliers by Tukey's rule.
    public struct BoxSummary: Equatable, Sendable {
        /// The first quartile.
        public var lowerQuartile: Double
        /// The median.
        public var median: Double
        /// The third quartile.
        public var upperQuartile: Double
        /// The smallest value at or above `Q1 − 1.5 · IQR`.
        public var lowerWhisker: Double
        /// The largest value at or below `Q3 + 1.5 · IQR`.
        public var upperWhisker: Double
        /// Values beyond the whiskers.
        public var outliers: [Double]
    }

    /// Quartiles (definition 7), whiskers at the most extreme values within 1.5 IQR of the box
    /// (Tukey, *Exploratory Data Analysis*, 1977), and the outliers beyond them.
    ///
    /// - Parameter values: The data; non-finite values are ignored. Returns `nil` when none is finite.
    public static func boxSummary(of values: [Double]) -> BoxSummary? {
        let sorted = values.filter(\.isFinite).sorted()
        guard !sorted.isEmpty else { return nil }
        let q1 = Descriptive.quantile(sorted: sorted, 0.25), q2 = Descriptive.quantile(sorted: sorted, 0.5), q3 = Descriptive.quantile(sorted: sorted, 0.75)
        let reach = 1.5 * (q3 - q1)
        let low = sorted.first { $0 >= q1 - reach } ?? q1
        let high = sorted.last { $0 <= q3 + reach } ?? q3
        return BoxSummary(lowerQuartile: q1, median: q2, upperQuartile: q3, lowerWhisker: low, upperWhisker: high,
                          outliers: sorted.filter { $0 < low || $0 > high })
    }

    /// Scott's rule bandwidth for a Gaussian kernel density estimate: `σ · n^(−1/5)` with σ the
    /// sample standard deviation (Scott, *Multivariate Density Estimation*, 1992; SciPy's default).
    ///
    /// - Parameter values: The data, at least one value. A constant sample gets a small positive width.
    public static func scottBandwidth(_ values: [Double]) -> Double {
        precondition(!values.isEmpty, "A bandwidth needs at least one value.")
        let n = Double(values.count)
        let mean = values.reduce(0, +) / n
        let variance = values.count > 1 ? values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / (n - 1) : 0
        let sigma = variance.squareRoot()
        let bandwidth = sigma * pow(n, -0.2)
        return bandwidth > 0 ? bandwidth : max(abs(mean) * 0.01, 1e-3)
    }

    /// A Gaussian kernel density estimate `f(x) = 1/(n h) Σ φ((x − xᵢ)/h)` at each point of `grid`.
    ///
    /// - Parameters:
    ///   - values: The sample, at least one value.
    ///   - grid: Where to evaluate the density.
    ///   - bandwidth: The kernel's standard deviation `h`.
    public static func gaussianDensity(of values: [Double], at grid: [Double], bandwidth: Double) -> [Double] {
        precondition(!values.isEmpty && bandwidth > 0, "A density needs values and a positive bandwidth.")
        let norm = 1 / (Double(values.count) * bandwidth * (2 * Double.pi).squareRoot())
        return grid.map { x in
            var sum = 0.0
            for value in values {
                let z = (x - value) / bandwidth
                sum += exp(-0.5 * z * z)
            }
            return sum * norm
        }
    }
}
