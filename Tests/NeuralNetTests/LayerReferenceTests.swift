import Testing
import TensorCore
import _LoomTestSupport
@testable import NeuralNet

/// Convolution and pooling forward passes against naive loops written from the definitions.
@Suite struct LayerReferenceTests {
    struct ConvCase: Sendable, CustomTestStringConvertible {
        var channels, height, width, filters, kernel, stride: Int
        var padding: Padding
        var testDescription: String { "\(channels)×\(height)×\(width) k\(kernel) s\(stride) \(padding)" }
    }

    static let convCases: [ConvCase] = [
        ConvCase(channels: 1, height: 6, width: 6, filters: 2, kernel: 3, stride: 1, padding: .same),
        ConvCase(channels: 3, height: 7, width: 5, filters: 4, kernel: 3, stride: 2, padding: .same),
        ConvCase(channels: 2, height: 8, width: 8, filters: 3, kernel: 5, stride: 1, padding: .valid),
        ConvCase(channels: 2, height: 9, width: 7, filters: 2, kernel: 4, stride: 3, padding: .same),
        ConvCase(channels: 1, height: 5, width: 5, filters: 1, kernel: 1, stride: 2, padding: .valid),
    ]

    @Test(arguments: convCases)
    func convolutionMatchesNaiveLoops(_ c: ConvCase) throws {
        let model = try Sequential(
            inputShape: [c.channels, c.height, c.width],
            layers: [.conv(filters: c.filters, kernel: c.kernel, stride: c.stride, padding: c.padding)], seed: 3)
        var generator = SeededGenerator(seed: 8)
        let batch = 3
        let input = Tensor.randomNormal(shape: [batch, c.channels, c.height, c.width], using: &generator)
        let parameters = model.layerParameters(0)
        var weights = parameters[0]
        weights = Tensor.randomNormal(shape: weights.shape, using: &generator)
        let bias = Tensor.randomNormal(shape: [c.filters], using: &generator)
        let model2 = try Sequential(
            inputShape: model.inputShape, layers: model.layers,
            parameters: Tensor(shape: [model.parameterCount], scalars: weights.scalars + bias.scalars), buffers: model.buffers)

        let (outH, outW, padTop, padLeft): (Int, Int, Int, Int)
        if c.padding == .same {
            outH = (c.height + c.stride - 1) / c.stride
            outW = (c.width + c.stride - 1) / c.stride
            padTop = max((outH - 1) * c.stride + c.kernel - c.height, 0) / 2
            padLeft = max((outW - 1) * c.stride + c.kernel - c.width, 0) / 2
        } else {
            outH = (c.height - c.kernel) / c.stride + 1
            outW = (c.width - c.kernel) / c.stride + 1
            (padTop, padLeft) = (0, 0)
        }
        var expected = Tensor.zeros(shape: [batch, c.filters, outH, outW])
        for n in 0..<batch {
            for f in 0..<c.filters {
                for oy in 0..<outH {
                    for ox in 0..<outW {
                        var total = bias[f]
                        for ch in 0..<c.channels {
                            for ky in 0..<c.kernel {
                                for kx in 0..<c.kernel {
                                    let y = oy * c.stride + ky - padTop, x = ox * c.stride + kx - padLeft
                                    guard y >= 0, y < c.height, x >= 0, x < c.width else { continue }
                                    total += weights[f, ch, ky, kx] * input[n, ch, y, x]
                                }
                            }
                        }
                        expected[n, f, oy, ox] = total
                    }
                }
            }
        }
        expectClose(model2(input), expected, tolerance: 1e-5)
    }

