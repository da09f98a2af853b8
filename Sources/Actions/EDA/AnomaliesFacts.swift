import Dataset
import Engine

extension AnomaliesAction {
    /// The facts `eda.anomalies` declares.
    static let facts: [FactDeclaration] = [
        FactDeclaration("images", .count, doc: "How many images were examined."),
        FactDeclaration("blank", .count, doc: "Images whose every pixel is 0."),
        FactDeclaration("near-blank", .count, doc: "Images with fewer than 'blank' of their pixels above 0.1."),
        FactDeclaration("saturated", .count, doc: "Images with more than 'saturated' of their pixels at 255."),
        FactDeclaration("atypical", .count, doc: "Images flagged as atypical for their class (robust z above 'outlier-z')."),
        FactDeclaration("atypical-share", .percentage, doc: "Their share of the images examined."),
        FactDeclaration("emptiest-ink", .percentage, doc: "The smallest share of an image's pixels above 0.1: the emptiest image's."),
        FactDeclaration("emptiest-class", .text, doc: "The class of the emptiest image."),
        FactDeclaration("most-saturated-share", .percentage, doc: "The largest share of an image's pixels at 255."),
        FactDeclaration("most-saturated-class", .text, doc: "The class of that most saturated image."),
        FactDeclaration("exact-duplicates", .count, doc: "Pairs of images with identical bytes."),
        FactDeclaration("near-duplicates", .count, doc: "Pairs within the 'near-duplicate' RMS difference that are not identical."),
        FactDeclaration("conflicting-pairs", .count, doc: "Duplicate pairs (exact or near) whose two images have different labels."),
        FactDeclaration("cross-part-pairs", .count, doc: "Duplicate pairs whose images lie in different parts of the split."),
        FactDeclaration("test-pairs", .count, doc: "Duplicate pairs with at least one image in the test part."),
        FactDeclaration("test-leaks", .count, doc: "Test images with an exact or near duplicate in the train part."),
        FactDeclaration("test-leak-share", .percentage, doc: "Their share of the test images examined: the most test accuracy memorising them could add."),
        .family("pairs", suffix: "parts", .count,
                doc: "Duplicate pairs by where their images lie: pairs.within-train, pairs.train-validation, pairs.train-test, pairs.validation-test, …"),
    ]

    /// The part names of a duplicate pair joined for a fact: `within-train`, `train-test`.
    static func pairKind(_ first: String, _ second: String) -> String {
        let order = ["train", "validation", "test"]
        let sorted = [first, second].sorted { (order.firstIndex(of: $0) ?? 3) < (order.firstIndex(of: $1) ?? 3) }
        return sorted[0] == sorted[1] ? "within-\(sorted[0])" : "\(sorted[0])-\(sorted[1])"
    }

    /// Publishes the facts of `eda.anomalies`. `counts` are the blank, near-blank, saturated and
    /// atypical images; `inkShare` and `fullShare` are by position in `indices`.
    static func publishFacts(_ context: ActionContext, data: EDAData, indices: [Int32], inkShare: [Double], fullShare: [Double],
                             counts: (blank: Int, nearBlank: Int, saturated: Int, atypical: Int), exact: Int,
                             pairs: [DuplicatePair]) {
        let labels = data.images.labels, names = data.classNames
        context.publish(fact: "images", value: Double(indices.count), kind: .count)
        context.publish(fact: "blank", value: Double(counts.blank), kind: .count)
        context.publish(fact: "near-blank", value: Double(counts.nearBlank), kind: .count)
        context.publish(fact: "saturated", value: Double(counts.saturated), kind: .count)
        context.publish(fact: "atypical", value: Double(counts.atypical), kind: .count)
        context.publish(fact: "atypical-share", value: Double(counts.atypical) / Double(max(1, indices.count)), kind: .fraction)
        // The first image of a tie, as the figures of extremes order them.
        if let emptiest = inkShare.indices.min(by: { (inkShare[$0], $0) < (inkShare[$1], $1) }) {
            context.publish(fact: "emptiest-ink", value: inkShare[emptiest], kind: .fraction)
            context.publish(fact: "emptiest-class", text: names[Int(labels[Int(indices[emptiest])])])
        }
        if let fullest = fullShare.indices.min(by: { (-fullShare[$0], $0) < (-fullShare[$1], $1) }) {
            context.publish(fact: "most-saturated-share", value: fullShare[fullest], kind: .fraction)
            context.publish(fact: "most-saturated-class", text: names[Int(labels[Int(indices[fullest])])])
        }
        context.publish(fact: "exact-duplicates", value: Double(exact), kind: .count)
        context.publish(fact: "near-duplicates", value: Double(pairs.count - exact), kind: .count)
        var kinds: [String: Int] = [:]
        var conflicting = 0, crossing = 0, touchingTest = 0
        var leaked = Set<Int>()
        for pair in pairs {
            let first = data.partName(ofImage: pair.first), second = data.partName(ofImage: pair.second)
            kinds[pairKind(first, second), default: 0] += 1
            if labels[pair.first] != labels[pair.second] { conflicting += 1 }
            if first != second { crossing += 1 }
            if first == "test" || second == "test" { touchingTest += 1 }
            if first == "test" && second == "train" { leaked.insert(pair.first) }
            if second == "test" && first == "train" { leaked.insert(pair.second) }
        }
        context.publish(fact: "conflicting-pairs", value: Double(conflicting), kind: .count)
        context.publish(fact: "cross-part-pairs", value: Double(crossing), kind: .count)
        context.publish(fact: "test-pairs", value: Double(touchingTest), kind: .count)
        context.publish(fact: "test-leaks", value: Double(leaked.count), kind: .count)
        let tests = indices.filter { data.partName(ofImage: Int($0)) == "test" }.count
        if tests > 0 { context.publish(fact: "test-leak-share", value: Double(leaked.count) / Double(tests), kind: .fraction) }
        // Every kind of a three-part split, 0 where no pair lies, so that prose can name each.
        let parts = DatasetSplit.Part.allCases.map(\.rawValue)
        for (position, first) in parts.enumerated() {
            for second in parts[position...] {
                let kind = pairKind(first, second)
                context.publish(fact: "pairs.\(kind)", value: Double(kinds[kind] ?? 0), kind: .count)
            }
        }
    }
}
