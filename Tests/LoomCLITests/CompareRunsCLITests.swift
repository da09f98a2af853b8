import Foundation
import Testing
import _LoomTestSupport

/// `compare` with models of earlier runs (`runs:`), and the intervals and tests in an executed
/// notebook, through the `loom` executable.
@Suite struct CompareRunsCLITests {
    /// The tiny study (load, split, cnn for `$epochs` epochs, evaluate), then a compare of cnn
    /// with the earlier runs `runs` (on line 36).
    func notebook(_ project: Project, runs: String) -> String {
        project.training.replacingOccurrences(of: "```loom evaluate\n", with: "```loom evaluate as ev\n") + """


            ```loom compare as cmp
            models: [cnn]
            runs: \(runs)
            ```

            The best model is `{loom} cmp.best-model`; against the runner-up p = `{loom} cmp.runner-up-p-value:.3f`.
            The evaluation's accuracy interval is `{loom} ev.accuracy-low:.1%`–`{loom} ev.accuracy-high:.1%`.
            """
    }

    @Test func earlierRunsAreComparedAndAPrunedModelIsAnError() throws {
        let project = try Project()
        try project.write("notebooks/t.md", notebook(project, runs: "[last]"))
        let first = try project.loom("run", "-q", "-p", "epochs=1", "notebooks/t.md")
        #expect(first.status == 0, "\(first.standardError)")
        let second = try project.loom("run", "-q", "-p", "epochs=2", "--assets", "notebooks/t.md")
        #expect(second.status == 0, "\(second.standardError)")
        let executed = try #require(project.read("outputs/t.md"))
        // Run 2's cnn (2 epochs) against run 1's (1 epoch), with McNemar's test between them.
        #expect(executed.contains("| cnn (run 1) |"))
        #expect(executed.contains("| model | test accuracy | difference from "))
        #expect(executed.contains("McNemar's test of each model against **"))
        #expect(executed.contains("Reliability diagram of cnn on the test part"))
        #expect(executed.contains("| accuracy 95% interval |"))
        #expect(executed.contains("ROC AUC (one-vs-rest)"))
        #expect(!executed.contains("no value"))

        // Pruning keeps what the notebook uses now, so run 1's one-epoch model goes.
        #expect(try project.loom("cache", "prune").status == 0)
        try project.write("notebooks/t.md", notebook(project, runs: "[1]"))
        let failed = try project.loom("run", "-q", "-p", "epochs=2", "notebooks/t.md")
        #expect(failed.status != 0)
        #expect(failed.standardError.contains(
            "notebooks/t.md:36:8: compare: the model 'cnn' of run 1 is no longer in the cache (it was pruned); "
                + "run the notebook as run 1 did (with -p epochs=1) to make it again, or leave run 1 out of 'runs'"),
            "\(failed.standardError)")

        try project.write("notebooks/t.md", notebook(project, runs: "[7]"))
        let unknown = try project.loom("run", "-q", "-p", "epochs=2", "notebooks/t.md")
        #expect(unknown.status != 0)
        #expect(unknown.standardError.contains(
            "notebooks/t.md:36:8: compare: there is no run 7 of this notebook in the cache; its runs are 3, 2, 1 "
                + "('loom runs' lists them)"), "\(unknown.standardError)")
    }
}
