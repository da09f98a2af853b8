import Foundation

/// A small seeded pseudo-random generator for splits and augmentation draws.
///
/// SplitMix64 (Steele, Lea & Flood, "Fast splittable pseudorandom number generators",
/// OOPSLA 2014): the state advances by the golden-ratio increment `0x9E3779B97F4A7C15` and
/// each output is that state passed through a 64-bit finaliser. It is internal to `Dataset`
/// so that it can be replaced by TensorCore's seeded generator later without changing the
/// public API; every public entry point takes a `seed: UInt64` or `some RandomNumberGenerator`.
struct _SplitRandom: RandomNumberGenerator, Sendable {
    private var state: UInt64

    /// Creates a generator whose sequence is fixed by `seed`.
    init(seed: UInt64) {
        state = seed
    }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

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
