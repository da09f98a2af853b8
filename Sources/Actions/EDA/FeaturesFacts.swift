import Engine
import Foundation

extension FeaturesAction {
    /// The short names of the feature sets in facts, in ``featureSets`` order: `accuracy.hog`.
    static let factNames = ["raw", "sobel", "lbp", "hog"]

    /// The facts `eda.features` declares.
    static let facts: [FactDeclaration] = [
        .family("accuracy", suffix: "set", .percentage,
                doc: "The nearest-centroid accuracy of one feature set: accuracy.raw, accuracy.sobel, accuracy.lbp, accuracy.hog."),
        .family("recall", suffix: "set.class", .percentage, doc: "The recall of one class with one feature set, e.g. recall.hog.Shirt."),
        .family("worst-class", suffix: "set", .text, doc: "The class with the lowest recall with one feature set, e.g. worst-class.raw."),
        .family("worst-recall", suffix: "set", .percentage, doc: "That worst class's recall, e.g. worst-recall.hog."),
        .family("best-class", suffix: "set", .text, doc: "The class with the highest recall with one feature set, e.g. best-class.lbp."),
        FactDeclaration("best-set", .text, doc: "The feature set with the highest accuracy, as the table names it ('HOG', 'raw pixels')."),
        FactDeclaration("best-set-accuracy", .percentage, doc: "Its accuracy."),
        FactDeclaration("commonest-code", .count, doc: "The LBP code with the largest share of the training pixels."),
        FactDeclaration("commonest-code-classes", .count, doc: "In how many classes that code is the commonest."),
        FactDeclaration("commonest-code-low", .percentage, doc: "The smallest share of that code in any class."),
        FactDeclaration("commonest-code-low-class", .text, doc: "The class with that smallest share."),
        FactDeclaration("commonest-code-high", .percentage, doc: "The largest share of that code in any class."),
        FactDeclaration("commonest-code-high-class", .text, doc: "The class with that largest share."),
    ]

    /// Each feature set's accuracy, each class's recall, and the best and worst class per set.
    /// `perClass[set][label]` is a recall, NaN for a class absent from the scored part.
    static func publishAccuracy(_ context: ActionContext, perClass: [[Double]], names: [String], testLabels: [Int]) {
        var totals = [Int](repeating: 0, count: names.count)
        for label in testLabels { totals[label] += 1 }
        var best: (set: Int, accuracy: Double)?
        for (set, recalls) in perClass.enumerated() {
            let name = factNames[set]
            // Accuracy is the recalls weighted by class size.
            let hits = zip(recalls, totals).reduce(0.0) { $0 + ($1.0.isFinite ? $1.0 * Double($1.1) : 0) }
            let accuracy = hits / Double(max(1, testLabels.count))
            context.publish(fact: "accuracy.\(name)", value: accuracy, kind: .fraction)
            if accuracy > (best?.accuracy ?? -1) { best = (set, accuracy) }
            let present = recalls.indices.filter { recalls[$0].isFinite }
            for label in present { context.publish(fact: "recall.\(name).\(names[label])", value: recalls[label], kind: .fraction) }
            if let worst = present.min(by: { (recalls[$0], $0) < (recalls[$1], $1) }),
               let top = present.min(by: { (-recalls[$0], $0) < (-recalls[$1], $1) }) {
                context.publish(fact: "worst-class.\(name)", text: names[worst])
                context.publish(fact: "worst-recall.\(name)", value: recalls[worst], kind: .fraction)
                context.publish(fact: "best-class.\(name)", text: names[top])
            }
        }
        if let best {
            context.publish(fact: "best-set", text: featureSets[best.set])
            context.publish(fact: "best-set-accuracy", value: best.accuracy, kind: .fraction)
        }
    }

    /// The LBP code with the largest share of all training pixels, and how its share varies by
    /// class. `patternSums[label][code]` are the summed histogram values of a class.
    static func publishCodes(_ context: ActionContext, patternSums: [[Double]], names: [String]) {
        let codes = patternSums.first?.count ?? 0
        guard codes > 0 else { return }
        let overall = (0..<codes).map { code in patternSums.reduce(0) { $0 + $1[code] } }
        guard let code = overall.indices.max(by: { (overall[$0], -$0) < (overall[$1], -$1) }) else { return }
        var shares: [(label: Int, share: Double)] = []
        var commonest = 0
        for (label, sums) in patternSums.enumerated() {
            let total = sums.reduce(0, +)
            guard total > 0 else { continue }
            shares.append((label, sums[code] / total))
            if sums.indices.allSatisfy({ sums[$0] <= sums[code] }) { commonest += 1 }
        }
        context.publish(fact: "commonest-code", value: Double(code), kind: .count)
        context.publish(fact: "commonest-code-classes", value: Double(commonest), kind: .count)
        if let low = shares.min(by: { ($0.share, $0.label) < ($1.share, $1.label) }),
           let high = shares.min(by: { (-$0.share, $0.label) < (-$1.share, $1.label) }) {
            context.publish(fact: "commonest-code-low", value: low.share, kind: .fraction)
            context.publish(fact: "commonest-code-low-class", text: names[low.label])
            context.publish(fact: "commonest-code-high", value: high.share, kind: .fraction)
            context.publish(fact: "commonest-code-high-class", text: names[high.label])
        }
    }
}
