import Crypto
import Foundation

/// loom's version, in one place: `loom --version`, executed notebooks and every cache key read it.
public enum LoomVersion {
    public static let current = "0.1.0"
}

/// The one builder of cache keys: the hex SHA-256 of a canonical description that always
/// includes the key format and loom's version, so an upgrade re-runs cells and sub-results alike.
public enum CacheKey {
    /// Bumped when key computation changes (2: typed parameters, one canonical form, sub-results
    /// keyed with loom's version).
    public static let format = 2

    /// The key of a cell: its action and version, its parameters in canonical form (inputs left
    /// out), the keys of the results it reads, and any extra identity (for `load`, the data files).
    ///
    /// The figure scale (`--scale 2`) is not part of the key: the key names the result, whatever
    /// the figures were drawn at. The scale of a stored cell's figures is in its ``CellRecord``,
    /// and a run that asks for another one re-runs the cell (see ``RunReason/figureScale(stored:wanted:)``).
    static func cell(action: String, version: Int, parameters: String, inputs: [String: [String]],
                     identity: String?) -> String {
        hash([("kind", "cell"), ("action", .string(action)), ("version", .int(version)),
              ("parameters", .string(parameters)), ("inputs", inputValue(inputs)),
              ("identity", .string(identity ?? ""))])
    }

    /// The key of a sub-result (a sweep variant): the cell's action and version, the label, the
    /// identity the action gives and the keys of the cell's inputs.
    static func subresult(action: String, version: Int, label: String, identity: String,
                          inputs: [String: [String]]) -> String {
        hash([("kind", "sub"), ("action", .string(action)), ("version", .int(version)), ("label", .string(label)),
              ("identity", .string(identity)), ("inputs", inputValue(inputs))])
    }

    private static func inputValue(_ inputs: [String: [String]]) -> Value {
        .map(inputs.keys.sorted().map { name in (name, .list((inputs[name] ?? []).map(Value.string))) })
    }

    private static func hash(_ entries: [(String, Value)]) -> String {
        let text = Value.map([("format", .int(format)), ("loom", .string(LoomVersion.current))] + entries).canonical
        return SHA256.hash(data: Data(text.utf8)).hexString
    }
}

extension Sequence where Element == UInt8 {
    /// Lower-case hexadecimal, two digits a byte.
    var hexString: String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        for byte in self {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}
