import Foundation
import GRDB

/// Why the cache could not be used.
public enum CacheError: Error, Equatable, CustomStringConvertible {
    case notADatabase(path: String)
    case foreign(path: String)
    case newerSchema(path: String, found: Int, supported: Int)
    case unreadable(path: String, reason: String)

    public var description: String {
        switch self {
        case .notADatabase(let path):
            return "'\(path)' is not an SQLite database (it may be corrupt); move it away or delete it "
                + "with 'loom cache clear' and run again — results will be recomputed"
        case .foreign(let path):
            return "'\(path)' is an SQLite database that loom did not make; loom will not touch it. "
                + "Move it away, or point loom at another cache with --cache"
        case let .newerSchema(path, found, supported):
            return "'\(path)' was written by a newer loom (cache schema \(found); this loom reads up to \(supported)); "
                + "upgrade loom or use another cache with --cache"
        case let .unreadable(path, reason):
            return "cannot open the cache '\(path)': \(reason)"
        }
    }
}

/// One cached cell: its rendered output and, if it made one, its result.
public struct CachedCell: Sendable {
    public var key: String
    public var action: String
    public var outputs: [OutputItem]
    public var resultKind: ResultKind?
    public var seconds: Double
    public var seeds: [String]
}

/// The last state of one notebook cell, for explaining why a cell is stale.
public struct CellFingerprint: Sendable, Codable, Equatable {
    public var action: String
    public var version: Int
    public var resultName: String?
    public var parameters: String
    public var inputs: [String: [String]]
    public var identity: String?
    public var key: String
}

/// `cache/loom.sqlite`: cell outputs and results as typed blobs, checkpoints and file identities.
///
/// The database runs in WAL mode with a busy timeout, so two `loom run`s can share it; every
/// write is one transaction, so a killed run leaves it valid. A cell's rendered output and its
/// result are stored apart, so a fully cached run reads outputs and no tensors.
public final class Cache: Sendable {
    /// `'loom'` as a 32-bit big-endian integer, stored as the database's application id.
    public static let applicationID: Int32 = 0x6C6F_6F6D
    /// 2: every output, result and checkpoint carries the SHA-256 of its bytes; 3: the run history
    /// (``createRunHistoryTables(_:)``); 4: the cell records (``createCellRecordTable(_:)``). An
    /// older cache loses its unverifiable entries when opened (their results are recomputed) and
    /// gains the tables it lacks.
    public static let schemaVersion = 4

    public let path: String
    let pool: DatabasePool
    /// Held shared while this cache is open, so `loom cache clear`/`prune` wait for this process.
    let lock: CacheLock

    /// Opens (creating if needed) the cache at `path`.
    ///
    /// - Throws: ``CacheError`` when the file is not a database, belongs to another program, or was
    ///   written by a newer loom.
    public init(path: String) throws {
        self.path = path
        let directory = (path as NSString).deletingLastPathComponent
        if !directory.isEmpty {
            try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        }
        lock = try CacheLock.shared(databasePath: path)
        var configuration = Configuration()
        configuration.busyMode = .timeout(30)
        configuration.label = "loom.cache"
        do {
            pool = try DatabasePool(path: path, configuration: configuration)
            try pool.write { db in try Cache.prepareSchema(db, path: path) }
        } catch let error as CacheError {
            throw error
        } catch let error as DatabaseError where error.resultCode == .SQLITE_NOTADB || error.resultCode == .SQLITE_CORRUPT {
            throw CacheError.notADatabase(path: path)
        } catch let error as DatabaseError {
            throw CacheError.unreadable(path: path, reason: CacheWriteError.explaining(error, path: path)?.reason ?? "\(error)")
        } catch {
            throw CacheError.unreadable(path: path, reason: "\(error)")
        }
    }

