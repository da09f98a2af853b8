import FileAccess
import CZlib
import Foundation

/// The contents of one IDX file: a list of dimension sizes and the bytes they lay out.
///
/// IDX is the format of MNIST and Fashion-MNIST (LeCun et al., "The MNIST database of
/// handwritten digits"): a 4-byte magic number `0x00 0x00 TYPE NDIM`, then `NDIM` big-endian
/// 32-bit dimension sizes, then the payload in row-major order. Only the unsigned-byte type
/// (`0x08`) is read; the others are recognised so that the error can name them.
///
/// Files whose name ends in `.gz` are inflated with zlib (`gzopen`/`gzread`) and must really
/// be gzip; other files are read as they are.
///
/// ```swift
/// let labels = try IDXArray.read(contentsOf: "/data/train-labels-idx1-ubyte.gz", as: .labels)
/// print(labels.dimensions)  // [60000]
/// ```
public struct IDXArray: Sendable, Equatable {
    /// What an IDX file is expected to hold; it decides which dimension counts are accepted
    /// and what the payload is called in error messages.
    public enum Contents: Sendable, Equatable {
        /// Images: `[count, height, width]` or `[count, channels, height, width]`, all image
        /// sizes positive. The payload is called "pixels".
        case images
        /// Labels: `[count]`. The payload is called "labels".
        case labels
        /// Any dimension count from 1 to 4. The payload is called "data".
        case any

        var payloadName: String {
            switch self {
            case .images: return "pixels"
            case .labels: return "labels"
            case .any: return "data"
            }
        }

        var expectation: String {
            switch self {
            case .images:
                return "3 dimensions (count x height x width) or 4 (count x channels x height x width) with positive image sizes"
            case .labels:
                return "1 dimension (count)"
            case .any:
                return "1 to 4 dimensions"
            }
        }

        func accepts(_ dimensions: [Int]) -> Bool {
            switch self {
            case .images:
                return (dimensions.count == 3 || dimensions.count == 4) && dimensions.dropFirst().allSatisfy { $0 > 0 }
            case .labels:
                return dimensions.count == 1
            case .any:
                return (1...4).contains(dimensions.count)
            }
        }
    }

    /// The size of each dimension, outermost first.
    public private(set) var dimensions: [Int]
    /// The payload, row-major: the product of `dimensions` bytes.
    public private(set) var bytes: [UInt8]

    /// Creates an array from its dimensions and bytes.
    ///
    /// - Parameters:
    ///   - dimensions: one to four sizes, each in `0...UInt32.max`.
    ///   - bytes: exactly the product of `dimensions` bytes, row-major.
    public init(dimensions: [Int], bytes: [UInt8]) {
        precondition((1...4).contains(dimensions.count), "An IDX array has one to four dimensions.")
        precondition(dimensions.allSatisfy { $0 >= 0 && $0 <= Int(UInt32.max) }, "IDX dimension sizes are 32-bit unsigned.")
        precondition(dimensions.reduce(1, *) == bytes.count, "The byte count must be the product of the dimensions.")
        self.dimensions = dimensions
        self.bytes = bytes
    }

    /// The IDX name of a data-type code, in single quotes, or "unknown" for a code that IDX
    /// does not define.
    static func dataTypeName(code: UInt8) -> String {
        switch code {
        case 0x08: return "'unsigned byte'"
        case 0x09: return "'signed byte'"
        case 0x0B: return "'int16'"
        case 0x0C: return "'int32'"
        case 0x0D: return "'float32'"
        case 0x0E: return "'float64'"
        default: return "unknown"
        }
    }

    /// Reads an IDX file of unsigned bytes, gzip-compressed or plain.
    ///
    /// The whole file is validated: the magic number, the data type, the dimensions against
    /// `contents`, a payload of exactly the announced size, and for gzip files the CRC-32 and
    /// length in the gzip trailer. Every failure is a ``DatasetError`` naming `path`. Only a
    /// regular file is read (a FIFO or a device is refused at once); a header that claims more
    /// than ``defaultMaximumPayload`` is refused before anything is allocated, and the payload
    /// is read in chunks, so memory follows the bytes actually present, not the header's claim.
    ///
    /// - Parameters:
    ///   - path: the file; a name ending in `.gz` must hold gzip data.
    ///   - contents: what the file should hold; `.any` accepts one to four dimensions.
    /// - Returns: the dimensions and the payload.
    public static func read(contentsOf path: String, as contents: Contents = .any) throws(DatasetError) -> IDXArray {
        try read(contentsOf: path, as: contents, maximumPayload: defaultMaximumPayload)
    }

