import Foundation
import CBLAS

/// Matrix products through OpenBLAS's `cblas_sgemm`, with the kernels ``ComputeBackend`` chose.
public enum BLAS {
    /// Computes `C ← α·op(A)·op(B) + β·C` for row-major matrices.
    ///
    /// `op(X)` is `X` or its transpose. `op(A)` is `m×k`, `op(B)` is `k×n`, `C` is `m×n`.
    /// With `beta == 0`, `C` need not be initialised (BLAS does not read it).
    ///
    /// - Parameters:
    ///   - transposeA: Whether to use the transpose of `a`.
    ///   - transposeB: Whether to use the transpose of `b`.
    ///   - m: Rows of `op(A)` and `C`.
    ///   - n: Columns of `op(B)` and `C`.
    ///   - k: Columns of `op(A)` and rows of `op(B)`.
    ///   - alpha: The scale of the product.
    ///   - a: The first matrix, stored row-major with leading dimension `lda`.
    ///   - lda: The row stride of `a`.
    ///   - b: The second matrix, stored row-major with leading dimension `ldb`.
    ///   - ldb: The row stride of `b`.
    ///   - beta: The scale of `c`'s previous contents.
    ///   - c: The result matrix, stored row-major with leading dimension `ldc`.
    ///   - ldc: The row stride of `c`.
    @inlinable
    public static func sgemm(
        transposeA: Bool = false, transposeB: Bool = false,
        m: Int, n: Int, k: Int, alpha: Float = 1,
        a: UnsafePointer<Float>, lda: Int,
        b: UnsafePointer<Float>, ldb: Int,
        beta: Float = 0,
        c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        ComputeBackend.prepare()
        cblas_sgemm(
            CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans,
            Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }

    /// Sets the number of threads OpenBLAS uses inside one `sgemm` call.
    ///
    /// Set it to 1 where the caller already splits work across its own threads, so the cores
    /// are not oversubscribed.
    ///
    /// - Parameter threads: The number of threads, at least 1.
    public static func setThreads(_ threads: Int) {
        precondition(threads >= 1, "Thread count must be at least 1, got \(threads).")
        openblas_set_num_threads(Int32(threads))
    }

    /// How many callers are inside ``enterSingleThreaded()`` now.
    private static let singleThreadedDepth = Locked(0)

    /// Makes `sgemm` single-threaded until the matching ``leaveSingleThreaded()``.
    ///
    /// Calls nest and may overlap across threads (two trainings at once in one process): OpenBLAS
    /// goes back to ``ComputeThreads/count`` threads only when the last caller leaves, so one
    /// caller's exit never changes the arithmetic under another that is still running — which
    /// keeps training bit-for-bit deterministic.
    public static func enterSingleThreaded() {
        ComputeBackend.prepare()
        singleThreadedDepth.update { depth in
            depth += 1
            if depth == 1 { openblas_set_num_threads(1) }
        }
    }

    /// Ends an ``enterSingleThreaded()``.
    public static func leaveSingleThreaded() {
        singleThreadedDepth.update { depth in
            precondition(depth > 0, "leaveSingleThreaded() without enterSingleThreaded()")
            depth -= 1
            if depth == 0 { openblas_set_num_threads(Int32(ComputeThreads.count)) }
        }
    }
}
