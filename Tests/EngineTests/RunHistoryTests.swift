import Engine
import Foundation
import GRDB
import Notebook
import Testing

/// `params` and an action that publishes facts about its parameter.
func factRegistry() -> ActionRegistry {
    ActionRegistry([
        .params,
        Action(name: "measure", version: 1, summary: "Publishes facts about a number.", produces: "number",
               parameters: NumberParameters.self,
               run: { parameters, context in
                   let value = parameters.value
                   context.publish(fact: "value", value: value)
                   context.publish(fact: "share", value: value / 10, kind: .fraction)
                   context.publish(fact: "value", value: value * 2, kind: .count)
                   context.setResult(NumberValue(value))
               }),
        Action(name: "note", version: 1, summary: "Makes no result.", parameters: NoParameters.self,
               run: { _, context in context.emit(markdown: "a note") }),
    ])
}

let measured = """
    ```loom params
    value: 1
    ```

    ```loom measure as m
    value: $value
    ```

    ```loom note
    ```
    """

@Suite struct RunHistoryTests {
    let directory = TemporaryDirectory()
    var cachePath: String { directory.file("cache/loom.sqlite") }

    @discardableResult
    func run(_ overrides: [String: String] = [:], notebook: String = "nb.md") throws -> RunReport {
        let checked = Checker.check(NotebookDocument.parse(path: directory.file(notebook), text: measured),
                                    registry: factRegistry(), overrides: overrides)
        #expect(checked.errors.isEmpty, "\(checked.errors)")
        return try NotebookRunner(registry: factRegistry(), cache: try Cache(path: cachePath))
            .run(checked, options: RunOptions(outputPath: nil))
    }

    @Test func everyRunIsRecordedWithParametersCellsAndFacts() throws {
        let first = try run(["value": "3"])
        try run(["value": "5"])
        let third = try run(["value": "5"])
        let cache = try Cache(path: cachePath)
        let runs = try cache.runs(notebook: Planner.notebookID(directory.file("nb.md")))
        #expect(runs.map(\.id) == [3, 2, 1])
        #expect(first.runID == 1 && third.runID == 3)
        #expect(runs[0].parameters == [RunParameter(name: "value", value: "5", overridden: true)])
        #expect(runs[2].parameters == [RunParameter(name: "value", value: "3", overridden: true)])
        #expect(runs[1].cells.map(\.status) == ["ran", "ran", "cached"])
        #expect(runs[0].cells.map(\.status) == ["cached", "cached", "cached"])
        #expect(runs[0].cells.map(\.label) == ["params (cell 1)", "m", "note (cell 3)"])
        #expect(runs.allSatisfy { $0.succeeded && $0.gitCommit == nil && $0.loomVersion == LoomVersion.current })
        // Publishing a name again replaces it; a cached cell's facts come from the cache.
        let facts = [Fact(name: "value", value: 10, kind: .count), Fact(name: "share", value: 0.5, kind: .fraction)]
        #expect(runs[1].cells[1].facts == facts)
        #expect(runs[0].cells[1].facts == facts)
        #expect(third.cells[1].facts == facts)
        #expect(try cache.facts(key: try #require(runs[0].cells[1].key)) == facts)
        #expect(runs[0].cells[1].key == runs[1].cells[1].key && runs[1].cells[1].key != runs[2].cells[1].key)
        #expect(try cache.run(id: 2) == runs[1])
        #expect(try cache.run(id: 9) == nil)
        #expect(try cache.runs(limit: 1).map(\.id) == [3])
    }

