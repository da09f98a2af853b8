import Analysis
import Engine

extension PredictAction {
    /// The facts `predict` declares; images and files are numbered from 1 in the order shown.
    static let facts: [FactDeclaration] = [
        FactDeclaration("images", .count, doc: "How many images or files were predicted."),
        FactDeclaration("right", .count, doc: "With 'images': how many were predicted right."),
        FactDeclaration("wrong", .count, doc: "With 'images': how many were predicted wrong."),
        .family("true", suffix: "n", .text, doc: "With 'images': the true class of the n-th image, e.g. true.1."),
        .family("predicted", suffix: "n", .text, doc: "The predicted class of the n-th image or file, e.g. predicted.3."),
        .family("confidence", suffix: "n", .number, doc: "The probability of that predicted class, e.g. confidence.3."),
        .family("second", suffix: "n", .text, doc: "The second most probable class of the n-th image or file, e.g. second.2."),
        .family("second-confidence", suffix: "n", .number, doc: "Its probability, e.g. second-confidence.2."),
    ]

    /// Publishes what `predictions` say of each image, and with `actual` how many are right.
    static func publishFacts(_ context: ActionContext, predictions: Predictions, names: [String], actual: [Int]?) {
        let count = predictions.predicted.count
        context.publish(fact: "images", value: Double(count), kind: .count)
        if let actual {
            let right = zip(actual, predictions.predicted).filter { $0 == $1 }.count
            context.publish(fact: "right", value: Double(right), kind: .count)
            context.publish(fact: "wrong", value: Double(count - right), kind: .count)
            for (index, label) in actual.enumerated() where label < names.count {
                context.publish(fact: "true.\(index + 1)", text: names[label])
            }
        }
        for index in 0..<count {
            let ranked = ClassifierMaths.top(2, of: predictions.row(index))
            guard let first = ranked.first, first.label < names.count else { continue }
            context.publish(fact: "predicted.\(index + 1)", text: names[first.label])
            context.publish(fact: "confidence.\(index + 1)", value: Double(first.probability))
            if ranked.count > 1, ranked[1].label < names.count {
                context.publish(fact: "second.\(index + 1)", text: names[ranked[1].label])
                context.publish(fact: "second-confidence.\(index + 1)", value: Double(ranked[1].probability))
            }
        }
    }
}
