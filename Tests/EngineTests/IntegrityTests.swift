import Engine
import Foundation
import Notebook
import Testing

/// Records what a run reports, across threads.
final class RecordingProgress: ProgressReporter, @unchecked Sendable {
    private let lock = NSLock()
    private var lines: [String] = []
    var logs: [String] { lock.withLock { lines } }
    func runStarted(notebook: String, cells: Int, toRun: Int, cached: Int) {}
    func cellStarted(index: Int, ordinal: Int, toRun: Int, action: String) {}
    func cellProgress(index: Int, _ update: ProgressUpdate) {}
    func cellLog(index: Int, _ line: String) { lock.withLock { lines.append("cell \(index + 1): \(line)") } }
    func cellFinished(index: Int, action: String, status: CellStatus, seconds: Double) {}
    func runFinished(notebook: String, ran: Int, cached: Int, failed: Int, skipped: Int, seconds: Double, output: String?) {}
}

/// Runs SQL on a cache file with the sqlite3 shell, as someone tampering with it would.
func sqlite(_ path: String, _ sql: String) throws {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["sqlite3", path, sql]
    try process.run()
    process.waitUntilExit()
    try #require(process.terminationStatus == 0, "sqlite3 failed: \(sql)")
}

@Suite struct CacheLockTests {
    /// A registry whose `slow` action signals when it starts and then takes a while.
    static func slowRegistry(started: DispatchSemaphore, release: DispatchSemaphore) -> ActionRegistry {
        ActionRegistry([
            Action(name: "slow", version: 1, summary: "Waits until released.", produces: "number", parameters: NoParameters.self,
                   run: { _, context in
                       started.signal()
                       _ = release.wait(timeout: .now() + 10)
                       context.setResult(NumberValue(7))
                   }),
        ])
    }

    @Test func clearAndPruneRefuseWhileARunIsGoingAndTheRunKeepsItsResults() throws {
        let directory = TemporaryDirectory()
        let path = directory.file("loom.sqlite")
        let started = DispatchSemaphore(value: 0), release = DispatchSemaphore(value: 0), finished = DispatchSemaphore(value: 0)
        let registry = Self.slowRegistry(started: started, release: release)
        let checked = Checker.check(NotebookDocument.parse(path: directory.file("nb.md"), text: "```loom slow\n```\n"),
                                    registry: registry)
        nonisolated(unsafe) var report: RunReport?
        let thread = Thread {
            let runner = NotebookRunner(registry: registry, cache: try? Cache(path: path))
            report = try? runner.run(checked, options: RunOptions(outputPath: nil))
            finished.signal()
        }
        thread.start()
        #expect(started.wait(timeout: .now() + 10) == .success)

        // `loom cache clear` and `loom cache prune` from another loom, while the run is in its cell.
        #expect(throws: CacheLockError.inUse(path: path, waited: 0.2)) { try Cache.delete(at: path, wait: 0.2) }
        let other = try Cache(path: path)
        #expect(throws: CacheLockError.inUse(path: path, waited: 0.2)) { try other.prune(wait: 0.2) }
        #expect(FileManager.default.fileExists(atPath: path))

        release.signal()
        #expect(finished.wait(timeout: .now() + 10) == .success)
        #expect(report?.cells.map(\.status) == [.ran])
        // The run's result survived, and is there for the next run.
        #expect(try other.statistics().results == 1)
        // Once no loom has the cache open, clear goes ahead.
        _ = consume other
        #expect(try Cache.delete(at: path, wait: 0.2))
        #expect(!FileManager.default.fileExists(atPath: path))
    }

    @Test func theLockMessageSaysWhatToDo() {
        #expect(CacheLockError.inUse(path: "cache/loom.sqlite", waited: 2).description
                == "the cache 'cache/loom.sqlite' is in use by another loom (a run, plan or watch), so it was left "
                + "as it is after waiting 2 s; try again when that loom has finished")
    }

    @Test func pruneGoesAheadWhenItIsTheOnlyLoom() throws {
        let directory = TemporaryDirectory()
        let cache = try Cache(path: directory.file("loom.sqlite"))
        try cache.store(key: "k", action: "a", outputs: [], result: nil, seconds: 0, seeds: [])
        #expect(try cache.prune(wait: 0.2) == 1)
        // And the cache is still usable (the lock went back to shared).
        try cache.store(key: "j", action: "a", outputs: [], result: nil, seconds: 0, seeds: [])
        #expect(try cache.contains(key: "j"))
    }
}

@Suite struct CacheIntegrityTests {
    @Test func aTamperedResultIsReportedDroppedAndNeverReturned() throws {
        let directory = TemporaryDirectory()
        let path = directory.file("loom.sqlite")
        let cache = try Cache(path: path)
        try cache.store(key: "k", action: "number", outputs: [.markdown("hi")],
                        result: (kind: "number", data: NumberValue(4).encoded()), seconds: 0, seeds: [])
        try sqlite(path, "UPDATE results SET data = substr(data, 1, length(data) - 1) || X'7F'")
        #expect(throws: DamagedCacheEntry(what: "result", key: "k", path: path)) { try cache.resultData(key: "k") }
        #expect(try !cache.contains(key: "k"))
        #expect(try cache.resultData(key: "k") == nil)
    }

