import Foundation
import Testing
import TensorCore

/// Regressions found by the `results` fuzz target.
@Suite struct SerializationLimitTests {
    /// A damaged float count near Int.max once overflowed while building the error message.
    @Test func aHugeFloatCountIsTruncationNotATrap() {
        var writer = ByteWriter()
        writer.write(Int.max / 2)
        var reader = ByteReader(writer.data)
        #expect(throws: TensorError.truncated(needed: Int.max, available: 0)) { try reader.readFloats() }
    }

    @Test func aShapeWhoseProductOverflowsIsABadShape() {
        var writer = ByteWriter()
        writer.write(3)
        for _ in 0..<3 { writer.write((1 << 40) - 1) }
        writer.write(0)
        var reader = ByteReader(writer.data)
        #expect(throws: TensorError.badShape([(1 << 40) - 1, (1 << 40) - 1, (1 << 40) - 1])) { try reader.readTensor() }
    }
}
