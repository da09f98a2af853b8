/// One cell of a notebook: a fenced code block whose info string starts with the word `loom`.
///
/// The info string reads `loom ACTION` or `loom ACTION as NAME`; the body is a YAML mapping
/// of the action's parameters:
///
/// ````markdown
/// ```loom train.cnn as cnn
/// epochs: 5
/// ```
/// ````
///
/// A malformed cell (a bad info string, invalid YAML, a body that is not a mapping) is still
/// a cell, with the problem reported in ``NotebookDocument/diagnostics``, so that cell
/// numbering does not depend on whether the cells are valid.
public struct Cell: Sendable, Hashable {
    /// The cell's number, counting from 0 in document order.
    public var index: Int
    /// The action's name, such as `train.cnn`; empty when the info string names none.
    public var action: String
    /// Where the action's name is written (where it should be, when it is missing).
    public var actionPosition: SourcePosition
    /// The name given with `as NAME`, if any (and valid).
    public var resultName: String?
    /// Where the result name is written.
    public var resultNamePosition: SourcePosition?
    /// The info string as cmark reads it, such as `loom train.cnn as cnn`.
    public var infoString: String
    /// The 1-based file line of the opening fence.
    public var startLine: Int
    /// The 1-based file line of the closing fence, or of the cell's last line when the
    /// fence is never closed.
    public var endLine: Int
    /// The body as cmark reads it: container prefixes removed, `\n` line endings.
    public var body: String
    /// The body parsed as YAML: always a `.mapping`, empty for an empty or invalid body.
    public var parameters: ParameterNode

    /// Creates a cell.
    ///
    /// - Parameters:
    ///   - index: The 0-based cell number.
    ///   - action: The action's name.
    ///   - actionPosition: Where the action's name is written.
    ///   - resultName: The `as NAME` result name, if any.
    ///   - resultNamePosition: Where the result name is written.
    ///   - infoString: The full info string.
    ///   - startLine: The 1-based line of the opening fence.
    ///   - endLine: The 1-based line of the closing fence.
    ///   - body: The literal body.
    ///   - parameters: The parsed body, a `.mapping`.
    public init(
        index: Int, action: String, actionPosition: SourcePosition, resultName: String? = nil,
        resultNamePosition: SourcePosition? = nil, infoString: String, startLine: Int, endLine: Int,
        body: String, parameters: ParameterNode
    ) {
        self.index = index
        self.action = action
        self.actionPosition = actionPosition
        self.resultName = resultName
        self.resultNamePosition = resultNamePosition
        self.infoString = infoString
        self.startLine = startLine
        self.endLine = endLine
        self.body = body
        self.parameters = parameters
    }
}

/// A parsed notebook: its text, its cells, and the problems found in them.
///
/// Parsing follows GitHub exactly, because it uses the parser GitHub uses (cmark-gfm with
/// the GFM extensions and footnotes): a fenced block is a cell wherever GitHub renders it
/// as a code block whose info string's first word is `loom` (in list items, block quotes
/// and footnotes too, with backtick or tilde fences of any length), and nowhere else
/// (indented code blocks, fences shown inside a longer fence, fences inside HTML blocks or
/// comments, `Loom` or `loomx` info strings are prose).
///
/// Output blocks left by a previous run (see ``OutputBlock``) are removed before the cells
/// are read, and ``executed(outputs:summary:)`` writes fresh ones, so running an executed
/// notebook as a source replaces its outputs. All positions refer to ``text``.
///
/// ```swift
/// let document = NotebookDocument.parse(path: "notebooks/cnn.md", text: source)
/// for diagnostic in document.diagnostics { print(diagnostic) }
/// let cnn = document.cells.first { $0.resultName == "cnn" }
/// ```
public struct NotebookDocument: Sendable {
    /// The path the notebook was read from, used in diagnostics.
    public var path: String
    /// The notebook's full text, as given.
    public var text: String
    /// The cells, in document order.
    public var cells: [Cell]
    /// The problems found while parsing, ordered by position: errors (malformed info
    /// strings, invalid YAML, bodies that are not mappings, invalid result names) and
    /// warnings (unclosed fences, unmatched output markers).
    public var diagnostics: [Diagnostic]
    /// The output blocks of a previous run found in the text, in file order.
    public var outputBlocks: [OutputBlock]

