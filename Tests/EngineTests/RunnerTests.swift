import Crypto
import Engine
import Foundation
import Notebook
import Testing

/// Runs notebooks with the test actions against a cache in a scratch folder.
struct Harness {
    let directory = TemporaryDirectory()
    let log = RunLog()
    var cachePath: String { directory.file("cache/loom.sqlite") }
    var outputPath: String { directory.file("out/nb.md") }

    func run(_ text: String, force: [String] = [], noCache: Bool = false,
             figures: FigureMode = .embedded, scale: Double = 1) throws -> RunReport {
        let checked = Checker.check(NotebookDocument.parse(path: "nb.md", text: text), registry: testRegistry(log: log))
        #expect(checked.errors.isEmpty, "\(checked.errors)")
        let runner = NotebookRunner(registry: testRegistry(log: log), cache: try Cache(path: cachePath))
        try FileManager.default.createDirectory(atPath: directory.file("out"), withIntermediateDirectories: true)
        return try runner.run(checked, options: RunOptions(plan: PlanOptions(force: force, ignoreCache: noCache, figureScale: scale),
                                                           figures: figures, outputPath: outputPath))
    }

    func plan(_ text: String, scale: Double = 1) throws -> [PlannedCell] {
        let checked = Checker.check(NotebookDocument.parse(path: "nb.md", text: text), registry: testRegistry(log: log))
        return Planner(cache: try Cache(path: cachePath)).plan(checked, options: PlanOptions(figureScale: scale))
    }

    var output: String { (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? "" }
}

let chain = """
    # A chain

    ```loom number as a
    value: 2
    ```

    Some prose.

    ```loom add as b
    amount: 3
    ```

    ```loom number as c
    value: 10
    ```

    ```loom add
    to: c
    ```
    """

@Suite struct RunnerTests {
    @Test func aFirstRunRunsEverythingAndASecondRunsNothing() throws {
        let harness = Harness()
        let first = try harness.run(chain)
        #expect(first.cells.map(\.status) == [.ran, .ran, .ran, .ran])
        #expect(harness.log.all == ["number 2.0", "add 3.0", "number 10.0", "add 1.0"])
        harness.log.reset()
        let second = try harness.run(chain)
        #expect(second.cells.map(\.status) == [.cached, .cached, .cached, .cached])
        #expect(harness.log.all.isEmpty)
    }

    @Test func editingProseRunsNothing() throws {
        let harness = Harness()
        _ = try harness.run(chain)
        harness.log.reset()
        let report = try harness.run(chain.replacingOccurrences(of: "Some prose.", with: "Other prose, longer.\n\nMore."))
        #expect(report.cells.allSatisfy { $0.status == .cached })
        #expect(harness.log.all.isEmpty)
        #expect(harness.output.contains("Other prose, longer."))
    }

