import Dataset
import Actions
import Engine
import Foundation
import Testing
@testable import Preview
import _LoomTestSupport

/// A preview server on an ephemeral port over notebooks in a temporary folder, on the small
/// synthetic image set (10 classes of 12×12 bars), with its own cache and outputs folder.
final class PreviewBench: @unchecked Sendable {
    let folder: SyntheticFashionFolder
    let directory: String
    let cachePath: String
    var outputs: String { directory + "/outputs" }
    private(set) var server: PreviewServer?
    let logLines = LockedLines()

    init() throws {
        folder = try SyntheticFashionFolder(classCount: 10, side: 12, trainPerClass: 16, testPerClass: 4)
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("loom-preview-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        cachePath = directory + "/loom.sqlite"
    }

    deinit {
        folder.remove()
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// `# title`, a `load` and a `split` cell, then `cells`.
    func notebook(_ cells: String, title: String = "Preview test", prose: String = "Some prose.") -> String {
        """
        # \(title)

        \(prose)

        ```loom load
        dataset: \(folder.directory)
        ```

        ```loom split
        seed: 1
        ```

        \(cells)

        """
    }

    /// A data folder whose four files are there (so `loom check` passes) but hold no IDX data, so
    /// a `load` of it fails when it runs: a run-time failure that no check can see.
    func brokenDataFolder() throws -> String {
        let broken = directory + "/broken"
        try FileManager.default.createDirectory(atPath: broken, withIntermediateDirectories: true)
        for name in FashionMNIST.fileNames {
            try Data("not IDX data".utf8).write(to: URL(fileURLWithPath: broken + "/" + name))
        }
        return broken
    }

    /// The line on which `cells` starts in ``notebook(_:title:prose:)`` (one-line prose).
    static let cellsLine = 13

    static let mlp = """
        ```loom train.mlp as mlp
        hidden: [16]
        optimizer: {adam: {learning-rate: 0.01}}
        epochs: 4
        batch-size: 32
        seed: 3
        ```
        """

    /// Saves a notebook in one step, as an editor does: a new file with its final modification
    /// time (a second later than the old one, whatever the file system's timestamp resolution)
    /// renamed over the old one, so the watcher sees exactly one change.
    @discardableResult
    func write(_ text: String, to name: String = "nb.md") throws -> String {
        let path = directory + "/" + name
        let before = (try? FileManager.default.attributesOfItem(atPath: path))?[.modificationDate] as? Date
        let temporary = directory + "/." + name + ".saving"
        try text.write(toFile: temporary, atomically: false, encoding: .utf8)
        if let before {
            try FileManager.default.setAttributes([.modificationDate: max(Date(), before.addingTimeInterval(1))],
                                                  ofItemAtPath: temporary)
        }
        guard rename(temporary, path) == 0 else { throw HTTPTestError.malformed("cannot rename \(temporary): errno \(errno)") }
        return path
    }

    /// Starts a server over `names` (written first with ``write(_:to:)``).
    func start(_ names: [String] = ["nb.md"], token: String? = "test-token-0123456789",
               afterEpoch: (@Sendable (Int, Int) -> Void)? = nil, executor: (any CellExecutor)? = nil) async throws -> PreviewClient {
        let lines = logLines
        let server = try PreviewServer(
            configuration: PreviewConfiguration(notebooks: names.map { directory + "/" + $0 }, port: 0, token: token,
                                                outputDirectory: outputs, pollInterval: 0.1, executor: executor),
            registry: BuiltInActions.registry, cache: try Cache(path: cachePath), log: { lines.append($0) })
        server.afterEpoch = afterEpoch
        self.server = server
        let url = try await server.start()
        #expect(url == "http://127.0.0.1:\(server.port)/?token=\(server.token)")
        return PreviewClient(port: server.port, token: server.token)
    }

    /// Starts on a notebook with prose only, opens its event stream, then saves `text` over it:
    /// the stream sees the whole run of `text`, from the first cell's `queued` on.
    func startAndSave(_ text: String, afterEpoch: (@Sendable (Int, Int) -> Void)? = nil) async throws
        -> (client: PreviewClient, events: EventStream) {
        try write("# Preview test\n\nNothing yet.\n")
        let client = try await start(afterEpoch: afterEpoch)
        let events = try await client.events("nb")
        try await events.waitForIdle()
        try write(text)
        return (client, events)
    }

    func stop() async {
        await server?.shutDown()
    }
}

/// Lines collected from several threads.
final class LockedLines: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: [String] = []
    func append(_ line: String) { lock.withLock { stored.append(line) } }
    var lines: [String] { lock.withLock { stored } }
}

/// Holds a training between epochs until the test lets it go on.
final class EpochGate: @unchecked Sendable {
    private let condition = NSCondition()
    private var holdAt: Set<Int>
    private var released: Set<Int> = []
    private var reached: Set<Int> = []

    init(holdAt: Set<Int>) { self.holdAt = holdAt }

    /// The hook for ``PreviewServer/afterEpoch``.
    var hook: @Sendable (Int, Int) -> Void {
        { [self] _, epoch in
            condition.withLock {
                reached.insert(epoch)
                condition.broadcast()
                guard holdAt.contains(epoch) else { return }
                while !released.contains(epoch) { condition.wait() }
            }
        }
    }

    /// Waits until the training has finished `epoch` (and, if held there, waits).
    func waitUntilReached(_ epoch: Int, timeout: Double = 60) async throws {
        try await blocking { [self] in
            let deadline = Date().addingTimeInterval(timeout)
            try condition.withLock {
                while !reached.contains(epoch) {
                    guard condition.wait(until: deadline) else { throw HTTPTestError.timeout("epoch \(epoch)") }
                }
            }
        }
    }

    func release(_ epoch: Int) {
        condition.withLock {
            released.insert(epoch)
            condition.broadcast()
        }
    }

    /// Lets every held epoch go on (at the end of a test, so nothing stays blocked).
    func releaseAll() {
        condition.withLock {
            released.formUnion(holdAt)
            holdAt = []
            condition.broadcast()
        }
    }
}
