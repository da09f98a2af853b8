import Analysis
import Foundation
import Testing

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

/// A tiny seeded source of uniform floats for test data.
struct SeededGeneratorForTests {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func unit() -> Float {
        state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        return Float(state >> 40) / Float(1 << 24)
    }
}
