import Analysis
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
    // A rotation that rounds to zero is left out rather than written "-0°".
    #expect(AugmentAction.describe(Augmentation.Draw(shiftX: 1, degrees: -0.3)) == "→1 ↓0")
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

