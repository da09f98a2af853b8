import Testing
import TensorCore
import _LoomTestSupport
@testable import NeuralNet

/// Compares back-propagated gradients with central finite differences of the objective
/// `L = Σ yᵢ rᵢ` for fixed random weights `r`, in training mode, for every input and parameter.
struct GradientChecker {
    let model: Sequential
    let network: Network
    let batch: Int
    let input: Tensor
    let weights: Tensor
    let epsilon: Float

    init(layers: [LayerSpec], inputShape: [Int], batch: Int, seed: UInt64, epsilon: Float = 5e-3) throws {
        self.epsilon = epsilon
        model = try Sequential(inputShape: inputShape, layers: layers, seed: seed)
        network = Network(layers: model.layers, plans: model.plans, capacity: batch, training: true)
        self.batch = batch
        input = spacedTensor(shape: [batch] + inputShape, spacing: 0.05, seed: seed + 1)
        var generator = SeededGenerator(seed: seed + 2)
        weights = Tensor.randomNormal(shape: [batch * model.outputShape.reduce(1, *)], using: &generator)
    }

    /// `Σ yᵢ rᵢ` in `Double`, with dropout's generator reset so every call draws the same mask.
    func objective(input: Tensor, parameters: [Float]) -> Double {
        var parameters = parameters, buffers = model.buffers.scalars
        var generator = SeededGenerator(seed: 99)
        let count = weights.count
        return input.withUnsafeBufferPointer { x in
            parameters.withUnsafeMutableBufferPointer { p in
                buffers.withUnsafeMutableBufferPointer { b in
                    let y = network.forward(input: x.baseAddress!, batch: batch, parameters: p, buffers: b, generator: &generator)
                    var total = 0.0
                    for i in 0..<count { total += Double(y[i]) * Double(weights.scalars[i]) }
                    return total
                }
            }
        }
    }

    /// The back-propagated gradients with respect to the input and the parameters.
    func analytic() -> (input: Tensor, parameters: Tensor) {
        _ = objective(input: input, parameters: model.parameters.scalars)
        var parameters = model.parameters.scalars, buffers = model.buffers.scalars
        var gradients = [Float](repeating: .nan, count: parameters.count)
        var inputGradient = Tensor.zeros(shape: input.shape)
        var generator = SeededGenerator(seed: 99)
        input.withUnsafeBufferPointer { x in
            parameters.withUnsafeMutableBufferPointer { p in
                buffers.withUnsafeMutableBufferPointer { b in
                    gradients.withUnsafeMutableBufferPointer { g in
                        _ = network.forward(input: x.baseAddress!, batch: batch, parameters: p, buffers: b, generator: &generator)
                        network.outputGradient.update(from: weights.scalars, count: weights.count)
                        let dx = network.backward(input: x.baseAddress!, batch: batch, parameters: p, gradients: g, inputGradient: true)!
                        inputGradient.withUnsafeMutableBufferPointer { $0.baseAddress!.update(from: dx, count: input.count) }
                    }
                }
            }
        }
        return (inputGradient, Tensor(shape: [gradients.count], scalars: gradients))
    }

    func numeric() -> (input: Tensor, parameters: Tensor) {
        let parameters = model.parameters.scalars
        var inputGradient = Tensor.zeros(shape: input.shape)
        for i in 0..<input.count {
            var plus = input, minus = input
            plus.scalars[i] += epsilon
            minus.scalars[i] -= epsilon
            let difference = objective(input: plus, parameters: parameters) - objective(input: minus, parameters: parameters)
            inputGradient.scalars[i] = Float(difference / Double(2 * epsilon))
        }
        var parameterGradient = Tensor.zeros(shape: [parameters.count])
        for i in 0..<parameters.count {
            var plus = parameters, minus = parameters
            plus[i] += epsilon
            minus[i] -= epsilon
            let difference = objective(input: input, parameters: plus) - objective(input: input, parameters: minus)
            parameterGradient.scalars[i] = Float(difference / Double(2 * epsilon))
        }
        return (inputGradient, parameterGradient)
    }
}

