import Foundation
import Notebook

/// An error an action throws while running, optionally about one of its parameters (so the
/// message points at the parameter's line in the notebook).
public struct ActionError: Error, Sendable, CustomStringConvertible, Equatable {
    public var parameter: String?
    /// An exact position (an item inside a parameter), which wins over `parameter`'s position.
    public var position: SourcePosition?
    public var message: String

    public init(_ message: String, parameter: String? = nil, position: SourcePosition? = nil) {
        self.message = message
        self.parameter = parameter
        self.position = position
    }

    public var description: String { message }
}

/// What a running action sees (besides its typed parameters): its inputs (loaded lazily), progress reporting,
/// checkpoints, and where its outputs and result go.
public final class ActionContext: @unchecked Sendable {
    public let cell: Cell
    public let notebookPath: String
    /// Where each parameter was written, for errors found while running.
    public let positions: [String: SourcePosition]
    /// The cache key of this cell (unique for its action, parameters and inputs).
    public let key: String
    public let progress: CellProgress

    /// Input name → the cache keys of the results it names.
    let inputKeys: [String: [String]]
    /// Input name → the result names (or producing actions) of its results, for labels.
    let inputLabels: [String: [String]]
    let store: ResultStore
    private let lock = NSLock()
    private(set) var outputs: [OutputItem] = []
    private(set) var result: (kind: ResultKind, data: Data)?
    private(set) var seeds: [String] = []
    /// The facts published so far (see ``publish(fact:value:kind:)``), in order.
    private(set) var facts: [Fact] = []
    /// The text facts published so far, by name.
    private(set) var textFacts: [String: String] = [:]
    let actionVersion: Int
    /// The version in the keys of sub-results (``Action/subresultVersion``, or the action's version).
    let subresultVersion: Int
    /// Set for a cell run with `--no-cache` or `--force`: sub-results are recomputed too.
    var recomputesSubresults = false
    /// Pixels per point to render figures at (`loom run --scale 2`); 1 by default.
    public let figureScale: Double
    /// Where expensive work goes instead of this process (see ``CellExecutor``), with this cell's job.
    var executor: (any CellExecutor)?
    var job: CellJob?
    /// In a task that computes one sub-result of this cell elsewhere: its key.
    var subresultTarget: String?
    /// In a task run elsewhere: the shared folder its checkpoints go to, instead of the cache
    /// (under the sub-result's key in a task that computes one).
    var checkpoints: CheckpointFolder?

    /// Whether this is a task that computes one sub-result of the cell elsewhere (a sweep variant
    /// as a Slurm array task): its training then checkpoints every epoch under the sub-result's key.
    public var computesOneSubresult: Bool { subresultTarget != nil }

    init(cell: Cell, actionVersion: Int, notebookPath: String, positions: [String: SourcePosition], key: String,
         inputKeys: [String: [String]], inputLabels: [String: [String]], store: ResultStore, progress: CellProgress,
         figureScale: Double = 1, subresultVersion: Int? = nil) {
        self.figureScale = figureScale
        self.cell = cell
        self.actionVersion = actionVersion
        self.subresultVersion = subresultVersion ?? actionVersion
        self.notebookPath = notebookPath
        self.positions = positions
        self.key = key
        self.inputKeys = inputKeys
        self.inputLabels = inputLabels
        self.store = store
        self.progress = progress
    }

    // MARK: Inputs

    /// The single result named by input `name`, decoded.
    public func input<T: ResultValue>(_ name: String, as type: T.Type = T.self) throws -> T {
        guard let key = inputKeys[name]?.first else {
            preconditionFailure("action '\(cell.action)' has no resolved input '\(name)'")
        }
        return try store.value(key: key, as: T.self)
    }

    /// The optional single input `name`, or `nil` where the notebook has none.
    public func optionalInput<T: ResultValue>(_ name: String, as type: T.Type = T.self) throws -> T? {
        guard let key = inputKeys[name]?.first else { return nil }
        return try store.value(key: key, as: T.self)
    }

