import Actions
import Engine
import Foundation
import Testing

/// Computes like ``InProcessExecutor`` (a train cell whole, a sweep's variants), but holds each
/// cell it is handed until `expected` cells are in it at once, the way jobs on a cluster overlap;
/// it gives up after 20 s. A runner that hands cells over one after another never gets there.
final class GatheringExecutor: CellExecutor, @unchecked Sendable {
    let inner: InProcessExecutor
    let expected: Int
    private let condition = NSCondition()
    private var arrived = 0
    private(set) var events: [String] = []

    init(cache: Cache, expected: Int) {
        inner = InProcessExecutor(cache: cache)
        self.expected = expected
    }

    func computesWholeCell(action: String) -> Bool { inner.computesWholeCell(action: action) }
    func waitsOnExecutor(action: String) -> Bool { action.hasPrefix("train.") || action == "sweep" }

    func record(_ event: String) { condition.withLock { events.append(event) } }

    func gather(_ name: String) throws {
        try condition.withLock {
            arrived += 1
            events.append("in \(name)")
            condition.broadcast()
            let deadline = Date().addingTimeInterval(20)
            while arrived < expected {
                guard condition.wait(until: deadline) else {
                    throw ActionError("\(name) was handed over alone: \(arrived) of \(expected) cells in the executor after 20 s")
                }
            }
        }
    }

    func compute(cell job: CellJob, progress: CellProgress) throws -> ComputedCell {
        try gather(job.action)
        defer { record("out \(job.action)") }
        return try inner.compute(cell: job, progress: progress)
    }

    func compute(subresults: [SubresultRequest], of job: CellJob, progress: CellProgress,
                 arrived: (String, Data, Double) throws -> Void) throws {
        try gather(job.action)
        defer { record("out \(job.action)") }
        try inner.compute(subresults: subresults, of: job, progress: progress, arrived: arrived)
    }
}

/// The runner's events, in order.
final class EventRecorder: ProgressReporter, @unchecked Sendable {
    private let lock = NSLock()
    private var stored: [String] = []
    var events: [String] { lock.withLock { stored } }
    func runStarted(notebook: String, cells: Int, toRun: Int, cached: Int) {}
    func cellStarted(index: Int, ordinal: Int, toRun: Int, action: String) { lock.withLock { stored.append("start \(index)") } }
    func cellProgress(index: Int, _ update: ProgressUpdate) {}
    func cellLog(index: Int, _ line: String) {}
    func cellFinished(index: Int, action: String, status: CellStatus, seconds: Double) {
        lock.withLock { stored.append("finish \(index)") }
    }
    func runFinished(notebook: String, ran: Int, cached: Int, failed: Int, skipped: Int, seconds: Double, output: String?) {}
}

@Suite struct ConcurrentSubmissionTests {
    static let cells = """
        ```loom sweep
        model: mlp
        activation: [relu, tanh]
        width: 8
        epochs: 2
        batch-size: 32
        seed: 4
        ```

        ```loom train.mlp as small
        hidden: [8]
        epochs: 2
        seed: 2
        ```

        ```loom evaluate
        model: small
        ```
        """

    @Test func independentSweepAndTrainCellsAreHandedOverTogetherAndTheirDependentsWait() throws {
        let bench = try TrainingBench()
        let text = bench.notebook(Self.cells)
        let local = try bench.run(text, cache: Cache(path: bench.directory + "/local.sqlite"))
        #expect(local.succeeded)

        // The sweep (cell 2) and the train cell (cell 3) are both in the executor before either comes back.
        let executor = GatheringExecutor(cache: bench.cache, expected: 2)
        var options = RunOptions(outputPath: nil)
        options.executor = executor
        let events = EventRecorder()
        let report = try NotebookRunner(registry: BuiltInActions.registry, cache: bench.cache, progress: events)
            .run(bench.check(text), options: options)
        #expect(report.succeeded, "\(report.cells.compactMap(\.failure))")
        #expect(Array(executor.events.prefix(2)).sorted() == ["in sweep", "in train.mlp"], "\(executor.events)")
        // The evaluation reads the trained model: it starts only once the train cell has finished.
        let order = events.events
        let trained = try #require(order.firstIndex(of: "finish 3"))
        let evaluated = try #require(order.firstIndex(of: "start 4"))
        #expect(trained < evaluated, "\(order)")
        let sweepFinished = try #require(order.firstIndex(of: "finish 2"))
        #expect(try #require(order.firstIndex(of: "start 3")) < sweepFinished, "\(order)")
        // The report lists the cells in document order, with the same numbers as a local run.
        #expect(report.cells.map(\.index) == Array(0..<5))
        #expect(CellExecutorTests.tables(report) == CellExecutorTests.tables(local))
    }
}
