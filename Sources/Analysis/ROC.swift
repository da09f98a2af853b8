import Foundation

/// The area under the ROC curve, from ranks.
///
/// The AUC is the probability that a randomly chosen positive scores higher than a randomly
/// chosen negative, ties counting one half. It equals the Mann–Whitney statistic divided by
/// `n₊·n₋` (Hanley & McNeil, "The meaning and use of the area under a receiver operating
/// characteristic (ROC) curve", *Radiology* 143, 1982):
/// `AUC = (R₊ − n₊(n₊+1)/2) / (n₊·n₋)`, where `R₊` sums the ranks of the positives among all
/// scores in ascending order and tied scores share the mean of their ranks. This is what
/// scikit-learn's `roc_auc_score` computes.
public enum ROC {
    /// The AUC of scores for a binary truth, or `nil` when there are no positives or no negatives.
    ///
    /// - Parameters:
    ///   - scores: One score per item; higher means more likely positive.
    ///   - isPositive: The truth, one per score.
    public static func auc(scores: [Double], isPositive: [Bool]) -> Double? {
        precondition(scores.count == isPositive.count, "One truth value per score is needed.")
        let positives = isPositive.filter { $0 }.count
        let negatives = isPositive.count - positives
        guard positives > 0, negatives > 0 else { return nil }
        let order = scores.indices.sorted { scores[$0] < scores[$1] }
        var positiveRanks = 0.0
        var start = 0
        while start < order.count {
            var end = start + 1
            while end < order.count, scores[order[end]] == scores[order[start]] { end += 1 }
            // Ranks start + 1 … end share their mean.
            let rank = Double(start + 1 + end) / 2
            for position in start..<end where isPositive[order[position]] { positiveRanks += rank }
            start = end
        }
        let p = Double(positives)
        return (positiveRanks - p * (p + 1) / 2) / (p * Double(negatives))
    }

    /// One-vs-rest AUC of each class: class `k`'s probability as the score, "is class `k`" as the
    /// truth; `nil` for a class that is absent from the labels (or is every label).
    ///
    /// - Parameters:
    ///   - probabilities: `N × classCount` probabilities, row by row.
    ///   - labels: The true class of each row.
    ///   - classCount: The number of columns.
    public static func oneVsRest(probabilities: [Float], labels: [Int], classCount: Int) -> [Double?] {
        precondition(probabilities.count == labels.count * classCount, "One row of probabilities per label is needed.")
        return (0..<classCount).map { k in
            let scores = labels.indices.map { Double(probabilities[$0 * classCount + k]) }
            return auc(scores: scores, isPositive: labels.map { $0 == k })
        }
    }

    /// The unweighted mean of the defined per-class AUCs, or `nil` when none is defined.
    public static func macro(_ perClass: [Double?]) -> Double? {
        let defined = perClass.compactMap { $0 }
        return defined.isEmpty ? nil : defined.reduce(0, +) / Double(defined.count)
    }
}
