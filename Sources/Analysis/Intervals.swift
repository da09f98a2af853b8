import Foundation
import TensorCore

/// A proportion (accuracy, a class's recall) with a 95% confidence interval.
public struct ProportionInterval: Equatable, Sendable {
    /// The observed share, `successes / trials` (0 for no trials).
    public var estimate: Double
    /// The lower end of the interval.
    public var low: Double
    /// The upper end of the interval.
    public var high: Double
    /// How many of the trials succeeded.
    public var successes: Int
    /// How many trials there were.
    public var trials: Int

    /// Creates an interval from its parts.
    public init(estimate: Double, low: Double, high: Double, successes: Int, trials: Int) {
        self.estimate = estimate
        self.low = low
        self.high = high
        self.successes = successes
        self.trials = trials
    }

    /// Half the width of the interval: the "±" of a symmetric one.
    public var halfWidth: Double { (high - low) / 2 }
}

/// How a 95% confidence interval for a proportion is computed.
///
/// - ``wilson``: Wilson's score interval (Wilson, "Probable inference, the law of succession,
///   and statistical inference", *JASA* 22, 1927). It inverts the normal score test, so it stays
///   inside `[0, 1]`, does not collapse to a point at 0 or `n` successes, and covers close to
///   95% even for small samples or shares near 0 or 1 (Brown, Cai & DasGupta, "Interval
///   estimation for a binomial proportion", *Statistical Science* 16, 2001), where the textbook
///   Wald interval `p ± 1.96·√(p(1−p)/n)` does not. It is deterministic and costs nothing.
/// - ``bootstrap(resamples:seed:)``: Efron's percentile bootstrap: the items are drawn with
///   replacement `resamples` times, from a ``SeededGenerator`` with `seed`, so the interval is
///   reproducible; its ends are the 2.5th and 97.5th percentiles of the resampled shares
///   (linear interpolation between order statistics). It needs no normal approximation but
///   varies a little with the seed and, at 0 or `n` successes, collapses to a point.
public enum IntervalMethod: Equatable, Sendable, CustomStringConvertible {
    case wilson
    case bootstrap(resamples: Int, seed: UInt64)

    /// 2000 resamples with seed 0, the defaults of `evaluate`'s `interval: bootstrap`.
    public static let defaultBootstrap = IntervalMethod.bootstrap(resamples: 2000, seed: 0)

    /// The interval for `successes` out of `trials` by this method.
    public func interval(successes: Int, trials: Int) -> ProportionInterval {
        switch self {
        case .wilson: Intervals.wilson(successes: successes, trials: trials)
        case let .bootstrap(resamples, seed): Intervals.bootstrap(successes: successes, trials: trials,
                                                                   resamples: resamples, seed: seed)
        }
    }

    /// `Wilson score` or `percentile bootstrap (2000 resamples, seed 0)`, for captions.
    public var description: String {
        switch self {
        case .wilson: "Wilson score"
        case let .bootstrap(resamples, seed): "percentile bootstrap (\(resamples) resamples, seed \(seed))"
        }
    }
}

/// Confidence intervals for a binomial proportion.
public enum Intervals {
    /// The standard normal quantile of 0.975, for two-sided 95% intervals.
    public static let z95 = 1.959963984540054

    /// Wilson's score interval: with `p = k/n` and `z = 1.96`,
    /// `(p + z²/2n ± z·√(p(1−p)/n + z²/4n²)) / (1 + z²/n)`.
    ///
    /// - Parameters:
    ///   - successes: `k`, in `0...trials`.
    ///   - trials: `n`; for 0 trials the interval is all of `[0, 1]` (nothing is known).
    ///   - z: The normal quantile; ``z95`` for 95%.
    public static func wilson(successes: Int, trials: Int, z: Double = z95) -> ProportionInterval {
        precondition(trials >= 0 && (0...max(trials, 0)).contains(successes), "Successes must lie in 0...trials.")
        guard trials > 0 else { return ProportionInterval(estimate: 0, low: 0, high: 1, successes: 0, trials: 0) }
        let n = Double(trials)
        let p = Double(successes) / n
        let z2 = z * z
        let denominator = 1 + z2 / n
        let centre = (p + z2 / (2 * n)) / denominator
        let half = z / denominator * (p * (1 - p) / n + z2 / (4 * n * n)).squareRoot()
        // At k = 0 or k = n one end is exactly 0 or 1; clamp away rounding.
        let low = successes == 0 ? 0 : max(0, centre - half)
        let high = successes == trials ? 1 : min(1, centre + half)
        return ProportionInterval(estimate: p, low: low, high: high, successes: successes, trials: trials)
    }

    /// The percentile bootstrap interval (see ``IntervalMethod/bootstrap(resamples:seed:)``).
    ///
    /// Each resample draws `trials` items with replacement from `successes` ones and
    /// `trials − successes` zeros (a uniform index below `successes` is a success).
    ///
    /// - Parameters:
    ///   - successes: `k`, in `0...trials`.
    ///   - trials: `n`; for 0 trials the interval is all of `[0, 1]`.
    ///   - resamples: How many resamples, at least 1.
    ///   - seed: The seed of the draws.
    public static func bootstrap(successes: Int, trials: Int, resamples: Int, seed: UInt64) -> ProportionInterval {
        precondition(trials >= 0 && (0...max(trials, 0)).contains(successes), "Successes must lie in 0...trials.")
        precondition(resamples > 0, "A bootstrap needs at least one resample.")
        guard trials > 0 else { return ProportionInterval(estimate: 0, low: 0, high: 1, successes: 0, trials: 0) }
        var generator = SeededGenerator(seed: seed)
        var shares = [Double](repeating: 0, count: resamples)
        // A uniform index in 0..<n is the high word of a 64-bit draw times n (Lemire's
        // multiply-shift, without its rejection step: the bias is below n / 2⁶⁴); it is a
        // success when it is below k.
        let n = UInt64(trials), k = UInt64(successes)
        for index in 0..<resamples {
            var hits = 0
            for _ in 0..<trials where generator.next().multipliedFullWidth(by: n).high < k { hits += 1 }
            shares[index] = Double(hits) / Double(trials)
        }
        shares.sort()
        return ProportionInterval(estimate: Double(successes) / Double(trials),
                                  low: percentile(sorted: shares, 0.025), high: percentile(sorted: shares, 0.975),
                                  successes: successes, trials: trials)
    }

    /// The `q`-quantile of sorted values, interpolating linearly between order statistics
    /// (Hyndman & Fan's type 7, NumPy's default).
    static func percentile(sorted values: [Double], _ q: Double) -> Double {
        let position = q * Double(values.count - 1)
        let below = Int(position.rounded(.down))
        let above = min(below + 1, values.count - 1)
        let fraction = position - Double(below)
        return values[below] + (values[above] - values[below]) * fraction
    }
}
