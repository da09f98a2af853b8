import Foundation
import Notebook

/// An executed notebook as a Jupyter notebook (nbformat 4.5), readable in Jupyter, VS Code and nbviewer.
///
/// Prose becomes Markdown cells; each loom cell a code cell whose source is its YAML, headed by
/// a `# loom ACTION [as NAME]` comment, with the action, name, status and seconds in the cell's
/// `metadata.loom`. A cell's output becomes display outputs: Markdown (tables, text) as both
/// `text/markdown` and `text/html` (rendered as GitHub does), each figure as `image/png`
/// (embedded data URIs, or the PNG files an `--assets` run wrote). The run summary is a
/// Markdown cell at the end.
public enum NotebookExport {
    /// The `.ipynb` JSON of an executed notebook.
    ///
    /// - Parameters:
    ///   - document: the executed notebook (`outputs/NAME.md`), parsed.
    ///   - baseDirectory: where figure files linked from it are (the notebook's folder).
    /// - Throws: ``ExportError/notExecuted(notebook:)`` when it has no outputs.
    public static func ipynb(_ document: NotebookDocument, baseDirectory: String) throws -> Data {
        guard !document.outputBlocks.isEmpty else { throw ExportError.notExecuted(notebook: document.path) }
        let lines = document.text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" })
            .map { $0.hasSuffix("\r") ? String($0.dropLast()) : String($0) }
        enum Span {
            case cell(Cell)
            case block(OutputBlock)
        }
        var spans: [(start: Int, end: Int, span: Span)] = document.cells.map { ($0.startLine, $0.endLine, .cell($0)) }
            + document.outputBlocks.map { ($0.startLine, $0.endLine, .block($0)) }
        spans.sort { $0.start < $1.start }

        var cells: [[String: Any]] = []
        var prose: [String] = []
        func flushProse() {
            let text = prose.joined(separator: "\n").trimmingCharacters(in: .newlines)
            prose = []
            guard !text.trimmingCharacters(in: .whitespaces).isEmpty else { return }
            cells.append(markdownCell(id: "markdown-\(cells.count + 1)", text))
        }
        var line = 1
        var codeCells: [Int: Int] = [:]  // loom cell index → position in `cells`
        for (start, end, span) in spans where start >= line {
            prose += lines[(line - 1)..<min(start - 1, lines.count)]
            line = end + 1
            switch span {
            case .cell(let cell):
                flushProse()
                codeCells[cell.index] = cells.count
                cells.append(codeCell(cell))
            case .block(let block) where block.isSummary:
                flushProse()
                cells.append(markdownCell(id: "summary", block.markdown))
            case .block(let block):
                guard let index = block.cellIndex, let position = codeCells[index] else {
                    prose.append(block.markdown)
                    continue
                }
                var cell = cells[position]
                var metadata = cell["metadata"] as? [String: Any] ?? [:]
                var loom = metadata["loom"] as? [String: Any] ?? [:]
                for attribute in block.attributes where attribute.key != "cell" {
                    loom[attribute.key] = Double(attribute.value).map { $0 as Any } ?? attribute.value
                }
                metadata["loom"] = loom
                cell["metadata"] = metadata
                cell["outputs"] = outputs(of: block.markdown, baseDirectory: baseDirectory)
                cells[position] = cell
            }
        }
        if line <= lines.count { prose += lines[(line - 1)...] }
        flushProse()

        let notebook: [String: Any] = [
            "nbformat": 4, "nbformat_minor": 5,
            "metadata": [
                "kernelspec": ["name": "loom", "display_name": "loom (YAML cells)", "language": "yaml"],
                "language_info": ["name": "yaml", "file_extension": ".yaml", "mimetype": "text/x-yaml"],
                "loom": ["source": document.path],
            ] as [String: Any],
            "cells": cells,
        ]
        return try JSONSerialization.data(withJSONObject: notebook, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
    }

    /// nbformat's multi-line string: the lines, each but the last ending in `\n`.
    static func sourceLines(_ text: String) -> [String] {
        let lines = text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" }).map(String.init)
        return lines.enumerated().map { $0.offset < lines.count - 1 ? $0.element + "\n" : $0.element }.filter { !$0.isEmpty }
    }

    static func markdownCell(id: String, _ text: String) -> [String: Any] {
        ["cell_type": "markdown", "id": id, "metadata": [String: Any](), "source": sourceLines(text)]
    }

    static func codeCell(_ cell: Cell) -> [String: Any] {
        var body = cell.body
        while body.hasSuffix("\n") { body.removeLast() }
        let header = "# loom \(cell.action)" + (cell.resultName.map { " as \($0)" } ?? "")
        var loom: [String: Any] = ["action": cell.action, "cell": cell.index + 1]
        if let name = cell.resultName { loom["name"] = name }
        return [
            "cell_type": "code", "id": "loom-cell-\(cell.index + 1)", "execution_count": NSNull(),
            "metadata": ["loom": loom], "outputs": [[String: Any]](),
            "source": sourceLines(body.isEmpty ? header : header + "\n" + body),
        ]
    }

    /// The display outputs of one cell's Markdown: figures apart, the Markdown between them.
    static func outputs(of markdown: String, baseDirectory: String) -> [[String: Any]] {
        var outputs: [[String: Any]] = []
        var pending: [String] = []
        func flush() {
            let text = pending.joined(separator: "\n").trimmingCharacters(in: .whitespacesAndNewlines)
            pending = []
            guard !text.isEmpty else { return }
            outputs.append(display(["text/markdown": sourceLines(text), "text/html": sourceLines(renderHTML(markdown: text)),
                                    "text/plain": sourceLines(text)]))
        }
        for line in markdown.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" }).map(String.init) {
            guard let (alt, png) = figure(line, baseDirectory: baseDirectory) else {
                pending.append(line)
                continue
            }
            flush()
            outputs.append(display(["image/png": png.base64EncodedString(), "text/plain": [alt]]))
        }
        flush()
        return outputs
    }

