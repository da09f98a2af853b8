import Engine
import Foundation
import Testing
@testable import Actions

/// The facts `evaluate`, `compare`, `sweep` and `train.*` publish for the study notebooks' prose:
/// confusions, per-model values, per-variant accuracies and per-epoch curves.
@Suite struct ResultFactsTests {
    @Test func evaluatePublishesEveryConfusionAndTheLargest() throws {
        let harness = try EvaluationHarness()
        let report = try harness.run(harness.notebook("""
            ```loom test.model as swapped
            kind: swap
            ```

            ```loom evaluate as ev
            model: swapped
            ```
            """))
        let cell = report.cells[3]
        #expect(cell.status == .ran, "\(cell.failure ?? "")")
        expectDeclaredFacts(cell)
        // Every class-0 image (3 in the stratified test part) is called class 1; nothing else is wrong.
        #expect(cell.numericFact("confusion.T-shirt/top.Trouser") == 3)
        #expect(cell.numericFact("confusion.Trouser.T-shirt/top") == 0)
        let confusions = cell.facts.filter { $0.name.hasPrefix("confusion.") }
        // The data set names 10 classes (4 of them drawn): every ordered pair of two of them.
        #expect(confusions.count == 10 * 9)
        #expect(confusions.reduce(0) { $0 + $1.value } == cell.numericFact("mistakes"))
        #expect(cell.textFacts["most-confused"] == "T-shirt/top" && cell.textFacts["most-confused-as"] == "Trouser")
        #expect(cell.numericFact("most-confused-count") == 3)
        // T-shirt/top is never right (F1 0); Pullover and Dress are perfect, the first of them wins.
        #expect(cell.textFacts["weakest-class"] == "T-shirt/top" && cell.numericFact("weakest-f1") == 0)
        #expect(cell.textFacts["strongest-class"] == "Pullover" && cell.numericFact("strongest-f1") == 1)
    }

    @Test func predictPublishesEachImagesClassAndConfidence() throws {
        let harness = try EvaluationHarness()
        let report = try harness.run(harness.notebook("""
            ```loom test.model as swapped
            kind: swap
            ```

            ```loom predict as pred
            model: swapped
            images: 12
            ```
            """))
        let cell = report.cells[3]
        #expect(cell.status == .ran, "\(cell.failure ?? "")")
        expectDeclaredFacts(cell)
        // The 12 test images, 3 of them T-shirt/tops, which the swap calls Trouser.
        #expect(cell.numericFact("images") == 12 && cell.numericFact("correct") == 9 && cell.numericFact("wrong") == 3)
        var wrong = 0
        for n in 1...12 {
            let truth = try #require(cell.textFacts["truth.\(n)"]), predicted = try #require(cell.textFacts["prediction.\(n)"])
            #expect(predicted == (truth == "T-shirt/top" ? "Trouser" : truth), "image \(n)")
            if predicted != truth { wrong += 1 }
            let confidence = try #require(cell.numericFact("confidence.\(n)"))
            let second = try #require(cell.numericFact("runner-up-confidence.\(n)"))
            #expect(confidence >= second && confidence <= 1 && second >= 0)
            #expect(cell.textFacts["runner-up.\(n)"] != predicted)
        }
        #expect(wrong == 3)
        let table = try #require(cell.tables.first)
        #expect(table.rows.map { $0[2] } == (1...12).compactMap { cell.textFacts["prediction.\($0)"] })
    }

    @Test func comparePublishesEachModelsValues() throws {
        let harness = try EvaluationHarness()
        let report = try harness.run(harness.notebook("""
            ```loom test.model as perfect
            kind: perfect
            seconds: 75
            ```

            ```loom test.model as swapped
            kind: swap
            seconds: 2
            ```

            ```loom compare as cmp
            ```
            """))
        let cell = report.cells[4]
        #expect(cell.status == .ran, "\(cell.failure ?? "")")
        expectDeclaredFacts(cell)
        let table = try #require(cell.tables.first)
        // A 144-pixel input and 10 classes: 144·10 + 10 parameters each; no training history.
        #expect(cell.numericFact("parameters.perfect") == 1450 && cell.numericFact("parameters.swapped") == 1450)
        #expect(cell.numericFact("training-seconds.perfect") == 75 && cell.numericFact("training-seconds.swapped") == 2)
        #expect(cell.numericFact("epochs.perfect") == 0)
        #expect(cell.numericFact("mistakes.perfect") == 0 && cell.numericFact("mistakes.swapped") == 3)
        #expect(cell.numericFact("macro-f1.perfect") == 1)
        #expect(cell.numericFact("f1.perfect.Dress") == 1 && cell.numericFact("f1.swapped.T-shirt/top") == 0)
        // The swap loses T-shirt/top and Trouser (precision 0.5) and ties on the others: no class is better.
        #expect(cell.numericFact("better-classes.swapped") == 0 && cell.numericFact("better-classes.perfect") == 0)
        for (row, name) in zip(table.rows, ["perfect", "swapped"]) {
            let speed = try #require(cell.numericFact("images-per-second.\(name)"))
            #expect(row[8].replacingOccurrences(of: "*", with: "") == Format.count(Int(speed.rounded())))
            #expect(cell.numericFact("log-loss.\(name)").map { Format.decimal($0) } == row[7].replacingOccurrences(of: "*", with: ""))
        }
    }

