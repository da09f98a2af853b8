import ArgumentParser
import Engine

/// `loom`: runs Markdown notebooks for image-classification studies.
@main
struct Loom: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "loom",
        abstract: "Runs Markdown notebooks for image-classification studies.",
        discussion: """
            A notebook is ordinary Markdown; a fenced block whose info string starts with 'loom' is a cell \
            (```loom ACTION [as NAME]) whose body is a YAML mapping of the action's parameters. \
            'loom run' writes the executed notebook, with tables and figures, to outputs/, and caches \
            every cell in cache/loom.sqlite so that a re-run only runs what changed.
            """,
        version: "loom \(LoomVersion.current)",
        subcommands: [Run.self, Plan.self, Check.self, ActionsCommand.self, CacheCommand.self, Export.self, Gallery.self, Doctor.self, PreviewCommand.self,
                      Runs.self, Diff.self, TaskCommand.self])
}
