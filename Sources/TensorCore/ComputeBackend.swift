import CBLAS
import CDNNL
import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The instruction set that loom's kernels (and the BLAS library's) are chosen for.
///
/// Ordered from the most portable to the widest; ``ComputeBackend`` picks the widest one the
/// processor's features allow.
public enum KernelPath: String, Sendable, CaseIterable, Comparable, CustomStringConvertible {
    /// Correct everywhere: whatever the BLAS library picks for a processor it does not know
    /// (SSE on x86-64, NEON on AArch64).
    case portable
    /// 256-bit AVX2 with fused multiply-add (x86-64).
    case avx2
    /// 512-bit AVX-512 (F, BW, DQ, VL; x86-64).
    case avx512

    public var description: String {
        switch self {
        case .portable: "portable"
        case .avx2: "AVX2+FMA"
        case .avx512: "AVX-512"
        }
    }

    public static func < (lhs: KernelPath, rhs: KernelPath) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }

    /// The widest path that a processor with `features` can run.
    public static func widest(for features: Set<Processor.Feature>) -> KernelPath {
        if features.isSuperset(of: [.avx512f, .avx512bw, .avx512dq, .avx512vl]) { return .avx512 }
        if features.isSuperset(of: [.avx2, .fma]) { return .avx2 }
        return .portable
    }

    /// The `LOOM_KERNELS` value that selects this path.
    public var environmentValue: String { rawValue }
}

/// The one compute backend: which kernels run on this processor, chosen once at start-up.
///
/// On first use it reads the processor's features (``Processor``), picks the widest
/// ``KernelPath`` they allow (or the one `LOOM_KERNELS` asks for), makes OpenBLAS use kernels of
/// that instruction set, and verifies the result with a small matrix product against a
/// double-precision reference. A library kernel set that fails the check is replaced by the
/// next narrower path.
///
/// OpenBLAS 0.3.21 (Debian 12) picks its kernels from a table of processor models and falls back
/// to its SSE3 "Prescott" kernels on a model it does not know (Intel Xeon family 6 model 207, for
/// one) — 3–4× slower. loom replaces such a choice by the kernel set the features allow. An
/// `OPENBLAS_CORETYPE` in the environment is respected as it is (some processors need it).
///
/// ```swift
/// let backend = ComputeBackend.current
/// print(backend.kernels, backend.blasCore)   // AVX-512 Cooperlake
/// ```
public struct ComputeBackend: Sendable {
    /// The processor.
    public var processor: Processor
    /// The kernel path in use.
    public var kernels: KernelPath
    /// Why this path: `chosen from the processor's features`, `LOOM_KERNELS=avx2`, …
    public var kernelsReason: String
    /// OpenBLAS's build configuration (`openblas_get_config`).
    public var blasConfiguration: String
    /// The OpenBLAS kernel set in use (`openblas_get_corename`), e.g. `SkylakeX`.
    public var blasCore: String
    /// Why that kernel set: OpenBLAS's own choice, loom's correction, or the environment.
    public var blasCoreReason: String
    /// The library that computes the matrix products.
    public var matrixLibrary: MatrixLibrary
    /// Why that library: `the default on x86-64 (measured fastest)`, `LOOM_BLAS=openblas`.
    public var matrixLibraryReason: String
    /// The instruction set oneDNN's kernels use (its effective ISA, capped by the kernel path), e.g.
    /// `avx512_core_bf16`.
    public var oneDNNInstructionSet: String
    /// The start-up check of a matrix product against a double-precision reference.
    public var selfCheck: SelfCheck
    /// Problems with the environment's settings (an unknown `LOOM_KERNELS`), said once.
    public var warnings: [String]

    /// The result of the numeric start-up check.
    public struct SelfCheck: Sendable {
        /// The largest error relative to the reference's magnitude.
        public var maximumRelativeError: Double
        /// The tolerance it was held to.
        public var tolerance: Double
        /// Kernel paths that failed the check before this one passed.
        public var rejected: [KernelPath]
        public var passed: Bool { maximumRelativeError <= tolerance }
    }

    /// The kernels of the matrix products: `oneDNN avx512_core_bf16` or `OpenBLAS Haswell`.
    public var matrixKernels: String {
        switch matrixLibrary {
        case .oneDNN: "oneDNN \(oneDNNInstructionSet)"
        case .openBLAS: "OpenBLAS \(blasCore)"
        }
    }

    /// The environment variable that overrides the kernel path: `avx512`, `avx2` or `portable`.
    public static let kernelsVariable = "LOOM_KERNELS"

    /// The backend, configured on first use (before the first matrix product).
    public static let current: ComputeBackend = configure(environment: ProcessInfo.processInfo.environment)

    /// Makes sure the backend is configured; cheap after the first call.
    @inlinable
    public static func prepare() { _ = current }

