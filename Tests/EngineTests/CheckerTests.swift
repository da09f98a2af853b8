import Engine
import Notebook
import Testing

@Suite struct CheckerTests {
    @Test(arguments: [
        // (cell body, expected message)
        ("epoch: 3", "nb.md:2:1: number: unknown parameter 'epoch'; did you mean 'epochs'?"),
        ("epochs: -3", "nb.md:2:9: number: 'epochs' must be an integer ≥ 1, not -3"),
        ("epochs: five", "nb.md:2:9: number: 'epochs' must be an integer ≥ 1, not 'five'"),
        ("epochs: 2.5", "nb.md:2:9: number: 'epochs' must be an integer ≥ 1, not 2.5"),
        ("mode: sme", "nb.md:2:7: number: 'mode' must be one of 'same', 'valid', not 'sme'; did you mean 'same'?"),
        ("value: [1, 2]", "nb.md:2:8: number: 'value' must be a number, not a list"),
        ("optimizer: {learning-rat: 0.1}",
         "nb.md:2:13: number: unknown field 'learning-rat' of 'optimizer'; did you mean 'learning-rate'?"),
        ("optimizer: {learning-rate: 0}", "nb.md:2:28: number: 'learning-rate' must be a number > 0, not 0"),
        ("value: 1\nvalue: 2", "nb.md:2:1: number: the key 'value' appears more than once in the same mapping"),
        ("- value", "nb.md:2:1: number: the cell's body must be a YAML mapping of 'name: value' lines, not a list"),
    ])
    func parameterErrors(body: String, expected: String) {
        let found = messages("```loom number\n\(body)\n```\n")
        #expect(found == [expected])
    }

    @Test func everyErrorIsReportedNotJustTheFirst() {
        let found = messages("""
            ```loom number
            epoch: 3
            mode: sme
            ```

            ```loom nubmer
            ```
            """)
        #expect(found.count == 3)
        #expect(found.last == "nb.md:6:9: unknown action 'nubmer'; did you mean 'number'? (see 'loom actions')")
    }

    @Test func yamlSpellingDoesNotMatter() {
        let a = check("```loom number\nvalue: 0.80\noptimizer: {learning-rate: 1e-3}\n```\n")
        let b = check("```loom number\n# a comment\noptimizer:\n  learning-rate: 0.001\nvalue: 0.8\n```\n")
        #expect(a.cells[0].parameters?.canonicalForm == b.cells[0].parameters?.canonicalForm)
        #expect((a.cells[0].parameters?.value as? NumberParameters)?.optimizer?.learningRate == 0.001)
    }

    @Test func defaultsAreFilledIn() throws {
        let cell = try #require(check("```loom number\n```\n").cells.first)
        let parameters = try #require(cell.parameters?.value as? NumberParameters)
        #expect(parameters.epochs == 1)
        #expect(parameters.mode == "same")
        #expect(parameters.optimizer == nil)
    }

    @Test func inputsResolveToTheNearestResultAbove() {
        let checked = check("""
            ```loom number
            value: 1
            ```

            ```loom number as two
            value: 2
            ```

            ```loom add
            ```

            ```loom add
            to: two
            ```

            ```loom sum
            ```
            """)
        #expect(checked.errors.isEmpty)
        #expect(checked.cells[2].inputs["to"] == [1])
        #expect(checked.cells[3].inputs["to"] == [1])
        #expect(checked.cells[4].inputs["of"] == [0, 1, 2, 3])
    }

    @Test(arguments: [
        ("```loom add\nto: later\n```\n\n```loom number as later\n```\n",
         "nb.md:2:1: add: 'later' is defined below this cell (line 5); a cell can only use results above it"),
        ("```loom number as one\n```\n\n```loom add\nto: oen\n```\n",
         "nb.md:5:1: add: no result named 'oen' above this cell; did you mean 'one'?"),
        ("```loom add\n```\n",
         "nb.md:1:9: add: needs a number result above it; add a 'number' cell before it"),
        ("```loom number as x\n```\n\n```loom number as x\n```\n",
         "nb.md:4:19: number: the name 'x' is already used by cell 1 (line 1)"),
        ("```loom number as one\n```\n\n```loom sum as total\n```\n\n```loom add\nto: total\n```\n",
         "nb.md:8:1: add: 'to' needs a number result, but 'total' makes no result (made by 'sum' at line 4)"),
    ])
    func referenceErrors(text: String, expected: String) {
        #expect(messages(text).contains(expected), "\(messages(text))")
    }

    @Test func aWrongKindIsNamed() {
        let registry = ActionRegistry(testRegistry(log: RunLog()).actions + [
            Action(name: "other", version: 1, summary: "", produces: "other", parameters: NoParameters.self, run: { _, _ in }),
        ])
        let document = NotebookDocument.parse(path: "nb.md", text: "```loom other as o\n```\n\n```loom add\nto: o\n```\n")
        let found = Checker.check(document, registry: registry).diagnostics.map(\.description)
        #expect(found == ["nb.md:5:1: add: 'to' needs a number result, but 'o' is a other (made by 'other' at line 1)"])
    }
}

@Suite struct SuggestionTests {
    @Test func helpListsEveryParameterWithTypeAndDefault() throws {
        let registry = testRegistry(log: RunLog())
        let help = ActionHelp.detail(try #require(registry.action(named: "number")))
        #expect(help.contains("epochs: integer ≥ 1 (default 1)"))
        #expect(help.contains("mode: one of same, valid (default same)"))
        #expect(help.contains("learning-rate: number > 0 (default 0.001)"))
        #expect(ActionHelp.overview(registry).contains("number  Makes a number. → number"))
    }
}
