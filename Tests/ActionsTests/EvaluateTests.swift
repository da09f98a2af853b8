import Analysis
import Engine
import Foundation
import Testing
@testable import Actions

private func expectClose(_ a: Double, _ b: Double, tolerance: Double = 1e-9,
                         sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(abs(a - b) <= tolerance, "\(a) is not within \(tolerance) of \(b)", sourceLocation: sourceLocation)
}

@Suite struct EvaluateActionTests {
    /// The confusion table of an evaluate cell, as counts.
    func confusionCounts(_ report: CellReport) -> [[Int]] {
        guard let body = report.details.first else { return [] }
        return parseMarkdownTable(body).map { $0.dropFirst().map { Int($0) ?? -1 } }
    }

    @Test func aPerfectModelGivesADiagonalConfusionMatrix() throws {
        let harness = try EvaluationHarness()
        let report = try harness.run(harness.perfectModelNotebook("""
            ```loom evaluate
            model: perfect
            ```
            """))
        let cell = report.cells[3]
        #expect(cell.status == .ran, "\(cell.failure ?? "")")
        let counts = confusionCounts(cell)
        #expect(counts.count == 10)  // Fashion-MNIST's ten names, of which the set draws four
        for (row, values) in counts.enumerated() {
            for (column, value) in values.enumerated() where row != column { #expect(value == 0) }
        }
        #expect((0..<4).map { counts[$0][$0] } == [3, 3, 3, 3])
        #expect(cell.metric("accuracy") == "1.000")
        #expect(cell.metric("macro F1") == "1.000")
        #expect(cell.metric("images") == "12")
        #expect(cell.markdown.contains("Every image is classified correctly."))
        // No mistakes, so no mistakes grid: the confusion matrix and the reliability diagram.
        #expect(cell.figures.map(\.name) == ["confusion-matrix", "reliability-diagram"])
    }

    @Test func aLabelSwapShowsWhereItShould() throws {
        let harness = try EvaluationHarness()
        let report = try harness.run(harness.notebook("""
            ```loom test.model as swapped
            kind: swap
            ```

            ```loom evaluate
            model: swapped
            normalize: true
            mistakes: 2
            ```
            """))
        let cell = report.cells[3]
        #expect(cell.status == .ran, "\(cell.failure ?? "")")
        let counts = confusionCounts(cell)
        // Every class-0 image (3 in the stratified test part) is predicted as class 1.
        #expect(Array(counts[0].prefix(4)) == [0, 3, 0, 0])
        #expect(Array(counts[1].prefix(4)) == [0, 3, 0, 0])
        #expect(Array(counts[2].prefix(4)) == [0, 0, 3, 0])
        #expect(cell.metric("accuracy") == "0.750")
        #expect(cell.markdown.contains(
            "T-shirt/top is most often mistaken for Trouser (3 times, 100.0% of T-shirt/top images). "
                + "The weakest class is T-shirt/top (F1 0.000)."))
        let classes = try #require(cell.tables.first { $0.columns.first == "class" })
        #expect(classes.rows[1] == ["Trouser", "0.500", "1.000", "0.667", "3"])
        #expect(cell.figures.map(\.name) == ["confusion-matrix", "reliability-diagram", "mistakes"])
        // Both figures are real PNGs.
        for figure in cell.figures { #expect(figure.png.prefix(4) == Data([0x89, 0x50, 0x4E, 0x47])) }
    }

    @Test func evaluatingOnAnotherSplitThanTheTrainingOneSaysSo() throws {
        let harness = try EvaluationHarness()
        let text = harness.notebook("""
            ```loom test.model as m
            kind: perfect
            ```

            ```loom split as other
            seed: 2
            ```

            ```loom evaluate
            model: m
            data: DATA
            ```
            """)
        let note = "Note: 'm' was trained on another split than this one, so these images may include images it was trained on."
        let onOther = try harness.run(text.replacingOccurrences(of: "DATA", with: "other")).cells[4]
        #expect(onOther.status == .ran && onOther.markdown.contains(note))
        let harness2 = try EvaluationHarness()
        let own = try harness2.run(harness2.notebook("""
            ```loom test.model as m
            kind: perfect
            ```

            ```loom evaluate
            model: m
            ```
            """)).cells[3]
        #expect(own.status == .ran && !own.markdown.contains(note))
    }

    @Test func aModelForOtherImagesIsRejectedAtTheModelParameter() throws {
        let harness = try EvaluationHarness()
        let other = try EvaluationHarness(side: 10)
        let report = try harness.run("""
            ```loom load as small
            dataset: \(other.data.directory)
            ```

            ```loom split as smallSplit
            seed: 1
            ```

            ```loom test.model as m
            kind: perfect
            ```

            ```loom load
            dataset: \(harness.data.directory)
            ```

            ```loom split
            seed: 1
            ```

            ```loom evaluate
            model: m
            ```
            """)
        let failure = try #require(report.cells[5].failure)
        #expect(failure.hasSuffix("evaluate: the model 'm' takes 1×10×10 images but the split's images are 1×12×12; "
                                  + "use the data it was trained on"))
        #expect(failure.contains("nb.md:22:1:"))
    }
}
