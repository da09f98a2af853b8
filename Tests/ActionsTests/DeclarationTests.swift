import Actions
import Dataset
import Engine
import Foundation
import Notebook
import Testing
import _LoomTestSupport

/// A declaration with the mistakes `declarationProblems` must find.
private struct BrokenParameters: ParameterSet {
    var count = 0
    var rate = 2.0
    var mode = "sideways"
    static let fields: [Field<Self>] = [
        Field("count", \.count, .integer(.atLeast(1)), doc: "A count."),
        Field("rate", \.rate, .number(.closed(0, 1)), doc: "A share."),
        Field("rate", \.rate, .number(), doc: "The same name again."),
        Field("mode", \.mode, .choice(["up", "down"]), doc: "A direction."),
    ]
}

@Suite struct DeclarationTests {
    @Test func everyBuiltInDeclarationChecksItself() {
        #expect(ActionRegistry.declarationProblems(BuiltInActions.registry.actions) == [])
        #expect(Set(BuiltInActions.registry.names).count == BuiltInActions.registry.names.count)
    }

    @Test func aBrokenDeclarationIsReportedFieldByField() {
        let action = Action(name: "broken", version: 1, summary: "", inputs: [Input("count", kind: "x", doc: "")],
                            parameters: BrokenParameters.self, run: { _, _ in })
        #expect(action.declarationProblems() == [
            "the default of 'count' (0) does not fit its declaration: 'count' must be an integer ≥ 1, not 0",
            "the default of 'rate' (2) does not fit its declaration: 'rate' must be a number in [0, 1], not 2",
            "'rate' is declared twice",
            "the default of 'mode' (sideways) does not fit its declaration: 'mode' must be one of 'up', 'down', not 'sideways'",
            "'count' is both an input and a parameter",
        ])
    }

    /// `loom actions NAME --example` prints a notebook that passes `loom check`, for every action.
    @Test(arguments: BuiltInActions.registry.actions.map(\.name))
    func everyExampleNotebookPassesTheChecks(name: String) throws {
        let registry = BuiltInActions.registry
        let action = try #require(registry.action(named: name))
        var text = ActionHelp.exampleNotebook(action, registry: registry)
        let folder = try SyntheticFashionFolder(classCount: 10, side: 28, trainPerClass: 12, testPerClass: 2)
        defer { folder.remove() }
        if !FashionMNIST.isAvailable() {
            text = text.replacingOccurrences(of: "dataset: fashion-mnist", with: "dataset: \(folder.directory)")
        }
        #expect(text.hasPrefix("# Example: \(name)\n"))
        #expect(text.contains("```loom \(name)\n"))
        let checked = Checker.check(NotebookDocument.parse(path: "example.md", text: text), registry: registry)
        #expect(checked.errors.map(\.description) == [], "\(text)")
    }
}