    /// The source without its output blocks, and where each cell's output goes.
    var layout: Layout

    /// Whether any diagnostic is an error.
    public var hasErrors: Bool { diagnostics.contains { $0.severity == .error } }

    /// Parses a notebook. Never fails: problems in the text are collected as diagnostics.
    ///
    /// - Parameters:
    ///   - path: The notebook's path, used in diagnostics.
    ///   - text: The notebook's Markdown.
    /// - Returns: The parsed notebook.
    public static func parse(path: String, text: String) -> NotebookDocument {
        var parser = DocumentParser(path: path, text: text)
        return parser.parse()
    }

    /// Reads and parses a notebook file.
    ///
    /// - Parameter path: The file to read.
    /// - Returns: The parsed notebook.
    /// - Throws: ``NotebookError/cannotRead(path:reason:)`` or ``NotebookError/notUTF8(path:)``.
    public static func read(path: String) throws(NotebookError) -> NotebookDocument {
        let bytes = try readFile(atPath: path)
        guard let text = String(validating: bytes, as: UTF8.self) else { throw .notUTF8(path: path) }
        return parse(path: path, text: text)
    }
}

extension NotebookDocument {
    /// Where the executed-notebook writer puts things, in the source without output blocks.
    struct Layout: Sendable {
        /// The source lines, output blocks removed.
        var lines: [SourceLines.Line]
        /// For each of `lines`, its 1-based line in the original text.
        var originalLines: [Int]
        /// The line ending written on new lines.
        var lineEnding: String
        /// For each cell, by index, where its output goes.
        var placements: [Placement]
    }

    /// Where a cell's output goes.
    struct Placement: Sendable {
        /// The 0-based index in `Layout.lines` of the line after which the output goes: the
        /// cell's closing fence, or the last line of the top-level block (list, block quote,
        /// footnote) that holds the cell, so that the output renders outside that block.
        var afterLine: Int
        /// The closing fence to write first, for a top-level fence that is never closed.
        var closingFence: String?
    }
}

/// Checks result names: `[A-Za-z_][A-Za-z0-9_-]*`.
func isIdentifier(_ name: String) -> Bool {
    let scalars = Array(name.unicodeScalars)
    guard let first = scalars.first, first.isASCII,
          first.properties.isAlphabetic || first == "_" else { return false }
    return scalars.allSatisfy {
        $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "_" || $0 == "-")
    }
}

/// The work of ``NotebookDocument/parse(path:text:)``.
private struct DocumentParser {
    let path: String
    let text: String
    var diagnostics: [Diagnostic] = []

    init(path: String, text: String) {
        self.path = path
        self.text = text
    }

    /// A line of the source without output blocks, with its line in the original text.
    struct KeptLine {
        var line: SourceLines.Line
        var originalLine: Int
    }

    mutating func parse() -> NotebookDocument {
        let source = SourceLines(text)
        let lineEnding = source.dominantLineEnding
        var kept = source.lines.enumerated().map { KeptLine(line: $1, originalLine: $0 + 1) }
        let outputBlocks = removeOutputBlocks(from: &kept, lineEnding: lineEnding)
        let strippedText = kept.reduce(into: "") { $0 += $1.line.content + $1.line.terminator }
        let outline = MarkdownOutline(strippedText)

        var cells: [Cell] = []
        var placements: [NotebookDocument.Placement] = []
        for block in outline.fencedCodeBlocks {
            let words = block.info.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
            guard words.first == "loom" else { continue }
            let (cell, placement) = makeCell(
                index: cells.count, block: block, words: words, kept: kept, outline: outline)
            cells.append(cell)
            placements.append(placement)
        }
        diagnostics.sort { $0.position < $1.position }
        return NotebookDocument(
            path: path, text: text, cells: cells, diagnostics: diagnostics, outputBlocks: outputBlocks,
            layout: .init(lines: kept.map(\.line), originalLines: kept.map(\.originalLine),
                          lineEnding: lineEnding, placements: placements))
    }

    // MARK: Output blocks

