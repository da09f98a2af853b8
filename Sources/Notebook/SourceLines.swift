/// A text cut into lines the way CommonMark counts them.
///
/// A line ends at `\n`, `\r\n` or a lone `\r` (CommonMark 0.29, section 2.1), so line
/// numbers agree with cmark's. Each line keeps its own terminator, which lets a text be
/// rebuilt byte for byte.
struct SourceLines: Sendable {
    /// One line: its content without the terminator, and the terminator itself
    /// (`"\n"`, `"\r\n"`, `"\r"`, or `""` for a last line without one).
    struct Line: Sendable, Hashable {
        var content: String
        var terminator: String

        /// Whether the line holds only spaces and tabs (CommonMark's blank line).
        var isBlank: Bool {
            content.utf8.allSatisfy { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") }
        }
    }

    var lines: [Line]

    init(lines: [Line]) {
        self.lines = lines
    }

    init(_ text: String) {
        var text = text
        lines = text.withUTF8(Self.split)
    }

    private static func split(_ utf8: UnsafeBufferPointer<UInt8>) -> [Line] {
        var lines: [Line] = []
        var start = 0
        var index = 0
        while index < utf8.count {
            let byte = utf8[index]
            guard byte == UInt8(ascii: "\n") || byte == UInt8(ascii: "\r") else {
                index += 1
                continue
            }
            let content = String(decoding: UnsafeBufferPointer(rebasing: utf8[start..<index]), as: UTF8.self)
            if byte == UInt8(ascii: "\r"), index + 1 < utf8.count, utf8[index + 1] == UInt8(ascii: "\n") {
                lines.append(Line(content: content, terminator: "\r\n"))
                index += 2
            } else {
                lines.append(Line(content: content, terminator: byte == UInt8(ascii: "\n") ? "\n" : "\r"))
                index += 1
            }
            start = index
        }
        if start < utf8.count {
            lines.append(Line(content: String(decoding: UnsafeBufferPointer(rebasing: utf8[start...]), as: UTF8.self), terminator: ""))
        }
        return lines
    }

    /// The line ending the text uses most often, `"\n"` for a text without any.
    var dominantLineEnding: String {
        var counts: [String: Int] = [:]
        for line in lines where !line.terminator.isEmpty { counts[line.terminator, default: 0] += 1 }
        return counts.max { ($0.value, $1.key) < ($1.value, $0.key) }?.key ?? "\n"
    }

    /// The text rebuilt from its lines.
    var text: String {
        var output = ""
        output.reserveCapacity(lines.reduce(0) { $0 + $1.content.utf8.count + 2 })
        for line in lines {
            output += line.content
            output += line.terminator
        }
        return output
    }
}

extension String {
    /// The number of Unicode scalars, which is how positions count columns.
    var scalarCount: Int { unicodeScalars.count }
}
