import Dataset
import Foundation
import TensorCore

/// A small image set with a known structure, written as the four Fashion-MNIST IDX files so that
/// `load` reads it like the real thing (`dataset: <directory>`).
///
/// Class `k` draws a bright horizontal bar whose row depends on `k` on a dark background, with a
/// little seeded noise, so a model can learn it and EDA results are predictable.
public struct SyntheticFashionFolder: Sendable {
    public let directory: String
    public let classCount: Int
    public let side: Int
    public let trainPerClass: Int
    public let testPerClass: Int

    /// Writes the four files into a new temporary folder.
    public init(classCount: Int = 10, side: Int = 12, trainPerClass: Int = 24, testPerClass: Int = 6,
                seed: UInt64 = 1) throws {
        self.classCount = classCount
        self.side = side
        self.trainPerClass = trainPerClass
        self.testPerClass = testPerClass
        directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("loom-synthetic-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        var generator = SeededGenerator(seed: seed)
        for (part, perClass) in [("train", trainPerClass), ("t10k", testPerClass)] {
            let count = perClass * classCount
            var pixels = [UInt8](repeating: 0, count: count * side * side)
            var labels = [UInt8](repeating: 0, count: count)
            for index in 0..<count {
                let label = index % classCount
                labels[index] = UInt8(label)
                let row = (label * (side - 2)) / max(1, classCount - 1) + 1
                for y in 0..<side {
                    for x in 0..<side {
                        let bar = abs(y - row) <= 0 && x >= 1 && x < side - 1
                        let noise = Int(generator.next() % 24)
                        pixels[(index * side + y) * side + x] = UInt8(min(255, (bar ? 220 : 10) + noise))
                    }
                }
            }
            try IDXArray(dimensions: [count, side, side], bytes: pixels)
                .write(to: directory + "/\(part)-images-idx3-ubyte.gz")
            try IDXArray(dimensions: [count], bytes: labels).write(to: directory + "/\(part)-labels-idx1-ubyte.gz")
        }
    }

    public var imageCount: Int { (trainPerClass + testPerClass) * classCount }

    public func remove() { try? FileManager.default.removeItem(atPath: directory) }
}
