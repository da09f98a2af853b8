import Testing
import TensorCore

@testable import Dataset

@Suite("Augmentation")
struct AugmentationTests {
    /// A `[channels, height, width]` image of distinct values.
    static func ramp(channels: Int = 1, height: Int, width: Int) -> [Float] {
        (0..<(channels * height * width)).map { Float($0 % 251) / 250 }
    }

    /// Applies `draw` to `image` in place and returns the result.
    static func applying(_ draw: Augmentation.Draw, to image: [Float], channels: Int = 1, height: Int, width: Int, background: Float = 0) -> [Float] {
        var result = image
        result.withUnsafeMutableBufferPointer { draw.apply(to: $0, channels: channels, height: height, width: width, background: background) }
        return result
    }

    @Test("Flipping twice gives the image back; flipping once mirrors each row")
    func flipTwice() {
        let image = Self.ramp(channels: 2, height: 3, width: 5)
        let once = Self.applying(.init(flip: true), to: image, channels: 2, height: 3, width: 5)
        #expect(Array(once[0..<5]) == Array(image[0..<5].reversed()))
        #expect(Array(once[15..<20]) == Array(image[15..<20].reversed()))
        #expect(Self.applying(.init(flip: true), to: once, channels: 2, height: 3, width: 5) == image)
    }

    @Test("A flip combined with a resampling mirrors the same way as a flip alone")
    func flipInResampling() {
        let image = Self.ramp(height: 6, width: 6)
        let flipped = Self.applying(.init(flip: true), to: image, height: 6, width: 6)
        let flippedThenShifted = Self.applying(.init(flip: true, shiftX: 1), to: image, height: 6, width: 6)
        let shiftedAfter = Self.applying(.init(shiftX: 1), to: flipped, height: 6, width: 6)
        #expect(flippedThenShifted == shiftedAfter)
    }

    @Test("Shifting by (dx, dy) moves a planted pixel by exactly that", arguments: [(2, 0), (0, -3), (-1, 2), (3, 3)])
    func shiftMovesPixel(dx: Int, dy: Int) {
        var image = [Float](repeating: 0, count: 10 * 12)
        image[4 * 12 + 5] = 1
        let shifted = Self.applying(.init(shiftX: dx, shiftY: dy), to: image, height: 10, width: 12)
        var expected = [Float](repeating: 0, count: 10 * 12)
        expected[(4 + dy) * 12 + 5 + dx] = 1
        #expect(shifted == expected)
    }

    @Test("A drawn shift stays within -shift...shift and reaches both ends")
    func drawnShiftRange() throws {
        let augmentation = try Augmentation(shift: 2)
        var generator = SeededGenerator(seed: 1)
        var seen = Set<Int>()
        for _ in 0..<200 {
            let draw = augmentation.draw(height: 28, width: 28, using: &generator)
            #expect(abs(draw.shiftX) <= 2 && abs(draw.shiftY) <= 2)
            seen.insert(draw.shiftX)
        }
        #expect(seen == [-2, -1, 0, 1, 2])
    }

    @Test("Shifting brings in the background value")
    func shiftBackground() {
        let image = [Float](repeating: 1, count: 3 * 3)
        let shifted = Self.applying(.init(shiftX: 1), to: image, height: 3, width: 3, background: -0.5)
        #expect(shifted == [-0.5, 1, 1, -0.5, 1, 1, -0.5, 1, 1])
    }

    @Test("Rotating by 0 degrees, or drawing from a zero range, changes nothing")
    func rotationZero() throws {
        let image = Self.ramp(channels: 3, height: 7, width: 9)
        #expect(Self.applying(.init(degrees: 0), to: image, channels: 3, height: 7, width: 9) == image)
        let augmentation = try Augmentation(rotate: 0)
        #expect(augmentation.isIdentity)
        var generator = SeededGenerator(seed: 2)
        var result = image
        result.withUnsafeMutableBufferPointer { augmentation.apply(to: $0, channels: 3, height: 7, width: 9, using: &generator) }
        #expect(result == image)
    }

