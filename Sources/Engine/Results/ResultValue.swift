import Foundation
import TensorCore

/// A value that a cell makes and later cells read: stored in the cache as a typed blob.
///
/// Results are never pickles of process state: each type writes its fields with a ``BlobWriter``
/// (tensors with dtype and shape, strings, numbers) and reads them back with a ``BlobReader``.
public protocol ResultValue: Sendable {
    static var kind: ResultKind { get }
    /// Bumped when the encoding changes; older blobs are then treated as absent.
    static var encodingVersion: Int { get }
    func encode(to writer: inout BlobWriter)
    init(from reader: inout BlobReader) throws
}

extension ResultValue {
    public static var encodingVersion: Int { 1 }

    /// The encoded bytes, headed by the kind and encoding version.
    public func encoded() -> Data {
        var writer = BlobWriter()
        writer.write(Self.kind.rawValue)
        writer.write(Int64(Self.encodingVersion))
        encode(to: &writer)
        return writer.data
    }

    /// Decodes bytes made by ``encoded()``, checking kind and version.
    public static func decoded(from data: Data) throws -> Self {
        var reader = BlobReader(data)
        let kind = try reader.readString()
        let version = try reader.readInt64()
        guard kind == Self.kind.rawValue else {
            throw BlobError.wrongKind(expected: Self.kind.rawValue, found: kind)
        }
        guard version == Self.encodingVersion else {
            throw BlobError.wrongVersion(kind: kind, expected: Self.encodingVersion, found: Int(version))
        }
        return try Self(from: &reader)
    }
}

/// Why a blob could not be read.
public enum BlobError: Error, Equatable, CustomStringConvertible {
    case truncated(needed: Int, offset: Int, total: Int)
    case wrongKind(expected: String, found: String)
    case wrongVersion(kind: String, expected: Int, found: Int)
    case badValue(String)

    public var description: String {
        switch self {
        case let .truncated(needed, offset, total):
            return "a stored result is truncated: \(needed) bytes needed at offset \(offset) of \(total)"
        case let .wrongKind(expected, found):
            return "a stored result is a '\(found)' where a '\(expected)' was expected"
        case let .wrongVersion(kind, expected, found):
            return "a stored '\(kind)' has encoding version \(found); this loom reads version \(expected)"
        case let .badValue(message):
            return "a stored result is malformed: \(message)"
        }
    }
}

/// Writes typed fields, little-endian, into a byte buffer: TensorCore's ``ByteWriter`` (the one
/// little-endian writer) with the field types results store.
public struct BlobWriter: Sendable {
    private var bytes = ByteWriter()
    /// The bytes written so far.
    public var data: Data { bytes.data }
    public init() {}

    public mutating func write(_ value: Int64) { bytes.write(UInt64(bitPattern: value)) }
    public mutating func write(_ value: Int) { bytes.write(value) }
    public mutating func write(_ value: Double) { bytes.write(value.bitPattern) }
    public mutating func write(_ value: Bool) { bytes.append(raw: [value ? 1 : 0]) }
    public mutating func write(_ value: String) { bytes.write(Data(value.utf8)) }
    public mutating func write(_ value: Data) { bytes.write(value) }
    public mutating func write(_ values: [String]) {
        write(values.count)
        for value in values { write(value) }
    }
    /// A dtype tag, a shape, then the raw elements.
    public mutating func write(uint8 values: [UInt8], shape: [Int]) {
        precondition(shape.reduce(1, *) == values.count, "shape \(shape) does not match \(values.count) elements")
        writeHeader(dtype: "u8", shape: shape)
        bytes.append(raw: values)
    }
    public mutating func write(int32 values: [Int32], shape: [Int]) {
        precondition(shape.reduce(1, *) == values.count, "shape \(shape) does not match \(values.count) elements")
        writeHeader(dtype: "i32", shape: shape)
        values.withUnsafeBytes { bytes.append(raw: $0) }
    }
    public mutating func write(float32 values: [Float], shape: [Int]) {
        precondition(shape.reduce(1, *) == values.count, "shape \(shape) does not match \(values.count) elements")
        writeHeader(dtype: "f32", shape: shape)
        values.withUnsafeBytes { bytes.append(raw: $0) }
    }
    /// Any `Codable` value, as JSON (for small structured fields such as histories).
    public mutating func write<T: Encodable>(json value: T) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        // Encoding plain Codable model structs cannot fail; a failure is a programmer mistake.
        guard let bytes = try? encoder.encode(value) else { preconditionFailure("cannot encode \(T.self) as JSON") }
        write(bytes)
    }

    private mutating func writeHeader(dtype: String, shape: [Int]) {
        write(dtype)
        write(shape.count)
        for dimension in shape { write(dimension) }
    }
}