    static func display(_ data: [String: Any]) -> [String: Any] {
        ["output_type": "display_data", "data": data, "metadata": [String: Any]()]
    }

    /// A line that is one image, `![alt](data:image/png;base64,…)` or `![alt](file.png)`, or the
    /// `<img src="…" alt="…" width="…">` a figure rendered with `--scale 2` is written as, with its PNG.
    static func figure(_ line: String, baseDirectory: String) -> (alt: String, png: Data)? {
        let text = line.trimmingCharacters(in: .whitespaces)
        let alt: String, target: String
        if text.hasPrefix("<img "), text.hasSuffix(">"), let source = attribute("src", in: text) {
            alt = attribute("alt", in: text) ?? ""
            target = source
        } else {
            guard text.hasPrefix("!["), text.hasSuffix(")"), let middle = text.range(of: "](", options: .backwards) else { return nil }
            alt = String(text[text.index(text.startIndex, offsetBy: 2)..<middle.lowerBound]).replacingOccurrences(of: "\\]", with: "]")
            target = String(text[middle.upperBound..<text.index(before: text.endIndex)])
        }
        let prefix = "data:image/png;base64,"
        if target.hasPrefix(prefix) {
            return Data(base64Encoded: String(target.dropFirst(prefix.count))).map { (alt, $0) }
        }
        guard target.lowercased().hasSuffix(".png"), !target.contains("://") else { return nil }
        let path = target.hasPrefix("/") ? target : (baseDirectory as NSString).appendingPathComponent(target.removingPercentEncoding ?? target)
        return (try? Data(contentsOf: URL(fileURLWithPath: path))).map { (alt, $0) }
    }

    /// The value of attribute `name="…"` in an HTML tag, entities decoded.
    static func attribute(_ name: String, in tag: String) -> String? {
        guard let start = tag.range(of: " \(name)=\"") else { return nil }
        let rest = tag[start.upperBound...]
        guard let end = rest.firstIndex(of: "\"") else { return nil }
        return String(rest[..<end]).replacingOccurrences(of: "&quot;", with: "\"").replacingOccurrences(of: "&lt;", with: "<")
            .replacingOccurrences(of: "&gt;", with: ">").replacingOccurrences(of: "&amp;", with: "&")
    }
}
