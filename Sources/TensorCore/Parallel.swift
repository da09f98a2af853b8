import CBLAS
import Dispatch
import Foundation

/// The number of threads that TensorCore's loops and OpenBLAS use.
///
/// The default is the number of active processors. Results are bit-identical for a given
/// thread count: work is always split into the same fixed chunks, and partial results are
/// combined in a fixed order.
public enum ComputeThreads {
    nonisolated(unsafe) private static var current = max(1, ProcessInfo.processInfo.activeProcessorCount)

    /// The number of threads that parallel loops split their work across.
    public static var count: Int { current }

    /// Sets the number of threads for TensorCore's loops and OpenBLAS's own threads.
    ///
    /// Call this before any training starts; it is not meant to be changed while work runs.
    ///
    /// - Parameter threads: The number of threads, at least 1.
    public static func set(_ threads: Int) {
        precondition(threads >= 1, "Thread count must be at least 1, got \(threads).")
        current = threads
        openblas_set_num_threads(Int32(threads))
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
