import Foundation
import Testing
import _LoomTestSupport
@testable import TensorCore

@Suite struct TensorTests {
    @Test func indexingIsRowMajor() {
        var t = Tensor(shape: [2, 3], scalars: [1, 2, 3, 4, 5, 6])
        #expect(t[1, 0] == 4)
        t[0, 2] = 30
        #expect(t.scalars == [1, 2, 30, 4, 5, 6])
        #expect(t.offset(of: [1, 2]) == 5)
    }

    @Test func copiesAreIndependent() {
        let a = Tensor(shape: [3], scalars: [1, 2, 3])
        var b = a
        b[0] = 10
        #expect(a.scalars == [1, 2, 3])
        #expect(b.scalars == [10, 2, 3])
    }

    @Test func reshapeInfersOneExtent() {
        let t = Tensor(shape: [2, 6], repeating: 1).reshaped(to: [3, -1])
        #expect(t.shape == [3, 4])
    }

    @Test(arguments: [
        (false, false), (true, false), (false, true), (true, true),
    ])
    func matmulMatchesNaiveProduct(transposeA: Bool, transposeB: Bool) {
        var generator = SeededGenerator(seed: 3)
        let (m, k, n) = (5, 7, 4)
        let a = Tensor.randomNormal(shape: transposeA ? [k, m] : [m, k], using: &generator)
        let b = Tensor.randomNormal(shape: transposeB ? [n, k] : [k, n], using: &generator)
        var expected = Tensor.zeros(shape: [m, n])
        for i in 0..<m {
            for j in 0..<n {
                var total: Float = 0
                for p in 0..<k {
                    total += (transposeA ? a[p, i] : a[i, p]) * (transposeB ? b[j, p] : b[p, j])
                }
                expected[i, j] = total
            }
        }
        expectClose(a.matmul(b, transposeSelf: transposeA, transposeOther: transposeB), expected, tolerance: 1e-5)
    }

    @Test func elementwiseOperationsAndReductions() {
        let a = Tensor(shape: [2, 2], scalars: [1, -2, 3, 4])
        let b = Tensor(shape: [2, 2], scalars: [0.5, 0.5, 2, -1])
        #expect((a + b).scalars == [1.5, -1.5, 5, 3])
        #expect((a - b).scalars == [0.5, -2.5, 1, 5])
        #expect((a * b).scalars == [0.5, -1, 6, -4])
        #expect((a * 2).scalars == [2, -4, 6, 8])
        #expect(a.sum() == 6)
        #expect(a.mean() == 1.5)
        #expect(a.max() == 4)
        #expect(abs(a.norm() - Float(30).squareRoot()) < 1e-6)
        #expect(a.argmaxRows() == [0, 1])
        #expect(a.transposed().scalars == [1, 3, -2, 4])
    }

    @Test func largeElementwiseLoopsSplitAcrossThreadsGiveTheSameResult() {
        var generator = SeededGenerator(seed: 9)
        let a = Tensor.randomNormal(shape: [200_000], using: &generator)
        let doubled = a.map { 2 * $0 + 1 }
        for i in stride(from: 0, to: a.count, by: 997) {
            #expect(doubled.scalars[i] == 2 * a.scalars[i] + 1)
        }
        let serial = a.scalars.reduce(0.0) { $0 + Double($1) }
        #expect(abs(Double(a.sum()) - serial) < 1e-3)
        let ones = Tensor(shape: [100_001], repeating: 1)
        #expect(ones.sum() == 100_001)
        #expect(ones.norm() == Float(100_001).squareRoot())
    }

    @Test func softmaxRowsSumToOne() {
        let t = Tensor(shape: [2, 3], scalars: [1, 2, 3, 1000, 1000, 1000])
        let p = t.softmaxRows()
        expectClose(p, Tensor(shape: [2, 3], scalars: [0.090_030_57, 0.244_728_47, 0.665_240_96, 1.0 / 3, 1.0 / 3, 1.0 / 3]), tolerance: 1e-6)
    }

