import Analysis
import Dataset
import Foundation
import NeuralNet
import TensorCore
import Testing
@testable import Actions

/// `test-time: flip` on `evaluate` and `predict`: each image is scored with its mirror too.
@Suite struct TestTimeAugmentationTests {
    /// Three 1×2×3 images whose rows are not symmetric, labelled 0, 1, 2.
    func asymmetricImages() throws -> ImageSet {
        try ImageSet(pixels: [1, 2, 3, 4, 5, 6,
                              10, 0, 0, 0, 0, 0,
                              7, 8, 9, 9, 8, 7],
                     labels: [0, 1, 2], imageShape: [1, 2, 3])
    }

    @Test func flippingReversesEveryRowAndKeepsTheSelectionsOrderAndLabels() throws {
        let images = try asymmetricImages()
        let flipped = images.horizontallyFlipped()
        #expect(flipped.pixels == [3, 2, 1, 6, 5, 4, 0, 0, 10, 0, 0, 0, 9, 8, 7, 7, 8, 9])
        #expect(flipped.labels == [0, 1, 2])
        #expect(flipped.horizontallyFlipped().pixels == images.pixels)

        let subset = images.subset([2, 0]).horizontallyFlipped()
        #expect(subset.count == 2)
        #expect(subset.pixels == [9, 8, 7, 7, 8, 9, 3, 2, 1, 6, 5, 4])
        #expect(subset.labels == [2, 0])
    }

    /// A linear model on the six pixels whose class-0 score reads the left column and class-1
    /// score the right one, so a mirror changes what it says.
    func sidedModel() throws -> TrainedModel {
        let weights: [Float] = [0.2, 0, 0, 0.1, 0, 0,   // class 0: left pixels
                                0, 0, 0.2, 0, 0, 0.1,   // class 1: right pixels
                                0, 0.1, 0, 0, 0.1, 0]   // class 2: middle pixels
        let model = try Sequential(inputShape: [1, 2, 3], layers: [.flatten, .dense(units: 3)],
                                   parameters: Tensor(shape: [21], scalars: weights + [0, 0, 0]),
                                   buffers: Tensor(shape: [0], scalars: []))
        return TrainedModel(model: model, pixelScaling: .unit)
    }

    @Test func flipAveragesTheProbabilitiesOfEachImageAndItsMirror() throws {
        let model = try sidedModel(), images = try asymmetricImages()
        let plain = try Predictions(model: model, images: images)
        let mirrored = try Predictions(model: model, images: images.horizontallyFlipped())
        let both = try Predictions(model: model, images: images, testTime: .flip)

        #expect(plain.predicted != mirrored.predicted)  // the mirror matters to this model
        for (index, probability) in both.probabilities.enumerated() {
            let expected = (plain.probabilities[index] + mirrored.probabilities[index]) / 2
            #expect(abs(probability - expected) < 1e-6, "probability \(index): \(probability) vs \(expected)")
        }
        // The logits are the averaged probabilities' logarithms: their softmax gives them back,
        // so the log-loss and every metric read the averaged prediction.
        let again = ClassifierMaths.softmax(logits: both.logits, classCount: 3)
        for (a, b) in zip(again, both.probabilities) { #expect(abs(a - b) < 1e-6) }
        for row in 0..<3 { #expect(abs(both.row(row).reduce(0, +) - 1) < 1e-5) }
        // Image 1 (one bright pixel on the left) is class 0 alone and its mirror class 1; averaged,
        // the two classes are equally probable.
        let image1 = Array(both.row(1))
        #expect(abs(image1[0] - image1[1]) < 1e-6)
    }

    @Test func anEvaluateCellSaysItUsedTestTimeFlips() throws {
        let harness = try EvaluationHarness()
        let report = try harness.run(harness.perfectModelNotebook("""
            ```loom evaluate
            model: perfect
            test-time: flip
            ```

            ```loom predict
            model: perfect
            images: 4
            test-time: flip
            ```
            """))
        let evaluate = report.cells[3], predict = report.cells[4]
        #expect(evaluate.status == .ran, "\(evaluate.failure ?? "")")
        #expect(evaluate.markdownText.contains("with test-time flips (each image's probabilities averaged with its mirror's)"))
        // The synthetic bars are symmetric left to right, so the perfect model stays perfect.
        #expect(evaluate.metric("accuracy") == "1.000")
        #expect(predict.status == .ran, "\(predict.failure ?? "")")
    }

    @Test func anUnknownTestTimeAugmentationIsACheckError() throws {
        let harness = try EvaluationHarness()
        let errors = harness.check(harness.perfectModelNotebook("""
            ```loom evaluate
            model: perfect
            test-time: flips
            ```
            """)).errors.map(\.description)
        #expect(errors.count == 1)
        #expect(errors.first?.contains("'flips'") == true && errors.first?.contains("'flip'") == true, "\(errors)")
    }
}
