import Engine
import Foundation
import Hummingbird
import Logging
import NIOCore
import Notebook

/// What `loom preview` serves.
public struct PreviewConfiguration: Sendable {
    /// The notebooks (Markdown files).
    public var notebooks: [String]
    /// The port on 127.0.0.1; 0 takes a free one.
    public var port: Int
    /// The token every request must carry; nil makes a random one.
    public var token: String?
    /// Notebook parameter overrides (`-p name=value`).
    public var overrides: [String: String]
    /// Where executed notebooks go, as with `loom run --out`.
    public var outputDirectory: String
    /// Write figures beside the executed notebook (`loom run --assets`).
    public var assets: Bool
    /// How often the notebooks' files are looked at, in seconds.
    public var pollInterval: Double
    /// Pixels per point of the figures (`loom run --scale`).
    public var figureScale: Double
    /// Where the expensive cells run (`loom preview --executor slurm`); `nil` runs everything here.
    /// Each run's stop button (and Ctrl-C) reaches it through the cells' progress, so one executor serves every run.
    public var executor: (any CellExecutor)?

    public init(notebooks: [String], port: Int = 0, token: String? = nil, overrides: [String: String] = [:],
                outputDirectory: String = "outputs", assets: Bool = false, pollInterval: Double = 0.3,
                figureScale: Double = 1, executor: (any CellExecutor)? = nil) {
        self.notebooks = notebooks
        self.port = port
        self.token = token
        self.overrides = overrides
        self.outputDirectory = outputDirectory
        self.assets = assets
        self.pollInterval = pollInterval
        self.figureScale = figureScale
        self.executor = executor
    }
}

/// A web server on 127.0.0.1 that shows notebooks live while they run.
///
/// On start it checks and runs every notebook (through ``NotebookRunner``, exactly as `loom run`
/// does, writing the same executed notebooks), then watches their files: a save re-runs what is
/// stale and the page follows. Pages get the notebook as the HTML export renders it, and follow
/// the run through server-sent events (`/events/NAME`): each cell's state, progress, training
/// epochs and outputs.
///
/// Routes (every one needs the token, see ``AccessPolicy``):
/// - `GET /`: the notebook, or the list of notebooks when there are several
/// - `GET /n/NAME`: a notebook's page; `GET /api/NAME/state`: its state as JSON
/// - `GET /events/NAME`: its event stream
/// - `POST /api/NAME/rerun/CELL`: re-run a cell (0-based) and its dependents
/// - `POST /api/NAME/stop`: stop the run in progress at the next batch
/// - `GET /static/preview.js`, `GET /static/preview.css`
public final class PreviewServer: @unchecked Sendable {
    public let configuration: PreviewConfiguration
    /// The token every request must carry.
    public let token: String
    let registry: ActionRegistry
    let cache: Cache?
    let hub = EventHub()
    let sessions: [NotebookSession]
    private let log: @Sendable (String) -> Void
    private let lock = NSLock()
    private var policy: AccessPolicy?
    private var queue: RunQueue?
    private var serviceTask: Task<Void, any Error>?
    private var watching = false
    private let watcherDone = DispatchSemaphore(value: 0)
    /// Called on the training thread after each epoch's event (tests hold a training here).
    var afterEpoch: (@Sendable (_ cell: Int, _ epoch: Int) -> Void)? {
        get { lock.withLock { epochHook } }
        set { lock.withLock { epochHook = newValue } }
    }
    private var epochHook: (@Sendable (Int, Int) -> Void)?

    /// - Parameters:
    ///   - configuration: the notebooks and options.
    ///   - registry: the actions.
    ///   - cache: the cache, as `loom run` uses it.
    ///   - log: where one line per run goes (standard error in `loom preview`).
    /// - Throws: ``PreviewError`` for a bad `--token` or `--port`.
    public init(configuration: PreviewConfiguration, registry: ActionRegistry, cache: Cache?,
                log: @escaping @Sendable (String) -> Void = { _ in }) throws(PreviewError) {
        if let token = configuration.token { try AccessPolicy.validate(token: token) }
        guard (0...65535).contains(configuration.port) else { throw .invalidPort(configuration.port) }
        self.configuration = configuration
        self.token = configuration.token ?? AccessPolicy.randomToken()
        self.registry = registry
        self.cache = cache
        self.log = log
        var used: [String: Int] = [:]
        var sessions: [NotebookSession] = []
        for path in configuration.notebooks {
            let base = ((path as NSString).lastPathComponent as NSString).deletingPathExtension
            let count = used[base, default: 0] + 1
            used[base] = count
            let output = (configuration.outputDirectory as NSString).appendingPathComponent("\(base).md")
            sessions.append(NotebookSession(name: count == 1 ? base : "\(base)-\(count)", path: path,
                                            outputPath: output, hub: hub))
        }
        self.sessions = sessions
    }

    /// The port the server listens on, once started.
    public var port: Int { lock.withLock { policy?.port ?? 0 } }

    /// `http://127.0.0.1:PORT/?token=TOKEN`, once started.
    public var url: String { "http://127.0.0.1:\(port)/?token=\(token)" }

    func session(named name: String) -> NotebookSession? { sessions.first { $0.name == name } }

    // MARK: Starting and stopping

