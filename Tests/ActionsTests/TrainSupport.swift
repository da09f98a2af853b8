import Actions
import Engine
import Foundation
import Notebook
import Testing
import _LoomTestSupport

/// Runs small training notebooks in-process on a synthetic image folder, with a cache in a
/// temporary folder, and records the progress log lines.
final class TrainingBench: @unchecked Sendable {
    let folder: SyntheticFashionFolder
    let directory: String
    let cache: Cache
    let log = LogRecorder()

    init(side: Int = 12, trainPerClass: Int = 16, testPerClass: Int = 4) throws {
        folder = try SyntheticFashionFolder(classCount: 10, side: side, trainPerClass: trainPerClass, testPerClass: testPerClass)
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("loom-train-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        cache = try Cache(path: directory + "/loom.sqlite")
    }

    deinit {
        folder.remove()
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// A notebook: load the synthetic folder, split it, then `cell` (a whole fenced cell).
    func notebook(_ cell: String) -> String {
        """
        # Test

        ```loom load
        dataset: \(folder.directory)
        ```

        ```loom split
        seed: 1
        ```

        \(cell)
        """
    }

    /// The line on which `cell` starts in ``notebook(_:)``: the lines before it are fixed.
    static let cellLine = 11

    func check(_ text: String) -> CheckedNotebook {
        Checker.check(NotebookDocument.parse(path: "nb.md", text: text), registry: BuiltInActions.registry)
    }

    /// Every error of `loom check`, as `line:column: message`.
    func errors(_ text: String) -> [String] {
        check(text).errors.map { "\($0.position.line):\($0.position.column): \($0.message)" }
    }

    func run(_ text: String, cache: Cache? = nil) throws -> RunReport {
        let checked = check(text)
        precondition(checked.errors.isEmpty, "\(checked.errors)")
        return try NotebookRunner(registry: BuiltInActions.registry, cache: cache ?? self.cache, progress: log)
            .run(checked, options: RunOptions(outputPath: nil))
    }

    /// The cache key of cell `index` of `text`.
    func key(_ text: String, cell index: Int, cache: Cache? = nil) -> String? {
        Planner(cache: cache ?? self.cache).plan(check(text))[index].key
    }

    /// The model result of cell `index`, read back from the cache.
    func model(_ text: String, cell index: Int) throws -> ModelValue? {
        guard let key = key(text, cell: index), let data = try cache.resultData(key: key) else { return nil }
        return try ModelValue.decoded(from: data)
    }

    /// Runs a ``notebook(_:)``, expects its training cell (the third) to run, and returns the
    /// cell's report with the model it trained.
    func trained(_ text: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> (cell: CellReport, model: ModelValue) {
        let cell = try run(text).cells[2]
        #expect(cell.status == .ran, "\(cell.failure ?? "")", sourceLocation: sourceLocation)
        return (cell, try #require(try model(text, cell: 2), sourceLocation: sourceLocation))
    }
}

/// Keeps every `progress.log` line and the last progress update, and can run a hook on each line.
final class LogRecorder: ProgressReporter, @unchecked Sendable {
    private let lock = NSLock()
    private var storedLines: [String] = []
    private var storedUpdates = 0
    /// Called with each logged line, while the cell is running.
    var onLine: (@Sendable (String) -> Void)?

    var lines: [String] { lock.withLock { storedLines } }
    var updates: Int { lock.withLock { storedUpdates } }
    func reset() { lock.withLock { storedLines = []; storedUpdates = 0 } }

    func runStarted(notebook: String, cells: Int, toRun: Int, cached: Int) {}
    func cellStarted(index: Int, ordinal: Int, toRun: Int, action: String) {}
    func cellProgress(index: Int, _ update: ProgressUpdate) { lock.withLock { storedUpdates += 1 } }
    func cellLog(index: Int, _ line: String) {
        lock.withLock { storedLines.append(line) }
        onLine?(line)
    }
    func cellFinished(index: Int, action: String, status: CellStatus, seconds: Double) {}
    func runFinished(notebook: String, ran: Int, cached: Int, failed: Int, skipped: Int, seconds: Double, output: String?) {}
}
