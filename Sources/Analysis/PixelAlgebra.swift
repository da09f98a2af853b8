import Foundation
import TensorCore

/// Means, covariances and principal components of image pixels, computed with BLAS.
public enum PixelAlgebra {
    /// Images converted to floats at a time: bounds memory at `chunk × pixels` floats.
    public static let chunk = 4096

    /// The mean of each column of the rows made by `rows(range)` for `0..<count`, and the
    /// covariance matrix `C = (1 / (n − 1)) · Σ (x − μ)(x − μ)ᵀ` of the `dimension` columns.
    ///
    /// The sum of outer products is one `sgemm` per chunk of rows (`Xcᵀ · Xc`), accumulated in
    /// double precision between chunks.
    ///
    /// - Parameters:
    ///   - count: the number of rows (images), at least 2.
    ///   - dimension: the number of columns (pixels).
    ///   - rows: makes the rows of a range as a row-major `range.count × dimension` array.
    public static func covariance(count: Int, dimension: Int, rows: (Range<Int>) -> [Float])
        -> (mean: [Double], covariance: [Double])
    {
        precondition(count >= 2 && dimension >= 1, "A covariance needs two rows and one column.")
        var sums = [Double](repeating: 0, count: dimension)
        var start = 0
        while start < count {
            let range = start..<min(count, start + chunk)
            let block = rows(range)
            for row in 0..<range.count {
                for column in 0..<dimension { sums[column] += Double(block[row * dimension + column]) }
            }
            start = range.upperBound
        }
        let mean = sums.map { $0 / Double(count) }
        let meanFloat = mean.map { Float($0) }
        var total = [Double](repeating: 0, count: dimension * dimension)
        var product = [Float](repeating: 0, count: dimension * dimension)
        start = 0
        while start < count {
            let range = start..<min(count, start + chunk)
            var block = rows(range)
            for row in 0..<range.count {
                for column in 0..<dimension { block[row * dimension + column] -= meanFloat[column] }
            }
            block.withUnsafeBufferPointer { x in
                product.withUnsafeMutableBufferPointer { c in
                    BLAS.sgemm(transposeA: true, m: dimension, n: dimension, k: range.count,
                               a: x.baseAddress!, lda: dimension, b: x.baseAddress!, ldb: dimension,
                               c: c.baseAddress!, ldc: dimension)
                }
            }
            for index in total.indices { total[index] += Double(product[index]) }
            start = range.upperBound
        }
        let scale = 1 / Double(count - 1)
        return (mean, total.map { $0 * scale })
    }

    /// The Pearson correlation matrix `r_ij = C_ij / √(C_ii · C_jj)` of a covariance matrix;
    /// entries of a constant column (zero variance) are NaN.
    public static func correlation(fromCovariance covariance: [Double], dimension: Int) -> [Double] {
        let deviations = (0..<dimension).map { covariance[$0 * dimension + $0].squareRoot() }
        var result = [Double](repeating: .nan, count: dimension * dimension)
        for i in 0..<dimension where deviations[i] > 0 {
            for j in 0..<dimension where deviations[j] > 0 {
                result[i * dimension + j] = min(1, max(-1, covariance[i * dimension + j] / (deviations[i] * deviations[j])))
            }
        }
        return result
    }

    /// Eigenvalues and eigenvectors of a small symmetric matrix by the cyclic Jacobi method
    /// (Golub and Van Loan, *Matrix Computations*, §8.5), sorted by decreasing eigenvalue.
    ///
    /// - Parameters:
    ///   - matrix: `n × n` row-major, symmetric.
    ///   - n: its order.
    /// - Returns: the eigenvalues and the eigenvectors as the columns of an `n × n` row-major matrix.
    public static func symmetricEigen(_ matrix: [Double], n: Int) -> (values: [Double], vectors: [Double]) {
        precondition(matrix.count == n * n, "A symmetric eigenproblem needs an n × n matrix.")
        var a = matrix
        var v = [Double](repeating: 0, count: n * n)
        for i in 0..<n { v[i * n + i] = 1 }
        for _ in 0..<100 {
            var off = 0.0
            for p in 0..<n { for q in (p + 1)..<max(p + 1, n) { off += a[p * n + q] * a[p * n + q] } }
            if off < 1e-22 { break }
            for p in 0..<n {
                for q in (p + 1)..<max(p + 1, n) where abs(a[p * n + q]) > 1e-300 {
                    let theta = (a[q * n + q] - a[p * n + p]) / (2 * a[p * n + q])
                    let t = (theta >= 0 ? 1 : -1) / (abs(theta) + (theta * theta + 1).squareRoot())
                    let c = 1 / (t * t + 1).squareRoot(), s = t * c
                    for k in 0..<n {
                        let akp = a[k * n + p], akq = a[k * n + q]
                        a[k * n + p] = c * akp - s * akq
                        a[k * n + q] = s * akp + c * akq
                    }
                    for k in 0..<n {
                        let apk = a[p * n + k], aqk = a[q * n + k]
                        a[p * n + k] = c * apk - s * aqk
                        a[q * n + k] = s * apk + c * aqk
                    }
                    for k in 0..<n {
                        let vkp = v[k * n + p], vkq = v[k * n + q]
                        v[k * n + p] = c * vkp - s * vkq
                        v[k * n + q] = s * vkp + c * vkq
                    }
                }
            }
        }
        let order = (0..<n).sorted { a[$0 * n + $0] > a[$1 * n + $1] }
        var vectors = [Double](repeating: 0, count: n * n)
        for (column, source) in order.enumerated() {
            for row in 0..<n { vectors[row * n + column] = v[row * n + source] }
        }
        return (order.map { a[$0 * n + $0] }, vectors)
    }

