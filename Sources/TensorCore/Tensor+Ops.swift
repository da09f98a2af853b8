/// Arithmetic, matrix products and reductions on tensors.
///
/// Element-wise loops over large tensors are split across ``ComputeThreads/count`` threads.
extension Tensor {
    /// Loops with fewer elements per thread than this run on one thread.
    @usableFromInline static let parallelGrain = 32_768

    /// Returns `transform` applied to every element.
    ///
    /// - Parameter transform: The function applied to each element.
    @inlinable
    public func map(_ transform: @Sendable (Float) -> Float) -> Tensor {
        var result = self
        result.apply(transform)
        return result
    }

    /// Applies `transform` to every element in place.
    ///
    /// - Parameter transform: The function applied to each element.
    @inlinable
    public mutating func apply(_ transform: @Sendable (Float) -> Float) {
        withUnsafeMutableBufferPointer { buffer in
            let base = buffer.baseAddress
            parallelFor(count: buffer.count, minimumPerThread: Tensor.parallelGrain) { _, range in
                guard let base else { return }
                for i in range { base[i] = transform(base[i]) }
            }
        }
    }

    /// Combines two tensors of the same shape element by element.
    ///
    /// - Parameters:
    ///   - other: A tensor of the same shape.
    ///   - combine: The function of the two elements.
    @inlinable
    public func zipMap(_ other: Tensor, _ combine: @Sendable (Float, Float) -> Float) -> Tensor {
        precondition(shape == other.shape, "Element-wise operation on shapes \(shape) and \(other.shape).")
        var result = self
        result.withUnsafeMutableBufferPointer { out in
            other.withUnsafeBufferPointer { rhs in
                let o = out.baseAddress, r = rhs.baseAddress
                parallelFor(count: out.count, minimumPerThread: Tensor.parallelGrain) { _, range in
                    guard let o, let r else { return }
                    for i in range { o[i] = combine(o[i], r[i]) }
                }
            }
        }
        return result
    }

    /// The element-wise sum of two tensors of equal shape.
    public static func + (lhs: Tensor, rhs: Tensor) -> Tensor { lhs.zipMap(rhs, +) }
    /// The element-wise difference of two tensors of equal shape.
    public static func - (lhs: Tensor, rhs: Tensor) -> Tensor { lhs.zipMap(rhs, -) }
    /// The element-wise (Hadamard) product of two tensors of equal shape.
    public static func * (lhs: Tensor, rhs: Tensor) -> Tensor { lhs.zipMap(rhs, *) }
    /// Every element multiplied by a scalar.
    public static func * (lhs: Tensor, rhs: Float) -> Tensor { lhs.map { $0 * rhs } }
    /// Every element plus a scalar.
    public static func + (lhs: Tensor, rhs: Float) -> Tensor { lhs.map { $0 + rhs } }

    /// Adds `other` scaled by `alpha` to this tensor in place: `self ← self + α·other`.
    ///
    /// - Parameters:
    ///   - alpha: The scale of `other`.
    ///   - other: A tensor of the same shape.
    public mutating func addScaled(_ alpha: Float, _ other: Tensor) {
        self = zipMap(other) { $0 + alpha * $1 }
    }

    /// Sums `term(x)` over all elements in `Double`: one partial sum per thread chunk, combined
    /// in chunk order, so the result depends only on the thread count.
    private func reduce(_ term: (Float) -> Double) -> Double {
        withUnsafeBufferPointer { buffer in
            guard let base = buffer.baseAddress else { return 0 }
            let chunks = parallelChunkCount(count: buffer.count, minimumPerThread: Tensor.parallelGrain)
            var partial = [Double](repeating: 0, count: chunks)
            partial.withUnsafeMutableBufferPointer { sums in
                let s = sums.baseAddress!
                parallelFor(count: buffer.count, minimumPerThread: Tensor.parallelGrain, maximumChunks: chunks) { chunk, range in
                    var total = 0.0
                    for i in range { total += term(base[i]) }
                    s[chunk] = total
                }
            }
            return partial.reduce(0, +)
        }
    }

    /// The sum of all elements, accumulated in `Double` per thread chunk, chunks added in order.
    public func sum() -> Float {
        Float(reduce { Double($0) })
    }

