import Foundation
import Notebook

/// Where the expensive computations of a run happen, when not in this process: a batch
/// scheduler (Slurm) or any other pool of machines.
///
/// The runner hands an executor a whole cell (``computesWholeCell(action:)``: the `train.*`
/// cells) and an action hands it the missing sub-results of a cell (`sweep`'s variants, through
/// ``ActionContext/memoized(_:batch:)``), each identified by its cache key. An executor never
/// writes the cache: it returns what was computed, and this process stores it. Without an
/// executor (``RunOptions/executor`` is `nil`, the default) everything runs here, as always.
public protocol CellExecutor: Sendable {
    /// Whether cells of `action` are computed elsewhere as a whole.
    func computesWholeCell(action: String) -> Bool

    /// Whether a cell of `action` spends its time waiting for this executor (a `train.*` cell
    /// computed whole, a `sweep` whose variants go out): the runner starts such cells side by
    /// side, as soon as their inputs are there, instead of one after another. Default:
    /// ``computesWholeCell(action:)``.
    func waitsOnExecutor(action: String) -> Bool

    /// Computes one cell elsewhere and returns its outputs and result.
    ///
    /// - Throws: an ``ActionError`` saying what failed where (a job's id, state and log).
    func compute(cell job: CellJob, progress: CellProgress) throws -> ComputedCell

    /// Computes sub-results of one cell elsewhere, calling `arrived` as each one arrives (its
    /// key, its bytes and the seconds it took), on the calling thread.
    ///
    /// Every sub-result that arrives is passed on before a failure is thrown, so a re-run
    /// computes only the ones still missing.
    func compute(subresults: [SubresultRequest], of job: CellJob, progress: CellProgress,
                 arrived: (_ key: String, _ data: Data, _ seconds: Double) throws -> Void) throws
}

/// Everything another process needs to compute one cell: the notebook (to bind the cell's typed
/// parameters exactly as here), the cell, its key, the keys of its inputs, and the keys of every
/// result it may read (the results that go into its input bundle).
public struct CellJob: Sendable, Codable, Equatable {
    public var notebookPath: String
    public var notebookText: String
    /// The notebook parameters given on the command line (`-p name=value`).
    public var overrides: [String: String]
    public var cellIndex: Int
    public var action: String
    public var actionVersion: Int
    /// The cell's cache key.
    public var key: String
    public var inputKeys: [String: [String]]
    public var inputLabels: [String: [String]]
    /// The keys of the results of every cell this cell depends on, directly or not (a split
    /// refers to its dataset by key): what its input bundle holds.
    public var bundleKeys: [String]
    /// Set for `--no-cache` and `--force`: sub-results are recomputed too.
    public var recomputesSubresults: Bool
    /// Pixels per point of the cell's figures (`--scale`); `nil` for 1.
    public var figureScale: Double?

    public init(notebookPath: String, notebookText: String, overrides: [String: String], cellIndex: Int, action: String,
                actionVersion: Int, key: String, inputKeys: [String: [String]], inputLabels: [String: [String]],
                bundleKeys: [String], recomputesSubresults: Bool) {
        self.notebookPath = notebookPath
        self.notebookText = notebookText
        self.overrides = overrides
        self.cellIndex = cellIndex
        self.action = action
        self.actionVersion = actionVersion
        self.key = key
        self.inputKeys = inputKeys
        self.inputLabels = inputLabels
        self.bundleKeys = bundleKeys
        self.recomputesSubresults = recomputesSubresults
    }

    /// The job of cell `index` of a planned notebook: the keys of the cells it depends on,
    /// transitively, that make a result.
    static func make(notebook: CheckedNotebook, planned: [PlannedCell], index: Int, actionVersion: Int, key: String,
                     inputKeys: [String: [String]], inputLabels: [String: [String]], recomputesSubresults: Bool) -> CellJob {
        var seen = Set<Int>()
        var pending = notebook.cells[index].dependencies
        while let next = pending.popLast() {
            guard seen.insert(next).inserted else { continue }
            pending += notebook.cells[next].dependencies
        }
        let bundleKeys = seen.sorted().filter { notebook.cells[$0].action?.produces != nil }.compactMap { planned[$0].key }
        return CellJob(notebookPath: notebook.document.path, notebookText: notebook.document.text, overrides: [:],
                       cellIndex: index, action: notebook.cells[index].cell.action, actionVersion: actionVersion, key: key,
                       inputKeys: inputKeys, inputLabels: inputLabels, bundleKeys: bundleKeys,
                       recomputesSubresults: recomputesSubresults)
    }
}

/// One sub-result to compute: its key, and a name for progress and errors (`variant relu 32×1`).
public struct SubresultRequest: Sendable, Codable, Equatable {
    public var key: String
    public var name: String

    public init(key: String, name: String) {
        self.key = key
        self.name = name
    }
}

/// What computing a cell (or one sub-result) elsewhere made: what the runner stores.
public struct ComputedCell: Sendable, Equatable {
    public var outputs: [OutputItem]
    /// The result's kind and bytes (for a sub-result, the value's).
    public var result: (kind: ResultKind, data: Data)?
    public var seeds: [String]
    public var facts: [Fact]
    public var textFacts: [String: String]
    public var seconds: Double

