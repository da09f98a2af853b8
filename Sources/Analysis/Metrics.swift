import Foundation

/// How often each true class was predicted as each class: row = true class, column = prediction.
///
/// `self[actual: i, predicted: j]` counts the images of class `i` that the model called `j`, so
/// the diagonal holds the correct predictions, row `i` sums to the support of class `i` and
/// column `j` to the number of predictions of `j`.
///
/// ```swift
/// let confusion = ConfusionMatrix(actual: [0, 0, 1], predicted: [0, 1, 1], classCount: 2)
/// confusion[actual: 0, predicted: 1]   // 1
/// ```
public struct ConfusionMatrix: Equatable, Sendable {
    /// The number of classes: rows and columns.
    public let classCount: Int
    /// The counts, row by row (`counts[actual * classCount + predicted]`).
    public private(set) var counts: [Int]

    /// Tallies pairs of true and predicted labels.
    ///
    /// - Parameters:
    ///   - actual: The true class of every image, each in `0..<classCount`.
    ///   - predicted: The predicted class of every image, one per true label.
    ///   - classCount: The number of classes, at least 1.
    public init(actual: [Int], predicted: [Int], classCount: Int) {
        precondition(classCount > 0, "A confusion matrix needs at least one class.")
        precondition(actual.count == predicted.count, "One prediction per true label is needed.")
        self.classCount = classCount
        counts = [Int](repeating: 0, count: classCount * classCount)
        for (truth, guess) in zip(actual, predicted) {
            precondition((0..<classCount).contains(truth) && (0..<classCount).contains(guess),
                         "Labels must lie in 0..<\(classCount).")
            counts[truth * classCount + guess] += 1
        }
    }

    /// A matrix from its rows of counts.
    ///
    /// - Parameter rows: A square table, `rows[actual][predicted]`.
    public init(rows: [[Int]]) {
        precondition(!rows.isEmpty && rows.allSatisfy { $0.count == rows.count }, "A confusion matrix is square.")
        classCount = rows.count
        counts = rows.flatMap { $0 }
    }

    /// The number of class-`actual` images predicted as `predicted`.
    public subscript(actual actual: Int, predicted predicted: Int) -> Int {
        counts[actual * classCount + predicted]
    }

    /// The number of images.
    public var total: Int { counts.reduce(0, +) }

    /// The number of correct predictions: the trace.
    public var correct: Int { (0..<classCount).reduce(0) { $0 + self[actual: $1, predicted: $1] } }

    /// The images of each true class (row sums): the support.
    public var support: [Int] { (0..<classCount).map { row in counts[(row * classCount)..<((row + 1) * classCount)].reduce(0, +) } }

    /// The predictions of each class (column sums).
    public var predictionCounts: [Int] {
        (0..<classCount).map { column in (0..<classCount).reduce(0) { $0 + self[actual: $1, predicted: column] } }
    }

    /// Each row divided by its sum, so row `i` gives the share of class-`i` images predicted as
    /// each class (its diagonal entry is the recall); a row without images stays zero.
    public var rowNormalized: [Double] {
        let support = support
        return counts.enumerated().map { index, count in
            let rowTotal = support[index / classCount]
            return rowTotal == 0 ? 0 : Double(count) / Double(rowTotal)
        }
    }

    /// The most frequent mistake: the off-diagonal cell with the largest count (the first in row
    /// order on ties), or `nil` when every image is classified correctly.
    public var mostConfused: (actual: Int, predicted: Int, count: Int)? {
        var best: (actual: Int, predicted: Int, count: Int)?
        for actual in 0..<classCount {
            for predicted in 0..<classCount where predicted != actual {
                let count = self[actual: actual, predicted: predicted]
                if count > 0, count > (best?.count ?? 0) { best = (actual, predicted, count) }
            }
        }
        return best
    }
}

/// Precision, recall and F1 of one class, or an average of them.
public struct ClassScores: Equatable, Sendable {
    /// Of the images predicted as the class, the share that belongs to it: `TP / (TP + FP)`.
    public var precision: Double
    /// Of the images of the class, the share predicted as it: `TP / (TP + FN)`.
    public var recall: Double
    /// The harmonic mean of precision and recall: `2PR / (P + R)`.
    public var f1: Double
    /// The number of images of the class (for an average: of all classes averaged).
    public var support: Int
}

/// The usual classification metrics derived from a confusion matrix, as scikit-learn's
/// `classification_report` gives them.
///
/// For class `k` with `TP = C[k][k]`, `FP = Σ_i C[i][k] − TP` and `FN = Σ_j C[k][j] − TP`:
/// precision `TP / (TP + FP)`, recall `TP / (TP + FN)` and `F1 = 2PR / (P + R)` (van Rijsbergen,
/// *Information Retrieval*, 1979, ch. 7). A ratio whose denominator is zero counts as 0
/// (scikit-learn's `zero_division=0`). The macro average is the unweighted mean over the classes
/// that occur among the true labels or the predictions; the weighted average weights each class
/// by its support. Accuracy is the trace over the total.
public struct ClassificationReport: Equatable, Sendable {
    /// One entry per class, in label order.
    public let perClass: [ClassScores]
    /// The share of images classified correctly.
    public let accuracy: Double
    /// The unweighted mean over the classes present in the truth or the predictions.
    public let macro: ClassScores
    /// The support-weighted mean over all classes.
    public let weighted: ClassScores

