import Foundation
import Testing
import TensorCore

/// `loom doctor`: the processor, the kernels chosen from its features, the overrides.
@Suite struct DoctorTests {
    private func doctor(_ environment: [String: String] = [:], _ arguments: [String] = []) throws -> Loom.Result {
        // An OPENBLAS_CORETYPE of the machine's would change what these tests see; each test sets its own.
        var environment = environment
        if environment["OPENBLAS_CORETYPE"] == nil { environment["OPENBLAS_CORETYPE"] = "" }
        return try Loom.run(["doctor", "--no-probe"] + arguments, in: FileManager.default.temporaryDirectory.path,
                            environment: environment)
    }

    private func line(_ prefix: String, of output: String) -> String {
        output.split(separator: "\n").first { $0.hasPrefix(prefix) }.map(String.init) ?? ""
    }

    @Test func printsTheProcessorTheKernelsAndTheThreads() throws {
        let result = try doctor()
        #expect(result.status == 0, "\(result.standardError)")
        let widest = KernelPath.widest(for: Processor.current.features)
        #expect(line("processor:", of: result.standardOutput).contains(Processor.current.name))
        #expect(line("kernels:", of: result.standardOutput) == "kernels:     \(widest) (the widest the processor's features allow)")
        #expect(line("self-check:", of: result.standardOutput).hasPrefix("self-check:  passed"))
        #expect(line("threads:", of: result.standardOutput).hasPrefix("threads:     \(ComputeThreads.availableProcessors().count) ("))
    }

    @Test func loomKernelsPicksANarrowerPathAndOpenBLASFollows() throws {
        guard Processor.current.architecture == "x86_64",
              KernelPath.widest(for: Processor.current.features) >= .avx2 else {
            print("skipped: this processor has no AVX2 path to narrow")
            return
        }
        let avx2 = try doctor(["LOOM_KERNELS": "avx2"])
        #expect(line("kernels:", of: avx2.standardOutput) == "kernels:     AVX2+FMA (LOOM_KERNELS=avx2)")
        #expect(line("OpenBLAS:", of: avx2.standardOutput).hasPrefix("OpenBLAS:    Haswell kernels"))
        #expect(line("self-check:", of: avx2.standardOutput).hasPrefix("self-check:  passed"))
        let portable = try doctor(["LOOM_KERNELS": "portable"])
        #expect(line("OpenBLAS:", of: portable.standardOutput).hasPrefix("OpenBLAS:    Prescott kernels"))
    }

    @Test func matrixProductsNameTheirLibraryAndLoomBLASChoosesIt() throws {
        guard Processor.current.architecture == "x86_64" else { return }
        let standard = try doctor()
        #expect(line("products:", of: standard.standardOutput)
            == "products:    oneDNN sgemm (the default on x86_64: measured fastest on the study's shapes; LOOM_BLAS=onednn|openblas)")
        #expect(line("OpenBLAS:", of: standard.standardOutput).hasSuffix("; not used for loom's products"))
        let openBLAS = try doctor(["LOOM_BLAS": "openblas"])
        #expect(line("products:", of: openBLAS.standardOutput).hasPrefix("products:    OpenBLAS sgemm (LOOM_BLAS=openblas;"))
        #expect(!line("OpenBLAS:", of: openBLAS.standardOutput).contains("not used"))
        #expect(line("self-check:", of: openBLAS.standardOutput).hasPrefix("self-check:  passed"))
        let wrong = try doctor(["LOOM_BLAS": "mkl"])
        #expect(wrong.status == 0)
        #expect(wrong.standardOutput.contains("warning:     LOOM_BLAS=mkl is not a matrix library (onednn, openblas); using onednn."))
        if KernelPath.widest(for: Processor.current.features) >= .avx2 {
            // LOOM_KERNELS caps oneDNN too: its sgemm and convolutions run AVX2 kernels.
            let avx2 = try doctor(["LOOM_KERNELS": "avx2"])
            #expect(line("oneDNN:", of: avx2.standardOutput).hasPrefix("oneDNN:      avx2 kernels"))
            #expect(line("bfloat16:", of: avx2.standardOutput).hasPrefix("bfloat16:    not available: bfloat16 inference needs AVX512_BF16"))
            #expect(line("convolution:", of: avx2.standardOutput).hasSuffix("oneDNN kernel here: jit:avx2"))
        }
    }

    @Test func theEnvironmentsOpenBLASCoreIsRespected() throws {
        guard Processor.current.architecture == "x86_64" else { return }
        let result = try doctor(["OPENBLAS_CORETYPE": "Prescott"])
        #expect(line("OpenBLAS:", of: result.standardOutput)
            .hasPrefix("OpenBLAS:    Prescott kernels (OPENBLAS_CORETYPE=Prescott from the environment)"))
    }

    @Test func anUnknownKernelPathIsAWarningNotAFailure() throws {
        let result = try doctor(["LOOM_KERNELS": "avx1024"])
        #expect(result.status == 0)
        let widest = KernelPath.widest(for: Processor.current.features)
        #expect(result.standardOutput.contains(
            "warning:     LOOM_KERNELS=avx1024 is not a kernel path (portable, avx2, avx512); using \(widest)."))
    }

    @Test func threadsComeFromTheFlagThenTheEnvironment() throws {
        let flag = try doctor(["LOOM_THREADS": "2"], ["--threads", "1"])
        #expect(line("threads:", of: flag.standardOutput) == "threads:     1 (--threads 1)")
        let environment = try doctor(["LOOM_THREADS": "3"])
        #expect(line("threads:", of: environment.standardOutput) == "threads:     3 (LOOM_THREADS=3)")
        let bad = try doctor(["LOOM_THREADS": "many"])
        #expect(bad.status != 0)
        #expect(bad.standardError.contains("LOOM_THREADS='many' is not a thread count: set it to an integer from 1 to 1024"))
        let zero = try doctor([:], ["--threads", "0"])
        #expect(zero.status == 64)
        #expect(zero.standardError.contains("'--threads 0' must be a thread count from 1 to 1024."))
    }

    @Test func printsTheConvolutionPathAndItsOverride() throws {
        let automatic = try doctor(["LOOM_CONVOLUTION": ""])
        let line = line("convolution:", of: automatic.standardOutput)
        #expect(line.hasPrefix("convolution: oneDNN direct (blocked layouts, one thread per chunk) for stride-1 convolutions with ≥ 16 input channels"))
        #expect(line.contains("(LOOM_CONVOLUTION=auto); oneDNN kernel here: "))
        let forced = try doctor(["LOOM_CONVOLUTION": "im2col"])
        #expect(self.line("convolution:", of: forced.standardOutput)
            .hasPrefix("convolution: im2col + sgemm for every convolution (LOOM_CONVOLUTION=im2col)"))
        let unknown = try doctor(["LOOM_CONVOLUTION": "winograd"])
        #expect(unknown.status == 0)
        #expect(unknown.standardOutput.contains(
            "warning:     LOOM_CONVOLUTION=winograd is not a convolution algorithm (im2col, direct, auto); using auto."))
    }
}