    @Test func aComparisonShowsChangedParametersRerunCellsAndFactDeltas() throws {
        try run(["value": "3"])
        try run(["value": "5"])
        let cache = try Cache(path: cachePath)
        let comparison = RunComparison(old: try #require(try cache.run(id: 1)), new: try #require(try cache.run(id: 2)))
        #expect(comparison.parameters == [.init(name: "value", old: "3", new: "5")])
        #expect(comparison.reruns.map(\.label) == ["params (cell 1)", "m"])
        #expect(comparison.reruns.allSatisfy { $0.keyChanged })
        #expect(comparison.facts.map(\.fact) == ["value", "share"])
        #expect(comparison.facts[0].delta == 4)
        #expect(abs((comparison.facts[1].delta ?? 0) - 0.2) < 1e-12)
        #expect(comparison.facts[0].old == 6 && comparison.facts[0].new == 10)
        #expect(Fact.formatDelta(4, kind: .count) == "+4")
        #expect(Fact.formatDelta(0.2, kind: .fraction) == "+20.00 pt")
        #expect(Fact.formatDelta(-0.25, kind: .seconds) == "-0.25 s")
        #expect(Fact.formatDelta(0, kind: .number) == "±0")
        #expect(Fact.format(12345, kind: .count) == "12,345")
        #expect(Fact.format(0.9234, kind: .fraction) == "92.34%")
        let same = RunComparison(old: try #require(try cache.run(id: 2)), new: try #require(try cache.run(id: 2)))
        #expect(same.parameters.isEmpty && same.facts.allSatisfy { $0.delta == 0 })
    }

    @Test func pruningKeepsTheNewestRunsOfEachNotebook() throws {
        for value in ["1", "2", "3"] { try run(["value": value]) }
        try run(notebook: "other.md")
        let cache = try Cache(path: cachePath)
        #expect(try cache.pruneRuns(keepingNewest: 1) == 2)
        #expect(try cache.runs().map(\.id) == [4, 3])
        #expect(try cache.run(id: 1) == nil)
        #expect(try cache.pruneRuns(keepingNewest: 0) == 2)
        #expect(try cache.runs().isEmpty)
    }

    /// A cache written by schema 1 gains the run-history tables; its cells, which carry no
    /// checksums, are dropped (and recomputed) rather than trusted.
    @Test func aSchemaOneCacheIsMigrated() throws {
        try FileManager.default.createDirectory(atPath: directory.file("cache"), withIntermediateDirectories: true)
        let queue = try DatabaseQueue(path: cachePath)
        try queue.write { db in
            try db.execute(sql: """
                PRAGMA application_id = \(Cache.applicationID);
                CREATE TABLE cells (key TEXT PRIMARY KEY, action TEXT NOT NULL, outputs BLOB NOT NULL, result_kind TEXT,
                    seconds REAL NOT NULL, seeds TEXT NOT NULL, created_at REAL NOT NULL, used_at REAL NOT NULL, parent TEXT);
                CREATE TABLE results (key TEXT PRIMARY KEY REFERENCES cells(key) ON DELETE CASCADE, kind TEXT NOT NULL, data BLOB NOT NULL);
                CREATE TABLE checkpoints (key TEXT PRIMARY KEY, step INTEGER NOT NULL, data BLOB NOT NULL, updated_at REAL NOT NULL);
                CREATE TABLE files (path TEXT PRIMARY KEY, size INTEGER NOT NULL, mtime REAL NOT NULL, sha256 TEXT NOT NULL);
                CREATE TABLE notebook_cells (notebook TEXT NOT NULL, cell INTEGER NOT NULL, fingerprint TEXT NOT NULL,
                    PRIMARY KEY (notebook, cell));
                INSERT INTO cells VALUES ('old', 'note', '[]', NULL, 0.5, '', 0, 0, NULL);
                PRAGMA user_version = 1;
                """)
        }
        try queue.close()
        let cache = try Cache(path: cachePath)
        #expect(try cache.cell(key: "old") == nil)
        #expect(try cache.runs().isEmpty)
        try run()
        #expect(try cache.runs().count == 1)
        let version = try DatabaseQueue(path: cachePath).read { db in try Int.fetchOne(db, sql: "PRAGMA user_version") }
        #expect(version == Cache.schemaVersion)
    }
}
