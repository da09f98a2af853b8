import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Why the cache could not be cleared or pruned now.
public enum CacheLockError: Error, Equatable, Sendable, CustomStringConvertible, LocalizedError {
    /// Another loom (a run, a plan, a watch, a preview) has the cache open.
    case inUse(path: String, waited: Double)
    /// The lock file beside the database cannot be opened.
    case cannotLock(path: String, reason: String)

    public var description: String {
        switch self {
        case let .inUse(path, waited):
            return "the cache '\(path)' is in use by another loom (a run, plan or watch), so it was left as it is "
                + "after waiting \(String(format: "%.0f", waited)) s; try again when that loom has finished"
        case let .cannotLock(path, reason):
            return "cannot lock the cache '\(path)' (\(reason)); check that its folder is writable"
        }
    }

    public var errorDescription: String? { description }
}

/// An advisory lock on `DATABASE.lock` (`flock(2)`), beside the cache database.
///
/// Every open ``Cache`` holds it shared for as long as it is open, so any number of runs,
/// plans and watches share the cache. `loom cache clear` and `loom cache prune` take it
/// exclusively: they wait briefly for the runs to finish and otherwise refuse, so a running
/// loom never has its database unlinked or its fresh results pruned under it. The lock file
/// itself is never deleted (a run that opened it must keep locking the same file), and the
/// kernel releases the lock when the process dies, even by `kill -9`.
public final class CacheLock: Sendable {
    /// The lock file of the cache at `databasePath`.
    public static func lockPath(for databasePath: String) -> String { databasePath + ".lock" }

    /// How long clear and prune wait for running looms before refusing.
    public static let defaultWait: Double = 2

    let databasePath: String
    private let descriptor: Int32

    private init(databasePath: String) throws(CacheLockError) {
        self.databasePath = databasePath
        let path = Self.lockPath(for: databasePath)
        var descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        if descriptor < 0 { descriptor = open(path, O_RDONLY | O_CLOEXEC) }
        guard descriptor >= 0 else {
            throw .cannotLock(path: databasePath, reason: String(cString: strerror(errno)))
        }
        self.descriptor = descriptor
    }

    deinit { close(descriptor) }

    /// A shared lock, as every open cache holds. Waits while a clear or prune holds it exclusively.
    public static func shared(databasePath: String) throws(CacheLockError) -> CacheLock {
        let lock = try CacheLock(databasePath: databasePath)
        while flock(lock.descriptor, LOCK_SH) != 0 {
            guard errno == EINTR else {
                throw .cannotLock(path: databasePath, reason: String(cString: strerror(errno)))
            }
        }
        return lock
    }

    /// An exclusive lock: only when no other loom has the cache open, waiting up to `wait` seconds.
    public static func exclusive(databasePath: String, wait: Double = defaultWait) throws(CacheLockError) -> CacheLock {
        let lock = try CacheLock(databasePath: databasePath)
        try lock.acquire(LOCK_EX, wait: wait)
        return lock
    }

    /// Runs `body` holding this (shared) lock exclusively, then goes back to shared.
    ///
    /// - Throws: ``CacheLockError/inUse(path:waited:)`` when other looms keep the cache open.
    func exclusively<T>(wait: Double, _ body: () throws -> T) throws -> T {
        do {
            try acquire(LOCK_EX, wait: wait)
        } catch {
            // A failed conversion may have dropped the shared lock: take it back.
            while flock(descriptor, LOCK_SH) != 0 && errno == EINTR {}
            throw error
        }
        defer { while flock(descriptor, LOCK_SH) != 0 && errno == EINTR {} }
        return try body()
    }

    private func acquire(_ operation: Int32, wait: Double) throws(CacheLockError) {
        let deadline = Date().addingTimeInterval(wait)
        while flock(descriptor, operation | LOCK_NB) != 0 {
            guard errno == EWOULDBLOCK || errno == EINTR else {
                throw .cannotLock(path: databasePath, reason: String(cString: strerror(errno)))
            }
            guard Date() < deadline else { throw .inUse(path: databasePath, waited: wait) }
            usleep(50_000)
        }
    }
}
