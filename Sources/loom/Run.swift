import FileAccess
import ArgumentParser
import Actions
import Engine
import Foundation
import TensorCore

extension Loom {
    /// `loom run NOTEBOOK…`
    struct Run: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Runs notebooks and writes the executed notebooks.",
            discussion: """
                Checks every cell first and runs nothing if any check fails. Cells whose inputs and \
                parameters are unchanged come from the cache. The executed notebook goes to \
                OUT/NAME.md, written atomically: a failed or interrupted run leaves the previous one.
                """)

        @Argument(help: "The notebooks to run (Markdown files).")
        var notebooks: [String]

        @Option(name: .customLong("force"),
                help: ArgumentHelp("Re-run a cell and the cells that read it, even if cached: its number, result name or action (repeatable).",
                                   valueName: "cell"))
        var force: [String] = []

        @Flag(help: "Ignore the cache and run every cell (results are still cached).")
        var noCache = false

        @OptionGroup var outputOptions: OutputOptions

        @Flag(name: .shortAndLong, help: "Print only errors.")
        var quiet = false

        @OptionGroup var notebookParameters: NotebookParameterOptions

        @OptionGroup var cache: CacheOptions

        @OptionGroup var compute: ComputeOptions

        @OptionGroup var cluster: ClusterOptions

        func validate() throws {
            if notebooks.isEmpty { throw ValidationError("Name at least one notebook to run.") }
        }

        @Flag(help: "Keep running: re-run a notebook whenever its file is saved (stop with Ctrl-C).")
        var watch = false

        func run() throws {
            try compute.apply()
            // Stamped before the first run reads the files, so that a save while it runs is not missed.
            var stamps = notebooks.map(modificationDate)
            let succeeded = try runAll(notebooks)
            guard watch else {
                if !succeeded { throw ExitCode.failure }
                return
            }
            printError("loom: watching \(notebooks.joined(separator: ", ")) for changes (Ctrl-C stops)")
            while true {
                Thread.sleep(forTimeInterval: 0.3)
                let now = notebooks.map(modificationDate)
                let changed = zip(notebooks, zip(stamps, now)).filter { $1.0 != $1.1 }.map(\.0)
                guard !changed.isEmpty else { continue }
                stamps = now
                // An editor may still be writing: wait for the file to settle.
                Thread.sleep(forTimeInterval: 0.1)
                stamps = notebooks.map(modificationDate)
                do {
                    _ = try runAll(changed)
                } catch {
                    printError("\(error)")
                }
            }
        }

        private func modificationDate(_ path: String) -> Date? {
            (try? FileManager.default.attributesOfItem(atPath: path))?[.modificationDate] as? Date
        }

        /// Where a notebook's executed copy goes: `OUT/NAME.md`.
        private func outputPath(of notebook: String) -> String {
            let name = ((notebook as NSString).lastPathComponent as NSString).deletingPathExtension
            return (outputOptions.out as NSString).appendingPathComponent("\(name).md")
        }

        /// Two different notebooks with the same file name would write the same executed notebook
        /// (and assets folder): refused before anything runs.
        static func collidingOutputs(_ paths: [String], output: (String) -> String) -> String? {
            var seen: [String: String] = [:]
            for path in paths {
                let source = URL(fileURLWithPath: path).standardizedFileURL.path
                let destination = URL(fileURLWithPath: output(path)).standardizedFileURL.path
                if let other = seen[destination], other != source {
                    let first = paths.first { URL(fileURLWithPath: $0).standardizedFileURL.path == other } ?? other
                    return "'\(first)' and '\(path)' would both be written to '\(output(path))'; "
                        + "run them one at a time with different --out folders, or rename one of them."
                }
                seen[destination] = source
            }
            return nil
        }

        /// Checks, then runs, each notebook; returns whether every cell of every notebook succeeded.
        private func runAll(_ requested: [String]) throws -> Bool {
            var unique = Set<String>()
            let paths = requested.filter { unique.insert(URL(fileURLWithPath: $0).standardizedFileURL.path).inserted }
            if let collision = Self.collidingOutputs(paths, output: outputPath(of:)) {
                throw LoomFailure(message: collision)
            }
            var checked: [CheckedNotebook] = []
            var failed = false
            for path in paths {
                let notebook = try loadAndCheck(path, overrides: notebookParameters.overrides)
                failed = report(notebook.diagnostics) || failed
                checked.append(notebook)
            }
            if failed {
                printError("loom: nothing was run; fix the errors above ('loom check' lists them).")
                if watch { return false }
                throw ExitCode.failure
            }
            try validateForce(force, in: checked)
            let cacheDatabase = try cache.open()
            let progress: any ProgressReporter = quiet ? SilentProgress() : StreamProgress.forStandardError()
            let runner = NotebookRunner(registry: BuiltInActions.registry, cache: cacheDatabase, progress: progress)
            let cancellation = RunCancellation()
            let executor = try cluster.make(notebooks: paths, cache: cacheDatabase, overrides: notebookParameters.overrides,
                                            cancellation: cancellation)
            let interrupts = executor.map { _ in InterruptWatch(cancellation: cancellation) }
            defer { withExtendedLifetime(interrupts) {} }
            var allSucceeded = true
            for notebook in checked {
                let name = ((notebook.document.path as NSString).lastPathComponent as NSString).deletingPathExtension
                let output = outputPath(of: notebook.document.path)
                let figures: FigureMode = outputOptions.assets
                    ? .assets(directory: (outputOptions.out as NSString).appendingPathComponent("\(name).assets"),
                              relativePath: "\(name).assets")
                    : .embedded
                do {
                    try FileManager.default.createDirectory(atPath: outputOptions.out, withIntermediateDirectories: true)
                } catch {
                    throw LoomFailure(message: "cannot create the output folder '\(outputOptions.out)': \(FileErrorText.reason(error)); "
                        + "choose another with --out")
                }
                var options = RunOptions(
                    plan: PlanOptions(force: force, ignoreCache: noCache, figureScale: outputOptions.scale), figures: figures, outputPath: output,
                    machine: ComputeBackend.current.summary)
                if let executor {
                    options.executor = executor
                    options.cancellation = cancellation
                }
                let report = try runner.run(notebook, options: options)
                for cell in report.cells {
                    if case .failed(let message) = cell.status { printError(message) }
                }
                allSucceeded = allSucceeded && report.succeeded && !report.stopped
            }
            return allSucceeded
        }
    }
}
