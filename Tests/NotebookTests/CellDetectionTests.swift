import Testing
@testable import Notebook

/// Which fenced blocks are cells: exactly those GitHub renders as code blocks whose info
/// string's first word is `loom`.
@Suite struct CellDetectionTests {
    @Test(arguments: [
        // Fences of every kind.
        ("```loom a\n```\n", ["a"]),
        ("~~~loom a\n~~~\n", ["a"]),
        ("````loom a\n````\n", ["a"]),
        ("~~~~~loom a\n~~~~~\n", ["a"]),
        ("   ```loom a\n   ```\n", ["a"]),
        ("``` loom a\n```\n", ["a"]),
        ("text right before\n```loom a\n```\n", ["a"]),
        // A ``` block shown inside a longer fence is code, not a cell.
        ("````\n```loom inner\n```\n````\n", []),
        ("````markdown\n```loom inner\nk: 1\n```\n````\n", []),
        ("~~~\n```loom inner\n```\n~~~\n", []),
        // Indented code is never a cell.
        ("    ```loom indented\n    ```\n", []),
        ("para\n\n    ```loom indented\n    k: 1\n    ```\n", []),
        // Fences inside HTML comments and HTML blocks are HTML.
        ("<!--\n```loom commented\n```\n-->\n", []),
        ("<div>\n```loom in.html\n```\n</div>\n", []),
        ("<details>\n<summary>x</summary>\n```loom in.details\n```\n</details>\n", []),
        ("<!-- a comment\n\nwith blank lines\n\n```loom commented\n```\n\n-->\n", []),
        // …but an HTML block ends at a blank line, after which GitHub renders a fence as code.
        ("<div>\n\n```loom in.div\n```\n\n</div>\n", ["in.div"]),
        ("<details>\n<summary>x</summary>\n\n```loom in.details\n```\n\n</details>\n", ["in.details"]),
        // Only the word `loom` itself.
        ("```loomx a\n```\n", []),
        ("```Loom a\n```\n", []),
        ("```LOOM a\n```\n", []),
        ("```python\nprint(1)\n```\n", []),
        ("```\nloom a\n```\n", []),
        ("```{loom} a\n```\n", []),
        // A backtick fence cannot have a backtick in its info string: that is inline code.
        ("```loom a`b\n```\n", []),
        // A tilde fence can, and tabs separate words too.
        ("~~~loom\ta\n~~~\n", ["a"]),
        // Info strings are unescaped by cmark before the words are read.
        ("```loom&#32;a\n```\n", ["a"]),
        // Containers.
        ("- item\n\n  ```loom in.list\n  ```\n", ["in.list"]),
        ("- ```loom in.item\n  ```\n", ["in.item"]),
        ("1. one\n2. two\n\n   ```loom in.ordered\n   ```\n", ["in.ordered"]),
        ("> ```loom in.quote\n> ```\n", ["in.quote"]),
        ("> - x\n>   ```loom quote.list\n>   ```\n", ["quote.list"]),
        ("- x\n  > ```loom list.quote\n  > ```\n", ["list.quote"]),
        ("- a\n  - b\n    ```loom nested.list\n    ```\n", ["nested.list"]),
        ("- [ ] task\n  ```loom in.task\n  ```\n", ["in.task"]),
        ("x[^1]\n\n[^1]: a note\n\n    ```loom in.footnote\n    ```\n", ["in.footnote"]),
        // A fence not indented enough for the list item ends the list and is top-level.
        ("- a\n```loom after.list\n```\n", ["after.list"]),
        // An opening fence with an info string cannot close a block: it is content.
        ("```loom outer\n```loom not.a.cell\n```\n", ["outer"]),
        // Several cells, in document order.
        ("```loom a\n```\n\n> ```loom b\n> ```\n\n- ```loom c\n  ```\n\n```loom d\n```\n", ["a", "b", "c", "d"]),
    ])
    func cells(markdown: String, expected: [String]) {
        #expect(actions(markdown) == expected)
    }

