import ArgumentParser
import Actions
import Cluster
import Engine
import Foundation
import TensorCore

extension Loom {
    /// `loom task run JOBFILE`: what a Slurm task (or any batch system's) runs on its node. Hidden.
    struct TaskCommand: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "task",
            abstract: "Runs one task of a job that 'loom run --executor slurm' submitted.",
            shouldDisplay: false, subcommands: [RunTask.self])

        struct RunTask: ParsableCommand {
            static let configuration = CommandConfiguration(
                commandName: "run",
                abstract: "Computes task INDEX of a job description and writes its result beside it.",
                discussion: """
                    The task reads the job description and its input bundle from the shared folder, computes \
                    one cell (or one sweep variant) without opening the cache, and writes its result as one \
                    file by an atomic rename; the submitting 'loom run' imports it. The index is --index, else \
                    SLURM_ARRAY_TASK_ID, else JOB_COMPLETION_INDEX (a Kubernetes Indexed Job), else 0.
                    """)

            @Argument(help: "The job description (job.json in the shared folder).")
            var jobFile: String

            @Option(help: "The task's index in the job (default: SLURM_ARRAY_TASK_ID or JOB_COMPLETION_INDEX).")
            var index: Int?

            @OptionGroup var compute: ComputeOptions

            func run() throws {
                try compute.apply()
                do {
                    let index = try ClusterTask.index(given: index)
                    let path = try ClusterTask.run(jobFile: jobFile, index: index, registry: BuiltInActions.registry,
                                                   progress: TaskLogProgress())
                    print("loom task: wrote \(path)")
                } catch {
                    printError("\(error)")
                    throw ExitCode.failure
                }
            }
        }
    }
}
