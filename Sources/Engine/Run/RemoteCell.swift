import Crypto
import Foundation
import Notebook

/// Computes one cell, or one sub-result of it, from a ``CellJob`` in a process that has no
/// cache: a Slurm task on another machine. Its inputs come from a bundle of result bytes by key;
/// what it makes is returned for the submitting process to store.
public enum RemoteCell {
    /// Binds the job's cell from its notebook text exactly as the submitting process did, runs it
    /// on the bundle's results, and returns what it made.
    ///
    /// - Parameters:
    ///   - subresult: the key of the one sub-result to compute (a sweep's variant), or `nil` for the whole cell.
    ///   - checkpoints: where a training cell's per-epoch checkpoints go (and resume from).
    /// - Throws: ``RemoteCellError`` when the cell cannot be bound as it was, or its action fails
    ///   (the message is located in the notebook, as a local failure's is).
    public static func compute(_ job: CellJob, subresult: String?, bundle: [String: Data], registry: ActionRegistry,
                               checkpoints: CheckpointFolder?, progress: any ProgressReporter,
                               cancellation: RunCancellation? = nil) throws -> ComputedCell {
        let document = NotebookDocument.parse(path: job.notebookPath, text: job.notebookText)
        let notebook = Checker.check(document, registry: registry, overrides: job.overrides)
        guard let checked = notebook.cells.first(where: { $0.cell.index == job.cellIndex }),
              checked.cell.action == job.action else {
            throw RemoteCellError(message: "\(job.notebookPath): the job's notebook has no cell \(job.cellIndex + 1) "
                                  + "running '\(job.action)'")
        }
        guard let action = checked.action, let parameters = checked.parameters else {
            let problems = checked.diagnostics.map(\.description).joined(separator: "\n")
            throw RemoteCellError(message: problems.isEmpty ? "\(job.notebookPath): cell \(job.cellIndex + 1) cannot be read here" : problems)
        }
        guard action.version == job.actionVersion else {
            throw RemoteCellError(message: "\(job.notebookPath): cell \(job.cellIndex + 1) was submitted for '\(job.action)' "
                                  + "version \(job.actionVersion), but this loom has version \(action.version); run the same "
                                  + "loom binary on the submitting machine and the nodes")
        }
        let store = ResultStore(cache: nil)
        for (key, data) in bundle { store.preload(key: key, data: data) }
        let context = ActionContext(
            cell: checked.cell, actionVersion: action.version, notebookPath: job.notebookPath, positions: parameters.positions,
            key: job.key, inputKeys: job.inputKeys, inputLabels: job.inputLabels, store: store,
            progress: CellProgress(index: job.cellIndex, reporter: progress, cancellation: cancellation),
            figureScale: job.figureScale ?? 1, subresultVersion: action.subresultVersion)
        context.recomputesSubresults = job.recomputesSubresults
        context.subresultTarget = subresult
        context.checkpoints = checkpoints
        let started = Date()
        do {
            try parameters.run(context)
        } catch let computed as SubresultComputed {
            return ComputedCell(outputs: [], result: (kind: computed.kind, data: computed.data), seeds: [], facts: [],
                                textFacts: [:], seconds: computed.seconds)
        } catch {
            throw RemoteCellError(message: NotebookRunner.message(for: error, cell: checked.cell, parameters: parameters,
                                                                  path: job.notebookPath))
        }
        if let subresult {
            throw RemoteCellError(message: "\(job.notebookPath): cell \(job.cellIndex + 1) (\(job.action)) finished without "
                                  + "computing the sub-result \(subresult.prefix(12)) it was asked for")
        }
        return context.computed(seconds: Date().timeIntervalSince(started))
    }
}

/// A cell that could not be computed from its job; the message says why and where.
public struct RemoteCellError: Error, CustomStringConvertible, Equatable {
    public var message: String
    public var description: String { message }
}

/// Training checkpoints as files in a shared folder (`KEY.checkpoint`), for a task on a machine
/// that has no cache: each is written whole by an atomic rename and carries the SHA-256 of its
/// bytes, so a task killed mid-write leaves the previous checkpoint, and a damaged one is dropped.
public struct CheckpointFolder: Sendable {
    public let directory: String

    public init(directory: String) { self.directory = directory }

    /// The file of the checkpoint of `key`.
    public func path(key: String) -> String { (directory as NSString).appendingPathComponent("\(key).checkpoint") }

    /// The latest checkpoint of `key`, or `nil`.
    ///
    /// - Throws: ``DamagedCacheEntry`` (after removing the file) when it fails its checksum.
    public func latest(key: String) throws -> (step: Int, data: Data)? {
        let file = path(key: key)
        guard let bytes = FileManager.default.contents(atPath: file) else { return nil }
        let header = 8 + 32
        guard bytes.count >= header else {
            try? FileManager.default.removeItem(atPath: file)
            throw DamagedCacheEntry(what: "checkpoint", key: key, path: file)
        }
        let step = bytes.prefix(8).reduce(0) { $0 << 8 | UInt64($1) }
        let data = bytes.dropFirst(header)
        guard Data(SHA256.hash(data: data)) == bytes.dropFirst(8).prefix(32) else {
            try? FileManager.default.removeItem(atPath: file)
            throw DamagedCacheEntry(what: "checkpoint", key: key, path: file)
        }
        return (step: Int(step), data: Data(data))
    }

    /// Saves the checkpoint of `key`, replacing the previous one atomically.
    public func save(key: String, step: Int, data: Data) throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        var bytes = Data((0..<8).reversed().map { UInt8(truncatingIfNeeded: UInt64(step) >> (8 * $0)) })
        bytes.append(Data(SHA256.hash(data: data)))
        bytes.append(data)
        let file = path(key: key)
        let temporary = file + ".\(ProcessInfo.processInfo.processIdentifier).partial"
        try bytes.write(to: URL(fileURLWithPath: temporary))
        guard rename(temporary, file) == 0 else {
            let reason = String(cString: strerror(errno))
            try? FileManager.default.removeItem(atPath: temporary)
            throw RemoteCellError(message: "cannot write the checkpoint '\(file)': \(reason)")
        }
    }

    /// Removes the checkpoint of `key` (once its cell's result is stored).
    public func remove(key: String) {
        try? FileManager.default.removeItem(atPath: path(key: key))
    }
}
