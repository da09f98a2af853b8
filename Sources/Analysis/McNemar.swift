import Foundation

/// McNemar's test of whether two classifiers, scored on the same items, have the same error rate
/// (McNemar, "Note on the sampling error of the difference between correlated proportions",
/// *Psychometrika* 12, 1947; for comparing classifiers, Dietterich, "Approximate statistical
/// tests for comparing supervised classification learning algorithms", *Neural Computation* 10, 1998).
///
/// Only the discordant items count: `b`, those the first classifier got right and the second
/// wrong, and `c`, the reverse. Under the null hypothesis each discordant item is equally likely
/// to fall either way, so `b ~ Binomial(b + c, ½)`. The two-sided p-value is
///
/// - **exact** when `b + c < 25` (``exactLimit``): `min(1, 2·Σ_{i ≤ min(b,c)} C(b+c, i) / 2^(b+c))`,
///   the binomial test, because the chi-square approximation is poor for few discordant pairs;
/// - otherwise the **chi-square** approximation with Edwards' continuity correction:
///   `χ² = (|b − c| − 1)² / (b + c)` (with `|b − c| − 1` taken as 0 when `b = c`), one degree
///   of freedom, `p = P(χ²₁ ≥ χ²) = erfc(√(χ²/2))`.
///
/// With no discordant items the classifiers cannot be told apart: `p = 1`.
public struct McNemarTest: Equatable, Sendable {
    /// Which p-value was computed.
    public enum Method: String, Equatable, Sendable {
        /// The exact two-sided binomial test.
        case exactBinomial = "exact binomial"
        /// The chi-square test with continuity correction.
        case chiSquare = "chi-square (continuity-corrected)"
    }

    /// Below this many discordant items the exact binomial test is used.
    public static let exactLimit = 25

    /// Items the first classifier got right and the second wrong.
    public let onlyFirstCorrect: Int
    /// Items the second classifier got right and the first wrong.
    public let onlySecondCorrect: Int
    /// The method the p-value comes from.
    public let method: Method
    /// The continuity-corrected chi-square statistic, for ``Method/chiSquare``; `nil` for the exact test.
    public let statistic: Double?
    /// The two-sided p-value.
    public let pValue: Double

    /// Tests from the discordant counts.
    ///
    /// - Parameters:
    ///   - onlyFirstCorrect: `b`, at least 0.
    ///   - onlySecondCorrect: `c`, at least 0.
    public init(onlyFirstCorrect b: Int, onlySecondCorrect c: Int) {
        precondition(b >= 0 && c >= 0, "Discordant counts cannot be negative.")
        onlyFirstCorrect = b
        onlySecondCorrect = c
        let n = b + c
        if n < Self.exactLimit {
            method = .exactBinomial
            statistic = nil
            pValue = n == 0 ? 1 : min(1, 2 * Self.binomialLowerTail(min(b, c), trials: n))
        } else {
            method = .chiSquare
            let excess = max(0, Double(abs(b - c)) - 1)
            let chiSquare = excess * excess / Double(n)
            statistic = chiSquare
            pValue = erfc((chiSquare / 2).squareRoot())
        }
    }

    /// Tests two classifiers from whether each got each item right.
    ///
    /// - Parameters:
    ///   - firstCorrect: Whether the first classifier got item `i` right.
    ///   - secondCorrect: The same for the second classifier, one per item of `firstCorrect`.
    public init(firstCorrect: [Bool], secondCorrect: [Bool]) {
        precondition(firstCorrect.count == secondCorrect.count, "Both classifiers must be scored on the same items.")
        var b = 0, c = 0
        for (first, second) in zip(firstCorrect, secondCorrect) where first != second {
            if first { b += 1 } else { c += 1 }
        }
        self.init(onlyFirstCorrect: b, onlySecondCorrect: c)
    }

    /// All discordant items, `b + c`.
    public var discordant: Int { onlyFirstCorrect + onlySecondCorrect }

    /// Whether the difference is significant at level `alpha` (`p < alpha`).
    public func isSignificant(at alpha: Double = 0.05) -> Bool { pValue < alpha }

    /// `P(X ≤ k)` for `X ~ Binomial(n, ½)`, exactly: the binomial coefficients and the power of
    /// two are whole numbers a `Double` holds exactly for the `n < 25` it is used for.
    static func binomialLowerTail(_ k: Int, trials n: Int) -> Double {
        precondition(n <= 50, "The exact tail is computed for small n only.")
        var choose = 1.0, total = 0.0
        for i in 0...k {
            total += choose
            choose = choose * Double(n - i) / Double(i + 1)
        }
        return total / pow(2, Double(n))
    }
}
