import Foundation
import CBLAS
import CDNNL

/// The library that computes loom's matrix products (``BLAS/sgemm(transposeA:transposeB:m:n:k:alpha:a:lda:b:ldb:beta:c:ldc:)``).
///
/// Chosen once by ``ComputeBackend`` (`LOOM_BLAS=openblas|onednn` overrides it). Measured on the
/// study's own shapes (`benchmarks/libraries/run.sh`, the README's "Which library, measured"):
/// oneDNN's `sgemm` dispatches on the processor's features (CPUID) and ran at or near the best
/// library on every processor tried, while OpenBLAS runs the kernel set of a table of models or of
/// `OPENBLAS_CORETYPE` — on a processor whose environment sets `OPENBLAS_CORETYPE=Haswell`
/// (AMD EPYC family 26, full-width AVX-512) that is half the speed.
public enum MatrixLibrary: String, Sendable, CaseIterable, CustomStringConvertible {
    /// oneDNN's `dnnl_sgemm`: JIT kernels for the widest ISA the features allow (capped by
    /// `LOOM_KERNELS`), the default on x86-64.
    case oneDNN = "onednn"
    /// OpenBLAS's `cblas_sgemm` with the kernel set ``ComputeBackend`` chose or the environment's
    /// `OPENBLAS_CORETYPE`; the default on other architectures.
    case openBLAS = "openblas"

    public var description: String {
        switch self {
        case .oneDNN: "oneDNN"
        case .openBLAS: "OpenBLAS"
        }
    }

    /// The environment variable that overrides the choice.
    public static let variable = "LOOM_BLAS"

    /// The default for an architecture: oneDNN where it has JIT kernels (x86-64), OpenBLAS
    /// elsewhere (oneDNN's AArch64 build in Debian has no optimised `sgemm`).
    public static func standard(architecture: String) -> MatrixLibrary {
        architecture == "x86_64" ? .oneDNN : .openBLAS
    }

    /// The library for `environment` (its ``variable``) on `architecture`, why, and a warning for
    /// a value that names no library.
    public static func choice(environment: [String: String], architecture: String)
        -> (library: MatrixLibrary, reason: String, warning: String?) {
        let standard = standard(architecture: architecture)
        let reason = "the default on \(architecture): measured fastest on the study's shapes"
        guard let requested = environment[variable], !requested.isEmpty else { return (standard, reason, nil) }
        if let library = MatrixLibrary(rawValue: requested.lowercased()) {
            return (library, "\(variable)=\(requested)", nil)
        }
        let names = allCases.map(\.rawValue).joined(separator: ", ")
        return (standard, reason, "\(variable)=\(requested) is not a matrix library (\(names)); using \(standard.rawValue).")
    }
}

/// Matrix products through the ``MatrixLibrary`` that ``ComputeBackend`` chose (oneDNN's
/// `dnnl_sgemm` or OpenBLAS's `cblas_sgemm`), with the kernels it chose.
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
        switch ComputeBackend.current.matrixLibrary {
        case .oneDNN:
            let status = oneDNNProduct(transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k, alpha: alpha,
                                       a: a, lda: lda, b: b, ldb: ldb, beta: beta, c: c, ldc: ldc)
            precondition(status == dnnl_success, "oneDNN sgemm failed (status \(status.rawValue)) for \(m)×\(n)×\(k)")
        case .openBLAS:
            openBLASProduct(transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k, alpha: alpha,
                            a: a, lda: lda, b: b, ldb: ldb, beta: beta, c: c, ldc: ldc)
        }
    }

    /// `dnnl_sgemm` itself, whichever library the backend chose (the start-up check runs it
    /// before the choice is made), returning oneDNN's status.
    ///
    /// oneDNN runs its OpenMP threads on the calling thread's count: one inside loom's own chunks
    /// (``enterSingleThreaded()``), all of loom's threads otherwise.
    @inlinable
    static func oneDNNProduct(
        transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int, alpha: Float,
        a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int, beta: Float,
        c: UnsafeMutablePointer<Float>, ldc: Int
    ) -> dnnl_status_t {
        let threads = singleThreadedDepth.read { $0 } > 0 ? 1 : ComputeThreads.count
        if omp_get_max_threads() != Int32(threads) { omp_set_num_threads(Int32(threads)) }
        func operation(_ transpose: Bool) -> CChar { CChar(UInt8(ascii: transpose ? "T" : "N")) }
        return dnnl_sgemm(operation(transposeA), operation(transposeB), Int64(m), Int64(n), Int64(k), alpha,
                          a, Int64(lda), b, Int64(ldb), beta, c, Int64(ldc))
    }

    /// `cblas_sgemm` itself, whichever library the backend chose (the start-up check and the
    /// tests compare the two).
    @inlinable
    public static func openBLASProduct(
        transposeA: Bool = false, transposeB: Bool = false, m: Int, n: Int, k: Int, alpha: Float = 1,
        a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int, beta: Float = 0,
        c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
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
    @usableFromInline
    static let singleThreadedDepth = Locked(0)

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
