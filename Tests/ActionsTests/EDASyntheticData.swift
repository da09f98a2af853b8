import Dataset
import Engine
import Foundation
import Notebook
import TensorCore
@testable import Actions

/// Small synthetic image sets for the EDA tests, with planted anomalies whose answers are known.
///
/// Images are 12 rows × 10 columns (deliberately not 28×28) of a class-specific bright rectangle
/// with seeded noise, so no two images are alike by chance. Planted: training image 0 is blank,
/// test image 0 is a byte-for-byte copy of training image 5, and training image 9 is training
/// image 7 with one pixel changed by 40 (RMS difference 40 / 255 / √120 ≈ 0.014).
struct EDASyntheticData {
    static let height = 12
    static let width = 10
    static let trainCount = 100
    static let testCount = 20

    /// The folder holding the four Fashion-MNIST file names.
    let directory: String
    let train: LabeledImages
    let test: LabeledImages

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("loom-eda-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        var generator = SeededGenerator(seed: 11)
        func image(label: Int) -> [UInt8] {
            var pixels = [UInt8](repeating: 0, count: Self.height * Self.width)
            let top = 1 + label % 3, left = 1 + label % 4
            for row in top..<(top + 7) {
                for column in left..<(left + 5) {
                    pixels[row * Self.width + column] = UInt8(120 + Int(generator.next() % 120))
                }
            }
            return pixels
        }
        func set(count: Int) -> (pixels: [UInt8], labels: [UInt8]) {
            var pixels: [UInt8] = [], labels: [UInt8] = []
            for index in 0..<count {
                let label = index % 10
                labels.append(UInt8(label))
                pixels += image(label: label)
            }
            return (pixels, labels)
        }
        var trainSet = set(count: Self.trainCount)
        var testSet = set(count: Self.testCount)
        let plane = Self.height * Self.width
        // Planted: a blank image, an exact duplicate across the original files, a near duplicate.
        for pixel in 0..<plane { trainSet.pixels[pixel] = 0 }
        for pixel in 0..<plane { testSet.pixels[pixel] = trainSet.pixels[5 * plane + pixel] }
        testSet.labels[0] = trainSet.labels[5]
        for pixel in 0..<plane { trainSet.pixels[9 * plane + pixel] = trainSet.pixels[7 * plane + pixel] }
        trainSet.labels[9] = trainSet.labels[7]
        let changed = 9 * plane + 5 * Self.width + 5
        trainSet.pixels[changed] = trainSet.pixels[changed] > 128 ? trainSet.pixels[changed] - 40 : trainSet.pixels[changed] + 40

        try IDXArray(dimensions: [Self.trainCount, Self.height, Self.width], bytes: trainSet.pixels)
            .write(to: directory + "/" + FashionMNIST.trainImagesFileName)
        try IDXArray(dimensions: [Self.trainCount], bytes: trainSet.labels).write(to: directory + "/" + FashionMNIST.trainLabelsFileName)
        try IDXArray(dimensions: [Self.testCount, Self.height, Self.width], bytes: testSet.pixels)
            .write(to: directory + "/" + FashionMNIST.testImagesFileName)
        try IDXArray(dimensions: [Self.testCount], bytes: testSet.labels).write(to: directory + "/" + FashionMNIST.testLabelsFileName)
        (train, test) = try FashionMNIST.load(directory: directory)
    }

    /// All images, training then test, as `load` with `parts: all` makes them.
    var all: LabeledImages { train.concatenated(with: test) }

    /// An ``EDAData`` over all images with a seeded stratified 80/10/10 split.
    func edaData() throws -> EDAData {
        let images = all
        let split = try DatasetSplit(of: images, stratified: true, seed: 42)
        return EDAData(dataset: DatasetValue(images: images, standardizes: false, source: directory,
                                             originalTestStart: Self.trainCount), split: split)
    }

    /// Runs a notebook text in-process without a cache.
    func run(_ text: String) throws -> RunReport {
        let document = NotebookDocument.parse(path: directory + "/eda.md", text: text)
        let checked = Checker.check(document, registry: BuiltInActions.registry)
        return try NotebookRunner(registry: BuiltInActions.registry, cache: nil).run(checked, options: RunOptions(outputPath: nil))
    }

    func remove() { try? FileManager.default.removeItem(atPath: directory) }
}

