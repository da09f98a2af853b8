import Figures
import Foundation

/// A user's picture brought to a Fashion-MNIST-style model's convention, with what was done.
struct PreparedImage: Equatable {
    /// The model input: `channels × height × width` bytes, the grey picture repeated per channel.
    var input: [UInt8]
    /// The input's channels.
    var channels: Int
    /// The input's height.
    var height: Int
    /// The input's width.
    var width: Int
    /// Whether the picture had a light background and was inverted.
    var inverted: Bool
    /// The content's bounding box in the original picture: `x`, `y`, `width`, `height`.
    var contentBox: (x: Int, y: Int, width: Int, height: Int)

    /// The input's first channel as a grey picture.
    var picture: PNGImage {
        PNGImage(width: width, height: height, channels: 1, pixels: Array(input.prefix(width * height)))
    }

    static func == (a: PreparedImage, b: PreparedImage) -> Bool {
        a.input == b.input && a.channels == b.channels && a.height == b.height && a.width == b.width
            && a.inverted == b.inverted && a.contentBox == b.contentBox
    }
}

/// Brings pictures of any size, colour or grey, light or dark background, to the convention of
/// Fashion-MNIST: grey, a dark background, the object centred and filling the frame.
///
/// The steps follow those Zalando used to make the data set from product photos (trim the
/// background, resize the longer edge, centre, negate, grey; Xiao, Rasul & Vollgraf,
/// "Fashion-MNIST", 2017, §2), in this order:
/// 1. grey: the luma `Y = 0.299 R + 0.587 G + 0.114 B` (ITU-R BT.601);
/// 2. background: the median of the border pixels; above mid-grey it is light, and the picture is
///    negated (`255 − Y`) so that the object is bright on dark;
/// 3. levels: the background maps to 0 and the brightest pixel to 255;
/// 4. crop to the bounding box of the pixels brighter than a quarter of the way from the
///    background to the brightest pixel;
/// 5. pad with black, centred, to the input's aspect ratio (a square for 28×28);
/// 6. resize by area averaging: each output pixel is the mean of the source area it covers,
///    counting partly covered pixels by the covered fraction.
enum ImagePreparation {
    /// Prepares a picture for a model whose inputs are `channels × height × width`.
    ///
    /// - Parameters:
    ///   - image: A grey or RGB picture of any size.
    ///   - channels: The model's input channels; the grey result is repeated in each.
    ///   - height: The model's input height.
    ///   - width: The model's input width.
    static func prepare(_ image: PNGImage, channels: Int, height: Int, width: Int) -> PreparedImage {
        precondition(channels > 0 && height > 0 && width > 0, "The input size must be positive.")
        var grey = luma(image)
        let (w, h) = (image.width, image.height)
        var background = borderMedian(grey, width: w, height: h)
        let inverted = background > 127.5
        if inverted {
            for index in grey.indices { grey[index] = 255 - grey[index] }
            background = 255 - background
        }
        let brightest = grey.max() ?? 0
        let contrast = brightest - background
        var box = (x: 0, y: 0, width: w, height: h)
        if contrast > 1 {
            for index in grey.indices { grey[index] = min(255, max(0, (grey[index] - background) / contrast * 255)) }
            if let found = contentBox(grey, width: w, height: h, threshold: 255 / 4) { box = found }
        }

        // Pad the box, centred, to the target aspect ratio.
        let aspect = Double(width) / Double(height)
        let paddedWidth = max(box.width, Int((Double(box.height) * aspect).rounded()))
        let paddedHeight = max(box.height, Int((Double(box.width) / aspect).rounded()))
        var padded = [Float](repeating: 0, count: paddedWidth * paddedHeight)
        let left = (paddedWidth - box.width) / 2, top = (paddedHeight - box.height) / 2
        for y in 0..<box.height {
            for x in 0..<box.width {
                padded[(top + y) * paddedWidth + left + x] = grey[(box.y + y) * w + box.x + x]
            }
        }
        let resized = resizeByArea(padded, width: paddedWidth, height: paddedHeight, channels: 1,
                                   toWidth: width, toHeight: height)
        let plane = resized.map { UInt8(min(255, max(0, $0.rounded()))) }
        return PreparedImage(input: Array((0..<channels).map { _ in plane }.joined()), channels: channels,
                             height: height, width: width, inverted: inverted, contentBox: box)
    }

    /// The luma of every pixel, `0.299 R + 0.587 G + 0.114 B` (ITU-R BT.601), or the grey value.
    static func luma(_ image: PNGImage) -> [Float] {
        guard image.channels == 3 else { return image.pixels.map(Float.init) }
        return (0..<(image.width * image.height)).map { pixel in
            0.299 * Float(image.pixels[pixel * 3]) + 0.587 * Float(image.pixels[pixel * 3 + 1])
                + 0.114 * Float(image.pixels[pixel * 3 + 2])
        }
    }