    /// Listens on 127.0.0.1, checks every notebook, starts their runs and the file watcher.
    ///
    /// - Returns: ``url``.
    /// - Throws: ``PreviewError/cannotListen(port:reason:)`` when the port cannot be had.
    @discardableResult
    public func start() async throws -> String {
        let router = Router()
        router.add(middleware: AccessMiddleware(server: self))
        addRoutes(to: router)
        var logger = Logger(label: "loom.preview") { StreamLogHandler.standardError(label: $0) }
        logger.logLevel = .critical
        let bound = BoundPort()
        let app = Application(
            router: router,
            configuration: ApplicationConfiguration(address: .hostname("127.0.0.1", port: configuration.port),
                                                    serverName: nil),
            onServerRunning: { channel in bound.resolve(.success(channel.localAddress?.port ?? 0)) },
            logger: logger)
        let requestedPort = configuration.port
        let task = Task {
            do {
                try await app.runService(gracefulShutdownSignals: [])
            } catch {
                bound.resolve(.failure(PreviewError.cannotListen(port: requestedPort, reason: Self.reason(error))))
                throw error
            }
        }
        lock.withLock { serviceTask = task }
        let port = try await bound.value
        lock.withLock { policy = AccessPolicy(token: token, port: port) }

        let queue = RunQueue { [self] request in perform(request) }
        lock.withLock {
            self.queue = queue
            watching = true
        }
        for session in sessions where session.reload(registry: registry, overrides: configuration.overrides) {
            queue.enqueue(session)
        }
        for session in sessions where session.runnable == nil {
            log("loom preview: \(session.path): the check failed; nothing runs until it is fixed (the page lists the errors)")
        }
        let watcher = Thread { [self] in watch() }
        watcher.name = "loom preview watcher"
        watcher.start()
        return url
    }

    /// Stops the run in progress at its next batch and waits for it (its finished cells stay
    /// cached; the executed notebook keeps the last complete run), ends the event streams and
    /// stops listening.
    public func shutDown() async {
        let (queue, task) = lock.withLock {
            let wasWatching = watching
            watching = false
            return (wasWatching ? self.queue : nil, serviceTask)
        }
        if let queue {
            await Self.onThread {
                queue.shutDown()
                self.watcherDone.wait()
            }
        }
        hub.close()
        task?.cancel()
        _ = try? await task?.value
    }

    /// Runs blocking work on a thread of its own, off Swift's cooperative pool.
    static func onThread(_ work: @escaping @Sendable () -> Void) async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let thread = Thread {
                work()
                continuation.resume()
            }
            thread.start()
        }
    }

    static func reason(_ error: any Error) -> String {
        let text = "\(error)"
        if text.contains("Address already in use") || text.contains("EADDRINUSE") || text.contains("errno: 98") {
            return "the port is already in use"
        }
        return text
    }

    /// Whether no run is in progress or waiting (tests).
    var isIdle: Bool { lock.withLock { queue }?.isIdle ?? true }

    // MARK: Runs and the file watcher

    /// Runs one notebook exactly as `loom run` does.
    private func perform(_ request: RunQueue.Request) {
        let session = request.session
        guard let checked = session.runnable else {
            session.endRun(error: nil)
            return
        }
        let cancellation = session.beginRun()
        let reporter = SessionReporter(session: session, notebook: checked, afterEpoch: afterEpoch)
        let runner = NotebookRunner(registry: registry, cache: cache, progress: reporter)
        let name = ((session.path as NSString).lastPathComponent as NSString).deletingPathExtension
        let out = configuration.outputDirectory
        let figures: FigureMode = configuration.assets
            ? .assets(directory: (out as NSString).appendingPathComponent("\(name).assets"), relativePath: "\(name).assets")
            : .embedded
        do {
            try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
            var options = RunOptions(
                plan: PlanOptions(force: request.force, figureScale: configuration.figureScale), figures: figures,
                outputPath: session.outputPath,
                cancellation: cancellation)
            options.executor = configuration.executor
            let report = try runner.run(checked, options: options)
            session.endRun(error: nil)
            let counts = CellStatus.Kind.allCases.map { "\(report.count($0)) \($0.rawValue)" }.joined(separator: ", ")
            log("loom preview: \(session.path): \(counts)"
                + (report.stopped ? " (stopped; \(session.outputPath) left as it was)" : " → \(session.outputPath)"))
        } catch {
            session.endRun(error: "error: \(error)")
            log("loom preview: \(session.path): error: \(error)")
        }
    }

    /// Looks at the files every ``PreviewConfiguration/pollInterval`` and re-runs a notebook when it is saved.
    private func watch() {
        while lock.withLock({ watching }) {
            Thread.sleep(forTimeInterval: configuration.pollInterval)
            for session in sessions where session.hasChanged {
                // An editor may still be writing: let the file settle.
                Thread.sleep(forTimeInterval: 0.1)
                guard lock.withLock({ watching }) else { break }
                if session.reload(registry: registry, overrides: configuration.overrides) {
                    lock.withLock { queue }?.enqueue(session)
                }
            }
        }
        watcherDone.signal()
    }

    /// Asks for a run of cell `cell` (0-based) and every cell that depends on it.
    func rerun(_ session: NotebookSession, cell: Int) -> Bool {
        guard let force = session.cellAndDependents(cell) else { return false }
        lock.withLock { queue }?.enqueue(session, force: force)
        return true
    }

    var accessPolicy: AccessPolicy? { lock.withLock { policy } }
}

/// The port the server got, or why it got none; resolved once.
final class BoundPort: @unchecked Sendable {
    private let lock = NSLock()
    private var result: Result<Int, any Error>?
    private var waiting: CheckedContinuation<Int, any Error>?

    func resolve(_ value: Result<Int, any Error>) {
        let continuation: CheckedContinuation<Int, any Error>? = lock.withLock {
            guard result == nil else { return nil }
            result = value
            defer { waiting = nil }
            return waiting
        }
        continuation?.resume(with: value)
    }

    var value: Int {
        get async throws {
            try await withCheckedThrowingContinuation { continuation in
                let ready: Result<Int, any Error>? = lock.withLock {
                    if result == nil { waiting = continuation }
                    return result
                }
                if let ready { continuation.resume(with: ready) }
            }
        }
    }
}
