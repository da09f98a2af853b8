import ArgumentParser
import Foundation
import Engine
import TensorCore

extension Loom {
    /// `loom doctor`: what loom computes with on this machine.
    struct Doctor: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Prints the processor, the kernels chosen for it, the thread count and the measured FP32 peak.",
            discussion: """
                Kernels are chosen from the processor's features at start-up (AVX-512, AVX2+FMA or the \
                portable path) and checked against a double-precision matrix product. Matrix products run \
                in oneDNN's sgemm on x86-64 (LOOM_BLAS=openblas picks OpenBLAS). LOOM_KERNELS=avx2 \
                (or portable) picks a narrower path; LOOM_THREADS or --threads sets the thread count; an \
                OPENBLAS_CORETYPE in the environment is respected as it is.
                """)

        @OptionGroup var compute: ComputeOptions

        @Flag(help: "Skip the FMA-throughput probe (about half a second).")
        var noProbe = false

        func run() throws {
            try compute.apply()
            let backend = ComputeBackend.current
            let processor = backend.processor
            let threads = ComputeThreads.choice
            let features = processor.features.sorted().map(\.rawValue).joined(separator: " ")
            var lines = [
                "loom \(LoomVersion.current)",
                "processor:   \(processor.name), \(processor.vendor), \(processor.architecture)",
                "features:    \(features.isEmpty ? "none that loom uses" : features)",
                "kernels:     \(backend.kernels) (\(backend.kernelsReason))",
                "products:    \(backend.matrixLibrary) sgemm (\(backend.matrixLibraryReason); \(MatrixLibrary.variable)=onednn|openblas)",
                "oneDNN:      \(backend.oneDNNInstructionSet) kernels (its own choice from the processor's features, capped by the kernel path)",
                "OpenBLAS:    \(backend.blasCore) kernels (\(backend.blasCoreReason)); \(backend.blasConfiguration)"
                    + (backend.matrixLibrary == .openBLAS ? "" : "; not used for loom's products"),
                "self-check:  \(backend.selfCheck.passed ? "passed" : "FAILED"): largest relative error "
                    + String(format: "%.1e", backend.selfCheck.maximumRelativeError)
                    + " against a double-precision product (tolerance \(String(format: "%.0e", backend.selfCheck.tolerance)))",
                "threads:     \(threads.count) (\(threads.reason))",
                "convolution: \(ConvolutionAlgorithm.summary); oneDNN kernel here: \(Self.directImplementation())",
            ]
            let bfloat16 = BFloat16.availability
            lines.append(bfloat16.available
                ? "bfloat16:    available for 'precision: bf16' inference (oneDNN kernel here: \(bfloat16.detail))"
                : "bfloat16:    not available: \(bfloat16.detail)")
            if let warning = ConvolutionAlgorithm.requested.warning { lines.append("warning:     \(warning)") }
            if !noProbe {
                let peak = PeakThroughput.measure()
                lines.append(String(format: "FP32 peak:   %.1f GFLOP/s measured (%.1f per thread, %@ FMA probe, %d thread%@)",
                                    peak.flopsPerSecond / 1e9, peak.flopsPerSecondPerThread / 1e9,
                                    peak.path.description, peak.threads, peak.threads == 1 ? "" : "s"))
            }
            for warning in backend.warnings { lines.append("warning:     \(warning)") }
            print(lines.joined(separator: "\n"))
        }

        /// oneDNN's kernel for a study-sized convolution (64→64 channels, 14×14, 3×3), or why none.
        static func directImplementation() -> String {
            let shape = DirectConvolutionShape(batch: 16, channels: 64, height: 14, width: 14, filters: 64,
                                               kernel: 3, stride: 1, padTop: 1, padLeft: 1, padBottom: 1, padRight: 1)
            do {
                return try DirectConvolution(shape: shape, training: true).implementation
            } catch {
                return "none (\(error))"
            }
        }
    }
}

/// `--threads N`, shared by the commands that compute.
struct ComputeOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Threads for training and inference (default: LOOM_THREADS, else the processors this process may use).",
                               valueName: "n"))
    var threads: Int?

    func validate() throws {
        if let threads, threads < 1 || threads > 1024 {
            throw ValidationError("'--threads \(threads)' must be a thread count from 1 to 1024.")
        }
    }

    /// Sets the thread count and configures the compute backend, printing its warnings once.
    func apply() throws {
        if let threads {
            ComputeThreads.set(threads, reason: "--threads \(threads)")
        } else if let problem = ComputeThreads.choice.problem {
            throw LoomFailure(message: "error: \(problem)")
        }
        for warning in ComputeBackend.current.warnings { printError("loom: warning: \(warning)") }
    }
}
