import Dataset
import Foundation
import Testing
import _LoomTestSupport

/// Runs the built `loom` executable the way a user does.
struct Loom {
    /// The `loom` binary beside the test bundle (SwiftPM builds it because this target depends on it).
    static let executable: URL = {
        var directory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for _ in 0..<4 {
            let candidate = directory.appendingPathComponent("loom")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
            directory = directory.deletingLastPathComponent()
        }
        return URL(fileURLWithPath: ".build/debug/loom")
    }()

    struct Result {
        var status: Int32
        var standardOutput: String
        var standardError: String
    }

    /// Runs `loom ARGUMENTS` in `directory` with NO_COLOR set and no terminal.
    static func run(_ arguments: [String], in directory: String, environment extra: [String: String] = [:]) throws -> Result {
        var environment = ProcessInfo.processInfo.environment
        environment["NO_COLOR"] = "1"
        environment.merge(extra) { _, new in new }
        environment = environment.filter { !$0.value.isEmpty }   // "" in `extra` unsets a variable
        let output = try runProcess(executable, arguments: arguments, directory: URL(fileURLWithPath: directory),
                                    environment: environment)
        return Result(status: output.status, standardOutput: output.standardOutput, standardError: output.standardError)
    }
}

/// A project folder with `notebooks/`, synthetic data and its own cache.
final class Project {
    let root: String
    let data: SyntheticFashionFolder

    init() throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("loom-cli-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: root + "/notebooks", withIntermediateDirectories: true)
        data = try SyntheticFashionFolder()
    }

    deinit {
        try? FileManager.default.removeItem(atPath: root)
        data.remove()
    }

    func write(_ name: String, _ text: String) throws {
        try text.write(toFile: root + "/" + name, atomically: true, encoding: .utf8)
    }

    func read(_ name: String) -> String? { try? String(contentsOfFile: root + "/" + name, encoding: .utf8) }

    func loom(_ arguments: String...) throws -> Loom.Result { try Loom.run(arguments, in: root) }

    /// The quickstart cells on the synthetic data.
    var quickstart: String {
        """
        # Synthetic quickstart

        ```loom load
        dataset: \(data.directory)
        ```

        Prose between cells.

        ```loom split
        train: 0.8
        validation: 0.1
        test: 0.1
        seed: 42
        ```
        """
    }
}

@Suite struct CLITests {
    @Test func runThenRerunFromTheCache() throws {
        let project = try Project()
        try project.write("notebooks/q.md", project.quickstart)
        let first = try project.loom("run", "notebooks/q.md")
        #expect(first.status == 0, "\(first.standardError)")
        #expect(first.standardError.contains("2 of 2 cells to run"))
        let executed = try #require(project.read("outputs/q.md"))
        #expect(executed.contains("| images | 300 (240 train + 60 test) |"))
        #expect(executed.contains("| image shape (C×H×W) | 1×12×12 |"))
        #expect(executed.contains("| **total** | **240** | **30** | **30** | **300** |"))
        #expect(executed.contains("### Run summary"))
        #expect(executed.contains("seeds: split 42"))

        let second = try project.loom("run", "notebooks/q.md")
        #expect(second.status == 0)
        #expect(second.standardError.contains("all 2 cells cached"))
        #expect(second.standardError.contains("0 ran, 2 cached"))

        try project.write("notebooks/q.md", project.quickstart.replacingOccurrences(of: "seed: 42", with: "seed: 7"))
        let plan = try project.loom("plan", "notebooks/q.md")
        #expect(plan.standardOutput.contains("cached"))
        #expect(plan.standardOutput.contains("run     parameters changed"))
        #expect(plan.standardOutput.contains("1 of 2 cells would run."))
    }

    @Test func changingADataFileRerunsLoadAndEverythingBelow() throws {
        let project = try Project()
        try project.write("notebooks/q.md", project.quickstart)
        #expect(try project.loom("run", "notebooks/q.md").status == 0)
        // Same size, new content: the content hash tells.
        let labels = project.data.directory + "/t10k-labels-idx1-ubyte.gz"
        let replacement = try SyntheticFashionFolder(seed: 99)
        defer { replacement.remove() }
        try FileManager.default.removeItem(atPath: labels)
        try FileManager.default.copyItem(atPath: replacement.directory + "/t10k-labels-idx1-ubyte.gz", toPath: labels)
        try FileManager.default.removeItem(atPath: project.data.directory + "/t10k-images-idx3-ubyte.gz")
        try FileManager.default.copyItem(atPath: replacement.directory + "/t10k-images-idx3-ubyte.gz",
                                         toPath: project.data.directory + "/t10k-images-idx3-ubyte.gz")
        let plan = try project.loom("plan", "notebooks/q.md")
        #expect(plan.standardOutput.contains("data files changed"), "\(plan.standardOutput)")
        #expect(plan.standardOutput.contains("input 'data' changed"))
        #expect(plan.standardOutput.contains("2 of 2 cells would run."))
    }

