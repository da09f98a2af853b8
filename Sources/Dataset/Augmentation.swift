import Foundation
import TensorCore

/// Random changes to training images: a reusable description of how much to flip, shift,
/// rotate, crop, erase and add noise.
///
/// An `Augmentation` is a distribution; ``draw(height:width:using:)`` picks one concrete
/// ``Draw`` from it with a random generator, and the draw transforms the image. Given the same
/// generator state, the same draw and the same output follow. The parameter names are those of
/// a notebook's `augment:` mapping:
///
/// ```yaml
/// augment: {flip: 0.5, shift: 2, rotate: 10, crop: [0.8, 1], erase: {probability: 0.5, area: [0.02, 0.2]}, noise: 0.05}
/// ```
///
/// Order of operations on an image `[C, H, W]` of floats: horizontal flip; then one geometric
/// resampling that combines crop-and-resize, rotation about the centre and an integer shift,
/// sampling bilinearly (out-of-image samples read the background value); then random erasing;
/// then Gaussian noise. Every channel gets the same geometry.
///
/// ```swift
/// let augmentation = try Augmentation(flip: 0.5, shift: 2, rotate: 10)
/// var generator = SystemRandomNumberGenerator()
/// augmentation.apply(to: image, channels: 1, height: 28, width: 28, using: &generator)
/// ```
public struct Augmentation: Sendable, Equatable {
    /// A closed interval `lower...upper` of reals, written `[lower, upper]` in a notebook.
    public struct Interval: Sendable, Equatable {
        /// The smallest value.
        public var lower: Double
        /// The largest value.
        public var upper: Double

        /// Creates an interval; ``Augmentation`` checks that `lower <= upper`.
        ///
        /// - Parameters:
        ///   - lower: the smallest value.
        ///   - upper: the largest value.
        public init(_ lower: Double, _ upper: Double) {
            self.lower = lower
            self.upper = upper
        }

        var text: String { "[\(lower), \(upper)]" }
    }

    /// Random erasing (Zhong et al., "Random erasing data augmentation", AAAI 2020): with a
    /// probability, a rectangle covering a random fraction of the image area is set to the
    /// background value.
    public struct Erase: Sendable, Equatable {
        /// How often a rectangle is erased, in `[0, 1]`.
        public var probability: Double
        /// The range of the erased fraction of the image area, within `(0, 1]`.
        public var area: Interval

        /// Creates an erasing setting; ``Augmentation`` checks its ranges.
        ///
        /// - Parameters:
        ///   - probability: how often a rectangle is erased, in `[0, 1]`.
        ///   - area: the range of the erased area fraction, within `(0, 1]`; by default 2 % to 20 %.
        public init(probability: Double, area: Interval = Interval(0.02, 0.2)) {
            self.probability = probability
            self.area = area
        }
    }

    /// The probability of a horizontal (left-right) flip, in `[0, 1]`.
    public let flip: Double
    /// The largest shift in pixels, horizontally and vertically each; a draw shifts by a
    /// uniform integer in `-shift...shift` along each axis.
    public let shift: Int
    /// The largest rotation in degrees, in `[0, 180]`; a draw turns by a uniform angle in
    /// `-rotate...rotate`, positive angles counter-clockwise as displayed.
    public let rotate: Double
    /// The range of the area fraction kept by crop-and-resize, within `(0, 1]`, or `nil` for
    /// none. A draw keeps a square-proportioned window of a uniform area fraction at a uniform
    /// position and scales it back to the full image.
    public let crop: Interval?
    /// Random erasing, or `nil` for none.
    public let erase: Erase?
    /// The standard deviation of the Gaussian noise added to every value (not clipped), `>= 0`.
    public let noise: Double

    /// No change at all.
    public static let identity = Augmentation(uncheckedFlip: 0, shift: 0, rotate: 0, crop: nil, erase: nil, noise: 0)