    public init(outputs: [OutputItem], result: (kind: ResultKind, data: Data)?, seeds: [String], facts: [Fact],
                textFacts: [String: String], seconds: Double) {
        self.outputs = outputs
        self.result = result
        self.seeds = seeds
        self.facts = facts
        self.textFacts = textFacts
        self.seconds = seconds
    }

    public static func == (left: ComputedCell, right: ComputedCell) -> Bool {
        left.outputs == right.outputs && left.result?.kind == right.result?.kind && left.result?.data == right.result?.data
            && left.seeds == right.seeds && left.facts == right.facts && left.textFacts == right.textFacts
            && left.seconds == right.seconds
    }
}

/// One value of a batch of sub-results (see ``ActionContext/memoized(_:batch:)``).
public struct MemoizedItem<T: ResultValue> {
    /// A canonical description of everything the value depends on besides the cell's inputs.
    public var identity: String
    /// What the value is, for progress and errors (`relu 32×1`).
    public var name: String
    /// Makes the value when it is not cached.
    public var compute: () throws -> T

    public init(identity: String, name: String, compute: @escaping () throws -> T) {
        self.identity = identity
        self.name = name
        self.compute = compute
    }
}

/// Thrown inside a task that computes one sub-result of a cell, once it has it: the action stops
/// there (the rest of the cell is the submitting process's work).
struct SubresultComputed: Error {
    var kind: ResultKind
    var data: Data
    var seconds: Double
}

extension ActionContext {
    /// Runs the cell: through the executor when it computes such cells as a whole, else here.
    func execute(_ parameters: BoundParameters) throws {
        if let executor, let job, executor.computesWholeCell(action: cell.action) {
            adopt(try executor.compute(cell: job, progress: progress))
        } else {
            try parameters.run(self)
        }
    }

    /// A batch of values computed once per identity and cached on their own, like
    /// ``memoized(_:identity:compute:)`` for each item, in order.
    ///
    /// With an executor (``RunOptions/executor``) the missing values are computed elsewhere,
    /// all at once (a sweep's variants as one job array), and stored here as they arrive;
    /// without one this is exactly a loop over ``memoized(_:identity:compute:)``.
    public func memoized<T: ResultValue>(_ label: String, batch items: [MemoizedItem<T>]) throws -> [(value: T, cached: Bool)] {
        let subkeys = items.map {
            CacheKey.subresult(action: cell.action, version: subresultVersion, label: label, identity: $0.identity, inputs: inputKeys)
        }
        if let target = subresultTarget {
            guard let index = subkeys.firstIndex(of: target) else {
                throw ActionError("this cell has no \(label) with key \(target.prefix(12)): the notebook or loom changed "
                                  + "since the job was written; run the notebook again to submit fresh jobs")
            }
            let started = Date()
            let value = try items[index].compute()
            throw SubresultComputed(kind: T.kind, data: value.encoded(), seconds: Date().timeIntervalSince(started))
        }
        guard let executor, let job else {
            return try items.map { try memoized(label, identity: $0.identity, compute: $0.compute) }
        }
        var values: [String: (value: T, cached: Bool)] = [:]
        for subkey in subkeys where !recomputesSubresults {
            if let data = try storedSubresult(subkey), let value = try? T.decoded(from: data) {
                try store.cache?.adopt(key: subkey, parent: key)
                values[subkey] = (value, true)
            }
        }
        let missing = zip(items, subkeys).filter { values[$0.1] == nil }
            .map { SubresultRequest(key: $0.1, name: "\(label) \($0.0.name)") }
        if !missing.isEmpty {
            try executor.compute(subresults: missing, of: job, progress: progress) { subkey, data, seconds in
                let value: T
                do {
                    value = try T.decoded(from: data)
                } catch {
                    throw ActionError("the \(label) \(subkey.prefix(12)) computed elsewhere cannot be read (\(error))")
                }
                try store.cache?.store(key: subkey, action: "\(cell.action):\(label)", outputs: [],
                                       result: (kind: T.kind, data: data), seconds: seconds, seeds: [], parent: key)
                values[subkey] = (value, false)
            }
        }
        return try subkeys.map { subkey in
            guard let value = values[subkey] else {
                throw ActionError("the \(label) \(subkey.prefix(12)) did not come back from the executor")
            }
            return value
        }
    }

    /// Takes what an executor computed as this cell's outputs and result.
    func adopt(_ computed: ComputedCell) {
        for item in computed.outputs { emit(item) }
        if let result = computed.result {
            setResultData(kind: result.kind, data: result.data)
        }
        for seed in computed.seeds { appendSeed(seed) }
        for fact in computed.facts { record(fact) }
        for (name, value) in computed.textFacts { recordText(name: name, value: value) }
    }

    /// What the cell made so far, as an executor returns it.
    func computed(seconds: Double) -> ComputedCell {
        ComputedCell(outputs: outputs, result: result, seeds: seeds, facts: facts, textFacts: textFacts, seconds: seconds)
    }
}