    /// Every result named by a multiple input, with its label (the result's name or its action).
    public func inputs<T: ResultValue>(_ name: String, as type: T.Type = T.self) throws -> [(label: String, value: T)] {
        let keys = inputKeys[name] ?? []
        let labels = inputLabels[name] ?? []
        return try zip(keys, labels).map { (label: $1, value: try store.value(key: $0, as: T.self)) }
    }

    /// The cache key of input `name`; a result may store it to refer to its source (a split to its dataset).
    public func inputKey(_ name: String) -> String? { inputKeys[name]?.first }

    /// The label of input `name`: its result name, or the action that made it.
    public func inputLabel(_ name: String) -> String? { inputLabels[name]?.first }

    /// Drops a stored result that its reader found inconsistent (a split whose indices fall outside
    /// its dataset): it is never used again, and the next run recomputes it.
    ///
    /// - Returns: the error to throw, saying so.
    public func discardDamagedResult(key: String, reason: String) -> ActionError {
        try? store.cache?.remove(key: key)
        store.forget(key: key)
        return ActionError("the cached result \(key.prefix(12)) is damaged (\(reason)); it was dropped, "
                           + "so run again and it will be recomputed")
    }

    /// Any cached result by key (a split's dataset, say).
    public func result<T: ResultValue>(key: String, as type: T.Type = T.self) throws -> T {
        try store.value(key: key, as: T.self)
    }

    // MARK: Outputs

    public func emit(_ item: OutputItem) {
        lock.withLock { outputs.append(item) }
    }
    public func emit(_ table: Table) { emit(.table(table)) }
    public func emit(markdown: String) { emit(.markdown(markdown)) }
    /// Adds a PNG figure; `name` must be unique within the cell.
    ///
    /// - Parameter scale: The pixels per point it was rendered at (``figureScale`` for a figure
    ///   that honours `--scale`), so that the notebook shows it at its size in points.
    public func emitFigure(name: String, title: String, png: Data, scale: Double = 1) {
        emit(.figure(FigureOutput(name: name, title: title, png: png, scale: scale)))
    }

    /// Sets the cell's result, which later cells read and the cache stores.
    public func setResult<T: ResultValue>(_ value: T) {
        let data = value.encoded()
        lock.withLock { result = (T.kind, data) }
        store.remember(key: key, value: value)
    }

    /// Sets the cell's result from bytes computed elsewhere; later cells decode them when they read it.
    func setResultData(kind: ResultKind, data: Data) {
        lock.withLock { result = (kind, data) }
        store.preload(key: key, data: data)
    }

    /// Records a seed line as it was recorded elsewhere (`sweep 42`).
    func appendSeed(_ line: String) {
        lock.withLock { seeds.append(line) }
    }

    /// Records a seed for the executed notebook's run summary (`split: 42`).
    public func recordSeed(_ seed: Int, purpose: String? = nil) {
        lock.withLock { seeds.append(purpose.map { "\($0) \(seed)" } ?? "\(cell.action) \(seed)") }
    }

    /// Adds or replaces a fact (see ``publish(fact:value:kind:)``).
    func record(_ fact: Fact) {
        lock.withLock {
            if let index = facts.firstIndex(where: { $0.name == fact.name }) {
                facts[index] = fact
            } else {
                facts.append(fact)
            }
        }
    }

    /// Adds or replaces a text fact (see ``publish(fact:text:)``).
    func recordText(name: String, value: String) {
        lock.withLock { textFacts[name] = value }
    }

    // MARK: Checkpoints

    /// The latest checkpoint saved by an earlier, interrupted run of this same cell.
    ///
    /// A damaged checkpoint is reported in the cell's log, dropped, and training starts afresh.
    public func latestCheckpoint() throws -> (step: Int, data: Data)? {
        do {
            if let checkpoints { return try checkpoints.latest(key: subresultTarget ?? key) }
            return try store.cache?.checkpoint(key: key)
        } catch let damage as DamagedCacheEntry {
            progress.log(damage.description)
            return nil
        }
    }

