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
                let suggestion = registry.names.min { a, b in
                    a.commonPrefix(with: name).count > b.commonPrefix(with: name).count
                }.map { "; did you mean '\($0)'?" } ?? ""
                throw LoomFailure(message: "error: unknown action '\(name)'\(suggestion)")
            }
            print(ActionHelp.detail(action))
        }
    }
}
