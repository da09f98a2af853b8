import Engine
import Foundation
import Notebook
import Testing
@testable import Actions

/// `compare`'s McNemar tests and its models of earlier runs (`runs:`).
@Suite struct CompareRunsTests {
    /// Cells 3 and 4 of the harness notebook: a trained model `m` (lines 9–12) and a `compare`
    /// whose `runs` is on line 15 (its first list item at column 8).
    func notebook(_ harness: EvaluationHarness, epochs: Int, runs: String, name: String = "m") -> String {
        harness.notebook("""
            ```loom test.model as \(name)
            kind: trained
            epochs: \(epochs)
            ```

            ```loom compare
            runs: \(runs)
            ```
            """)
    }

    @Test func eachModelIsTestedAgainstTheBestWithMcNemar() throws {
        let harness = try EvaluationHarness()
        let report = try harness.run(harness.perfectModelNotebook("""
            ```loom test.model as swapped
            kind: swap
            ```

            ```loom compare as cmp
            ```
            """))
        let cell = report.cells[4]
        #expect(cell.status == .ran, "\(cell.failure ?? "")")
        let table = try #require(cell.tables.first { $0.columns.first == "model" && $0.columns.contains("p-value") })
        #expect(table.columns == ["model", "test accuracy", "difference from perfect", "only perfect right",
                                  "only this model right", "test", "p-value", "significant at 0.05"])
        // 'swapped' calls the 3 test images of class 0 class 1 and gets the other 9 right; 'perfect'
        // gets all 12: b = 3, c = 0, n = 3 < 25, so exact: p = 2·C(3,0)/2³ = 0.25, not significant.
        #expect(table.rows == [["swapped", "0.750", "−25.00 pt", "3", "0", "exact binomial", "0.250", "no"]])
        #expect(cell.markdownText.contains("the difference from swapped is not significant (p = 0.250)"))
        #expect(cell.facts.first { $0.name == "p-value.swapped" }?.value == 0.25)
        #expect(cell.facts.first { $0.name == "discordant.swapped" }?.value == 3)
        #expect(cell.facts.first { $0.name == "significant-differences" }?.value == 0)
        #expect(cell.textFacts["runner-up"] == "swapped")
        #expect(cell.textFacts["runner-up-significant"] == "no")
        expectDeclaredFacts(cell)
    }

    @Test func oneModelHasNoTest() throws {
        let harness = try EvaluationHarness()
        let report = try harness.run(harness.notebook("```loom test.model as perfect\nkind: perfect\n```\n\n```loom compare\n```\n"))
        let cell = report.cells[3]
        #expect(cell.status == .ran, "\(cell.failure ?? "")")
        #expect(!cell.tables.contains { $0.columns.contains("p-value") })
        #expect(!cell.markdownText.contains("McNemar"))
    }

    @Test func modelsOfEarlierRunsJoinTheComparisonWithTheirCurves() throws {
        let harness = try EvaluationHarness()
        // The first run has no earlier run: 'last' is noted and left out.
        let first = try harness.run(notebook(harness, epochs: 1, runs: "[last]")).cells[3]
        #expect(first.status == .ran, "\(first.failure ?? "")")
        #expect(first.markdown.contains("'last' in 'runs' names no run yet: the notebook has no earlier runs in the cache."))
        #expect(try #require(first.tables.first).rows.map { $0[0] } == ["m"])

        // The second run trains m for 2 epochs and compares it with run 1's (1 epoch).
        let second = try harness.run(notebook(harness, epochs: 2, runs: "[last, -2]")).cells[3]
        #expect(second.status == .ran, "\(second.failure ?? "")")
        let table = try #require(second.tables.first)
        #expect(table.rows.map { $0[0] } == ["m", "m (run 1)"])
        #expect(table.rows.map { $0[3] } == ["2", "1"])  // epochs
        #expect(second.markdown.contains("'-2' in 'runs' names no run yet: the notebook has only 1 earlier run in the cache."))
        #expect(second.facts.contains { $0.name == "accuracy.m@run1" })
        #expect(second.tables.contains { $0.columns.contains("p-value") })
        #expect(second.figures.map(\.name) == ["validation-curves"])
        #expect(second.figures.first?.title == "Validation accuracy per epoch of m, m (run 1)")
        expectDeclaredFacts(second)

        // A third run changes nothing: run 2's m is this run's, so it is not repeated; run 1's is.
        let third = try harness.run(notebook(harness, epochs: 2, runs: "[last, -2]")).cells[3]
        #expect(third.status == .ran, "\(third.failure ?? "")")
        #expect(try #require(third.tables.first).rows.map { $0[0] } == ["m", "m (run 1)"])
        #expect(third.markdown.contains("Run 2's m is the model this run uses (the same cache key), so it is not repeated."))
    }

    @Test func anUnknownRunIdIsAnErrorAtItsItem() throws {
        let harness = try EvaluationHarness()
        _ = try harness.run(notebook(harness, epochs: 1, runs: "[]"))
        let cell = try harness.run(notebook(harness, epochs: 1, runs: "[last, 99]")).cells[3]
        let failure = try #require(cell.failure)
        #expect(failure.contains("nb.md:15:14: "), "\(failure)")
        #expect(failure.hasSuffix("compare: there is no run 99 of this notebook in the cache; its runs are 1 ('loom runs' lists them)"))
    }

    @Test func aRunIdOfANotebookNeverRunIsAnError() throws {
        let harness = try EvaluationHarness()
        let failure = try #require(try harness.run(notebook(harness, epochs: 1, runs: "3")).cells[3].failure)
        #expect(failure.contains("nb.md:15:7: "), "\(failure)")
        #expect(failure.hasSuffix("compare: there is no run 3 of this notebook in the cache; it has no recorded runs yet"))
    }

    @Test func aPrunedModelIsAnErrorThatSaysHowToRemakeIt() throws {
        let harness = try EvaluationHarness()
        _ = try harness.run(notebook(harness, epochs: 1, runs: "[]"))
        _ = try harness.run(notebook(harness, epochs: 2, runs: "[]"))
        // Pruning keeps what the notebook uses now: run 1's one-epoch model goes.
        #expect(try Cache(path: harness.directory + "/cache.sqlite").prune() > 0)
        let cell = try harness.run(notebook(harness, epochs: 2, runs: "[1]")).cells[3]
        let failure = try #require(cell.failure)
        #expect(failure.contains("nb.md:15:8: "), "\(failure)")
        #expect(failure.hasSuffix("compare: the model 'm' of run 1 is no longer in the cache (it was pruned); "
                                  + "run the notebook as run 1 did to make it again, or leave run 1 out of 'runs'"))
    }

    @Test func aRunWithoutTheCellIsAnError() throws {
        let harness = try EvaluationHarness()
        _ = try harness.run(notebook(harness, epochs: 1, runs: "[]", name: "m"))
        let cell = try harness.run(notebook(harness, epochs: 1, runs: "[last]", name: "renamed")).cells[3]
        let failure = try #require(cell.failure)
        #expect(failure.contains("nb.md:15:8: "), "\(failure)")
        #expect(failure.hasSuffix("compare: run 1 has no cell 'renamed' to take a model from (its named cells: m)"))
    }

    @Test func anEarlierModelForOtherImagesIsAnErrorAtRuns() throws {
        let harness = try EvaluationHarness()
        let small = try EvaluationHarness(side: 10)
        func text(_ directory: String) -> String {
            """
            ```loom load
            dataset: \(directory)
            ```

            ```loom split
            seed: 1
            ```

            ```loom test.model as m
            kind: perfect
            ```

            ```loom compare
            runs: [last]
            ```
            """
        }
        // Run 1 makes m for 10×10 images; run 2 compares it on 12×12 ones.
        _ = try harness.run(text(small.data.directory))
        let cell = try harness.run(text(harness.data.directory)).cells[3]
        let failure = try #require(cell.failure)
        #expect(failure.contains("nb.md:14:1: "), "\(failure)")
        #expect(failure.hasSuffix("compare: the model 'm (run 1)' takes 1×10×10 images but the split's images are 1×12×12; "
                                  + "use the data it was trained on"))
    }

    @Test(arguments: ["[first]", "[0]", "[last, 1.5]"])
    func aRunThatIsNoRunIsRejectedByTheCheck(runs: String) throws {
        let harness = try EvaluationHarness()
        let errors = harness.check(notebook(harness, epochs: 1, runs: runs)).errors.map(\.description)
        let written = runs.dropFirst().dropLast().split(separator: ",").last.map { $0.trimmingCharacters(in: .whitespaces) } ?? ""
        #expect(errors.contains { $0.hasSuffix("'runs' takes 'last', -N (the N-th newest run) or a run id as 'loom runs' lists them, not '\(written)'") },
                "\(errors)")
    }

    @Test func aCellThatFailedOrDidNotRunInTheEarlierRunHasNoModel() throws {
        func run(_ status: String, key: String?) -> RunRecord {
            RunRecord(id: 4, path: "nb.md", notebook: "/nb.md", startedAt: Date(), seconds: 1, gitCommit: nil, gitDirty: nil,
                      loomVersion: "test", succeeded: false, parameters: [RunParameter(name: "epochs", value: "3", overridden: true)],
                      cells: [RunCell(index: 2, action: "train.cnn", name: "cnn", status: status, message: nil, seconds: 1,
                                      key: key, facts: [])])
        }
        let position = SourcePosition(line: 15, column: 8)
        #expect(throws: ActionError("'cnn' failed in run 4, so that run has no model of it", parameter: "runs", position: position)) {
            try EarlierRuns.modelKey(of: "cnn", in: run("failed", key: "k"), position: position)
        }
        #expect(throws: ActionError("'cnn' did not run in run 4, so that run has no model of it", parameter: "runs", position: position)) {
            try EarlierRuns.modelKey(of: "cnn", in: run("skipped", key: nil), position: position)
        }
        #expect(try EarlierRuns.modelKey(of: "cnn", in: run("cached", key: "k"), position: position) == "k")
        // An unnamed cell is found by its action.
        #expect(throws: ActionError("run 4 has no cell 'train.mlp' to take a model from (its named cells: cnn)",
                                    parameter: "runs", position: position)) {
            try EarlierRuns.modelKey(of: "train.mlp", in: run("ran", key: "k"), position: position)
        }
        #expect(EarlierRuns.parameterText(run("ran", key: "k")) == " (with -p epochs=3)")
    }

    @Test func relativeReferencesCountBackFromTheNewestRun() throws {
        let runs = (1...3).reversed().map { id in
            RunRecord(id: Int64(id), path: "nb.md", notebook: "/nb.md", startedAt: Date(), seconds: 1, gitCommit: nil,
                      gitDirty: nil, loomVersion: "test", succeeded: true, parameters: [], cells: [])
        }
        let references = [RunReference(target: .back(1)), RunReference(target: .back(3)), RunReference(target: .id(3)),
                           RunReference(target: .back(4))]
        let (resolved, notes) = try EarlierRuns.resolve(references, runs: runs)
        // last = run 3, -3 = run 1, run 3 again is not repeated, -4 reaches past the history.
        #expect(resolved.map(\.run.id) == [3, 1])
        #expect(notes == ["'-4' in 'runs' names no run yet: the notebook has only 3 earlier runs in the cache."])
        #expect(references.map(\.written) == ["last", "-3", "3", "-4"])
    }
}
