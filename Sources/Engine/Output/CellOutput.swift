import Crypto
import FileAccess
import Notebook
import Foundation

/// A Markdown table: the executed notebook's answer to a pandas DataFrame.
public struct Table: Sendable, Codable, Hashable {
    public enum Alignment: String, Sendable, Codable, Hashable { case left, right, center }
    public var columns: [String]
    public var alignments: [Alignment]
    public var rows: [[String]]
    /// Shown in bold above the table, if present.
    public var caption: String?

    /// - Parameters:
    ///   - columns: the header cells.
    ///   - alignments: one per column; defaults to left for the first column and right for the rest
    ///     (labels then numbers, as a data scientist expects).
    public init(columns: [String], alignments: [Alignment]? = nil, rows: [[String]] = [], caption: String? = nil) {
        self.columns = columns
        self.alignments = alignments ?? columns.indices.map { $0 == 0 ? .left : .right }
        self.rows = rows
        self.caption = caption
        precondition(self.alignments.count == columns.count, "one alignment per column")
    }

    public mutating func append(_ row: [String]) {
        precondition(row.count == columns.count, "row has \(row.count) cells for \(columns.count) columns")
        rows.append(row)
    }

    /// The table as GitHub-flavoured Markdown: cells keep the emphasis an action wrote, but
    /// anything that could become HTML, a link or an image is escaped (see ``MarkdownText/tableCell(_:)``).
    public var markdown: String {
        let escape = MarkdownText.tableCell
        var lines: [String] = []
        if let caption { lines.append("**\(MarkdownText.literal(caption))**"); lines.append("") }
        lines.append("| " + columns.map(escape).joined(separator: " | ") + " |")
        lines.append("|" + alignments.map {
            switch $0 {
            case .left: ":---"
            case .right: "---:"
            case .center: ":---:"
            }
        }.joined(separator: "|") + "|")
        for row in rows { lines.append("| " + row.map(escape).joined(separator: " | ") + " |") }
        return lines.joined(separator: "\n")
    }
}

/// A PNG figure made by an action.
public struct FigureOutput: Sendable, Codable, Hashable {
    /// A short file-name-safe name, unique within the cell (`training-curves`).
    public var name: String
    /// The alt text, also shown as the caption.
    public var title: String
    public var png: Data
    /// Pixels per point the PNG was rendered at (`loom run --scale 2`); `nil` for 1. The executed
    /// notebook shows a figure rendered at scale 2 at half its pixel width, so it takes the same
    /// room as at scale 1, only sharper.
    public var scale: Double?

    public init(name: String, title: String, png: Data, scale: Double = 1) {
        self.name = name
        self.title = title
        self.png = png
        self.scale = scale == 1 ? nil : scale
    }

    /// The width in pixels from the PNG header (the IHDR chunk's first field), or `nil` when the
    /// bytes are not a PNG.
    public var pixelWidth: Int? {
        let bytes = [UInt8](png.prefix(24))
        guard bytes.count == 24, bytes[0] == 0x89, bytes[1] == 0x50, bytes[12...15].elementsEqual("IHDR".utf8) else { return nil }
        return bytes[16...19].reduce(0) { $0 << 8 | Int($1) }
    }

    /// The width, in points, to show the figure at: its pixel width over its scale; `nil` when
    /// it was rendered at scale 1 (shown at its own size) or the width is unknown.
    public var displayWidth: Int? {
        guard let scale, scale > 0, scale != 1, let pixels = pixelWidth else { return nil }
        return Int((Double(pixels) / scale).rounded())
    }

    /// The image as Markdown, `![alt](source)`, or, for a figure rendered above scale 1, as an
    /// `<img>` element with its `width` in points (Markdown images cannot carry a size).
    func imageMarkdown(source: String) -> String {
        guard let width = displayWidth else { return "![\(MarkdownText.literal(title))](\(source))" }
        return "<img src=\"\(MarkdownText.html(source))\" alt=\"\(MarkdownText.html(title))\" width=\"\(width)\">"
    }
}

extension FigureOutput {
    /// `*Figure 3: Training curves of cnn.*`: the visible caption under a figure, Markdown
    /// emphasis characters in the title escaped.
    public static func caption(number: Int, title: String) -> String {
        var text = title.trimmingCharacters(in: .whitespacesAndNewlines).replacingOccurrences(of: "\n", with: " ")
        for character in ["\\", "*", "_", "`", "[", "]", "<"] {
            text = text.replacingOccurrences(of: character, with: "\\" + character)
        }
        if let last = text.last, !".!?".contains(last) { text += "." }
        return "*Figure \(number): \(text)*"
    }

    /// Whether a paragraph of Markdown is a caption ``caption(number:title:)`` wrote.
    public static func isCaption(_ line: String) -> Bool {
        line.hasPrefix("*Figure ") && line.hasSuffix("*") && line.contains(":")
    }
}

/// One piece of a cell's rendered output.
public enum OutputItem: Sendable, Codable, Hashable {
    case markdown(String)
    case table(Table)
    case figure(FigureOutput)
    /// A collapsed `<details>` block (long logs).
    case details(summary: String, body: String)
    /// Preformatted text in a fenced block.
    case text(String)
}

/// How figures are placed in the executed notebook.
public enum FigureMode: Sendable, Equatable {
    /// `data:image/png;base64,...`: one self-contained file.
    case embedded
    /// PNG files in `directory` (on disk), linked by `relativePath` from the notebook.
    case assets(directory: String, relativePath: String)
}

extension Array where Element == OutputItem {
    /// Renders the items as Markdown. With asset mode, writes each figure's PNG file.
    ///
    /// - Parameters:
    ///   - prefix: a unique file-name prefix for this cell's figures (`cell-03`).
    ///   - firstFigureNumber: when given, each figure gets a visible numbered caption under it
    ///     (`*Figure 3: Training curves.*`), counting from this number.
    public func markdown(figures: FigureMode, prefix: String, firstFigureNumber: Int? = nil) throws -> String {
        var blocks: [String] = []
        var number = firstFigureNumber
        for item in self {
            switch item {
            case .markdown(let text): blocks.append(text)
            case .table(let table): blocks.append(table.markdown)
            case .text(let text):
                let fence = text.contains("```") ? "~~~~" : "```"
                blocks.append("\(fence)text\n\(text)\n\(fence)")
            case .details(let summary, let body):
                blocks.append("<details>\n<summary>\(MarkdownText.html(summary))</summary>\n\n\(body)\n\n</details>")
            case .figure(let figure):
                switch figures {
                case .embedded:
                    blocks.append(figure.imageMarkdown(source: "data:image/png;base64,\(figure.png.base64EncodedString())"))
                case .assets(let directory, let relativePath):
                    // Content-addressed: a new figure never overwrites a file the previous
                    // executed notebook links, so a failed write leaves that notebook whole.
                    let file = "\(prefix)-\(figure.name)-\(SHA256.hash(data: figure.png).hexString.prefix(12)).png"
                    let path = (directory as NSString).appendingPathComponent(file)
                    do {
                        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
                        if (try? Data(contentsOf: URL(fileURLWithPath: path))) != figure.png {
                            try figure.png.write(to: URL(fileURLWithPath: path), options: .atomic)
                        }
                    } catch {
                        throw NotebookError.cannotWrite(path: path, reason: FileErrorText.reason(error))
                    }
                    blocks.append(figure.imageMarkdown(source: "\(relativePath)/\(file)"))
                }
                if let current = number {
                    blocks.append(FigureOutput.caption(number: current, title: figure.title))
                    number = current + 1
                }
            }
        }
        return blocks.joined(separator: "\n\n")
    }
}
