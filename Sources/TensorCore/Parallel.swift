import CBLAS
import CProcessor
import Dispatch
import Foundation

/// The number of threads that TensorCore's loops and OpenBLAS use.
///
/// The default is the number of processors this process may use: the CPU affinity mask
/// (`taskset`, `sched_setaffinity`), capped by a cgroup CPU quota (containers, Slurm), or the
/// `LOOM_THREADS` environment variable. Results are bit-identical for a given thread count: work
/// is always split into the same fixed chunks, and partial results are combined in a fixed order.
public enum ComputeThreads {
    /// The environment variable that sets the thread count.
    public static let variable = "LOOM_THREADS"

    private static let state = Locked(Choice.fromEnvironment())

    /// How the thread count was chosen, for `loom doctor`.
    public struct Choice: Sendable, Equatable {
        public var count: Int
        /// `2 processors available to this process`, `LOOM_THREADS=1`, `--threads 1`, …
        public var reason: String
        /// A problem with `LOOM_THREADS` (not a positive integer), if any.
        public var problem: String?

        static func fromEnvironment() -> Choice {
            let available = availableProcessors()
            guard let text = ProcessInfo.processInfo.environment[variable], !text.isEmpty else {
                return Choice(count: available.count, reason: available.reason)
            }
            guard let value = Int(text.trimmingCharacters(in: .whitespaces)), value >= 1, value <= 1024 else {
                return Choice(count: available.count, reason: available.reason,
                              problem: "\(variable)='\(text)' is not a thread count: set it to an integer from 1 to 1024, or unset it to use the \(available.count) available processor\(available.count == 1 ? "" : "s").")
            }
            return Choice(count: value, reason: "\(variable)=\(value)")
        }
    }

    /// The number of threads that parallel loops split their work across.
    public static var count: Int { state.read { $0.count } }

    /// How the current count was chosen.
    public static var choice: Choice { state.read { $0 } }

    /// Sets the number of threads for TensorCore's loops and OpenBLAS's own threads.
    ///
    /// Call this before any training starts; it is not meant to be changed while work runs.
    ///
    /// - Parameters:
    ///   - threads: The number of threads, at least 1.
    ///   - reason: What asked for it, for `loom doctor` (`--threads 1`).
    public static func set(_ threads: Int, reason: String? = nil) {
        precondition(threads >= 1, "Thread count must be at least 1, got \(threads).")
        state.update { $0 = Choice(count: threads, reason: reason ?? "set to \(threads)") }
        openblas_set_num_threads(Int32(threads))
    }

    /// The processors this process may run on: the affinity mask, capped by a cgroup CPU quota.
    public static func availableProcessors() -> (count: Int, reason: String) {
        let online = max(1, ProcessInfo.processInfo.processorCount)
        var count = online
        var reason = "\(online) processor\(online == 1 ? "" : "s")"
        #if os(Linux)
        let allowed = Int(loom_affinity_count())
        if allowed >= 1, allowed < count {
            count = allowed
            reason = "\(allowed) of \(online) processors (CPU affinity)"
        }
        if let quota = cgroupQuota(), quota < count {
            count = quota
            reason = "\(quota) of \(online) processors (cgroup CPU quota)"
        }
        #endif
        return (count, reason + " available to this process")
    }