    /// The mean of all elements.
    public func mean() -> Float {
        precondition(count > 0, "The mean of an empty tensor is undefined.")
        return sum() / Float(count)
    }

    /// The largest element.
    public func max() -> Float {
        precondition(count > 0, "The maximum of an empty tensor is undefined.")
        return scalars.max() ?? 0
    }

    /// The Euclidean norm of all elements, `√(Σ xᵢ²)`, accumulated like ``sum()``.
    public func norm() -> Float {
        Float(reduce { Double($0) * Double($0) }.squareRoot())
    }

    /// For a matrix `[rows, columns]`, the column index of each row's largest element.
    ///
    /// Ties go to the first (smallest) index.
    public func argmaxRows() -> [Int] {
        precondition(rank == 2, "argmaxRows needs a matrix but the shape is \(shape).")
        let rows = shape[0], columns = shape[1]
        precondition(columns > 0, "argmaxRows needs at least one column.")
        return withUnsafeBufferPointer { buffer in
            (0..<rows).map { row in
                var best = 0
                var bestValue = buffer[row * columns]
                for column in 1..<columns where buffer[row * columns + column] > bestValue {
                    best = column
                    bestValue = buffer[row * columns + column]
                }
                return best
            }
        }
    }

    /// The matrix transpose of a `[rows, columns]` tensor.
    public func transposed() -> Tensor {
        precondition(rank == 2, "transposed() needs a matrix but the shape is \(shape).")
        let rows = shape[0], columns = shape[1]
        var result = Tensor.zeros(shape: [columns, rows])
        result.withUnsafeMutableBufferPointer { out in
            withUnsafeBufferPointer { input in
                for r in 0..<rows {
                    for c in 0..<columns { out[c * rows + r] = input[r * columns + c] }
                }
            }
        }
        return result
    }

    /// The matrix product `op(self) · op(other)` computed by OpenBLAS `sgemm`.
    ///
    /// - Parameters:
    ///   - other: The right-hand matrix.
    ///   - transposeSelf: Whether to use the transpose of `self`.
    ///   - transposeOther: Whether to use the transpose of `other`.
    public func matmul(_ other: Tensor, transposeSelf: Bool = false, transposeOther: Bool = false) -> Tensor {
        precondition(rank == 2 && other.rank == 2, "matmul needs matrices but got shapes \(shape) and \(other.shape).")
        let m = transposeSelf ? shape[1] : shape[0]
        let k = transposeSelf ? shape[0] : shape[1]
        let k2 = transposeOther ? other.shape[1] : other.shape[0]
        let n = transposeOther ? other.shape[0] : other.shape[1]
        precondition(k == k2, "matmul inner dimensions differ: \(k) and \(k2).")
        var result = Tensor.zeros(shape: [m, n])
        guard m > 0, n > 0 else { return result }
        if k == 0 { return result }
        result.withUnsafeMutableBufferPointer { c in
            withUnsafeBufferPointer { a in
                other.withUnsafeBufferPointer { b in
                    BLAS.sgemm(
                        transposeA: transposeSelf, transposeB: transposeOther, m: m, n: n, k: k,
                        a: a.baseAddress!, lda: shape[1], b: b.baseAddress!, ldb: other.shape[1],
                        c: c.baseAddress!, ldc: n)
                }
            }
        }
        return result
    }

    /// Row-wise softmax of a `[rows, columns]` matrix: `exp(xᵢ − max x) / Σⱼ exp(xⱼ − max x)`.
    public func softmaxRows() -> Tensor {
        precondition(rank == 2, "softmaxRows needs a matrix but the shape is \(shape).")
        let rows = shape[0], columns = shape[1]
        var result = self
        result.withUnsafeMutableBufferPointer { buffer in
            for row in 0..<rows {
                let base = row * columns
                var largest = -Float.infinity
                for c in 0..<columns { largest = Swift.max(largest, buffer[base + c]) }
                var total: Float = 0
                for c in 0..<columns {
                    let e = _exp(buffer[base + c] - largest)
                    buffer[base + c] = e
                    total += e
                }
                for c in 0..<columns { buffer[base + c] /= total }
            }
        }
        return result
    }
}

import Foundation

@usableFromInline func _exp(_ x: Float) -> Float { Foundation.exp(x) }
