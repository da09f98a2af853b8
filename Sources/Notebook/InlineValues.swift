/// A value written into prose as `` `{loom} NAME.FACT` `` or `` `{loom} NAME.FACT:FORMAT` ``: the
/// executed notebook shows, in its place, the fact that the cell named `NAME` published.
public struct InlineReference: Sendable, Hashable {
    /// The cell's name (its `as NAME`).
    public var cell: String
    /// The fact (`accuracy`, `recall.Shirt`).
    public var fact: String
    /// The format after `:` (`.1%`), if any.
    public var format: String?
    /// Where the opening backtick is, in the notebook file.
    public var position: SourcePosition
    /// The whole code span as written, backticks included.
    public var source: String

    /// The marker that starts an inline value inside a code span.
    public static let prefix = "{loom}"

    /// Reads the inside of a code span; `nil` when it is not an inline value. A span that starts
    /// with `{loom}` but is malformed gives a reference with an empty cell or fact.
    static func parse(_ inner: String, position: SourcePosition, source: String) -> InlineReference? {
        let trimmed = inner.trimmingBlanks()
        guard trimmed.hasPrefix(prefix) else { return nil }
        var rest = Substring(trimmed.dropFirst(prefix.count)).drop { $0 == " " || $0 == "\t" }
        var format: String?
        if let colon = rest.firstIndex(of: ":") {
            format = String(rest[rest.index(after: colon)...]).trimmingBlanks()
            rest = rest[..<colon]
        }
        let reference = String(rest).trimmingBlanks()
        let parts = reference.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        let cell = parts.first.map(String.init) ?? ""
        let fact = parts.count > 1 ? String(parts[1]) : ""
        return InlineReference(cell: cell, fact: fact, format: format, position: position, source: source)
    }
}

extension NotebookDocument {
    /// Every inline value in the notebook's prose (outside code blocks, cells and output blocks),
    /// in document order.
    public var inlineReferences: [InlineReference] {
        var found: [InlineReference] = []
        forEachProseLine { index, content in
            found += Self.codeSpans(in: content, line: layout.originalLines[index]).compactMap { span in
                InlineReference.parse(span.inner, position: span.position, source: span.source)
            }
        }
        return found
    }

    /// The notebook's lines with each inline value replaced by what `value` gives for it (a
    /// reference it returns `nil` for stays as written), by index in the layout.
    func proseReplacements(_ value: (InlineReference) -> String?) -> [Int: String] {
        var replaced: [Int: String] = [:]
        forEachProseLine { index, content in
            let spans = Self.codeSpans(in: content, line: layout.originalLines[index])
            var text = ""
            var cursor = content.unicodeScalars.startIndex
            var changed = false
            for span in spans {
                guard let reference = InlineReference.parse(span.inner, position: span.position, source: span.source),
                      let shown = value(reference) else { continue }
                text += String(content.unicodeScalars[cursor..<span.range.lowerBound]) + shown
                cursor = span.range.upperBound
                changed = true
            }
            if changed {
                text += String(content.unicodeScalars[cursor...])
                replaced[index] = text
            }
        }
        return replaced
    }

    /// Calls `body` with each line of prose: not inside a fenced code block (cells included) or an
    /// indented code block after a blank line.
    private func forEachProseLine(_ body: (Int, String) -> Void) {
        var fence: (character: Character, length: Int)?
        for (index, line) in layout.lines.enumerated() {
            let content = line.content
            let stripped = content.drop { $0 == " " }
            let indent = content.count - stripped.count
            if let open = fence {
                let run = stripped.prefix { $0 == open.character }
                if indent < 4, run.count >= open.length, stripped.dropFirst(run.count).allSatisfy({ $0 == " " || $0 == "\t" }) {
                    fence = nil
                }
                continue
            }
            if indent < 4, let first = stripped.first, first == "`" || first == "~" {
                let run = stripped.prefix { $0 == first }
                if run.count >= 3 {
                    fence = (first, run.count)
                    continue
                }
            }
            if indent >= 4 { continue }
            body(index, content)
        }
    }

    private struct CodeSpan {
        var inner: String
        var source: String
        var range: Range<String.UnicodeScalarView.Index>
        var position: SourcePosition
    }

    /// The code spans of one line (CommonMark: a run of N backticks up to the next run of exactly N).
    private static func codeSpans(in content: String, line: Int) -> [CodeSpan] {
        let scalars = content.unicodeScalars
        var spans: [CodeSpan] = []
        var index = scalars.startIndex
        var column = 1
        while index < scalars.endIndex {
            guard scalars[index] == "`" else {
                if scalars[index] == "\\", scalars.index(after: index) < scalars.endIndex {
                    index = scalars.index(index, offsetBy: 2)
                    column += 2
                } else {
                    index = scalars.index(after: index)
                    column += 1
                }
                continue
            }
            let start = index
            var length = 0
            while index < scalars.endIndex, scalars[index] == "`" {
                index = scalars.index(after: index)
                length += 1
            }
            let startColumn = column
            column += length
            // Find the closing run of exactly `length` backticks.
            var search = index
            var searchColumn = column
            var closed = false
            while search < scalars.endIndex {
                if scalars[search] == "`" {
                    let runStart = search
                    var run = 0
                    while search < scalars.endIndex, scalars[search] == "`" {
                        search = scalars.index(after: search)
                        run += 1
                    }
                    searchColumn += run
                    if run == length {
                        spans.append(CodeSpan(
                            inner: String(scalars[index..<runStart]), source: String(scalars[start..<search]),
                            range: start..<search, position: SourcePosition(line: line, column: startColumn)))
                        index = search
                        column = searchColumn
                        closed = true
                        break
                    }
                } else {
                    search = scalars.index(after: search)
                    searchColumn += 1
                }
            }
            if !closed { continue }
        }
        return spans
    }
}