    /// Creates an augmentation, checking every parameter's range.
    ///
    /// - Parameters:
    ///   - flip: the probability of a horizontal flip, in `[0, 1]`.
    ///   - shift: the largest shift in pixels, `>= 0`.
    ///   - rotate: the largest rotation in degrees, in `[0, 180]`.
    ///   - crop: the range of the kept area fraction, within `(0, 1]`, or `nil`.
    ///   - erase: random erasing, or `nil`.
    ///   - noise: the standard deviation of added Gaussian noise, `>= 0`.
    /// - Throws: ``DatasetError/invalidAugmentation(parameter:requirement:value:)`` naming the
    ///   first parameter out of range.
    public init(flip: Double = 0, shift: Int = 0, rotate: Double = 0, crop: Interval? = nil, erase: Erase? = nil, noise: Double = 0) throws(DatasetError) {
        guard flip >= 0 && flip <= 1 else {
            throw .invalidAugmentation(parameter: "flip", requirement: "a probability in [0, 1]", value: "\(flip)")
        }
        guard shift >= 0 else {
            throw .invalidAugmentation(parameter: "shift", requirement: "a number of pixels >= 0", value: "\(shift)")
        }
        guard rotate >= 0 && rotate <= 180 else {
            throw .invalidAugmentation(parameter: "rotate", requirement: "an angle in degrees in [0, 180]", value: "\(rotate)")
        }
        if let crop, !(crop.lower > 0 && crop.lower <= crop.upper && crop.upper <= 1) {
            throw .invalidAugmentation(
                parameter: "crop", requirement: "an interval [lower, upper] of area fractions with 0 < lower <= upper <= 1", value: crop.text)
        }
        if let erase {
            guard erase.probability >= 0 && erase.probability <= 1 else {
                throw .invalidAugmentation(parameter: "erase.probability", requirement: "a probability in [0, 1]", value: "\(erase.probability)")
            }
            guard erase.area.lower > 0 && erase.area.lower <= erase.area.upper && erase.area.upper <= 1 else {
                throw .invalidAugmentation(
                    parameter: "erase.area", requirement: "an interval [lower, upper] of area fractions with 0 < lower <= upper <= 1",
                    value: erase.area.text)
            }
        }
        guard noise >= 0 && noise.isFinite else {
            throw .invalidAugmentation(parameter: "noise", requirement: "a standard deviation >= 0", value: "\(noise)")
        }
        self.init(uncheckedFlip: flip, shift: shift, rotate: rotate, crop: crop, erase: erase, noise: noise)
    }

    private init(uncheckedFlip flip: Double, shift: Int, rotate: Double, crop: Interval?, erase: Erase?, noise: Double) {
        self.flip = flip
        self.shift = shift
        self.rotate = rotate
        self.crop = crop
        self.erase = erase
        self.noise = noise
    }

    /// Whether every draw leaves images unchanged.
    public var isIdentity: Bool {
        flip == 0 && shift == 0 && rotate == 0 && (crop == nil || crop == Interval(1, 1)) && (erase == nil || erase?.probability == 0) && noise == 0
    }

    /// Picks one concrete transformation for an image of the given size.
    ///
    /// The generator is advanced by a fixed number of draws for each enabled parameter, so a
    /// seeded generator gives a reproducible sequence of draws.
    ///
    /// - Parameters:
    ///   - height: rows of the image.
    ///   - width: columns of the image.
    ///   - generator: the source of randomness.
    public func draw(height: Int, width: Int, using generator: inout some RandomNumberGenerator) -> Draw {
        precondition(height > 0 && width > 0, "Image sizes must be positive.")
        var result = Draw()
        if flip > 0 {
            result.flip = generator._nextUnit() < flip
        }
        if shift > 0 {
            result.shiftX = generator._nextIndex(below: 2 * shift + 1) - shift
            result.shiftY = generator._nextIndex(below: 2 * shift + 1) - shift
        }
        if rotate > 0 {
            result.degrees = generator._nextUniform(-rotate, rotate)
        }
        if let crop {
            let side = generator._nextUniform(crop.lower, crop.upper).squareRoot()
            let windowWidth = side * Double(width)
            let windowHeight = side * Double(height)
            let left = generator._nextUniform(0, Double(width) - windowWidth)
            let top = generator._nextUniform(0, Double(height) - windowHeight)
            result.crop = Draw.Crop(scale: side, centerX: left + windowWidth / 2, centerY: top + windowHeight / 2)
        }
        if let erase, generator._nextUnit() < erase.probability {
            result.erase = Self.eraseRegion(area: erase.area, height: height, width: width, using: &generator)
        }
        if noise > 0 {
            result.noise = noise
            result.noiseSeed = generator.next()
        }
        return result
    }

