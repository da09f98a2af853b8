import Dataset
import Foundation
import Testing
import _LoomTestSupport

/// Runs Chromium headless on a page and returns the DOM after load.
func chromiumDOM(of file: String) throws -> String {
    let chromium = Process()
    chromium.executableURL = URL(fileURLWithPath: "/usr/bin/chromium")
    chromium.arguments = ["--headless=new", "--no-sandbox", "--disable-gpu", "--virtual-time-budget=3000",
                          "--dump-dom", "file://" + file]
    let out = Pipe()
    chromium.standardOutput = out
    chromium.standardError = FileHandle.nullDevice
    try chromium.run()
    let dom = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    chromium.waitUntilExit()
    return dom
}

let hasChromium = FileManager.default.isExecutableFile(atPath: "/usr/bin/chromium")

@Suite struct HardeningTests {
    /// Class names, parameter values and paths echoed in errors reach the executed notebook and
    /// the exported page as text, never as elements or links.
    @Test func dataParametersAndErrorsCannotInjectHTML() throws {
        let project = try Project()
        let names = ["[x](javascript:alert(2))", "<img src=x onerror=alert(1)>"] + (2..<10).map { "c\($0)" }
        // A data folder whose name is HTML: its files are there (so 'loom check' passes) but hold
        // no IDX data, so the run fails and echoes the path in its error.
        let hostile = "notebooks/<img src=z onerror=alert(8)>"
        try FileManager.default.createDirectory(atPath: project.root + "/" + hostile, withIntermediateDirectories: true)
        for name in FashionMNIST.fileNames { try project.write("\(hostile)/\(name)", "not IDX data") }
        try project.write("notebooks/h.md", """
            # Injection

            ```loom params
            note: "<img src=y onerror=alert(7)>"
            ```

            ```loom load
            dataset: \(project.data.directory)
            classes: [\(names.map { "\"\($0)\"" }.joined(separator: ", "))]
            ```

            ```loom split
            ```

            ```loom eda.classes
            ```

            ```loom load as other
            dataset: "<img src=z onerror=alert(8)>"
            ```
            """)
        let run = try project.loom("run", "notebooks/h.md")
        #expect(run.status == 1, "the second load fails: \(run.standardError)")
        let executed = try #require(project.read("outputs/h.md"))
        #expect(executed.contains("\\[x\\](javascript:alert(2))"))
        #expect(executed.contains("\\<img src=x onerror=alert(1)\\>"))
        #expect(executed.contains("\\<img src=y onerror=alert(7)\\>"))
        #expect(executed.contains("\\<img src=z onerror=alert(8)\\>"))
        let export = try project.loom("export", "html", "outputs/h.md")
        #expect(export.status == 0, "\(export.standardError)")
        let page = try #require(project.read("outputs/h.html"))
        for live in ["<img src=x", "<img src=y", "<img src=z", "href=\"javascript:"] {
            #expect(!page.contains(live), "'\(live)' is live in the page")
        }
        #expect(page.contains("&lt;img src=x onerror=alert(1)&gt;"))
        #expect(page.contains("[x](javascript:alert(2))"))
    }

    /// Even HTML that the notebook's author wrote cannot run script in a reader's browser: the
    /// page's Content-Security-Policy blocks inline handlers and `javascript:` links.
    @Test(.enabled(if: hasChromium, "needs Chromium (Debian's 'chromium'; 'make test' installs it)"))
    func anInjectedHandlerDoesNotRunInChromium() throws {
        let project = try Project()
        try project.write("notebooks/h.md", project.quickstart + """


            <img src="missing.png" onerror="document.title='pwned';document.body.insertAdjacentHTML('beforeend','<p id=injected>x</p>')">

            <svg onload="document.title='pwned-svg'"></svg>
            """)
        #expect(try project.loom("run", "notebooks/h.md").status == 0)
        #expect(try project.loom("export", "html", "outputs/h.md").status == 0)
        let dom = try chromiumDOM(of: project.root + "/outputs/h.html")
        #expect(dom.contains("<title>h.md</title>"), "\(dom.prefix(400))")
        #expect(!dom.contains("<title>pwned"))
        #expect(!dom.contains("<p id=\"injected\">"))
        // The page itself still works: the figures are images.
        #expect(dom.contains("<main>"))
    }

