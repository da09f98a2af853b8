import Testing
import _LoomTestSupport

@testable import Dataset

@Suite("Batching")
struct BatchingTests {
    static let images = LabeledImages(
        pixels: [0, 255, 51, 102, 10, 20, 30, 40, 255, 0, 0, 255], labels: [2, 0, 1], channels: 1, height: 2, width: 2,
        classNames: ["a", "b", "c"])

    @Test("Gathering scales to [0, 1] and follows the index order")
    func gatherUnit() {
        var buffer = [Float](repeating: -1, count: 9)
        buffer.withUnsafeMutableBufferPointer { buffer in
            Self.images.gatherImages(at: [2, 0] as [Int32], scaling: .unit, into: buffer)
        }
        #expect(buffer == [1, 0, 0, 1, 0, 1, 0.2, 0.4, -1])
        var labels = [Int32](repeating: -1, count: 2)
        labels.withUnsafeMutableBufferPointer { Self.images.gatherLabels(at: [2, 0] as [Int32], into: $0) }
        #expect(labels == [1, 2])
    }

    @Test("Standardising subtracts the mean and divides by the deviation on the [0, 1] scale")
    func gatherStandardized() {
        var buffer = [Float](repeating: 0, count: 4)
        let scaling = PixelScaling.standardized(mean: 0.5, standardDeviation: 0.25)
        buffer.withUnsafeMutableBufferPointer { buffer in
            Self.images.gatherImages(at: [0] as [Int32], scaling: scaling, into: buffer)
        }
        let expected: [Float] = [-2, 2, (0.2 - 0.5) / 0.25, (0.4 - 0.5) / 0.25]
        for (value, target) in zip(buffer, expected) {
            #expect(abs(value - target) < 1e-5)
        }
        #expect(scaling.value(of: 255) == 2)
    }

    @Test("A slice of a shuffled index list gathers the same as the array of its elements")
    func gatherSlice() {
        let order: [Int32] = [1, 2, 0]
        var fromSlice = [Float](repeating: 0, count: 8)
        var fromArray = [Float](repeating: 0, count: 8)
        fromSlice.withUnsafeMutableBufferPointer { Self.images.gatherImages(at: order[1...], scaling: .unit, into: $0) }
        fromArray.withUnsafeMutableBufferPointer { Self.images.gatherImages(at: [2, 0] as [Int32], scaling: .unit, into: $0) }
        #expect(fromSlice == fromArray)
    }

    @Test("Pixel statistics are the mean and population deviation of p / 255")
    func statistics() {
        let images = LabeledImages(pixels: [0, 255, 0, 255], labels: [0, 0], channels: 1, height: 1, width: 2, classNames: ["a"])
        let whole = images.pixelStatistics(of: [0, 1])
        #expect(abs(whole.mean - 0.5) < 1e-6 && abs(whole.standardDeviation - 0.5) < 1e-6)
        let random = LabeledImages(
            pixels: DatasetFixtures.bytes(count: 300, seed: 11), labels: [Int32](repeating: 0, count: 3), channels: 1, height: 10, width: 10,
            classNames: ["a"])
        let values = random.pixels.map { Double($0) / 255 }
        let mean = values.reduce(0, +) / Double(values.count)
        let deviation = (values.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(values.count)).squareRoot()
        let measured = random.pixelStatistics(of: [0, 1, 2])
        #expect(abs(Double(measured.mean) - mean) < 1e-6)
        #expect(abs(Double(measured.standardDeviation) - deviation) < 1e-6)
    }
}
