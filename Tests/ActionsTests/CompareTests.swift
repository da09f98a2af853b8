import Engine
import Foundation
import Testing
@testable import Actions

@Suite struct CompareActionTests {
    let models = """
        ```loom test.model as perfect
        kind: perfect
        seconds: 75
        ```

        ```loom test.model as small
        kind: trained
        hidden: 4
        epochs: 2
        ```

        ```loom test.model as wide
        kind: trained
        hidden: 24
        epochs: 3
        ```
        """

    @Test func everyModelAboveIsComparedOnTheTestPart() throws {
        let harness = try EvaluationHarness()
        let report = try harness.run(harness.notebook(models + "\n\n```loom compare\n```\n"))
        let cell = report.cells[5]
        #expect(cell.status == .ran, "\(cell.failure ?? "")")
        #expect(cell.markdown.first == "3 models on the test part (12 images):")
        let table = try #require(cell.tables.first)
        #expect(table.columns == ["model", "family", "parameters", "epochs", "training time", "test accuracy", "macro F1",
                                  "log-loss", "inference img/s"])
        #expect(table.rows.map { $0[0] } == ["perfect", "small", "wide"])
        // A 144-pixel input: 144·10 + 10; 144·4 + 4 + 4·10 + 10; 144·24 + 24 + 24·10 + 10.
        #expect(table.rows.map { $0[2] } == ["1,450", "630", "3,730"])
        #expect(table.rows.map { $0[3] } == ["0", "2", "3"])
        #expect(table.rows[0][4] == "1 min 15 s")
        #expect(table.rows[0][5] == "**1.000**" && table.rows[0][6] == "**1.000**")
        for row in table.rows {
            let speed = Int(row[8].replacingOccurrences(of: "*", with: "").replacingOccurrences(of: ",", with: ""))
            #expect((speed ?? 0) > 0, "\(row)")
        }
        #expect(cell.markdown.contains { $0.hasPrefix("**perfect** has the highest test accuracy (1.000)") })
        #expect(cell.figures.map(\.name) == ["validation-curves"])
        expectDeclaredFacts(cell)
        #expect(cell.textFacts["best-model"] == "perfect")
        #expect(cell.facts.first { $0.name == "best-accuracy" }?.value == 1)
        #expect(cell.facts.first { $0.name == "accuracy.perfect" }?.value == 1)
        #expect(cell.textFacts["fastest-model"] != nil)
    }

    @Test func namedModelsAreComparedInTheGivenOrder() throws {
        let harness = try EvaluationHarness()
        let report = try harness.run(harness.notebook(models + "\n\n```loom compare\nmodels: [wide, perfect]\non: validation\n```\n"))
        let cell = report.cells[5]
        #expect(cell.status == .ran, "\(cell.failure ?? "")")
        let table = try #require(cell.tables.first)
        #expect(table.rows.map { $0[0] } == ["wide", "perfect"])
        #expect(table.columns[5] == "validation accuracy")
    }

    @Test func withoutValidationHistoryThereAreNoCurves() throws {
        let harness = try EvaluationHarness()
        let report = try harness.run(harness.perfectModelNotebook("""
            ```loom compare
            ```
            """))
        let cell = report.cells[3]
        #expect(cell.status == .ran, "\(cell.failure ?? "")")
        #expect(cell.figures.isEmpty)
        #expect(cell.markdown.contains("No model recorded a validation accuracy during training, so there are no curves to show."))
    }

    @Test(arguments: [(0.04, "0.0 s"), (41.23, "41.2 s"), (125, "2 min 05 s"), (3725, "1 h 02 min")])
    func durationsReadNaturally(seconds: Double, text: String) {
        #expect(CompareAction.duration(seconds) == text)
    }
}