    /// The largest payload ``read(contentsOf:as:)`` accepts: 8 GiB, over ten times the
    /// largest MNIST-style data set in common use (EMNIST ByClass, about 640 MB).
    public static let defaultMaximumPayload = 8 << 30

    /// Payloads are read in chunks of this size, so memory follows the data actually present.
    static let readChunk = 64 << 20

    /// ``read(contentsOf:as:)`` with another cap on the payload size.
    public static func read(contentsOf path: String, as contents: Contents = .any,
                            maximumPayload: Int) throws(DatasetError) -> IDXArray {
        // Only a regular file: a FIFO or a device such as /dev/zero would block or never end.
        let descriptor: Int32
        let fileSize: Int
        do {
            (descriptor, fileSize) = try RegularFile.open(atPath: path)
        } catch {
            switch error {
            case .missing: throw .fileMissing(path: path)
            case .notRegularFile(_, let kind): throw .unreadable(path: path, reason: "it is \(kind), not a regular file")
            case .tooLarge, .unreadable: throw .unreadable(path: path, reason: "\(error)")
            }
        }
        guard let file = gzdopen(descriptor, "rb") else {
            close(descriptor)
            throw .unreadable(path: path, reason: String(cString: strerror(errno)))
        }
        defer { gzclose_r(file) }
        gzbuffer(file, 1 << 20)
        if path.hasSuffix(".gz") && gzdirect(file) == 1 {
            throw .notGzip(path: path)
        }
        var reader = _GzipReader(file: file, path: path)
        let dimensions = try readHeader(&reader, path: path, contents: contents)
        var payloadSize = 1
        for size in dimensions {
            let (product, overflow) = payloadSize.multipliedReportingOverflow(by: size)
            guard !overflow, product <= maximumPayload else {
                throw .unexpectedDimensions(path: path, dimensions: dimensions,
                                            expected: "a payload of at most \(maximumPayload >> 30) GiB")
            }
            payloadSize = product
        }
        // An uncompressed file must hold the payload it announces; check before allocating.
        if gzdirect(file) == 1, fileSize - 4 - 4 * dimensions.count < payloadSize {
            throw .truncated(path: path, payload: contents.payloadName, expectedBytes: payloadSize,
                             foundBytes: max(0, fileSize - 4 - 4 * dimensions.count))
        }

        // A compressed file can claim any size: memory grows with what actually inflates, chunk
        // by chunk, so a small file that claims gigabytes costs only what it holds.
        var bytes: [UInt8] = []
        bytes.reserveCapacity(min(payloadSize, readChunk))
        let scratch = UnsafeMutableRawBufferPointer.allocate(byteCount: min(payloadSize, readChunk), alignment: 16)
        defer { scratch.deallocate() }
        while bytes.count < payloadSize {
            let chunk = min(payloadSize - bytes.count, readChunk)
            let read = try reader.read(into: UnsafeMutableRawBufferPointer(rebasing: scratch[0..<chunk]))
            bytes.append(contentsOf: scratch[0..<read])
            if read < chunk { break }
        }
        guard bytes.count == payloadSize else {
            throw .truncated(path: path, payload: contents.payloadName, expectedBytes: payloadSize, foundBytes: bytes.count)
        }
        // Reading past the payload makes zlib check the gzip trailer (CRC-32 and length).
        var extra: [UInt8] = [0]
        if try reader.read(into: &extra[...]) != 0 {
            throw .trailingData(path: path, payload: contents.payloadName, expectedBytes: payloadSize)
        }
        if reader.endedEarly {
            throw .corrupt(path: path, reason: "unexpected end of file")
        }
        return IDXArray(dimensions: dimensions, bytes: bytes)
    }

    /// The dimensions an IDX file announces in its header, read without its payload (for
    /// `loom check`, which infers a model's shapes from the data before loading it).
    ///
    /// - Throws: ``DatasetError`` for a missing file or a header that ``read(contentsOf:as:)`` would reject.
    public static func dimensions(ofFile path: String, as contents: Contents = .any) throws(DatasetError) -> [Int] {
        guard FileManager.default.fileExists(atPath: path) else { throw .fileMissing(path: path) }
        guard let file = gzopen(path, "rb") else {
            throw .unreadable(path: path, reason: String(cString: strerror(errno)))
        }
        defer { gzclose_r(file) }
        var reader = _GzipReader(file: file, path: path)
        return try readHeader(&reader, path: path, contents: contents)
    }