    /// Saves a checkpoint (for training: after each epoch), so a killed run resumes here.
    public func saveCheckpoint(step: Int, data: Data) throws {
        if let checkpoints { return try checkpoints.save(key: subresultTarget ?? key, step: step, data: data) }
        try store.cache?.saveCheckpoint(key: key, step: step, data: data)
    }

    /// An error located at a parameter's line, or at an exact position inside it.
    public func error(_ message: String, parameter: String? = nil, position: SourcePosition? = nil) -> ActionError {
        ActionError(message, parameter: parameter, position: position)
    }

    // MARK: Sub-results

    /// A value computed once per `identity` and cached on its own, apart from the cell's result.
    ///
    /// `sweep` trains each variant through this, so adding one value to a grid trains only the
    /// new variant. The sub-result's key hashes this cell's action and sub-result version, its inputs, the
    /// label and the identity (not the cell's other parameters); it is kept by `loom cache prune`
    /// as long as a cell that used it is.
    ///
    /// - Parameters:
    ///   - label: what the value is (`variant`), for `loom cache stats`.
    ///   - identity: a canonical description of everything the value depends on besides the inputs.
    ///   - compute: makes the value when it is not cached.
    /// - Returns: the value, and whether it came from the cache.
    public func memoized<T: ResultValue>(_ label: String, identity: String,
                                         compute: () throws -> T) throws -> (value: T, cached: Bool) {
        let subkey = CacheKey.subresult(action: cell.action, version: subresultVersion, label: label, identity: identity,
                                        inputs: inputKeys)
        if !recomputesSubresults, let data = try storedSubresult(subkey),
           let value = try? T.decoded(from: data) {
            try store.cache?.adopt(key: subkey, parent: key)
            return (value, true)
        }
        let started = Date()
        let value = try compute()
        try store.cache?.store(key: subkey, action: "\(cell.action):\(label)", outputs: [],
                               result: (kind: T.kind, data: value.encoded()),
                               seconds: Date().timeIntervalSince(started), seeds: [], parent: key)
        return (value, false)
    }

    /// A stored sub-result's bytes; a damaged one is reported, dropped and recomputed.
    func storedSubresult(_ subkey: String) throws -> Data? {
        do {
            return try store.cache?.resultData(key: subkey)
        } catch let damage as DamagedCacheEntry {
            progress.log(damage.description)
            return nil
        }
    }
}

/// Decoded results, loaded lazily from the cache and kept for the run.
final class ResultStore: @unchecked Sendable {
    let cache: Cache?
    private var memory: [String: any ResultValue] = [:]
    /// Result bytes already read and verified (by the runner, for cached cells that a running cell reads).
    private var verified: [String: Data] = [:]
    private let lock = NSLock()

    init(cache: Cache?) { self.cache = cache }

    func preload(key: String, data: Data) {
        lock.withLock { verified[key] = data }
    }

    func forget(key: String) {
        lock.withLock {
            memory[key] = nil
            verified[key] = nil
        }
    }

    func remember(key: String, value: any ResultValue) {
        lock.withLock { memory[key] = value }
    }

    func value<T: ResultValue>(key: String, as type: T.Type) throws -> T {
        if let value = lock.withLock({ memory[key] }) {
            guard let typed = value as? T else {
                throw BlobError.wrongKind(expected: T.kind.rawValue, found: "\(Swift.type(of: value).kind)")
            }
            return typed
        }
        guard let data = try lock.withLock({ verified.removeValue(forKey: key) }) ?? cache?.resultData(key: key) else {
            throw ActionError("the result \(key.prefix(12)) is missing from the cache; run again with --no-cache")
        }
        let value: T
        do {
            value = try T.decoded(from: data)
        } catch let error as BlobError {
            // Bytes that pass their checksum but do not decode (written by a faulty loom): drop them.
            try? cache?.remove(key: key)
            throw ActionError("the cached result \(key.prefix(12)) cannot be read (\(error)); it was dropped, "
                              + "so run again and it will be recomputed")
        }
        remember(key: key, value: value)
        return value
    }
}