    @Test func twoNotebooksWithOneOutputNameAreRefusedBeforeRunning() throws {
        let project = try Project()
        try FileManager.default.createDirectory(atPath: project.root + "/a", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: project.root + "/b", withIntermediateDirectories: true)
        try project.write("a/nb.md", project.quickstart)
        try project.write("b/nb.md", project.quickstart)
        let run = try project.loom("run", "a/nb.md", "b/nb.md")
        #expect(run.status == 1)
        #expect(run.standardError == "Error: 'a/nb.md' and 'b/nb.md' would both be written to 'outputs/nb.md'; "
                + "run them one at a time with different --out folders, or rename one of them.\n")
        #expect(project.read("outputs/nb.md") == nil)
        // The same notebook named twice runs once.
        #expect(try project.loom("run", "a/nb.md", "./a/nb.md").status == 0)
    }

    @Test func exportNeverReplacesASourceNorExportsANeverRunNotebook() throws {
        let project = try Project()
        try project.write("notebooks/q.md", project.quickstart)
        let unrun = try project.loom("export", "html", "notebooks/q.md")
        #expect(unrun.status == 1)
        #expect(unrun.standardError == "Error: 'notebooks/q.md' has not been run: it holds no cell outputs. Run "
                + "'loom run notebooks/q.md' and export the executed notebook it writes (outputs/NAME.md).\n")
        #expect(try project.loom("run", "notebooks/q.md").status == 0)
        let before = project.read("outputs/q.md")
        let itself = try project.loom("export", "html", "outputs/q.md", "-o", "outputs/q.md")
        #expect(itself.status == 1)
        #expect(itself.standardError == "Error: 'outputs/q.md' is the notebook being exported; the page would "
                + "replace it. Name another file with -o (for example -o page.html).\n")
        let other = try project.loom("export", "html", "outputs/q.md", "-o", "notebooks/q.md")
        #expect(other.status == 1)
        #expect(other.standardError.hasPrefix("Error: 'notebooks/q.md' is a Markdown file name;"))
        #expect(project.read("outputs/q.md") == before)
        #expect(project.read("notebooks/q.md") == project.quickstart)
    }

    @Test func aDeviceOrAFIFOAsANotebookIsAnErrorNotAHang() throws {
        let project = try Project()
        #expect(mkfifo(project.root + "/pipe.md", 0o600) == 0)
        for (path, kind) in [("pipe.md", "a FIFO (named pipe)"), ("/dev/zero", "a character device"), ("notebooks", "a folder")] {
            for command in ["run", "plan", "check"] {
                let result = try project.loom(command, path)
                #expect(result.status == 1)
                #expect(result.standardError == "Error: Cannot read '\(path)': it is \(kind), not a notebook file; "
                        + "give the path of a notebook (a Markdown file).\n", "\(command) \(path)")
            }
        }
    }

    @Test func messagesHaveOneErrorPrefix() throws {
        let project = try Project()
        let result = try project.loom("actions", "splt")
        #expect(result.standardError.hasPrefix("Error: unknown action 'splt'"))
        #expect(!result.standardError.contains("Error: error:"))
    }
}

