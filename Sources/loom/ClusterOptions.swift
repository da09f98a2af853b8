import ArgumentParser
import Cluster
import Engine
import Foundation

/// `loom run --executor slurm` and its `--slurm-*` settings, which win over `loom.toml`'s `[slurm]`.
struct ClusterOptions: ParsableArguments {
    enum Executor: String, ExpressibleByArgument, CaseIterable {
        case local, slurm
    }

    @Option(help: ArgumentHelp("Where train.* cells and sweep variants run: 'local' (this process) or 'slurm' (sbatch jobs).",
                               valueName: "executor"))
    var executor: Executor = .local

    @Option(help: ArgumentHelp("Slurm partition (sbatch --partition).", valueName: "name"))
    var slurmPartition: String?

    @Option(help: ArgumentHelp("Slurm time limit per task (sbatch --time): minutes, HH:MM:SS or D-HH:MM:SS.", valueName: "time"))
    var slurmTime: String?

    @Option(help: ArgumentHelp("CPUs per task (sbatch --cpus-per-task); tasks train with as many threads.", valueName: "n"))
    var slurmCpusPerTask: Int?

    @Option(help: ArgumentHelp("Memory per task (sbatch --mem), such as 4G.", valueName: "size"))
    var slurmMem: String?

    @Option(help: ArgumentHelp("Another sbatch argument, passed as it is (repeatable): --slurm-sbatch-arg=--qos=short.",
                               valueName: "arg"))
    var slurmSbatchArg: [String] = []

    @Option(help: ArgumentHelp("The folder the tasks and loom share (default: slurm/ beside the cache).", valueName: "dir"))
    var slurmSharedDir: String?

    @Option(help: ArgumentHelp("Submit a failed or cancelled Slurm task again up to N times.", valueName: "n"))
    var retries: Int?

    func validate() throws {
        if executor == .local {
            let given = [slurmPartition, slurmTime, slurmCpusPerTask.map(String.init), slurmMem, slurmSharedDir,
                         retries.map(String.init)].contains { $0 != nil } || !slurmSbatchArg.isEmpty
            if given { throw ValidationError("The --slurm-* options and --retries need '--executor slurm'.") }
        }
    }

    /// The Slurm settings: `loom.toml` beside the notebooks (or here), then these options.
    func settings(notebooks: [String]) throws -> SlurmSettings {
        do {
            var settings = try SlurmSettings.load(near: notebooks).settings
            if let slurmPartition { settings.partition = slurmPartition }
            if let slurmTime { settings.time = try SlurmSettings.checkedTime(slurmTime, at: "--slurm-time") }
            if let slurmCpusPerTask { settings.cpusPerTask = try SlurmSettings.checkedCPUs(slurmCpusPerTask, at: "--slurm-cpus-per-task") }
            if let slurmMem { settings.memory = try SlurmSettings.checkedMemory(slurmMem, at: "--slurm-mem") }
            settings.sbatchArguments += slurmSbatchArg
            if let slurmSharedDir { settings.sharedDirectory = slurmSharedDir }
            if let retries { settings.retries = try SlurmSettings.checkedRetries(retries, at: "--retries") }
            return settings
        } catch let error as SlurmSettingsError {
            throw LoomFailure(message: error.message)
        }
    }

    /// The executor of a run, or `nil` for a local one.
    func make(notebooks: [String], cache: Cache, overrides: [String: String], cancellation: RunCancellation? = nil) throws -> SlurmExecutor? {
        guard executor == .slurm else { return nil }
        let executable = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().path
        return SlurmExecutor(settings: try settings(notebooks: notebooks), cache: cache,
                             loomExecutable: FileManager.default.isExecutableFile(atPath: executable)
                                 ? executable : URL(fileURLWithPath: CommandLine.arguments[0]).standardizedFileURL.path,
                             overrides: overrides, cancellation: cancellation)
    }
}

/// Sets `cancellation` on the first SIGINT or SIGTERM (so a Slurm run cancels its jobs before it
/// exits); a second one ends the process at once.
final class InterruptWatch: @unchecked Sendable {
    private var sources: [any DispatchSourceSignal] = []

    init(cancellation: RunCancellation) {
        for number in [SIGINT, SIGTERM] {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler {
                if cancellation.isCancelled { exit(130) }
                printError("loom: stopping: cancelling the submitted Slurm jobs (Ctrl-C again quits at once)")
                cancellation.cancel()
            }
            source.resume()
            sources.append(source)
        }
    }

    deinit {
        for source in sources { source.cancel() }
        signal(SIGINT, SIG_DFL)
        signal(SIGTERM, SIG_DFL)
    }
}
