import Foundation

/// A mistake found while decoding bytes into TensorCore values.
public enum TensorError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The bytes end before the value they describe does.
    case truncated(needed: Int, available: Int)
    /// The bytes do not start with the tensor format's magic number.
    case badMagic
    /// A shape in the bytes has a negative extent or too many elements.
    case badShape([Int])

    /// A sentence that describes the mistake.
    public var description: String {
        switch self {
        case .truncated(let needed, let available):
            return "The tensor data is truncated: it needs \(needed) bytes but only \(available) remain."
        case .badMagic:
            return "The data is not a serialised tensor: its first bytes are not 'LTNS'."
        case .badShape(let shape):
            return "The serialised tensor has an invalid shape \(shape)."
        }
    }
}

/// Appends little-endian binary values to a byte buffer.
public struct ByteWriter: Sendable {
    /// The bytes written so far.
    public private(set) var data = Data()

    /// Creates an empty writer.
    public init() {}

    /// Appends a 64-bit unsigned integer, little-endian.
    ///
    /// - Parameter value: The integer to append.
    public mutating func write(_ value: UInt64) {
        withUnsafeBytes(of: value.littleEndian) { data.append(contentsOf: $0) }
    }

    /// Appends an integer as 64 bits, little-endian.
    ///
    /// - Parameter value: The integer to append.
    public mutating func write(_ value: Int) { write(UInt64(bitPattern: Int64(value))) }

    /// Appends raw bytes as they are, with no length (fixed-size fields, element payloads).
    ///
    /// - Parameter bytes: The bytes to append.
    public mutating func append<Bytes: Sequence>(raw bytes: Bytes) where Bytes.Element == UInt8 {
        data.append(contentsOf: bytes)
    }

    /// Appends raw bytes preceded by their length.
    ///
    /// - Parameter bytes: The bytes to append.
    public mutating func write(_ bytes: Data) {
        write(bytes.count)
        data.append(bytes)
    }

    /// Appends Float values as their IEEE-754 bit patterns, little-endian, preceded by their count.
    ///
    /// - Parameter values: The values to append.
    public mutating func write(_ values: [Float]) {
        write(values.count)
        values.withUnsafeBufferPointer { buffer in
            var bits = [UInt32](repeating: 0, count: buffer.count)
            for i in 0..<buffer.count { bits[i] = buffer[i].bitPattern.littleEndian }
            bits.withUnsafeBytes { data.append(contentsOf: $0) }
        }
    }

    /// Appends a tensor: its rank, its shape and its elements.
    ///
    /// - Parameter tensor: The tensor to append.
    public mutating func write(_ tensor: Tensor) {
        write(tensor.rank)
        for extent in tensor.shape { write(extent) }
        write(tensor.scalars)
    }
}

/// Reads little-endian binary values written by ``ByteWriter``.
public struct ByteReader: Sendable {
    private let data: Data
    private var position: Int

    /// Creates a reader positioned at the first byte.
    ///
    /// - Parameter data: The bytes to read.
    public init(_ data: Data) {
        self.data = data
        self.position = data.startIndex
    }

    /// Whether every byte has been read.
    public var isAtEnd: Bool { position == data.endIndex }

    /// How many bytes have been read.
    public var offset: Int { position - data.startIndex }

    /// How many bytes are left to read.
    public var remaining: Int { data.endIndex - position }

    /// The whole buffer's size in bytes.
    public var count: Int { data.count }

    /// Reads the next `count` raw bytes.
    ///
    /// - Parameter count: How many bytes to read.
    /// - Throws: ``TensorError/truncated(needed:available:)`` when fewer are left (or `count` is negative).
    public mutating func readBytes(_ count: Int) throws(TensorError) -> Data {
        guard count >= 0, data.endIndex - position >= count else {
            throw .truncated(needed: count, available: data.endIndex - position)
        }
        let slice = data[position..<(position + count)]
        position += count
        return slice
    }

    private mutating func take(_ count: Int) throws(TensorError) -> Data { try readBytes(count) }

    /// Reads a 64-bit unsigned integer.
    public mutating func readUInt64() throws(TensorError) -> UInt64 {
        let bytes = try take(8)
        var value: UInt64 = 0
        for (shift, byte) in bytes.enumerated() { value |= UInt64(byte) << (8 * UInt64(shift)) }
        return value
    }

    /// Reads an integer written by ``ByteWriter/write(_:)-(Int)``.
    public mutating func readInt() throws(TensorError) -> Int {
        Int(Int64(bitPattern: try readUInt64()))
    }

    /// Reads length-prefixed raw bytes.
    public mutating func readData() throws(TensorError) -> Data {
        Data(try take(try readInt()))
    }

    /// Reads count-prefixed Float values.
    public mutating func readFloats() throws(TensorError) -> [Float] {
        let count = try readInt()
        guard count >= 0, count <= (data.endIndex - position) / 4 else {
            // A damaged count can be anything: the product is saturated, never overflowing.
            let (needed, overflow) = max(0, count).multipliedReportingOverflow(by: 4)
            throw .truncated(needed: overflow ? Int.max : needed, available: data.endIndex - position)
        }
        let bytes = try take(count * 4)
        var values = [Float](repeating: 0, count: count)
        bytes.withUnsafeBytes { raw in
            for i in 0..<count {
                values[i] = Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self)))
            }
        }
        return values
    }

    /// Reads a tensor written by ``ByteWriter/write(_:)-(Tensor)``.
    public mutating func readTensor() throws(TensorError) -> Tensor {
        let rank = try readInt()
        guard rank >= 0, rank <= 16 else { throw .badShape([rank]) }
        var shape = [Int]()
        for _ in 0..<rank { shape.append(try readInt()) }
        guard shape.allSatisfy({ $0 >= 0 && $0 < 1 << 40 }) else { throw .badShape(shape) }
        var count = 1
        for dimension in shape {
            let (product, overflow) = count.multipliedReportingOverflow(by: dimension)
            guard !overflow, product < 1 << 40 else { throw .badShape(shape) }
            count = product
        }
        let scalars = try readFloats()
        guard count == scalars.count else { throw .badShape(shape) }
        return Tensor(shape: shape, scalars: scalars)
    }
}

extension Tensor {
    private static let magic = Data("LTNS".utf8)

    /// The tensor as bytes: the magic `LTNS`, its shape, and its elements' exact bit patterns.
    ///
    /// ``init(serializedBytes:)`` reads them back bit for bit.
    public func serializedBytes() -> Data {
        var writer = ByteWriter()
        var data = Tensor.magic
        writer.write(self)
        data.append(writer.data)
        return data
    }

    /// Reads a tensor written by ``serializedBytes()``.
    ///
    /// - Parameter bytes: The serialised tensor.
    /// - Throws: ``TensorError`` when the bytes are not a whole serialised tensor.
    public init(serializedBytes bytes: Data) throws(TensorError) {
        guard bytes.count >= 4, bytes.prefix(4) == Tensor.magic else { throw .badMagic }
        var reader = ByteReader(Data(bytes.dropFirst(4)))
        self = try reader.readTensor()
    }
}