    /// One line for `loom doctor` and executed notebooks' provenance:
    /// `AMD EPYC (family 26 model 2); AVX-512 kernels (oneDNN avx512_core_bf16 sgemm, oneDNN convolutions); 2 threads`
    /// (`OpenBLAS Haswell sgemm` under `LOOM_BLAS=openblas`, `im2col convolutions` under
    /// `LOOM_CONVOLUTION=im2col`).
    public var summary: String {
        let convolutions = ConvolutionAlgorithm.requested.algorithm == .im2col ? "im2col convolutions" : "oneDNN convolutions"
        return "\(processor.name); \(kernels) kernels (\(matrixKernels) sgemm, \(convolutions)); "
            + "\(ComputeThreads.count) thread\(ComputeThreads.count == 1 ? "" : "s")"
    }

    // MARK: - Configuration

    static func configure(environment: [String: String]) -> ComputeBackend {
        let processor = Processor.current
        let widest = KernelPath.widest(for: processor.features)
        var warnings: [String] = []
        var kernels = widest
        var reason = "the widest the processor's features allow"
        if let requested = environment[kernelsVariable], !requested.isEmpty {
            if let path = KernelPath(rawValue: requested.lowercased()) {
                if path > widest {
                    warnings.append("\(kernelsVariable)=\(requested) asks for \(path) kernels, which this processor cannot run; using \(widest).")
                } else {
                    kernels = path
                    reason = "\(kernelsVariable)=\(requested)"
                }
            } else {
                let names = KernelPath.allCases.map(\.rawValue).joined(separator: ", ")
                warnings.append("\(kernelsVariable)=\(requested) is not a kernel path (\(names)); using \(widest).")
            }
        }

        // oneDNN (sgemm and convolutions) is capped at a narrower kernel path before its first
        // kernel; on the widest it keeps its own choice (and `ONEDNN_MAX_CPU_ISA`, if set).
        if kernels < widest { _ = dnnl_set_max_cpu_isa(Self.oneDNNCap(for: kernels)) }
        var (matrixLibrary, matrixLibraryReason, libraryWarning) = MatrixLibrary.choice(
            environment: environment, architecture: processor.architecture)
        if let libraryWarning { warnings.append(libraryWarning) }

        let blas = OpenBLASCore()
        let environmentCore = environment["OPENBLAS_CORETYPE"].flatMap { $0.isEmpty ? nil : $0 }
        var coreReason: String
        var rejected: [KernelPath] = []
        var check: (error: Double, tolerance: Double)
        if let environmentCore {
            coreReason = "OPENBLAS_CORETYPE=\(environmentCore) from the environment"
            check = Self.checkProduct()
        } else {
            let chosen = blas.name
            coreReason = "OpenBLAS's own choice"
            while true {
                let level = OpenBLASCore.path(ofCore: blas.name)
                if level != kernels, let wanted = OpenBLASCore.core(for: kernels, architecture: processor.architecture),
                   blas.force(wanted) {
                    coreReason = "set by loom for \(kernels) (OpenBLAS chose \(chosen))"
                }
                check = Self.checkProduct()
                if check.error <= check.tolerance { break }
                rejected.append(kernels)
                guard let narrower = KernelPath.allCases.last(where: { $0 < kernels }) else { break }
                warnings.append("OpenBLAS's \(blas.name) kernels failed loom's start-up check (relative error \(check.error)); using \(narrower) kernels.")
                kernels = narrower
                reason = "\(rejected.map(\.description).joined(separator: ", ")) failed the start-up check"
            }
        }
        openblas_set_num_threads(Int32(ComputeThreads.count))
        if matrixLibrary == .oneDNN {
            // Its own check replaces OpenBLAS's in the record: the products loom runs are oneDNN's.
            let oneDNNCheck = Self.checkProduct(library: .oneDNN)
            if oneDNNCheck.error <= oneDNNCheck.tolerance {
                check = oneDNNCheck
            } else {
                warnings.append("oneDNN's sgemm failed loom's start-up check (relative error \(oneDNNCheck.error)); using OpenBLAS.")
                matrixLibrary = .openBLAS
                matrixLibraryReason = "oneDNN failed the start-up check"
            }
        }
        return ComputeBackend(
            processor: processor, kernels: kernels, kernelsReason: reason,
            blasConfiguration: blas.configuration, blasCore: blas.name, blasCoreReason: coreReason,
            matrixLibrary: matrixLibrary, matrixLibraryReason: matrixLibraryReason,
            oneDNNInstructionSet: Self.name(of: dnnl_get_effective_cpu_isa()),
            selfCheck: SelfCheck(maximumRelativeError: check.error, tolerance: check.tolerance, rejected: rejected),
            warnings: warnings)
    }

    /// The widest oneDNN ISA for a kernel path.
    static func oneDNNCap(for path: KernelPath) -> dnnl_cpu_isa_t {
        switch path {
        case .avx512: dnnl_cpu_isa_avx512_core_amx
        case .avx2: dnnl_cpu_isa_avx2
        case .portable: dnnl_cpu_isa_sse41
        }
    }

