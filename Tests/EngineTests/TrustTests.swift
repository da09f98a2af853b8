import Engine
import Foundation
import Notebook
import Testing

/// The test actions plus `stamp` (a number that differs on every run, like a training's timings)
/// and `score` (makes no result, publishes declared facts).
func trustRegistry(log: RunLog) -> ActionRegistry {
    let counter = RunLog()
    return ActionRegistry(testRegistry(log: log).actions + [
        Action(name: "stamp", version: 1, summary: "A number that changes on every run.", produces: "number",
               parameters: NoParameters.self,
               facts: [FactDeclaration("run", .count, doc: "Which run made it.")],
               run: { _, context in
                   counter.record("stamp")
                   let run = Double(counter.all.count)
                   log.record("stamp \(Int(run))")
                   context.emit(markdown: "stamp \(Int(run))")
                   context.publish(fact: "run", value: run, kind: .count)
                   context.setResult(NumberValue(run))
               }),
        Action(name: "score", version: 1, summary: "Scores a number.",
               inputs: [Input("of", kind: "number", doc: "The number.")],
               parameters: NoParameters.self,
               facts: [FactDeclaration("accuracy", .percentage, doc: "A share."),
                       FactDeclaration("seconds", .duration, doc: "A time."),
                       FactDeclaration("winner", .text, doc: "A name."),
                       .family("recall", suffix: "class", .percentage, doc: "Per class.")],
               run: { _, context in
                   let value = try context.input("of", as: NumberValue.self).value
                   log.record("score \(value)")
                   context.publish(fact: "accuracy", value: value / 10, kind: .fraction)
                   context.publish(fact: "seconds", value: 44.6, kind: .seconds)
                   context.publish(fact: "recall.Shirt", value: 0.625, kind: .fraction)
                   context.publish(fact: "winner", text: "cnn")
                   context.emit(markdown: "scored \(value)")
               }),
        Action(name: "figure", version: 1, summary: "Draws two figures.", parameters: NoParameters.self,
               run: { _, context in
                   context.emitFigure(name: "one", title: "The first figure", png: Data([1, 2, 3]))
                   context.emitFigure(name: "two", title: "Accuracy *by* class", png: Data([4, 5]))
               }),
    ])
}

/// Runs notebooks of any path with ``trustRegistry(log:)`` against one cache.
struct TrustHarness {
    let directory = TemporaryDirectory()
    let log = RunLog()
    let registry: ActionRegistry
    var cachePath: String { directory.file("cache/loom.sqlite") }

    init() { registry = trustRegistry(log: log) }

    func check(_ text: String, path: String = "a.md") -> CheckedNotebook {
        Checker.check(NotebookDocument.parse(path: path, text: text), registry: registry)
    }

    func run(_ text: String, path: String = "a.md", force: [String] = [], noCache: Bool = false,
             machine: String? = "Test CPU; scalar kernels; 1 thread") throws -> (report: RunReport, output: String) {
        let checked = check(text, path: directory.file(path))
        #expect(checked.errors.isEmpty, "\(checked.errors)")
        let output = directory.file("out/" + path)
        try FileManager.default.createDirectory(atPath: directory.file("out"), withIntermediateDirectories: true)
        let runner = NotebookRunner(registry: registry, cache: try Cache(path: cachePath))
        let report = try runner.run(checked, options: RunOptions(
            plan: PlanOptions(force: force, ignoreCache: noCache), outputPath: output, machine: machine))
        return (report, (try? String(contentsOfFile: output, encoding: .utf8)) ?? "")
    }
}

let training = """
    ```loom stamp as t
    ```

    ```loom add as compare
    to: t
    amount: 100
    ```

    ```loom add
    to: compare
    amount: 1000
    ```
    """

