import Engine
import Foundation
import Testing
@testable import Actions

private func expectClose(_ a: Double, _ b: Double, tolerance: Double = 1e-9,
                         sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(abs(a - b) <= tolerance, "\(a) is not within \(tolerance) of \(b)", sourceLocation: sourceLocation)
}

@Suite struct MetricsTests {
    /// Rows are true classes: class 0 has 7 images (5 right, 2 called 1), class 1 has 5 (1 called 0,
    /// 3 right, 1 called 2), class 2 has 4 (all right).
    let confusion = ConfusionMatrix(rows: [[5, 2, 0], [1, 3, 1], [0, 0, 4]])

    @Test func tallyingLabelsMatchesTheRows() {
        let actual = [0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 2, 2, 2, 2]
        let predicted = [0, 0, 0, 0, 0, 1, 1, 0, 1, 1, 1, 2, 2, 2, 2, 2]
        #expect(ConfusionMatrix(actual: actual, predicted: predicted, classCount: 3) == confusion)
        #expect(confusion.support == [7, 5, 4])
        #expect(confusion.predictionCounts == [6, 5, 5])
        #expect(confusion.correct == 12 && confusion.total == 16)
    }

    @Test func precisionRecallAndF1MatchHandComputedValues() {
        let report = ClassificationReport(confusion: confusion)
        expectClose(report.accuracy, 12.0 / 16)
        // precision = TP / column total, recall = TP / row total, F1 = 2TP / (2TP + FP + FN).
        let expected: [(Double, Double, Double)] = [(5.0 / 6, 5.0 / 7, 10.0 / 13), (3.0 / 5, 3.0 / 5, 6.0 / 10), (4.0 / 5, 1, 8.0 / 9)]
        for (scores, (precision, recall, f1)) in zip(report.perClass, expected) {
            expectClose(scores.precision, precision)
            expectClose(scores.recall, recall)
            expectClose(scores.f1, f1)
        }
        #expect(report.perClass.map(\.support) == [7, 5, 4])
        expectClose(report.macro.precision, (5.0 / 6 + 0.6 + 0.8) / 3)
        expectClose(report.macro.recall, (5.0 / 7 + 0.6 + 1) / 3)
        expectClose(report.macro.f1, (10.0 / 13 + 0.6 + 8.0 / 9) / 3)
        expectClose(report.weighted.precision, (7 * 5.0 / 6 + 5 * 0.6 + 4 * 0.8) / 16)
        expectClose(report.weighted.recall, 0.75)  // the weighted recall is the accuracy
        expectClose(report.weighted.f1, (7 * 10.0 / 13 + 5 * 0.6 + 4 * 8.0 / 9) / 16)
    }

    @Test func aClassNeverPredictedScoresZeroAndAnAbsentClassIsLeftOutOfTheMacroAverage() {
        // Class 1 has images but is never predicted; class 2 neither occurs nor is predicted.
        let report = ClassificationReport(confusion: ConfusionMatrix(rows: [[2, 0, 0], [2, 0, 0], [0, 0, 0]]))
        #expect(report.perClass[1] == ClassScores(precision: 0, recall: 0, f1: 0, support: 2))
        #expect(report.perClass[2] == ClassScores(precision: 0, recall: 0, f1: 0, support: 0))
        expectClose(report.macro.precision, (0.5 + 0) / 2)
        expectClose(report.macro.recall, (1 + 0) / 2)
        expectClose(report.macro.f1, (2.0 / 3 + 0) / 2)
        expectClose(report.accuracy, 0.5)
    }

    @Test func theMostConfusedPairIsTheLargestOffDiagonalCell() {
        #expect(confusion.mostConfused.map { [$0.actual, $0.predicted, $0.count] } == [0, 1, 2])
        #expect(ConfusionMatrix(rows: [[3, 0], [0, 2]]).mostConfused == nil)
        // Ties go to the first cell in row order.
        #expect(ConfusionMatrix(rows: [[1, 0, 1], [1, 1, 0], [0, 0, 1]]).mostConfused.map { [$0.actual, $0.predicted] } == [0, 2])
    }

    @Test func rowNormalisationGivesSharesOfEachTrueClass() {
        let shares = ConfusionMatrix(rows: [[3, 1], [0, 0]]).rowNormalized
        #expect(shares == [0.75, 0.25, 0, 0])
    }

    @Test(arguments: [
        ([0, 0] as [Float], 0, log(2.0)),
        ([Float(log(3.0)), 0], 0, -log(0.75)),
        ([Float(log(3.0)), 0], 1, -log(0.25)),
        ([1000, 0], 1, 1000),  // a confident mistake: large but finite
        ([5, 5, 5, 5], 2, log(4.0)),
    ] as [([Float], Int, Double)])
    func logLossIsTheCrossEntropyOfTheTrueClass(logits: [Float], label: Int, expected: Double) {
        let loss = ClassifierMaths.logLoss(logits: logits, labels: [label], classCount: logits.count)
        expectClose(loss, expected, tolerance: 1e-5)
    }

    @Test func logLossAveragesOverRows() {
        let loss = ClassifierMaths.logLoss(logits: [0, 0, Float(log(3.0)), 0], labels: [0, 0], classCount: 2)
        expectClose(loss, (log(2.0) - log(0.75)) / 2, tolerance: 1e-6)
    }

    @Test func softmaxRowsSumToOne() {
        let p = ClassifierMaths.softmax(logits: [Float(log(3.0)), 0, 1, 1], classCount: 2)
        #expect(abs(p[0] - 0.75) < 1e-6 && abs(p[1] - 0.25) < 1e-6 && abs(p[2] - 0.5) < 1e-6)
    }

    @Test func topKIsSortedWithTiesByLowerIndex() {
        let top = ClassifierMaths.top(3, of: [0.1, 0.4, 0.1, 0.4][...])
        #expect(top.map(\.label) == [1, 3, 0])
        #expect(ClassifierMaths.top(5, of: [0.5, 0.5][...]).count == 2)
    }

    @Test func confidentMistakesComeMostConfidentFirst() {
        let mistakes = ClassifierMaths.confidentMistakes(predicted: [1, 0, 2, 1, 0], actual: [1, 1, 0, 0, 1],
                                                         confidence: [0.99, 0.6, 0.9, 0.9, 0.7], limit: 3)
        #expect(mistakes == [2, 3, 4])
    }
}

@Suite struct EvaluateActionTests {
    /// The confusion table of an evaluate cell, as counts.
    func confusionCounts(_ report: CellReport) -> [[Int]] {
        guard let body = report.details.first else { return [] }
        return parseMarkdownTable(body).map { $0.dropFirst().map { Int($0) ?? -1 } }
    }

    @Test func aPerfectModelGivesADiagonalConfusionMatrix() throws {
        let harness = try EvaluationHarness()
        let report = try harness.run(harness.notebook("""
            ```loom test.model as perfect
            kind: perfect
            ```

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
        // No mistakes, so no mistakes grid: only the confusion matrix.
        #expect(cell.figures.map(\.name) == ["confusion-matrix"])
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
        #expect(cell.figures.map(\.name) == ["confusion-matrix", "mistakes"])
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
