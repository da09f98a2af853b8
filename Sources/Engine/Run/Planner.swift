import Crypto
import FileAccess
import Foundation
import Notebook

/// What a run will do with one cell, and why.
public struct PlannedCell: Sendable {
    public enum Decision: Sendable, Equatable {
        /// The output and result come from the cache.
        case cached
        /// The cell runs, for the reason given.
        case run(RunReason)
        /// The cell cannot run: its identity could not be computed (a data file is missing) or an
        /// input cannot be made.
        case blocked(reason: String)
    }

    public var index: Int
    public var action: String
    public var resultName: String?
    /// The cache key; `nil` when blocked.
    public var key: String?
    public var fingerprint: CellFingerprint?
    public var decision: Decision
}

/// Why a cell runs instead of coming from the cache.
public enum RunReason: Sendable, Equatable, CustomStringConvertible {
    /// `--force` selected it.
    case forced
    /// `--no-cache`.
    case ignoringCache
    /// The notebook never ran this cell.
    case notRunBefore
    /// Its key is not in the cache, though nothing it depends on changed (the cache was pruned).
    case notInCache
    /// The action's version changed.
    case actionChanged(action: String, from: Int, to: Int)
    /// What changed since the cell's last run: parameters, data files, inputs (by name).
    case changed(parameters: Bool, dataFiles: Bool, inputs: [String])
    /// Cells it reads (by result name or action) run in this run, so its cached output would
    /// show results that are no longer the ones the notebook shows.
    case inputsRerun([String])
    /// Results it read were replaced in the cache since it ran (by another notebook, `--no-cache`
    /// or `--force`), by result name or action.
    case inputsReplaced([String])
    /// Its cached figures were drawn at another scale than `--scale` asks for. The cell runs to
    /// draw them again; what it computes through sub-results (every training) comes from the cache.
    case figureScale(stored: Double, wanted: Double)

    /// Whether sub-results (a sweep's variants) are recomputed too.
    public var recomputesSubresults: Bool { self == .forced || self == .ignoringCache }

    /// `parameters changed; input 'data' changed`, as `loom plan` shows it.
    public var description: String {
        switch self {
        case .forced: return "forced with --force"
        case .ignoringCache: return "--no-cache"
        case .notRunBefore: return "not run before"
        case .notInCache: return "not in the cache"
        case .actionChanged(let action, let from, let to): return "'\(action)' changed (version \(from) → \(to))"
        case .changed(let parameters, let dataFiles, let inputs):
            var reasons: [String] = []
            if parameters { reasons.append("parameters changed") }
            if dataFiles { reasons.append("data files changed") }
            if !inputs.isEmpty { reasons.append(inputs.map { "input '\($0)'" }.joined(separator: ", ") + " changed") }
            return reasons.isEmpty ? "not in the cache" : reasons.joined(separator: "; ")
        case .inputsRerun(let names):
            return Self.list(names) + " \(names.count == 1 ? "runs" : "run") again in this run"
        case .inputsReplaced(let names):
            return Self.list(names) + " \(names.count == 1 ? "was" : "were") recomputed since this cell ran"
        case .figureScale(let stored, let wanted):
            return "its figures were drawn at scale \(Self.scaleText(stored)), --scale asks for \(Self.scaleText(wanted))"
        }
    }

    /// A scale as short text: `2` for 2.0, `1.5` for 1.5.
    static func scaleText(_ scale: Double) -> String {
        scale == scale.rounded() && abs(scale) < 1e6 ? String(Int(scale)) : String(scale)
    }

    private static func list(_ names: [String]) -> String {
        (names.count == 1 ? "input " : "inputs ") + names.map { "'\($0)'" }.joined(separator: ", ")
    }
}

/// Options that change what is planned.
public struct PlanOptions: Sendable {
    /// Cells to re-run whatever the cache says: 1-based cell numbers, result names or action names.
    public var force: [String]
    /// Ignore the cache entirely (results are still written to it).
    public var ignoreCache: Bool
    /// Pixels per point of the figures (`--scale`): 1, or 2 for crisp screens. It is not part of
    /// any key: a cached cell whose figures were drawn at another scale runs again to redraw them,
    /// and its trainings come from their cached sub-results.
    public var figureScale: Double

    public init(force: [String] = [], ignoreCache: Bool = false, figureScale: Double = 1) {
        self.force = force
        self.ignoreCache = ignoreCache
        self.figureScale = figureScale
    }
}

/// Computes cache keys and decides, cell by cell, what runs and what comes from the cache.
public struct Planner: Sendable {
    public let cache: Cache?

    public init(cache: Cache?) { self.cache = cache }

