import Foundation
import Testing
import TensorCore
@testable import NeuralNet

/// The same seed and thread count give bit-identical weights for an MLP of the study's shape,
/// trained as loom trains it (half a batch per core): a race in that step once made the weights
/// differ from run to run, which only showed on batches this size.
struct MLPDeterminismTests {
    func trainOnce() throws -> [UInt32] {
        var generator = SeededGenerator(seed: 11)
        let count = 1024
        let pixels = (0..<(count * 28 * 28)).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
        let labels = (0..<count).map { Int32($0 % 10) }
        let images = try ImageSet(pixels: pixels, labels: labels, imageShape: [1, 28, 28])
        let model = try Sequential(inputShape: [1, 28, 28],
                                   layers: [.flatten, .dense(units: 256), .relu, .dropout(rate: 0.2),
                                            .dense(units: 128), .relu, .dense(units: 10)], seed: 1)
        var trainer = try Trainer(model: model, configuration: TrainingConfiguration(
            epochs: 2, batchSize: 128, optimizer: .adam(), learningRate: .constant(0.001), seed: 2))
        return try trainer.fit(training: images).model.parameters.scalars.map(\.bitPattern)
    }

    @Test func sameSeedGivesBitIdenticalWeights() throws {
        let first = try trainOnce()
        for _ in 0..<3 { #expect(try trainOnce() == first) }
    }
}
