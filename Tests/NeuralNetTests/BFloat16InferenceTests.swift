import Testing
import TensorCore
@testable import NeuralNet

/// `InferencePrecision.bfloat16`: dense layers multiply in bfloat16 in inference only.
@Suite struct BFloat16InferenceTests {
    /// An MLP of the study's shape (narrower), with batch norm folded into a dense layer, on
    /// random images; 1,203 of them so that the last batch is a partial one.
    func modelAndImages() throws -> (TrainedModel, ImageSet) {
        let model = try Sequential(inputShape: [1, 8, 8], layers: [
            .flatten, .dense(units: 48), .batchNorm, .relu, .dense(units: 32), .relu, .dense(units: 10),
        ], seed: 9)
        var generator = SeededGenerator(seed: 1)
        let count = 1_203
        let pixels = (0..<(count * 64)).map { _ in UInt8.random(in: 0...255, using: &generator) }
        let labels = (0..<count).map { _ in Int32.random(in: 0..<10, using: &generator) }
        return (TrainedModel(model: model), try ImageSet(pixels: pixels, labels: labels, imageShape: [1, 8, 8]))
    }

    @Test(.enabled(if: BFloat16.availability.available,
                   "this processor has no AVX512_BF16 or AMX, so oneDNN has no native bfloat16 product"))
    func logitsStayCloseToFloat32AndMostPredictionsAgree() throws {
        let (model, images) = try modelAndImages()
        let reference = try model.logits(for: images)
        let reduced = try model.logits(for: images, precision: .bfloat16)
        #expect(reduced.shape == reference.shape)
        let scale = reference.scalars.map(abs).max() ?? 1
        let worst = zip(reduced.scalars, reference.scalars).map { abs($0 - $1) }.max() ?? .infinity
        // Three layers of 8-bit mantissas: about 1% of the logits' range, far from Float32's 1e-6.
        #expect(worst < 0.03 * scale, "largest difference \(worst) of \(scale)")
        #expect(worst > 0, "bfloat16 inference gave Float32's logits bit for bit: it did not round")
        let agree = zip(reduced.argmaxRows(), reference.argmaxRows()).filter { $0 == $1 }.count
        #expect(Double(agree) / Double(images.count) > 0.95)
        // Deterministic, like Float32 inference.
        #expect(try model.logits(for: images, precision: .bfloat16) == reduced)
    }

    @Test func float32IsTheDefaultAndTrainingIgnoresThePrecision() throws {
        let (model, images) = try modelAndImages()
        #expect(try model.logits(for: images, precision: .float32) == model.logits(for: images))
        let network = Network(layers: model.model.layers, plans: model.model.plans, capacity: 16, training: true,
                              precision: .bfloat16)
        #expect(network.kernels.compactMap { $0 as? DenseKernel }.allSatisfy { $0.precision == .float32 })
    }

    @Test(.disabled(if: BFloat16.availability.available, "this processor runs bfloat16; the refusal cannot be seen here"))
    func aProcessorWithoutBFloat16RefusesWithTheReason() throws {
        let (model, images) = try modelAndImages()
        #expect(throws: NeuralNetError.self) { try model.logits(for: images, precision: .bfloat16) }
    }
}