    /// Plans a checked notebook that has no errors.
    ///
    /// A cell's key hashes loom's version, the action's name and version, its parameters in canonical form (input
    /// references left out: they are covered by the inputs' own keys), the keys of the results it
    /// reads, and any extra identity the action declares (for `load`, the data files).
    public func plan(_ notebook: CheckedNotebook, options: PlanOptions = PlanOptions()) -> [PlannedCell] {
        let previous = (try? cache?.fingerprints(notebook: Self.notebookID(notebook.document.path))) ?? [:]
        var planned: [PlannedCell] = []
        let files = CachedFileIdentity(
            cache: cache,
            notebookDirectory: URL(fileURLWithPath: notebook.document.path).deletingLastPathComponent().path,
            notebookPath: notebook.document.path)

        for checked in notebook.cells {
            let cell = checked.cell
            var entry = PlannedCell(index: cell.index, action: cell.action, resultName: cell.resultName, key: nil,
                                    fingerprint: nil, decision: .blocked(reason: "the cell has errors"))
            guard let action = checked.action, let parameters = checked.parameters, checked.isValid else {
                planned.append(entry)
                continue
            }
            if let blocker = checked.dependencies.first(where: { planned[$0].key == nil }) {
                entry.decision = .blocked(reason: "its input from cell \(blocker + 1) cannot be made")
                planned.append(entry)
                continue
            }
            var identity: String?
            if let declared = parameters.identity {
                do {
                    identity = try declared(files)
                } catch {
                    entry.decision = .blocked(reason: NotebookRunner.message(
                        for: error, cell: cell, parameters: parameters, path: notebook.document.path))
                    planned.append(entry)
                    continue
                }
            }
            let ownParameters = parameters.canonicalForm
            var inputKeys: [String: [String]] = [:]
            for (name, indices) in checked.inputs { inputKeys[name] = indices.compactMap { planned[$0].key } }
            let fingerprint = CellFingerprint(
                action: action.name, version: action.version, resultName: cell.resultName, parameters: ownParameters,
                inputs: inputKeys, identity: identity,
                key: CacheKey.cell(action: action.name, version: action.version, parameters: ownParameters,
                                   inputs: inputKeys, identity: identity))
            entry.key = fingerprint.key
            entry.fingerprint = fingerprint

            let forced = options.force.contains { ForceSelector.matches($0, cell) }
            let cached = !options.ignoreCache && ((try? cache?.contains(key: fingerprint.key)) ?? false) == true
            let label = { (index: Int) in notebook.cells[index].cell.resultName ?? notebook.cells[index].cell.action }
            if forced {
                entry.decision = .run(.forced)
            } else if options.ignoreCache {
                entry.decision = .run(.ignoringCache)
            } else if cached, case let rerun = checked.dependencies.filter({ planned[$0].decision != .cached }),
                      !rerun.isEmpty {
                // An input is made again in this run: the cached output would show the old one.
                entry.decision = .run(.inputsRerun(rerun.map(label)))
            } else if cached, case let replaced = replacedInputs(of: fingerprint.key, dependencies: checked.dependencies,
                                                                 planned: planned), !replaced.isEmpty {
                entry.decision = .run(.inputsReplaced(replaced.map(label)))
            } else if cached, let stored = storedFigureScale(key: fingerprint.key, wanted: options.figureScale), stored != options.figureScale {
                entry.decision = .run(.figureScale(stored: stored, wanted: options.figureScale))
            } else if cached {
                entry.decision = .cached
            } else {
                entry.decision = .run(Self.staleReason(fingerprint, previous: previous[cell.index]))
            }
            planned.append(entry)
        }
        return planned
    }

    /// The scale a cached cell's figures were drawn at, `nil` when it has none. Its record says;
    /// a record without the field holds no figures or was stored by an older loom, whose keys
    /// were scale 1's, so only a run at another scale reads its outputs to tell.
    func storedFigureScale(key: String, wanted: Double) -> Double? {
        if let scale = (try? cache?.record(key: key))??.figureScale { return scale }
        guard wanted != 1, let outputs = (try? cache?.cell(key: key))??.outputs else { return nil }
        return CellRecord.figureScale(of: outputs)
    }

    /// The dependencies whose stored result is no longer the one the cell with `key` read: its
    /// record names another generation than the input's record has now.
    func replacedInputs(of key: String, dependencies: [Int], planned: [PlannedCell]) -> [Int] {
        guard let cache else { return [] }
        let read = (try? cache.record(key: key))?.inputGenerations ?? [:]
        return dependencies.filter { index in
            guard let inputKey = planned[index].key else { return false }
            let now = (try? cache.generation(key: inputKey)) ?? CellRecord.legacyGeneration
            return (read[inputKey] ?? CellRecord.legacyGeneration) != now
        }
    }