    /// Removes every output block (and the blank line the writer puts before it) from
    /// `kept`, returning the blocks.
    ///
    /// An opening marker counts only where cmark reads it as a top-level HTML block; its
    /// block ends at the next closing marker line, found line by line, so that an output
    /// whose Markdown cmark reads differently (an unclosed fence, say) cannot hide the rest
    /// of the notebook. Removing blocks can reveal markers the removed text hid, so this
    /// repeats until a pass finds none.
    mutating func removeOutputBlocks(from kept: inout [KeptLine], lineEnding: String) -> [OutputBlock] {
        var blocks: [OutputBlock] = []
        while true {
            let text = kept.reduce(into: "") { $0 += $1.line.content + $1.line.terminator }
            var regions: [ClosedRange<Int>] = []
            var claimedThrough = -1
            for topLevel in MarkdownOutline(text).topLevel where topLevel.htmlFirstLine != nil {
                let start = topLevel.startLine - 1
                guard start > claimedThrough, start < kept.count,
                      let marker = OutputMarker(line: kept[start].line.content) else { continue }
                switch marker {
                case let .start(isSummary, attributes):
                    var end: Int?
                    for candidate in (start + 1)..<kept.count {
                        guard let other = OutputMarker(line: kept[candidate].line.content) else { continue }
                        if other == .end(isSummary: isSummary) { end = candidate }
                        break
                    }
                    if let end {
                        blocks.append(outputBlock(kept: kept, start: start, end: end, isSummary: isSummary, attributes: attributes))
                        regions.append(start...end)
                    } else {
                        warn(at: kept[start].originalLine, "this output block has no closing '\(OutputMarker.end(isSummary: isSummary).line)'; only its opening marker is removed")
                        regions.append(start...start)
                    }
                case .end:
                    warn(at: kept[start].originalLine, "'\(marker.line)' closes no output block; it is removed")
                    regions.append(start...start)
                }
                claimedThrough = regions[regions.count - 1].upperBound
            }
            if regions.isEmpty { break }
            kept = removing(regions, from: kept, lineEnding: lineEnding)
        }
        return blocks.sorted { $0.startLine < $1.startLine }
    }

    private func outputBlock(
        kept: [KeptLine], start: Int, end: Int, isSummary: Bool, attributes: [OutputAttribute]
    ) -> OutputBlock {
        var content = kept[(start + 1)..<end].map(\.line)
        if content.first?.isBlank == true { content.removeFirst() }
        if content.last?.isBlank == true { content.removeLast() }
        let cellIndex = attributes.first { $0.key == "cell" }.flatMap { Int($0.value) }
        return OutputBlock(
            isSummary: isSummary, cellIndex: isSummary ? nil : cellIndex, attributes: attributes,
            markdown: content.map { $0.content + "\n" }.joined(),
            startLine: kept[start].originalLine, endLine: kept[end].originalLine)
    }

    /// Removes the regions, each with the blank line before it (the writer's padding),
    /// keeping a blank line where the removal would join two non-blank lines (an output
    /// block moved by hand between two paragraphs must not merge them).
    private func removing(_ regions: [ClosedRange<Int>], from kept: [KeptLine], lineEnding: String) -> [KeptLine] {
        var removed = [Bool](repeating: false, count: kept.count)
        var padding = [Bool](repeating: false, count: kept.count)
        for region in regions {
            for index in region { removed[index] = true }
            let neighbour = region.lowerBound - 1
            if kept.indices.contains(neighbour) && !removed[neighbour] && kept[neighbour].line.isBlank {
                removed[neighbour] = true
                padding[neighbour] = true
            }
        }
        var result: [KeptLine] = []
        var index = 0
        while index < kept.count {
            guard removed[index] else {
                result.append(kept[index])
                index += 1
                continue
            }
            let groupStart = index
            while index < kept.count && removed[index] { index += 1 }
            let before = result.last
            let after = index < kept.count ? kept[index] : nil
            if let before, let after, !before.line.isBlank, !after.line.isBlank {
                if let blank = (groupStart..<index).first(where: { padding[$0] }) {
                    result.append(kept[blank])
                } else {
                    result.append(KeptLine(line: .init(content: "", terminator: lineEnding),
                                           originalLine: kept[groupStart].originalLine))
                }
            }
        }
        return result
    }

