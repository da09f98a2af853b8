import Foundation

extension RandomNumberGenerator {
    /// A uniformly distributed integer in `0..<bound`, by Lemire's multiply-and-reject method
    /// ("Fast random integer generation in an interval", ACM TOMACS 2019).
    ///
    /// Written out here rather than taken from `Int.random(in:using:)` so that a seed gives the
    /// same split on every Swift version.
    mutating func _nextIndex(below bound: Int) -> Int {
        precondition(bound > 0, "The bound must be positive.")
        let range = UInt64(bound)
        var product = next().multipliedFullWidth(by: range)
        if product.low < range {
            let threshold = (0 &- range) % range
            while product.low < threshold {
                product = next().multipliedFullWidth(by: range)
            }
        }
        return Int(product.high)
    }

    /// A uniformly distributed `Double` in `[0, 1)` from the top 53 bits of one draw.
    mutating func _nextUnit() -> Double {
        Double(next() >> 11) * 0x1.0p-53
    }

    /// A uniformly distributed `Double` in `[lower, upper]` (`lower` when they are equal).
    mutating func _nextUniform(_ lower: Double, _ upper: Double) -> Double {
        lower + (upper - lower) * _nextUnit()
    }

    /// A standard normal deviate by the Box–Muller transform
    /// (Box & Muller, "A note on the generation of random normal deviates", 1958):
    /// `sqrt(-2 ln u1) * cos(2 pi u2)` with `u1` in `(0, 1]`.
    mutating func _nextGaussian() -> Double {
        let u1 = 1 - _nextUnit()
        let u2 = _nextUnit()
        return (-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2)
    }
}

extension MutableCollection where Self: RandomAccessCollection, Index == Int {
    /// Shuffles in place by the Fisher–Yates algorithm (Knuth, TAOCP vol. 2, Algorithm P),
    /// drawing from `generator` with `_nextIndex(below:)` so the result is stable across
    /// Swift versions.
    mutating func _shuffle(using generator: inout some RandomNumberGenerator) {
        guard count > 1 else { return }
        var last = endIndex - 1
        while last > startIndex {
            let other = startIndex + generator._nextIndex(below: last - startIndex + 1)
            swapAt(last, other)
            last -= 1
        }
    }
}
