import Foundation
import Testing
@testable import Figures

@Suite struct PNGLimitTests {
    /// CRC-32 (the PNG chunk checksum, ISO 3309).
    static func crc32(_ bytes: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = (crc >> 1) ^ (crc & 1 == 1 ? 0xEDB8_8320 : 0) }
        }
        return ~crc
    }

    /// A valid 1×1 PNG whose IHDR is rewritten to claim `width`×`height`.
    static func lyingPNG(width: UInt32, height: UInt32) throws -> Data {
        var bytes = [UInt8](try PNGImage(width: 1, height: 1, channels: 1, pixels: [0]).encode())
        // Signature (8), IHDR length (4), "IHDR" (4), then width and height.
        func put(_ value: UInt32, at offset: Int) {
            for i in 0..<4 { bytes[offset + i] = UInt8(truncatingIfNeeded: value >> (24 - 8 * UInt32(i))) }
        }
        put(width, at: 16)
        put(height, at: 20)
        put(crc32(Array(bytes[12..<29])), at: 29)
        return Data(bytes)
    }

    @Test func aTinyFileClaimingAHugeImageIsRefusedBeforeAllocating() throws {
        let data = try Self.lyingPNG(width: 16384, height: 16384)
        #expect(data.count < 200)
        #expect(throws: FiguresError.pngDecodingFailed(
            reason: "its header claims 16384×16384 pixels, more than the 67108864 pixels loom decodes")) {
            try PNGImage.decode(data)
        }
        let wide = try Self.lyingPNG(width: 4000, height: 4000)
        #expect(throws: FiguresError.pngDecodingFailed(
            reason: "its header claims 4000×4000 pixels, more than its \(wide.count) bytes can hold")) {
            try PNGImage.decode(wide)
        }
    }

    @Test func realImagesStillDecode() throws {
        let image = PNGImage(width: 300, height: 200, channels: 3, pixels: [UInt8](repeating: 9, count: 300 * 200 * 3))
        #expect(try PNGImage.decode(try image.encode()) == image)
    }
}
