import Engine
import Foundation
import Notebook
import Testing

/// Records the events a run reports, and can stop the run when a cell finishes.
final class EventRecorder: ProgressReporter, @unchecked Sendable {
    private let lock = NSLock()
    private var recorded: [String] = []
    let stopAfterCell: Int?
    let cancellation: RunCancellation?

    init(stopAfterCell: Int? = nil, cancellation: RunCancellation? = nil) {
        self.stopAfterCell = stopAfterCell
        self.cancellation = cancellation
    }

    var events: [String] { lock.withLock { recorded } }
    private func add(_ event: String) { lock.withLock { recorded.append(event) } }

    func runStarted(notebook: String, cells: Int, toRun: Int, cached: Int) { add("run \(toRun)/\(cells)") }
    func cellQueued(index: Int, action: String) { add("queued \(index)") }
    func cellStarted(index: Int, ordinal: Int, toRun: Int, action: String) { add("started \(index)") }
    func cellProgress(index: Int, _ update: ProgressUpdate) {}
    func cellLog(index: Int, _ line: String) {}
    func cellEpoch(index: Int, _ epoch: EpochProgress) { add("epoch \(index) \(epoch.epoch)") }
    func cellFinished(index: Int, action: String, status: CellStatus, seconds: Double) {
        add("finished \(index) \(status.word)")
        if index == stopAfterCell { cancellation?.cancel() }
    }
    func cellReported(_ report: CellReport) { add("reported \(report.index) \(report.outputs.count) outputs") }
    func runFinished(notebook: String, ran: Int, cached: Int, failed: Int, skipped: Int, seconds: Double, output: String?) {
        add("done \(output == nil ? "unwritten" : "written")")
    }
}

@Suite struct RunEventsTests {
    let directory = TemporaryDirectory()
    let log = RunLog()

    func run(_ reporter: EventRecorder, cancellation: RunCancellation? = nil) throws -> RunReport {
        let checked = Checker.check(NotebookDocument.parse(path: "nb.md", text: chain), registry: testRegistry(log: log))
        let runner = NotebookRunner(registry: testRegistry(log: log), cache: try Cache(path: directory.file("cache.sqlite")),
                                    progress: reporter)
        return try runner.run(checked, options: RunOptions(outputPath: directory.file("nb.md"), cancellation: cancellation))
    }

    @Test func queuedCellsAreReportedFirstAndEachFinishedCellWithItsOutputs() throws {
        let recorder = EventRecorder()
        _ = try run(recorder)
        #expect(recorder.events == [
            "run 4/4", "queued 0", "queued 1", "queued 2", "queued 3",
            "started 0", "finished 0 ran", "reported 0 1 outputs",
            "started 1", "finished 1 ran", "reported 1 1 outputs",
            "started 2", "finished 2 ran", "reported 2 1 outputs",
            "started 3", "finished 3 ran", "reported 3 1 outputs",
            "done written",
        ])
        let again = EventRecorder()
        _ = try run(again)
        #expect(again.events.filter { $0.hasPrefix("queued") || $0.hasPrefix("started") } == [])
        #expect(again.events.contains("reported 2 1 outputs"))
    }

    @Test func aStoppedRunStartsNoFurtherCellKeepsWhatFinishedAndWritesNothing() throws {
        let cancellation = RunCancellation()
        let recorder = EventRecorder(stopAfterCell: 0, cancellation: cancellation)
        let report = try run(recorder, cancellation: cancellation)
        #expect(report.stopped)
        #expect(report.cells.map(\.status) == [
            .ran, .skipped("the run was stopped before it started"), .skipped("the run was stopped before it started"),
            .skipped("its input from cell 3 (number) was skipped"),
        ])
        #expect(recorder.events.last == "done unwritten")
        #expect(!FileManager.default.fileExists(atPath: directory.file("nb.md")))

        // What finished is cached: the next run starts from there.
        let next = try run(EventRecorder())
        #expect(!next.stopped)
        #expect(next.cells.map(\.status) == [.cached, .ran, .ran, .ran])
        #expect(FileManager.default.fileExists(atPath: directory.file("nb.md")))
    }
}