    @Test func parallelForCoversEveryItemOnceInFixedChunks() {
        var hits = [Int](repeating: 0, count: 1001)
        hits.withUnsafeMutableBufferPointer { buffer in
            let base = buffer.baseAddress!
            parallelFor(count: 1001) { _, range in
                for i in range { base[i] += 1 }
            }
        }
        #expect(hits.allSatisfy { $0 == 1 })
        var chunksSeen = [Int](repeating: 0, count: 8)
        chunksSeen.withUnsafeMutableBufferPointer { buffer in
            let base = buffer.baseAddress!
            parallelFor(count: 100, maximumChunks: 1) { chunk, range in base[chunk] += range.count }
        }
        #expect(chunksSeen[0] == 100)
        #expect(chunkRange(0, of: 2, count: 5) == 0..<2)
        #expect(chunkRange(1, of: 2, count: 5) == 2..<5)
    }
}

@Suite struct SeededGeneratorTests {
    @Test func equalSeedsGiveEqualStreams() {
        var a = SeededGenerator(seed: 42), b = SeededGenerator(seed: 42), c = SeededGenerator(seed: 43)
        let first = (0..<5).map { _ in a.next() }
        #expect(first == (0..<5).map { _ in b.next() })
        #expect(first != (0..<5).map { _ in c.next() })
    }

    @Test func matchesTheReferenceSplitMixAndXoshiro() {
        // SplitMix64 from seed 0 gives 0xE220A8397B1DCDAF first (Vigna's reference splitmix64.c).
        let generator = SeededGenerator(seed: 0)
        #expect(generator.state[0] == 0xE220_A839_7B1D_CDAF)
        // xoshiro256** from state {1, 2, 3, 4}: 11520, 0, 1509978240, 1215971899390074240 (reference xoshiro256starstar.c).
        var reference = SeededGenerator(state: [1, 2, 3, 4])
        #expect((0..<4).map { _ in reference.next() } == [11520, 0, 1_509_978_240, 1_215_971_899_390_074_240])
    }

    @Test func savedStateResumesTheStream() {
        var a = SeededGenerator(seed: 7)
        _ = a.next()
        var b = SeededGenerator(state: a.state)
        #expect((0..<3).map { _ in a.next() } == (0..<3).map { _ in b.next() })
    }

    @Test func normalSamplesHaveUnitMomentsAndUniformsStayInRange() {
        var generator = SeededGenerator(seed: 1)
        let samples = (0..<20_000).map { _ in Double(generator.nextNormal()) }
        let mean = samples.reduce(0, +) / Double(samples.count)
        let variance = samples.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(samples.count)
        #expect(abs(mean) < 0.03)
        #expect(abs(variance - 1) < 0.04)
        let uniforms = (0..<1000).map { _ in generator.nextUnitFloat() }
        #expect(uniforms.allSatisfy { $0 >= 0 && $0 < 1 })
    }

    @Test func shuffleIsAPermutationFixedBySeed() {
        var a = SeededGenerator(seed: 5), b = SeededGenerator(seed: 5)
        var x = Array(0..<50), y = Array(0..<50)
        a.shuffle(&x)
        b.shuffle(&y)
        #expect(x == y)
        #expect(x != Array(0..<50))
        #expect(x.sorted() == Array(0..<50))
    }
}

@Suite struct SerializationTests {
    @Test func tensorRoundTripsBitForBit() throws {
        let t = Tensor(shape: [2, 2], scalars: [1.5, -0.0, .nan, .infinity])
        let back = try Tensor(serializedBytes: t.serializedBytes())
        #expect(back.shape == t.shape)
        #expect(back.scalars.map(\.bitPattern) == t.scalars.map(\.bitPattern))
    }

