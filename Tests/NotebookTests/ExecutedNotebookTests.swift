import Testing
@testable import Notebook

/// The executed-notebook writer: placement, blank lines, and replacing previous outputs.
@Suite struct ExecutedNotebookTests {
    static let table = "| epoch | loss |\n|---:|---:|\n| 1 | 0.568 |\n"

    static func outputs(_ document: NotebookDocument, tag: String = "run") -> [Int: CellOutput] {
        var outputs: [Int: CellOutput] = [:]
        for cell in document.cells {
            outputs[cell.index] = CellOutput(
                attributes: [OutputAttribute(key: "status", value: "ran"), OutputAttribute(key: "seconds", value: "41.2")],
                markdown: "Output of **\(cell.action)** (\(tag)).\n\n" + table)
        }
        return outputs
    }

    static let summary = CellOutput(attributes: [OutputAttribute(key: "cells", value: "3")], markdown: "3 cells ran.\n")

    @Test func topLevelOutputLayout() {
        let document = parse("# T\n\n```loom load\nscale: unit\n```\n\nAfter.\n")
        let executed = document.executed(outputs: [
            0: CellOutput(attributes: [OutputAttribute(key: "status", value: "ran"), OutputAttribute(key: "seconds", value: "41.2")],
                          markdown: Self.table),
        ])
        #expect(executed == """
            # T

            ```loom load
            scale: unit
            ```

            <!-- loom:output cell=0 status=ran seconds=41.2 -->

            | epoch | loss |
            |---:|---:|
            | 1 | 0.568 |

            <!-- /loom:output -->

            After.

            """)
    }

    @Test func summaryAtTheEnd() {
        let document = parse("```loom a\n```\n")
        let executed = document.executed(outputs: [0: CellOutput(markdown: "out")], summary: Self.summary)
        #expect(executed == """
            ```loom a
            ```

            <!-- loom:output cell=0 -->

            out

            <!-- /loom:output -->

            <!-- loom:summary cells=3 -->

            3 cells ran.

            <!-- /loom:summary -->

            """)
        #expect(parse(executed).outputBlocks.map(\.isSummary) == [false, true])
    }

    @Test func blankLineAddedBeforeFollowingText() {
        let executed = parse("```loom a\n```\nText right after.\n").executed(outputs: [0: CellOutput(markdown: "out")])
        #expect(executed == "```loom a\n```\n\n<!-- loom:output cell=0 -->\n\nout\n\n<!-- /loom:output -->\n\nText right after.\n")
    }

    @Test func emptyOutputAndEmptyNotebook() {
        #expect(parse("```loom a\n```").executed(outputs: [0: CellOutput(markdown: "\n\n")])
            == "```loom a\n```\n\n<!-- loom:output cell=0 -->\n\n<!-- /loom:output -->\n")
        #expect(parse("").executed(outputs: [:], summary: CellOutput(markdown: "nothing ran"))
            == "<!-- loom:summary -->\n\nnothing ran\n\n<!-- /loom:summary -->\n")
        #expect(parse("").executed(outputs: [:]) == "")
    }

    @Test func noOutputsCopiesTheSource() {
        #expect(parse(sampleNotebook).executed(outputs: [:]) == sampleNotebook)
        let crlf = sampleNotebook.replacingOccurrences(of: "\n", with: "\r\n")
        #expect(parse(crlf).executed(outputs: [:]) == crlf)
    }

    @Test func outputsOfNestedCellsFollowTheirTopLevelBlock() {
        let text = "- one\n\n  ```loom a\n  ```\n- two\n\n  ```loom b\n  ```\n\n> ```loom c\n> ```\n> quoted prose\n\nEnd.\n"
        let document = parse(text)
        let executed = document.executed(outputs: [0: CellOutput(markdown: "A"), 1: CellOutput(markdown: "B"), 2: CellOutput(markdown: "C")])
        #expect(executed == """
            - one

              ```loom a
              ```
            - two

              ```loom b
              ```

            <!-- loom:output cell=0 -->

            A

            <!-- /loom:output -->

            <!-- loom:output cell=1 -->

            B

            <!-- /loom:output -->

            > ```loom c
            > ```
            > quoted prose

            <!-- loom:output cell=2 -->

            C

            <!-- /loom:output -->

            End.

            """)
        // The outputs render outside the list and the quote.
        let html = renderHTML(markdown: executed)
        #expect(html.contains("</ul>\n<!-- loom:output cell=0 -->\n<p>A</p>"))
        #expect(html.contains("</blockquote>\n<!-- loom:output cell=2 -->\n<p>C</p>"))
    }

    @Test func outputOfAFootnoteCellFollowsTheFootnote() {
        let text = "See[^n].\n\n[^n]: A note.\n\n    ```loom f\n    ```\n\nMore prose.\n"
        let executed = parse(text).executed(outputs: [0: CellOutput(markdown: "F")])
        #expect(executed.contains("    ```\n\n<!-- loom:output cell=0 -->\n\nF\n\n<!-- /loom:output -->\n\nMore prose.\n"))
    }

    @Test func unclosedTopLevelFenceIsClosed() {
        let document = parse("# T\n\n```loom open\nk: 1\n")
        let executed = document.executed(outputs: [0: CellOutput(markdown: "out")])
        #expect(executed == "# T\n\n```loom open\nk: 1\n```\n\n<!-- loom:output cell=0 -->\n\nout\n\n<!-- /loom:output -->\n")
        let again = parse(executed)
        #expect(again.diagnostics.isEmpty)
        #expect(again.cells.map(CellMeaning.init) == document.cells.map(CellMeaning.init))
        #expect(again.executed(outputs: [0: CellOutput(markdown: "out")]) == executed)
    }

    @Test func crlfNotebookGetsCRLFOutputs() {
        let crlf = sampleNotebook.replacingOccurrences(of: "\n", with: "\r\n")
        let document = parse(crlf)
        let executed = document.executed(outputs: Self.outputs(document), summary: Self.summary)
        #expect(!executed.utf8.enumerated().contains { offset, byte in
            byte == UInt8(ascii: "\n") && (offset == 0 || Array(executed.utf8)[offset - 1] != UInt8(ascii: "\r"))
        })
        #expect(parse(executed).executed(outputs: Self.outputs(document), summary: Self.summary) == executed)
    }

    @Test func sourceWithoutFinalNewline() {
        let document = parse("Text\n\n```loom a\n```")
        let executed = document.executed(outputs: [0: CellOutput(markdown: "out")])
        #expect(executed.hasPrefix("Text\n\n```loom a\n```\n\n<!-- loom:output cell=0 -->"))
        #expect(parse(executed).executed(outputs: [0: CellOutput(markdown: "out")]) == executed)
    }

    @Test func attributesAreQuotedWhenNeeded() {
        let output = CellOutput(attributes: [
            OutputAttribute(key: "status", value: "failed"),
            OutputAttribute(key: "error", value: "shape \"28x28\" = bad"),
            OutputAttribute(key: "empty", value: ""),
            OutputAttribute(key: "key.hash", value: "sha256:ab12"),
        ], markdown: "x")
        let executed = parse("```loom a\n```\n").executed(outputs: [0: output])
        #expect(executed.contains(#"<!-- loom:output cell=0 status=failed error="shape \"28x28\" = bad" empty="" key.hash=sha256:ab12 -->"#))
        let block = parse(executed).outputBlocks.first
        #expect(block?.cellIndex == 0)
        #expect(block?.attributes == [OutputAttribute(key: "cell", value: "0")] + output.attributes)
        #expect(block?.markdown == "x\n")
    }
}
