import Testing
@testable import Notebook

/// Running an executed notebook again: outputs are replaced, never stacked, and the cells
/// and prose are what the source had.
@Suite struct RoundTripTests {
    static let notebooks: [String] = [
        sampleNotebook,
        sampleNotebook + "\n",
        sampleNotebook.replacingOccurrences(of: "\n", with: "\r\n") + "\r\n",
        "```loom a\n```\nText straight after.\n```loom b\n```",
        "# Open\n\n```loom open\nk: 1\n\n\n",
        "See[^n].\n\n[^n]: A note.\n\n    ```loom f\n    ```\n\n- x\n  ```loom g\n  ```\n- y\n\n\n",
        "> ```loom q\n> k: [1, 2\n> ```\n> more\n\n```loom\n```\n",
        "Trailing blank lines\n\n```loom a\n```\n\n\n\n",
        "No cells at all, just prose.\n",
    ]

    static func outputs(_ document: NotebookDocument, tag: String) -> [Int: CellOutput] {
        ExecutedNotebookTests.outputs(document, tag: tag)
    }

    @Test(arguments: notebooks)
    func writingTwiceGivesTheSameText(source: String) {
        let document = parse(source)
        let first = document.executed(outputs: Self.outputs(document, tag: "run"), summary: ExecutedNotebookTests.summary)
        let reparsed = parse(first)
        let second = reparsed.executed(outputs: Self.outputs(reparsed, tag: "run"), summary: ExecutedNotebookTests.summary)
        #expect(second == first)
        #expect(reparsed.cells.map(CellMeaning.init) == document.cells.map(CellMeaning.init))
        #expect(reparsed.outputBlocks.count == document.cells.count + 1)
        #expect(reparsed.outputBlocks.compactMap(\.cellIndex) == Array(document.cells.indices))
        // Same diagnostics, apart from the positions, which moved, and the unclosed fence,
        // which the writer closed.
        #expect(reparsed.diagnostics.map(\.message)
            == document.diagnostics.map(\.message).filter { !$0.hasPrefix("unclosed fence") })
    }

    @Test(arguments: notebooks)
    func replacingOutputsNeverStacks(source: String) {
        let document = parse(source)
        let first = document.executed(outputs: Self.outputs(document, tag: "first"), summary: ExecutedNotebookTests.summary)
        let reparsed = parse(first)
        let second = reparsed.executed(outputs: Self.outputs(reparsed, tag: "second"))
        #expect(!second.contains("(first)"))
        #expect(second.components(separatedBy: "(second)").count - 1 == document.cells.count)
        #expect(second.components(separatedBy: "<!-- loom:output ").count - 1 == document.cells.count)
        #expect(!second.contains("loom:summary"))
        // Writing the source with the same outputs gives the same text (once the source
        // ends with a line ending: the summary after the last line gave it one).
        let terminated = source.utf8.last == UInt8(ascii: "\n") ? document : parse(source + "\n")
        #expect(terminated.executed(outputs: Self.outputs(terminated, tag: "second")) == second)
    }

    @Test func proseIsKeptByteForByte() {
        let source = sampleNotebook + "\n"
        let document = parse(source)
        let executed = document.executed(outputs: Self.outputs(document, tag: "x"), summary: ExecutedNotebookTests.summary)
        // Removing the outputs gives the source back exactly.
        #expect(parse(executed).executed(outputs: [:]) == source)
        // Every source line is in the executed notebook, in order.
        var remaining = executed.split(separator: "\n", omittingEmptySubsequences: false)[...]
        for line in source.split(separator: "\n", omittingEmptySubsequences: false) {
            guard let found = remaining.firstIndex(of: line) else {
                Issue.record("line '\(line)' is missing from the executed notebook")
                return
            }
            remaining = remaining[(found + 1)...]
        }
    }

    @Test func cellsWithoutNewOutputLoseTheirOldOne() {
        let document = parse(sampleNotebook)
        let first = document.executed(outputs: Self.outputs(document, tag: "old"))
        let second = parse(first).executed(outputs: [1: CellOutput(markdown: "only split")])
        #expect(!second.contains("(old)"))
        #expect(second.components(separatedBy: "<!-- loom:output ").count == 2)
        #expect(second.contains("<!-- loom:output cell=1 -->\n\nonly split\n\n<!-- /loom:output -->"))
    }

    @Test func markersShownAsCodeAreProse() {
        let source = """
            How an output looks:

            ````markdown
            <!-- loom:output cell=0 status=ran -->
            | a |
            <!-- /loom:output -->
            ````

                <!-- loom:output cell=0 -->
                <!-- /loom:output -->

            - <!-- loom:output cell=0 -->
              <!-- /loom:output -->

            ```loom a
            ```

            """
        let document = parse(source)
        #expect(document.outputBlocks.isEmpty)
        #expect(document.diagnostics.isEmpty)
        #expect(document.executed(outputs: [:]) == source)
        let executed = document.executed(outputs: [0: CellOutput(markdown: "real")])
        let reparsed = parse(executed)
        #expect(reparsed.outputBlocks.map(\.markdown) == ["real\n"])
        #expect(reparsed.executed(outputs: [:]) == source)
    }

    @Test func anOutputThatOpensAFenceCannotHideLaterCells() {
        let source = "```loom a\n```\n\n```loom b\n```\n"
        let document = parse(source)
        let executed = document.executed(outputs: [0: CellOutput(markdown: "Log:\n\n```\nstill open")])
        let reparsed = parse(executed)
        #expect(reparsed.cells.map(\.action) == ["a", "b"])
        #expect(reparsed.outputBlocks.map(\.markdown) == ["Log:\n\n```\nstill open\n"])
        #expect(reparsed.executed(outputs: [:]) == source)
    }

    @Test func outputsWithHTMLBlocks() {
        let source = "```loom train.cnn\n```\n\nAfter.\n"
        let log = "<details>\n<summary>Training log</summary>\n\n```\nepoch 1\n```\n\n</details>\n"
        let executed = parse(source).executed(outputs: [0: CellOutput(markdown: log)])
        let reparsed = parse(executed)
        #expect(reparsed.outputBlocks.map(\.markdown) == [log])
        #expect(reparsed.executed(outputs: [:]) == source)
        let html = renderHTML(markdown: executed)
        #expect(html.contains("<details>"))
        #expect(html.contains("<!-- /loom:output -->\n<p>After.</p>"))
    }

    @Test func unmatchedMarkersAreRemovedWithAWarning() {
        let document = parse("Intro.\n\n<!-- loom:output cell=0 -->\n\nstale\n\n```loom a\n```\n\n<!-- /loom:summary -->\n")
        #expect(document.diagnostics.map(\.description) == [
            "n.md:3:1: warning: this output block has no closing '<!-- /loom:output -->'; only its opening marker is removed",
            "n.md:10:1: warning: '<!-- /loom:summary -->' closes no output block; it is removed",
        ])
        #expect(document.cells.map(\.action) == ["a"])
        #expect(document.executed(outputs: [:]) == "Intro.\n\nstale\n\n```loom a\n```\n")
    }

    @Test func anOutputMovedBetweenParagraphsDoesNotJoinThem() {
        let spaced = parse("One.\n\n<!-- loom:output cell=5 -->\n\nx\n\n<!-- /loom:output -->\n\nTwo.\n")
        #expect(spaced.executed(outputs: [:]) == "One.\n\nTwo.\n")
        let tight = parse("One.\n<!-- loom:output cell=5 -->\nx\n<!-- /loom:output -->\nTwo.\n")
        #expect(tight.executed(outputs: [:]) == "One.\n\nTwo.\n")
        #expect(tight.outputBlocks.first?.cellIndex == 5)
        #expect(tight.outputBlocks.first?.startLine == 2)
        #expect(tight.outputBlocks.first?.endLine == 4)
    }

    @Test func positionsInAnExecutedNotebookAreItsOwn() {
        let document = parse(sampleNotebook)
        let executed = document.executed(outputs: Self.outputs(document, tag: "x"))
        let reparsed = parse(executed)
        let lines = executed.split(separator: "\n", omittingEmptySubsequences: false)
        for cell in reparsed.cells {
            #expect(lines[cell.startLine - 1].contains("```loom \(cell.infoString.dropFirst(5))"))
            #expect(lines[cell.endLine - 1].hasSuffix("```"))
            #expect(lines[cell.actionPosition.line - 1].unicodeScalars.dropFirst(cell.actionPosition.column - 1)
                .starts(with: cell.action.unicodeScalars))
        }
        #expect(reparsed.cells.map(\.startLine) == [5, 22, 40])
    }
}