    /// Reads and checks the magic number, data type and dimensions.
    static func readHeader(_ reader: inout _GzipReader, path: String, contents: Contents) throws(DatasetError) -> [Int] {
        var magic = [UInt8](repeating: 0, count: 4)
        let magicCount = try reader.read(into: &magic[...])
        guard magicCount == 4 else {
            throw .truncatedHeader(path: path, expectedBytes: 4, foundBytes: magicCount)
        }
        guard magic[0] == 0 && magic[1] == 0 else {
            throw .badMagic(path: path, firstBytes: Array(magic[0..<2]))
        }
        guard magic[2] == 0x08 else {
            throw .unsupportedDataType(path: path, code: magic[2])
        }
        let dimensionCount = Int(magic[3])
        var sizeBytes = [UInt8](repeating: 0, count: 4 * dimensionCount)
        let sizeCount = try reader.read(into: &sizeBytes[...])
        guard sizeCount == sizeBytes.count else {
            throw .truncatedHeader(path: path, expectedBytes: 4 + sizeBytes.count, foundBytes: 4 + sizeCount)
        }
        let dimensions = (0..<dimensionCount).map { index in
            sizeBytes[(4 * index)..<(4 * index + 4)].reduce(0) { $0 << 8 | Int($1) }
        }
        guard contents.accepts(dimensions) else {
            throw .unexpectedDimensions(path: path, dimensions: dimensions, expected: contents.expectation)
        }
        return dimensions
    }

    /// Writes the array as an IDX file of unsigned bytes.
    ///
    /// A name ending in `.gz` is written gzip-compressed (zlib level 6), any other name plain.
    ///
    /// - Parameter path: the file to create or replace.
    public func write(to path: String) throws(DatasetError) {
        let mode = path.hasSuffix(".gz") ? "wb6" : "wbT"
        guard let file = gzopen(path, mode) else {
            throw .unwritable(path: path, reason: String(cString: strerror(errno)))
        }
        var header: [UInt8] = [0, 0, 0x08, UInt8(dimensions.count)]
        for size in dimensions {
            let value = UInt32(size)
            header += [UInt8(value >> 24), UInt8(truncatingIfNeeded: value >> 16), UInt8(truncatingIfNeeded: value >> 8), UInt8(truncatingIfNeeded: value)]
        }
        var written = true
        for part in [header, bytes] {
            part.withUnsafeBytes { raw in
                var offset = 0
                while offset < raw.count && written {
                    let chunk = min(raw.count - offset, 1 << 30)
                    let count = gzwrite(file, raw.baseAddress! + offset, UInt32(chunk))
                    if count <= 0 { written = false } else { offset += Int(count) }
                }
            }
        }
        let closed = gzclose_w(file)
        guard written && closed == Z_OK else {
            throw .unwritable(path: path, reason: String(cString: strerror(errno)))
        }
    }
}

/// Reads from an open `gzFile` in chunks and turns zlib's error state into ``DatasetError``.
struct _GzipReader {
    let file: gzFile
    let path: String
    /// Whether zlib reported that the compressed stream stopped before its end.
    private(set) var endedEarly = false

    init(file: gzFile, path: String) {
        self.file = file
        self.path = path
    }

    /// Fills `buffer` as far as the file goes; returns how many bytes were read.
    mutating func read(into buffer: UnsafeMutableRawBufferPointer) throws(DatasetError) -> Int {
        var total = 0
        while total < buffer.count {
            let chunk = UInt32(min(buffer.count - total, 1 << 30))
            let count = gzread(file, buffer.baseAddress! + total, chunk)
            if count > 0 { total += Int(count) }
            if count <= 0 || UInt32(count) < chunk {
                try checkState()
                if count <= 0 { break }
            }
        }
        return total
    }

    /// Fills `bytes` as far as the file goes; returns how many bytes were read.
    mutating func read(into bytes: inout ArraySlice<UInt8>) throws(DatasetError) -> Int {
        var failure: DatasetError?
        let count = bytes.withUnsafeMutableBytes { raw in
            do throws(DatasetError) { return try read(into: raw) } catch {
                failure = error
                return 0
            }
        }
        if let failure { throw failure }
        return count
    }

    private mutating func checkState() throws(DatasetError) {
        var code: Int32 = Z_OK
        var message = gzerror(file, &code).map { String(cString: $0) } ?? ""
        // zlib prefixes its message with the path it was opened with.
        if message.hasPrefix(path + ": ") { message.removeFirst(path.count + 2) }
        // Opened from a descriptor (gzdopen), zlib names it `<fd:N>`.
        if message.hasPrefix("<fd:"), let colon = message.range(of: ": ") { message.removeSubrange(..<colon.upperBound) }
        switch code {
        case Z_OK, Z_STREAM_END:
            return
        case Z_BUF_ERROR:
            endedEarly = true
        case Z_ERRNO:
            throw .unreadable(path: path, reason: String(cString: strerror(errno)))
        default:
            throw .corrupt(path: path, reason: message)
        }
    }
}