    /// A rectangle of a uniform area fraction in `area` and an aspect ratio log-uniform in
    /// `[0.3, 1/0.3]` (the defaults of Zhong et al.), at a uniform position; up to ten tries
    /// for one that fits, then the size is clamped to the image.
    static func eraseRegion(area: Interval, height: Int, width: Int, using generator: inout some RandomNumberGenerator) -> Draw.Region {
        let imageArea = Double(height * width)
        var regionHeight = 1
        var regionWidth = 1
        for attempt in 0..<10 {
            let target = generator._nextUniform(area.lower, area.upper) * imageArea
            let aspect = exp(generator._nextUniform(log(0.3), log(1 / 0.3)))
            regionHeight = max(1, Int((target * aspect).squareRoot().rounded()))
            regionWidth = max(1, Int((target / aspect).squareRoot().rounded()))
            if regionHeight <= height && regionWidth <= width { break }
            if attempt == 9 {
                regionHeight = min(regionHeight, height)
                regionWidth = min(regionWidth, width)
            }
        }
        let x = generator._nextIndex(below: width - regionWidth + 1)
        let y = generator._nextIndex(below: height - regionHeight + 1)
        return Draw.Region(x: x, y: y, width: regionWidth, height: regionHeight)
    }

    /// Draws a transformation and applies it to an image in place.
    ///
    /// - Parameters:
    ///   - pixels: the image, `[channels, height, width]` floats.
    ///   - channels: colour channels.
    ///   - height: rows.
    ///   - width: columns.
    ///   - background: the value of pixels shifted, rotated or cropped in from outside the
    ///     image and of erased pixels: 0 for `[0, 1]` images of dark backgrounds.
    ///   - generator: the source of randomness.
    public func apply(
        to pixels: UnsafeMutableBufferPointer<Float>, channels: Int, height: Int, width: Int, background: Float = 0,
        using generator: inout some RandomNumberGenerator
    ) {
        draw(height: height, width: width, using: &generator)
            .apply(to: pixels, channels: channels, height: height, width: width, background: background)
    }

    /// Draws one transformation per image and applies each to its image of a batch in place.
    ///
    /// - Parameters:
    ///   - batch: `count` images, `[count, channels, height, width]` floats.
    ///   - count: the number of images.
    ///   - channels: colour channels.
    ///   - height: rows.
    ///   - width: columns.
    ///   - background: the value of pixels brought in from outside the image and of erased pixels.
    ///   - generator: the source of randomness.
    public func apply(
        toBatch batch: UnsafeMutableBufferPointer<Float>, count: Int, channels: Int, height: Int, width: Int, background: Float = 0,
        using generator: inout some RandomNumberGenerator
    ) {
        let size = channels * height * width
        precondition(batch.count >= count * size, "The batch buffer is smaller than count x channels x height x width.")
        guard !isIdentity else { return }
        for image in 0..<count {
            apply(
                to: UnsafeMutableBufferPointer(rebasing: batch[(image * size)..<((image + 1) * size)]),
                channels: channels, height: height, width: width, background: background, using: &generator)
        }
    }

    /// Draws a transformation and writes the transformed `source` into `destination`.
    ///
    /// - Parameters:
    ///   - source: the image, `[channels, height, width]` floats.
    ///   - destination: as many floats as `source`; must not overlap it.
    ///   - channels: colour channels.
    ///   - height: rows.
    ///   - width: columns.
    ///   - background: the value of pixels brought in from outside the image and of erased pixels.
    ///   - generator: the source of randomness.
    public func apply(
        from source: UnsafeBufferPointer<Float>, to destination: UnsafeMutableBufferPointer<Float>,
        channels: Int, height: Int, width: Int, background: Float = 0, using generator: inout some RandomNumberGenerator
    ) {
        draw(height: height, width: width, using: &generator)
            .apply(from: source, to: destination, channels: channels, height: height, width: width, background: background)
    }
}

