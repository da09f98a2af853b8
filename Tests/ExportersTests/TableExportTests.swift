import Engine
import Foundation
import Notebook
import Testing
import _LoomTestSupport
@testable import Exporters

@Suite struct TableExportTests {
    /// A table as loom writes it, with the characters CSV must quote.
    static let table = Table(
        columns: ["class", "note", "count"],
        rows: [["T-shirt/top", "a, b", "5,600"], ["**macro average**", "say \"hi\"", "-1,234.5"],
               ["pipe | inside", "92.1%", "12"]])

    @Test func markdownTablesReadBackAsWritten() {
        let markdown = "Some text.\n\n" + Self.table.markdown + "\n\n<details>\n<summary>more</summary>\n\n"
            + Table(columns: ["a"], rows: [["1"]]).markdown + "\n\n</details>"
        let tables = MarkdownTable.all(in: markdown)
        #expect(tables.count == 2)
        #expect(tables[0].header == ["class", "note", "count"])
        #expect(tables[0].rows == Self.table.rows)
        #expect(tables[1] == MarkdownTable(header: ["a"], rows: [["1"]]))
        #expect(MarkdownTable.all(in: "| not | a table |\nno delimiter").isEmpty)
    }

    @Test func csvQuotesAsRFC4180AndCleansCells() {
        let csv = CSVExport.csv(MarkdownTable.all(in: Self.table.markdown)[0])
        #expect(csv == "class,note,count\r\nT-shirt/top,\"a, b\",5600\r\nmacro average,\"say \"\"hi\"\"\",-1234.5\r\n"
                + "pipe | inside,92.1%,12\r\n")
        #expect(CSVExport.field("two\nlines") == "\"two\nlines\"")
        #expect(CSVExport.clean("1,2") == "1,2")
        #expect(CSVExport.clean("**") == "**")
    }

    /// Python's csv module reads the file back to the table's cells.
    @Test(.enabled(if: PythonTools.available, Comment(rawValue: PythonTools.missing)))
    func pythonsCSVModuleReadsItBack() throws {
        let folder = try TemporaryFolder()
        let table = MarkdownTable(header: ["name", "value"], rows: [["a, \"quoted\"", "1,000"], ["two\nlines", "x"]])
        try CSVExport.csv(table).write(toFile: folder.file("t.csv"), atomically: true, encoding: .utf8)
        let rows = try PythonTools.json(script: """
            import csv, json, sys
            with open(sys.argv[1], newline="") as f:
                print(json.dumps(list(csv.reader(f))))
            """, arguments: [folder.file("t.csv")]) as? [[String]]
        #expect(rows == [["name", "value"], ["a, \"quoted\"", "1000"], ["two\nlines", "x"]])
    }

    @Test func aCellsTablesComeFromTheExecutedNotebook() throws {
        let source = "# T\n\n```loom split as parts\nseed: 1\n```\n\n```loom eda.classes\n```\n"
        let document = NotebookDocument.parse(path: "outputs/t.md", text: source)
        #expect(throws: ExportError.notExecuted(notebook: "outputs/t.md")) {
            try CSVExport.tables(inExecuted: document, cell: "1")
        }
        #expect(ExportError.notExecuted(notebook: "outputs/t.md").description
                == "outputs/t.md has no loom outputs; export an executed notebook (outputs/NAME.md, written by 'loom run').")
        let executed = NotebookDocument.parse(path: "outputs/t.md", text: document.executed(outputs: [
            0: CellOutput(attributes: [OutputAttribute(key: "status", value: "ran")],
                          markdown: "Split.\n\n" + Self.table.markdown),
            1: CellOutput(markdown: "No table here."),
        ]))
        let (cell, tables) = try CSVExport.tables(inExecuted: executed, cell: "parts")
        #expect(cell == 0)
        #expect(tables.map(\.header) == [["class", "note", "count"]])
        #expect(try CSVExport.tables(inExecuted: executed, cell: "1").tables == tables)
        #expect(throws: ExportError.noTable(notebook: "outputs/t.md", cell: 1, action: "eda.classes")) {
            try CSVExport.tables(inExecuted: executed, cell: "2")
        }
        #expect(ExportError.noTable(notebook: "outputs/t.md", cell: 1, action: "eda.classes").description
                == "outputs/t.md: cell 2 (eda.classes) has no table in its output.")
        for selector in ["3", "0", "split"] {
            #expect(throws: ExportError.noSuchCell(notebook: "outputs/t.md", selector: selector, cells: 2)) {
                try CSVExport.tables(inExecuted: executed, cell: selector)
            }
        }
        #expect(ExportError.noSuchCell(notebook: "outputs/t.md", selector: "3", cells: 2).description
                == "outputs/t.md: there is no cell '3'; give a cell number from 1 to 2 or a cell's result name.")
    }
}
