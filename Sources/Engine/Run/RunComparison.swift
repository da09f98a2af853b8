import Foundation

/// What changed from one recorded run to another (`loom diff`): parameters, the cells that ran
/// again, and every fact's old and new value.
public struct RunComparison: Sendable, Equatable {
    /// A parameter whose value differs (`nil` where one run did not have it).
    public struct ParameterChange: Sendable, Equatable {
        public var name: String
        public var old: String?
        public var new: String?

        public init(name: String, old: String?, new: String?) {
            self.name = name
            self.old = old
            self.new = new
        }
    }

    /// A cell that ran (or failed) in the newer run instead of coming from the cache.
    public struct Rerun: Sendable, Equatable {
        public var label: String
        public var action: String
        public var status: String
        /// Whether its cache key differs from the older run's (its parameters or inputs changed).
        public var keyChanged: Bool
        public var seconds: Double
    }

    /// One fact of one cell in either run.
    public struct FactChange: Sendable, Equatable {
        public var cell: String
        public var fact: String
        public var kind: FactKind
        public var old: Double?
        public var new: Double?
        public var delta: Double? { old.flatMap { old in new.map { $0 - old } } }
    }

    public var old: RunRecord
    public var new: RunRecord
    public var parameters: [ParameterChange]
    public var reruns: [Rerun]
    public var facts: [FactChange]

    /// Compares `old` with `new`; cells are matched by their result name (or action and position).
    public init(old: RunRecord, new: RunRecord) {
        self.old = old
        self.new = new
        let oldParameters = Dictionary(old.parameters.map { ($0.name, $0.value) }, uniquingKeysWith: { a, _ in a })
        let newParameters = Dictionary(new.parameters.map { ($0.name, $0.value) }, uniquingKeysWith: { a, _ in a })
        parameters = Set(oldParameters.keys).union(newParameters.keys).sorted().compactMap { name in
            oldParameters[name] == newParameters[name] ? nil
                : ParameterChange(name: name, old: oldParameters[name], new: newParameters[name])
        }
        let oldCells = Dictionary(old.cells.map { ($0.label, $0) }, uniquingKeysWith: { a, _ in a })
        reruns = new.cells.filter { $0.status == "ran" || $0.status == "failed" }.map { cell in
            Rerun(label: cell.label, action: cell.action, status: cell.status,
                  keyChanged: oldCells[cell.label]?.key != cell.key, seconds: cell.seconds)
        }
        var facts: [FactChange] = []
        var seen: Set<String> = []
        for cell in new.cells {
            let before = oldCells[cell.label]?.facts ?? []
            for fact in cell.facts {
                seen.insert(cell.label + "\u{0}" + fact.name)
                facts.append(FactChange(cell: cell.label, fact: fact.name, kind: fact.kind,
                                        old: before.first { $0.name == fact.name }?.value, new: fact.value))
            }
        }
        for cell in old.cells {
            for fact in cell.facts where !seen.contains(cell.label + "\u{0}" + fact.name) {
                facts.append(FactChange(cell: cell.label, fact: fact.name, kind: fact.kind, old: fact.value, new: nil))
            }
        }
        self.facts = facts
    }
}
