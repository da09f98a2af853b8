import TensorCore
import Foundation
import Testing
@testable import Figures

@Suite struct PNGImageTests {
    @Test(arguments: [1, 3])
    func roundTripKeepsEverySample(channels: Int) throws {
        var random = SplitMix64(seed: UInt64(channels))
        let pixels = (0..<(13 * 7 * channels)).map { _ in UInt8(truncatingIfNeeded: random.next()) }
        let image = PNGImage(width: 13, height: 7, channels: channels, pixels: pixels)
        let data = try image.encode()
        #expect(Array(data.prefix(8)) == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
        #expect(try PNGImage.decode(data) == image)
    }

    @Test func encodingIsDeterministic() throws {
        let image = PNGImage(width: 4, height: 4, channels: 3, pixels: (0..<48).map { UInt8($0 * 5) })
        #expect(try image.encode() == image.encode())
    }

    @Test func pixelAccessorReadsRowMajorSamples() {
        let image = PNGImage(width: 2, height: 2, channels: 3, pixels: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12])
        #expect(Array(image.pixel(x: 1, y: 1)) == [10, 11, 12])
        #expect(Array(image.pixel(x: 0, y: 1)) == [7, 8, 9])
        #expect(image.description == "PNGImage(2×2, 3 channels)")
    }

    @Test(arguments: [Data(), Data("not a png at all".utf8), Data([0x89, 0x50, 0x4E, 0x47])])
    func decodingGarbageThrowsATypedError(data: Data) {
        #expect {
            try PNGImage.decode(data)
        } throws: { error in
            guard let error = error as? FiguresError, case .pngDecodingFailed = error else { return false }
            return error.description.hasPrefix("The data is not a readable PNG image: ")
        }
    }

    @Test(arguments: [
        (FiguresError.pngDecodingFailed(reason: "bad header"), "The data is not a readable PNG image: bad header."),
        (.pngEncodingFailed(reason: "out of memory"), "The pixels could not be encoded as PNG: out of memory."),
        (.invalidFigureSize(width: 0, height: 400),
         "A figure of 0×400 pixels cannot be rendered; each side must be between 1 and 16384 pixels."),
        (.renderingFailed(reason: "no memory"), "Cairo could not draw the figure: no memory."),
        (.writeFailed(path: "/x/y.png", reason: "no such folder"), "The file '/x/y.png' could not be written: no such folder."),
    ])
    func errorMessagesAreWholeSentences(error: FiguresError, message: String) {
        #expect(error.description == message)
    }
}
