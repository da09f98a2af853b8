/// Descriptive statistics of samples, shared by the EDA actions and the charts.
public enum Descriptive {
    /// The `p`-quantile of sorted values by linear interpolation between order statistics
    /// (Hyndman and Fan's definition 7, the default of R and NumPy).
    ///
    /// - Parameters:
    ///   - sorted: Values in ascending order, at least one.
    ///   - p: The probability, 0...1.
    public static func quantile(sorted: [Double], _ p: Double) -> Double {
        precondition(!sorted.isEmpty, "A quantile needs at least one value.")
        let position = min(max(p, 0), 1) * Double(sorted.count - 1)
        let lower = Int(position.rounded(.down))
        let upper = min(lower + 1, sorted.count - 1)
        return sorted[lower] + (sorted[upper] - sorted[lower]) * (position - Double(lower))
    }
}