    /// The cgroup's CPU quota rounded up to whole processors (v2 `cpu.max`, v1 `cpu.cfs_quota_us`).
    static func cgroupQuota() -> Int? {
        func read(_ path: String) -> String? {
            (try? String(contentsOfFile: path, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        var quota: Double?, period: Double?
        if let line = read("/sys/fs/cgroup/cpu.max") {
            let parts = line.split(separator: " ")
            if parts.count == 2 { quota = Double(parts[0]); period = Double(parts[1]) }
        } else if let q = read("/sys/fs/cgroup/cpu/cpu.cfs_quota_us"), let p = read("/sys/fs/cgroup/cpu/cpu.cfs_period_us") {
            quota = Double(q); period = Double(p)
        }
        guard let quota, let period, quota > 0, period > 0 else { return nil }
        return max(1, Int((quota / period).rounded(.up)))
    }
}

/// A value behind a lock: the way loom keeps process-wide state without unlocked globals.
public final class Locked<Value: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Value
    /// Wraps `value`.
    public init(_ value: Value) { self.value = value }
    /// Reads the value under the lock.
    public func read<T>(_ body: (Value) -> T) -> T {
        lock.lock()
        defer { lock.unlock() }
        return body(value)
    }
    /// Changes the value under the lock, returning what `body` returns.
    @discardableResult
    public func update<T>(_ body: (inout Value) -> T) -> T {
        lock.lock()
        defer { lock.unlock() }
        return body(&value)
    }
}

/// Runs `body` over `0..<count` split into contiguous chunks, one per thread.
///
/// Chunk `k` of `n` covers `[k·count/n, (k+1)·count/n)`, so the split depends only on `count`
/// and the thread count, never on timing. Small loops (under `minimumPerThread` items per
/// thread) run inline on the caller's thread.
///
/// - Parameters:
///   - count: The number of items.
///   - minimumPerThread: The least number of items worth a thread of their own.
///   - maximumChunks: The most chunks to use, for callers that hold one scratch buffer per chunk.
///   - body: Called once per chunk with the chunk's index and its item range.
@inlinable
public func parallelFor(
    count: Int, minimumPerThread: Int = 1, maximumChunks: Int = .max, _ body: (_ chunk: Int, _ range: Range<Int>) -> Void
) {
    let chunks = min(maximumChunks, parallelChunkCount(count: count, minimumPerThread: minimumPerThread))
    if chunks <= 1 {
        if count > 0 { body(0, 0..<count) }
        return
    }
    withoutActuallyEscaping(body) { escapable in
        let work = _UncheckedSendable(escapable)
        DispatchQueue.concurrentPerform(iterations: chunks) { chunk in
            work.value(chunk, chunkRange(chunk, of: chunks, count: count))
        }
    }
}

/// Runs `body` over `0..<count` split into `chunks` fixed contiguous chunks, which up to
/// ``ComputeThreads/count`` threads take one at a time, each the next chunk not yet started.
///
/// The split depends only on `count` and `chunks` (chunk `k` covers `[k·count/chunks,
/// (k+1)·count/chunks)`), never on the thread count or on timing, so a caller that keeps one
/// partial result per chunk and combines them in chunk order gets the same bits on any number of
/// threads. Which thread runs a chunk is decided at run time: a thread slowed down by another
/// process on its core does fewer chunks instead of holding the others up at the end.
///
/// - Parameters:
///   - count: The number of items.
///   - chunks: How many chunks to cut them into (at most `count`).
///   - threads: How many threads take chunks (``ComputeThreads/count`` by default).
///   - body: Called once per chunk with the chunk's index and its item range.
@inlinable
public func parallelForBalanced(
    count: Int, chunks: Int, threads: Int = ComputeThreads.count, _ body: (_ chunk: Int, _ range: Range<Int>) -> Void
) {
    let chunks = max(1, min(chunks, count))
    let threads = min(threads, chunks)
    guard count > 0 else { return }
    if threads <= 1 {
        for chunk in 0..<chunks { body(chunk, chunkRange(chunk, of: chunks, count: count)) }
        return
    }
    let next = Locked(0)
    withoutActuallyEscaping(body) { escapable in
        let work = _UncheckedSendable(escapable)
        DispatchQueue.concurrentPerform(iterations: threads) { _ in
            while let chunk = _takeChunk(next, below: chunks) {
                work.value(chunk, chunkRange(chunk, of: chunks, count: count))
            }
        }
    }
}

/// The next chunk to start from the counter the threads of a
/// ``parallelForBalanced(count:chunks:threads:_:)`` share, or `nil` when all have started.
@usableFromInline
func _takeChunk(_ next: Locked<Int>, below limit: Int) -> Int? {
    next.update { next in
        guard next < limit else { return nil }
        next += 1
        return next - 1
    }
}

/// Carries a value into a `@Sendable` closure where the caller guarantees race freedom
/// (each chunk of a ``parallelFor(count:minimumPerThread:_:)`` writes disjoint memory).
@usableFromInline
struct _UncheckedSendable<Value>: @unchecked Sendable {
    @usableFromInline let value: Value
    @usableFromInline init(_ value: Value) { self.value = value }
}

/// The number of chunks that ``parallelFor(count:minimumPerThread:_:)`` uses for `count` items.
///
/// - Parameters:
///   - count: The number of items.
///   - minimumPerThread: The least number of items worth a thread of their own.
@inlinable
public func parallelChunkCount(count: Int, minimumPerThread: Int = 1) -> Int {
    max(1, min(ComputeThreads.count, count / max(1, minimumPerThread)))
}

/// The items of chunk `chunk` when `count` items are split into `chunks` contiguous chunks.
///
/// - Parameters:
///   - chunk: The chunk's index in `0..<chunks`.
///   - chunks: The number of chunks.
///   - count: The number of items.
@inlinable
public func chunkRange(_ chunk: Int, of chunks: Int, count: Int) -> Range<Int> {
    (chunk * count / chunks)..<((chunk + 1) * count / chunks)
}