struct GradientCase: CustomTestStringConvertible, Sendable {
    var name: String
    var layers: [LayerSpec]
    var inputShape: [Int]
    var batch: Int = 2
    /// The finite-difference step; smaller where max-pool windows hold near-ties.
    var epsilon: Float = 5e-3
    /// The seed of weights and inputs. Convolution outputs are not spaced like the inputs, so
    /// for ReLU + max-pool cases the seed is one whose windows have no near-ties (with seed 21 the
    /// two largest values of one window are 0.0015 apart and a step crosses the kink).
    var seed: UInt64 = 21
    var testDescription: String { name }
}

@Suite struct GradientCheckTests {
    static let cases: [GradientCase] = [
        GradientCase(name: "dense", layers: [.dense(units: 3)], inputShape: [4], batch: 3),
        GradientCase(name: "dense + fused relu", layers: [.dense(units: 5), .relu], inputShape: [4], batch: 3),
        GradientCase(name: "conv 3×3 same", layers: [.conv(filters: 2, kernel: 3)], inputShape: [2, 5, 5]),
        GradientCase(name: "conv 3×3 stride 2 valid", layers: [.conv(filters: 2, kernel: 3, stride: 2, padding: .valid)], inputShape: [2, 7, 6]),
        GradientCase(name: "conv 2×2 stride 2 same (uneven padding)", layers: [.conv(filters: 3, kernel: 2, stride: 2)], inputShape: [1, 5, 5]),
        GradientCase(name: "conv 5×5 same", layers: [.conv(filters: 2, kernel: 5)], inputShape: [1, 4, 6]),
        // Batch 3 with seed 21 keeps every pre-activation at least 0.05 from the ReLU kink.
        GradientCase(name: "conv + fused relu", layers: [.conv(filters: 3, kernel: 3), .relu], inputShape: [2, 4, 4], batch: 3),
        GradientCase(name: "conv + fused relu + fused maxpool", layers: [.conv(filters: 3, kernel: 3), .relu, .maxPool(size: 2)], inputShape: [2, 4, 4], batch: 3, epsilon: 1e-3, seed: 22),
        GradientCase(name: "conv + fused maxpool on odd size", layers: [.conv(filters: 2, kernel: 3), .maxPool(size: 2)], inputShape: [1, 5, 5], batch: 2),
        GradientCase(
            name: "two fused conv blocks + dense",
            layers: [.conv(filters: 2, kernel: 3), .relu, .maxPool(size: 2), .conv(filters: 3, kernel: 3), .relu, .maxPool(size: 2), .flatten, .dense(units: 2)],
            inputShape: [1, 8, 8], batch: 3, epsilon: 1e-3, seed: 25),
        GradientCase(name: "maxpool 2", layers: [.maxPool(size: 2)], inputShape: [2, 4, 4]),
        GradientCase(name: "maxpool 3 stride 2 (overlapping)", layers: [.maxPool(size: 3, stride: 2)], inputShape: [2, 7, 7]),
        GradientCase(name: "maxpool 2 on odd size", layers: [.maxPool(size: 2)], inputShape: [1, 5, 5]),
        GradientCase(name: "depthwise-conv 3 same", layers: [.depthwiseConv(filters: 3, kernel: 3)], inputShape: [2, 5, 5], batch: 2),
        GradientCase(name: "depthwise-conv 2 stride 2 valid", layers: [.depthwiseConv(filters: 2, kernel: 2, stride: 2, padding: .valid)],
                     inputShape: [3, 5, 4], batch: 2),
        GradientCase(name: "depthwise-conv, relu, dense", layers: [.depthwiseConv(filters: 2, kernel: 3), .relu, .flatten, .dense(units: 3)],
                     inputShape: [2, 4, 4], batch: 2),
        GradientCase(name: "avgpool 2", layers: [.avgPool(size: 2)], inputShape: [2, 4, 4]),
        GradientCase(name: "avgpool 3 stride 2", layers: [.avgPool(size: 3, stride: 2)], inputShape: [1, 7, 7]),
        GradientCase(name: "global avgpool", layers: [.globalAvgPool], inputShape: [3, 3, 3]),
        GradientCase(name: "flatten + dense", layers: [.flatten, .dense(units: 2)], inputShape: [2, 2, 2]),
        GradientCase(name: "dropout", layers: [.dropout(rate: 0.5)], inputShape: [8], batch: 3),
        GradientCase(name: "batchnorm after conv", layers: [.batchNorm], inputShape: [3, 2, 2], batch: 4),
        GradientCase(name: "batchnorm after dense", layers: [.dense(units: 4), .batchNorm], inputShape: [3], batch: 5),
        GradientCase(name: "batchnorm with a fused relu, after conv", layers: [.conv(filters: 3, kernel: 3), .batchNorm, .relu],
                     inputShape: [2, 5, 5], batch: 3),
        GradientCase(name: "batchnorm with a fused relu, after dense", layers: [.dense(units: 6), .batchNorm, .relu, .dense(units: 3)],
                     inputShape: [4], batch: 6),
        GradientCase(name: "relu", layers: [.relu], inputShape: [7], batch: 3),
        GradientCase(name: "leaky relu", layers: [.leakyReLU(slope: 0.1)], inputShape: [7], batch: 3),
        GradientCase(name: "elu", layers: [.elu(alpha: 0.8)], inputShape: [7], batch: 3),
        GradientCase(name: "gelu", layers: [.gelu], inputShape: [7], batch: 3),
        GradientCase(name: "sigmoid", layers: [.sigmoid], inputShape: [7], batch: 3),
        GradientCase(name: "tanh", layers: [.tanh], inputShape: [7], batch: 3),
        GradientCase(
            name: "conv-bn-relu-pool-dropout-dense chain",
            layers: [.conv(filters: 2, kernel: 3), .batchNorm, .relu, .maxPool(size: 2), .flatten, .dropout(rate: 0.3), .dense(units: 3), .tanh],
            inputShape: [1, 4, 4], batch: 3),
    ]

