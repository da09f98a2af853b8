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

        @Flag(help: "Print the action names, one per line.")
        var names = false

        @Flag(help: "Print the action's example as a notebook that 'loom check' passes.")
        var example = false

        func validate() throws {
            if names && name != nil { throw ValidationError("'--names' lists every action; give no action name with it.") }
            if example && name == nil { throw ValidationError("'--example' needs an action name, as in 'loom actions split --example'.") }
        }

        func run() throws {
            let registry = BuiltInActions.registry
            if names {
                print(registry.names.joined(separator: "\n"))
                return
            }
            guard let name else {
                print(ActionHelp.overview(registry))
                return
            }
            guard let action = registry.action(named: name) else {
                throw LoomFailure(message: "unknown action '\(name)'" + Suggestions.hint(for: name, in: registry.names))
            }
            print(example ? ActionHelp.exampleNotebook(action, registry: registry) : ActionHelp.detail(action), terminator: example ? "" : "\n")
        }
    }
}
