import Testing
import TensorCore
import _LoomTestSupport
@testable import NeuralNet

/// A convolution shape for comparing the direct (oneDNN) path with im2col + sgemm.
struct DirectCase: CustomTestStringConvertible, Sendable {
    var name: String
    var channels = 16, height = 7, width = 7, filters = 8, kernel = 3
    var padding = Padding.same
    var relu = false, pool = false
    /// Batches over 8 × 16 samples give chunks of more than one oneDNN micro-batch.
    var batch = 37
    var testDescription: String { name }
}

/// Whether oneDNN has an optimised kernel for the study's convolutions on this machine (if not, loom
/// keeps im2col and the direct-path tests have nothing to compare).
let directConvolutionAvailable: Bool = {
    let shape = DirectConvolutionShape(batch: 2, channels: 16, height: 6, width: 6, filters: 8, kernel: 3, stride: 1,
                                       padTop: 1, padLeft: 1, padBottom: 1, padRight: 1)
    return (try? DirectConvolution(shape: shape, training: true)) != nil
}()

@Suite(.enabled(if: directConvolutionAvailable, "oneDNN has no optimised convolution on this machine"))
struct DirectConvolutionTests {
    static let cases: [DirectCase] = [
        DirectCase(name: "3×3 same"),
        DirectCase(name: "3×3 same, fused relu + pool, several micro-batches per chunk", height: 6, width: 6, relu: true, pool: true, batch: 150),
        DirectCase(name: "3×3 valid, odd size, fused pool", channels: 17, filters: 5, padding: .valid, pool: true, batch: 20),
        DirectCase(name: "5×5 same, fused relu, uneven size", height: 6, width: 5, filters: 4, kernel: 5, relu: true, batch: 9),
        DirectCase(name: "2×2 same (padding after the image only)", channels: 24, height: 5, width: 5, filters: 6, kernel: 2, batch: 3),
    ]

    /// Forward output, parameter gradients and input gradient of one kernel on fixed data.
    func run(_ c: DirectCase, _ algorithm: ConvolutionAlgorithm) -> (kernel: ConvolutionKernel, output: [Float], parameters: [Float], input: [Float]) {
        let kernel = ConvolutionKernel(
            channels: c.channels, height: c.height, width: c.width, filters: c.filters, kernel: c.kernel, stride: 1,
            padding: c.padding, fusedReLU: c.relu, fusedPool: c.pool, training: true, algorithm: algorithm)
        let geometry = ConvolutionGeometry(height: c.height, width: c.width, kernel: c.kernel, stride: 1, padding: c.padding)
        var outputSize = c.filters * geometry.outputHeight * geometry.outputWidth
        if c.pool { outputSize = c.filters * (geometry.outputHeight / 2) * (geometry.outputWidth / 2) }
        var generator = SeededGenerator(seed: 7)
        var input = (0..<(c.batch * c.channels * c.height * c.width)).map { _ in Float.random(in: -1...1, using: &generator) }
        var parameters = (0..<(c.filters * (c.channels * c.kernel * c.kernel + 1))).map { _ in Float.random(in: -0.3...0.3, using: &generator) }
        var outputGradient = (0..<(c.batch * outputSize)).map { _ in Float.random(in: -1...1, using: &generator) }
        var output = [Float](repeating: .nan, count: c.batch * outputSize)
        var gradients = [Float](repeating: .nan, count: parameters.count)
        var inputGradient = [Float](repeating: .nan, count: input.count)
        var buffers: [Float] = [0]
        kernel.reserve(batch: c.batch)
        input.withUnsafeMutableBufferPointer { x in
            parameters.withUnsafeMutableBufferPointer { p in
                output.withUnsafeMutableBufferPointer { y in
                    buffers.withUnsafeMutableBufferPointer { b in
                        var forwardGenerator = SeededGenerator(seed: 1)
                        kernel.forward(ForwardArguments(input: x.baseAddress!, output: y.baseAddress!, batch: c.batch, training: true,
                                                        parameters: p.baseAddress!, buffers: b.baseAddress!), generator: &forwardGenerator)
                    }
                    outputGradient.withUnsafeMutableBufferPointer { dy in
                        gradients.withUnsafeMutableBufferPointer { g in
                            inputGradient.withUnsafeMutableBufferPointer { dx in
                                kernel.backward(BackwardArguments(
                                    input: x.baseAddress!, output: y.baseAddress!, outputGradient: dy.baseAddress!,
                                    inputGradient: dx.baseAddress!, batch: c.batch, parameters: p.baseAddress!,
                                    parameterGradients: g.baseAddress!))
                            }
                        }
                    }
                }
            }
        }
        return (kernel, output, gradients, inputGradient)
    }