    private static func prepareSchema(_ db: Database, path: String) throws {
        let applicationID = try Int32.fetchOne(db, sql: "PRAGMA application_id") ?? 0
        let version = try Int.fetchOne(db, sql: "PRAGMA user_version") ?? 0
        let tableCount = try Int.fetchOne(db, sql: "SELECT count(*) FROM sqlite_master") ?? 0
        if applicationID != Cache.applicationID {
            guard applicationID == 0, tableCount == 0 else { throw CacheError.foreign(path: path) }
        }
        if version > Cache.schemaVersion {
            throw CacheError.newerSchema(path: path, found: version, supported: Cache.schemaVersion)
        }
        guard version < Cache.schemaVersion else { return }
        if version >= 1, try !db.columns(in: "results").contains(where: { $0.name == "checksum" }) {
            // Entries without checksums cannot be verified: start afresh (results are recomputed).
            try db.execute(sql: """
                DROP TABLE IF EXISTS results; DROP TABLE IF EXISTS cells; DROP TABLE IF EXISTS checkpoints;
                DROP TABLE IF EXISTS files; DROP TABLE IF EXISTS notebook_cells;
                """)
        }
        try db.execute(sql: """
            PRAGMA application_id = \(Cache.applicationID);
            CREATE TABLE IF NOT EXISTS cells (
                key TEXT PRIMARY KEY,
                action TEXT NOT NULL,
                outputs BLOB NOT NULL,
                result_kind TEXT,
                seconds REAL NOT NULL,
                seeds TEXT NOT NULL,
                created_at REAL NOT NULL,
                used_at REAL NOT NULL,
                parent TEXT,
                checksum TEXT NOT NULL
            );
            CREATE TABLE IF NOT EXISTS results (
                key TEXT PRIMARY KEY REFERENCES cells(key) ON DELETE CASCADE,
                kind TEXT NOT NULL,
                data BLOB NOT NULL,
                checksum TEXT NOT NULL
            );
            CREATE TABLE IF NOT EXISTS checkpoints (
                key TEXT PRIMARY KEY,
                step INTEGER NOT NULL,
                data BLOB NOT NULL,
                updated_at REAL NOT NULL,
                checksum TEXT NOT NULL
            );
            CREATE TABLE IF NOT EXISTS files (
                path TEXT PRIMARY KEY,
                size INTEGER NOT NULL,
                mtime REAL NOT NULL,
                sha256 TEXT NOT NULL
            );
            CREATE TABLE IF NOT EXISTS notebook_cells (
                notebook TEXT NOT NULL,
                cell INTEGER NOT NULL,
                fingerprint TEXT NOT NULL,
                PRIMARY KEY (notebook, cell)
            );
            """)
        try createRunHistoryTables(db)
        try createCellRecordTable(db)
        try db.execute(sql: "PRAGMA user_version = \(Cache.schemaVersion)")
    }

    // MARK: Cells

    /// Whether a cell with this key is cached (its output and, where it has one, its result).
    public func contains(key: String) throws -> Bool {
        try pool.read { db in
            try Bool.fetchOne(db, sql: "SELECT EXISTS(SELECT 1 FROM cells WHERE key = ?)", arguments: [key]) ?? false
        }
    }

    /// The cached output of a cell, or `nil`. Does not read the result.
    ///
    /// - Throws: ``DamagedCacheEntry`` (after dropping the cell) when the output fails its checksum.
    public func cell(key: String) throws -> CachedCell? {
        let row = try pool.read { db in
            try Row.fetchOne(db, sql: "SELECT action, outputs, result_kind, seconds, seeds, checksum FROM cells WHERE key = ?",
                             arguments: [key])
        }
        guard let row else { return nil }
        let outputs = try verified(row["outputs"], checksum: row["checksum"], what: "output", key: key) {
            try remove(key: key)
        }
        let seeds: String = row["seeds"]
        let decoder = JSONDecoder()
        guard let items = try? decoder.decode([OutputItem].self, from: outputs) else {
            try? remove(key: key)
            throw DamagedCacheEntry(what: "output", key: key, path: path)
        }
        return CachedCell(
            key: key, action: row["action"], outputs: items,
            resultKind: (row["result_kind"] as String?).map(ResultKind.init(rawValue:)),
            seconds: row["seconds"],
            seeds: seeds.isEmpty ? [] : seeds.components(separatedBy: "\n"))
    }

