import Analysis
import Engine

extension PublishedFacts {
    /// The facts of `predict`, per image in the order shown (1-based), so that prose can say what
    /// the model made of each without copying numbers that change when it is retrained.
    static let predict: [FactDeclaration] = [
        FactDeclaration("images", .count, doc: "How many images (or files) were predicted."),
        FactDeclaration("correct", .count, doc: "How many of the split's images were predicted right (not for files, whose class is unknown)."),
        FactDeclaration("wrong", .count, doc: "How many of the split's images were predicted wrong (not for files)."),
        FactDeclaration("lowest-confidence", .percentage, doc: "The lowest probability of a predicted class among the images."),
        FactDeclaration("highest-confidence", .percentage, doc: "The highest probability of a predicted class among the images."),
        FactDeclaration("least-confident", .count, doc: "The image (1-based, in the order shown) whose prediction is least sure."),
        FactDeclaration("least-confident-prediction", .text, doc: "That image's predicted class."),
        FactDeclaration("least-confident-runner-up", .text, doc: "Its second most probable class."),
        FactDeclaration("least-confident-runner-up-confidence", .percentage, doc: "The probability of that second class."),
        .family("prediction", suffix: "image", .text, doc: "The predicted class of the N-th image, e.g. prediction.1."),
        .family("confidence", suffix: "image", .percentage, doc: "The probability of the N-th image's predicted class, e.g. confidence.1."),
        .family("runner-up", suffix: "image", .text, doc: "The second most probable class of the N-th image, e.g. runner-up.1."),
        .family("runner-up-confidence", suffix: "image", .percentage, doc: "Its probability, e.g. runner-up-confidence.1."),
        .family("truth", suffix: "image", .text, doc: "The true class of the N-th image of the split (not for files), e.g. truth.1."),
    ]

    /// Publishes ``predict`` for predicted probability rows, with the true classes when known.
    static func publishPredictions(_ context: ActionContext, rows: [ArraySlice<Float>], actual: [Int]?, names: [String]) {
        context.publish(fact: "images", value: Double(rows.count), kind: .count)
        var confidences: [Float] = []
        var ranked: [[(label: Int, probability: Float)]] = []
        var correct = 0
        for (index, row) in rows.enumerated() {
            let best = ClassifierMaths.top(2, of: row)
            guard let first = best.first else { continue }
            let number = index + 1
            confidences.append(first.probability)
            ranked.append(best)
            context.publish(fact: "prediction.\(number)", text: names[first.label])
            context.publish(fact: "confidence.\(number)", value: Double(first.probability), kind: .fraction)
            if best.count > 1 {
                context.publish(fact: "runner-up.\(number)", text: names[best[1].label])
                context.publish(fact: "runner-up-confidence.\(number)", value: Double(best[1].probability), kind: .fraction)
            }
            if let actual {
                context.publish(fact: "truth.\(number)", text: names[actual[index]])
                if actual[index] == first.label { correct += 1 }
            }
        }
        if actual != nil {
            context.publish(fact: "correct", value: Double(correct), kind: .count)
            context.publish(fact: "wrong", value: Double(rows.count - correct), kind: .count)
        }
        if let lowest = confidences.min(), let highest = confidences.max(),
           let least = confidences.indices.min(by: { confidences[$0] < confidences[$1] }) {
            context.publish(fact: "lowest-confidence", value: Double(lowest), kind: .fraction)
            context.publish(fact: "highest-confidence", value: Double(highest), kind: .fraction)
            context.publish(fact: "least-confident", value: Double(least + 1), kind: .count)
            context.publish(fact: "least-confident-prediction", text: names[ranked[least][0].label])
            if ranked[least].count > 1 {
                context.publish(fact: "least-confident-runner-up", text: names[ranked[least][1].label])
                context.publish(fact: "least-confident-runner-up-confidence", value: Double(ranked[least][1].probability),
                                kind: .fraction)
            }
        }
    }
}