extension Augmentation {
    /// One concrete transformation drawn from an ``Augmentation``: no randomness is left in it
    /// (the noise comes from its own seed), so applying it twice gives the same image.
    public struct Draw: Sendable, Equatable {
        /// A crop-and-resize window: a square-proportioned window of `scale` times the image's
        /// width and height, centred at (`centerX`, `centerY`) in pixel coordinates (the
        /// top-left corner of the image is (0, 0), pixel centres are at half-integers), scaled
        /// up to the whole image.
        public struct Crop: Sendable, Equatable {
            /// The window's side as a fraction of the image's, in `(0, 1]`.
            public var scale: Double
            /// The window centre's horizontal coordinate.
            public var centerX: Double
            /// The window centre's vertical coordinate.
            public var centerY: Double

            /// Creates a window.
            ///
            /// - Parameters:
            ///   - scale: the side fraction, in `(0, 1]`.
            ///   - centerX: the centre's horizontal coordinate.
            ///   - centerY: the centre's vertical coordinate.
            public init(scale: Double, centerX: Double, centerY: Double) {
                self.scale = scale
                self.centerX = centerX
                self.centerY = centerY
            }
        }

        /// A rectangle of whole pixels.
        public struct Region: Sendable, Equatable {
            /// The left column.
            public var x: Int
            /// The top row.
            public var y: Int
            /// Columns covered.
            public var width: Int
            /// Rows covered.
            public var height: Int

            /// Creates a rectangle.
            ///
            /// - Parameters:
            ///   - x: the left column.
            ///   - y: the top row.
            ///   - width: columns covered.
            ///   - height: rows covered.
            public init(x: Int, y: Int, width: Int, height: Int) {
                self.x = x
                self.y = y
                self.width = width
                self.height = height
            }
        }

        /// Whether the image is mirrored left to right.
        public var flip: Bool
        /// Columns to move right (negative: left).
        public var shiftX: Int
        /// Rows to move down (negative: up).
        public var shiftY: Int
        /// Degrees to turn about the centre, counter-clockwise as displayed.
        public var degrees: Double
        /// The crop-and-resize window, or `nil`.
        public var crop: Crop?
        /// The rectangle set to the background, in output coordinates, or `nil`.
        public var erase: Region?
        /// The standard deviation of the added Gaussian noise.
        public var noise: Double
        /// The seed of the noise's own generator.
        public var noiseSeed: UInt64

        /// Creates a transformation; with no arguments, the identity.
        ///
        /// - Parameters:
        ///   - flip: whether to mirror left to right.
        ///   - shiftX: columns to move right.
        ///   - shiftY: rows to move down.
        ///   - degrees: degrees to turn counter-clockwise.
        ///   - crop: the crop-and-resize window.
        ///   - erase: the rectangle to erase.
        ///   - noise: the noise's standard deviation.
        ///   - noiseSeed: the noise's seed.
        public init(
            flip: Bool = false, shiftX: Int = 0, shiftY: Int = 0, degrees: Double = 0, crop: Crop? = nil,
            erase: Region? = nil, noise: Double = 0, noiseSeed: UInt64 = 0
        ) {
            self.flip = flip
            self.shiftX = shiftX
            self.shiftY = shiftY
            self.degrees = degrees
            self.crop = crop
            self.erase = erase
            self.noise = noise
            self.noiseSeed = noiseSeed
        }

        /// Whether a geometric resampling is needed (beyond a flip).
        var isGeometric: Bool {
            shiftX != 0 || shiftY != 0 || degrees != 0 || (crop != nil && crop?.scale != 1)
        }

        /// Applies the transformation to an image in place.
        ///
        /// - Parameters:
        ///   - pixels: the image, `[channels, height, width]` floats.
        ///   - channels: colour channels.
        ///   - height: rows.
        ///   - width: columns.
        ///   - background: the value of pixels brought in from outside and of erased pixels.
        public func apply(to pixels: UnsafeMutableBufferPointer<Float>, channels: Int, height: Int, width: Int, background: Float = 0) {
            precondition(pixels.count >= channels * height * width, "The image buffer is smaller than channels x height x width.")
            let size = channels * height * width
            withUnsafeTemporaryAllocation(of: Float.self, capacity: size) { copy in
                _ = copy.initialize(from: pixels[0..<size])
                apply(from: UnsafeBufferPointer(copy), to: pixels, channels: channels, height: height, width: width, background: background)
            }
        }

