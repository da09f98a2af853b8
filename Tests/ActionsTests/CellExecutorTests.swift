import Actions
import Engine
import Foundation
import Testing

/// An executor that computes what it is handed in this process, the way a Slurm task does (from
/// the job alone, with a bundle of result bytes and no cache), and records what it was handed.
final class InProcessExecutor: CellExecutor, @unchecked Sendable {
    let cache: Cache
    private let lock = NSLock()
    private(set) var cells: [String] = []
    private(set) var subresults: [[String]] = []
    private(set) var subresultKeys: [String] = []
    /// Where the tasks' checkpoints go, as a Slurm task's go to the shared folder.
    let checkpoints: CheckpointFolder?

    init(cache: Cache, checkpoints: CheckpointFolder? = nil) {
        self.cache = cache
        self.checkpoints = checkpoints
    }

    func computesWholeCell(action: String) -> Bool { action.hasPrefix("train.") }

    func bundle(_ job: CellJob) throws -> [String: Data] {
        var bundle: [String: Data] = [:]
        for key in job.bundleKeys {
            guard let data = try cache.resultData(key: key) else { throw ActionError("input \(key) is not cached") }
            bundle[key] = data
        }
        return bundle
    }

    func compute(cell job: CellJob, progress: CellProgress) throws -> ComputedCell {
        lock.withLock { cells.append(job.action) }
        return try RemoteCell.compute(job, subresult: nil, bundle: bundle(job), registry: BuiltInActions.registry,
                                      checkpoints: checkpoints, progress: SilentProgress())
    }

    func compute(subresults requests: [SubresultRequest], of job: CellJob, progress: CellProgress,
                 arrived: (String, Data, Double) throws -> Void) throws {
        lock.withLock {
            subresults.append(requests.map(\.name))
            subresultKeys += requests.map(\.key)
        }
        for request in requests {
            let computed = try RemoteCell.compute(job, subresult: request.key, bundle: bundle(job), registry: BuiltInActions.registry,
                                                  checkpoints: checkpoints, progress: SilentProgress())
            try arrived(request.key, try #require(computed.result?.data), computed.seconds)
        }
    }
}

@Suite struct CellExecutorTests {
    static let cells = """
        ```loom sweep
        model: mlp
        activation: [relu, tanh]
        width: 8
        epochs: 2
        batch-size: 32
        seed: 4
        ```

        ```loom train.mlp
        hidden: [8]
        epochs: 2
        seed: 2
        ```
        """

    /// Every table of every cell, without the columns that hold times.
    static func tables(_ report: RunReport) -> [[[String]]] {
        report.cells.flatMap(\.tables).map { table in
            let kept = table.columns.indices.filter { !["seconds", "img/s"].contains(table.columns[$0]) }
            return [kept.map { table.columns[$0] }] + table.rows.map { row in kept.map { row[$0] } }
        }
    }

    @Test func anExecutorGetsTheTrainCellAndTheMissingVariantsAndTheResultsMatchALocalRun() throws {
        let bench = try TrainingBench()
        let text = bench.notebook(Self.cells)
        let local = try bench.run(text, cache: Cache(path: bench.directory + "/local.sqlite"))
        #expect(local.succeeded)

        let executor = InProcessExecutor(cache: bench.cache)
        var options = RunOptions(outputPath: nil)
        options.executor = executor
        let runner = NotebookRunner(registry: BuiltInActions.registry, cache: bench.cache)
        let remote = try runner.run(bench.check(text), options: options)
        #expect(remote.succeeded, "\(remote.cells.compactMap(\.failure))")
        #expect(executor.cells == ["train.mlp"])
        #expect(executor.subresults == [["variant relu 8×1", "variant tanh 8×1"]])
        #expect(Self.tables(remote) == Self.tables(local))
        #expect(remote.cells[3].facts.map(\.name) == local.cells[3].facts.map(\.name))
        // The results came home to the cache: the next run hands nothing off.
        let again = try runner.run(bench.check(text), options: options)
        #expect(again.count(.cached) == 4)
        #expect(executor.cells.count == 1 && executor.subresults.count == 1)
        // A new variant: only it is handed off.
        let wider = text.replacingOccurrences(of: "width: 8", with: "width: [8, 16]")
        _ = try runner.run(bench.check(wider), options: options)
        #expect(executor.subresults.last == ["variant relu 16×1", "variant tanh 16×1"])
    }

    @Test func tasksCheckpointEveryEpochInTheirFolderUnderTheirOwnKeys() throws {
        let bench = try TrainingBench()
        let folder = CheckpointFolder(directory: bench.directory + "/shared/checkpoints")
        let executor = InProcessExecutor(cache: bench.cache, checkpoints: folder)
        var options = RunOptions(outputPath: nil)
        options.executor = executor
        let text = bench.notebook(Self.cells)
        let report = try NotebookRunner(registry: BuiltInActions.registry, cache: bench.cache).run(bench.check(text), options: options)
        #expect(report.succeeded)
        // Each variant's task and the train cell's task saved their last epoch (2 of 2) under their keys;
        // the cache holds no checkpoint (a real executor removes these files once the results are in).
        #expect(executor.subresultKeys.count == 2)
        for key in executor.subresultKeys { #expect(try folder.latest(key: key)?.step == 2) }
        let trainKey = try #require(bench.key(text, cell: 3))
        #expect(try folder.latest(key: trainKey)?.step == 2)
        #expect(try bench.cache.checkpoint(key: trainKey) == nil)
    }

    @Test func aJobForAnotherActionVersionOrAnUnknownVariantIsRefused() throws {
        let bench = try TrainingBench()
        let text = bench.notebook(Self.cells)
        _ = try bench.run(text)
        let checked = bench.check(text)
        let planned = Planner(cache: bench.cache).plan(checked)
        let splitKey = try #require(planned[1].key)
        var job = CellJob(notebookPath: "nb.md", notebookText: text, overrides: [:], cellIndex: 3, action: "train.mlp",
                          actionVersion: 999, key: try #require(planned[3].key), inputKeys: ["data": [splitKey]],
                          inputLabels: ["data": ["split"]], bundleKeys: [try #require(planned[0].key), splitKey],
                          recomputesSubresults: false)
        let bundle = try InProcessExecutor(cache: bench.cache).bundle(job)
        #expect(throws: RemoteCellError.self) {
            _ = try RemoteCell.compute(job, subresult: nil, bundle: bundle, registry: BuiltInActions.registry, checkpoints: nil,
                                       progress: SilentProgress())
        }
        job.actionVersion = BuiltInActions.registry.action(named: "train.mlp")?.version ?? 0
        let computed = try RemoteCell.compute(job, subresult: nil, bundle: bundle, registry: BuiltInActions.registry,
                                              checkpoints: nil, progress: SilentProgress())
        #expect(computed.result?.kind == .model)
        #expect(computed.outputs.count >= 3)

        job.cellIndex = 2
        job.action = "sweep"
        job.actionVersion = BuiltInActions.registry.action(named: "sweep")?.version ?? 0
        job.key = try #require(planned[2].key)
        do {
            _ = try RemoteCell.compute(job, subresult: String(repeating: "0", count: 64), bundle: bundle,
                                       registry: BuiltInActions.registry, checkpoints: nil, progress: SilentProgress())
            Issue.record("an unknown variant was computed")
        } catch let error as RemoteCellError {
            #expect(error.message.contains("this cell has no variant with key 000000000000"), "\(error.message)")
        }
    }
}
