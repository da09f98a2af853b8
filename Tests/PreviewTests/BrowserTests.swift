import Foundation
import Testing

/// The page in a real browser: headless Chromium, driven through its DevTools protocol.
@Suite(.serialized, .enabled(if: HeadlessChromium.binary != nil, "needs Debian's chromium (setup.sh installs it)"))
struct BrowserTests {
    static let notebook = """
        ```loom eda.classes
        ```

        ```loom train.mlp as mlp
        hidden: [16]
        optimizer: {adam: {learning-rate: 0.01}}
        epochs: 6
        batch-size: 32
        seed: 3
        ```

        ```loom evaluate
        model: mlp
        ```
        """

    /// Where the screenshots go: `$LOOM_PREVIEW_SCREENSHOTS`, or a temporary folder.
    static func screenshotPath(_ name: String, bench: PreviewBench) throws -> String {
        let folder = ProcessInfo.processInfo.environment["LOOM_PREVIEW_SCREENSHOTS"] ?? bench.directory + "/screenshots"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        return folder + "/" + name
    }

    @Test func thePageShowsOutputsAGrowingCurveAndUpdatesWithoutConsoleErrors() async throws {
        let bench = try PreviewBench()
        try bench.write(bench.notebook(Self.notebook, title: "Live preview", prose: "A small MLP on synthetic bars."))
        let gate = EpochGate(holdAt: [2, 4])
        let client = try await bench.start(afterEpoch: gate.hook)
        let url = try #require(bench.server?.url)
        defer {
            gate.releaseAll()
            Task { await bench.stop() }
        }
        let browser = try await blocking { try HeadlessChromium() }
        let training = ".loom-slot[data-cell=\"3\"]"
        let points = "(document.querySelector('\(training) svg.loom-curve') || {getAttribute: () => null}).getAttribute('data-points')"
        let trainCircles = "document.querySelectorAll('\(training) svg.loom-curve')[0].querySelectorAll('circle.train').length"
        try await blocking { try browser.navigate(url) }

        // Epoch 2 of 6: the cell above shows its table and figure; the training cell its live curve.
        try await gate.waitUntilReached(2)
        try await blocking {
            try browser.waitUntil("\(points) === '2'")
            #expect(try browser.evaluate("document.querySelector('.loom-slot[data-cell=\"2\"] .loom-outputs img') !== null") as? Bool == true)
            #expect(try browser.evaluate("document.querySelector('.loom-slot[data-cell=\"2\"] .loom-outputs table') !== null") as? Bool == true)
            #expect(try browser.evaluate("document.querySelector('.loom-slot[data-cell=\"2\"] .loom-state').textContent") as? String == "ran")
            #expect(try browser.evaluate("document.querySelector('\(training) .loom-state').textContent") as? String == "running")
            #expect(try browser.evaluate(trainCircles) as? Int == 2)
            #expect(try browser.evaluate("document.querySelectorAll('\(training) .loom-live tbody tr').length") as? Int == 2)
            #expect(try browser.evaluate("document.querySelector('\(training) .loom-stop').hidden") as? Bool == false)
            try browser.evaluate("document.getElementById('cell-4').scrollIntoView()")
            try browser.screenshot(to: try Self.screenshotPath("1-training-epoch-2.png", bench: bench))
        }

        // Epoch 4: the same page, without a reload, has grown to four points.
        gate.release(2)
        try await gate.waitUntilReached(4)
        try await blocking {
            try browser.waitUntil("\(points) === '4'")
            #expect(try browser.evaluate(trainCircles) as? Int == 4)
            #expect(try browser.evaluate("document.querySelectorAll('\(training) .loom-live tbody tr').length") as? Int == 4)
            try browser.evaluate("document.getElementById('cell-4').scrollIntoView()")
            try browser.screenshot(to: try Self.screenshotPath("2-training-epoch-4.png", bench: bench))
        }

        // Finished: the cell's own outputs replace the live view; the evaluation below ran.
        gate.release(4)
        try await blocking {
            try browser.waitUntil("document.querySelector('.loom-slot[data-cell=\"4\"]').getAttribute('data-state') === 'ran'")
            #expect(try browser.evaluate("document.querySelector('\(training)').getAttribute('data-state')") as? String == "ran")
            #expect(try browser.evaluate("document.querySelector('\(training) .loom-live').hidden") as? Bool == true)
            #expect(try browser.evaluate("document.querySelector('\(training) .loom-outputs img[alt^=\"Training curves\"]') !== null") as? Bool == true)
            try browser.evaluate("document.getElementById('cell-4').scrollIntoView()")
            try browser.screenshot(to: try Self.screenshotPath("3-finished.png", bench: bench))
        }

        // A save that adds a cell that fails when it runs (its data files hold no IDX data, which no
        // check can see): its error in place, the cell that reads it skipped.
        let broken = try bench.brokenDataFolder()
        try bench.write(bench.notebook(Self.notebook + """


            ```loom load as other
            dataset: \(broken)
            ```

            ```loom split as other-split
            data: other
            ```
            """, title: "Live preview", prose: "A small MLP on synthetic bars."))
        try await blocking {
            try browser.waitUntil("document.querySelector('.loom-slot[data-cell=\"6\"]')?.getAttribute('data-state') === 'skipped'")
            let error = try browser.evaluate("document.querySelector('.loom-slot[data-cell=\"5\"] .loom-error').textContent") as? String ?? ""
            #expect(error.hasPrefix("\(bench.directory)/nb.md:"), "\(error)")
            #expect(error.contains(": load: "), "\(error)")
            #expect(try browser.evaluate("document.querySelector('.loom-slot[data-cell=\"6\"] .loom-error').textContent") as? String
                    == "skipped: its input from cell 6 (load) failed")
            try browser.evaluate("document.getElementById('cell-6').scrollIntoView()")
            try browser.screenshot(to: try Self.screenshotPath("4-failed.png", bench: bench))
        }

