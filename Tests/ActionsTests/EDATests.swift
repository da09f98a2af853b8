import Dataset
import Engine
import Figures
import Foundation
import Testing
@testable import Actions

// MARK: - Computations with known answers

@Test(arguments: [([10, 10, 10], 1.0), ([10, 5, 20], 4.0), ([3, 0, 3], Double.infinity), ([Int](), 1.0)])
func imbalanceRatioIsLargestOverSmallest(counts: [Int], expected: Double) {
    #expect(ClassesAction.imbalanceRatio(counts) == expected)
}

@Test func contentBoxAndCropMarginsOfPlantedSquares() {
    // A 3×4 block at rows 2...4, columns 5...8 of a 10×12 image.
    var pixels = [UInt8](repeating: 0, count: 10 * 12)
    for row in 2...4 { for column in 5...8 { pixels[row * 12 + column] = 200 } }
    pixels[0] = 3  // faint: background at threshold 5
    let box = ContentBox.of(pixels[...], channels: 1, height: 10, width: 12, threshold: 5)
    #expect(box == ContentBox(top: 2, bottom: 4, left: 5, right: 8))
    #expect(ContentBox.of(pixels[...], channels: 1, height: 10, width: 12, threshold: 0)?.top == 0)
    #expect(ContentBox.of([UInt8](repeating: 0, count: 120)[...], channels: 1, height: 10, width: 12, threshold: 0) == nil)

    let boxes = [ContentBox(top: 2, bottom: 4, left: 5, right: 8), ContentBox(top: 1, bottom: 8, left: 3, right: 9)]
    #expect(CropMargins.of(boxes, height: 10, width: 12, tolerance: 0) == CropMargins(top: 1, bottom: 1, left: 3, right: 2))
    // Tolerating one image in two lets the crop follow the smaller box.
    #expect(CropMargins.of(boxes, height: 10, width: 12, tolerance: 0.5) == CropMargins(top: 2, bottom: 5, left: 5, right: 3))
}

@Test func knownCorrelationsAreRecovered() {
    // Pixel 1 copies pixel 0 (r = 1), pixel 2 mirrors it (r = −1), pixel 3 is unrelated, pixel 4 is constant.
    var generator = SeededGeneratorForTests(seed: 3)
    let count = 4000
    var rows = [Float]()
    for _ in 0..<count {
        let a = generator.unit(), b = generator.unit()
        rows += [a, a, 1 - a, b, 0.5]
    }
    let (mean, covariance) = PixelAlgebra.covariance(count: count, dimension: 5) { range in
        Array(rows[(range.lowerBound * 5)..<(range.upperBound * 5)])
    }
    #expect(abs(mean[0] - 0.5) < 0.02)
    let r = PixelAlgebra.correlation(fromCovariance: covariance, dimension: 5)
    #expect(abs(r[0 * 5 + 1] - 1) < 1e-4)
    #expect(abs(r[0 * 5 + 2] + 1) < 1e-4)
    #expect(abs(r[0 * 5 + 3]) < 0.05)
    #expect(r[0 * 5 + 4].isNaN && r[4 * 5 + 4].isNaN)
}

@Test func correlationByDistanceGroupsPairsByPixelDistance() {
    // A 2×2 image: pairs at distance 1 (four of them) have r = 0.5, diagonals (√2 → 1) r = 0.5 too,
    // so give the horizontal ones 0.9 and check the mean.
    var matrix = [Double](repeating: 0, count: 16)
    for i in 0..<4 { matrix[i * 4 + i] = 1 }
    func set(_ i: Int, _ j: Int, _ value: Double) { matrix[i * 4 + j] = value; matrix[j * 4 + i] = value }
    set(0, 1, 0.9); set(2, 3, 0.9); set(0, 2, 0.1); set(1, 3, 0.1); set(0, 3, -0.2); set(1, 2, -0.2)
    let curve = CorrelationByDistance(correlation: matrix, height: 2, width: 2)
    #expect(curve.distances == [1])  // √2 rounds to 1
    #expect(curve.pairs == [6])
    #expect(abs(curve.mean[0] - (0.9 * 2 + 0.1 * 2 - 0.2 * 2) / 6) < 1e-12)
}

@Test func principalComponentsOfAKnownMatrix() {
    // Eigenvalues 5, 3, 1 along rotated axes in the first two coordinates.
    let c = 0.8, s = 0.6
    let matrix: [Double] = [5 * c * c + 3 * s * s, (5 - 3) * c * s, 0,
                            (5 - 3) * c * s, 5 * s * s + 3 * c * c, 0,
                            0, 0, 1]
    let (values, vectors) = PixelAlgebra.principalComponents(of: matrix, dimension: 3, count: 2)
    #expect(abs(values[0] - 5) < 1e-4 && abs(values[1] - 3) < 1e-4)
    #expect(abs(abs(Double(vectors[0])) - c) < 1e-4 && abs(abs(Double(vectors[1])) - s) < 1e-4)
    #expect(abs(Double(vectors[2])) < 1e-4)
    let (jacobiValues, _) = PixelAlgebra.symmetricEigen(matrix, n: 3)
    #expect(jacobiValues.enumerated().allSatisfy { abs($0.element - [5, 3, 1][$0.offset]) < 1e-9 })
}