@Suite struct DataFileTests {
    /// `dataset:` follows the same rule as `predict`'s `files:`: relative to the notebook.
    @Test func aRelativeDatasetIsReadFromTheNotebooksFolder() throws {
        let project = try Project()
        try FileManager.default.copyItem(atPath: project.data.directory, toPath: project.root + "/notebooks/data")
        try project.write("notebooks/rel.md", "```loom load\ndataset: data\n```\n")
        let run = try project.loom("run", "notebooks/rel.md")
        #expect(run.status == 0, "\(run.standardError)")
        // From the working directory, 'data' does not exist: the error says which folder was searched.
        try FileManager.default.createDirectory(atPath: project.root + "/elsewhere", withIntermediateDirectories: true)
        try project.write("elsewhere/rel.md", "```loom load\ndataset: data\n```\n")
        let missing = try project.loom("run", "elsewhere/rel.md")
        #expect(missing.status == 1)
        let folder = URL(fileURLWithPath: project.root + "/elsewhere").standardizedFileURL.path
        #expect(missing.standardError.contains("elsewhere/rel.md:2:1: load: the dataset folder '\(folder)/data' does not exist "
                                               + "(relative paths are read from the notebook's folder, '\(folder)'); give the folder "
                                               + "that holds the four IDX .gz files or one sub-folder of PNGs per class"),
                "\(missing.standardError)")
    }

    @Test func anEmptyFolderSaysWhatBelongsInIt() throws {
        let project = try Project()
        try FileManager.default.createDirectory(atPath: project.root + "/empty", withIntermediateDirectories: true)
        try project.write("notebooks/e.md", "```loom load\ndataset: \(project.root)/empty\n```\n")
        let run = try project.loom("run", "notebooks/e.md")
        #expect(run.status == 1)
        #expect(run.standardError.contains("the folder '\(project.root)/empty' holds neither the four IDX files of an "
                                           + "MNIST-style data set ('train-images-idx3-ubyte.gz'"), "\(run.standardError)")
        #expect(!run.standardError.contains("Fashion-MNIST is not in"))
    }

    /// A FIFO among the data files would make hashing or reading wait forever.
    @Test func aFIFOAmongTheDataFilesIsAnErrorNamingIt() throws {
        let project = try Project()
        let folder = project.root + "/fifo-data"
        try FileManager.default.copyItem(atPath: project.data.directory, toPath: folder)
        let labels = folder + "/train-labels-idx1-ubyte.gz"
        try FileManager.default.removeItem(atPath: labels)
        #expect(mkfifo(labels, 0o600) == 0)
        try project.write("notebooks/f.md", "```loom load\ndataset: \(folder)\n```\n")
        for command in ["plan", "run"] {
            let result = try project.loom(command, "notebooks/f.md")
            #expect((result.standardOutput + result.standardError).contains("the data file '\(labels)' is a FIFO (named pipe), not a regular file; "
                                                  + "loom reads only regular files"), "\(command): \(result.standardError)")
        }
    }
}

@Suite struct CacheLockCLITests {
    /// `loom cache clear` and `prune` while another loom process is running a notebook refuse and
    /// change nothing; the run finishes with all its results; once it has gone, clear works.
    @Test(.enabled(if: FileManager.default.fileExists(atPath: "/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz"),
                   "needs Debian's dataset-fashion-mnist (70,000 images make the run last while clear is tried)"))
    func clearAndPruneRefuseWhileAnotherLoomRuns() throws {
        let project = try Project()
        // eda.anomalies over all 70,000 images keeps the run going for several seconds beyond
        // loading them, longer than the two attempts below wait (2 s each).
        try project.write("notebooks/long.md", "```loom load\n```\n\n```loom split\nseed: 3\n```\n\n```loom eda.anomalies\n```\n")
        let run = Process()
        run.executableURL = Loom.executable
        run.arguments = ["run", "-q", "--no-cache", "notebooks/long.md"]
        run.currentDirectoryURL = URL(fileURLWithPath: project.root)
        try run.run()
        defer { if run.isRunning { kill(run.processIdentifier, SIGKILL) } }
        for _ in 0..<100 where !FileManager.default.fileExists(atPath: project.root + "/cache/loom.sqlite.lock") {
            Thread.sleep(forTimeInterval: 0.05)
        }
        let message = "Error: the cache 'cache/loom.sqlite' is in use by another loom (a run, plan or watch), so it was "
            + "left as it is after waiting 2 s; try again when that loom has finished\n"
        let clear = try project.loom("cache", "clear")
        let prune = try project.loom("cache", "prune")
        // Both refusals (status 1, the in-use message) show the run held the cache while they were tried;
        // whether it is still running after them depends on the machine's load, so it is not asserted.
        #expect(clear.status == 1)
        #expect(clear.standardError == message)
        #expect(prune.status == 1)
        #expect(prune.standardError == message)
        run.waitUntilExit()
        #expect(run.terminationStatus == 0)
        // The run's results are all there: the next run is fully cached.
        #expect(try project.loom("run", "notebooks/long.md").standardError.contains("all 3 cells cached"))
        let after = try project.loom("cache", "clear")
        #expect(after.status == 0, "\(after.standardError)")
        #expect(after.standardOutput == "deleted cache/loom.sqlite\n")
    }
}