    /// The largest difference relative to the largest magnitude of the reference.
    func relativeDifference(_ a: [Float], _ b: [Float]) -> Float {
        precondition(a.count == b.count)
        let scale = max(b.map(abs).max() ?? 0, 1e-6)
        return zip(a, b).map { abs($0 - $1) }.max().map { $0 / scale } ?? 0
    }

    @Test(arguments: cases)
    func directMatchesIm2col(_ c: DirectCase) {
        let reference = run(c, .im2col), direct = run(c, .direct)
        #expect(reference.kernel.algorithm == .im2col)
        #expect(direct.kernel.algorithm == .direct)
        #expect(!direct.output.contains { $0.isNaN } && !direct.parameters.contains { $0.isNaN } && !direct.input.contains { $0.isNaN })
        #expect(relativeDifference(direct.output, reference.output) < 1e-5, "forward")
        #expect(relativeDifference(direct.parameters, reference.parameters) < 1e-5, "weight and bias gradients")
        #expect(relativeDifference(direct.input, reference.input) < 1e-5, "input gradient")
    }

    @Test func directIsBitIdenticalRunToRun() {
        let c = Self.cases[1]
        let first = run(c, .direct), second = run(c, .direct)
        #expect(first.output.map(\.bitPattern) == second.output.map(\.bitPattern))
        #expect(first.parameters.map(\.bitPattern) == second.parameters.map(\.bitPattern))
        #expect(first.input.map(\.bitPattern) == second.input.map(\.bitPattern))
    }

    @Test func automaticChoiceIsDirectOnlyWhereItMeasuredFaster() {
        #expect(ConvolutionAlgorithm.choice(channels: 1, stride: 1, training: true, requested: .automatic) == .im2col)
        #expect(ConvolutionAlgorithm.choice(channels: 32, stride: 1, training: true, requested: .automatic) == .direct)
        #expect(ConvolutionAlgorithm.choice(channels: 32, stride: 1, training: false, requested: .automatic) == .direct)
        #expect(ConvolutionAlgorithm.choice(channels: 32, stride: 2, training: true, requested: .automatic) == .im2col)
        #expect(ConvolutionAlgorithm.choice(channels: 1, stride: 1, training: false, requested: .direct) == .direct)
        #expect(ConvolutionAlgorithm.choice(channels: 64, stride: 1, training: true, requested: .im2col) == .im2col)
    }

