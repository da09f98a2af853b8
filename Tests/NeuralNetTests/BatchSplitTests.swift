import Testing
import TensorCore
import _LoomTestSupport
@testable import NeuralNet

/// A training step that runs the batch as one part per thread (networks whose samples never
/// interact) must give the loss, the accuracy count and the gradients of one pass over the
/// whole batch, and leave the generator where one pass leaves it.
struct BatchSplitTests {
    /// Runs one step both ways on the same data: `trainingStep` on a fresh network, and forward,
    /// loss, backward on another.
    func bothWays(layers: [LayerSpec], batch: Int) throws -> (split: Network, whole: [Float], parts: [Float], loss: (Double, Double), correct: (Int, Int), generators: (SeededGenerator, SeededGenerator)) {
        let model = try Sequential(inputShape: [1, 4, 4], layers: layers, seed: 3)
        let input = spacedTensor(shape: [batch, 1, 4, 4], spacing: 0.05, seed: 4)
        var labelGenerator = SeededGenerator(seed: 5)
        let labels = (0..<batch).map { _ in Int32(labelGenerator.next() % 4) }
        let loss = SoftmaxCrossEntropy()
        var parameters = model.parameters.scalars, buffers = model.buffers.scalars

        let split = Network(layers: model.layers, plans: model.plans, capacity: batch, training: true)
        var splitGradients = [Float](repeating: .nan, count: parameters.count)
        var splitGenerator = SeededGenerator(seed: 6)
        let splitResult = input.withUnsafeBufferPointer { x in
            labels.withUnsafeBufferPointer { l in
                parameters.withUnsafeMutableBufferPointer { p in
                    buffers.withUnsafeMutableBufferPointer { b in
                        splitGradients.withUnsafeMutableBufferPointer { g in
                            split.trainingStep(
                                input: x.baseAddress!, labels: l.baseAddress!, batch: batch, classes: 4, loss: loss,
                                parameters: p, buffers: b, gradients: g, generator: &splitGenerator)
                        }
                    }
                }
            }
        }

        let whole = Network(layers: model.layers, plans: model.plans, capacity: batch, training: true)
        var wholeGradients = [Float](repeating: .nan, count: parameters.count)
        var wholeGenerator = SeededGenerator(seed: 6)
        let wholeResult = input.withUnsafeBufferPointer { x in
            labels.withUnsafeBufferPointer { l in
                parameters.withUnsafeMutableBufferPointer { p in
                    buffers.withUnsafeMutableBufferPointer { b in
                        wholeGradients.withUnsafeMutableBufferPointer { g in
                            let logits = whole.forward(input: x.baseAddress!, batch: batch, parameters: p, buffers: b, generator: &wholeGenerator)
                            let result = loss.evaluate(logits: logits, labels: l.baseAddress!, batch: batch, classes: 4, gradient: whole.outputGradient)
                            whole.backward(input: x.baseAddress!, batch: batch, parameters: p, gradients: g)
                            return result
                        }
                    }
                }
            }
        }
        return (split, wholeGradients, splitGradients, (splitResult.loss, wholeResult.loss), (splitResult.correct, wholeResult.correct), (splitGenerator, wholeGenerator))
    }

    @Test(arguments: [
        [LayerSpec.flatten, .dense(units: 12), .relu, .dropout(rate: 0.5), .dense(units: 8), .tanh, .dense(units: 4)],
        [LayerSpec.flatten, .dense(units: 4)],
        // Layers of very different sizes (MLPDeterminismTests trains the study's MLP shape, where
        // a race between the parts once showed).
        [LayerSpec.flatten, .dense(units: 64), .relu, .dense(units: 2), .dense(units: 4)],
    ])
    func splitStepMatchesOnePass(layers: [LayerSpec]) throws {
        for _ in 0..<20 { try compareSplitStep(layers: layers) }
    }

    func compareSplitStep(layers: [LayerSpec]) throws {
        let result = try bothWays(layers: layers, batch: 45)
        // On a machine with one core the step runs in one pass and the comparison is trivial.
        #expect(result.split.splitsBatch == (ComputeThreads.count > 1))
        #expect(abs(result.loss.0 - result.loss.1) < 1e-6)
        #expect(result.correct.0 == result.correct.1)
        #expect(result.generators.0 == result.generators.1)
        #expect(result.parts.count == result.whole.count)
        for (part, whole) in zip(result.parts, result.whole) {
            #expect(abs(part - whole) <= 1e-5 * max(1, abs(whole)), "split \(part) vs whole \(whole)")
        }
    }

    @Test func convolutionsDoNotSplitTheBatch() throws {
        let result = try bothWays(layers: [.conv(filters: 2, kernel: 3), .relu, .flatten, .dense(units: 4)], batch: 40)
        #expect(!result.split.splitsBatch)
        #expect(result.parts == result.whole)
    }
}
