import Engine
import Foundation
import Notebook

/// Turns a run's events into changes of a ``NotebookSession``.
final class SessionReporter: ProgressReporter, @unchecked Sendable {
    let session: NotebookSession
    /// The signature of each cell of the notebook being run: events for a cell edited since are dropped.
    let signatures: [String]
    private let lock = NSLock()
    private var lastProgress: [Int: Date] = [:]
    /// The newest progress of each cell, published or not, so an epoch's end shows it.
    private var latest: [Int: ProgressState] = [:]

    /// Called on the training thread after each epoch's event is published (tests hold training here).
    let afterEpoch: (@Sendable (_ cell: Int, _ epoch: Int) -> Void)?

    init(session: NotebookSession, notebook: CheckedNotebook,
         afterEpoch: (@Sendable (_ cell: Int, _ epoch: Int) -> Void)? = nil) {
        self.session = session
        self.afterEpoch = afterEpoch
        self.signatures = notebook.cells.map { $0.cell.infoString + "\n" + $0.cell.body }
    }

    private func signature(_ index: Int) -> String { signatures.indices.contains(index) ? signatures[index] : "" }

    func runStarted(notebook: String, cells: Int, toRun: Int, cached: Int) {
        session.setRun(RunStatus(phase: "running", summary: cached == cells ? "all \(cells) cells cached"
                                     : "\(toRun) of \(cells) cells to run, \(cached) cached"))
    }

    func cellQueued(index: Int, action: String) {
        session.updateCell(index, signature: signature(index)) { view in
            view.state = .queued
            view.progress = nil
            view.message = nil
            view.tasks = []
        }
    }

    func cellStarted(index: Int, ordinal: Int, toRun: Int, action: String) {
        session.updateCell(index, signature: signature(index)) { view in
            view.state = .running
            view.started = Date()
            view.seconds = 0
            view.epochs = []
            view.progress = nil
            view.message = nil
            view.tasks = []
        }
        session.setRun(RunStatus(phase: "running", summary: "cell \(index + 1) \(action) (\(ordinal) of \(toRun) to run)"))
    }

    func cellProgress(index: Int, _ update: ProgressUpdate) {
        let now = Date()
        let progress = ProgressState(completed: update.completed, total: update.total, unit: update.unit,
                                     rate: update.rate, message: update.message)
        let due: Bool = lock.withLock {
            latest[index] = progress
            let last = lastProgress[index] ?? .distantPast
            guard now.timeIntervalSince(last) >= 0.1 || update.completed >= update.total else { return false }
            lastProgress[index] = now
            return true
        }
        guard due else { return }
        session.updateCell(index, signature: signature(index), event: "") { $0.progress = progress }
        session.publishProgress(index, progress)
    }

    func cellLog(index: Int, _ line: String) {}

    func cellEpoch(index: Int, _ epoch: EpochProgress) {
        if let progress = lock.withLock({ latest[index] }) {
            session.updateCell(index, signature: signature(index), event: "") { $0.progress = progress }
            session.publishProgress(index, progress)
        }
        session.updateCell(index, signature: signature(index), event: "") { $0.epochs.append(epoch) }
        session.publishEpoch(index, epoch)
        afterEpoch?(index, epoch.epoch)
    }

    /// The tasks stay under the cell once it has finished: their job ids, and how a failed one ended.
    func cellTasks(index: Int, _ tasks: [RemoteTaskStatus]) {
        session.updateCell(index, signature: signature(index), event: "") { $0.tasks = tasks }
        session.publishTasks(index, tasks)
    }

    func cellFinished(index: Int, action: String, status: CellStatus, seconds: Double) {}

    func cellReported(_ report: CellReport) {
        let html = (try? report.outputs.markdown(figures: .embedded, prefix: String(format: "cell-%02d", report.index + 1)))
            .map(HTMLPage.fragment(markdown:)) ?? ""
        let stopping = session.isStopping
        session.updateCell(report.index, signature: signature(report.index)) { view in
            switch report.status {
            case .ran: view.state = .ran
            case .cached: view.state = .cached
            case .failed(let message):
                view.state = stopping ? .stopped : .failed
                view.message = message
            case .skipped(let reason):
                view.state = stopping ? .stopped : .skipped
                view.message = reason
            }
            if report.status == .ran || report.status == .cached { view.message = nil }
            view.seconds = report.seconds
            view.html = html
            view.progress = nil
            view.started = nil
        }
    }

    func runFinished(notebook: String, ran: Int, cached: Int, failed: Int, skipped: Int, seconds: Double, output: String?) {
        var parts = ["\(ran) ran", "\(cached) cached"]
        if failed > 0 { parts.append("\(failed) failed") }
        if skipped > 0 { parts.append("\(skipped) skipped") }
        let stopped = session.isStopping
        let destination = output.map { " → \($0)" } ?? (stopped ? "; stopped, so \(session.outputPath) was left as it was" : "")
        session.runFinished(summary: parts.joined(separator: ", ") + " in \(StreamProgress.duration(seconds))" + destination)
    }
}

/// Runs notebooks one at a time, on a thread of its own, in the order they were asked for.
///
/// A notebook asked for again while it waits is run once; asked for while it runs, it runs
/// again afterwards (a save during a run). ``shutDown()`` stops the run in progress and waits for it.
final class RunQueue: @unchecked Sendable {
    struct Request {
        var session: NotebookSession
        var force: [String]
    }

    private let condition = NSCondition()
    private var pending: [Request] = []
    private var current: NotebookSession?
    private var closed = false
    private var finished = false
    private let work: @Sendable (Request) -> Void

    /// - Parameter work: runs one request (on the queue's thread).
    init(work: @escaping @Sendable (Request) -> Void) {
        self.work = work
        let thread = Thread { [self] in loop() }
        thread.name = "loom preview runner"
        thread.stackSize = 16 << 20
        thread.start()
    }

    func enqueue(_ session: NotebookSession, force: [String] = []) {
        condition.withLock {
            guard !closed else { return }
            if force.isEmpty, pending.contains(where: { $0.session === session && $0.force.isEmpty }) { return }
            pending.append(Request(session: session, force: force))
            // Marked before the runner can take the request (and begin its run), never after.
            session.markQueued()
            condition.broadcast()
        }
    }

    /// Whether nothing runs or waits (tests).
    var isIdle: Bool { condition.withLock { pending.isEmpty && current == nil } }

    private func loop() {
        while true {
            let request: Request? = condition.withLock {
                while pending.isEmpty && !closed { condition.wait() }
                guard !closed else { return nil }
                let next = pending.removeFirst()
                current = next.session
                return next
            }
            guard let request else { break }
            work(request)
            condition.withLock {
                current = nil
                condition.broadcast()
            }
        }
        condition.withLock {
            finished = true
            condition.broadcast()
        }
    }

    /// Drops what waits, stops the run in progress at its next batch, and returns once it has ended
    /// (its finished cells cached, the executed notebook left as the last complete run wrote it).
    func shutDown() {
        let running = condition.withLock {
            closed = true
            pending = []
            condition.broadcast()
            return current
        }
        running?.stop()
        condition.withLock {
            while !finished { condition.wait() }
        }
    }
}
