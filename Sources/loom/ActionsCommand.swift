import ArgumentParser
import Actions
import Engine

extension Loom {
    /// `loom actions [NAME]`
    struct ActionsCommand: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "actions",
            abstract: "Lists the actions, or shows one action's parameters, types, defaults and docs.")

        @Argument(help: "An action to describe.")
        var name: String?

        func run() throws {
            let registry = BuiltInActions.registry
            guard let name else {
                print(ActionHelp.overview(registry))
                return
            }
            guard let action = registry.action(named: name) else {
                throw LoomFailure(message: "unknown action '\(name)'" + Suggestions.hint(for: name, in: registry.names))
            }
            print(ActionHelp.detail(action))
        }
    }
}