    /// oneDNN's name for one of its ISAs (`avx512_core_bf16`).
    static func name(of isa: dnnl_cpu_isa_t) -> String {
        switch isa {
        case dnnl_cpu_isa_sse41: "sse41"
        case dnnl_cpu_isa_avx: "avx"
        case dnnl_cpu_isa_avx2: "avx2"
        case dnnl_cpu_isa_avx2_vnni: "avx2_vnni"
        case dnnl_cpu_isa_avx512_core: "avx512_core"
        case dnnl_cpu_isa_avx512_core_vnni: "avx512_core_vnni"
        case dnnl_cpu_isa_avx512_core_bf16: "avx512_core_bf16"
        case dnnl_cpu_isa_avx512_core_amx: "avx512_core_amx"
        default: "isa 0x\(String(isa.rawValue, radix: 16))"
        }
    }

    /// Multiplies odd-sized matrices (both transposes, several kernel edge cases) with `library`
    /// (OpenBLAS by default) and in double precision, and returns the largest relative error.
    static func checkProduct(library: MatrixLibrary = .openBLAS) -> (error: Double, tolerance: Double) {
        var generator = SeededGenerator(seed: 0x5EED)
        var worst = 0.0
        for (m, n, k, transposeA, transposeB) in [(37, 53, 71, false, false), (64, 33, 129, true, false),
                                                 (17, 128, 96, false, true), (96, 96, 200, true, true)] {
            let a = (0..<(m * k)).map { _ in Float.random(in: -1...1, using: &generator) }
            let b = (0..<(k * n)).map { _ in Float.random(in: -1...1, using: &generator) }
            var c = [Float](repeating: 0, count: m * n)
            let lda = transposeA ? m : k, ldb = transposeB ? k : n
            a.withUnsafeBufferPointer { a in
                b.withUnsafeBufferPointer { b in
                    c.withUnsafeMutableBufferPointer { c in
                        let (a, b, c) = (a.baseAddress!, b.baseAddress!, c.baseAddress!)
                        switch library {
                        case .openBLAS:
                            BLAS.openBLASProduct(transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k,
                                                 a: a, lda: lda, b: b, ldb: ldb, c: c, ldc: n)
                        case .oneDNN:
                            // NaN where the result goes: with β = 0 the library must not read it.
                            c.update(repeating: .nan, count: m * n)
                            let status = BLAS.oneDNNProduct(transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k,
                                                            alpha: 1, a: a, lda: lda, b: b, ldb: ldb, beta: 0, c: c, ldc: n)
                            if status != dnnl_success { c.update(repeating: .infinity, count: m * n) }
                        }
                    }
                }
            }
            for i in 0..<m {
                for j in 0..<n {
                    var exact = 0.0, magnitude = 0.0
                    for p in 0..<k {
                        let x = Double(transposeA ? a[p * lda + i] : a[i * lda + p])
                        let y = Double(transposeB ? b[j * ldb + p] : b[p * ldb + j])
                        exact += x * y
                        magnitude += abs(x * y)
                    }
                    let error = abs(Double(c[i * n + j]) - exact) / max(magnitude, 1e-30)
                    worst = error.isFinite ? max(worst, error) : .infinity
                }
            }
        }
        // Float32 rounding of a k-term sum: well under k·ε relative to Σ|x·y|.
        return (worst, 1e-4)
    }
}

/// OpenBLAS's kernel sets: which one is in use, and switching it before the first product.
struct OpenBLASCore {
    var name: String { String(cString: openblas_get_corename()) }
    var configuration: String { String(cString: openblas_get_config()).trimmingCharacters(in: .whitespaces) }

    /// The instruction set each of OpenBLAS's x86-64 kernel sets is written for (kernel-set names
    /// from `gotoblas_corename`, not processor models).
    static func path(ofCore core: String) -> KernelPath {
        switch core.lowercased() {
        case "skylakex", "cooperlake", "sapphirerapids": .avx512
        case "haswell", "zen", "excavator": .avx2
        default: .portable
        }
    }

    /// The kernel set to force for a path, or `nil` to leave OpenBLAS's choice (other architectures).
    static func core(for path: KernelPath, architecture: String) -> String? {
        guard architecture == "x86_64" else { return nil }
        switch path {
        case .avx512: return "SkylakeX"
        case .avx2: return "Haswell"
        case .portable: return "Prescott"
        }
    }

    /// Switches OpenBLAS (a `DYNAMIC_ARCH` build) to the kernel set `core`, the way
    /// `OPENBLAS_CORETYPE` would at load time. Returns whether it took effect.
    func force(_ core: String) -> Bool {
        guard let quit = Self.symbol("gotoblas_dynamic_quit"), let initialise = Self.symbol("gotoblas_dynamic_init") else {
            return false
        }
        let previous = getenv("OPENBLAS_CORETYPE").map { String(cString: $0) }
        setenv("OPENBLAS_CORETYPE", core, 1)
        quit()
        initialise()
        if let previous { setenv("OPENBLAS_CORETYPE", previous, 1) } else { unsetenv("OPENBLAS_CORETYPE") }
        return name.lowercased() == core.lowercased()
    }

    private static func symbol(_ name: String) -> (@convention(c) () -> Void)? {
        #if canImport(Glibc)
        guard let address = dlsym(UnsafeMutableRawPointer(bitPattern: 0), name) else { return nil }
        return unsafeBitCast(address, to: (@convention(c) () -> Void).self)
        #else
        return nil
        #endif
    }
}