    @Test(arguments: cases)
    func backpropagationMatchesFiniteDifferences(_ testCase: GradientCase) throws {
        let checker = try GradientChecker(
            layers: testCase.layers, inputShape: testCase.inputShape, batch: testCase.batch, seed: testCase.seed, epsilon: testCase.epsilon)
        let analytic = checker.analytic()
        let numeric = checker.numeric()
        expectClose(analytic.input, numeric.input, tolerance: 5e-3)
        expectClose(analytic.parameters, numeric.parameters, tolerance: 5e-3)
    }

    @Test(arguments: [Float(0), 0.1])
    func softmaxCrossEntropyGradientMatchesFiniteDifferences(labelSmoothing: Float) {
        let loss = SoftmaxCrossEntropy(labelSmoothing: labelSmoothing)
        var generator = SeededGenerator(seed: 4)
        let logits = Tensor.randomNormal(shape: [3, 4], using: &generator)
        let labels: [Int32] = [2, 0, 3]
        let analytic = loss.gradient(logits: logits, labels: labels)
        var numeric = Tensor.zeros(shape: logits.shape)
        let epsilon: Float = 1e-2
        for i in 0..<logits.count {
            var plus = logits, minus = logits
            plus.scalars[i] += epsilon
            minus.scalars[i] -= epsilon
            numeric.scalars[i] = (loss.loss(logits: plus, labels: labels) - loss.loss(logits: minus, labels: labels)) / (2 * epsilon)
        }
        expectClose(analytic, numeric, tolerance: 2e-3)
    }

    @Test func crossEntropyValueMatchesTheFormula() {
        let logits = Tensor(shape: [1, 3], scalars: [1, 2, 3])
        let logSum = Float(1.0).exp() + Float(2.0).exp() + Float(3.0).exp()
        let plain = SoftmaxCrossEntropy().loss(logits: logits, labels: [0])
        #expect(abs(plain - (logSum.log() - 1)) < 1e-5)
        // With ε = 0.3 over 3 classes the target is (0.8, 0.1, 0.1).
        let smoothed = SoftmaxCrossEntropy(labelSmoothing: 0.3).loss(logits: logits, labels: [0])
        #expect(abs(smoothed - (logSum.log() - (0.8 * 1 + 0.1 * 2 + 0.1 * 3))) < 1e-5)
    }
}

extension Float {
    fileprivate func exp() -> Float { Float(Foundation.exp(Double(self))) }
    fileprivate func log() -> Float { Float(Foundation.log(Double(self))) }
}

import Foundation
