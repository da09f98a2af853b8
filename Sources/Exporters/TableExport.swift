import Engine
import Foundation
import Notebook

/// A table read back from an executed notebook's Markdown.
public struct MarkdownTable: Sendable, Equatable {
    public var header: [String]
    public var rows: [[String]]

    /// Every GFM table in `markdown` (a header row, a delimiter row such as `|:---|---:|`, then
    /// body rows), with `\|` unescaped, in order.
    public static func all(in markdown: String) -> [MarkdownTable] {
        let lines = markdown.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).map {
            $0.trimmingCharacters(in: .whitespaces)
        }
        var tables: [MarkdownTable] = []
        var index = 0
        while index + 1 < lines.count {
            guard lines[index].hasPrefix("|"), isDelimiterRow(lines[index + 1]) else {
                index += 1
                continue
            }
            let header = cells(of: lines[index])
            var rows: [[String]] = []
            index += 2
            while index < lines.count, lines[index].hasPrefix("|") {
                var row = cells(of: lines[index])
                // GFM pads short rows and drops extra cells.
                if row.count < header.count { row += Array(repeating: "", count: header.count - row.count) }
                rows.append(Array(row.prefix(header.count)))
                index += 1
            }
            tables.append(MarkdownTable(header: header, rows: rows))
        }
        return tables
    }

    static func isDelimiterRow(_ line: String) -> Bool {
        guard line.hasPrefix("|") else { return false }
        let parts = cells(of: line)
        return !parts.isEmpty && parts.allSatisfy { part in
            let core = part.trimmingCharacters(in: CharacterSet(charactersIn: ":"))
            return !core.isEmpty && core.allSatisfy { $0 == "-" }
        }
    }

    /// The cells of one `| a | b \| c |` row: split at unescaped pipes, trimmed, `\|` → `|`.
    static func cells(of line: String) -> [String] {
        var cells: [String] = []
        var current = ""
        var escaped = false
        for character in line {
            if escaped {
                current += character == "|" ? "|" : "\\\(character)"
                escaped = false
            } else if character == "\\" {
                escaped = true
            } else if character == "|" {
                cells.append(current)
                current = ""
            } else {
                current.append(character)
            }
        }
        if escaped { current += "\\" }
        cells.append(current)
        // The row starts and (usually) ends with a pipe: drop the empty outer pieces.
        if cells.first?.trimmingCharacters(in: .whitespaces).isEmpty == true { cells.removeFirst() }
        if cells.last?.trimmingCharacters(in: .whitespaces).isEmpty == true { cells.removeLast() }
        return cells.map { $0.trimmingCharacters(in: .whitespaces) }
    }
}

/// Tables out as CSV (RFC 4180).
public enum CSVExport {
    /// The table as CSV: CRLF line ends, a field quoted when it holds a comma, a quote or a line
    /// break, quotes doubled. Cells are cleaned for other tools: bold markers around a whole cell
    /// go (`**total**` → `total`) and numbers lose their thousands separators (`5,600` → `5600`).
    public static func csv(_ table: MarkdownTable) -> String {
        ([table.header] + table.rows).map { row in row.map { field(clean($0)) }.joined(separator: ",") + "\r\n" }
            .joined()
    }

    /// One field, quoted where RFC 4180 needs it.
    public static func field(_ text: String) -> String {
        guard text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\r" || $0 == "\n" }) else { return text }
        return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// `**total**` → `total`, `12,345` → `12345`, `-1,234.5` → `-1234.5`, `92.1%` unchanged.
    static func clean(_ text: String) -> String {
        var value = text
        if value.count > 4, value.hasPrefix("**"), value.hasSuffix("**") {
            value = String(value.dropFirst(2).dropLast(2))
        }
        if value.range(of: #"^[-−]?\d{1,3}(,\d{3})+(\.\d+)?%?$"#, options: .regularExpression) != nil {
            value = value.replacingOccurrences(of: ",", with: "")
        }
        return value
    }

    /// The tables of one cell of an executed notebook.
    ///
    /// - Parameters:
    ///   - selector: a 1-based cell number or a cell's result name.
    /// - Throws: ``ExportError`` when the file has no outputs or no such cell.
    public static func tables(inExecuted document: NotebookDocument, cell selector: String) throws -> (cell: Int, tables: [MarkdownTable]) {
        let path = document.path
        guard document.outputBlocks.contains(where: { !$0.isSummary }) else { throw ExportError.notExecuted(notebook: path) }
        let index: Int
        if let number = Int(selector) {
            guard document.cells.indices.contains(number - 1) else {
                throw ExportError.noSuchCell(notebook: path, selector: selector, cells: document.cells.count)
            }
            index = number - 1
        } else if let cell = document.cells.first(where: { $0.resultName == selector }) {
            index = cell.index
        } else {
            throw ExportError.noSuchCell(notebook: path, selector: selector, cells: document.cells.count)
        }
        let markdown = document.outputBlocks.filter { $0.cellIndex == index }.map(\.markdown).joined(separator: "\n\n")
        let tables = MarkdownTable.all(in: markdown)
        guard !tables.isEmpty else { throw ExportError.noTable(notebook: path, cell: index, action: document.cells[index].action) }
        return (index, tables)
    }
}
