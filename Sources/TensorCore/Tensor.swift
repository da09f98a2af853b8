/// A dense, row-major array of `Float` values with a shape.
///
/// `Tensor` is a copy-on-write value type: copies share storage until one of them is written.
/// Storage is contiguous, so element `[i0, i1, …, ik]` lives at offset
/// `((i0 · s1 + i1) · s2 + …) · sk + ik` where `s` is the shape.
///
/// ```swift
/// var t = Tensor(shape: [2, 3], scalars: [1, 2, 3, 4, 5, 6])
/// t[1, 2] = 60
/// let u = t.reshaped(to: [3, 2])
/// ```
public struct Tensor: Sendable, Equatable, Hashable {
    /// The extent of each axis; the product of its entries is ``count``.
    public private(set) var shape: [Int]
    /// The elements in row-major order; their number must stay ``count``.
    public var scalars: [Float] {
        didSet { precondition(scalars.count == shape.reduce(1, *), "A tensor of shape \(shape) keeps \(shape.reduce(1, *)) scalars.") }
    }

    /// Creates a tensor from a shape and its elements in row-major order.
    ///
    /// - Parameters:
    ///   - shape: The extent of each axis; every entry must be non-negative.
    ///   - scalars: The elements; there must be exactly `shape.reduce(1, *)` of them.
    public init(shape: [Int], scalars: [Float]) {
        precondition(shape.allSatisfy { $0 >= 0 }, "Tensor shape \(shape) has a negative extent.")
        precondition(
            shape.reduce(1, *) == scalars.count,
            "Tensor shape \(shape) needs \(shape.reduce(1, *)) scalars but got \(scalars.count).")
        self.shape = shape
        self.scalars = scalars
    }

    /// Creates a tensor whose every element is `value`.
    ///
    /// - Parameters:
    ///   - shape: The extent of each axis.
    ///   - value: The value of every element.
    public init(shape: [Int], repeating value: Float) {
        precondition(shape.allSatisfy { $0 >= 0 }, "Tensor shape \(shape) has a negative extent.")
        self.init(shape: shape, scalars: [Float](repeating: value, count: shape.reduce(1, *)))
    }

    /// Creates a tensor of zeros.
    ///
    /// - Parameter shape: The extent of each axis.
    public static func zeros(shape: [Int]) -> Tensor {
        Tensor(shape: shape, repeating: 0)
    }

    /// Creates a tensor of independent normal samples with the given mean and standard deviation.
    ///
    /// - Parameters:
    ///   - shape: The extent of each axis.
    ///   - mean: The mean of the distribution.
    ///   - standardDeviation: The standard deviation of the distribution.
    ///   - generator: The seeded generator that supplies the randomness.
    public static func randomNormal(
        shape: [Int], mean: Float = 0, standardDeviation: Float = 1,
        using generator: inout SeededGenerator
    ) -> Tensor {
        let count = shape.reduce(1, *)
        var values = [Float](repeating: 0, count: count)
        for index in 0..<count {
            values[index] = mean + standardDeviation * generator.nextNormal()
        }
        return Tensor(shape: shape, scalars: values)
    }

    /// Creates a tensor of independent uniform samples from `range`.
    ///
    /// - Parameters:
    ///   - shape: The extent of each axis.
    ///   - range: The half-open interval to draw from.
    ///   - generator: The seeded generator that supplies the randomness.
    public static func randomUniform(
        shape: [Int], in range: Range<Float>, using generator: inout SeededGenerator
    ) -> Tensor {
        let count = shape.reduce(1, *)
        var values = [Float](repeating: 0, count: count)
        for index in 0..<count {
            values[index] = Float.random(in: range, using: &generator)
        }
        return Tensor(shape: shape, scalars: values)
    }

    /// The number of elements: the product of the shape's entries.
    public var count: Int { scalars.count }

    /// The number of axes.
    public var rank: Int { shape.count }

    /// The row-major offset of a multi-index.
    ///
    /// - Parameter indices: One index per axis, each within its axis's extent.
    public func offset(of indices: [Int]) -> Int {
        precondition(indices.count == shape.count, "Tensor of rank \(rank) indexed with \(indices.count) indices.")
        var offset = 0
        for (axis, index) in indices.enumerated() {
            precondition(index >= 0 && index < shape[axis], "Index \(index) is out of range for axis \(axis) of extent \(shape[axis]).")
            offset = offset * shape[axis] + index
        }
        return offset
    }

    /// Reads or writes the element at a multi-index.
    ///
    /// - Parameter indices: One index per axis.
    public subscript(_ indices: Int...) -> Float {
        get { scalars[offset(of: indices)] }
        set { scalars[offset(of: indices)] = newValue }
    }

    /// Returns the same elements viewed with another shape of equal element count.
    ///
    /// One entry of `newShape` may be `-1`; it is inferred from the others.
    ///
    /// - Parameter newShape: The new extent of each axis.
    public func reshaped(to newShape: [Int]) -> Tensor {
        var resolved = newShape
        if let inferred = newShape.firstIndex(of: -1) {
            let known = newShape.enumerated().filter { $0.offset != inferred }.map(\.element).reduce(1, *)
            precondition(known > 0 && count % known == 0, "Cannot reshape \(shape) to \(newShape).")
            resolved[inferred] = count / known
        }
        precondition(resolved.reduce(1, *) == count, "Cannot reshape \(shape) to \(newShape).")
        var result = self
        result.shape = resolved
        return result
    }

    /// Calls `body` with a pointer to the elements, for reading.
    ///
    /// - Parameter body: A closure that reads the contiguous elements.
    @inlinable
    public func withUnsafeBufferPointer<Result>(
        _ body: (UnsafeBufferPointer<Float>) throws -> Result
    ) rethrows -> Result {
        try scalars.withUnsafeBufferPointer(body)
    }

    /// Calls `body` with a pointer to the elements, for writing in place.
    ///
    /// The storage is copied first if another tensor shares it (copy-on-write).
    ///
    /// - Parameter body: A closure that reads and writes the contiguous elements.
    @inlinable
    public mutating func withUnsafeMutableBufferPointer<Result>(
        _ body: (inout UnsafeMutableBufferPointer<Float>) throws -> Result
    ) rethrows -> Result {
        try scalars.withUnsafeMutableBufferPointer(body)
    }
}

extension Tensor: CustomStringConvertible {
    /// A short description: the shape and up to eight leading elements.
    public var description: String {
        let shown = scalars.prefix(8).map { String($0) }.joined(separator: ", ")
        let more = count > 8 ? ", …" : ""
        return "Tensor(shape: \(shape), [\(shown)\(more)])"
    }
}
