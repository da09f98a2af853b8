import Foundation
import GRDB

/// One notebook parameter as a run used it.
public struct RunParameter: Sendable, Codable, Hashable {
    public var name: String
    /// The value as text (`5`, `relu`, `[64, 128]`).
    public var value: String
    /// Whether it came from `-p` rather than the `loom params` cell's default.
    public var overridden: Bool

    public init(name: String, value: String, overridden: Bool) {
        self.name = name
        self.value = value
        self.overridden = overridden
    }
}

/// One cell of a recorded run.
public struct RunCell: Sendable, Codable, Hashable {
    /// The 0-based cell index (shown 1-based).
    public var index: Int
    public var action: String
    /// The cell's `as NAME`, if any.
    public var name: String?
    /// `ran`, `cached`, `failed` or `skipped`.
    public var status: String
    /// Why it failed or was skipped.
    public var message: String?
    /// Seconds it ran; for a cached cell, the seconds of the run that made it.
    public var seconds: Double
    /// Its cache key, where it had one.
    public var key: String?
    /// The facts it published (for a cached cell, those stored with it in the cache).
    public var facts: [Fact]

    public init(index: Int, action: String, name: String?, status: String, message: String?, seconds: Double,
                key: String?, facts: [Fact]) {
        self.index = index
        self.action = action
        self.name = name
        self.status = status
        self.message = message
        self.seconds = seconds
        self.key = key
        self.facts = facts
    }

    /// `cnn`, or `train.cnn (cell 4)` for a cell without a name.
    public var label: String { name ?? "\(action) (cell \(index + 1))" }
}

/// One recorded `loom run` of one notebook.
public struct RunRecord: Sendable, Codable, Hashable {
    /// Counts up from 1 within a cache.
    public var id: Int64
    /// The notebook's path as it was given.
    public var path: String
    /// Its absolute, standardised path (what runs of one notebook share).
    public var notebook: String
    public var startedAt: Date
    public var seconds: Double
    /// `HEAD` of the git repository that holds the notebook, if any.
    public var gitCommit: String?
    /// Whether the notebook differed from that commit.
    public var gitDirty: Bool?
    public var loomVersion: String
    public var succeeded: Bool
    public var parameters: [RunParameter]
    public var cells: [RunCell]

    public init(id: Int64 = 0, path: String, notebook: String, startedAt: Date, seconds: Double, gitCommit: String?,
                gitDirty: Bool?, loomVersion: String, succeeded: Bool, parameters: [RunParameter], cells: [RunCell]) {
        self.id = id
        self.path = path
        self.notebook = notebook
        self.startedAt = startedAt
        self.seconds = seconds
        self.gitCommit = gitCommit
        self.gitDirty = gitDirty
        self.loomVersion = loomVersion
        self.succeeded = succeeded
        self.parameters = parameters
        self.cells = cells
    }

    /// How many cells had `status` (`ran`, `cached`, …).
    public func count(_ status: String) -> Int { cells.filter { $0.status == status }.count }
}

/// The run history: every `loom run` of every notebook, with its parameters, cells and facts,
/// and the facts stored with each cached cell. Kept in the cache's own tables (schema 2).
extension Cache {
    /// Creates the run-history tables (schema 2); safe to call on a database that has them.
    static func createRunHistoryTables(_ db: Database) throws {
        try db.execute(sql: """
            CREATE TABLE IF NOT EXISTS cell_facts (
                key TEXT NOT NULL,
                position INTEGER NOT NULL,
                fact TEXT NOT NULL,
                value REAL NOT NULL,
                kind TEXT NOT NULL,
                PRIMARY KEY (key, fact)
            );
            CREATE TABLE IF NOT EXISTS runs (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                path TEXT NOT NULL,
                notebook TEXT NOT NULL,
                started_at REAL NOT NULL,
                seconds REAL NOT NULL,
                git_commit TEXT,
                git_dirty INTEGER,
                loom_version TEXT NOT NULL,
                succeeded INTEGER NOT NULL
            );
            CREATE INDEX IF NOT EXISTS runs_by_notebook ON runs (notebook, id);
            CREATE TABLE IF NOT EXISTS run_parameters (
                run INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
                name TEXT NOT NULL,
                value TEXT NOT NULL,
                overridden INTEGER NOT NULL,
                PRIMARY KEY (run, name)
            );
            CREATE TABLE IF NOT EXISTS run_cells (
                run INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
                cell INTEGER NOT NULL,
                action TEXT NOT NULL,
                name TEXT,
                status TEXT NOT NULL,
                message TEXT,
                seconds REAL NOT NULL,
                key TEXT,
                PRIMARY KEY (run, cell)
            );
            CREATE TABLE IF NOT EXISTS run_facts (
                run INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
                cell INTEGER NOT NULL,
                position INTEGER NOT NULL,
                fact TEXT NOT NULL,
                value REAL NOT NULL,
                kind TEXT NOT NULL,
                PRIMARY KEY (run, cell, fact)
            );
            """)
    }

    /// The tables that ``clear()`` empties besides the cells.
    static let runHistoryTables = ["run_facts", "run_cells", "run_parameters", "runs", "cell_facts"]

    // MARK: Facts of cached cells

    /// Stores the facts a cell published, replacing any earlier ones of that key.
    public func storeFacts(_ facts: [Fact], key: String) throws {
        try pool.write { db in
            try db.execute(sql: "DELETE FROM cell_facts WHERE key = ?", arguments: [key])
            for (position, fact) in facts.enumerated() {
                try db.execute(sql: "INSERT INTO cell_facts (key, position, fact, value, kind) VALUES (?, ?, ?, ?, ?)",
                               arguments: [key, position, fact.name, fact.value, fact.kind.rawValue])
            }
        }
    }