    @Test(arguments: [(2, 2, 6, 6), (3, 2, 7, 7), (2, 1, 5, 4), (3, 3, 9, 8)])
    func poolingMatchesNaiveLoops(size: Int, stride: Int, height: Int, width: Int) throws {
        var generator = SeededGenerator(seed: 2)
        let channels = 2, batch = 2
        let input = Tensor.randomNormal(shape: [batch, channels, height, width], using: &generator)
        let outH = (height - size) / stride + 1, outW = (width - size) / stride + 1
        var expectedMax = Tensor.zeros(shape: [batch, channels, outH, outW])
        var expectedMean = expectedMax
        for n in 0..<batch {
            for ch in 0..<channels {
                for oy in 0..<outH {
                    for ox in 0..<outW {
                        var largest = -Float.infinity, total: Float = 0
                        for ky in 0..<size {
                            for kx in 0..<size {
                                let v = input[n, ch, oy * stride + ky, ox * stride + kx]
                                largest = max(largest, v)
                                total += v
                            }
                        }
                        expectedMax[n, ch, oy, ox] = largest
                        expectedMean[n, ch, oy, ox] = total / Float(size * size)
                    }
                }
            }
        }
        let shape = [channels, height, width]
        let maxPool = try Sequential(inputShape: shape, layers: [.maxPool(size: size, stride: stride)], seed: 0)
        let avgPool = try Sequential(inputShape: shape, layers: [.avgPool(size: size, stride: stride)], seed: 0)
        expectClose(maxPool(input), expectedMax, tolerance: 0)
        expectClose(avgPool(input), expectedMean, tolerance: 1e-6)
    }

    @Test(arguments: [[1, 6, 6], [2, 7, 5]])
    func fusedConvReLUPoolMatchesTheLayersRunSeparately(inputShape: [Int]) throws {
        let fused = try Sequential(inputShape: inputShape, layers: [.conv(filters: 4, kernel: 3), .relu, .maxPool(size: 2)], seed: 5)
        let convolution = try Sequential(
            inputShape: inputShape, layers: [.conv(filters: 4, kernel: 3), .relu], parameters: fused.parameters, buffers: fused.buffers)
        let pooling = try Sequential(inputShape: convolution.outputShape, layers: [.maxPool(size: 2)], seed: 0)
        var generator = SeededGenerator(seed: 6)
        let input = Tensor.randomNormal(shape: [5] + inputShape, using: &generator)
        #expect(fused(input) == pooling(convolution(input)))
    }

    /// In inference a batch norm after a convolution or dense layer is folded into its weights;
    /// the result must be the layers' own, run one by one, to rounding.
    @Test(arguments: [
        (LayerSpec.conv(filters: 3, kernel: 3, padding: .same), [2, 6, 6], [LayerSpec.relu, .maxPool(size: 2)]),
        (.conv(filters: 4, kernel: 3), [1, 7, 5], [.relu]),
        (.conv(filters: 2, kernel: 2, stride: 2), [3, 6, 6], [LayerSpec]()),
        (.dense(units: 5), [7], [.relu, .dense(units: 3)]),
    ])
    func aBatchNormFoldedIntoTheLayerBeforeItMatchesTheLayersRunSeparately(
        layer: LayerSpec, inputShape: [Int], after: [LayerSpec]
    ) throws {
        var generator = SeededGenerator(seed: 11)
        var model = try Sequential(inputShape: inputShape, layers: [layer, .batchNorm] + after, seed: 3)
        let first = try Sequential(inputShape: inputShape, layers: [layer], seed: 0)
        let channels = first.outputShape[0]
        // Trained-looking statistics and affine parameters: γ around 1, β, μ, σ² well away from 0 and 1.
        var parameters = model.parameters.scalars
        for c in 0..<channels {
            parameters[first.parameterCount + c] = 0.5 + Float(c) * 0.4
            parameters[first.parameterCount + channels + c] = Float(c) * 0.3 - 0.4
        }
        model.parameters = Tensor(shape: [parameters.count], scalars: parameters)
        var buffers = model.buffers.scalars
        for c in 0..<channels {
            buffers[c] = Float(c) * 0.2 - 0.1
            buffers[channels + c] = 0.3 + Float(c) * 0.7
        }
        model.buffers = Tensor(shape: [buffers.count], scalars: buffers)
        let layerAlone = try Sequential(
            inputShape: inputShape, layers: [layer],
            parameters: Tensor(shape: [first.parameterCount], scalars: Array(parameters[..<first.parameterCount])),
            buffers: Tensor(shape: [0], scalars: []))
        let norm = try Sequential(
            inputShape: first.outputShape, layers: [.batchNorm],
            parameters: Tensor(shape: [2 * channels], scalars: Array(parameters[first.parameterCount..<first.parameterCount + 2 * channels])),
            buffers: Tensor(shape: [2 * channels], scalars: buffers))
        let rest = Array(parameters[(first.parameterCount + 2 * channels)...])
        let tail = try Sequential(inputShape: first.outputShape, layers: after.isEmpty ? [.flatten] : after,
                                  parameters: Tensor(shape: [rest.count], scalars: rest), buffers: Tensor(shape: [0], scalars: []))
        let input = Tensor.randomNormal(shape: [6] + inputShape, using: &generator)
        let separate = tail(norm(layerAlone(input)))
        expectClose(model(input).reshaped(to: separate.shape), separate, tolerance: 2e-5)
    }