    @Test func sweepPublishesEveryVariantAndTheSpread() throws {
        let bench = try TrainingBench()
        let report = try bench.run(bench.notebook("""
            ```loom sweep as grid
            model: mlp
            activation: [relu, tanh]
            width: [4, 8]
            depth: 1
            optimizer: {adam: {learning-rate: 0.01}}
            epochs: 1
            batch-size: 32
            ```
            """))
        let cell = report.cells[2]
        #expect(cell.status == .ran, "\(cell.failure ?? "")")
        expectDeclaredFacts(cell)
        let table = try #require(cell.tables.first)
        #expect(table.rows.count == 4)
        for row in table.rows {
            let name = row[0]
            #expect(cell.numericFact("accuracy.\(name)").map { Format.decimal($0) } == row[5], "\(name)")
            #expect(cell.numericFact("loss.\(name)").map { Format.decimal($0) } == row[6], "\(name)")
            #expect(cell.numericFact("parameters.\(name)").map { Format.count(Int($0)) } == row[4], "\(name)")
            #expect(cell.numericFact("seconds.\(name)") != nil)
        }
        // 144 inputs: 144·4 + 4 + 4·10 + 10 = 630 parameters at width 4.
        #expect(cell.numericFact("parameters.relu 4×1") == 630)
        let accuracies = table.rows.compactMap { cell.numericFact("accuracy.\($0[0])") }
        let best = try #require(accuracies.max()), worst = try #require(accuracies.min())
        #expect(cell.textFacts["worst-variant"] == table.rows.last?[0])
        #expect(cell.numericFact("worst-validation-accuracy") == worst)
        #expect(abs((cell.numericFact("spread") ?? -1) - (best - worst)) < 1e-12)
        for group in ["4×1", "8×1"] {
            let relu = try #require(cell.numericFact("accuracy.relu \(group)"))
            let tanh = try #require(cell.numericFact("accuracy.tanh \(group)"))
            let expected = relu == tanh ? nil : (relu > tanh ? ("relu", "tanh") : ("tanh", "relu"))
            if let expected {
                #expect(cell.textFacts["best-activation.\(group)"] == expected.0)
                #expect(cell.textFacts["worst-activation.\(group)"] == expected.1)
            }
        }
    }

    @Test func trainingPublishesEachEpochsCurve() throws {
        let bench = try TrainingBench()
        let report = try bench.run(bench.notebook("""
            ```loom train.mlp as mlp
            hidden: [8]
            optimizer: {adam: {learning-rate: 0.01}}
            epochs: 3
            batch-size: 32
            seed: 3
            ```
            """))
        let cell = report.cells[2]
        #expect(cell.status == .ran, "\(cell.failure ?? "")")
        expectDeclaredFacts(cell)
        for epoch in 1...3 {
            #expect(cell.numericFact("validation-accuracy.\(epoch)") != nil && cell.numericFact("train-loss.\(epoch)") != nil)
            #expect(cell.numericFact("validation-loss.\(epoch)") != nil)
        }
        #expect(cell.numericFact("validation-accuracy.4") == nil)
        #expect(cell.numericFact("validation-accuracy.3") == cell.numericFact("final-validation-accuracy"))
        #expect(cell.numericFact("train-loss.3") == cell.numericFact("final-train-loss"))
        #expect(cell.numericFact("validation-loss.3") == cell.numericFact("final-validation-loss"))
        let best = try #require(cell.numericFact("best-validation-accuracy"))
        let epoch = try #require(cell.numericFact("best-epoch"))
        #expect(cell.numericFact("validation-accuracy.\(Int(epoch))") == best)
        let slowest = try #require(cell.numericFact("lowest-images-per-second"))
        let fastest = try #require(cell.numericFact("highest-images-per-second"))
        let mean = try #require(cell.numericFact("images-per-second"))
        #expect(slowest <= mean + 1e-9 && mean <= fastest + 1e-9)
    }
}
