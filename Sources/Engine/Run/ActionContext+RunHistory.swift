import Foundation

/// What a running action may read of the notebook's earlier runs (`compare`'s `runs`).
extension ActionContext {
    /// The runs of this cell's notebook recorded in the cache, newest first; the run in progress
    /// is not among them (it is recorded when it ends). Empty without a cache.
    public func recordedRuns() throws -> [RunRecord] {
        guard let cache = store.cache else { return [] }
        return try cache.runs(notebook: Planner.notebookID(notebookPath))
    }

    /// Whether the cache holds a result under `key`: a result an earlier run made may have been
    /// pruned since (`loom cache prune`).
    public func hasStoredResult(key: String) -> Bool {
        guard let cache = store.cache else { return false }
        return ((try? cache.resultData(key: key)) ?? nil) != nil
    }

    /// The cache keys of every result input `name` reads, in order (a multiple input's models).
    public func inputKeys(_ name: String) -> [String] { inputKeys[name] ?? [] }
}