    /// Derives the metrics from a confusion matrix.
    ///
    /// - Parameter confusion: Counts of (true, predicted) pairs.
    public init(confusion: ConfusionMatrix) {
        let support = confusion.support
        let predictions = confusion.predictionCounts
        func ratio(_ numerator: Int, _ denominator: Int) -> Double {
            denominator == 0 ? 0 : Double(numerator) / Double(denominator)
        }
        let scores = (0..<confusion.classCount).map { k -> ClassScores in
            let hits = confusion[actual: k, predicted: k]
            let precision = ratio(hits, predictions[k])
            let recall = ratio(hits, support[k])
            let f1 = precision + recall == 0 ? 0 : 2 * precision * recall / (precision + recall)
            return ClassScores(precision: precision, recall: recall, f1: f1, support: support[k])
        }
        let total = confusion.total
        perClass = scores
        accuracy = ratio(confusion.correct, total)

        let present = scores.indices.filter { support[$0] > 0 || predictions[$0] > 0 }
        func mean(_ metric: KeyPath<ClassScores, Double>) -> Double {
            present.isEmpty ? 0 : present.reduce(0) { $0 + scores[$1][keyPath: metric] } / Double(present.count)
        }
        macro = ClassScores(precision: mean(\.precision), recall: mean(\.recall), f1: mean(\.f1), support: total)
        func weightedMean(_ metric: KeyPath<ClassScores, Double>) -> Double {
            total == 0 ? 0 : scores.reduce(0) { $0 + $1[keyPath: metric] * Double($1.support) } / Double(total)
        }
        weighted = ClassScores(precision: weightedMean(\.precision), recall: weightedMean(\.recall),
                               f1: weightedMean(\.f1), support: total)
    }
}

/// Pure functions on rows of logits and probabilities.
public enum ClassifierMaths {
    /// The mean cross-entropy of the true classes: `(1/N) Σ_n (log Σ_j exp z_nj − z_n,y_n)`.
    ///
    /// This is the log-loss `−(1/N) Σ log p(y_n)` of the softmax probabilities, computed from the
    /// logits with the log-sum-exp shift (Goodfellow, Bengio & Courville, *Deep Learning*,
    /// 2016, §4.1), so that a confident mistake gives a large finite loss rather than `−log 0`.
    ///
    /// - Parameters:
    ///   - logits: `N × classCount` scores, row by row.
    ///   - labels: The true class of each row.
    ///   - classCount: The number of columns.
    /// - Returns: The mean loss in nats; 0 for no rows.
    public static func logLoss(logits: [Float], labels: [Int], classCount: Int) -> Double {
        precondition(logits.count == labels.count * classCount, "One row of logits per label is needed.")
        guard !labels.isEmpty else { return 0 }
        var total = 0.0
        for (row, label) in labels.enumerated() {
            let scores = logits[(row * classCount)..<((row + 1) * classCount)]
            let peak = Double(scores.max() ?? 0)
            let sum = scores.reduce(0.0) { $0 + exp(Double($1) - peak) }
            total += peak + log(sum) - Double(scores[scores.startIndex + label])
        }
        return total / Double(labels.count)
    }

    /// The softmax of every row: `p_nj = exp(z_nj − max_j z_nj) / Σ_k exp(z_nk − max_j z_nj)`.
    ///
    /// - Parameters:
    ///   - logits: `N × classCount` scores, row by row.
    ///   - classCount: The number of columns.
    public static func softmax(logits: [Float], classCount: Int) -> [Float] {
        precondition(classCount > 0 && logits.count % classCount == 0, "Logits come in whole rows.")
        var result = [Float](repeating: 0, count: logits.count)
        for row in 0..<(logits.count / classCount) {
            let range = (row * classCount)..<((row + 1) * classCount)
            let peak = Double(logits[range].max() ?? 0)
            var sum = 0.0
            for index in range {
                let value = exp(Double(logits[index]) - peak)
                result[index] = Float(value)
                sum += value
            }
            for index in range { result[index] = Float(Double(result[index]) / sum) }
        }
        return result
    }

    /// The `k` most probable classes of one row, most probable first (lower index first on ties).
    ///
    /// - Parameters:
    ///   - row: One probability per class.
    ///   - k: How many to return; fewer when the row is shorter.
    public static func top(_ k: Int, of row: ArraySlice<Float>) -> [(label: Int, probability: Float)] {
        row.enumerated()
            .sorted { $0.element != $1.element ? $0.element > $1.element : $0.offset < $1.offset }
            .prefix(k)
            .map { (label: $0.offset, probability: $0.element) }
    }

    /// The wrongly classified rows, most confident first: sorted by the probability of the
    /// predicted class, descending (lower row first on ties).
    ///
    /// - Parameters:
    ///   - predicted: The predicted class of each row.
    ///   - actual: The true class of each row.
    ///   - confidence: The probability of each row's predicted class.
    ///   - limit: At most this many rows are returned.
    public static func confidentMistakes(predicted: [Int], actual: [Int], confidence: [Float], limit: Int) -> [Int] {
        predicted.indices.filter { predicted[$0] != actual[$0] }
            .sorted { confidence[$0] != confidence[$1] ? confidence[$0] > confidence[$1] : $0 < $1 }
            .prefix(limit)
            .map { $0 }
    }
}
