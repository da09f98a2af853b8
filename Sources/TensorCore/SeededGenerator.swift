import Foundation

/// A small, fast, seeded random number generator: xoshiro256** seeded through SplitMix64.
///
/// Every random choice in loom (data splits, shuffling, augmentation, initialisation,
/// dropout) draws from a `SeededGenerator`, so a run is reproducible from its seed. The state
/// is four 64-bit words that can be saved (``state``) and restored (``init(state:)``) to resume
/// a stream exactly where it stopped.
///
/// The algorithms are Blackman and Vigna's xoshiro256** 1.0 and Steele, Lea and Flood's
/// SplitMix64 (<https://prng.di.unimi.it>).
///
/// ```swift
/// var rng = SeededGenerator(seed: 42)
/// let k = Int.random(in: 0..<10, using: &rng)
/// let z = rng.nextNormal()
/// ```
public struct SeededGenerator: RandomNumberGenerator, Sendable, Equatable, Hashable, Codable {
    @usableFromInline var s0, s1, s2, s3: UInt64

    /// The four words of xoshiro256** state.
    public var state: [UInt64] { [s0, s1, s2, s3] }

    /// Creates a generator whose state is filled from `seed` by SplitMix64.
    ///
    /// - Parameter seed: Any 64-bit value; equal seeds give equal streams.
    public init(seed: UInt64) {
        var splitMix = SplitMix64(seed: seed)
        (s0, s1, s2, s3) = (splitMix.next(), splitMix.next(), splitMix.next(), splitMix.next())
    }

    /// Restores a generator from a saved ``state``.
    ///
    /// - Parameter state: Four words, not all zero.
    public init(state: [UInt64]) {
        precondition(state.count == 4 && state.contains { $0 != 0 }, "A SeededGenerator state is four words, not all zero.")
        (s0, s1, s2, s3) = (state[0], state[1], state[2], state[3])
    }

    /// Returns the next 64 random bits (xoshiro256**).
    @inlinable
    public mutating func next() -> UInt64 {
        let product = s1 &* 5
        let result = ((product << 7) | (product >> 57)) &* 9
        let t = s1 << 17
        s2 ^= s0
        s3 ^= s1
        s1 ^= s2
        s0 ^= s3
        s2 ^= t
        s3 = (s3 << 45) | (s3 >> 19)
        return result
    }

    private enum CodingKeys: String, CodingKey { case state }

    /// Decodes a generator from its `state` array.
    ///
    /// - Parameter decoder: The decoder to read from.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let words = try container.decode([UInt64].self, forKey: .state)
        guard words.count == 4, words.contains(where: { $0 != 0 }) else {
            throw DecodingError.dataCorruptedError(forKey: .state, in: container, debugDescription: "A generator state is four words, not all zero.")
        }
        self.init(state: words)
    }

    /// Encodes the generator as its `state` array.
    ///
    /// - Parameter encoder: The encoder to write to.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(state, forKey: .state)
    }

    /// Returns a uniform sample from [0, 1) with 24 random bits.
    @inlinable
    public mutating func nextUnitFloat() -> Float {
        Float(next() >> 40) * (1.0 / 16_777_216.0)
    }

    /// Returns a standard normal sample (mean 0, standard deviation 1).
    ///
    /// Uses the Box–Muller transform, `z = √(−2 ln u₁) · cos(2π u₂)`, with `u₁` in (0, 1],
    /// computed in `Double` and rounded once.
    public mutating func nextNormal() -> Float {
        let u1 = (Double(next() >> 11) + 1) * (1.0 / 9_007_199_254_740_992.0)
        let u2 = Double(next() >> 11) * (1.0 / 9_007_199_254_740_992.0)
        return Float((-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2))
    }

    /// Shuffles `values` in place with the Fisher–Yates algorithm.
    ///
    /// Unlike `Array.shuffle(using:)`, whose algorithm the standard library may change, this
    /// order is fixed, so a seed gives the same permutation on every Swift version.
    ///
    /// - Parameter values: The array to permute.
    public mutating func shuffle<Element>(_ values: inout [Element]) {
        guard values.count > 1 else { return }
        for i in stride(from: values.count - 1, to: 0, by: -1) {
            let j = Int(next() % UInt64(i + 1))
            values.swapAt(i, j)
        }
    }
}
