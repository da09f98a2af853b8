import Analysis
import Engine

extension PublishedFacts {
    /// How many confused pairs `evaluate` publishes (`pair.1` … `pair.5`).
    static let publishedPairs = 5

    /// The facts of `evaluate` about where the mistakes fall: the most confused pairs of classes,
    /// each class's false positives and misses, and the
    /// confidence of the mistakes the grid shows.
    static let confusion: [FactDeclaration] = [
        .family("pair", suffix: "rank", .text, doc: "The N-th most confused pair of classes, both directions counted, e.g. pair.1 ('Shirt ↔ T-shirt/top')."),
        .family("pair-count", suffix: "rank", .count, doc: "The mistakes between the N-th pair, both directions, e.g. pair-count.1."),
        .family("pair-share", suffix: "rank", .percentage, doc: "The N-th pair's share of all mistakes, e.g. pair-share.1."),
        .family("called", suffix: "class", .count, doc: "Images of other classes predicted as this class (its false positives), e.g. called.Shirt."),
        .family("missed", suffix: "class", .count, doc: "Images of this class predicted as another (its false negatives), e.g. missed.Shirt."),
        FactDeclaration("shown-mistakes", .count, doc: "How many of the most confident mistakes the grid shows."),
        FactDeclaration("shown-mistakes-lowest-confidence", .percentage, doc: "The lowest predicted probability among the mistakes the grid shows."),
    ]

    /// Publishes ``confusion``.
    ///
    /// - Parameter shownConfidences: the predicted probabilities of the mistakes the grid shows.
    static func publishConfusion(_ context: ActionContext, confusion matrix: ConfusionMatrix, names: [String], shownConfidences: [Float]) {
        let mistakes = matrix.total - matrix.correct
        for (rank, pair) in matrix.confusedPairs.prefix(publishedPairs).enumerated() {
            context.publish(fact: "pair.\(rank + 1)", text: "\(names[pair.first]) ↔ \(names[pair.second])")
            context.publish(fact: "pair-count.\(rank + 1)", value: Double(pair.count), kind: .count)
            context.publish(fact: "pair-share.\(rank + 1)", value: Double(pair.count) / Double(max(mistakes, 1)), kind: .fraction)
        }
        for (index, name) in names.enumerated() {
            context.publish(fact: "called.\(name)", value: Double(matrix.falsePositives(of: index)), kind: .count)
            context.publish(fact: "missed.\(name)", value: Double(matrix.falseNegatives(of: index)), kind: .count)
        }
        context.publish(fact: "shown-mistakes", value: Double(shownConfidences.count), kind: .count)
        if let lowest = shownConfidences.min() {
            context.publish(fact: "shown-mistakes-lowest-confidence", value: Double(lowest), kind: .fraction)
        }
    }
}
