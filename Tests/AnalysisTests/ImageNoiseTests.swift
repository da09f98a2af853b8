import Foundation
import Testing
@testable import Analysis

@Suite struct ImageNoiseTests {
    @Test func theMedianNetworkIsRightForEveryZeroOneInput() {
        // A comparator network sorts (here: selects the median of) every input if it does so for
        // every 0/1 input (Knuth's 0-1 principle), so these 512 cases prove it.
        for bits in 0..<512 {
            let values = (0..<9).map { Float((bits >> $0) & 1) }
            let median = ImageNoise.medianOfNine(values[0], values[1], values[2], values[3], values[4], values[5],
                                                 values[6], values[7], values[8])
            #expect(median == values.sorted()[4], "input \(values)")
        }
        #expect(ImageNoise.medianOfNine(9, 1, 8, 2, 7, 3, 6, 4, 5) == 5)
    }

    @Test(arguments: ImageNoise.Filter.allCases)
    func aFlatImageHasNoResidual(filter: ImageNoise.Filter) {
        let flat = [Float](repeating: 0.4, count: 5 * 4)
        #expect(ImageNoise.residual(flat, height: 5, width: 4, filter: filter).allSatisfy { abs($0) < 1e-7 })
        #expect(ImageNoise.rms(ImageNoise.residual(flat, height: 5, width: 4, filter: filter)) < 1e-7)
    }

    @Test func theMedianRemovesASpeckleAndKeepsAnEdge() {
        // 5×5 black image with one white pixel in the middle: the median removes all of it.
        var speckle = [Float](repeating: 0, count: 25)
        speckle[12] = 1
        let residual = ImageNoise.residual(speckle, height: 5, width: 5, filter: .median)
        #expect(residual[12] == 1)
        #expect(residual.enumerated().allSatisfy { $0.offset == 12 || $0.element == 0 })
        // RMS: one residual of 1 over 25 pixels is √(1/25) = 0.2.
        #expect(abs(ImageNoise.rms(residual) - 0.2) < 1e-9)
        // A vertical edge (left half 0, right half 1) survives the median untouched.
        let edge = (0..<20).map { Float($0 % 4 >= 2 ? 1 : 0) }
        #expect(ImageNoise.residual(edge, height: 5, width: 4, filter: .median).allSatisfy { $0 == 0 })
    }

    @Test func theGaussianKeepsAQuarterOfASpeckle() {
        var speckle = [Float](repeating: 0, count: 9)
        speckle[4] = 1
        let smoothed = ImageNoise.filtered(speckle, height: 3, width: 3, filter: .gaussian)
        // Centre weight 4/16, edge neighbours 2/16, corners 1/16.
        #expect(smoothed == [1, 2, 1, 2, 4, 2, 1, 2, 1].map { Float($0) / 16 })
        let residual = ImageNoise.residual(speckle, height: 3, width: 3, filter: .gaussian)
        #expect(residual[4] == 0.75 && residual[0] == -1.0 / 16)
    }

    @Test func edgePixelsRepeatOutsideTheImage() {
        // A 1×3 ramp: with repeated edges each 3×3 window holds the pixel and its neighbours
        // three times each, so the median of the middle pixel is itself and of an end its own value.
        let ramp: [Float] = [0, 0.5, 1]
        #expect(ImageNoise.filtered(ramp, height: 1, width: 3, filter: .median) == ramp)
        // The Gaussian of the first pixel reads columns −1, 0, 1 as 0, 0, 0.5; the repeated rows give
        // the columns weights 4, 8, 4 (of 16): 4 · 0.5 / 16 = 0.125, and likewise 0.5 and 0.875.
        let gaussian = ImageNoise.filtered(ramp, height: 1, width: 3, filter: .gaussian)
        #expect(abs(gaussian[0] - 0.125) < 1e-7 && abs(gaussian[1] - 0.5) < 1e-7 && abs(gaussian[2] - 0.875) < 1e-7)
    }
}