    // MARK: Cells

    private mutating func makeCell(
        index: Int, block: MarkdownOutline.FencedCodeBlock, words: [String], kept: [KeptLine],
        outline: MarkdownOutline
    ) -> (Cell, NotebookDocument.Placement) {
        let startIndex = block.startLine - 1
        let fenceLine = kept[startIndex]
        let fence = String(repeating: block.fenceCharacter, count: block.fenceLength)
        let fenceScalars = Array(fenceLine.line.content.unicodeScalars)
        let fenceOffset = firstRun(of: block.fenceCharacter, length: block.fenceLength, in: fenceScalars) ?? 0
        let tokens = infoTokens(in: fenceScalars, from: fenceOffset + block.fenceLength)
        func column(ofWord word: Int) -> Int {
            word < tokens.count ? tokens[word].column : fenceOffset + 1
        }
        func position(ofWord word: Int) -> SourcePosition {
            SourcePosition(line: fenceLine.originalLine, column: column(ofWord: word))
        }
        let fencePosition = SourcePosition(line: fenceLine.originalLine, column: fenceOffset + 1)

        // The info string: loom ACTION [as NAME].
        var action = ""
        var actionPosition = words.count > 1 ? position(ofWord: 1) : SourcePosition(
            line: fenceLine.originalLine, column: column(ofWord: 0) + "loom".count)
        var resultName: String?
        var resultNamePosition: SourcePosition?
        if words.count == 1 {
            report(at: actionPosition, action: nil, "the cell names no action; write 'loom ACTION' or 'loom ACTION as NAME'")
        } else if words[1] == "as" {
            actionPosition = position(ofWord: 1)
            report(at: actionPosition, action: nil, "expected an action name before 'as'")
        } else {
            action = words[1]
            if words.count == 2 {
                // `loom ACTION` alone.
            } else if words[2] != "as" {
                report(at: position(ofWord: 2), action: action, "unexpected '\(words[2])' after the action; write 'loom \(action) as NAME' to name the result")
            } else if words.count == 3 {
                report(at: position(ofWord: 2), action: action, "expected a result name after 'as'")
            } else {
                let name = words[3]
                if isIdentifier(name) {
                    resultName = name
                    resultNamePosition = position(ofWord: 3)
                } else {
                    report(at: position(ofWord: 3), action: action, "the result name '\(name)' is not a name; use a letter or '_' followed by letters, digits, '_' or '-'")
                }
                if words.count > 4 {
                    report(at: position(ofWord: 4), action: action, "unexpected '\(words[4])' after the result name")
                }
            }
        }

        // Where the cell ends: a closed fence ends on its closing fence line.
        var bodyLines = block.literal.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        if block.literal.hasSuffix("\n") || block.literal.isEmpty { bodyLines.removeLast() }
        let reportedEndIndex = block.reportedEndLine - 1
        let isClosed = reportedEndIndex == startIndex + bodyLines.count + 1
            && reportedEndIndex < kept.count
            && isClosingFence(kept[reportedEndIndex].line.content, character: block.fenceCharacter, length: block.fenceLength)
        let endIndex = isClosed ? reportedEndIndex : min(startIndex + bodyLines.count, kept.count - 1)
        if !isClosed {
            let extent = block.isTopLevel ? "the end of the document" : "the end of the list item or block quote that holds it"
            diagnostics.append(Diagnostic(
                path: path, position: fencePosition, action: action.isEmpty ? nil : action,
                message: "unclosed fence '\(fence)': the cell runs to \(extent)", severity: .warning))
        }

        // Parameters, with YAML positions mapped to the file.
        var locatorLines: [BodyLocator.Line] = []
        for (offset, bodyLine) in bodyLines.enumerated() where startIndex + 1 + offset < kept.count {
            let fileLine = kept[startIndex + 1 + offset]
            let rawCount = fileLine.line.content.scalarCount
            locatorLines.append(.init(fileLine: fileLine.originalLine, prefix: max(0, rawCount - bodyLine.scalarCount)))
        }
        if isClosed {
            let closing = kept[endIndex]
            let scalars = Array(closing.line.content.unicodeScalars)
            let offset = firstRun(of: block.fenceCharacter, length: block.fenceLength, in: scalars) ?? 0
            locatorLines.append(.init(fileLine: closing.originalLine, prefix: offset))
        } else {
            let last = kept[endIndex]
            locatorLines.append(.init(fileLine: last.originalLine, prefix: last.line.content.scalarCount))
        }
        let cellAction = action.isEmpty ? nil : action
        var problems: [(SourcePosition, String)] = []
        let parameters = parseParameters(
            body: block.literal, locator: BodyLocator(lines: locatorLines), emptyPosition: fencePosition
        ) { problems.append(($0, $1)) }
        for (position, message) in problems { report(at: position, action: cellAction, message) }

        let cell = Cell(
            index: index, action: action, actionPosition: actionPosition, resultName: resultName,
            resultNamePosition: resultNamePosition, infoString: block.info,
            startLine: fenceLine.originalLine, endLine: kept[endIndex].originalLine,
            body: block.literal, parameters: parameters)
        return (cell, placement(for: block, endIndex: endIndex, isClosed: isClosed, fence: fence, kept: kept, outline: outline))
    }

