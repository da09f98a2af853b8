import Foundation

/// The cells of a run that wait on an executor (``CellExecutor/waitsOnExecutor(action:)``: a
/// `train.*` cell or a sweep computed as Slurm jobs), each on a thread of its own, so that cells
/// which do not depend on each other are submitted together and run side by side on the cluster.
///
/// The runner starts such a cell as soon as its inputs are there, goes on with the cells after
/// it, and waits for it only when a cell reads its result, or at the end of the run, finishing
/// meanwhile (``wait(forAnyOf:)``) every other one that ends first, in the order they end. Only
/// the runner's thread calls ``start(_:_:)`` and the waits.
final class ConcurrentCells: @unchecked Sendable {
    private let condition = NSCondition()
    private var outcomes: [Int: (outcome: Result<Void, any Error>, finished: Date)] = [:]
    /// The cells started, in the order they were started.
    private(set) var started: [Int] = []

    /// Runs `work` (the cell's action) on a thread of its own.
    func start(_ index: Int, _ work: @escaping () throws -> Void) {
        let job = Work(run: work)
        started.append(index)
        let thread = Thread { [self] in
            let outcome = Result { try job.run() }
            condition.withLock {
                outcomes[index] = (outcome, Date())
                condition.broadcast()
            }
        }
        thread.name = "loom cell \(index + 1)"
        // As the run's own thread: an action may recurse deeply (the sweep's local part, figures).
        thread.stackSize = 16 << 20
        thread.start()
    }

    /// Waits for cell `index` started with ``start(_:_:)``: how it ended, and when.
    func wait(for index: Int) -> (outcome: Result<Void, any Error>, finished: Date) {
        wait(forAnyOf: [index]).done
    }

    /// Waits until one of `indices` (started with ``start(_:_:)``, not yet waited for) has ended;
    /// of those that have, the first to end.
    func wait(forAnyOf indices: Set<Int>) -> (index: Int, done: (outcome: Result<Void, any Error>, finished: Date)) {
        condition.withLock {
            while true {
                let ended = outcomes.filter { indices.contains($0.key) }
                if let first = ended.min(by: { ($0.value.finished, $0.key) < ($1.value.finished, $1.key) }) {
                    outcomes[first.key] = nil
                    return (first.key, first.value)
                }
                condition.wait()
            }
        }
    }

    /// The order the runner takes the cells in: document order, except that each cell that waits
    /// on the executor (`waits`) moves up to just after the cells it depends on, so that it is
    /// submitted before the cheap cells in between run (and before a cell that waits for
    /// another submitted cell). Cells only ever depend on cells above them.
    static func order(dependencies: [[Int]], waits: [Bool]) -> [Int] {
        var placed = Set<Int>()
        var order: [Int] = []
        var remaining = Array(dependencies.indices)
        while !remaining.isEmpty {
            let ready = remaining.filter { dependencies[$0].allSatisfy(placed.contains) }
            // The first remaining cell is always ready: everything above it is placed.
            let next = ready.first { waits.indices.contains($0) && waits[$0] } ?? ready.first ?? remaining[0]
            order.append(next)
            placed.insert(next)
            remaining.removeAll { $0 == next }
        }
        return order
    }

    /// A cell's work, handed to its thread (only that thread runs it).
    private struct Work: @unchecked Sendable {
        let run: () throws -> Void
    }
}

extension CellExecutor {
    public func waitsOnExecutor(action: String) -> Bool { computesWholeCell(action: action) }
}
