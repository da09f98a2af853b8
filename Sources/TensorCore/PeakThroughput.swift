import CProcessor
import Dispatch
import Foundation

/// The machine's own single-precision peak: fused multiply-adds per second, measured.
///
/// Speed figures are only comparable between processors as a share of what the processor can
/// do at most. This probe runs independent chains of FMA instructions of the widest kernel path
/// (no memory traffic, no dependencies between chains) on every thread at once, and reports the
/// floating-point operations per second (one FMA = 2 operations per lane).
public enum PeakThroughput {
    /// A measurement.
    public struct Measurement: Sendable {
        /// The instruction set the probe used.
        public var path: KernelPath
        /// Threads that ran the probe at once.
        public var threads: Int
        /// Floating-point operations per second over all threads (FLOP/s).
        public var flopsPerSecond: Double
        /// Per thread.
        public var flopsPerSecondPerThread: Double { flopsPerSecond / Double(threads) }
    }

    /// Runs the probe for about `seconds` on `threads` threads with `path`'s instructions.
    ///
    /// - Parameters:
    ///   - path: The instruction set (the backend's by default).
    ///   - threads: How many threads at once (the compute thread count by default).
    ///   - seconds: Roughly how long to measure (after a short warm-up that lets clocks settle).
    public static func measure(path: KernelPath = ComputeBackend.current.kernels,
                               threads: Int = ComputeThreads.count, seconds: Double = 0.3) -> Measurement {
        let set: Int32 = switch path {
        case .avx512: Int32(LOOM_PROBE_AVX512)
        case .avx2: Int32(LOOM_PROBE_AVX2)
        case .portable: Int32(LOOM_PROBE_PORTABLE)
        }
        // Calibrate the iteration count on one thread, then time all threads together.
        var sink: Float = 0
        var iterations = 100_000
        while true {
            let start = DispatchTime.now().uptimeNanoseconds
            _ = loom_fma_probe(set, iterations, 1, &sink)
            let elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            if elapsed > seconds / 4 || iterations > 1 << 30 {
                iterations = max(1, Int(Double(iterations) * seconds / max(elapsed, 1e-9)))
                break
            }
            iterations *= 4
        }
        let timedIterations = iterations
        let rates = Locked([Double](repeating: 0, count: threads))
        DispatchQueue.concurrentPerform(iterations: threads) { thread in
            var local: Float = 0
            let start = DispatchTime.now().uptimeNanoseconds
            let operations = loom_fma_probe(set, timedIterations, Float(thread), &local)
            let elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            rates.update { $0[thread] = operations / elapsed }
        }
        return Measurement(path: path, threads: threads, flopsPerSecond: rates.read { $0.reduce(0, +) })
    }
}