    @Test func editingOneCellRerunsItAndItsDependentsOnly() throws {
        let harness = Harness()
        _ = try harness.run(chain)
        harness.log.reset()
        let edited = chain.replacingOccurrences(of: "value: 2", with: "value: 5")
        let plan = try harness.plan(edited)
        #expect(plan.map(\.decision) == [.run(.changed(parameters: true, dataFiles: false, inputs: [])),
                                         .run(.changed(parameters: false, dataFiles: false, inputs: ["to"])),
                                         .cached, .cached])
        let report = try harness.run(edited)
        #expect(report.cells.map(\.status) == [.ran, .ran, .cached, .cached])
        #expect(harness.log.all == ["number 5.0", "add 3.0"])
    }

    @Test func commentsKeyOrderAndSpellingKeepTheCache() throws {
        let harness = Harness()
        _ = try harness.run(chain)
        harness.log.reset()
        let respelled = chain.replacingOccurrences(of: "value: 2", with: "value: 2.0   # the start")
        let report = try harness.run(respelled)
        #expect(report.cells.allSatisfy { $0.status == .cached })
    }

    @Test func forceRerunsTheNamedCellAndItsDependents() throws {
        let harness = Harness()
        _ = try harness.run(chain)
        harness.log.reset()
        let report = try harness.run(chain, force: ["c"])
        #expect(report.cells.map(\.status) == [.cached, .cached, .ran, .ran])
        harness.log.reset()
        _ = try harness.run(chain, force: ["1"])
        #expect(harness.log.all == ["number 2.0", "add 3.0"])
        harness.log.reset()
        _ = try harness.run(chain, noCache: true)
        #expect(harness.log.all.count == 4)
    }

    @Test func aFailureSkipsItsDependentsAndIndependentCellsStillRun() throws {
        let harness = Harness()
        let text = """
            ```loom fail as broken
            why: broken on purpose
            ```

            ```loom add
            to: broken
            ```

            ```loom number
            value: 7
            ```
            """
        let report = try harness.run(text)
        #expect(report.cells[0].status == .failed("nb.md:2:1: fail: it is broken on purpose"))
        #expect(report.cells[1].status == .skipped("its input from cell 1 (fail) failed"))
        #expect(report.cells[2].status == .ran)
        #expect(!report.succeeded)
        let output = harness.output
        #expect(output.contains("**Failed:** nb.md:2:1: fail: it is broken on purpose"))
        #expect(output.contains("*Skipped: its input from cell 1 (fail) failed.*"))
        #expect(output.contains("value is 7.0"))
    }

    @Test func theExecutedNotebookHasOutputsBetweenMarkersAndASummary() throws {
        let harness = Harness()
        _ = try harness.run(chain)
        let output = harness.output
        #expect(output.contains("<!-- loom:output cell=1 status=ran"))
        #expect(output.contains("value is 2.0"))
        #expect(output.contains("| sum |\n|:---|\n| 5.0 |"))
        #expect(output.contains("### Run summary"))
        _ = try harness.run(chain)
        #expect(harness.output.contains("<!-- loom:output cell=1 status=cached"))
        #expect(harness.output.components(separatedBy: "value is 2.0").count == 2)
    }

    @Test func aFailedCellKeepsItsLastCheckpoint() throws {
        let harness = Harness()
        let crashing = "```loom resume\nsteps: 5\ncrash-at: 3\n```\n"
        let first = try harness.run(crashing)
        #expect(first.cells[0].status == .failed("nb.md:1:9: resume: crashed at 3"))
        // The failed cell's last checkpoint stays in the cache under its key for the next run.
        let cache = try Cache(path: harness.cachePath)
        let checked = Checker.check(NotebookDocument.parse(path: "nb.md", text: crashing),
                                    registry: testRegistry(log: harness.log))
        let key = try #require(Planner(cache: cache).plan(checked)[0].key)
        let checkpoint = try #require(try cache.checkpoint(key: key))
        #expect(checkpoint.step == 3)
        #expect(String(decoding: checkpoint.data, as: UTF8.self) == "6.0")
    }

    @Test func aResumedRunContinuesFromTheLastCheckpoint() throws {
        let harness = Harness()
        let text = "```loom resume\nsteps: 5\n```\n"
        let cache = try Cache(path: harness.cachePath)
        let checked = Checker.check(NotebookDocument.parse(path: "nb.md", text: text),
                                    registry: testRegistry(log: harness.log))
        let key = try #require(Planner(cache: cache).plan(checked)[0].key)
        // As if an earlier run had been killed after step 2 (1 + 2 = 3 so far).
        try cache.saveCheckpoint(key: key, step: 2, data: Data("3.0".utf8))
        let report = try harness.run(text)
        #expect(report.cells[0].status == .ran)
        #expect(harness.log.all == ["resumed at 2", "resume finished"])
        #expect(try cache.checkpoint(key: key) == nil)
        let stored = try #require(try cache.resultData(key: key))
        #expect(try NumberValue.decoded(from: stored).value == 15)
    }

    @Test func aFailedRunLeavesThePreviousExecutedNotebook() throws {
        let harness = Harness()
        _ = try harness.run(chain)
        let before = harness.output
        // An output path in a folder that does not exist makes the final write fail.
        let checked = Checker.check(NotebookDocument.parse(path: "nb.md", text: chain.replacingOccurrences(
            of: "value: 2", with: "value: 9")), registry: testRegistry(log: harness.log))
        let runner = NotebookRunner(registry: testRegistry(log: harness.log), cache: try Cache(path: harness.cachePath))
        #expect(throws: (any Error).self) {
            try runner.run(checked, options: RunOptions(outputPath: harness.directory.file("missing/dir/nb.md")))
        }
        #expect(harness.output == before)
        // The cells that ran are cached all the same.
        harness.log.reset()
        _ = try harness.run(chain.replacingOccurrences(of: "value: 2", with: "value: 9"))
        #expect(harness.log.all.isEmpty)
    }

    @Test func assetsModeWritesFiguresBesideTheNotebook() throws {
        let harness = Harness()
        let registry = ActionRegistry([
            Action(name: "draw", version: 1, summary: "", parameters: NoParameters.self, run: { _, context in
                context.emitFigure(name: "dot", title: "A dot", png: Data([0x89, 0x50, 0x4E, 0x47]))
            }),
        ])
        let checked = Checker.check(NotebookDocument.parse(path: "nb.md", text: "```loom draw\n```\n"), registry: registry)
        let runner = NotebookRunner(registry: registry, cache: try Cache(path: harness.cachePath))
        let assets = harness.directory.file("out/nb.assets")
        try FileManager.default.createDirectory(atPath: harness.directory.file("out"), withIntermediateDirectories: true)
        _ = try runner.run(checked, options: RunOptions(figures: .assets(directory: assets, relativePath: "nb.assets"),
                                                        outputPath: harness.outputPath))
        // File names carry the figure's content hash, so a new figure never overwrites an old one.
        let hash = String(SHA256.hash(data: Data([0x89, 0x50, 0x4E, 0x47])).map { String(format: "%02x", $0) }.joined().prefix(12))
        #expect(harness.output.contains("![A dot](nb.assets/cell-01-dot-\(hash).png)"))
        #expect(FileManager.default.contents(atPath: assets + "/cell-01-dot-\(hash).png") == Data([0x89, 0x50, 0x4E, 0x47]))
        _ = try runner.run(checked, options: RunOptions(outputPath: harness.outputPath))
        #expect(harness.output.contains("![A dot](data:image/png;base64,iVBORw==)"))
        // A cell moved down: its figure file is renamed and the stale one removed.
        let moved = Checker.check(NotebookDocument.parse(path: "nb.md", text: "```loom draw\n```\n\n```loom draw\n```\n"),
                                  registry: registry)
        _ = try runner.run(moved, options: RunOptions(figures: .assets(directory: assets, relativePath: "nb.assets"),
                                                      outputPath: harness.outputPath))
        #expect(try FileManager.default.contentsOfDirectory(atPath: assets).sorted()
                == ["cell-01-dot-\(hash).png", "cell-02-dot-\(hash).png"])
        let single = Checker.check(NotebookDocument.parse(path: "nb.md", text: "# Only prose\n\n```loom draw\n```\n"),
                                   registry: registry)
        try FileManager.default.removeItem(atPath: assets + "/cell-01-dot-\(hash).png")
        try Data([1]).write(to: URL(fileURLWithPath: assets + "/notes.txt"))
        _ = try runner.run(single, options: RunOptions(figures: .assets(directory: assets, relativePath: "nb.assets"),
                                                       outputPath: harness.outputPath))
        #expect(try FileManager.default.contentsOfDirectory(atPath: assets).sorted() == ["cell-01-dot-\(hash).png", "notes.txt"])
    }

    /// With `--assets`, figures and notebook change together: a failed notebook write leaves the
    /// previous notebook and exactly the figure files it links.
    @Test func aFailedNotebookWriteLeavesTheOldFiguresUnderTheOldLinks() throws {
        let harness = Harness()
        let registry = ActionRegistry([
            Action(name: "draw", version: 1, summary: "", parameters: ShadeParameters.self,
                   run: { parameters, context in
                       context.emitFigure(name: "dot", title: "A dot",
                                          png: Data([0x89, 0x50, 0x4E, 0x47, UInt8(parameters.shade)]))
                   }),
        ])
        let runner = NotebookRunner(registry: registry, cache: try Cache(path: harness.cachePath))
        let assets = harness.directory.file("out/nb.assets")
        try FileManager.default.createDirectory(atPath: harness.directory.file("out"), withIntermediateDirectories: true)
        let first = Checker.check(NotebookDocument.parse(path: "nb.md", text: "```loom draw\nshade: 1\n```\n"), registry: registry)
        _ = try runner.run(first, options: RunOptions(figures: .assets(directory: assets, relativePath: "nb.assets"),
                                                      outputPath: harness.outputPath))
        let before = harness.output
        let filesBefore = try FileManager.default.contentsOfDirectory(atPath: assets).sorted()
        let second = Checker.check(NotebookDocument.parse(path: "nb.md", text: "```loom draw\nshade: 2\n```\n"), registry: registry)
        #expect(throws: NotebookError.self) {
            try runner.run(second, options: RunOptions(figures: .assets(directory: assets, relativePath: "nb.assets"),
                                                       outputPath: harness.directory.file("no-such-folder/nb.md")))
        }
        #expect(harness.output == before)
        #expect(try FileManager.default.contentsOfDirectory(atPath: assets).sorted() == filesBefore)
        for file in filesBefore { #expect(before.contains("(nb.assets/\(file))")) }
    }

    @Test func subResultsAreCachedOneByOne() throws {
        let harness = Harness()
        _ = try harness.run("```loom grid\nvalues: [1, 2]\n```\n")
        #expect(harness.log.all == ["square 1.0", "square 2.0"])
        harness.log.reset()
        _ = try harness.run("```loom grid\nvalues: [1, 2, 3]\n```\n")
        #expect(harness.log.all == ["square 3.0"])
        #expect(harness.output.contains("| 2.0 | 4.0 | true |"))
        #expect(harness.output.contains("| 3.0 | 9.0 | false |"))
        // Pruning keeps the sub-results of the latest run, including those it found cached.
        _ = try Cache(path: harness.cachePath).prune()
        harness.log.reset()
        _ = try harness.run("```loom grid\nvalues: [3, 2, 1, 4]\n```\n")
        #expect(harness.log.all == ["square 4.0"])
        // --no-cache and --force recompute sub-results as well.
        harness.log.reset()
        _ = try harness.run("```loom grid\nvalues: [1, 2]\n```\n", noCache: true)
        #expect(harness.log.all == ["square 1.0", "square 2.0"])
        harness.log.reset()
        _ = try harness.run("```loom grid\nvalues: [1, 2]\n```\n", force: ["grid"])
        #expect(harness.log.all == ["square 1.0", "square 2.0"])
    }
}

/// One integer, for the figure-writing tests.
struct ShadeParameters: ParameterSet {
    var shade = 1
    static let fields: [Field<Self>] = [Field("shade", \.shade, .integer(.closed(0, 255)), doc: "A grey level.")]
}
