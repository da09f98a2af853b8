import Engine
import Foundation
import Notebook

/// What the page shows of a cell's run.
enum CellState: String, Codable, Sendable {
    /// Not run yet in this preview, and not known to be cached.
    case pending
    /// The planner decided it runs; it waits for the cells above it.
    case queued
    case running
    case ran
    case cached
    case failed
    case skipped
    /// Stopped with the stop button or Ctrl-C.
    case stopped
}

/// A running cell's progress bar.
struct ProgressState: Codable, Sendable, Equatable {
    var completed: Int
    var total: Int
    var unit: String
    var rate: Double?
    var message: String
}

/// One cell as the page shows it.
struct CellView: Encodable, Sendable {
    var index: Int
    var action: String
    var state: CellState
    /// Seconds the cell took (its original run, for a cached cell); while running, seconds so far.
    var seconds: Double?
    /// The error of a failed cell (`file:line:col: action: message`) or why a cell was skipped.
    var message: String?
    /// The cell's outputs, rendered as the HTML export renders them.
    var html: String
    var progress: ProgressState?
    /// The epochs finished so far (training cells).
    var epochs: [EpochProgress]
    /// The tasks an executor submitted for the cell (Slurm jobs or array tasks), as they were last reported.
    var tasks: [RemoteTaskStatus] = []
    /// The cell's info string and body: a cell whose signature is unchanged keeps its view on reload.
    var signature: String
    /// When the cell started running (not sent: `seconds` carries the time so far).
    var started: Date?

    enum CodingKeys: String, CodingKey { case index, action, state, seconds, message, html, progress, epochs, tasks }
}

/// The run status line at the top of the page.
struct RunStatus: Codable, Sendable, Equatable {
    /// `idle`, `queued`, `running`, `stopping`.
    var phase: String
    /// `3 ran, 2 cached in 4.1 s → outputs/x.md`, or what is going on.
    var summary: String
}

/// The state of one previewed notebook: its document, the check's problems, each cell's view,
/// and the run in progress. Every change is published to the page as an event.
final class NotebookSession: @unchecked Sendable {
    /// The URL name (`/n/NAME`): the file name without `.md`, made unique.
    let name: String
    let path: String
    /// Where `loom run` would write the executed notebook.
    let outputPath: String
    let hub: EventHub

    private let lock = NSLock()
    private var document: NotebookDocument?
    private var checked: CheckedNotebook?
    private var problems: [String] = []
    private var cells: [CellView] = []
    private var parts = (contents: "", main: "")
    private var run = RunStatus(phase: "idle", summary: "")
    private var cancellation: RunCancellation?
    /// Whether a request for another run came in since the current one began.
    private var requestWaiting = false
    /// The summary of the run that just finished, published as "idle" once it has fully ended.
    private var finishedSummary: String?
    private var stamp: Date?

    init(name: String, path: String, outputPath: String, hub: EventHub) {
        self.name = name
        self.path = path
        self.outputPath = outputPath
        self.hub = hub
    }

    // MARK: Reading the notebook

    /// The file's modification date, to notice saves.
    var modificationDate: Date? {
        (try? FileManager.default.attributesOfItem(atPath: path))?[.modificationDate] as? Date
    }

    /// Whether the file changed since the last ``reload(registry:overrides:)``.
    var hasChanged: Bool { lock.withLock { stamp } != modificationDate }

