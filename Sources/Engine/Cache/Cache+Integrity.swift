import Crypto
import Foundation
import GRDB

/// A stored entry whose bytes no longer match the checksum written with them.
public struct DamagedCacheEntry: Error, Equatable, Sendable, CustomStringConvertible, LocalizedError {
    /// What was damaged: `output`, `result` or `checkpoint`.
    public var what: String
    public var key: String
    public var path: String

    public init(what: String, key: String, path: String) {
        self.what = what
        self.key = key
        self.path = path
    }

    public var description: String {
        "the cached \(what) \(key.prefix(12)) in '\(path)' is damaged (its checksum does not match); "
            + "it was dropped and will be recomputed"
    }

    public var errorDescription: String? { description }
}

/// Checksums of stored blobs: every output, result and checkpoint is stored with the SHA-256 of
/// its bytes and checked on every read, so a flipped byte is never used.
extension Cache {
    /// The checksum stored beside a blob.
    static func checksum(_ data: Data) -> String {
        SHA256.hash(data: data).hexString
    }

    /// `data` if it matches `checksum`; otherwise the entry is dropped and ``DamagedCacheEntry`` thrown.
    func verified(_ data: Data, checksum: String, what: String, key: String,
                  drop: () throws -> Void) throws -> Data {
        guard Cache.checksum(data) == checksum else {
            try? drop()
            throw DamagedCacheEntry(what: what, key: key, path: path)
        }
        return data
    }

    /// Deletes the whole cache at `path` (also a corrupt one), once no other loom has it open.
    ///
    /// - Parameter wait: how long to wait for running looms before refusing.
    /// - Returns: whether there was anything to delete.
    /// - Throws: ``CacheLockError/inUse(path:waited:)`` while a run holds the cache.
    @discardableResult
    public static func delete(at path: String, wait: Double = CacheLock.defaultWait) throws -> Bool {
        let directory = (path as NSString).deletingLastPathComponent
        guard directory.isEmpty || FileManager.default.fileExists(atPath: directory) else { return false }
        let lock = try CacheLock.exclusive(databasePath: path, wait: wait)
        var removed = false
        for suffix in ["", "-wal", "-shm"] where FileManager.default.fileExists(atPath: path + suffix) {
            try FileManager.default.removeItem(atPath: path + suffix)
            removed = true
        }
        withExtendedLifetime(lock) {}
        return removed
    }
}

/// A write to the cache that SQLite refused, in words instead of "SQLite error 13".
public struct CacheWriteError: Error, Equatable, Sendable, CustomStringConvertible, LocalizedError {
    public var path: String
    /// What went wrong, in a few words (`the disk is full`).
    public var reason: String
    /// What to do about it.
    public var advice: String

    public init(path: String, reason: String, advice: String) {
        self.path = path
        self.reason = reason
        self.advice = advice
    }

    public var description: String {
        "cannot store in the cache '\(path)': \(reason); \(advice) (what was stored before is intact)"
    }

    public var errorDescription: String? { description }

    /// The sentence for a SQLite result code, or `nil` for codes that are not about the file system.
    static func explaining(_ error: DatabaseError, path: String) -> CacheWriteError? {
        switch error.resultCode {
        case .SQLITE_FULL:
            return CacheWriteError(path: path, reason: "the disk is full",
                                   advice: "free some space or run 'loom cache prune', then run again")
        case .SQLITE_READONLY:
            return CacheWriteError(path: path, reason: "the file or its folder is read-only",
                                   advice: "make it writable or point loom at another cache with --cache")
        case .SQLITE_IOERR:
            return CacheWriteError(path: path, reason: "the disk reported an input/output error",
                                   advice: "check the disk, or point loom at another cache with --cache")
        case .SQLITE_CANTOPEN:
            return CacheWriteError(path: path, reason: "the file cannot be opened",
                                   advice: "check that its folder exists and is writable, or use --cache")
        case .SQLITE_BUSY, .SQLITE_LOCKED:
            return CacheWriteError(path: path, reason: "another loom kept it locked for too long",
                                   advice: "run again when that loom has finished")
        default:
            return nil
        }
    }
}

extension Cache {
    /// Runs a write, turning SQLite's file-system errors into a ``CacheWriteError``.
    func writing<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as DatabaseError {
            throw CacheWriteError.explaining(error, path: path) ?? error
        }
    }
}
