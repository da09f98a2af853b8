import Foundation
import Notebook

/// What happened to one cell in a run.
public struct CellReport: Sendable {
    public var index: Int
    public var action: String
    public var resultName: String?
    public var status: CellStatus
    /// For a cached cell, the seconds its original run took.
    public var seconds: Double
    public var seeds: [String]
    public var outputs: [OutputItem]
    /// The facts it published; for a cached cell, those stored with it.
    public var facts: [Fact] = []
    /// The text facts it published (`best-model`), by name; for a cached cell, those stored with it.
    public var textFacts: [String: String] = [:]
    /// When, where and with what its output was computed; `nil` for a cell that did not finish,
    /// or a cached one stored by a loom that did not record it.
    public var provenance: Provenance?
}

/// The outcome of running one notebook.
public struct RunReport: Sendable {
    public var notebook: String
    public var output: String?
    public var cells: [CellReport]
    public var seconds: Double
    /// The id of the run in the cache's run history (`loom runs`), when it was recorded.
    public var runID: Int64?
    /// Whether the run was stopped through ``RunOptions/cancellation``: the executed notebook was
    /// then not written (the last complete one stays), but every cell that finished is cached.
    public var stopped = false

    /// How many cells ended with `status`'s kind (messages of failed and skipped cells aside).
    public func count(_ kind: CellStatus.Kind) -> Int { cells.filter { $0.status.kind == kind }.count }
    public var succeeded: Bool { !cells.contains { if case .failed = $0.status { true } else { false } } }
}

/// Options of `loom run`.
public struct RunOptions: Sendable {
    public var plan: PlanOptions
    public var figures: FigureMode
    /// Where the executed notebook goes; `nil` writes nothing (tests, `--dry-run`).
    public var outputPath: String?
    /// Set it to stop the run: no further cell starts and training stops at its next batch.
    public var cancellation: RunCancellation?
    /// The machine cells run on, for their provenance (`ComputeBackend.current.summary`: CPU
    /// model, kernels, threads); `nil` records none.
    public var machine: String?
    /// Where the expensive cells (`train.*`, sweep variants) are computed; `nil` (the default) runs everything here.
    public var executor: (any CellExecutor)?

    public init(plan: PlanOptions = PlanOptions(), figures: FigureMode = .embedded, outputPath: String?,
                cancellation: RunCancellation? = nil, machine: String? = nil) {
        self.plan = plan
        self.figures = figures
        self.outputPath = outputPath
        self.cancellation = cancellation
        self.machine = machine
    }
}

/// Runs checked notebooks: cached cells come from the cache, the rest run in document order
/// (with an executor, the cells that wait on it start as soon as their inputs are there, side by
/// side; see ``ConcurrentCells``).
///
/// A failing cell shows its error under the cell, cells that depend on it are skipped, and
/// independent cells still run. The executed notebook is written atomically at the end, so an
/// interrupted run leaves the previous one in place; each finished cell is stored in the cache at
/// once, so the next run picks up where this one stopped.
public struct NotebookRunner: Sendable {
    public let registry: ActionRegistry
    public let cache: Cache?
    public let progress: any ProgressReporter

    public init(registry: ActionRegistry, cache: Cache?, progress: any ProgressReporter = SilentProgress()) {
        self.registry = registry
        self.cache = cache
        self.progress = progress
    }