    @Test(arguments: [
        (Data("XXXX".utf8), "The data is not a serialised tensor: its first bytes are not 'LTNS'."),
        (Data("LTNS".utf8) + Data([1, 0]), "The tensor data is truncated: it needs 8 bytes but only 2 remain."),
    ])
    func badBytesGiveTheExactMessage(bytes: Data, message: String) {
        #expect(throws: Error.self) { try Tensor(serializedBytes: bytes) }
        do {
            _ = try Tensor(serializedBytes: bytes)
        } catch {
            #expect(error.description == message)
        }
    }
}

/// Kernel choice by feature, never by model number.
@Suite struct ComputeBackendTests {
    static let cases: [(Set<Processor.Feature>, KernelPath)] = [
        ([.sse3, .avx, .fma, .avx2, .avx512f, .avx512bw, .avx512dq, .avx512vl], .avx512),
        ([.sse3, .avx, .fma, .avx2, .avx512f], .avx2),   // AVX-512F alone (Knights Landing) is not the AVX-512 path
        ([.sse3, .avx, .fma, .avx2], .avx2),
        ([.sse3, .avx, .avx2], .portable),               // AVX2 without FMA
        ([.sse3, .avx], .portable),
        ([.neon], .portable),
    ]

    @Test(arguments: zip(cases.map(\.0), cases.map(\.1)))
    func theWidestPathTheFeaturesAllow(features: Set<Processor.Feature>, expected: KernelPath) {
        #expect(KernelPath.widest(for: features) == expected)
    }

    @Test func openBLASKernelSetsByInstructionSet() {
        #expect(OpenBLASCore.path(ofCore: "Cooperlake") == .avx512)
        #expect(OpenBLASCore.path(ofCore: "SkylakeX") == .avx512)
        #expect(OpenBLASCore.path(ofCore: "Zen") == .avx2)
        #expect(OpenBLASCore.path(ofCore: "Haswell") == .avx2)
        #expect(OpenBLASCore.path(ofCore: "Prescott") == .portable)
        #expect(OpenBLASCore.core(for: .avx512, architecture: "x86_64") == "SkylakeX")
        #expect(OpenBLASCore.core(for: .avx2, architecture: "arm64") == nil)
    }

    @Test func theBackendInUsePassedItsSelfCheck() {
        let backend = ComputeBackend.current
        #expect(backend.selfCheck.passed)
        #expect(backend.kernels <= KernelPath.widest(for: backend.processor.features))
        #expect(ComputeBackend.checkProduct().error < 1e-5)
    }

    @Test func matrixProductsRunInOneDNNOnX86AndTheEnvironmentCanChoose() {
        #expect(MatrixLibrary.standard(architecture: "x86_64") == .oneDNN)
        #expect(MatrixLibrary.standard(architecture: "arm64") == .openBLAS)
        let chosen = MatrixLibrary.choice(environment: ["LOOM_BLAS": "OpenBLAS"], architecture: "x86_64")
        #expect(chosen.library == .openBLAS && chosen.reason == "LOOM_BLAS=OpenBLAS" && chosen.warning == nil)
        let wrong = MatrixLibrary.choice(environment: ["LOOM_BLAS": "mkl"], architecture: "x86_64")
        #expect(wrong.library == .oneDNN)
        #expect(wrong.warning == "LOOM_BLAS=mkl is not a matrix library (onednn, openblas); using onednn.")
        let backend = ComputeBackend.current
        if ProcessInfo.processInfo.environment["LOOM_BLAS"] == nil {
            #expect(backend.matrixLibrary == .standard(architecture: backend.processor.architecture))
        }
        #expect(backend.summary.contains("\(backend.matrixKernels) sgemm"))
    }

    /// Both libraries against double precision, and oneDNN's with NaN where the result goes
    /// (β = 0 must not read it).
    @Test(arguments: MatrixLibrary.allCases)
    func bothLibrariesPassTheStartUpCheck(library: MatrixLibrary) {
        #expect(ComputeBackend.checkProduct(library: library).error < 1e-5)
    }