    /// The facts stored with a cached cell, in the order it published them.
    public func facts(key: String) throws -> [Fact] {
        try pool.read { db in
            try Row.fetchAll(db, sql: "SELECT fact, value, kind FROM cell_facts WHERE key = ? ORDER BY position",
                             arguments: [key]).map(Cache.fact(from:))
        }
    }

    private static func fact(from row: Row) -> Fact {
        Fact(name: row["fact"], value: row["value"], kind: FactKind(rawValue: row["kind"]) ?? .number)
    }

    // MARK: Runs

    /// Records a finished run in one transaction; returns its id.
    @discardableResult
    public func recordRun(_ run: RunRecord) throws -> Int64 {
        try pool.write { db in
            try db.execute(sql: """
                INSERT INTO runs (path, notebook, started_at, seconds, git_commit, git_dirty, loom_version, succeeded)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                """, arguments: [run.path, run.notebook, run.startedAt.timeIntervalSince1970, run.seconds, run.gitCommit,
                                 run.gitDirty, run.loomVersion, run.succeeded])
            let id = db.lastInsertedRowID
            for parameter in run.parameters {
                try db.execute(sql: "INSERT OR REPLACE INTO run_parameters (run, name, value, overridden) VALUES (?, ?, ?, ?)",
                               arguments: [id, parameter.name, parameter.value, parameter.overridden])
            }
            for cell in run.cells {
                try db.execute(sql: """
                    INSERT INTO run_cells (run, cell, action, name, status, message, seconds, key)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                    """, arguments: [id, cell.index, cell.action, cell.name, cell.status, cell.message, cell.seconds,
                                     cell.key])
                for (position, fact) in cell.facts.enumerated() {
                    try db.execute(sql: """
                        INSERT OR REPLACE INTO run_facts (run, cell, position, fact, value, kind) VALUES (?, ?, ?, ?, ?, ?)
                        """, arguments: [id, cell.index, position, fact.name, fact.value, fact.kind.rawValue])
                }
            }
            return id
        }
    }

    /// Recorded runs, newest first: of one notebook (its absolute, standardised path) or of all.
    ///
    /// - Parameter limit: at most this many.
    public func runs(notebook: String? = nil, limit: Int? = nil) throws -> [RunRecord] {
        try pool.read { db in
            var sql = "SELECT * FROM runs"
            var arguments: StatementArguments = []
            if let notebook {
                sql += " WHERE notebook = ?"
                arguments += [notebook]
            }
            sql += " ORDER BY id DESC"
            if let limit { sql += " LIMIT \(max(0, limit))" }
            return try Row.fetchAll(db, sql: sql, arguments: arguments).map { try Cache.run(from: $0, db: db) }
        }
    }

    /// One recorded run, or `nil`.
    public func run(id: Int64) throws -> RunRecord? {
        try pool.read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM runs WHERE id = ?", arguments: [id]).map { try Cache.run(from: $0, db: db) }
        }
    }

    private static func run(from row: Row, db: Database) throws -> RunRecord {
        let id: Int64 = row["id"]
        let parameters = try Row.fetchAll(db, sql: "SELECT name, value, overridden FROM run_parameters WHERE run = ? ORDER BY name",
                                          arguments: [id]).map {
            RunParameter(name: $0["name"], value: $0["value"], overridden: $0["overridden"])
        }
        var facts: [Int: [Fact]] = [:]
        for fact in try Row.fetchAll(db, sql: "SELECT cell, fact, value, kind FROM run_facts WHERE run = ? ORDER BY cell, position",
                                     arguments: [id]) {
            facts[fact["cell"], default: []].append(Cache.fact(from: fact))
        }
        let cells = try Row.fetchAll(db, sql: "SELECT * FROM run_cells WHERE run = ? ORDER BY cell", arguments: [id]).map {
            let index: Int = $0["cell"]
            return RunCell(index: index, action: $0["action"], name: $0["name"], status: $0["status"], message: $0["message"],
                           seconds: $0["seconds"], key: $0["key"], facts: facts[index] ?? [])
        }
        return RunRecord(
            id: id, path: row["path"], notebook: row["notebook"],
            startedAt: Date(timeIntervalSince1970: row["started_at"]), seconds: row["seconds"],
            gitCommit: row["git_commit"], gitDirty: row["git_dirty"], loomVersion: row["loom_version"],
            succeeded: row["succeeded"], parameters: parameters, cells: cells)
    }

    /// Deletes all but the newest `keep` runs of each notebook, and the stored facts of cells that
    /// are no longer cached. Returns the number of runs deleted.
    @discardableResult
    public func pruneRuns(keepingNewest keep: Int) throws -> Int {
        try pool.write { db in
            let doomed = try Int64.fetchAll(db, sql: """
                SELECT id FROM (
                    SELECT id, ROW_NUMBER() OVER (PARTITION BY notebook ORDER BY id DESC) AS age FROM runs
                ) WHERE age > ?
                """, arguments: [max(0, keep)])
            for id in doomed {
                for table in ["run_facts", "run_cells", "run_parameters"] {
                    try db.execute(sql: "DELETE FROM \(table) WHERE run = ?", arguments: [id])
                }
                try db.execute(sql: "DELETE FROM runs WHERE id = ?", arguments: [id])
            }
            try db.execute(sql: "DELETE FROM cell_facts WHERE key NOT IN (SELECT key FROM cells)")
            return doomed.count
        }
    }
}
