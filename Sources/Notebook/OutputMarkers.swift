/// One `key=value` attribute of an output marker, such as `status=ran`.
public struct OutputAttribute: Sendable, Hashable {
    /// The key: a letter, then letters, digits, `_`, `-` or `.`.
    public var key: String
    /// The value: any single-line text without `--`; written in double quotes when it holds
    /// spaces, quotes or `=`.
    public var value: String

    /// Creates an attribute.
    ///
    /// - Parameters:
    ///   - key: The key, such as `status`.
    ///   - value: The value, such as `ran`.
    public init(key: String, value: String) {
        self.key = key
        self.value = value
    }
}

/// What the executed-notebook writer places after a cell, or at the end as the summary.
public struct CellOutput: Sendable, Hashable {
    /// The marker's attributes, in the order they are written (after `cell=N`).
    public var attributes: [OutputAttribute]
    /// The output itself: Markdown, rendered between the markers.
    public var markdown: String

    /// Creates an output.
    ///
    /// - Parameters:
    ///   - attributes: The marker's attributes, such as `status=ran seconds=41.2`.
    ///   - markdown: The Markdown to place between the markers.
    public init(attributes: [OutputAttribute] = [], markdown: String) {
        self.attributes = attributes
        self.markdown = markdown
    }
}

/// An output block found in a notebook: a previous run's output, which parsing removes.
///
/// Running an executed notebook as a source must replace its outputs rather than stack new
/// ones after them, so the parser recognises the marker comments the writer emits
/// (`<!-- loom:output … -->` … `<!-- /loom:output -->` and `<!-- loom:summary … -->` …
/// `<!-- /loom:summary -->`) and excludes each block from the prose and the cells. Only an
/// opening marker that cmark parses as a top-level HTML block counts, so a marker shown
/// inside a code block or a list item stays prose.
public struct OutputBlock: Sendable, Hashable {
    /// Whether the block is the summary rather than a cell's output.
    public var isSummary: Bool
    /// The cell index named by the `cell` attribute, if it has a valid one.
    public var cellIndex: Int?
    /// The attributes of the opening marker, in order (`cell` included).
    public var attributes: [OutputAttribute]
    /// The Markdown between the markers, without the blank lines the writer adds around it,
    /// with `\n` line endings.
    public var markdown: String
    /// The 1-based file line of the opening marker.
    public var startLine: Int
    /// The 1-based file line of the closing marker.
    public var endLine: Int
}

/// The marker comments of output blocks.
enum OutputMarker: Equatable {
    case start(isSummary: Bool, attributes: [OutputAttribute])
    case end(isSummary: Bool)

    static let outputName = "loom:output"
    static let summaryName = "loom:summary"

    /// Reads a marker line (surrounding spaces allowed), or returns `nil` for any other line.
    init?(line: String) {
        // Most lines are not markers: reject them before copying anything.
        let bytes = line.utf8.drop { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") }
        guard bytes.starts(with: "<!--".utf8) else { return nil }
        let trimmed = line.trimmingBlanks()
        guard trimmed.hasSuffix("-->"), trimmed.utf8.count >= 7 else { return nil }
        let inner = trimmed.dropFirst(4).dropLast(3).trimmingBlanks()
        if inner == "/" + Self.outputName || inner == "/" + Self.summaryName {
            self = .end(isSummary: inner == "/" + Self.summaryName)
            return
        }
        for (name, isSummary) in [(Self.outputName, false), (Self.summaryName, true)] where inner.hasPrefix(name) {
            let rest = inner.dropFirst(name.count)
            guard rest.isEmpty || rest.first == " " || rest.first == "\t" else { continue }
            self = .start(isSummary: isSummary, attributes: Self.parseAttributes(String(rest)))
            return
        }
        return nil
    }

    /// The marker line, without a line ending.
    var line: String {
        switch self {
        case let .end(isSummary):
            return "<!-- /\(isSummary ? Self.summaryName : Self.outputName) -->"
        case let .start(isSummary, attributes):
            var text = "<!-- " + (isSummary ? Self.summaryName : Self.outputName)
            for attribute in attributes {
                text += " \(attribute.key)=\(Self.quoted(attribute.value))"
            }
            return text + " -->"
        }
    }

    /// Checks an attribute the writer is asked to emit: a programmer mistake if invalid.
    static func validate(_ attribute: OutputAttribute) {
        let key = Array(attribute.key.unicodeScalars)
        precondition(
            !key.isEmpty && key[0].properties.isAlphabetic && key[0].isASCII
                && key.allSatisfy { $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || "_-.".unicodeScalars.contains($0)) },
            "output attribute key '\(attribute.key)' must be a letter followed by letters, digits, '_', '-' or '.'")
        precondition(
            !attribute.value.contains("--") && !attribute.value.contains(where: \.isNewline),
            "output attribute value '\(attribute.value)' must be one line without '--'")
    }

    private static func quoted(_ value: String) -> String {
        let plain = !value.isEmpty && value.unicodeScalars.allSatisfy {
            !$0.properties.isWhitespace && $0 != "\"" && $0 != "=" && $0 != "\\" && $0 != ">"
        }
        if plain { return value }
        var text = "\""
        for character in value {
            if character == "\"" || character == "\\" { text.append("\\") }
            text.append(character)
        }
        return text + "\""
    }

    /// Parses `key=value key="quoted value" …`; a key without `=` gets an empty value.
    static func parseAttributes(_ text: String) -> [OutputAttribute] {
        var attributes: [OutputAttribute] = []
        var characters = Substring(text)
        func skipBlanks() { characters = characters.drop { $0 == " " || $0 == "\t" } }
        skipBlanks()
        while !characters.isEmpty {
            let key = characters.prefix { $0 != "=" && $0 != " " && $0 != "\t" }
            characters = characters.dropFirst(key.count)
            var value = ""
            if characters.first == "=" {
                characters = characters.dropFirst()
                if characters.first == "\"" {
                    characters = characters.dropFirst()
                    var escaped = false
                    while let character = characters.first {
                        characters = characters.dropFirst()
                        if escaped {
                            value.append(character)
                            escaped = false
                        } else if character == "\\" {
                            escaped = true
                        } else if character == "\"" {
                            break
                        } else {
                            value.append(character)
                        }
                    }
                } else {
                    let bare = characters.prefix { $0 != " " && $0 != "\t" }
                    value = String(bare)
                    characters = characters.dropFirst(bare.count)
                }
            }
            attributes.append(OutputAttribute(key: String(key), value: value))
            skipBlanks()
        }
        return attributes
    }
}

extension StringProtocol {
    /// The text without leading and trailing spaces and tabs.
    func trimmingBlanks() -> String {
        let scalars = unicodeScalars
        guard let first = scalars.firstIndex(where: { $0 != " " && $0 != "\t" }),
              let last = scalars.lastIndex(where: { $0 != " " && $0 != "\t" })
        else { return "" }
        return String(String.UnicodeScalarView(scalars[first...last]))
    }
}
