import Actions
import Engine
import Foundation
import Notebook

/// The results of a notebook's latest run, read from the cache as `loom run` would plan them:
/// a named cell's result is there only when the cell is cached for the notebook as it is now.
public struct NotebookResults {
    public let notebook: CheckedNotebook
    public let cache: Cache
    private let planned: [PlannedCell]

    /// Plans the checked notebook against the cache (nothing runs).
    ///
    /// - Precondition: the notebook passed its checks.
    public init(notebook: CheckedNotebook, cache: Cache) {
        self.notebook = notebook
        self.cache = cache
        planned = Planner(cache: cache).plan(notebook)
    }

    /// The `-p` values of the notebook's latest recorded run (empty if it used none or never ran).
    public static func latestOverrides(notebook path: String, cache: Cache) throws -> [String: String] {
        guard let run = try cache.runs(notebook: Planner.notebookID(path), limit: 1).first else { return [:] }
        return Dictionary(run.parameters.filter(\.overridden).map { ($0.name, $0.value) }, uniquingKeysWith: { a, _ in a })
    }

    private var path: String { notebook.document.path }

    /// The names of the cells whose action makes one of `kinds`.
    public func names(making kinds: Set<ResultKind>) -> [String] {
        notebook.cells.compactMap { cell in
            guard let kind = cell.action?.produces, kinds.contains(kind) else { return nil }
            return cell.cell.resultName
        }
    }

    /// The cell named `name` and its cache key, checked to make one of `kinds` and to be cached.
    ///
    /// - Parameter wanted: what the kinds are called in messages (`a model`).
    /// - Throws: ``ExportError`` when there is no such cell, it makes something else, the notebook
    ///   never ran, or the cell is stale.
    public func cachedCell(named name: String, making kinds: Set<ResultKind>, wanted: String) throws -> (cell: CheckedCell, key: String) {
        let named = notebook.cells.compactMap(\.cell.resultName)
        guard let checked = notebook.cells.first(where: { $0.cell.resultName == name }) else {
            throw ExportError.unknownName(notebook: path, name: name, hint: Suggestions.hint(for: name, in: named),
                                          available: named)
        }
        guard let kind = checked.action?.produces, kinds.contains(kind) else {
            throw ExportError.wrongKind(notebook: path, name: name, action: checked.cell.action, wanted: wanted,
                                        available: names(making: kinds))
        }
        let plan = planned[checked.cell.index]
        switch plan.decision {
        case .cached:
            guard let key = plan.key else { break }
            return (checked, key)
        case .run(let reason):
            let id = Planner.notebookID(path)
            if try cache.runs(notebook: id, limit: 1).isEmpty, try cache.fingerprints(notebook: id).isEmpty {
                throw ExportError.neverRun(notebook: path, cache: cache.path)
            }
            throw ExportError.stale(notebook: path, cell: checked.cell.index, name: name, action: checked.cell.action,
                                    reason: reason.description)
        case .blocked(let reason):
            throw ExportError.stale(notebook: path, cell: checked.cell.index, name: name, action: checked.cell.action,
                                    reason: reason)
        }
        throw ExportError.neverRun(notebook: path, cache: cache.path)
    }

    /// The model that cell `name` (`train.cnn`, `train.mlp` or `sweep`) trained.
    public func model(named name: String) throws -> ModelValue {
        let (_, key) = try cachedCell(named: name, making: [.model], wanted: "model")
        return try decode(ModelValue.self, key: key, name: name)
    }

    /// The images of cell `name`: a dataset (`load`) or a split (with its dataset).
    public func images(named name: String) throws -> (dataset: DatasetValue, split: SplitValue?) {
        let (checked, key) = try cachedCell(named: name, making: [.dataset, .split], wanted: "dataset or split")
        if checked.action?.produces == .split {
            let split = try decode(SplitValue.self, key: key, name: name)
            return (try decode(DatasetValue.self, key: split.datasetKey, name: name), split)
        }
        return (try decode(DatasetValue.self, key: key, name: name), nil)
    }

    private func decode<T: ResultValue>(_ type: T.Type, key: String, name: String) throws -> T {
        do {
            guard let data = try cache.resultData(key: key) else {
                throw ExportError.unreadable(notebook: path, name: name, reason: "the result is missing from the cache")
            }
            return try T.decoded(from: data)
        } catch let error as ExportError {
            throw error
        } catch {
            throw ExportError.unreadable(notebook: path, name: name, reason: "\(error)")
        }
    }
}