    /// Where the writer puts a cell's output: after the cell when it is top-level, else after
    /// the top-level block that holds it (its last non-blank line before the next top-level
    /// block), so the output renders outside the list or quote.
    private func placement(
        for block: MarkdownOutline.FencedCodeBlock, endIndex: Int, isClosed: Bool, fence: String,
        kept: [KeptLine], outline: MarkdownOutline
    ) -> NotebookDocument.Placement {
        if block.isTopLevel {
            // A top-level fence that is never closed runs to the end: close it there.
            return isClosed ? .init(afterLine: endIndex, closingFence: nil)
                : .init(afterLine: kept.count - 1, closingFence: fence)
        }
        let next = outline.topLevel.first { $0.startLine > block.topLevelStartLine }?.startLine
        var after = (next.map { $0 - 1 } ?? kept.count) - 1
        while after > endIndex && kept[after].line.isBlank { after -= 1 }
        return .init(afterLine: max(after, endIndex), closingFence: nil)
    }

    /// The words of the info string after the fence, with their 1-based columns.
    private func infoTokens(in scalars: [Unicode.Scalar], from start: Int) -> [(text: String, column: Int)] {
        var tokens: [(text: String, column: Int)] = []
        var index = start
        while index < scalars.count {
            if scalars[index] == " " || scalars[index] == "\t" {
                index += 1
                continue
            }
            let tokenStart = index
            var token = String.UnicodeScalarView()
            while index < scalars.count && scalars[index] != " " && scalars[index] != "\t" {
                token.append(scalars[index])
                index += 1
            }
            tokens.append((String(token), tokenStart + 1))
        }
        return tokens
    }

    /// The offset of the first run of `length` fence characters in a line.
    private func firstRun(of character: Character, length: Int, in scalars: [Unicode.Scalar]) -> Int? {
        guard let fenceScalar = character.unicodeScalars.first, length > 0, scalars.count >= length else { return nil }
        var run = 0
        for (offset, scalar) in scalars.enumerated() {
            run = scalar == fenceScalar ? run + 1 : 0
            if run == length { return offset - length + 1 }
        }
        return nil
    }

    /// Whether a line (container prefixes included) is a closing fence for the fence.
    private func isClosingFence(_ line: String, character: Character, length: Int) -> Bool {
        let rest = line.drop { $0 == " " || $0 == "\t" || $0 == ">" }
        let run = rest.prefix { $0 == character }
        return run.count >= length && rest.dropFirst(run.count).allSatisfy { $0 == " " || $0 == "\t" }
    }

    // MARK: Diagnostics

    private mutating func report(at position: SourcePosition, action: String?, _ message: String) {
        diagnostics.append(Diagnostic(path: path, position: position, action: action, message: message))
    }

    private mutating func warn(at line: Int, _ message: String) {
        diagnostics.append(Diagnostic(
            path: path, position: SourcePosition(line: line, column: 1), message: message, severity: .warning))
    }
}
