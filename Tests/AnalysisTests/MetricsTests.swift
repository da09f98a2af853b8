import Analysis
import Foundation
import Testing

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
        #expect(report.perClass.map(\.support) == [2, 2, 0])
        for scores in report.perClass[1...] { #expect([scores.precision, scores.recall, scores.f1] == [0, 0, 0]) }
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