        // A check error: listed at the top with its position; nothing runs.
        try bench.write(bench.notebook(Self.notebook.replacingOccurrences(of: "epochs: 6", with: "epoch: 6"),
                                       title: "Live preview", prose: "A small MLP on synthetic bars."))
        try await blocking {
            try browser.waitUntil("!document.querySelector('.loom-problems').hidden")
            let problems = try browser.evaluate("document.querySelector('.loom-problems').textContent") as? String ?? ""
            #expect(problems.contains("nb.md:\(PreviewBench.cellsLine + 6):1: train.mlp: unknown parameter 'epoch'; did you mean 'epochs'?"),
                    "\(problems)")
            #expect(try browser.evaluate("document.querySelector('\(training) .loom-rerun').disabled") as? Bool == true)
            try browser.evaluate("window.scrollTo(0, 0)")
            try browser.screenshot(to: try Self.screenshotPath("5-check-error.png", bench: bench))
        }

        // No console message, exception, log entry or CSP violation on the way.
        #expect(browser.consoleProblems == [])
        #expect(try await blocking { try browser.evaluate("document.documentElement.getAttribute('data-loom-errors')") as? String } == nil)
        _ = client
    }
}

extension BrowserTests {
    @Test func theTasksOfASubmittedCellAreATableUnderItWithoutConsoleErrors() async throws {
        let bench = try PreviewBench()
        try bench.write(bench.notebook(PreviewBench.mlp, title: "Slurm preview", prose: "A train cell run as a Slurm job."))
        let client = try await bench.start(executor: ScriptedExecutor())
        let url = try #require(bench.server?.url)
        defer { Task { await bench.stop() } }
        let browser = try await blocking { try HeadlessChromium() }
        try await blocking { try browser.navigate(url) }
        let slot = ".loom-slot[data-cell=\"2\"]"
        try await blocking {
            try browser.waitUntil("document.querySelector('\(slot)')?.getAttribute('data-state') === 'failed'")
            try browser.waitUntil("document.querySelector('\(slot) .loom-tasks')?.getAttribute('data-tasks') === '1'")
            #expect(try browser.evaluate("document.querySelector('\(slot) .loom-tasks').hidden") as? Bool == false)
            let cells = "Array.from(document.querySelectorAll('\(slot) .loom-tasks tbody td')).map(function (c) { return c.textContent; }).join('|')"
            #expect(try browser.evaluate(cells) as? String == "train.mlp|41|TIMEOUT|1|Slurm job 41 (train.mlp) ended TIMEOUT")
            #expect(try browser.evaluate("document.querySelector('\(slot) .loom-error').textContent.indexOf('ended TIMEOUT') >= 0") as? Bool == true)
            // A cell run here lists no tasks.
            #expect(try browser.evaluate("document.querySelector('.loom-slot[data-cell=\"1\"] .loom-tasks').hidden") as? Bool == true)
            try browser.evaluate("document.getElementById('cell-3').scrollIntoView()")
            try browser.screenshot(to: try Self.screenshotPath("6-slurm-tasks.png", bench: bench))
        }
        #expect(browser.consoleProblems == [])
        #expect(try await blocking { try browser.evaluate("document.documentElement.getAttribute('data-loom-errors')") as? String } == nil)
        _ = client
    }
}