/// Reads fields written by ``BlobWriter``, checking every length: TensorCore's ``ByteReader``
/// (the one little-endian reader) with the field types results store, and errors that say where
/// in the blob the damage is.
public struct BlobReader: Sendable {
    private var bytes: ByteReader

    public init(_ data: Data) {
        bytes = ByteReader(data)
    }

    public var isAtEnd: Bool { bytes.isAtEnd }

    private mutating func take(_ count: Int) throws -> Data {
        do {
            return try bytes.readBytes(count)
        } catch {
            throw BlobError.truncated(needed: count, offset: bytes.offset, total: bytes.count)
        }
    }

    public mutating func readInt64() throws -> Int64 {
        guard bytes.remaining >= 8 else { throw BlobError.truncated(needed: 8, offset: bytes.offset, total: bytes.count) }
        return Int64(bitPattern: try bytes.readUInt64())
    }
    public mutating func readInt() throws -> Int { Int(try readInt64()) }
    public mutating func readDouble() throws -> Double { Double(bitPattern: UInt64(bitPattern: try readInt64())) }
    public mutating func readBool() throws -> Bool { try take(1).first == 1 }
    public mutating func readData() throws -> Data { try take(try readInt()) }
    public mutating func readString() throws -> String {
        guard let string = String(data: try readData(), encoding: .utf8) else {
            throw BlobError.badValue("text is not UTF-8")
        }
        return string
    }
    public mutating func readStrings() throws -> [String] {
        let count = try readInt()
        // Each string takes at least its 8-byte length: a count the rest cannot hold is damage.
        guard count >= 0, count <= bytes.remaining / 8 else {
            throw BlobError.badValue("a list of \(count) strings in \(bytes.remaining) bytes")
        }
        var strings: [String] = []
        strings.reserveCapacity(count)
        for _ in 0..<count { strings.append(try readString()) }
        return strings
    }
    public mutating func readUInt8Array() throws -> (values: [UInt8], shape: [Int]) {
        let shape = try readHeader(expecting: "u8")
        return (try readElements(count: try elementCount(shape)), shape)
    }
    public mutating func readInt32Array() throws -> (values: [Int32], shape: [Int]) {
        let shape = try readHeader(expecting: "i32")
        return (try readElements(count: try elementCount(shape)), shape)
    }
    public mutating func readFloat32Array() throws -> (values: [Float], shape: [Int]) {
        let shape = try readHeader(expecting: "f32")
        return (try readElements(count: try elementCount(shape)), shape)
    }
    /// The product of `shape`, checked against overflow.
    private func elementCount(_ shape: [Int]) throws -> Int {
        var count = 1
        for dimension in shape {
            let (product, overflow) = count.multipliedReportingOverflow(by: dimension)
            guard !overflow, product <= 1 << 40 else { throw BlobError.badValue("tensor shape \(shape) is too large") }
            count = product
        }
        return count
    }
    /// Copies `count` elements out (the blob may not be aligned for `T`).
    private mutating func readElements<T: BitwiseCopyable>(count: Int) throws -> [T] {
        let (size, overflow) = count.multipliedReportingOverflow(by: MemoryLayout<T>.stride)
        guard !overflow else { throw BlobError.badValue("\(count) elements are too many") }
        let bytes = try take(size)
        return [T](unsafeUninitializedCapacity: count) { buffer, initialized in
            bytes.withUnsafeBytes { raw in
                UnsafeMutableRawBufferPointer(buffer).copyMemory(from: raw)
            }
            initialized = count
        }
    }

    public mutating func read<T: Decodable>(json type: T.Type) throws -> T {
        try JSONDecoder().decode(T.self, from: try readData())
    }

    private mutating func readHeader(expecting dtype: String) throws -> [Int] {
        let found = try readString()
        guard found == dtype else { throw BlobError.badValue("expected a '\(dtype)' tensor, found '\(found)'") }
        let rank = try readInt()
        guard (0...8).contains(rank) else { throw BlobError.badValue("tensor rank \(rank)") }
        let shape = try (0..<rank).map { _ in try readInt() }
        guard shape.allSatisfy({ $0 >= 0 }) else { throw BlobError.badValue("negative dimension in \(shape)") }
        return shape
    }
}