    /// Why a cell whose key is not in the cache must run, compared with its last run.
    static func staleReason(_ fingerprint: CellFingerprint, previous: CellFingerprint?) -> RunReason {
        guard let previous, previous.action == fingerprint.action else { return .notRunBefore }
        if previous.key == fingerprint.key { return .notInCache }
        if previous.version != fingerprint.version {
            return .actionChanged(action: fingerprint.action, from: previous.version, to: fingerprint.version)
        }
        let changedInputs = fingerprint.inputs.keys.sorted().filter { previous.inputs[$0] != fingerprint.inputs[$0] }
        return .changed(parameters: previous.parameters != fingerprint.parameters,
                        dataFiles: previous.identity != fingerprint.identity, inputs: changedInputs)
    }

    /// How a notebook is known in the cache: its absolute, standardised path.
    public static func notebookID(_ path: String) -> String {
        URL(fileURLWithPath: path).standardizedFileURL.path
    }
}

/// File identities (size, mtime, SHA-256), with the hash remembered in the cache per (path, size, mtime).
struct CachedFileIdentity: FileIdentityProvider {
    let cache: Cache?
    let notebookDirectory: String
    /// The notebook being planned, whose recorded runs ``recordedRuns()`` reads.
    var notebookPath: String?

    func recordedRuns() throws -> [RunRecord] {
        guard let cache, let notebookPath else { return [] }
        return try cache.runs(notebook: Planner.notebookID(notebookPath))
    }

    func identity(ofFile path: String) throws -> String {
        // Only regular files: hashing /dev/zero or a FIFO would never end.
        do {
            try RegularFile.check(atPath: path)
        } catch {
            switch error {
            case .missing: throw ActionError("the data file '\(path)' does not exist")
            case .notRegularFile(_, let kind):
                throw ActionError("the data file '\(path)' is \(kind), not a regular file; loom reads only regular files")
            case .tooLarge, .unreadable: throw ActionError("\(error)")
            }
        }
        let attributes: [FileAttributeKey: Any]
        do {
            attributes = try FileManager.default.attributesOfItem(atPath: path)
        } catch {
            throw ActionError("the file '\(path)' does not exist or cannot be read")
        }
        let size = (attributes[.size] as? Int) ?? 0
        let mtime = (attributes[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0
        if let known = try cache?.fileHash(path: path, size: size, mtime: mtime) {
            return "\(size):\(known)"
        }
        let descriptor: Int32
        do {
            descriptor = try RegularFile.open(atPath: path).descriptor
        } catch {
            throw ActionError("\(error)")
        }
        let handle = FileHandle(fileDescriptor: descriptor, closeOnDealloc: true)
        var hasher = SHA256()
        while let chunk = try handle.read(upToCount: 1 << 20), !chunk.isEmpty {
            hasher.update(data: chunk)
        }
        let digest = hasher.finalize().hexString
        try cache?.saveFileHash(path: path, size: size, mtime: mtime, sha256: digest)
        return "\(size):\(digest)"
    }
}

/// A `--force` selector: a cell's 1-based number, its result name or its action.
public enum ForceSelector {
    /// Whether `selector` picks `cell`.
    public static func matches(_ selector: String, _ cell: Cell) -> Bool {
        selector == String(cell.index + 1) || selector == cell.resultName || selector == cell.action
    }

    /// Checks every selector against the notebooks to be run: each must pick a cell of at least one.
    ///
    /// - Throws: ``ForceSelectorError`` for the first selector that picks nothing.
    public static func validate(_ selectors: [String], in notebooks: [NotebookDocument]) throws(ForceSelectorError) {
        for selector in selectors {
            let trimmed = selector.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty { throw .empty }
            if notebooks.contains(where: { $0.cells.contains { matches(selector, $0) } }) { continue }
            let names = Set(notebooks.flatMap { $0.cells.flatMap { [$0.action] + ($0.resultName.map { [$0] } ?? []) } })
            let count = notebooks.map(\.cells.count).max() ?? 0
            throw .noMatch(selector: selector, notebooks: notebooks.map(\.path), cells: count,
                           suggestion: Int(trimmed) == nil ? Suggestions.closest(to: selector, in: names.sorted()) : nil)
        }
    }
}

/// A `--force` selector that picks no cell.
public enum ForceSelectorError: Error, Equatable, LocalizedError, CustomStringConvertible {
    /// `--force ''`.
    case empty
    /// Neither a cell number, a result name nor an action of the notebooks.
    case noMatch(selector: String, notebooks: [String], cells: Int, suggestion: String?)

    public var description: String {
        switch self {
        case .empty:
            return "--force needs a cell: its number, its result name or its action (for example --force 3 or --force cnn)."
        case let .noMatch(selector, notebooks, cells, suggestion):
            let hint = suggestion.map { "; did you mean '\($0)'?" } ?? ""
            let range = cells == 0 ? "it has no cells" : cells == 1 ? "its only cell is 1" : "its cells are 1–\(cells)"
            let what = notebooks.count == 1 ? notebooks[0] : "any of " + notebooks.joined(separator: ", ")
            return "--force '\(selector)' matches no cell of \(what) (\(range), or a result name or action)\(hint)"
        }
    }

    public var errorDescription: String? { description }
}
