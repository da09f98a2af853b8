import CPNG
import Foundation

/// An 8-bit grey or RGB raster, with a PNG encoder and decoder built on libpng.
///
/// Pixels are stored row by row from the top, channel-interleaved: `pixels[(y * width + x) *
/// channels + c]`. One channel is grey, three are red, green and blue. Encoding is
/// deterministic: the same pixels always give the same bytes (no time stamp or other
/// varying chunk is written).
///
/// ```swift
/// let image = PNGImage(width: 2, height: 1, channels: 1, pixels: [0, 255])
/// let bytes = try image.encode()
/// let again = try PNGImage.decode(bytes)   // again == image
/// ```
public struct PNGImage: Equatable, Sendable, CustomStringConvertible {
    /// Width in pixels.
    public var width: Int
    /// Height in pixels.
    public var height: Int
    /// Channels per pixel: 1 (grey) or 3 (RGB).
    public var channels: Int
    /// The samples, `width * height * channels` of them, top row first.
    public var pixels: [UInt8]

    /// Creates an image from its samples.
    ///
    /// - Parameters:
    ///   - width: Width in pixels, at least 1.
    ///   - height: Height in pixels, at least 1.
    ///   - channels: 1 for grey, 3 for RGB.
    ///   - pixels: `width * height * channels` samples, row-major from the top.
    public init(width: Int, height: Int, channels: Int, pixels: [UInt8]) {
        precondition(width > 0 && height > 0, "A PNGImage needs a positive width and height.")
        precondition(channels == 1 || channels == 3, "A PNGImage has 1 (grey) or 3 (RGB) channels.")
        precondition(pixels.count == width * height * channels,
                     "A \(width)×\(height)×\(channels) PNGImage needs \(width * height * channels) samples, not \(pixels.count).")
        self.width = width
        self.height = height
        self.channels = channels
        self.pixels = pixels
    }

    /// The samples of the pixel at column `x` and row `y` (one or three values).
    ///
    /// - Parameters:
    ///   - x: Column, from 0 at the left.
    ///   - y: Row, from 0 at the top.
    public func pixel(x: Int, y: Int) -> ArraySlice<UInt8> {
        precondition(x >= 0 && x < width && y >= 0 && y < height, "Pixel (\(x), \(y)) lies outside the image.")
        let start = (y * width + x) * channels
        return pixels[start..<(start + channels)]
    }

    /// A short summary such as `PNGImage(640×400, 3 channels)`; the samples are not listed.
    public var description: String {
        "PNGImage(\(width)×\(height), \(channels) channel\(channels == 1 ? "" : "s"))"
    }

    /// Encodes the image as PNG bytes.
    ///
    /// libpng's simplified write API is used with its default compression; the output
    /// depends only on the pixels.
    ///
    /// - Returns: The bytes of a PNG file.
    /// - Throws: ``FiguresError/pngEncodingFailed(reason:)`` if libpng reports an error.
    public func encode() throws -> Data {
        var image = png_image()
        image.version = png_uint_32(PNG_IMAGE_VERSION)
        image.width = png_uint_32(width)
        image.height = png_uint_32(height)
        image.format = channels == 1 ? 0 : png_uint_32(PNG_FORMAT_FLAG_COLOR)
        let stride = png_int_32(width * channels)
        var size = 0
        let sized = pixels.withUnsafeBytes { buffer in
            png_image_write_to_memory(&image, nil, &size, 0, buffer.baseAddress, stride, nil)
        }
        guard sized != 0, size > 0 else {
            defer { png_image_free(&image) }
            throw FiguresError.pngEncodingFailed(reason: Self.message(of: image))
        }
        var bytes = [UInt8](repeating: 0, count: size)
        let written = bytes.withUnsafeMutableBytes { output in
            pixels.withUnsafeBytes { buffer in
                png_image_write_to_memory(&image, output.baseAddress, &size, 0, buffer.baseAddress, stride, nil)
            }
        }
        guard written != 0 else {
            defer { png_image_free(&image) }
            throw FiguresError.pngEncodingFailed(reason: Self.message(of: image))
        }
        return Data(bytes.prefix(size))
    }

    /// Decodes PNG bytes into a grey or RGB image.
    ///
    /// Grey images (with or without alpha) decode to one channel, colour and palette images
    /// to three. Transparency is composited onto white; 16-bit samples are reduced to 8 bits.
    ///
    /// - Parameter data: The bytes of a PNG file.
    /// - Returns: The decoded image.
    /// - Throws: ``FiguresError/pngDecodingFailed(reason:)`` if the bytes are not a PNG image
    ///   libpng can read.
    public static func decode(_ data: Data) throws -> PNGImage {
        var image = png_image()
        image.version = png_uint_32(PNG_IMAGE_VERSION)
        let begun = data.withUnsafeBytes { buffer in
            png_image_begin_read_from_memory(&image, buffer.baseAddress, buffer.count)
        }
        guard begun != 0 else {
            defer { png_image_free(&image) }
            throw FiguresError.pngDecodingFailed(reason: message(of: image))
        }
        let isColour = image.format & png_uint_32(PNG_FORMAT_FLAG_COLOR) != 0
        let channels = isColour ? 3 : 1
        image.format = isColour ? png_uint_32(PNG_FORMAT_FLAG_COLOR) : 0
        let width = Int(image.width), height = Int(image.height)
        if let problem = sizeProblem(width: width, height: height, fileBytes: data.count) {
            png_image_free(&image)
            throw FiguresError.pngDecodingFailed(reason: problem)
        }
        var pixels = [UInt8](repeating: 255, count: width * height * channels)
        var white = png_color(red: 255, green: 255, blue: 255)
        let finished = pixels.withUnsafeMutableBytes { buffer in
            png_image_finish_read(&image, &white, buffer.baseAddress, png_int_32(width * channels), nil)
        }
        guard finished != 0 else {
            defer { png_image_free(&image) }
            throw FiguresError.pngDecodingFailed(reason: message(of: image))
        }
        return PNGImage(width: width, height: height, channels: channels, pixels: pixels)
    }

    /// The most pixels ``decode(_:)`` allocates for: 64 Mpx (8192 × 8192), four times a
    /// 16-megapixel photo.
    public static let maximumPixels = 1 << 26

    /// Why a header's size cannot be decoded, or `nil`: checked before any allocation.
    ///
    /// Besides the cap, the size must fit what the file can hold: each row inflates from at
    /// least one filter byte plus a bit per pixel, and deflate expands at most 1032 : 1 (RFC 1951),
    /// so a 150-byte file cannot be a 16384 × 16384 image.
    static func sizeProblem(width: Int, height: Int, fileBytes: Int) -> String? {
        guard width > 0, height > 0 else { return "its size \(width)×\(height) is empty" }
        let (pixels, overflow) = width.multipliedReportingOverflow(by: height)
        guard !overflow, pixels <= maximumPixels else {
            return "its header claims \(width)×\(height) pixels, more than the \(maximumPixels) pixels loom decodes"
        }
        let leastInflated = height * (1 + (width + 7) / 8)
        guard leastInflated <= fileBytes * 1032 + 1024 else {
            return "its header claims \(width)×\(height) pixels, more than its \(fileBytes) bytes can hold"
        }
        return nil
    }

    /// Reads the message libpng left in a `png_image`.
    private static func message(of image: png_image) -> String {
        var message = image.message
        let text = withUnsafeBytes(of: &message) { raw in
            String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
        }
        return text.isEmpty ? "libpng gave no reason" : text
    }
}