    /// The median of the pixels on the picture's outer border: its background level.
    static func borderMedian(_ grey: [Float], width: Int, height: Int) -> Float {
        var border: [Float] = []
        for y in 0..<height {
            for x in 0..<width where y == 0 || y == height - 1 || x == 0 || x == width - 1 {
                border.append(grey[y * width + x])
            }
        }
        border.sort()
        return border.isEmpty ? 0 : border[border.count / 2]
    }

    /// The smallest rectangle holding every pixel brighter than `threshold`, or `nil` if none is.
    static func contentBox(_ grey: [Float], width: Int, height: Int,
                           threshold: Float) -> (x: Int, y: Int, width: Int, height: Int)? {
        var minX = width, minY = height, maxX = -1, maxY = -1
        for y in 0..<height {
            for x in 0..<width where grey[y * width + x] > threshold {
                minX = min(minX, x); maxX = max(maxX, x)
                minY = min(minY, y); maxY = max(maxY, y)
            }
        }
        guard maxX >= 0 else { return nil }
        return (minX, minY, maxX - minX + 1, maxY - minY + 1)
    }

    /// Resizes an interleaved raster by area averaging (a box filter): output pixel `(i, j)` is
    /// the mean of the source rectangle `[i·sx, (i+1)·sx) × [j·sy, (j+1)·sy)` with
    /// `sx = width / toWidth`, `sy = height / toHeight`, partly covered pixels weighted by the
    /// covered fraction. The filter is separable, so rows and columns are resized in turn.
    ///
    /// - Parameters:
    ///   - pixels: `height × width × channels` values, row by row.
    ///   - width: Source width.
    ///   - height: Source height.
    ///   - channels: Values per pixel.
    ///   - toWidth: Output width.
    ///   - toHeight: Output height.
    static func resizeByArea(_ pixels: [Float], width: Int, height: Int, channels: Int,
                             toWidth: Int, toHeight: Int) -> [Float] {
        precondition(pixels.count == width * height * channels, "The raster needs width × height × channels values.")
        let columns = areaWeights(from: width, to: toWidth)
        let rows = areaWeights(from: height, to: toHeight)
        // Horizontal pass: height × toWidth.
        var wide = [Float](repeating: 0, count: height * toWidth * channels)
        for y in 0..<height {
            for (x, weights) in columns.enumerated() {
                for channel in 0..<channels {
                    var sum: Float = 0
                    for (source, weight) in weights { sum += weight * pixels[(y * width + source) * channels + channel] }
                    wide[(y * toWidth + x) * channels + channel] = sum
                }
            }
        }
        // Vertical pass: toHeight × toWidth.
        var result = [Float](repeating: 0, count: toHeight * toWidth * channels)
        for (y, weights) in rows.enumerated() {
            for x in 0..<toWidth {
                for channel in 0..<channels {
                    var sum: Float = 0
                    for (source, weight) in weights { sum += weight * wide[(source * toWidth + x) * channels + channel] }
                    result[(y * toWidth + x) * channels + channel] = sum
                }
            }
        }
        return result
    }

    /// For each output position, the source positions it covers and their weights (summing to 1).
    static func areaWeights(from source: Int, to target: Int) -> [[(Int, Float)]] {
        precondition(source > 0 && target > 0, "Sizes must be positive.")
        let scale = Double(source) / Double(target)
        return (0..<target).map { index in
            let start = Double(index) * scale, end = Double(index + 1) * scale
            var weights: [(Int, Float)] = []
            var position = Int(start.rounded(.down))
            while Double(position) < end, position < source {
                let covered = min(end, Double(position + 1)) - max(start, Double(position))
                if covered > 1e-9 { weights.append((position, Float(covered / scale))) }
                position += 1
            }
            return weights
        }
    }

    /// A picture shrunk (never enlarged) by area averaging so that its longer side is at most
    /// `side`, for showing large photos in a grid without aliasing.
    static func thumbnail(_ image: PNGImage, side: Int) -> PNGImage {
        let longer = max(image.width, image.height)
        guard longer > side else { return image }
        let width = max(1, Int((Double(image.width) * Double(side) / Double(longer)).rounded()))
        let height = max(1, Int((Double(image.height) * Double(side) / Double(longer)).rounded()))
        let resized = resizeByArea(image.pixels.map(Float.init), width: image.width, height: image.height,
                                   channels: image.channels, toWidth: width, toHeight: height)
        return PNGImage(width: width, height: height, channels: image.channels,
                        pixels: resized.map { UInt8(min(255, max(0, $0.rounded()))) })
    }
}
