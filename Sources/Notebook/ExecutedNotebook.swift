extension NotebookDocument {
    /// The executed notebook: the source with each cell's output after it and a summary at
    /// the end, each between marker comments.
    ///
    /// The source is the notebook without the output blocks of any previous run (see
    /// ``OutputBlock``), so writing an executed notebook again replaces its outputs instead
    /// of stacking them: `parse(executed(…)).executed(…)` gives the same text again, and
    /// parsing the executed notebook gives the same cells as the source.
    ///
    /// Each output is written as
    ///
    /// ```markdown
    /// <!-- loom:output cell=3 status=ran seconds=41.2 -->
    ///
    /// | epoch | train loss | … |
    ///
    /// <!-- /loom:output -->
    /// ```
    ///
    /// with `cell=N` first (N counts cells from 1, as `loom plan` and `--force` do) and the caller's attributes after it, and a blank line before and
    /// after the block. A top-level cell's output goes right after its closing fence. A cell
    /// inside a list, block quote or footnote has its output after that whole top-level
    /// block (cells sharing a block have their outputs there in cell order), since a block
    /// written inside the container would need the container's prefix on every line and
    /// would not be a top-level marker any more. A top-level fence that is never closed is
    /// closed first, so that the output does not render as code. Each block gets a blank line
    /// before it (which the parser removes with the block) and, where the source line after
    /// it is not blank, a blank line after it (which stays: a source whose cell is directly
    /// followed by text gains that one blank line, and is then a fixed point). Prose is
    /// copied byte for byte, with its own line endings; new lines use the notebook's most
    /// common line ending.
    ///
    /// - Parameters:
    ///   - outputs: The output of each cell that has one, by cell index. Attribute keys
    ///     must be letters, digits, `_`, `-` and `.`, not `cell`; values one line without
    ///     `--`; and no line of the Markdown may be a marker line. These are programmer
    ///     mistakes.
    ///   - summary: The summary block to append at the end, if any.
    ///   - inlineValue: What to show in place of each inline value of the prose
    ///     (``InlineReference``); a reference it returns `nil` for stays as written.
    /// - Returns: The executed notebook's text.
    public func executed(outputs: [Int: CellOutput], summary: CellOutput? = nil,
                         inlineValue: (InlineReference) -> String? = { _ in nil }) -> String {
        let rewritten = proseReplacements(inlineValue)
        for (index, output) in outputs {
            precondition(cells.indices.contains(index), "there is no cell \(index) to put an output after")
            validate(output, isSummary: false)
        }
        if let summary { validate(summary, isSummary: true) }

        let lineEnding = layout.lineEnding
        var blocksAfter: [Int: [String]] = [:]
        var fencesAfter: [Int: String] = [:]
        for (index, placement) in layout.placements.enumerated() {
            if let fence = placement.closingFence { fencesAfter[placement.afterLine] = fence }
            guard let output = outputs[index] else { continue }
            let attributes = [OutputAttribute(key: "cell", value: String(index + 1))] + output.attributes
            blocksAfter[placement.afterLine, default: []].append(
                block(.start(isSummary: false, attributes: attributes), output.markdown))
        }
        let lastLine = layout.lines.count - 1
        if let summary {
            blocksAfter[lastLine, default: []].append(
                block(.start(isSummary: true, attributes: summary.attributes), summary.markdown))
        }

        var text = ""
        text.reserveCapacity(self.text.utf8.count + outputs.values.reduce(0) { $0 + $1.markdown.utf8.count + 200 })
        if lastLine < 0, let blocks = blocksAfter[lastLine] {
            // An empty notebook: just the summary.
            text += blocks.joined(separator: lineEnding)
            return text
        }
        for (index, line) in layout.lines.enumerated() {
            let fence = fencesAfter[index]
            let blocks = blocksAfter[index] ?? []
            text += rewritten[index] ?? line.content
            if !line.terminator.isEmpty {
                text += line.terminator
            } else if fence != nil || !blocks.isEmpty {
                text += lineEnding
            }
            if let fence { text += fence + lineEnding }
            guard !blocks.isEmpty else { continue }
            text += lineEnding
            text += blocks.joined(separator: lineEnding)
            if index < lastLine && !layout.lines[index + 1].isBlank { text += lineEnding }
        }
        return text
    }

    /// A whole output block, each line ended by the notebook's line ending.
    private func block(_ marker: OutputMarker, _ markdown: String) -> String {
        let lineEnding = layout.lineEnding
        var lines = SourceLines(markdown).lines[...]
        while lines.first?.isBlank == true { lines.removeFirst() }
        while lines.last?.isBlank == true { lines.removeLast() }
        let isSummary: Bool
        if case let .start(summary, _) = marker { isSummary = summary } else { isSummary = false }
        var text = marker.line + lineEnding + lineEnding
        for line in lines { text += line.content + lineEnding }
        if !lines.isEmpty { text += lineEnding }
        text += OutputMarker.end(isSummary: isSummary).line + lineEnding
        return text
    }

    private func validate(_ output: CellOutput, isSummary: Bool) {
        for attribute in output.attributes {
            OutputMarker.validate(attribute)
            precondition(isSummary || attribute.key != "cell", "the writer adds the 'cell' attribute itself")
        }
        for line in SourceLines(output.markdown).lines {
            precondition(OutputMarker(line: line.content) == nil,
                         "an output's Markdown may not contain the marker line '\(line.content)'")
        }
    }
}