    @Test("Rotating by 90 degrees turns counter-clockwise; four turns give the image back")
    func rotationQuarter() {
        var image = [Float](repeating: 0, count: 8 * 8)
        image[3 * 8 + 6] = 1  // right of the centre (4, 4), in row 3
        let turned = Self.applying(.init(degrees: 90), to: image, height: 8, width: 8)
        // (column 6, row 3) is at (+2.5, -0.5) from the centre; a quarter turn
        // counter-clockwise on screen takes it to (-0.5, -2.5): column 3, row 1.
        #expect(abs(turned[1 * 8 + 3] - 1) < 1e-5)
        #expect(abs(turned.reduce(0, +) - 1) < 1e-4)
        var back = image
        for _ in 0..<4 { back = Self.applying(.init(degrees: 90), to: back, height: 8, width: 8) }
        for (value, original) in zip(back, image) { #expect(abs(value - original) < 1e-4) }
    }

    @Test("A crop window of scale 0.5 at the centre doubles the size of a centred square")
    func cropZoom() {
        var image = [Float](repeating: 0, count: 8 * 8)
        for row in 3..<5 { for column in 3..<5 { image[row * 8 + column] = 1 } }
        let zoomed = Self.applying(.init(crop: .init(scale: 0.5, centerX: 4, centerY: 4)), to: image, height: 8, width: 8)
        // The 2 x 2 square now covers the centre 4 x 4 (fully bright inside 3...4, blended at the edge).
        for row in 3..<5 { for column in 3..<5 { #expect(zoomed[row * 8 + column] == 1) } }
        #expect(zoomed[0] == 0 && zoomed[63] == 0)
        #expect(zoomed.reduce(0, +) > 4 * 1.5)
        #expect(Self.applying(.init(crop: .init(scale: 1, centerX: 4, centerY: 4)), to: image, height: 8, width: 8) == image)
    }

    @Test("Erasing sets exactly its rectangle to the background in every channel")
    func eraseRegion() {
        let image = [Float](repeating: 0.7, count: 2 * 6 * 5)
        let erased = Self.applying(.init(erase: .init(x: 1, y: 2, width: 3, height: 2)), to: image, channels: 2, height: 6, width: 5, background: 0)
        for channel in 0..<2 {
            for row in 0..<6 {
                for column in 0..<5 {
                    let inside = (2..<4).contains(row) && (1..<4).contains(column)
                    #expect(erased[channel * 30 + row * 5 + column] == (inside ? 0 : 0.7))
                }
            }
        }
    }

    @Test("Drawn erase rectangles fit in the image and cover about the requested area")
    func drawnErase() throws {
        let augmentation = try Augmentation(erase: .init(probability: 1, area: .init(0.1, 0.2)))
        var generator = SeededGenerator(seed: 3)
        for _ in 0..<100 {
            let region = try #require(augmentation.draw(height: 28, width: 28, using: &generator).erase)
            #expect(region.x >= 0 && region.y >= 0 && region.x + region.width <= 28 && region.y + region.height <= 28)
            let fraction = Double(region.width * region.height) / 784
            #expect(fraction > 0.05 && fraction < 0.3)
        }
        let never = try Augmentation(erase: .init(probability: 0))
        #expect(never.draw(height: 28, width: 28, using: &generator).erase == nil)
    }

    @Test("Noise has the requested standard deviation and zero mean", arguments: [0.05, 0.2])
    func noiseDeviation(std: Double) throws {
        let side = 200
        let noisy = Self.applying(.init(noise: std, noiseSeed: 17), to: [Float](repeating: 0.5, count: side * side), height: side, width: side)
        let values = noisy.map { Double($0) - 0.5 }
        let mean = values.reduce(0, +) / Double(values.count)
        let deviation = (values.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(values.count)).squareRoot()
        #expect(abs(mean) < 0.01 * std * 5)
        #expect(abs(deviation - std) < 0.02 * std)
    }

    @Test("The same seed gives the same augmented image; another seed another")
    func seededDeterminism() throws {
        let augmentation = try Augmentation(
            flip: 0.5, shift: 2, rotate: 15, crop: .init(0.7, 1), erase: .init(probability: 0.5), noise: 0.05)
        let image = Self.ramp(height: 28, width: 28)
        func run(seed: UInt64) -> [Float] {
            var generator = SeededGenerator(seed: seed)
            var output = [Float](repeating: 0, count: image.count)
            image.withUnsafeBufferPointer { source in
                output.withUnsafeMutableBufferPointer { destination in
                    augmentation.apply(from: source, to: destination, channels: 1, height: 28, width: 28, using: &generator)
                }
            }
            return output
        }
        #expect(run(seed: 4) == run(seed: 4))
        #expect(run(seed: 4) != run(seed: 5))
        #expect(!augmentation.isIdentity)
    }

    @Test("A batch gets one draw per image, the same as applying image by image")
    func batch() throws {
        let augmentation = try Augmentation(flip: 0.5, shift: 3)
        let image = Self.ramp(height: 6, width: 6)
        var batch = image + image + image
        var generator = SeededGenerator(seed: 6)
        batch.withUnsafeMutableBufferPointer { augmentation.apply(toBatch: $0, count: 3, channels: 1, height: 6, width: 6, using: &generator) }
        var replay = SeededGenerator(seed: 6)
        var expected: [Float] = []
        for _ in 0..<3 {
            expected += Self.applying(augmentation.draw(height: 6, width: 6, using: &replay), to: image, height: 6, width: 6)
        }
        #expect(batch == expected)
        #expect(Array(batch[0..<36]) != Array(batch[36..<72]) || Array(batch[36..<72]) != Array(batch[72..<108]))
    }

    @Test(
        "Parameters out of range are refused with the parameter's notebook name",
        arguments: [
            ("flip", "a probability in [0, 1]", "1.5"),
            ("shift", "a number of pixels >= 0", "-1"),
            ("rotate", "an angle in degrees in [0, 180]", "200.0"),
            ("crop", "an interval [lower, upper] of area fractions with 0 < lower <= upper <= 1", "[0.9, 0.5]"),
            ("erase.probability", "a probability in [0, 1]", "-0.1"),
            ("erase.area", "an interval [lower, upper] of area fractions with 0 < lower <= upper <= 1", "[0.0, 0.2]"),
            ("noise", "a standard deviation >= 0", "-0.1"),
        ])
    func invalidParameters(parameter: String, requirement: String, value: String) {
        let expected = DatasetError.invalidAugmentation(parameter: parameter, requirement: requirement, value: value)
        #expect(throws: expected) {
            switch parameter {
            case "flip": _ = try Augmentation(flip: 1.5)
            case "shift": _ = try Augmentation(shift: -1)
            case "rotate": _ = try Augmentation(rotate: 200)
            case "crop": _ = try Augmentation(crop: .init(0.9, 0.5))
            case "erase.probability": _ = try Augmentation(erase: .init(probability: -0.1))
            case "erase.area": _ = try Augmentation(erase: .init(probability: 0.5, area: .init(0, 0.2)))
            default: _ = try Augmentation(noise: -0.1)
            }
        }
    }
}