    /// The stored result bytes of a cell, or `nil`.
    ///
    /// - Throws: ``DamagedCacheEntry`` (after dropping the cell) when the bytes fail their checksum.
    public func resultData(key: String) throws -> Data? {
        let row = try pool.read { db in
            try Row.fetchOne(db, sql: "SELECT data, checksum FROM results WHERE key = ?", arguments: [key])
        }
        guard let row else { return nil }
        return try verified(row["data"], checksum: row["checksum"], what: "result", key: key) { try remove(key: key) }
    }

    /// Stores a finished cell in one transaction, and drops its checkpoint.
    ///
    /// - Parameter parent: for a sub-result (see ``ActionContext/memoized(_:identity:compute:)``),
    ///   the key of the cell that made it; `loom cache prune` keeps it while the parent lives.
    /// - Parameter record: the cell's generation, the generations it read and its provenance, stored
    ///   in the same transaction (a cell stored without one reads as ``CellRecord/legacyGeneration``).
    public func store(key: String, action: String, outputs: [OutputItem], result: (kind: ResultKind, data: Data)?,
                      seconds: Double, seeds: [String], parent: String? = nil, record: CellRecord? = nil) throws {
        let encoded = try JSONEncoder().encode(outputs)
        let recordText = try record.map(Cache.encode)
        let now = Date().timeIntervalSince1970
        try writing { try pool.write { db in
            try db.execute(sql: """
                INSERT OR REPLACE INTO cells (key, action, outputs, result_kind, seconds, seeds, created_at, used_at, parent, checksum)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, arguments: [key, action, encoded, result?.kind.rawValue, seconds, seeds.joined(separator: "\n"),
                                 now, now, parent, Cache.checksum(encoded)])
            if let result {
                try db.execute(sql: "INSERT OR REPLACE INTO results (key, kind, data, checksum) VALUES (?, ?, ?, ?)",
                               arguments: [key, result.kind.rawValue, result.data, Cache.checksum(result.data)])
            }
            try db.execute(sql: "DELETE FROM checkpoints WHERE key = ?", arguments: [key])
            if let recordText {
                try db.execute(sql: "INSERT OR REPLACE INTO cell_records (key, record) VALUES (?, ?)",
                               arguments: [key, recordText])
            } else {
                try db.execute(sql: "DELETE FROM cell_records WHERE key = ?", arguments: [key])
            }
        } }
    }

    /// Marks cells as used now (for `loom cache prune --older-than`).
    public func touch(keys: [String]) throws {
        guard !keys.isEmpty else { return }
        let now = Date().timeIntervalSince1970
        try pool.write { db in
            for key in keys {
                try db.execute(sql: "UPDATE cells SET used_at = ? WHERE key = ?", arguments: [now, key])
            }
        }
    }

    /// Makes a sub-result belong to `parent` now (the cell that last used it), so pruning keeps it.
    public func adopt(key: String, parent: String) throws {
        try pool.write { db in
            try db.execute(sql: "UPDATE cells SET parent = ?, used_at = ? WHERE key = ?",
                           arguments: [parent, Date().timeIntervalSince1970, key])
        }
    }

    /// Forgets one cell (a corrupt result is recomputed this way).
    public func remove(key: String) throws {
        _ = try pool.write { db in
            try db.execute(sql: "DELETE FROM results WHERE key = ?", arguments: [key])
            try db.execute(sql: "DELETE FROM cells WHERE key = ?", arguments: [key])
            try db.execute(sql: "DELETE FROM cell_records WHERE key = ?", arguments: [key])
        }
    }

    // MARK: Checkpoints

    /// The latest checkpoint of a cell that has not finished, or `nil`.
    ///
    /// - Throws: ``DamagedCacheEntry`` (after dropping it) when the checkpoint fails its checksum.
    public func checkpoint(key: String) throws -> (step: Int, data: Data)? {
        let row = try pool.read { db in
            try Row.fetchOne(db, sql: "SELECT step, data, checksum FROM checkpoints WHERE key = ?", arguments: [key])
        }
        guard let row else { return nil }
        let data = try verified(row["data"], checksum: row["checksum"], what: "checkpoint", key: key) {
            try pool.write { db in try db.execute(sql: "DELETE FROM checkpoints WHERE key = ?", arguments: [key]) }
        }
        return (step: row["step"], data: data)
    }

    public func saveCheckpoint(key: String, step: Int, data: Data) throws {
        try writing { try pool.write { db in
            try db.execute(sql: "INSERT OR REPLACE INTO checkpoints (key, step, data, updated_at, checksum) VALUES (?, ?, ?, ?, ?)",
                           arguments: [key, step, data, Date().timeIntervalSince1970, Cache.checksum(data)])
        } }
    }

    // MARK: Notebook state

    /// The fingerprints of a notebook's cells at its last run, by cell index.
    public func fingerprints(notebook: String) throws -> [Int: CellFingerprint] {
        let rows = try pool.read { db in
            try Row.fetchAll(db, sql: "SELECT cell, fingerprint FROM notebook_cells WHERE notebook = ?",
                             arguments: [notebook])
        }
        var result: [Int: CellFingerprint] = [:]
        let decoder = JSONDecoder()
        for row in rows {
            let text: String = row["fingerprint"]
            if let fingerprint = try? decoder.decode(CellFingerprint.self, from: Data(text.utf8)) {
                result[row["cell"]] = fingerprint
            }
        }
        return result
    }

    public func saveFingerprints(_ fingerprints: [Int: CellFingerprint], notebook: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let encoded = try fingerprints.mapValues { String(decoding: try encoder.encode($0), as: UTF8.self) }
        try pool.write { db in
            try db.execute(sql: "DELETE FROM notebook_cells WHERE notebook = ?", arguments: [notebook])
            for (cell, text) in encoded {
                try db.execute(sql: "INSERT INTO notebook_cells (notebook, cell, fingerprint) VALUES (?, ?, ?)",
                               arguments: [notebook, cell, text])
            }
        }
    }

    // MARK: Files

    /// A remembered content hash for a file whose size and mtime have not changed.
    func fileHash(path: String, size: Int, mtime: Double) throws -> String? {
        try pool.read { db in
            try String.fetchOne(db, sql: "SELECT sha256 FROM files WHERE path = ? AND size = ? AND mtime = ?",
                                arguments: [path, size, mtime])
        }
    }

    func saveFileHash(path: String, size: Int, mtime: Double, sha256: String) throws {
        try pool.write { db in
            try db.execute(sql: "INSERT OR REPLACE INTO files (path, size, mtime, sha256) VALUES (?, ?, ?, ?)",
                           arguments: [path, size, mtime, sha256])
        }
    }

    // MARK: Maintenance

    /// Counts and sizes, for `loom cache stats`.
    public struct Statistics: Sendable {
        public var cells: Int
        public var results: Int
        public var checkpoints: Int
        public var resultBytes: Int
        public var outputBytes: Int
        public var fileBytes: Int
        public var byAction: [(action: String, cells: Int, bytes: Int)]
    }

    public func statistics() throws -> Statistics {
        try pool.read { db in
            let cells = try Int.fetchOne(db, sql: "SELECT count(*) FROM cells") ?? 0
            let results = try Int.fetchOne(db, sql: "SELECT count(*) FROM results") ?? 0
            let checkpoints = try Int.fetchOne(db, sql: "SELECT count(*) FROM checkpoints") ?? 0
            let resultBytes = try Int.fetchOne(db, sql: "SELECT coalesce(sum(length(data)), 0) FROM results") ?? 0
            let outputBytes = try Int.fetchOne(db, sql: "SELECT coalesce(sum(length(outputs)), 0) FROM cells") ?? 0
            let byAction = try Row.fetchAll(db, sql: """
                SELECT c.action AS action, count(*) AS n,
                       sum(length(c.outputs) + coalesce(length(r.data), 0)) AS bytes
                FROM cells c LEFT JOIN results r ON r.key = c.key GROUP BY c.action ORDER BY bytes DESC
                """).map { (action: $0["action"] as String, cells: $0["n"] as Int, bytes: $0["bytes"] as Int) }
            var fileBytes = 0
            for suffix in ["", "-wal", "-shm"] {
                let attributes = try? FileManager.default.attributesOfItem(atPath: path + suffix)
                fileBytes += (attributes?[.size] as? Int) ?? 0
            }
            return Statistics(cells: cells, results: results, checkpoints: checkpoints, resultBytes: resultBytes,
                              outputBytes: outputBytes, fileBytes: fileBytes, byAction: byAction)
        }
    }

    /// Deletes every cell that no notebook's last run used (and, with `olderThan`, also those not
    /// used for that many seconds), then compacts the file. Returns the number of cells removed.
    ///
    /// - Parameter wait: how long to wait for other looms that have the cache open; after that
    ///   it throws ``CacheLockError/inUse(path:waited:)`` and removes nothing, so a running loom
    ///   never loses the results it has just stored.
    @discardableResult
    public func prune(olderThan seconds: Double? = nil, wait: Double = CacheLock.defaultWait) throws -> Int {
        try lock.exclusively(wait: wait) { try pruneLocked(olderThan: seconds) }
    }

    private func pruneLocked(olderThan seconds: Double?) throws -> Int {
        let live = Set(try pool.read { db in
            try String.fetchAll(db, sql: "SELECT fingerprint FROM notebook_cells")
        }.compactMap { try? JSONDecoder().decode(CellFingerprint.self, from: Data($0.utf8)).key })
        let cutoff = seconds.map { Date().timeIntervalSince1970 - $0 }
        let removed = try pool.write { db -> Int in
            let all = try Row.fetchAll(db, sql: "SELECT key, used_at, parent FROM cells")
            var removed = 0
            for row in all {
                let key: String = row["key"]
                let usedAt: Double = row["used_at"]
                let owner: String = row["parent"] ?? key
                let stale = !live.contains(owner) || (cutoff.map { usedAt < $0 } ?? false)
                if stale {
                    try db.execute(sql: "DELETE FROM results WHERE key = ?", arguments: [key])
                    try db.execute(sql: "DELETE FROM cells WHERE key = ?", arguments: [key])
                    removed += 1
                }
            }
            try db.execute(sql: "DELETE FROM cell_records WHERE key NOT IN (SELECT key FROM cells)")
            try db.execute(sql: "DELETE FROM checkpoints WHERE key NOT IN (SELECT key FROM cells) AND updated_at < ?",
                           arguments: [Date().timeIntervalSince1970 - 7 * 86400])
            return removed
        }
        try pool.writeWithoutTransaction { db in try db.execute(sql: "VACUUM") }
        return removed
    }

    /// Deletes everything in the cache, once no other loom has it open.
    public func clear(wait: Double = CacheLock.defaultWait) throws {
        try lock.exclusively(wait: wait) { try clearLocked() }
    }

    private func clearLocked() throws {
        try pool.write { db in
            for table in ["results", "cells", "checkpoints", "files", "notebook_cells", "cell_records"] + Cache.runHistoryTables {
                try db.execute(sql: "DELETE FROM \(table)")
            }
        }
        try pool.writeWithoutTransaction { db in try db.execute(sql: "VACUUM") }
    }
}
