import Engine
import Foundation
import Notebook
import Testing

let parameterized = """
    ```loom params
    start: 2
    epochs: 3
    ```

    ```loom number as a
    value: $start
    ```

    ```loom number as b
    epochs: $epochs
    value: 5
    ```
    """

@Suite struct NotebookParameterTests {
    func checked(_ overrides: [String: String], _ text: String = parameterized) -> CheckedNotebook {
        Checker.check(NotebookDocument.parse(path: "nb.md", text: text), registry: testRegistry(log: RunLog()),
                      overrides: overrides)
    }

    @Test func theParamsCellIsKeyedByItsValuesAndWhereTheyCameFrom() throws {
        let byDefault = try #require(checked([:]).cells[0].parameters)
        let overridden = try #require(checked(["start": "2"]).cells[0].parameters)
        let values = try #require(overridden.value as? NotebookParameterValues)
        #expect(values.values.map(\.name) == ["start", "epochs"])
        #expect(values.values.map(\.isOverridden) == [true, false])
        #expect(byDefault.canonicalForm != overridden.canonicalForm)
        #expect(byDefault.canonicalForm == #"{"epochs":{"from":"default","value":3},"start":{"from":"default","value":2}}"#)
    }

    @Test func referencesTakeTheDefaultOrTheOverride() {
        #expect((checked([:]).cells[1].parameters?.value as? NumberParameters)?.value == 2)
        #expect((checked(["start": "7.5"]).cells[1].parameters?.value as? NumberParameters)?.value == 7.5)
        #expect((checked(["epochs": "9"]).cells[2].parameters?.value as? NumberParameters)?.epochs == 9)
    }

    @Test func anOverrideRerunsExactlyTheCellsThatUseIt() throws {
        let harness = Harness()
        let registry = testRegistry(log: harness.log)
        let cache = try Cache(path: harness.cachePath)
        try FileManager.default.createDirectory(atPath: harness.directory.file("out"), withIntermediateDirectories: true)
        func run(_ overrides: [String: String]) throws -> RunReport {
            let notebook = Checker.check(NotebookDocument.parse(path: "nb.md", text: parameterized), registry: registry,
                                         overrides: overrides)
            #expect(notebook.errors.isEmpty, "\(notebook.errors)")
            return try NotebookRunner(registry: registry, cache: cache)
                .run(notebook, options: RunOptions(outputPath: harness.outputPath))
        }
        _ = try run([:])
        harness.log.reset()
        let report = try run(["start": "4"])
        #expect(report.cells.map(\.status) == [.ran, .ran, .cached])
        #expect(harness.log.all == ["number 4.0"])
        #expect(harness.output.contains("| start | 4 | command line (-p) |"))
        #expect(harness.output.contains("| epochs | 3 | default |"))
        harness.log.reset()
        #expect(try run([:]).cells.map(\.status) == [.cached, .cached, .cached])
    }

    @Test(arguments: [
        (["epochs": "ten"], "nb.md:11:9: number: 'epochs' must be an integer ≥ 1, not 'ten'"),
        (["epoch": "4"], "nb.md:1:9: params: -p epoch=4: no such notebook parameter; did you mean 'epochs'?"),
    ])
    func badOverridesAreReported(overrides: [String: String], expected: String) {
        #expect(checked(overrides).errors.map(\.description) == [expected])
    }

    @Test func anUnknownReferenceIsReportedWhereItIsUsed() {
        let text = parameterized.replacingOccurrences(of: "value: $start", with: "value: $strat")
        #expect(checked([:], text).errors.map(\.description)
                == ["nb.md:7:8: number: unknown notebook parameter '$strat'; did you mean 'start'?"])
        let noParams = "```loom number\nvalue: $x\n```\n"
        #expect(checked([:], noParams).errors.map(\.description)
                == ["nb.md:2:8: number: unknown notebook parameter '$x' (declare it in a 'loom params' cell)"])
    }
}
