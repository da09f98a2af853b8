import Testing
import TensorCore

/// Expects two tensors to have the same shape and elements within `tolerance` of each other.
///
/// Elements match when `|a − b| ≤ tolerance · (1 + |b|)` (absolute near zero, relative for
/// large values). A failure is reported at the caller's location and names the first few
/// elements that differ.
///
/// - Parameters:
///   - a: The tensor under test.
///   - b: The expected tensor.
///   - tolerance: The allowed difference.
///   - sourceLocation: Where the failure is reported; defaults to the caller's location.
public func expectClose(
    _ a: Tensor, _ b: Tensor, tolerance: Float = 1e-5, sourceLocation: SourceLocation = #_sourceLocation
) {
    guard a.shape == b.shape else {
        Issue.record("Shapes differ: \(a.shape) and \(b.shape).", sourceLocation: sourceLocation)
        return
    }
    var mismatches = [String]()
    var count = 0
    for i in 0..<a.count {
        let (x, y) = (a.scalars[i], b.scalars[i])
        if !(abs(x - y) <= tolerance * (1 + abs(y))) {
            count += 1
            if mismatches.count < 5 { mismatches.append("[\(i)] \(x) vs \(y)") }
        }
    }
    if count > 0 {
        Issue.record(
            "\(count) of \(a.count) elements differ by more than \(tolerance): \(mismatches.joined(separator: ", ")).",
            sourceLocation: sourceLocation)
    }
}

/// A tensor of the given shape whose elements are distinct, well-spaced values in random order:
/// `(kₚ − n/2 + ½) · spacing` for a seeded permutation `p` of `0..<n`.
///
/// Finite-difference checks need inputs at least `2ε` apart from each other and from 0, so a
/// perturbation never crosses a kink (ReLU at 0, a max-pool tie).
///
/// - Parameters:
///   - shape: The tensor's shape.
///   - spacing: The gap between neighbouring values.
///   - seed: The seed of the permutation.
public func spacedTensor(shape: [Int], spacing: Float = 0.05, seed: UInt64) -> Tensor {
    let count = shape.reduce(1, *)
    var order = Array(0..<count)
    var generator = SeededGenerator(seed: seed)
    generator.shuffle(&order)
    return Tensor(shape: shape, scalars: order.map { (Float($0) - Float(count / 2) + 0.5) * spacing })
}
