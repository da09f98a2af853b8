import Foundation

/// NumPy's `.npy` format (version 1.0): what `numpy.load` reads.
///
/// The header is a Python dict literal (`descr`, `fortran_order`, `shape`), padded with spaces and
/// a newline so that the data starts at a multiple of 64 bytes; the data is C-order little-endian.
public enum NPYWriter {
    /// A `float32` array (`<f4`).
    public static func data(float32 values: [Float], shape: [Int]) -> Data {
        precondition(shape.reduce(1, *) == values.count, "shape \(shape) does not match \(values.count) values")
        var data = header(descr: "<f4", shape: shape)
        data.append(littleEndianBytes(values))
        return data
    }

    /// An `int64` array (`<i8`).
    public static func data(int64 values: [Int64], shape: [Int]) -> Data {
        precondition(shape.reduce(1, *) == values.count, "shape \(shape) does not match \(values.count) values")
        var data = header(descr: "<i8", shape: shape)
        data.reserveCapacity(data.count + values.count * 8)
        for value in values {
            withUnsafeBytes(of: value.littleEndian) { data.append(contentsOf: $0) }
        }
        return data
    }

    static func header(descr: String, shape: [Int]) -> Data {
        let dimensions = shape.count == 1 ? "(\(shape[0]),)" : "(" + shape.map(String.init).joined(separator: ", ") + ")"
        var text = "{'descr': '\(descr)', 'fortran_order': False, 'shape': \(dimensions), }"
        // magic (6) + version (2) + length (2) + header, ending in '\n', a multiple of 64.
        while (10 + text.utf8.count + 1) % 64 != 0 { text += " " }
        text += "\n"
        var data = Data([0x93] + Array("NUMPY".utf8) + [1, 0])
        withUnsafeBytes(of: UInt16(text.utf8.count).littleEndian) { data.append(contentsOf: $0) }
        data.append(Data(text.utf8))
        return data
    }
}