    /// The inference kernel (forward only, a batch norm folded in, relu and pool fused) on the
    /// direct path against im2col, on chunks of 125 (the inference batch of 1000).
    @Test func directInferenceMatchesIm2col() {
        func forward(_ algorithm: ConvolutionAlgorithm) -> (ConvolutionKernel, [Float]) {
            let kernel = ConvolutionKernel(channels: 16, height: 6, width: 6, filters: 8, kernel: 3, stride: 1, padding: .same,
                                           fusedReLU: true, fusedPool: true, training: false, algorithm: algorithm)
            let batch = 1000
            var generator = SeededGenerator(seed: 9)
            var input = (0..<(batch * 16 * 36)).map { _ in Float.random(in: -1...1, using: &generator) }
            var parameters = (0..<(8 * (16 * 9 + 1))).map { _ in Float.random(in: -0.3...0.3, using: &generator) }
            var output = [Float](repeating: .nan, count: batch * 8 * 9)
            var buffers: [Float] = [0]
            kernel.reserve(batch: batch)
            input.withUnsafeMutableBufferPointer { x in
                parameters.withUnsafeMutableBufferPointer { p in
                    output.withUnsafeMutableBufferPointer { y in
                        buffers.withUnsafeMutableBufferPointer { b in
                            var g = SeededGenerator(seed: 1)
                            kernel.forward(ForwardArguments(input: x.baseAddress!, output: y.baseAddress!, batch: batch, training: false,
                                                            parameters: p.baseAddress!, buffers: b.baseAddress!), generator: &g)
                        }
                    }
                }
            }
            return (kernel, output)
        }
        let (referenceKernel, reference) = forward(.im2col)
        let (directKernel, direct) = forward(.direct)
        #expect(referenceKernel.algorithm == .im2col && directKernel.algorithm == .direct)
        #expect(relativeDifference(direct, reference) < 1e-5)
    }

    static let gradientCases: [GradientCase] = [
        GradientCase(name: "direct conv 3×3 same", layers: [.conv(filters: 3, kernel: 3)], inputShape: [16, 4, 4], batch: 2),
        // tanh rather than relu after the batch norm: with 16 input channels, a parameter step moves
        // some of the zero-mean normalised values across relu's kink (the im2col path fails the same way).
        GradientCase(name: "direct conv + batchnorm + tanh", layers: [.conv(filters: 3, kernel: 3), .batchNorm, .tanh],
                     inputShape: [16, 4, 4], batch: 3),
        GradientCase(name: "direct conv + fused relu + fused maxpool", layers: [.conv(filters: 3, kernel: 3), .relu, .maxPool(size: 2)],
                     inputShape: [16, 4, 4], batch: 3, epsilon: 1e-3, seed: 22),
    ]

    /// Finite differences through a whole network, the convolution on the direct path (`auto`
    /// picks it for 16 input channels unless `LOOM_CONVOLUTION` says otherwise).
    @Test(arguments: gradientCases)
    func directBackpropagationMatchesFiniteDifferences(_ testCase: GradientCase) throws {
        let checker = try GradientChecker(
            layers: testCase.layers, inputShape: testCase.inputShape, batch: testCase.batch, seed: testCase.seed, epsilon: testCase.epsilon)
        if ConvolutionAlgorithm.requested.algorithm == .automatic {
            #expect((checker.network.kernels[0] as? ConvolutionKernel)?.algorithm == .direct)
        }
        let analytic = checker.analytic()
        let numeric = checker.numeric()
        expectClose(analytic.input, numeric.input, tolerance: 5e-3)
        expectClose(analytic.parameters, numeric.parameters, tolerance: 5e-3)
    }

    /// A CNN whose second convolution runs on the direct path, trained twice with one seed.
    func trainOnce() throws -> [UInt32] {
        var generator = SeededGenerator(seed: 12)
        let count = 384
        let pixels = (0..<(count * 12 * 12)).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
        let labels = (0..<count).map { Int32($0 % 10) }
        let images = try ImageSet(pixels: pixels, labels: labels, imageShape: [1, 12, 12])
        let model = try Sequential(inputShape: [1, 12, 12],
                                   layers: [.conv(filters: 16, kernel: 3), .batchNorm, .relu, .conv(filters: 16, kernel: 3), .relu,
                                            .maxPool(size: 2), .flatten, .dense(units: 10)], seed: 3)
        var trainer = try Trainer(model: model, configuration: TrainingConfiguration(
            epochs: 1, batchSize: 128, optimizer: .adam(), learningRate: .constant(0.001), seed: 4))
        return try trainer.fit(training: images).model.parameters.scalars.map(\.bitPattern)
    }

    @Test func trainingIsBitIdenticalForTheSameSeed() throws {
        let first = try trainOnce()
        #expect(try trainOnce() == first)
    }
}
