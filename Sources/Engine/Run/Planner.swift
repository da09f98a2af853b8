import FileAccess
import Foundation
import Notebook

/// What a run will do with one cell, and why.
public struct PlannedCell: Sendable {
    public enum Decision: Sendable, Equatable {
        /// The output and result come from the cache.
        case cached
        /// The cell runs; the reason says why it is stale (`parameters changed`, `input 'data' changed`).
        case run(reason: String)
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

/// Options that change what is planned.
public struct PlanOptions: Sendable {
    /// Cells to re-run whatever the cache says: 1-based cell numbers, result names or action names.
    public var force: [String]
    /// Ignore the cache entirely (results are still written to it).
    public var ignoreCache: Bool

    public init(force: [String] = [], ignoreCache: Bool = false) {
        self.force = force
        self.ignoreCache = ignoreCache
    }
}

/// Computes cache keys and decides, cell by cell, what runs and what comes from the cache.
public struct Planner: Sendable {
    /// Bumped when key computation changes; part of every key.
    public static let keyFormat = 1

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
            notebookDirectory: URL(fileURLWithPath: notebook.document.path).deletingLastPathComponent().path)

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
            if let declared = action.identity {
                do {
                    identity = try declared(parameters, files)
                } catch {
                    entry.decision = .blocked(reason: NotebookRunner.message(
                        for: error, cell: cell, parameters: parameters, path: notebook.document.path))
                    planned.append(entry)
                    continue
                }
            }
            let inputNames = Set(action.inputs.map(\.name))
            let ownParameters = Value.map(parameters.values.filter { !inputNames.contains($0.key) }
                .map { ($0.key, $0.value) }).canonical
            var inputKeys: [String: [String]] = [:]
            for (name, indices) in checked.inputs { inputKeys[name] = indices.compactMap { planned[$0].key } }
            let fingerprint = CellFingerprint(
                action: action.name, version: action.version, resultName: cell.resultName, parameters: ownParameters,
                inputs: inputKeys, identity: identity,
                key: Self.key(action: action.name, version: action.version, parameters: ownParameters,
                              inputs: inputKeys, identity: identity))
            entry.key = fingerprint.key
            entry.fingerprint = fingerprint

            let forced = options.force.contains { selector in
                selector == String(cell.index + 1) || selector == cell.resultName || selector == cell.action
            }
            let cached = !options.ignoreCache && ((try? cache?.contains(key: fingerprint.key)) ?? false) == true
            if forced {
                entry.decision = .run(reason: "forced with --force")
            } else if options.ignoreCache {
                entry.decision = .run(reason: "--no-cache")
            } else if cached {
                entry.decision = .cached
            } else {
                entry.decision = .run(reason: Self.staleReason(fingerprint, previous: previous[cell.index]))
            }
            planned.append(entry)
        }
        return planned
    }

    /// The hex SHA-256 of the cell's canonical description.
    static func key(action: String, version: Int, parameters: String, inputs: [String: [String]],
                    identity: String?) -> String {
        let inputText = inputs.keys.sorted().map { name in
            "\"\(name)\":[" + (inputs[name] ?? []).map { "\"\($0)\"" }.joined(separator: ",") + "]"
        }.joined(separator: ",")
        let text = "{\"format\":\(keyFormat),\"loom\":\"\(NotebookRunner.loomVersion)\",\"action\":\"\(action)\",\"version\":\(version),"
            + "\"parameters\":\(parameters),\"inputs\":{\(inputText)},\"identity\":\"\(identity ?? "")\"}"
        return SHA256.hex(text)
    }

    /// Why a cell whose key is not in the cache must run, compared with its last run.
    static func staleReason(_ fingerprint: CellFingerprint, previous: CellFingerprint?) -> String {
        guard let previous, previous.action == fingerprint.action else { return "not run before" }
        if previous.key == fingerprint.key { return "not in the cache" }
        if previous.version != fingerprint.version {
            return "'\(fingerprint.action)' changed (version \(previous.version) → \(fingerprint.version))"
        }
        var reasons: [String] = []
        if previous.parameters != fingerprint.parameters { reasons.append("parameters changed") }
        if previous.identity != fingerprint.identity { reasons.append("data files changed") }
        let changedInputs = fingerprint.inputs.keys.sorted().filter { previous.inputs[$0] != fingerprint.inputs[$0] }
        if !changedInputs.isEmpty {
            reasons.append(changedInputs.map { "input '\($0)'" }.joined(separator: ", ")
                           + " changed")
        }
        return reasons.isEmpty ? "not in the cache" : reasons.joined(separator: "; ")
    }

    /// How a notebook is known in the cache: its absolute, standardised path.
    static func notebookID(_ path: String) -> String {
        URL(fileURLWithPath: path).standardizedFileURL.path
    }
}

/// File identities (size, mtime, SHA-256), with the hash remembered in the cache per (path, size, mtime).
struct CachedFileIdentity: FileIdentityProvider {
    let cache: Cache?
    let notebookDirectory: String

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
            chunk.withUnsafeBytes { hasher.update($0) }
        }
        let digest = hasher.finalizeHex()
        try cache?.saveFileHash(path: path, size: size, mtime: mtime, sha256: digest)
        return "\(size):\(digest)"
    }
}