@Suite struct ConsistentOutputTests {
    /// Notebook A trains and compares; notebook B holds the same training cell and runs it with
    /// `--no-cache`, replacing the stored result under the same key. A's next run must not show
    /// B's training beside a comparison computed from A's old one.
    @Test func replacingAnUpstreamResultMakesEverythingThatReadItStale() throws {
        let harness = TrustHarness()
        let first = try harness.run(training, path: "a.md")
        #expect(first.output.contains("stamp 1"))
        #expect(first.output.contains("| 101.0 |") && first.output.contains("| 1101.0 |"))

        let other = try harness.run("```loom stamp as t\n```\n", path: "b.md", noCache: true)
        #expect(other.output.contains("stamp 2"))

        harness.log.reset()
        let again = try harness.run(training, path: "a.md")
        #expect(again.report.cells.map(\.status) == [.cached, .ran, .ran])
        #expect(again.output.contains("stamp 2"))
        #expect(again.output.contains("| 102.0 |") && again.output.contains("| 1102.0 |"), "\(again.output)")
        #expect(harness.log.all == ["add 100.0", "add 1000.0"])

        // And the plan said why.
        let planned = Planner(cache: try Cache(path: harness.cachePath)).plan(harness.check(training, path: harness.directory.file("a.md")))
        #expect(planned.map(\.decision) == [.cached, .cached, .cached])
    }

    @Test func recomputingTheSameBytesLeavesTheCellsThatReadThemCached() throws {
        let harness = TrustHarness()
        let text = "```loom number as n\nvalue: 4\n```\n\n```loom add\nto: n\n```\n"
        _ = try harness.run(text, path: "a.md")
        _ = try harness.run("```loom number as n\nvalue: 4\n```\n", path: "b.md", noCache: true)
        harness.log.reset()
        let again = try harness.run(text, path: "a.md")
        #expect(again.report.cells.map(\.status) == [.cached, .cached])
        #expect(harness.log.all.isEmpty)
        #expect(CellRecord.contentGeneration(outputs: [.markdown("a")], result: nil)
                != CellRecord.contentGeneration(outputs: [.markdown("a")], result: Data()))
    }

    @Test func thePlanNamesTheReplacedInput() throws {
        let harness = TrustHarness()
        _ = try harness.run(training, path: "a.md")
        _ = try harness.run("```loom stamp as t\n```\n", path: "b.md", noCache: true)
        let planned = Planner(cache: try Cache(path: harness.cachePath)).plan(harness.check(training, path: harness.directory.file("a.md")))
        #expect(planned.map(\.decision) == [.cached, .run(.inputsReplaced(["t"])), .run(.inputsRerun(["compare"]))])
        #expect(RunReason.inputsReplaced(["t"]).description == "input 't' was recomputed since this cell ran")
        #expect(RunReason.inputsRerun(["compare"]).description == "input 'compare' runs again in this run")
    }

    @Test func forcingACellRerunsItsDependentsAndNothingElse() throws {
        let harness = TrustHarness()
        let text = "```loom number as n\n```\n\n" + training
        _ = try harness.run(text)
        harness.log.reset()
        let forced = try harness.run(text, force: ["t"])
        #expect(forced.report.cells.map(\.status) == [.cached, .ran, .ran, .ran])
        #expect(harness.log.all == ["stamp 2", "add 100.0", "add 1000.0"])
        #expect(forced.output.contains("| 1102.0 |"))
        harness.log.reset()
        let byNumber = try harness.run(text, force: ["3"])
        #expect(byNumber.report.cells.map(\.status) == [.cached, .cached, .ran, .ran])
        #expect(harness.log.all == ["add 100.0", "add 1000.0"])
    }

    @Test func aCacheFromBeforeRecordsStaysConsistent() throws {
        // Cells stored without a record (an older loom) read as the legacy generation on both sides.
        let harness = TrustHarness()
        _ = try harness.run(training)
        let cache = try Cache(path: harness.cachePath)
        #expect(try cache.record(key: #require(Planner(cache: cache).plan(harness.check(training, path: harness.directory.file("a.md")))[0].key)) != nil)
        #expect(try cache.generation(key: "no-such-key") == CellRecord.legacyGeneration)
    }
}

@Suite struct ForceSelectorTests {
    let document = NotebookDocument.parse(path: "notebooks/cnn.md", text: "```loom number as cnn\n```\n\n```loom add\n```\n\n```loom score\n```\n")

