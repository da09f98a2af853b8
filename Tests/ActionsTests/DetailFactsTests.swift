import Actions
import Analysis
import Engine
import Foundation
import Testing

/// The facts prose quotes instead of hand-typed numbers: every epoch of a training, where
/// `evaluate`'s mistakes fall, and what `predict` made of each image. Each is checked against the
/// cell's own table or the model's history, on the synthetic folder.
@Suite struct DetailFactsTests {
    func fact(_ cell: CellReport, _ name: String) -> Double? { cell.facts.first { $0.name == name }?.value }

    static let notebook = """
        ```loom train.mlp as mlp
        hidden: [24]
        epochs: 3
        batch-size: 16
        seed: 2
        ```

        ```loom evaluate as ev
        model: mlp
        mistakes: 4
        ```

        ```loom predict as guess
        model: mlp
        images: 5
        seed: 3
        ```
        """

    @Test func trainingPublishesEveryEpochAndTheSpreadOfItsTimes() throws {
        let bench = try TrainingBench()
        let text = bench.notebook(Self.notebook)
        let report = try bench.run(text)
        let cell = report.cells[2]
        #expect(cell.status == .ran, "\(cell.failure ?? "")")
        expectDeclaredFacts(cell)
        let history = try #require(try bench.model(text, cell: 2)).trained.history
        #expect(history.count == 3)
        for record in history {
            #expect(fact(cell, "validation-accuracy.\(record.epoch)") == record.validationAccuracy.map(Double.init))
            #expect(fact(cell, "validation-loss.\(record.epoch)") == record.validationLoss.map(Double.init))
            #expect(fact(cell, "train-accuracy.\(record.epoch)") == Double(record.trainAccuracy))
            #expect(fact(cell, "train-loss.\(record.epoch)") == Double(record.trainLoss))
            #expect(fact(cell, "learning-rate.\(record.epoch)") == Double(record.learningRate))
        }
        #expect(fact(cell, "validation-accuracy.4") == nil)
        #expect(fact(cell, "final-train-accuracy") == history.last.map { Double($0.trainAccuracy) })
        #expect(fact(cell, "fastest-epoch-seconds") == history.map(\.seconds).min())
        #expect(fact(cell, "slowest-epoch-seconds") == history.map(\.seconds).max())
        #expect(fact(cell, "highest-images-per-second") == history.map(\.imagesPerSecond).max())
    }

    @Test func evaluatePublishesWhereItsMistakesFall() throws {
        let bench = try TrainingBench()
        let report = try bench.run(bench.notebook(Self.notebook))
        let cell = report.cells[3]
        #expect(cell.status == .ran, "\(cell.failure ?? "")")
        expectDeclaredFacts(cell)
        let mistakes = try #require(fact(cell, "mistakes"))
        let namesPublished = cell.facts.filter { $0.name.hasPrefix("called.") }.map { String($0.name.dropFirst(7)) }
        #expect(namesPublished.count == 10)
        // Every mistake is one class's false positive and another's miss.
        #expect(cell.facts.filter { $0.name.hasPrefix("called.") }.map(\.value).reduce(0, +) == mistakes)
        #expect(cell.facts.filter { $0.name.hasPrefix("missed.") }.map(\.value).reduce(0, +) == mistakes)
        if mistakes > 0 {
            let first = try #require(fact(cell, "pair-count.1"))
            #expect(first >= (fact(cell, "pair-count.2") ?? 0))
            #expect(fact(cell, "pair-share.1") == first / mistakes)
            #expect(cell.textFacts["pair.1"]?.contains(" ↔ ") == true)
            #expect(cell.textFacts["weakest-class"] != nil && cell.textFacts["strongest-class"] != nil)
            #expect(try #require(fact(cell, "weakest-f1")) <= #require(fact(cell, "strongest-f1")))
            #expect(fact(cell, "shown-mistakes") == min(4, mistakes))
        }
    }

    @Test func predictPublishesEachImagesPrediction() throws {
        let bench = try TrainingBench()
        let report = try bench.run(bench.notebook(Self.notebook))
        let cell = report.cells[4]
        #expect(cell.status == .ran, "\(cell.failure ?? "")")
        expectDeclaredFacts(cell)
        #expect(fact(cell, "images") == 5)
        let table = try #require(cell.tables.first)
        #expect(table.rows.count == 5)
        var right = 0.0
        for (index, row) in table.rows.enumerated() {
            #expect(cell.textFacts["truth.\(index + 1)"] == row[1])
            #expect(cell.textFacts["prediction.\(index + 1)"] == row[2])
            if row[3] == "✓" { right += 1 }
            let confidence = try #require(fact(cell, "confidence.\(index + 1)"))
            #expect(confidence >= (fact(cell, "runner-up-confidence.\(index + 1)") ?? 0))
        }
        #expect(fact(cell, "correct") == right)
        let confidences = (1...5).compactMap { fact(cell, "confidence.\($0)") }
        #expect(fact(cell, "lowest-confidence") == confidences.min())
        let least = try #require(fact(cell, "least-confident"))
        #expect(confidences[Int(least) - 1] == confidences.min())
        #expect(cell.textFacts["least-confident-prediction"] == cell.textFacts["prediction.\(Int(least))"])
        #expect(cell.textFacts["least-confident-runner-up"] == cell.textFacts["runner-up.\(Int(least))"])
    }
}