        /// Writes the transformed `source` into `destination`.
        ///
        /// The geometric part maps each output pixel centre `p` back to the input: undo the
        /// shift `t`, turn by `-degrees` about the centre `c`, undo the zoom
        /// (`q = window centre + scale * (q - c)`), mirror if flipped; then it reads the input
        /// there by bilinear interpolation of the four nearest pixels.
        ///
        /// - Parameters:
        ///   - source: the image, `[channels, height, width]` floats.
        ///   - destination: as many floats; must not overlap `source`.
        ///   - channels: colour channels.
        ///   - height: rows.
        ///   - width: columns.
        ///   - background: the value of pixels brought in from outside and of erased pixels.
        public func apply(
            from source: UnsafeBufferPointer<Float>, to destination: UnsafeMutableBufferPointer<Float>,
            channels: Int, height: Int, width: Int, background: Float = 0
        ) {
            precondition(channels > 0 && height > 0 && width > 0, "Image sizes must be positive.")
            let plane = height * width
            precondition(source.count >= channels * plane && destination.count >= channels * plane, "The image buffers are smaller than channels x height x width.")
            if isGeometric {
                resample(from: source, to: destination, channels: channels, height: height, width: width, background: background)
            } else {
                for channel in 0..<channels {
                    for row in 0..<height {
                        let start = channel * plane + row * width
                        for column in 0..<width {
                            destination[start + column] = source[start + (flip ? width - 1 - column : column)]
                        }
                    }
                }
            }
            if let erase {
                let top = max(0, erase.y), bottom = min(height, erase.y + erase.height)
                let left = max(0, erase.x), right = min(width, erase.x + erase.width)
                if top < bottom && left < right {
                    for channel in 0..<channels {
                        for row in top..<bottom {
                            let start = channel * plane + row * width
                            for column in left..<right { destination[start + column] = background }
                        }
                    }
                }
            }
            if noise > 0 {
                var generator = SeededGenerator(seed: noiseSeed)
                for index in 0..<(channels * plane) {
                    destination[index] += Float(noise * generator._nextGaussian())
                }
            }
        }

        private func resample(
            from source: UnsafeBufferPointer<Float>, to destination: UnsafeMutableBufferPointer<Float>,
            channels: Int, height: Int, width: Int, background: Float
        ) {
            let plane = height * width
            let centerX = Double(width) / 2
            let centerY = Double(height) / 2
            let radians = degrees * Double.pi / 180
            let cosine = degrees == 0 ? 1 : cos(radians)
            let sine = degrees == 0 ? 0 : sin(radians)
            let scale = crop?.scale ?? 1
            let windowX = crop?.centerX ?? centerX
            let windowY = crop?.centerY ?? centerY
            for row in 0..<height {
                for column in 0..<width {
                    // Output pixel centre, relative to the image centre, with the shift undone.
                    let dx = Double(column) + 0.5 - Double(shiftX) - centerX
                    let dy = Double(row) + 0.5 - Double(shiftY) - centerY
                    // Undo the rotation: turn by -degrees.
                    let rx = cosine * dx - sine * dy
                    let ry = sine * dx + cosine * dy
                    // Undo the zoom into the crop window, then the flip.
                    var x = windowX + scale * rx
                    let y = windowY + scale * ry
                    if flip { x = Double(width) - x }
                    // Bilinear interpolation between the four pixel centres around (x, y).
                    let u = x - 0.5
                    let v = y - 0.5
                    let left = Int(u.rounded(.down))
                    let top = Int(v.rounded(.down))
                    let fx = Float(u - Double(left))
                    let fy = Float(v - Double(top))
                    for channel in 0..<channels {
                        let base = channel * plane
                        func at(_ r: Int, _ c: Int) -> Float {
                            r >= 0 && r < height && c >= 0 && c < width ? source[base + r * width + c] : background
                        }
                        let upper = at(top, left) * (1 - fx) + at(top, left + 1) * fx
                        let lower = at(top + 1, left) * (1 - fx) + at(top + 1, left + 1) * fx
                        destination[base + row * width + column] = upper * (1 - fy) + lower * fy
                    }
                }
            }
        }
    }
}
