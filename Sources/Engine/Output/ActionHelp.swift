/// Help text for `loom actions`, printed from the actions' own declarations.
public enum ActionHelp {
    /// One line per action: name, what it makes, summary.
    public static func overview(_ registry: ActionRegistry) -> String {
        let width = registry.actions.map(\.name.count).max() ?? 0
        var lines = ["ACTIONS (a cell is ```loom ACTION [as NAME]; 'loom actions NAME' shows its parameters)", ""]
        for action in registry.actions {
            let padded = action.name.padding(toLength: width, withPad: " ", startingAt: 0)
            let makes = action.produces.map { " → \($0)" } ?? ""
            lines.append("  \(padded)  \(action.summary)\(makes)")
        }
        return lines.joined(separator: "\n")
    }

    /// Everything about one action: summary, discussion, inputs, parameters with types, defaults and docs,
    /// and an example cell built from the defaults.
    public static func detail(_ action: Action) -> String {
        var lines = ["\(action.name) (version \(action.version)): \(action.summary)"]
        if !action.discussion.isEmpty { lines += ["", action.discussion] }
        if let kind = action.produces {
            lines += ["", "MAKES", "  a \(kind) result (name it with ```loom \(action.name) as NAME)"]
        }
        if !action.inputs.isEmpty {
            lines += ["", "INPUTS (name a result, or leave out to use the nearest one above)"]
            for input in action.inputs {
                let many = input.isMultiple ? " (one or more; default: all above)" : ""
                let optional = input.isOptional ? " (optional)" : ""
                lines.append("  \(input.name): \(input.kind)\(many)\(optional) — \(input.doc)")
            }
        }
        lines += ["", "PARAMETERS"]
        if action.parameters.isEmpty { lines.append("  (none)") }
        for parameter in action.parameters {
            lines += describe(parameter, indent: "  ")
        }
        if !action.facts.isEmpty {
            lines += ["", "FACTS (show one in prose as `{loom} NAME.FACT`, or `{loom} NAME.FACT:.1%` with a format)"]
            for fact in action.facts {
                lines.append("  \(fact.displayName): \(fact.kind.rawValue) — \(fact.doc)")
            }
        }
        lines += ["", "EXAMPLE (the whole notebook: 'loom actions \(action.name) --example')", "```loom \(action.name)"]
        lines += exampleBody(action).split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        lines.append("```")
        return lines.joined(separator: "\n")
    }

    /// The body of the action's example cell: its declared example, or every default.
    public static func exampleBody(_ action: Action) -> String {
        if let example = action.example { return example }
        return action.parameters.compactMap { parameter in
            parameter.defaultValue.map { "\(parameter.name): \(yaml($0))" }
        }.joined(separator: "\n")
    }

    /// The action's example as a notebook that `loom check` passes: a cell for each input, made
    /// by the first action that produces its kind (with that action's own example), then the
    /// example cell.
    public static func exampleNotebook(_ action: Action, registry: ActionRegistry) -> String {
        var cells: [String] = []
        var made: Set<ResultKind> = []
        func add(_ action: Action) {
            for input in action.inputs where !made.contains(input.kind) {
                guard let producer = registry.producers(of: input.kind).first.flatMap(registry.action(named:)) else { continue }
                add(producer)
                made.insert(input.kind)
            }
            let body = exampleBody(action)
            cells.append("```loom \(action.name)\n" + (body.isEmpty ? "" : body + "\n") + "```")
            if let kind = action.produces { made.insert(kind) }
        }
        add(action)
        return "# Example: \(action.name)\n\n\(action.summary)\n\n" + cells.joined(separator: "\n\n") + "\n"
    }

    private static func describe(_ parameter: Parameter, indent: String) -> [String] {
        let requirement = parameter.isRequired ? "required"
            : parameter.defaultValue.map { "default \(yaml($0))" } ?? "optional"
        var lines = ["\(indent)\(parameter.name): \(parameter.type.summary) (\(requirement))",
                     "\(indent)    \(parameter.doc)"]
        if case .record(let fields) = parameter.type {
            for field in fields { lines += describe(field, indent: indent + "    ") }
        }
        return lines
    }

    /// A value as it would be written in a cell (flow style).
    static func yaml(_ value: Value) -> String {
        switch value {
        case .map(let entries):
            return "{" + entries.map { "\($0.0): \(yaml($0.1))" }.joined(separator: ", ") + "}"
        case .list(let items): return "[" + items.map(yaml).joined(separator: ", ") + "]"
        default: return value.description
        }
    }
}
