import Analysis
import Testing

@Suite struct ConfusionPairsTests {
    /// Rows are true classes, columns predictions.
    static let matrix = ConfusionMatrix(rows: [
        [50, 3, 0, 1],
        [5, 40, 2, 0],
        [0, 6, 30, 0],
        [1, 0, 0, 20],
    ])

    @Test func pairsCountBothDirectionsMostConfusedFirst() {
        let pairs = Self.matrix.confusedPairs
        #expect(pairs.map { [$0.first, $0.second, $0.count] } == [[0, 1, 8], [1, 2, 8], [0, 3, 2]])
        #expect(pairs[0].firstAsSecond == 3 && pairs[0].secondAsFirst == 5)
    }

    @Test func falsePositivesAreColumnsAndFalseNegativesRowsWithoutTheDiagonal() {
        #expect((0..<4).map(Self.matrix.falsePositives(of:)) == [6, 9, 2, 1])
        #expect((0..<4).map(Self.matrix.falseNegatives(of:)) == [4, 7, 6, 1])
        let mistakes = Self.matrix.total - Self.matrix.correct
        #expect((0..<4).map(Self.matrix.falsePositives(of:)).reduce(0, +) == mistakes)
    }
}