    @Test(arguments: [
        ("evalute", "--force 'evalute' matches no cell of notebooks/cnn.md (its cells are 1–3, or a result name or action)"),
        ("ad", "--force 'ad' matches no cell of notebooks/cnn.md (its cells are 1–3, or a result name or action); did you mean 'add'?"),
        ("cnm", "--force 'cnm' matches no cell of notebooks/cnn.md (its cells are 1–3, or a result name or action); did you mean 'cnn'?"),
        ("99", "--force '99' matches no cell of notebooks/cnn.md (its cells are 1–3, or a result name or action)"),
        ("0", "--force '0' matches no cell of notebooks/cnn.md (its cells are 1–3, or a result name or action)"),
        ("", "--force needs a cell: its number, its result name or its action (for example --force 3 or --force cnn)."),
        ("  ", "--force needs a cell: its number, its result name or its action (for example --force 3 or --force cnn)."),
    ])
    func aSelectorThatPicksNothingIsAnError(selector: String, message: String) {
        #expect(throws: ForceSelectorError.self) { try ForceSelector.validate([selector], in: [document]) }
        do {
            try ForceSelector.validate([selector], in: [document])
        } catch {
            #expect(error.description == message)
            #expect(error.errorDescription == message)
        }
    }

    @Test func numbersNamesAndActionsPickCells() throws {
        try ForceSelector.validate(["1", "3", "cnn", "add", "score"], in: [document])
        let other = NotebookDocument.parse(path: "b.md", text: "```loom stamp\n```\n")
        // A selector needs to pick a cell in one of the notebooks run, not all.
        try ForceSelector.validate(["stamp", "cnn"], in: [document, other])
        do {
            try ForceSelector.validate(["stam"], in: [document, other])
            Issue.record("expected an error")
        } catch {
            #expect(error.description == "--force 'stam' matches no cell of any of notebooks/cnn.md, b.md "
                    + "(its cells are 1–3, or a result name or action); did you mean 'stamp'?")
        }
    }
}

@Suite struct ProvenanceTests {
    @Test func markersRecordWhenWhereAndByWhatEachOutputWasComputed() throws {
        let harness = TrustHarness()
        let before = Date()
        let first = try harness.run(training)
        let blocks = NotebookDocument.parse(path: "a.md", text: first.output).outputBlocks.filter { !$0.isSummary }
        #expect(blocks.count == 3)
        for block in blocks {
            let attributes = Dictionary(block.attributes.map { ($0.key, $0.value) }, uniquingKeysWith: { a, _ in a })
            #expect(attributes["status"] == "ran")
            #expect(attributes["loom"] == LoomVersion.current)
            #expect(attributes["on"] == "Test CPU; scalar kernels; 1 thread")
            let computed = try #require(attributes["computed"].flatMap { ISO8601DateFormatter().date(from: $0) })
            #expect(computed.timeIntervalSince(before) > -1 && computed.timeIntervalSinceNow < 1)
        }
        #expect(first.output.contains("Ran on: Test CPU; scalar kernels; 1 thread"))
        #expect(first.output.contains("| in this run |"))
        #expect(first.output.contains("3 ran in this run, 0 from cache"))

        // A cached cell keeps the provenance of the run that computed it, and the summary says so.
        let stored = try #require(first.report.cells[0].provenance)
        let second = try harness.run(training, machine: "Another CPU")
        #expect(second.report.cells.map(\.status) == [.cached, .cached, .cached])
        #expect(second.report.cells[0].provenance == stored)
        #expect(second.output.contains("computed=\(stored.timestamp)"))
        #expect(second.output.contains("on=\"Test CPU; scalar kernels; 1 thread\""))
        #expect(!second.output.contains("Another CPU"))
        #expect(second.output.contains("| from cache, computed \(stored.shortDate) |"))
        #expect(second.output.contains("0 ran in this run, 3 from cache"))
    }