    /// Runs a notebook that passed ``Checker``.
    ///
    /// - Precondition: `notebook.errors` is empty (`loom run` checks first and runs nothing otherwise).
    public func run(_ notebook: CheckedNotebook, options: RunOptions) throws -> RunReport {
        precondition(notebook.errors.isEmpty, "run a notebook only after it passes the checks")
        let clock = Date()
        let planned = Planner(cache: cache).plan(notebook, options: options.plan)
        let store = ResultStore(cache: cache)
        let toRun = planned.filter { if case .run = $0.decision { true } else { false } }.count
        let path = notebook.document.path
        progress.runStarted(notebook: path, cells: planned.count, toRun: toRun,
                             cached: planned.filter { $0.decision == .cached }.count)
        for plan in planned {
            if case .run = plan.decision { progress.cellQueued(index: plan.index, action: plan.action) }
        }
        let cancellation = options.cancellation

        var reports: [CellReport?] = Array(repeating: nil, count: planned.count)
        // Cells that wait on the executor run on threads of their own (see ConcurrentCells); each
        // is finished here, on the runner's thread, once a later cell reads it or the run ends.
        let concurrent = ConcurrentCells()
        var completions: [Int: (Result<Void, any Error>, Date) -> CellReport] = [:]
        /// Waits for cell `index`, finishing first every other cell that ends before it.
        func join(_ index: Int) {
            while completions[index] != nil {
                let (ended, (outcome, finished)) = concurrent.wait(forAnyOf: Set(completions.keys))
                guard let complete = completions.removeValue(forKey: ended) else { continue }
                let report = complete(outcome, finished)
                progress.cellFinished(index: ended, action: report.action, status: report.status, seconds: report.seconds)
                progress.cellReported(report)
                reports[ended] = report
            }
        }
        let waits = notebook.cells.map { checked in
            checked.action != nil && options.executor?.waitsOnExecutor(action: checked.cell.action) == true
        }
        var ordinal = 0
        var touched: [String] = []
        /// Generations of the results stored in this run, by key.
        var generations: [String: String] = [:]
        let git = cache == nil ? nil : GitRevision.of(file: path)
        for index in ConcurrentCells.order(dependencies: notebook.cells.map(\.dependencies), waits: waits) {
            let checked = notebook.cells[index], plan = planned[index]
            for dependency in checked.dependencies { join(dependency) }
            let cell = checked.cell
            var report = CellReport(index: cell.index, action: cell.action, resultName: cell.resultName,
                                    status: .skipped(""), seconds: 0, seeds: [], outputs: [])
            var runsOnItsOwnThread = false
            defer {
                if !runsOnItsOwnThread {
                    progress.cellFinished(index: cell.index, action: cell.action, status: report.status,
                                          seconds: report.seconds)
                    progress.cellReported(report)
                    reports[cell.index] = report
                }
            }
            if let bad = checked.dependencies.first(where: { reports[$0]?.status.succeeded != true }) {
                report.status = .skipped("its input from cell \(bad + 1) (\(notebook.cells[bad].cell.action)) "
                                         + "\(reports[bad]?.status.kind == .failed ? "failed" : "was skipped")")
                continue
            }
            guard let action = checked.action, let parameters = checked.parameters, let key = plan.key else {
                if case .blocked(let reason) = plan.decision { report.status = .failed(reason) }
                continue
            }
            if plan.decision == .cached,
               let cached = cachedCell(key: key, index: cell.index, notebook: notebook, planned: planned, store: store) {
                report.status = .cached
                report.seconds = cached.seconds
                report.seeds = cached.seeds
                report.outputs = cached.outputs
                report.facts = (try? cache?.facts(key: key)) ?? []
                if let record = try? cache?.record(key: key) {
                    report.provenance = record.provenance
                    report.textFacts = record.texts
                }
                touched.append(key)
                continue
            }

            if cancellation?.isCancelled == true {
                report.status = .skipped("the run was stopped before it started")
                continue
            }
            ordinal += 1
            progress.cellStarted(index: cell.index, ordinal: ordinal, toRun: max(toRun, ordinal), action: cell.action)
            var inputKeys: [String: [String]] = [:]
            var inputLabels: [String: [String]] = [:]
            for (name, indices) in checked.inputs {
                inputKeys[name] = indices.compactMap { planned[$0].key }
                inputLabels[name] = indices.map { notebook.cells[$0].cell.resultName ?? notebook.cells[$0].cell.action }
            }
            let context = ActionContext(
                cell: cell, actionVersion: action.version, notebookPath: path, positions: parameters.positions, key: key, inputKeys: inputKeys,
                inputLabels: inputLabels, store: store, progress: CellProgress(index: cell.index, reporter: progress, cancellation: cancellation),
                figureScale: options.plan.figureScale, subresultVersion: action.subresultVersion)
            if case .run(let reason) = plan.decision { context.recomputesSubresults = reason.recomputesSubresults }
            if let executor = options.executor {
                context.executor = executor
                context.job = CellJob.make(notebook: notebook, planned: planned, index: cell.index, actionVersion: action.version, key: key,
                                           inputKeys: inputKeys, inputLabels: inputLabels, recomputesSubresults: context.recomputesSubresults)
                if options.plan.figureScale != 1 { context.job?.figureScale = options.plan.figureScale }
            }
            let started = Date()
            let complete = { [report] (outcome: Result<Void, any Error>, finished: Date) -> CellReport in
                var report = report
                do {
                    try outcome.get()
                    report.seconds = finished.timeIntervalSince(started)
                    report.status = .ran
                    report.outputs = context.outputs
                    report.seeds = context.seeds
                    report.facts = context.facts
                    report.textFacts = context.textFacts
                    let provenance = Provenance(computedAt: Date(), machine: options.machine, commit: git?.commit,
                                                dirty: git?.dirty)
                    report.provenance = provenance
                    var read: [String: String] = [:]
                    for inputKey in Set(inputKeys.values.flatMap { $0 }) {
                        read[inputKey] = generations[inputKey]
                            ?? (try? cache?.generation(key: inputKey)) ?? CellRecord.legacyGeneration
                    }
                    let record = CellRecord(
                        generation: CellRecord.contentGeneration(outputs: context.outputs, result: context.result?.data),
                        inputGenerations: read, provenance: provenance, texts: context.textFacts,
                        figureScale: CellRecord.figureScale(of: context.outputs))
                    generations[key] = record.generation
                    try cache?.store(key: key, action: action.name, outputs: context.outputs, result: context.result,
                                     seconds: report.seconds, seeds: context.seeds, record: record)
                    try cache?.storeFacts(context.facts, key: key)
                } catch {
                    report.seconds = finished.timeIntervalSince(started)
                    report.status = .failed(Self.message(for: error, cell: cell, parameters: parameters, path: path))
                    report.outputs = context.outputs
                }
                return report
            }
            if waits[cell.index] {
                runsOnItsOwnThread = true
                completions[cell.index] = complete
                concurrent.start(cell.index) { try context.execute(parameters) }
                continue
            }
            let outcome = Result { try context.execute(parameters) }
            report = complete(outcome, Date())
        }
        while let index = completions.keys.min() { join(index) }

        try? cache?.touch(keys: touched)
        var fingerprints: [Int: CellFingerprint] = [:]
        for plan in planned {
            if let fingerprint = plan.fingerprint { fingerprints[plan.index] = fingerprint }
        }
        try? cache?.saveFingerprints(fingerprints, notebook: Planner.notebookID(path))

        let seconds = Date().timeIntervalSince(clock)
        var runReport = RunReport(notebook: path, output: options.outputPath, cells: reports.compactMap { $0 }, seconds: seconds)
        runReport.stopped = cancellation?.isCancelled == true
        if let outputPath = options.outputPath, !runReport.stopped {
            // Figures and notebook change together: figure files are content-addressed (new
            // ones never replace old ones); if the notebook cannot be written, the files this
            // run added are removed again, and the previous notebook keeps all its links.
            var existing: Set<String> = []
            if case .assets(let directory, _) = options.figures {
                existing = Set((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? [])
            }
            let text: String
            do {
                text = try ExecutedNotebookRenderer.render(notebook.document, report: runReport, figures: options.figures)
                try writeAtomically(text, to: outputPath)
            } catch {
                if case .assets(let directory, _) = options.figures {
                    Self.removeFigures(in: directory, except: existing)
                }
                throw error
            }
            if case .assets(let directory, _) = options.figures {
                Self.removeStaleFigures(in: directory, keeping: text)
            }
        }
        runReport.seconds = Date().timeIntervalSince(clock)
        runReport.runID = try? cache?.recordRun(.make(notebook: notebook, report: runReport, planned: planned, startedAt: clock))
        progress.runFinished(notebook: path, ran: runReport.count(.ran), cached: runReport.count(.cached),
                             failed: runReport.count(.failed), skipped: runReport.count(.skipped),
                             seconds: runReport.seconds, output: runReport.stopped ? nil : options.outputPath)
        return runReport
    }

    /// A cached cell, verified: its output, and its result when a cell that runs now will read it.
    ///
    /// A damaged entry (checksum mismatch, undecodable output) is reported in one line, dropped
    /// from the cache, and `nil` is returned, so the cell runs again instead of being used.
    func cachedCell(key: String, index: Int, notebook: CheckedNotebook, planned: [PlannedCell],
                    store: ResultStore) -> CachedCell? {
        guard let cache else { return nil }
        do {
            guard let cached = try cache.cell(key: key) else { return nil }
            let readLater = notebook.cells.indices.contains { later in
                later > index && notebook.cells[later].dependencies.contains(index) && planned[later].decision != .cached
            }
            if cached.resultKind != nil, readLater {
                guard let data = try cache.resultData(key: key) else { return nil }
                store.preload(key: key, data: data)
            }
            return cached
        } catch {
            progress.cellLog(index: index, "\(error)")
            return nil
        }
    }

    /// Deletes the figure files that are not in `existing` (the ones a failed write added).
    static func removeFigures(in directory: String, except existing: Set<String>) {
        guard let files = try? FileManager.default.contentsOfDirectory(atPath: directory) else { return }
        for file in files where file.hasPrefix("cell-") && file.hasSuffix(".png") && !existing.contains(file) {
            try? FileManager.default.removeItem(atPath: (directory as NSString).appendingPathComponent(file))
        }
    }

    /// Deletes figure files (`cell-NN-name.png`) that the executed notebook no longer links, so the
    /// assets folder holds exactly what the notebook shows. Runs only after the notebook is written.
    static func removeStaleFigures(in directory: String, keeping text: String) {
        guard let files = try? FileManager.default.contentsOfDirectory(atPath: directory) else { return }
        for file in files where file.hasPrefix("cell-") && file.hasSuffix(".png")
            && !text.contains("/\(file))") && !text.contains("/\(file)\"") {
            try? FileManager.default.removeItem(atPath: (directory as NSString).appendingPathComponent(file))
        }
    }

    /// `notebooks/x.md:23:5: train.cnn: message`, located at the parameter an error is about.
    static func message(for error: any Error, cell: Cell, parameters: BoundParameters, path: String) -> String {
        let actionError = error as? ActionError
        let position = actionError?.position ?? actionError?.parameter.flatMap { parameters.positions[$0] }
            ?? cell.actionPosition
        let text = actionError?.message ?? "\(error)"
        return Diagnostic(path: path, position: position, action: cell.action, message: text).description
    }
}
