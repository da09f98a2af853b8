import Yams

/// Limits on what a cell's YAML may expand to.
///
/// YAML aliases let a few hundred bytes name an exponential tree (the "billion laughs": each
/// anchor a list of ten aliases of the one before). Yams shares the aliased nodes, so composing
/// is cheap; walking the tree is not. Every place that reads YAML checks the composed tree with
/// ``exceedsExpansionLimit(_:limit:)`` before converting it.
enum YAMLLimits {
    /// The most nodes a cell body may expand to, aliases counted as often as they are used.
    /// A large cell (a long `layers` list, a sweep grid) has a few hundred.
    static let maximumExpandedNodes = 100_000

    /// Whether `node`, with every alias expanded, has more than `limit` nodes. Stops counting
    /// as soon as the limit is passed, so it takes at most `limit` steps.
    static func exceedsExpansionLimit(_ node: Yams.Node, limit: Int = maximumExpandedNodes) -> Bool {
        var budget = limit
        var pending: [Yams.Node] = [node]
        while let next = pending.popLast() {
            budget -= 1
            if budget < 0 { return true }
            switch next {
            case .scalar, .alias: break
            case .sequence(let sequence): pending.append(contentsOf: sequence)
            case .mapping(let mapping):
                for (key, value) in mapping {
                    pending.append(key)
                    pending.append(value)
                }
            }
        }
        return false
    }
}
