import ArgumentParser
import Actions
import Cluster
import Dispatch
import Foundation
import Preview

extension Loom {
    /// `loom preview NOTEBOOK…`
    struct PreviewCommand: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "preview",
            abstract: "Shows notebooks live in the browser while they run, and re-runs them when saved.",
            discussion: """
                Starts a web server on 127.0.0.1 only and prints its address with a random token \
                (loom preview: http://127.0.0.1:PORT/?token=TOKEN); requests without the token, or whose Host \
                or Origin is not the loopback address, get 403. The page shows each cell's state, a running \
                training's progress, epoch table and curves, and each cell's outputs as it finishes. Saving a \
                notebook re-runs what is stale, as 'loom run --watch' does, and writes the same executed \
                notebook to OUT/NAME.md. With --executor slurm (and the --slurm-* options or loom.toml, as for \
                'loom run') the train.* cells and sweep variants run as Slurm jobs, and each cell lists its jobs' \
                tasks with their job ids, states and latest lines. Ctrl-C stops the run at its next batch (and \
                cancels its Slurm jobs) and the server (exit 130).
                """)

        @Argument(help: "The notebooks to preview (Markdown files).")
        var notebooks: [String]

        @Option(help: ArgumentHelp("The port on 127.0.0.1 (default: a free one).", valueName: "port"))
        var port = 0

        @Flag(help: "Do not open the browser.")
        var noOpen = false

        @Option(help: ArgumentHelp("The token the URL carries, 16 or more letters, digits, '-' or '_' (default: 128 random bits).",
                                   valueName: "token"))
        var token: String?

        @OptionGroup var outputOptions: OutputOptions

        @OptionGroup var notebookParameters: NotebookParameterOptions

        @OptionGroup var cache: CacheOptions

        @OptionGroup var cluster: ClusterOptions

        func validate() throws {
            if notebooks.isEmpty { throw ValidationError("Name at least one notebook to preview.") }
        }

        func run() throws {
            let server: PreviewServer
            do {
                let cacheDatabase = try cache.open()
                // One executor for every run: each run's stop button and Ctrl-C cancel its jobs through the cells' progress.
                let executor = try cluster.make(notebooks: notebooks, cache: cacheDatabase, overrides: notebookParameters.overrides)
                server = try PreviewServer(
                    configuration: PreviewConfiguration(notebooks: notebooks, port: port, token: token,
                                                        overrides: notebookParameters.overrides, outputDirectory: outputOptions.out,
                                                        assets: outputOptions.assets, figureScale: outputOptions.scale, executor: executor),
                    registry: BuiltInActions.registry, cache: cacheDatabase, log: { printError($0) })
            } catch let error as PreviewError {
                printError("error: \(error)")
                throw ExitCode.failure
            }
            // Ctrl-C and SIGTERM are handled below, after the run in progress has stopped.
            signal(SIGINT, SIG_IGN)
            signal(SIGTERM, SIG_IGN)
            let started = Blocking<Result<String, any Error>>()
            Task {
                do {
                    started.put(.success(try await server.start()))
                } catch {
                    started.put(.failure(error))
                }
            }
            let url: String
            switch started.take() {
            case .success(let value): url = value
            case .failure(let error):
                printError("error: \(error)")
                throw ExitCode.failure
            }
            FileHandle.standardOutput.write(Data("loom preview: \(url)\n".utf8))
            if !noOpen { openBrowser(url) }

            let interrupted = DispatchSemaphore(value: 0)
            let sources = [SIGINT, SIGTERM].map { number in
                let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
                source.setEventHandler { interrupted.signal() }
                source.resume()
                return source
            }
            interrupted.wait()
            printError("loom preview: stopping (a running cell stops at its next batch; its checkpoint is kept)")
            let stopped = DispatchSemaphore(value: 0)
            Task {
                await server.shutDown()
                stopped.signal()
            }
            stopped.wait()
            sources.forEach { $0.cancel() }
            throw ExitCode(130)
        }

        /// Opens `url` with `xdg-open` (or `open` on macOS) when there is one; says so otherwise.
        private func openBrowser(_ url: String) {
            #if os(macOS)
            let opener = "/usr/bin/open"
            #else
            let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
            guard let opener = path.split(separator: ":").map({ "\($0)/xdg-open" })
                .first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
                printError("loom preview: no xdg-open found; open the address above in a browser")
                return
            }
            #endif
            let process = Process()
            process.executableURL = URL(fileURLWithPath: opener)
            process.arguments = [url]
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            do {
                try process.run()
            } catch {
                printError("loom preview: could not start \(opener) (\(error)); open the address above in a browser")
            }
        }
    }
}

/// A value handed from a task to a waiting thread.
final class Blocking<Value: Sendable>: @unchecked Sendable {
    private let semaphore = DispatchSemaphore(value: 0)
    private let lock = NSLock()
    private var value: Value?

    func put(_ newValue: Value) {
        lock.withLock { value = newValue }
        semaphore.signal()
    }

    func take() -> Value {
        semaphore.wait()
        guard let value = lock.withLock({ value }) else { preconditionFailure("take() returns only after put(_:)") }
        return value
    }
}
