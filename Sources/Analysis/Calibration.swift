import Foundation

/// One confidence bin of a reliability diagram.
public struct CalibrationBin: Equatable, Sendable {
    /// The bin holds confidences in `(lower, upper]` (the first bin also holds 0).
    public var lower: Double
    /// The upper end of the bin.
    public var upper: Double
    /// How many predictions fall in the bin.
    public var count: Int
    /// Their mean confidence, or `nil` for an empty bin.
    public var meanConfidence: Double?
    /// The share of them that is correct, or `nil` for an empty bin.
    public var accuracy: Double?

    /// Creates a bin from its parts.
    public init(lower: Double, upper: Double, count: Int, meanConfidence: Double?, accuracy: Double?) {
        self.lower = lower
        self.upper = upper
        self.count = count
        self.meanConfidence = meanConfidence
        self.accuracy = accuracy
    }

    /// `|accuracy − mean confidence|`, or `nil` for an empty bin.
    public var gap: Double? { accuracy.flatMap { accuracy in meanConfidence.map { abs(accuracy - $0) } } }
}

/// How well a classifier's confidence matches its accuracy: the expected calibration error and
/// the bins of a reliability diagram (Guo, Pleiss, Sun & Weinberger, "On calibration of modern
/// neural networks", ICML 2017; Naeini, Cooper & Hauskrecht, AAAI 2015).
///
/// The confidence of a prediction is the probability of the predicted class. The range `[0, 1]`
/// is cut into `M` equal-width bins `((m−1)/M, m/M]` (15 by default, as Guo et al.); with `B_m`
/// the predictions in bin `m`, `N` all of them,
/// `ECE = Σ_m (|B_m| / N) · |acc(B_m) − conf(B_m)|` and the maximum calibration error
/// `MCE = max_m |acc(B_m) − conf(B_m)|` over the non-empty bins. A perfectly calibrated model
/// has ECE 0: of the predictions made with confidence 0.8, 80% are right.
public struct Calibration: Equatable, Sendable {
    /// The bins, lowest confidence first; empty bins included.
    public let bins: [CalibrationBin]
    /// The expected calibration error (0 for no predictions).
    public let expectedError: Double
    /// The largest gap of a non-empty bin (0 for no predictions).
    public let maximumError: Double
    /// How many predictions were binned.
    public let count: Int

    /// The default number of bins, 15.
    public static let defaultBinCount = 15

    /// Bins predictions by confidence.
    ///
    /// - Parameters:
    ///   - confidence: The probability of each prediction's class, in `[0, 1]`.
    ///   - correct: Whether each prediction was right, one per confidence.
    ///   - binCount: How many equal-width bins, at least 1.
    public init(confidence: [Double], correct: [Bool], binCount: Int = defaultBinCount) {
        precondition(confidence.count == correct.count, "One correctness per confidence is needed.")
        precondition(binCount > 0, "Calibration needs at least one bin.")
        var counts = [Int](repeating: 0, count: binCount)
        var confidenceSums = [Double](repeating: 0, count: binCount)
        var hits = [Int](repeating: 0, count: binCount)
        for (value, isCorrect) in zip(confidence, correct) {
            let bin = Self.bin(of: value, binCount: binCount)
            counts[bin] += 1
            confidenceSums[bin] += value
            if isCorrect { hits[bin] += 1 }
        }
        bins = (0..<binCount).map { index in
            let count = counts[index]
            return CalibrationBin(lower: Double(index) / Double(binCount), upper: Double(index + 1) / Double(binCount),
                                  count: count,
                                  meanConfidence: count == 0 ? nil : confidenceSums[index] / Double(count),
                                  accuracy: count == 0 ? nil : Double(hits[index]) / Double(count))
        }
        count = confidence.count
        let total = Double(max(confidence.count, 1))
        expectedError = bins.reduce(0) { $0 + Double($1.count) / total * ($1.gap ?? 0) }
        maximumError = bins.compactMap(\.gap).max() ?? 0
    }

    /// The bin of a confidence: `m − 1` for `(m−1)/M < c ≤ m/M`; 0 for `c ≤ 0`, the last for `c ≥ 1`.
    static func bin(of confidence: Double, binCount: Int) -> Int {
        let scaled = (confidence * Double(binCount)).rounded(.up)
        guard scaled.isFinite else { return confidence > 0 ? binCount - 1 : 0 }
        return min(binCount - 1, max(0, Int(scaled) - 1))
    }
}