    @Test func aNotebookInAGitRepositoryRecordsItsCommit() throws {
        let harness = TrustHarness()
        let directory = harness.directory.path
        func git(_ arguments: String...) throws {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = ["git", "-C", directory, "-c", "user.name=t", "-c", "user.email=t@t"] + arguments
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            process.waitUntilExit()
        }
        try git("init", "-q")
        try training.write(toFile: harness.directory.file("a.md"), atomically: true, encoding: .utf8)
        try git("add", "a.md")
        try git("commit", "-q", "-m", "a")
        let run = try harness.run(training)
        let commit = try #require(run.report.cells[0].provenance?.commit)
        #expect(commit.count == 40)
        #expect(run.output.contains("commit=\(commit.prefix(12))"))
    }

    @Test func markerValuesStayOneLineWithoutDoubleDashes() throws {
        let harness = TrustHarness()
        let run = try harness.run("```loom number\n```\n", machine: "CPU -- with\nnewline")
        #expect(run.output.contains("on=\"CPU - with newline\""))
        // Old markers without provenance still read.
        let old = NotebookDocument.parse(path: "x.md", text: "```loom number\n```\n\n<!-- loom:output cell=1 status=ran seconds=1.00 -->\n\nold\n\n<!-- /loom:output -->\n")
        #expect(old.outputBlocks.first?.attributes.map(\.key) == ["cell", "status", "seconds"])
    }
}

let scored = """
    # Scores

    ```loom stamp as t
    ```

    ```loom score as ev
    of: t
    ```

    The model classifies `{loom} ev.accuracy` (`{loom} ev.accuracy:.1%`) in `{loom} ev.seconds`;
    Shirt recall `{loom} ev.recall.Shirt:.0%`, winner `{loom} ev.winner`, run `{loom} t.run:d`.
    Plain code `like this` stays.

    ```python
    `{loom} ev.accuracy` in a code block stays
    ```
    """

@Suite struct InlineValueTests {
    @Test func proseShowsThePublishedValuesEvenWhenEverythingIsCached() throws {
        let harness = TrustHarness()
        let expected = "The model classifies 10.00% (10.0%) in 44.6 s;\n"
            + "Shirt recall 62%, winner cnn, run 1."
        let first = try harness.run(scored)
        #expect(first.output.contains(expected), "\(first.output)")
        #expect(first.output.contains("`{loom} ev.accuracy` in a code block stays"))
        #expect(first.output.contains("Plain code `like this` stays"))
        let second = try harness.run(scored)
        #expect(second.report.cells.map(\.status) == [.cached, .cached])
        #expect(second.output.contains(expected))
    }