    /// `BLAS.sgemm` through the chosen library, on every transpose of a study shape, against
    /// OpenBLAS, with garbage in C for β = 0 and a real C for β = 1.
    @Test(arguments: [(false, false), (true, false), (false, true), (true, true)])
    func theChosenLibraryAgreesWithOpenBLAS(transposeA: Bool, transposeB: Bool) {
        let (m, n, k) = (33, 70, 129)
        var generator = SeededGenerator(seed: 11)
        let a = (0..<(m * k)).map { _ in Float.random(in: -1...1, using: &generator) }
        let b = (0..<(k * n)).map { _ in Float.random(in: -1...1, using: &generator) }
        let start = (0..<(m * n)).map { _ in Float.random(in: -1...1, using: &generator) }
        let lda = transposeA ? m : k, ldb = transposeB ? k : n
        for beta: Float in [0, 1] {
            var chosen = beta == 0 ? [Float](repeating: .nan, count: m * n) : start, reference = start
            BLAS.sgemm(transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k, alpha: 0.5,
                       a: a, lda: lda, b: b, ldb: ldb, beta: beta, c: &chosen, ldc: n)
            BLAS.openBLASProduct(transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k, alpha: 0.5,
                                 a: a, lda: lda, b: b, ldb: ldb, beta: beta, c: &reference, ldc: n)
            #expect(!chosen.contains { !$0.isFinite }, "β = \(beta): the result holds NaN")
            let worst = zip(chosen, reference).map { abs($0 - $1) }.max() ?? .nan
            #expect(worst < 1e-4, "β = \(beta): largest difference \(worst)")
        }
    }

    @Test func thePeakProbeMeasuresSomething() {
        let peak = PeakThroughput.measure(path: .portable, threads: 1, seconds: 0.02)
        #expect(peak.flopsPerSecond > 1e8)
    }
}

/// Balanced loops: the chunks are fixed by the count, whichever thread runs them.
@Suite struct BalancedLoopTests {
    @Test(arguments: [1, 2, 3, 8])
    func everyChunkRunsOnceWithTheSameItemsOnAnyThreadCount(threads: Int) {
        let ranges = Locked([Int: Range<Int>]())
        let calls = Locked(0)
        parallelForBalanced(count: 130, chunks: 8, threads: threads) { chunk, range in
            ranges.update { $0[chunk] = range }
            calls.update { $0 += 1 }
            Thread.sleep(forTimeInterval: chunk == 0 ? 0.02 : 0)   // one slow chunk: the others go on
        }
        #expect(calls.read { $0 } == 8)
        #expect(ranges.read { $0 } == Dictionary(uniqueKeysWithValues: (0..<8).map { ($0, chunkRange($0, of: 8, count: 130)) }))
    }

    @Test func aSlowThreadDoesLessOfTheWork() {
        // Two workers share the chunks the way parallelForBalanced's threads do; the first stalls
        // after its first chunk (a core taken by another process), so the other does the rest.
        let counter = Locked(0)
        let taken = Locked([String: Int]())
        let done = DispatchGroup()
        for (name, stall) in [("slow", 0.2), ("fast", 0.0)] {
            done.enter()
            Thread.detachNewThread {
                if name == "fast" { Thread.sleep(forTimeInterval: 0.01) }   // the slow one starts first
                while _takeChunk(counter, below: 16) != nil {
                    taken.update { $0[name, default: 0] += 1 }
                    Thread.sleep(forTimeInterval: stall)
                }
                done.leave()
            }
        }
        done.wait()
        #expect(taken.read { $0["slow"] ?? 0 } <= 2)
        #expect(taken.read { ($0["slow"] ?? 0) + ($0["fast"] ?? 0) } == 16)
    }

    @Test func fewerItemsThanChunks() {
        let calls = Locked(0)
        parallelForBalanced(count: 3, chunks: 8, threads: 2) { _, range in
            #expect(range.count == 1)
            calls.update { $0 += 1 }
        }
        #expect(calls.read { $0 } == 3)
        parallelForBalanced(count: 0, chunks: 8) { _, _ in Issue.record("no items, no calls") }
    }
}
