/// The actions a notebook may use, by name.
public struct ActionRegistry: Sendable {
    /// In registration order, for help listings.
    public let actions: [Action]
    private let byName: [String: Action]

    /// Every registry also knows ``Action/params`` (notebook parameters).
    ///
    /// - Precondition: names are unique.
    public init(_ actions: [Action]) {
        let actions = actions.contains { $0.name == Action.params.name } ? actions : actions + [.params]
        self.actions = actions
        var byName: [String: Action] = [:]
        for action in actions {
            precondition(byName[action.name] == nil, "action '\(action.name)' is registered twice")
            byName[action.name] = action
        }
        self.byName = byName
        assert(Self.declarationProblems(actions).isEmpty, "\(Self.declarationProblems(actions))")
    }

    /// Problems with the actions' declarations: repeated parameter names, defaults that do not
    /// fit their own types and bounds. Checked by a test, and at start-up in debug builds.
    public static func declarationProblems(_ actions: [Action]) -> [String] {
        actions.flatMap { action in action.declarationProblems().map { "\(action.name): \($0)" } }
    }

    public func action(named name: String) -> Action? { byName[name] }

    public var names: [String] { actions.map(\.name) }

    /// The actions that make results of `kind`, for "add a 'split' cell" hints.
    public func producers(of kind: ResultKind) -> [String] {
        actions.filter { $0.produces == kind }.map(\.name)
    }
}