    @Test func notebookParametersFromTheCommandLine() throws {
        let project = try Project()
        try project.write("notebooks/p.md", "```loom params\nseed: 42\n```\n\n" + project.quickstart
            .replacingOccurrences(of: "seed: 42", with: "seed: $seed"))
        #expect(try project.loom("run", "notebooks/p.md").status == 0)
        let overridden = try project.loom("run", "-p", "seed=3", "notebooks/p.md")
        #expect(overridden.status == 0)
        #expect(overridden.standardError.contains("2 of 3 cells to run, 1 cached"))
        #expect(project.read("outputs/p.md")?.contains("| seed | 3 | command line (-p) |") == true)
        #expect(project.read("outputs/p.md")?.contains("seeds: split 3") == true)
        let malformed = try project.loom("run", "-p", "seed", "notebooks/p.md")
        #expect(malformed.status == 64)
        #expect(malformed.standardError.contains("'-p seed' must be written as NAME=VALUE"))
        let unknown = try project.loom("check", "-p", "sed=1", "notebooks/p.md")
        #expect(unknown.standardError.contains("notebooks/p.md:1:9: params: -p sed=1: no such notebook parameter; did you mean 'seed'?"))
    }

    @Test func watchRerunsWhenTheNotebookIsSaved() throws {
        let project = try Project()
        try project.write("notebooks/w.md", project.quickstart)
        let process = Process()
        process.executableURL = Loom.executable
        process.arguments = ["run", "--watch", "-q", "notebooks/w.md"]
        process.currentDirectoryURL = URL(fileURLWithPath: project.root)
        try process.run()
        defer {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
        // Generous: CI runs this beside the browser and preview suites on two busy cores.
        func waitFor(_ text: String) -> Bool {
            for _ in 0..<600 {
                if project.read("outputs/w.md")?.contains(text) == true { return true }
                Thread.sleep(forTimeInterval: 0.1)
            }
            return false
        }
        #expect(waitFor("seeds: split 42"))
        Thread.sleep(forTimeInterval: 0.05)
        try project.write("notebooks/w.md", project.quickstart.replacingOccurrences(of: "seed: 42", with: "seed: 5")
            .replacingOccurrences(of: "Prose between cells.", with: "Edited prose."))
        #expect(waitFor("Edited prose."))
        #expect(project.read("outputs/w.md")?.contains("seeds: split 5") == true)
        #expect(project.read("outputs/w.md")?.contains("<!-- loom:output cell=1 status=cached") == true)
    }

    /// The exported page in a real browser: it loads without errors and every figure decodes.
    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/chromium"),
                   "needs Chromium (Debian's 'chromium'; 'make test' installs it)"))
    func theExportedPageWorksInChromium() throws {
        let project = try Project()
        try project.write("notebooks/h.md", project.quickstart + "\n\n## Samples\n\n```loom eda.samples\nper-class: 2\n```\n\n```loom eda.classes\n```\n")
        let run = try project.loom("run", "--assets", "notebooks/h.md")
        #expect(run.status == 0, "\(run.standardError)")
        #expect(try project.loom("export", "html", "outputs/h.md").status == 0)
        let page = try #require(project.read("outputs/h.html"))
        // A probe that reports, after load, how many images decoded.
        let probe = "<script>addEventListener('load', () => { const all = [...document.images]; "
            + "document.body.dataset.images = all.filter(i => i.complete && i.naturalWidth > 0).length + '/' + all.length; });</script>"
        // The page allows no script; the probe's copy allows inline script and nothing else more.
        #expect(page.contains("script-src 'none'"))
        let probePage = page.replacingOccurrences(of: "script-src 'none'", with: "script-src 'unsafe-inline'")
        try project.write("probe.html", probePage.replacingOccurrences(of: "</body>", with: probe + "</body>"))
        let chromium = Process()
        chromium.executableURL = URL(fileURLWithPath: "/usr/bin/chromium")
        chromium.arguments = ["--headless=new", "--no-sandbox", "--disable-gpu", "--enable-logging=stderr", "--v=0",
                              "--virtual-time-budget=5000", "--dump-dom", "file://" + project.root + "/probe.html"]
        let out = Pipe(), err = Pipe()
        chromium.standardOutput = out
        chromium.standardError = err
        try chromium.run()
        let dom = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let log = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        chromium.waitUntilExit()
        let counts = dom.components(separatedBy: "data-images=\"").dropFirst().first?.prefix { $0 != "\"" } ?? ""
        let parts = counts.split(separator: "/").compactMap { Int($0) }
        #expect(parts.count == 2 && parts[0] == parts[1] && parts[1] >= 2, "images decoded: \(counts)")
        #expect(!log.contains("Uncaught"), "\(log)")
        #expect(!log.contains("Not allowed to load local resource"), "\(log)")
    }

    @Test func notebooksShareCachedCells() throws {
        let project = try Project()
        try project.write("notebooks/a.md", project.quickstart)
        try project.write("notebooks/b.md", "# Another study\n\n" + project.quickstart + "\n\n```loom eda.classes\n```\n")
        let both = try project.loom("run", "notebooks/a.md", "notebooks/b.md")
        #expect(both.status == 0, "\(both.standardError)")
        #expect(both.standardError.contains("notebooks/a.md: 2 ran, 0 cached"))
        #expect(both.standardError.contains("notebooks/b.md: 1 ran, 2 cached"))
        #expect(project.read("outputs/a.md") != nil && project.read("outputs/b.md") != nil)
    }

    @Test func galleryDrawsEveryKind() throws {
        let project = try Project()
        let result = try project.loom("gallery", "--out", "g")
        #expect(result.status == 0, "\(result.standardError)")
        let index = try #require(project.read("g/gallery.md"))
        for kind in ["bar", "histogram", "heatmap", "violin", "scatter", "word"] {
            #expect(index.lowercased().contains(kind), "no \(kind) figure in the gallery")
        }
        let pictures = try FileManager.default.contentsOfDirectory(atPath: project.root + "/g").filter { $0.hasSuffix(".png") }
        #expect(pictures.count >= 10)
    }

    @Test func checkReportsEveryErrorWithItsPosition() throws {
        let project = try Project()
        try project.write("notebooks/bad.md", """
            ```loom load
            dataset: \(project.data.directory)
            sacle: unit
            ```

            ```loom split
            train: 0.8
            test: 0.5
            seed: -1
            ```

            ```loom splt
            ```
            """)
        let result = try project.loom("check", "notebooks/bad.md")
        #expect(result.status == 1)
        #expect(result.standardError == """
            notebooks/bad.md:3:1: load: unknown parameter 'sacle'; did you mean 'scale'?
            notebooks/bad.md:8:1: split: train + validation + test must be 1, but 0.80 + 0.10 + 0.50 = 1.40
            notebooks/bad.md:9:7: split: 'seed' must be an integer ≥ 0, not -1
            notebooks/bad.md:12:9: unknown action 'splt'; did you mean 'split'? (see 'loom actions')
            notebooks/bad.md: 4 errors

            """)
        let run = try project.loom("run", "notebooks/bad.md")
        #expect(run.status == 1)
        #expect(run.standardError.contains("nothing was run"))
        #expect(project.read("outputs/bad.md") == nil)
    }

    @Test func aYAMLSyntaxErrorIsLocated() throws {
        let project = try Project()
        try project.write("notebooks/yaml.md", "# T\n\n```loom split\ntrain: [0.8\n```\n")
        let result = try project.loom("check", "notebooks/yaml.md")
        #expect(result.status == 1)
        #expect(result.standardError.contains("notebooks/yaml.md:4:"), "\(result.standardError)")
    }

    @Test func aMissingDataFolderIsACheckError() throws {
        let project = try Project()
        try project.write("notebooks/missing.md", "```loom load\ndataset: \(project.root)/nowhere\n```\n\n```loom split\n```\n")
        let result = try project.loom("run", "notebooks/missing.md")
        #expect(result.status == 1)
        #expect(result.standardError.contains("notebooks/missing.md:2:1: load: the dataset folder '\(project.root)/nowhere' "
                                              + "does not exist; give the folder that holds the four IDX .gz files or one "
                                              + "sub-folder of PNGs per class"),
                "\(result.standardError)")
        #expect(result.standardError.contains("nothing was run"))
        try FileManager.default.createDirectory(atPath: project.root + "/empty", withIntermediateDirectories: true)
        try project.write("notebooks/empty.md", "```loom load\ndataset: \(project.root)/empty\n```\n")
        let empty = try project.loom("check", "notebooks/empty.md")
        #expect(empty.standardError.contains("notebooks/empty.md:2:1: load: the folder '\(project.root)/empty' holds neither "
                                             + "the four IDX files"), "\(empty.standardError)")
    }

    @Test func aFailingCellIsShownAndTheExitStatusIsNonZero() throws {
        let project = try Project()
        // The four files are there (so 'loom check' passes) but hold no IDX data, so loading fails.
        try FileManager.default.createDirectory(atPath: project.root + "/broken", withIntermediateDirectories: true)
        for name in FashionMNIST.fileNames { try project.write("broken/\(name)", "not IDX data") }
        try project.write("notebooks/missing.md", "```loom load\ndataset: \(project.root)/broken\n```\n\n```loom split\n```\n")
        let result = try project.loom("run", "notebooks/missing.md")
        #expect(result.status == 1)
        #expect(result.standardError.contains("notebooks/missing.md:2:1: load:"), "\(result.standardError)")
        let executed = try #require(project.read("outputs/missing.md"))
        #expect(executed.contains("**Failed:** notebooks/missing.md:2:1: load:"))
        #expect(executed.contains("*Skipped: its input from cell 1 (load) failed.*"))
    }

    @Test func aCorruptCacheIsReportedNotUsed() throws {
        let project = try Project()
        try project.write("notebooks/q.md", project.quickstart)
        try FileManager.default.createDirectory(atPath: project.root + "/cache", withIntermediateDirectories: true)
        try project.write("cache/loom.sqlite", String(repeating: "not a database ", count: 300))
        let result = try project.loom("run", "notebooks/q.md")
        #expect(result.status == 1)
        #expect(result.standardError.contains("'cache/loom.sqlite' is not an SQLite database"))
        #expect(result.standardError.contains("loom cache clear"))
        #expect(project.read("cache/loom.sqlite")?.hasPrefix("not a database") == true)
        #expect(try project.loom("cache", "clear").status == 0)
        #expect(try project.loom("run", "notebooks/q.md").status == 0)
    }

    @Test func assetsAndCacheCommands() throws {
        let project = try Project()
        try project.write("notebooks/q.md", project.quickstart)
        #expect(try project.loom("run", "--assets", "--out", "shared", "notebooks/q.md").status == 0)
        #expect(project.read("shared/q.md") != nil)
        let stats = try project.loom("cache", "stats")
        #expect(stats.standardOutput.contains("2 cells, 2 results"))
        #expect(try project.loom("cache", "prune").standardOutput.contains("removed 0 cells"))
        let forced = try project.loom("run", "--force", "split", "notebooks/q.md")
        #expect(forced.standardError.contains("1 of 2 cells to run, 1 cached"))
    }

    @Test func actionsHelpComesFromTheDeclarations() throws {
        let project = try Project()
        let list = try project.loom("actions")
        #expect(list.standardOutput.contains("load"))
        #expect(list.standardOutput.contains("split"))
        let split = try project.loom("actions", "split")
        #expect(split.standardOutput.contains("train: number in (0, 1] (default 0.8)"))
        #expect(split.standardOutput.contains("seed: integer ≥ 0 (default 42)"))
        let unknown = try project.loom("actions", "splt")
        #expect(unknown.status == 1)
        #expect(unknown.standardError.contains("unknown action 'splt'; did you mean 'split'?"))
        #expect(try project.loom("--version").standardOutput == "loom 0.1.0\n")
    }

    @Test func exportWritesOneSelfContainedPage() throws {
        let project = try Project()
        try project.write("notebooks/q.md", project.quickstart)
        #expect(try project.loom("run", "--assets", "notebooks/q.md").status == 0)
        #expect(try project.loom("export", "html", "outputs/q.md").status == 0)
        let page = try #require(project.read("outputs/q.html"))
        #expect(page.hasPrefix("<!DOCTYPE html>"))
        #expect(page.contains("<h1 id=\"synthetic-quickstart\">Synthetic quickstart</h1>"))
        #expect(page.contains("<table>"))
        #expect(!page.contains("src=\"q.assets/"))
    }

    @Test func twoRunsOnOneCacheAtOnceBothFinish() throws {
        let project = try Project()
        try project.write("notebooks/q.md", project.quickstart)
        try project.write("notebooks/r.md", project.quickstart.replacingOccurrences(of: "seed: 42", with: "seed: 3"))
        let results = try [("notebooks/q.md", "a"), ("notebooks/r.md", "b"), ("notebooks/q.md", "c")]
            .map { notebook, out -> Process in
                let process = Process()
                process.executableURL = Loom.executable
                process.arguments = ["run", "-q", "--out", out, notebook]
                process.currentDirectoryURL = URL(fileURLWithPath: project.root)
                try process.run()
                return process
            }
            .map { process -> Int32 in
                process.waitUntilExit()
                return process.terminationStatus
            }
        #expect(results == [0, 0, 0])
        for output in ["a/q.md", "b/r.md", "c/q.md"] {
            #expect(project.read(output)?.contains("### Run summary") == true, "\(output)")
        }
        #expect(try project.loom("run", "notebooks/q.md").standardError.contains("all 2 cells cached"))
    }

    /// `kill -9` or Ctrl-C in the middle of a run leaves the previous executed notebook and a usable cache.
    @Test(.enabled(if: FileManager.default.fileExists(atPath: "/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz"),
                   "needs Debian's dataset-fashion-mnist (70,000 images make the run long enough to interrupt)"))
    func aKilledRunLosesNothing() throws {
        let project = try Project()
        let text = "```loom load\n```\n\n```loom split\nseed: 1\n```\n"
        try project.write("notebooks/k.md", "# Old\n\n" + text)
        #expect(try project.loom("run", "--cache", "k.sqlite", "notebooks/k.md").status == 0)
        var before = try #require(project.read("outputs/k.md"))
        try project.write("notebooks/k.md", "# New\n\n" + text.replacingOccurrences(of: "seed: 1", with: "seed: 2"))
        for delay in [0.05, 0.3, 1.0] {
            try project.write("notebooks/k.md", "# New \(delay)\n\n" + text + "\n```loom split\nseed: \(Int(delay * 100))\n```\n")
            // Ctrl-C (SIGINT) and kill -9 (SIGKILL) both leave a whole notebook and a usable cache.
            let signal = delay == 1.0 ? SIGINT : SIGKILL
            let arguments = ["run", "-q", "--no-cache", "--cache", "k.sqlite", "notebooks/k.md"]
            let process = Process()
            if signal == SIGINT {
                // The test runner's children inherit a blocked SIGINT; give loom the default
                // disposition and mask a terminal's Ctrl-C meets (exec keeps the process id).
                let reset = "import os, signal, sys; signal.signal(signal.SIGINT, signal.SIG_DFL); "
                    + "signal.pthread_sigmask(signal.SIG_UNBLOCK, [signal.SIGINT]); os.execv(sys.argv[1], sys.argv[1:])"
                process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
                process.arguments = ["python3", "-c", reset, Loom.executable.path] + arguments
            } else {
                process.executableURL = Loom.executable
                process.arguments = arguments
            }
            process.currentDirectoryURL = URL(fileURLWithPath: project.root)
            try process.run()
            Thread.sleep(forTimeInterval: delay)
            kill(process.processIdentifier, signal)
            process.waitUntilExit()
            #expect(process.terminationReason == .uncaughtSignal && process.terminationStatus == signal,
                    "the run after \(delay) s should have been stopped by signal \(signal)")
            let after = try #require(project.read("outputs/k.md"))
            #expect(after == before || after.hasPrefix("# New \(delay)"), "a killed run must leave a whole notebook")
            before = after
            #expect(try project.loom("cache", "stats", "--cache", "k.sqlite").status == 0)
        }
        let final = try project.loom("run", "--cache", "k.sqlite", "notebooks/k.md")
        #expect(final.status == 0, "\(final.standardError)")
        #expect(project.read("outputs/k.md")?.contains("### Run summary") == true)
    }
}

@Suite struct ActionsCommandTests {
    @Test func namesArePrintedOnePerLine() throws {
        let project = try Project()
        let names = try project.loom("actions", "--names").standardOutput.split(separator: "\n").map(String.init)
        #expect(names.first == "load")
        #expect(names.contains("train.cnn") && names.contains("params"))
        #expect(Set(names).count == names.count)
    }

    @Test func theExampleIsANotebookThatPassesTheChecks() throws {
        let project = try Project()
        let example = try project.loom("actions", "split", "--example").standardOutput
        #expect(example.hasPrefix("# Example: split\n"))
        #expect(example.contains("```loom load\n") && example.contains("```loom split\ntrain: 0.8\n"))
        let bad = try project.loom("actions", "--example")
        #expect(bad.status != 0)
        #expect(bad.standardError.contains("'--example' needs an action name"), "\(bad.standardError)")
    }
}

@Suite struct ActionsCommandErrorTests {
    @Test func namesTakesNoActionName() throws {
        let project = try Project()
        let result = try project.loom("actions", "split", "--names")
        #expect(result.status != 0)
        #expect(result.standardError.contains("'--names' lists every action; give no action name with it."), "\(result.standardError)")
    }
}