    @Test func batchNormInEvaluationUsesRunningStatistics() throws {
        var model = try Sequential(inputShape: [2], layers: [.batchNorm], seed: 0)
        model.parameters = Tensor(shape: [4], scalars: [2, 3, 1, -1])  // γ = (2, 3), β = (1, −1)
        model.buffers = Tensor(shape: [4], scalars: [0.5, -1, 4, 0.25])  // mean (0.5, −1), variance (4, 0.25)
        let output = model(Tensor(shape: [1, 2], scalars: [2.5, 0]))
        let epsilon: Float = 1e-5
        let expected: [Float] = [2 * 2 / (4 + epsilon).squareRoot() + 1, 3 * 1 / (0.25 + epsilon).squareRoot() - 1]
        expectClose(output, Tensor(shape: [1, 2], scalars: expected), tolerance: 1e-6)
    }

    @Test func dropoutIsTheIdentityInEvaluation() throws {
        let model = try Sequential(inputShape: [5], layers: [.dropout(rate: 0.9)], seed: 0)
        let input = Tensor(shape: [2, 5], scalars: (0..<10).map(Float.init))
        #expect(model(input) == input)
    }

    @Test func dropoutDropsAboutItsRateAndScalesTheRest() {
        let kernel = DropoutKernel(size: 10_000, rate: 0.3)
        var input = [Float](repeating: 1, count: 10_000), output = [Float](repeating: 0, count: 10_000)
        var generator = SeededGenerator(seed: 1)
        input.withUnsafeMutableBufferPointer { x in
            output.withUnsafeMutableBufferPointer { y in
                kernel.forward(
                    ForwardArguments(input: x.baseAddress!, output: y.baseAddress!, batch: 1, training: true, parameters: x.baseAddress!, buffers: x.baseAddress!),
                    generator: &generator)
            }
        }
        let dropped = output.filter { $0 == 0 }.count
        #expect(abs(Double(dropped) / 10_000 - 0.3) < 0.02)
        #expect(output.filter { $0 != 0 }.allSatisfy { abs($0 - 1 / 0.7) < 1e-6 })
    }

    @Test(arguments: [
        (LayerSpec.relu, Float(-1), Float(0)), (.relu, 2, 2), (.leakyReLU(slope: 0.1), -2, -0.2), (.elu(alpha: 1), 0, 0),
        (.gelu, 1, 0.841_344_7), (.sigmoid, 0, 0.5), (.tanh, 1, 0.761_594_2),
    ])
    func activationValues(spec: LayerSpec, x: Float, y: Float) throws {
        let model = try Sequential(inputShape: [1], layers: [spec], seed: 0)
        #expect(abs(model(Tensor(shape: [1, 1], scalars: [x])).scalars[0] - y) < 1e-6)
    }
}
