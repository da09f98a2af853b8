import Foundation
import GRDB
import Testing
@testable import Engine

@Suite struct CacheMessageTests {
    /// SQLite's bare "error 13" on a full disk becomes a sentence with what to do.
    @Test func aFullDiskIsOneSentence() {
        let error = CacheWriteError.explaining(DatabaseError(resultCode: .SQLITE_FULL), path: "cache/loom.sqlite")
        #expect(error?.description == "cannot store in the cache 'cache/loom.sqlite': the disk is full; free some space "
                + "or run 'loom cache prune', then run again (what was stored before is intact)")
        #expect(CacheWriteError.explaining(DatabaseError(resultCode: .SQLITE_CONSTRAINT), path: "c") == nil)
    }

    /// A real write that SQLite refuses (the page limit stands in for a full disk) reaches the
    /// caller as that sentence, and the cache keeps what it had.
    @Test func aRefusedWriteIsExplainedAndNothingIsLost() throws {
        let directory = TemporaryDirectory()
        let path = directory.file("loom.sqlite")
        let cache = try Cache(path: path)
        try cache.store(key: "small", action: "a", outputs: [], result: nil, seconds: 0, seeds: [])
        let limited = try DatabaseQueue(path: path)
        try limited.write { db in
            let pages = try Int.fetchOne(db, sql: "PRAGMA page_count") ?? 1
            try db.execute(sql: "PRAGMA max_page_count = \(pages)")
        }
        let big = Data(count: 1 << 20)
        do {
            try limited.write { db in
                try db.execute(sql: "INSERT INTO checkpoints (key, step, data, updated_at, checksum) VALUES ('k', 1, ?, 0, '')",
                               arguments: [big])
            }
            Issue.record("the write should not fit")
        } catch let error as DatabaseError {
            #expect(error.resultCode == .SQLITE_FULL)
            #expect(CacheWriteError.explaining(error, path: path)?.reason == "the disk is full")
        }
        #expect(try cache.contains(key: "small"))
    }
}