    /// Reads, parses and checks the notebook and shows the result at once (prose edits appear
    /// without a run); returns whether it passed the checks and so should run.
    @discardableResult
    func reload(registry: ActionRegistry, overrides: [String: String]) -> Bool {
        let date = modificationDate
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            let reason = FileManager.default.fileExists(atPath: path) ? "it is not UTF-8 text" : "no such file"
            lock.withLock {
                stamp = date
                problems = ["error: cannot read the notebook '\(path)': \(reason)"]
                checked = nil
                publishDocumentLocked()
            }
            return false
        }
        let parsed = NotebookDocument.parse(path: path, text: text)
        let result = Checker.check(parsed, registry: registry, overrides: overrides)
        return lock.withLock {
            stamp = date
            document = parsed
            problems = result.diagnostics.filter { $0.severity == .error }.map(\.description)
                + result.diagnostics.filter { $0.severity == .warning }.map { "\($0) (warning)" }
            checked = result.errors.isEmpty ? result : nil
            let old = cells
            cells = parsed.cells.map { cell in
                let signature = cell.infoString + "\n" + cell.body
                if old.indices.contains(cell.index), old[cell.index].signature == signature {
                    var kept = old[cell.index]
                    kept.action = cell.action
                    return kept
                }
                return CellView(index: cell.index, action: cell.action, state: .pending, seconds: nil, message: nil,
                                html: "", progress: nil, epochs: [], signature: signature, started: nil)
            }
            let slots = Dictionary(uniqueKeysWithValues: parsed.cells.map {
                ($0.index, CellOutput(markdown: PreviewPage.slotMarker($0.index)))
            })
            let markdown = parsed.executed(outputs: slots)
            let rendered = HTMLPage.parts(markdown: markdown,
                                          baseDirectory: (path as NSString).deletingLastPathComponent)
            parts = (rendered.contents, PreviewPage.fillSlots(rendered.main, cells: parsed.cells))
            publishDocumentLocked()
            return checked != nil
        }
    }

    /// The checked notebook to run, or nil while the check fails.
    var runnable: CheckedNotebook? { lock.withLock { checked } }

    /// The 1-based numbers of `cell` and every cell that depends on it, directly or not: what
    /// the re-run button forces.
    func cellAndDependents(_ cell: Int) -> [String]? {
        lock.withLock {
            guard let checked, checked.cells.indices.contains(cell) else { return nil }
            var chosen: Set<Int> = [cell]
            for other in checked.cells where other.cell.index > cell {
                if other.dependencies.contains(where: chosen.contains) { chosen.insert(other.cell.index) }
            }
            return chosen.sorted().map { String($0 + 1) }
        }
    }

    // MARK: Runs

    /// A run of this notebook is waiting for the runner.
    func markQueued() {
        lock.withLock {
            requestWaiting = true
            guard run.phase == "idle" else { return }
            run = RunStatus(phase: "queued", summary: "waiting for another notebook's run")
            publishLocked("run", run)
        }
    }

    /// Starts a run's bookkeeping; the returned flag stops it.
    func beginRun() -> RunCancellation {
        lock.withLock {
            let flag = RunCancellation()
            cancellation = flag
            requestWaiting = false
            finishedSummary = nil
            run = RunStatus(phase: "running", summary: "planning")
            publishLocked("run", run)
            return flag
        }
    }

    /// Ends a run that could not start or whose runner threw.
    func endRun(error: String?) {
        lock.withLock {
            cancellation = nil
            for index in cells.indices where cells[index].state == .queued || cells[index].state == .running {
                cells[index].state = .stopped
                cells[index].progress = nil
                publishCellLocked(index)
            }
            let summary = finishedSummary
            finishedSummary = nil
            if let error {
                run = RunStatus(phase: "idle", summary: error)
                problems.insert(error, at: 0)
                publishDocumentLocked()
            } else if requestWaiting {
                // A save or a button press came in while this run was ending: it runs next, and
                // the page must not show the notebook idle in between.
                run = RunStatus(phase: "queued", summary: (summary.map { $0 + "; " } ?? "") + "running again next")
                publishLocked("run", run)
            } else if let summary {
                run = RunStatus(phase: "idle", summary: summary)
                publishLocked("run", run)
            } else if run.phase != "idle" {
                run.phase = "idle"
                publishLocked("run", run)
            }
        }
    }

    /// Asks the run in progress to stop (the stop button, Ctrl-C); returns whether one was running.
    @discardableResult
    func stop() -> Bool {
        lock.withLock {
            guard let cancellation else { return false }
            cancellation.cancel()
            run = RunStatus(phase: "stopping", summary: "stopping at the next batch")
            publishLocked("run", run)
            return true
        }
    }

    /// Applies a change to cell `index` if it is still the cell the run is about.
    func updateCell(_ index: Int, signature: String, event: String = "cell", _ change: (inout CellView) -> Void) {
        lock.withLock {
            guard cells.indices.contains(index), cells[index].signature == signature else { return }
            change(&cells[index])
            if event == "cell" { publishCellLocked(index) }
        }
    }

    func publishProgress(_ index: Int, _ progress: ProgressState) {
        lock.withLock { publishLocked("progress", ProgressEvent(index: index, progress: progress)) }
    }

    func publishEpoch(_ index: Int, _ epoch: EpochProgress) {
        lock.withLock { publishLocked("epoch", EpochEvent(index: index, epoch: epoch)) }
    }

    func publishTasks(_ index: Int, _ tasks: [RemoteTaskStatus]) {
        lock.withLock { publishLocked("tasks", TasksEvent(index: index, tasks: tasks)) }
    }

    /// Records the summary of the run in progress, which ``endRun(error:)`` publishes when the
    /// run has fully ended (so that "idle" is never sent while a stop could still reach it).
    func runFinished(summary: String) {
        lock.withLock { finishedSummary = summary }
    }

    func setRun(_ status: RunStatus) {
        lock.withLock {
            if run.phase == "stopping", status.phase == "running" { return }
            run = status
            publishLocked("run", run)
        }
    }

    var isStopping: Bool { lock.withLock { cancellation?.isCancelled ?? false } }

    // MARK: What the page gets

    /// Everything the page shows, sent first on every event stream.
    struct Snapshot: Encodable, Sendable {
        var contents: String
        var main: String
        var problems: [String]
        var cells: [CellView]
        var run: RunStatus
        var runnable: Bool
    }

    struct ProgressEvent: Encodable, Sendable {
        var index: Int
        var progress: ProgressState
    }

    struct EpochEvent: Encodable, Sendable {
        var index: Int
        var epoch: EpochProgress
    }

    struct TasksEvent: Encodable, Sendable {
        var index: Int
        var tasks: [RemoteTaskStatus]
    }

    var snapshot: Snapshot { lock.withLock { snapshotLocked() } }

    /// The page's event stream: the whole state, then every change, in order.
    func subscribe() -> AsyncStream<String> {
        lock.withLock { hub.subscribe(notebook: name, first: hub.format(event: "document", payload: snapshotLocked())) }
    }

    /// The notebook's title: its first heading, or its file name.
    var title: String {
        lock.withLock {
            let heading = document?.text.split(separator: "\n").first { $0.hasPrefix("# ") }
            return heading.map { String($0.dropFirst(2)).trimmingCharacters(in: .whitespaces) }
                ?? (path as NSString).lastPathComponent
        }
    }

    /// A line for the index page: cells, states and the run.
    var summaryLine: String {
        lock.withLock {
            var counts: [String: Int] = [:]
            for cell in cells { counts[cell.state.rawValue, default: 0] += 1 }
            let states = counts.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", ")
            let errors = problems.filter { !$0.hasSuffix("(warning)") }.count
            return "\(cells.count) cells" + (states.isEmpty ? "" : ": \(states)")
                + (errors > 0 ? " · \(errors) error\(errors == 1 ? "" : "s")" : "") + (run.phase == "idle" ? "" : " · \(run.phase)")
        }
    }

    private func snapshotLocked() -> Snapshot {
        var views = cells
        for index in views.indices where views[index].state == .running {
            views[index].seconds = views[index].started.map { Date().timeIntervalSince($0) }
        }
        return Snapshot(contents: parts.contents, main: parts.main, problems: problems, cells: views, run: run,
                        runnable: checked != nil)
    }

    private func publishDocumentLocked() { publishLocked("document", snapshotLocked()) }

    private func publishCellLocked(_ index: Int) {
        var view = cells[index]
        if view.state == .running { view.seconds = view.started.map { Date().timeIntervalSince($0) } ?? 0 }
        publishLocked("cell", view)
    }

    private func publishLocked<T: Encodable>(_ event: String, _ payload: T) {
        hub.publish(notebook: name, event: event, payload: payload)
    }
}