@Test func plantedDuplicatesAreFoundAndDistinctImagesAreNot() throws {
    let fixture = try EDASyntheticData()
    defer { fixture.remove() }
    let images = fixture.all
    let indices = (0..<images.count).map { Int32($0) }
    let exact = AnomalyDetection.exactDuplicates(images, indices: indices)
    #expect(exact == [DuplicatePair(first: 5, second: EDASyntheticData.trainCount, distance: 0)])

    let data = try fixture.edaData()
    let size = images.pixelsPerImage
    let (mean, covariance) = PixelAlgebra.covariance(count: images.count, dimension: size) { data.unitRows(indices[$0]) }
    let basis = PixelAlgebra.principalComponents(of: covariance, dimension: size, count: 8).vectors
    let projected = PixelAlgebra.project(data.unitRows(indices[...]).map { $0 * 255 }, count: images.count, dimension: size,
                                         mean: mean.map { Float($0 * 255) }, components: basis, componentCount: 8)
    let near = AnomalyDetection.nearDuplicates(images, indices: indices, projected: projected, dimensions: 8, threshold: 0.02)
    #expect(near.map { [$0.first, $0.second] } == [[7, 9]])
    #expect(abs((near.first?.distance ?? 0) - 40 / 255 / Double(size).squareRoot()) < 1e-9)
    // A threshold below the planted difference finds nothing.
    #expect(AnomalyDetection.nearDuplicates(images, indices: indices, projected: projected, dimensions: 8, threshold: 0.01).isEmpty)
}

@Test func robustZFlagsTheOneFarValue() {
    let z = AnomalyDetection.robustZ([1, 1.1, 0.9, 1.05, 0.95, 1, 9])
    #expect(z.last! > 50)
    #expect(z.dropLast().allSatisfy { abs($0) < 2 })
}

@Test func sobelEdgesOfASquareLieOnItsBorder() {
    // A bright 4×4 square at rows/columns 3...6 of a 10×10 image.
    var image = [Float](repeating: 0, count: 100)
    for row in 3...6 { for column in 3...6 { image[row * 10 + column] = 1 } }
    let (gx, gy) = ImageFeatures.sobel(image, height: 10, width: 10)
    let magnitude = ImageFeatures.sobelMagnitude(image, height: 10, width: 10)
    // Inside the square (rows/columns 4...5) and far away the image is flat: no edge.
    for row in 4...5 { for column in 4...5 { #expect(magnitude[row * 10 + column] == 0) } }
    #expect(magnitude[0] == 0 && magnitude[99] == 0)
    // Across the left edge brightness rises to the right; across the top edge it rises downwards.
    #expect(gx[4 * 10 + 2] == 4 && gx[4 * 10 + 3] == 4 && gy[4 * 10 + 2] == 0)
    #expect(gx[4 * 10 + 7] == -4)
    #expect(gy[2 * 10 + 4] == 4 && gy[7 * 10 + 4] == -4)
    // Every pixel with an edge is within one pixel of the square's border.
    for row in 0..<10 {
        for column in 0..<10 where magnitude[row * 10 + column] > 0 {
            #expect((2...7).contains(row) && (2...7).contains(column))
        }
    }
}

@Test func localBinaryPatternsOfFlatAndSpotImages() {
    var image = [Float](repeating: 0.5, count: 25)
    image[12] = 1  // a bright spot in the centre of 5×5
    let codes = ImageFeatures.localBinaryPatterns(image, height: 5, width: 5)
    #expect(codes[12] == 0)      // no neighbour is as bright: uniform, zero bits
    #expect(codes[6] == 8)       // interior flat pixel next to the spot: all neighbours ≥ it
    #expect(codes[0] == 3)       // corner: the 5 outside neighbours read 0 < 0.5; 3 inside ones set, contiguous
    let histogram = ImageFeatures.patternHistograms(codes, height: 5, width: 5, grid: 1)
    #expect(abs(histogram.reduce(0, +) - 1) < 1e-6)
}

@Test func orientationHistogramsPutAVerticalEdgeInTheHorizontalGradientBin() {
    // Left half dark, right half bright: gradients point right (0°), bins centred on 10°, 30°, ... split 50/50 at 0°.
    var image = [Float](repeating: 0, count: 64)
    for row in 0..<8 { for column in 4..<8 { image[row * 8 + column] = 1 } }
    let (cells, rows, columns) = ImageFeatures.orientationHistograms(image, height: 8, width: 8, cell: 8)
    #expect(rows == 1 && columns == 1)
    let total = cells.reduce(0, +)
    #expect((cells[0] + cells[8]) / total > 0.6)
    #expect(ImageFeatures.hogDescriptor(image, height: 8, width: 8, cell: 4).count == 36)
}

@Test func nearestCentroidSeparatesSeparatedClusters() {
    let train: [Float] = [0, 0, 0.1, 0, 5, 5, 5.1, 5]
    let predictions = ImageFeatures.nearestCentroid(train: train, trainLabels: [0, 0, 1, 1], test: [0.2, 0.1, 4.8, 5.2],
                                                    dimension: 2, classCount: 2)
    #expect(predictions == [0, 1])
}

@Test func augmentationParametersBuildTheTrainingAugmentation() throws {
    var settings = AugmentSettings()
    settings.flip = 0.5
    settings.shift = 2
    settings.rotate = 10
    settings.crop = [0.8, 1.0]
    settings.erase = EraseSettings(probability: 0.25, area: [0.02, 0.1])
    let augmentation = try settings.augmentation()
    let expected = try Augmentation(flip: 0.5, shift: 2, rotate: 10, crop: .init(0.8, 1),
                                    erase: .init(probability: 0.25, area: .init(0.02, 0.1)), noise: 0)
    #expect(augmentation == expected)
    #expect(try AugmentAction.singles(of: augmentation).map(\.label) == ["flip p=0.50", "shift ±2", "rotate ±10°",
                                                                          "crop 0.80–1.00", "erase p=0.25"])
    #expect(AugmentAction.describe(Augmentation.Draw(flip: true, shiftX: 2, shiftY: -1, degrees: 7.4)) == "flip →2 ↓-1 7°")
    #expect(AugmentAction.describe(Augmentation.Draw()) == "unchanged")
    #expect(AugmentAction.describe(Augmentation.Draw(noise: 0.1)) == "noise only")
}

