import Foundation
import Testing
@testable import Notebook

/// HTML rendering, atomic writes, reading notebooks, and the diagnostic format.
@Suite struct SupportTests {
    // MARK: HTML

    @Test func rendersGitHubExtensions() {
        let html = renderHTML(markdown: """
            | class | count |
            |:---|---:|
            | Shirt | 6000 |

            ~~struck~~ and https://example.com and

            - [x] done
            - [ ] to do
            """)
        #expect(html.contains("<table>"))
        #expect(html.contains("<th align=\"left\">class</th>"))
        #expect(html.contains("<td align=\"right\">6000</td>"))
        #expect(html.contains("<del>struck</del>"))
        #expect(html.contains("<a href=\"https://example.com\">https://example.com</a>"))
        #expect(html.contains("<input type=\"checkbox\" checked=\"\" disabled=\"\" /> done"))
    }

    @Test func keepsRawHTMLAndDataURIsButFiltersScripts() {
        let html = renderHTML(markdown: """
            <details>
            <summary>Log</summary>

            epoch 1

            </details>

            ![chart](data:image/png;base64,iVBORw0KGgo=)

            <script>alert(1)</script>
            """)
        #expect(html.contains("<details>\n<summary>Log</summary>"))
        #expect(html.contains("<img src=\"data:image/png;base64,iVBORw0KGgo=\" alt=\"chart\" />"))
        #expect(html.contains("&lt;script>alert(1)&lt;/script>"))
    }

    @Test func rendersFootnotesAndUnicode() {
        let html = renderHTML(markdown: "Café 東京[^1].\n\n[^1]: A note.\n")
        #expect(html.contains("Café 東京"))
        #expect(html.contains("footnote"))
    }

    // MARK: Files

    private static func temporaryDirectory() throws -> String {
        let path = NSTemporaryDirectory() + "loom-notebook-tests-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    @Test func writeAtomicallyCreatesAndReplaces() throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/out.md"
        try writeAtomically("first 東京\n", to: path)
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "first 東京\n")
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: path)
        try writeAtomically("second\n", to: path)
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "second\n")
        let permissions = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
        #expect(permissions == 0o600)
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory) == ["out.md"])
    }

    @Test func writeAtomicallyReportsAMissingDirectory() throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/missing/out.md"
        #expect(throws: NotebookError.cannotWrite(
            path: path, reason: "cannot create a temporary file in '\(directory)/missing' (No such file or directory)")
        ) {
            try writeAtomically("x", to: path)
        }
    }

    @Test(arguments: [
        ("plain.md", ".", "plain.md"), ("outputs/cnn.md", "outputs", "cnn.md"), ("/cnn.md", "/", "cnn.md"),
        ("/tmp/a/b.md", "/tmp/a", "b.md"), ("./x.md", ".", "x.md"),
    ])
    func directoriesOfPaths(path: String, directory: String, name: String) {
        #expect(splitDirectory(path) == (directory, name))
    }

    @Test func readParsesAFile() throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/nb.md"
        try writeAtomically(sampleNotebook, to: path)
        let document = try NotebookDocument.read(path: path)
        #expect(document.path == path)
        #expect(document.text == sampleNotebook)
        #expect(document.cells.map(\.action) == ["load", "split", "train.cnn"])
    }

    @Test func readReportsMissingFilesAndBadEncoding() throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        #expect(throws: NotebookError.cannotRead(path: directory + "/none.md", reason: "no such file")) {
            try NotebookDocument.read(path: directory + "/none.md")
        }
        let latin1 = directory + "/latin1.md"
        try Data([0x63, 0x61, 0x66, 0xE9, 0x0A]).write(to: URL(fileURLWithPath: latin1))
        #expect(throws: NotebookError.notUTF8(path: latin1)) {
            try NotebookDocument.read(path: latin1)
        }
    }

    /// A device, a FIFO or a folder given as a notebook is refused at once, never read or waited on.
    @Test func readRefusesWhatIsNotARegularFile() throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let fifo = directory + "/pipe.md"
        #expect(mkfifo(fifo, 0o600) == 0)
        #expect(throws: NotebookError.cannotRead(path: fifo, reason: "it is a FIFO (named pipe), not a notebook file")) {
            try NotebookDocument.read(path: fifo)
        }
        #expect(throws: NotebookError.cannotRead(path: "/dev/zero", reason: "it is a character device, not a notebook file")) {
            try NotebookDocument.read(path: "/dev/zero")
        }
        #expect(throws: NotebookError.cannotRead(path: directory, reason: "it is a folder, not a notebook file")) {
            try NotebookDocument.read(path: directory)
        }
    }

    @Test(arguments: [
        (NotebookError.cannotRead(path: "a.md", reason: "no such file"),
         "Cannot read 'a.md': no such file; give the path of a notebook (a Markdown file)."),
        (.cannotRead(path: "/dev/zero", reason: "it is a character device, not a notebook file"),
         "Cannot read '/dev/zero': it is a character device, not a notebook file; give the path of a notebook (a Markdown file)."),
        (.notUTF8(path: "b.md"), "The notebook 'b.md' is not UTF-8 text; save it as UTF-8 (a Markdown file) and try again."),
        (.cannotWrite(path: "c.md", reason: "disk full"), "Cannot write 'c.md': disk full."),
    ])
    func errorMessages(error: NotebookError, message: String) {
        #expect(error.description == message)
    }

    // MARK: Diagnostics

    @Test func diagnosticDescriptions() {
        let position = SourcePosition(line: 23, column: 5)
        #expect(Diagnostic(path: "notebooks/x.md", position: position, action: "train.cnn",
                           message: "unknown parameter 'epoch'; did you mean 'epochs'?").description
            == "notebooks/x.md:23:5: train.cnn: unknown parameter 'epoch'; did you mean 'epochs'?")
        #expect(Diagnostic(path: "x.md", position: position, message: "m").description == "x.md:23:5: m")
        #expect(Diagnostic(path: "x.md", position: position, action: "", message: "m").description == "x.md:23:5: m")
        #expect(Diagnostic(path: "x.md", position: position, message: "m", severity: .warning).description
            == "x.md:23:5: warning: m")
    }

    @Test func positionsOrderByLineThenColumn() {
        let positions = [SourcePosition(line: 2, column: 1), SourcePosition(line: 1, column: 9), SourcePosition(line: 1, column: 2)]
        #expect(positions.sorted() == [SourcePosition(line: 1, column: 2), SourcePosition(line: 1, column: 9), SourcePosition(line: 2, column: 1)])
        #expect(SourcePosition(line: 3, column: 4).description == "3:4")
    }

    @Test func diagnosticsAreOrderedByPosition() {
        let document = parse("```loom\n```\n\n```loom b\nk: [\n```\n\n```loom c x\n```\n")
        #expect(document.diagnostics.map(\.position.line) == [1, 6, 8])
    }
}