    @Test func referencesAreFoundWithTheirPositions() {
        let document = NotebookDocument.parse(path: "a.md", text: scored)
        let references = document.inlineReferences
        #expect(references.map { "\($0.position) \($0.cell).\($0.fact) \($0.format ?? "-")" } == [
            "10:22 ev.accuracy -", "10:44 ev.accuracy .1%", "10:73 ev.seconds -",
            "11:14 ev.recall.Shirt .0%", "11:51 ev.winner -", "11:75 t.run d",
        ])
    }

    @Test func checkReportsUnknownCellsFactsAndFormatsAtTheirPositions() {
        let harness = TrustHarness()
        let text = """
            ```loom stamp as t
            ```

            ```loom score as ev
            of: t
            ```

            A `{loom} evv.accuracy` and `{loom} ev.acuracy` and `{loom} ev.accuracy:.1q`,
            `{loom} ev.winner:.1%`, `{loom} t.nothing`, `{loom} ev`, `{loom} ev.recall.Bag`.
            `{loom} ev.recal.Shirt` `{loom} ev.recall`
            """
        let messages = harness.check(text).errors.map(\.description)
        #expect(messages == [
            "a.md:8:3: no cell is named 'evv'; did you mean 'ev'? (name a cell with 'as NAME' after its action)",
            "a.md:8:29: 'score' (cell 2, line 4) publishes no fact 'acuracy'; did you mean 'accuracy'?; "
                + "it publishes accuracy, seconds, winner, recall.CLASS",
            "a.md:8:53: unknown format '.1q' for 'ev.accuracy'; use '.1%', '.2f', '.3g', '.2e', 'd' or ','",
            "a.md:9:1: 'ev.winner' is text, so it takes no format ('.1%')",
            "a.md:9:25: 'stamp' (cell 1, line 1) publishes no fact 'nothing'; it publishes run",
            "a.md:9:45: the inline value `{loom} ev` needs a cell's name and a fact, as `{loom} NAME.FACT` "
                + "(for example `{loom} ev.accuracy:.1%`)",
            "a.md:10:1: 'score' (cell 2, line 4) publishes no fact 'recal.Shirt'; did you mean 'recall.Shirt'?; "
                + "it publishes accuracy, seconds, winner, recall.CLASS",
            "a.md:10:25: 'score' (cell 2, line 4) publishes no fact 'recall'; did you mean 'recall.CLASS'?; "
                + "it publishes accuracy, seconds, winner, recall.CLASS",
        ], "\(messages)")
    }

    @Test func aCellWithoutAResultMayBeNamed() {
        let harness = TrustHarness()
        #expect(harness.check(scored).errors.isEmpty)
    }

    @Test func aValueACellDidNotPublishIsShownAsMissing() throws {
        let harness = TrustHarness()
        let text = "```loom fail as f\n```\n\n```loom score as ev\nof: f\n```\n\nSee `{loom} ev.accuracy`.\n"
        let run = try harness.run(text)
        #expect(run.output.contains("See **[ev.accuracy: no value, cell 2 was skipped]**."), "\(run.output)")
    }

    @Test(arguments: [
        (".1%", 0.9227, "92.3%"), (".0%", 0.5, "50%"), (".2f", 3.14159, "3.14"), (".3g", 0.000123456, "0.000123"),
        ("d", 41.6, "42"), (",", 12345.0, "12,345"), (",d", 1234567.0, "1,234,567"), (",.1f", 12345.67, "12,345.7"),
        (".2e", 12345.0, "1.23e+04"), (".1", 2.25, "2.2"),
    ])
    func formats(format: String, value: Double, expected: String) throws {
        #expect(try #require(InlineFormat(format)).format(value) == expected)
    }

    @Test(arguments: ["", "x", ".%", ".1d", "%%", ".99f"])
    func badFormats(format: String) {
        #expect(InlineFormat(format) == nil)
    }
}

@Suite struct FigureCaptionTests {
    @Test func everyFigureGetsAVisibleNumberedCaption() throws {
        let harness = TrustHarness()
        let run = try harness.run("```loom figure\n```\n\n```loom figure\n```\n")
        #expect(run.output.contains("*Figure 1: The first figure.*"))
        #expect(run.output.contains("*Figure 2: Accuracy \\*by\\* class.*"))
        #expect(run.output.contains("*Figure 3: The first figure.*"))
        #expect(run.output.contains("*Figure 4: Accuracy \\*by\\* class.*"))
        let image = try #require(run.output.range(of: "![The first figure](data:image/png;base64,"))
        let caption = try #require(run.output.range(of: "*Figure 1:"))
        #expect(image.upperBound < caption.lowerBound)
    }

    @Test func theHTMLExportShowsThemAsFigcaptions() throws {
        let harness = TrustHarness()
        let run = try harness.run("```loom figure\n```\n")
        let html = HTMLPage.render(markdown: run.output, title: "t", baseDirectory: harness.directory.path)
        #expect(html.contains("<figure><img src=\"data:image/png;base64,AQID\" alt=\"The first figure\" />"
                              + "<figcaption>Figure 1: The first figure.</figcaption></figure>"), "\(html)")
        #expect(html.contains("<figcaption>Figure 2: Accuracy *by* class.</figcaption></figure>"))
        #expect(!html.contains("<p><em>Figure"))
    }

    @Test func anImageWithoutACaptionStaysAParagraph() {
        let html = HTMLPage.render(markdown: "![x](data:image/png;base64,AA==)\n\n*Not a caption*\n", title: "t", baseDirectory: "/")
        #expect(html.contains("<p><img src=\"data:image/png;base64,AA==\" alt=\"x\" /></p>"))
        #expect(!html.contains("<figure>"))
    }
}