    @Test func sampleNotebookCells() {
        let document = parse(sampleNotebook)
        #expect(document.diagnostics.isEmpty)
        #expect(document.cells.map(\.index) == [0, 1, 2])
        #expect(document.cells.map(\.action) == ["load", "split", "train.cnn"])
        #expect(document.cells.map(\.resultName) == [nil, "parts", "cnn"])
        #expect(document.cells.map(\.startLine) == [5, 12, 20])
        #expect(document.cells.map(\.endLine) == [8, 15, 23])
        #expect(document.cells[0].body == "dataset: fashion-mnist   # the Debian data set\nscale: unit\n")
        #expect(document.cells[1].body == "train: 0.8\nseed: 42\n")
        #expect(document.cells[2].body == "epochs: 5\noptimizer: {adam: {learning-rate: 0.001}}\n")
        #expect(document.cells[2].infoString == "loom train.cnn as cnn")
        #expect(document.cells[2].parameters["optimizer"]?["adam"]?["learning-rate"]?.asDouble == 0.001)
    }

    @Test func emptyBodyIsAnEmptyMapping() {
        for text in ["```loom a\n```\n", "```loom a\n\n\n```\n", "```loom a\n# only a comment\n```\n"] {
            let document = parse(text)
            #expect(document.diagnostics.isEmpty)
            #expect(document.cells.first?.parameters == .mapping([], SourcePosition(line: 1, column: 1)))
        }
    }

    @Test func unclosedFenceRunsToTheEndWithAWarning() {
        let document = parse("# T\n\n```loom open\nk: 1\n\ntext: 2\n")
        #expect(document.cells.count == 1)
        #expect(document.cells[0].startLine == 3)
        #expect(document.cells[0].endLine == 6)
        #expect(document.cells[0].parameters["text"]?.asInt == 2)
        #expect(document.diagnostics.map(\.description) == [
            "n.md:3:1: open: warning: unclosed fence '```': the cell runs to the end of the document",
        ])
        #expect(!document.hasErrors)
    }

    @Test func unclosedEmptyFenceAtTheEnd() {
        let document = parse("para\n\n~~~~loom open")
        #expect(document.cells.map(\.action) == ["open"])
        #expect(document.cells[0].startLine == 3)
        #expect(document.cells[0].endLine == 3)
        #expect(document.diagnostics.first?.severity == .warning)
    }

    @Test func unclosedFenceInAQuoteEndsWithTheQuote() {
        let document = parse("> ```loom quoted\n> k: 1\n\n```loom next\n```\n")
        #expect(document.cells.map(\.action) == ["quoted", "next"])
        #expect(document.cells[0].endLine == 2)
        #expect(document.cells[0].parameters["k"]?.asInt == 1)
        #expect(messages(document) == [
            "unclosed fence '```': the cell runs to the end of the list item or block quote that holds it",
        ])
    }

    @Test func longerClosingFenceCloses() {
        let document = parse("```loom a\nk: 1\n``````\nafter\n")
        #expect(document.diagnostics.isEmpty)
        #expect(document.cells[0].endLine == 3)
    }

    @Test func crlfLineEndingsGiveTheSameCells() {
        let lf = parse(sampleNotebook + "\n")
        let crlf = parse(sampleNotebook.replacingOccurrences(of: "\n", with: "\r\n") + "\r\n")
        #expect(crlf.cells == lf.cells)
        #expect(crlf.diagnostics.isEmpty)
        #expect(crlf.cells[0].body == "dataset: fashion-mnist   # the Debian data set\nscale: unit\n")
    }

    @Test func loneCarriageReturnsCountAsLineEndings() {
        let document = parse("para\r\r```loom a\rk: 1\r```\r")
        #expect(document.cells.map(\.startLine) == [3])
        #expect(document.cells.map(\.endLine) == [5])
        #expect(document.cells.first?.parameters["k"]?.asInt == 1)
    }

    @Test func unicodeInProseAndBody() {
        let document = parse("# Ünïcödé 東京 🧵\n\n```loom 読む as café\nラベル: \"シャツ\"\nnote: ½ 🧵\n```\n")
        #expect(document.cells.count == 1)
        // Result names are ASCII identifiers.
        #expect(document.cells[0].resultName == nil)
        #expect(document.cells[0].action == "読む")
        #expect(document.cells[0].parameters["ラベル"]?.asString == "シャツ")
        #expect(document.cells[0].parameters["note"]?.asString == "½ 🧵")
        #expect(document.diagnostics.map(\.position) == [SourcePosition(line: 3, column: 15)])
    }
}