    /// The `count` leading eigenpairs of a symmetric positive semi-definite matrix (a covariance),
    /// by subspace iteration with Rayleigh–Ritz (Saad, *Numerical Methods for Large Eigenvalue
    /// Problems*, §5.2): `Q ← orth(C·Q)` repeated, then the eigenpairs of `Qᵀ C Q`.
    ///
    /// - Parameters:
    ///   - matrix: `dimension × dimension`, row-major.
    ///   - dimension: its order.
    ///   - count: how many eigenpairs, at most `dimension`.
    /// - Returns: eigenvalues (decreasing) and the eigenvectors as the rows of a
    ///   `count × dimension` row-major matrix (orthonormal).
    public static func principalComponents(of matrix: [Double], dimension: Int, count: Int, iterations: Int = 60)
        -> (values: [Double], vectors: [Float])
    {
        precondition(count >= 1 && count <= dimension, "The number of components must be in 1...dimension.")
        let width = min(dimension, count + 8)
        let c = matrix.map { Float($0) }
        var generator = SeededGenerator(seed: 7)
        // Q is stored as `width` rows of `dimension` (row i = i-th basis vector).
        var q = (0..<(width * dimension)).map { _ in generator.nextNormal() }
        orthonormalizeRows(&q, rows: width, columns: dimension)
        var z = [Float](repeating: 0, count: width * dimension)
        for _ in 0..<iterations {
            // Z = Q · C (C symmetric), i.e. each row becomes C times that row.
            multiply(q, rows: width, by: c, dimension: dimension, into: &z)
            q = z
            orthonormalizeRows(&q, rows: width, columns: dimension)
        }
        multiply(q, rows: width, by: c, dimension: dimension, into: &z)
        // T = Q C Qᵀ (width × width), in double.
        var t = [Double](repeating: 0, count: width * width)
        for i in 0..<width {
            for j in 0..<width {
                var sum = 0.0
                for k in 0..<dimension { sum += Double(q[i * dimension + k]) * Double(z[j * dimension + k]) }
                t[i * width + j] = sum
            }
        }
        for i in 0..<width { for j in 0..<i { let m = (t[i * width + j] + t[j * width + i]) / 2; t[i * width + j] = m; t[j * width + i] = m } }
        let (values, w) = symmetricEigen(t, n: width)
        var vectors = [Float](repeating: 0, count: count * dimension)
        for component in 0..<count {
            for k in 0..<dimension {
                var sum = 0.0
                for i in 0..<width { sum += w[i * width + component] * Double(q[i * dimension + k]) }
                vectors[component * dimension + k] = Float(sum)
            }
        }
        return (Array(values.prefix(count)).map { max(0, $0) }, vectors)
    }

    /// `out = rows · matrix` for `rows × dimension` times `dimension × dimension`.
    private static func multiply(_ left: [Float], rows: Int, by matrix: [Float], dimension: Int, into out: inout [Float]) {
        left.withUnsafeBufferPointer { a in
            matrix.withUnsafeBufferPointer { b in
                out.withUnsafeMutableBufferPointer { c in
                    BLAS.sgemm(m: rows, n: dimension, k: dimension, a: a.baseAddress!, lda: dimension,
                               b: b.baseAddress!, ldb: dimension, c: c.baseAddress!, ldc: dimension)
                }
            }
        }
    }

    /// Modified Gram–Schmidt on the rows of a row-major matrix, in double precision; a row that
    /// vanishes is replaced by a unit vector along the first axis not yet covered.
    public static func orthonormalizeRows(_ matrix: inout [Float], rows: Int, columns: Int) {
        var basis: [[Double]] = []
        for row in 0..<rows {
            var vector = (0..<columns).map { Double(matrix[row * columns + $0]) }
            for _ in 0..<2 {
                for previous in basis {
                    var dot = 0.0
                    for k in 0..<columns { dot += vector[k] * previous[k] }
                    for k in 0..<columns { vector[k] -= dot * previous[k] }
                }
            }
            var norm = vector.reduce(0) { $0 + $1 * $1 }.squareRoot()
            if norm < 1e-12 {
                vector = [Double](repeating: 0, count: columns)
                vector[row % columns] = 1
                for previous in basis {
                    let dot = previous[row % columns]
                    for k in 0..<columns { vector[k] -= dot * previous[k] }
                }
                norm = max(1e-12, vector.reduce(0) { $0 + $1 * $1 }.squareRoot())
            }
            vector = vector.map { $0 / norm }
            basis.append(vector)
            for k in 0..<columns { matrix[row * columns + k] = Float(vector[k]) }
        }
    }

    /// Projects centred rows onto components: `P = (X − μ) · Vᵀ`, `count × components`.
    ///
    /// - Parameters:
    ///   - rows: `count × dimension`, row-major.
    ///   - mean: the centre `μ`, `dimension` values.
    ///   - components: `components × dimension`, row-major.
    public static func project(_ rows: [Float], count: Int, dimension: Int, mean: [Float], components: [Float],
                        componentCount: Int) -> [Float] {
        var centred = rows
        for row in 0..<count {
            for column in 0..<dimension { centred[row * dimension + column] -= mean[column] }
        }
        var out = [Float](repeating: 0, count: count * componentCount)
        guard count > 0 else { return out }
        centred.withUnsafeBufferPointer { x in
            components.withUnsafeBufferPointer { v in
                out.withUnsafeMutableBufferPointer { p in
                    BLAS.sgemm(transposeB: true, m: count, n: componentCount, k: dimension,
                               a: x.baseAddress!, lda: dimension, b: v.baseAddress!, ldb: dimension,
                               c: p.baseAddress!, ldc: componentCount)
                }
            }
        }
        return out
    }
}