    @Test func aTamperedOutputOrCheckpointIsNotUsed() throws {
        let directory = TemporaryDirectory()
        let path = directory.file("loom.sqlite")
        let cache = try Cache(path: path)
        try cache.store(key: "k", action: "number", outputs: [.markdown("hi")], result: nil, seconds: 0, seeds: [])
        try cache.saveCheckpoint(key: "t", step: 3, data: Data("12".utf8))
        try sqlite(path, "UPDATE cells SET outputs = replace(outputs, 'hi', 'ho'); UPDATE checkpoints SET data = X'3939'")
        #expect(throws: DamagedCacheEntry(what: "output", key: "k", path: path)) { try cache.cell(key: "k") }
        #expect(throws: DamagedCacheEntry(what: "checkpoint", key: "t", path: path)) { try cache.checkpoint(key: "t") }
        #expect(try cache.checkpoint(key: "t") == nil)
    }

    @Test func theDamageMessageIsOneSentence() {
        #expect(DamagedCacheEntry(what: "result", key: "0123456789abcdef", path: "cache/loom.sqlite").description
                == "the cached result 0123456789ab in 'cache/loom.sqlite' is damaged (its checksum does not match); "
                + "it was dropped and will be recomputed")
    }

    @Test func aRunRecomputesADamagedCachedResultInsteadOfUsingIt() throws {
        let harness = Harness()
        _ = try harness.run(chain)
        harness.log.reset()
        // Flip the last byte of cell 1's result (the number 2), then re-run its dependent.
        try sqlite(harness.cachePath, "UPDATE results SET data = substr(data, 1, length(data) - 1) || X'40' "
                   + "WHERE key = (SELECT key FROM cells WHERE action = 'number' ORDER BY created_at LIMIT 1)")
        let progress = RecordingProgress()
        let checked = Checker.check(NotebookDocument.parse(path: "nb.md", text: chain), registry: testRegistry(log: harness.log))
        let runner = NotebookRunner(registry: testRegistry(log: harness.log), cache: try Cache(path: harness.cachePath),
                                    progress: progress)
        let report = try runner.run(checked, options: RunOptions(plan: PlanOptions(force: ["b"]), outputPath: nil))
        #expect(report.cells.map(\.status) == [.ran, .ran, .cached, .cached])
        #expect(harness.log.all == ["number 2.0", "add 3.0"])
        #expect(report.cells[1].outputs == [.table(Table(columns: ["sum"], rows: [["5.0"]]))])
        #expect(progress.logs.count == 1)
        #expect(progress.logs.first?.hasPrefix("cell 1: the cached result ") == true)
        #expect(progress.logs.first?.hasSuffix("is damaged (its checksum does not match); it was dropped and will be recomputed") == true)
    }

    @Test func aCacheOfTheFirstSchemaIsEmptiedNotMisread() throws {
        let directory = TemporaryDirectory()
        let path = directory.file("loom.sqlite")
        try sqlite(path, """
            PRAGMA application_id = \(Cache.applicationID);
            CREATE TABLE cells (key TEXT PRIMARY KEY, action TEXT NOT NULL, outputs BLOB NOT NULL, result_kind TEXT,
              seconds REAL NOT NULL, seeds TEXT NOT NULL, created_at REAL NOT NULL, used_at REAL NOT NULL, parent TEXT);
            CREATE TABLE results (key TEXT PRIMARY KEY, kind TEXT NOT NULL, data BLOB NOT NULL);
            INSERT INTO cells VALUES ('k', 'a', X'5B5D', NULL, 0, '', 0, 0, NULL);
            PRAGMA user_version = 1;
            """)
        let cache = try Cache(path: path)
        #expect(try !cache.contains(key: "k"))
        try cache.store(key: "k", action: "a", outputs: [], result: nil, seconds: 0, seeds: [])
        #expect(try cache.cell(key: "k") != nil)
    }
}

@Suite struct BlobReaderLimitTests {
    /// Counts and shapes that claim more than the blob holds are errors, not traps or huge allocations.
    @Test func claimsLargerThanTheBlobThrow() throws {
        var writer = BlobWriter()
        writer.write(Int64.max / 2)
        var reader = BlobReader(writer.data)
        #expect(throws: BlobError.badValue("a list of 4611686018427387903 strings in 0 bytes")) { try reader.readStrings() }

        var tensor = BlobWriter()
        tensor.write("f32")
        tensor.write(3)
        for dimension in [1 << 30, 1 << 30, 1 << 30] { tensor.write(dimension) }
        var shapeReader = BlobReader(tensor.data)
        #expect(throws: BlobError.badValue("tensor shape [1073741824, 1073741824, 1073741824] is too large")) {
            try shapeReader.readFloat32Array()
        }
    }
}