@Test func samplesAreDrawnPerClassWithoutRepeats() {
    let labels: [Int32] = [0, 1, 0, 1, 0, 2]
    let picks = SamplesAction.draw(labels: labels, classCount: 4, from: [0, 1, 2, 3, 4, 5], count: 2, seed: 1)
    #expect(picks.map(\.count) == [2, 2, 1, 0])
    #expect(picks[0].allSatisfy { labels[Int($0)] == 0 } && Set(picks[0]).count == 2)
    #expect(picks == SamplesAction.draw(labels: labels, classCount: 4, from: [0, 1, 2, 3, 4, 5], count: 2, seed: 1))
}

// MARK: - The actions in a notebook

@Test func everyEDAActionRunsOnSyntheticImagesAndFindsThePlantedAnomalies() throws {
    let fixture = try EDASyntheticData()
    defer { fixture.remove() }
    let text = """
        ```loom load
        dataset: \(fixture.directory)
        ```

        ```loom split
        seed: 1
        ```

        ```loom eda.classes
        ```

        ```loom eda.pixels
        part: all
        ```

        ```loom eda.dimensions
        ```

        ```loom eda.samples
        per-class: 3
        ```

        ```loom eda.heatmap
        part: all
        per-class: true
        ```

        ```loom eda.anomalies
        components: 3
        ```

        ```loom eda.features
        samples: 3
        cell: 3
        grid: 2
        ```

        ```loom eda.augment
        flip: 0.5
        rotate: 15
        erase: {probability: 1}
        samples: 2
        variants: 3
        ```

        ```loom eda.embedding
        points: 50
        ```

        ```loom eda.wordcloud
        ```
        """
    let report = try fixture.run(text)
    for cell in report.cells {
        #expect(cell.status == .ran, "cell \(cell.index + 1) \(cell.action): \(cell.status)")
        if cell.action.hasPrefix("eda.") {
            #expect(!cell.figures.isEmpty, "\(cell.action) makes a figure")
            for figure in cell.figures { #expect((try? PNGImage.decode(figure.png)) != nil) }
        }
    }
    guard report.cells.count == 12 else { Issue.record("expected 12 cells, got \(report.cells.count)"); return }

    let classes = report.cells[2].tables[0]
    #expect(classes.rows.last?.last == "")
    // 12 images per class, except that the planted copies moved one image each from classes 0 and 9
    // to classes 5 and 7: 13 / 11.
    #expect(classes.rows.last?[4] == "1.182")

    #expect(report.cells[4].markdownText.contains("1×12×10"))

    let anomalies = report.cells[7].tables[0]
    func count(_ finding: String) -> String? { anomalies.rows.first { $0[0] == finding }?[2] }
    #expect(count("blank") == "1")
    #expect(count("near-blank") == "1")
    #expect(count("saturated") == "0")
    #expect(count("exact duplicates") == "1 pairs")
    #expect(count("near duplicates") == "1 pairs")
}

@Test func augmentWithEverythingOffIsAnError() throws {
    let fixture = try EDASyntheticData()
    defer { fixture.remove() }
    let report = try fixture.run("""
        ```loom load
        dataset: \(fixture.directory)
        ```

        ```loom split
        ```

        ```loom eda.augment
        flip: 0
        ```
        """)
    guard case .failed(let message)? = report.cells.last?.status else {
        Issue.record("the eda.augment cell did not fail")
        return
    }
    #expect(message.hasSuffix("eda.augment: Every augmentation is off: set at least one of 'flip', 'shift', 'rotate', 'crop', 'erase' or 'noise'."))
}

/// A tiny seeded source of uniform floats for test data.
struct SeededGeneratorForTests {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func unit() -> Float {
        state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        return Float(state >> 40) / Float(1 << 24)
    }
}
