/// Two classes a classifier mixes up, counted in both directions.
public struct ConfusedPair: Equatable, Sendable {
    /// The lower class index of the two.
    public var first: Int
    /// The higher class index of the two.
    public var second: Int
    /// Images of `first` predicted as `second`.
    public var firstAsSecond: Int
    /// Images of `second` predicted as `first`.
    public var secondAsFirst: Int
    /// Both directions together.
    public var count: Int { firstAsSecond + secondAsFirst }
}

extension ConfusionMatrix {
    /// Every pair of distinct classes with at least one mistake between them, the most confused
    /// first (both directions counted; ties by class order).
    public var confusedPairs: [ConfusedPair] {
        var pairs: [ConfusedPair] = []
        for first in 0..<classCount {
            for second in (first + 1)..<max(first + 1, classCount) {
                let pair = ConfusedPair(first: first, second: second, firstAsSecond: self[actual: first, predicted: second],
                                        secondAsFirst: self[actual: second, predicted: first])
                if pair.count > 0 { pairs.append(pair) }
            }
        }
        return pairs.enumerated().sorted { left, right in
            left.element.count != right.element.count ? left.element.count > right.element.count : left.offset < right.offset
        }.map(\.element)
    }

    /// Images of other classes predicted as `predicted`: the false positives of that class.
    public func falsePositives(of predicted: Int) -> Int {
        (0..<classCount).reduce(0) { $0 + ($1 == predicted ? 0 : self[actual: $1, predicted: predicted]) }
    }

    /// Images of `actual` predicted as another class: the false negatives of that class.
    public func falseNegatives(of actual: Int) -> Int {
        (0..<classCount).reduce(0) { $0 + ($1 == actual ? 0 : self[actual: actual, predicted: $1]) }
    }
}
