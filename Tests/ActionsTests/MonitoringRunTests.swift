import Actions
import Engine
import Figures
import Foundation
import NeuralNet
import Testing
import _LoomTestSupport

/// A training cell's monitoring adjusts training: reduce-on-plateau lowers the rate, early
/// stopping on any declared metric stops and keeps the best epoch, and the table, text, facts and
/// curves say where they acted. Runs on the synthetic bars (10 classes, 160 training and 20
/// validation images).
@Suite struct MonitoringRunTests {
    /// Written where `LOOM_TEST_FIGURES` names a folder, to look at.
    static func keep(_ png: Data, _ name: String) {
        guard let folder = ProcessInfo.processInfo.environment["LOOM_TEST_FIGURES"] else { return }
        try? png.write(to: URL(fileURLWithPath: folder).appendingPathComponent(name))
    }

    func fact(_ cell: CellReport, _ name: String) -> Double? { cell.facts.first { $0.name == name }?.value }

    static let checks: [(body: String, errors: [String])] = [
        ("hidden: [32]\nschedule: {plateau: {factor: 1}}", ["13:30: 'factor' must be a number in (0, 1), not 1"]),
        ("hidden: [32]\nschedule: {plateau: {patience: 2, metric: f1}}",
         ["13:43: 'metric' must be one of 'loss', 'accuracy', 'macro-f1', not 'f1'"]),
        ("hidden: [32]\nschedule: {platau: {factor: 0.5}}", ["13:12: unknown schedule 'platau'; did you mean 'plateau'?"]),
        ("hidden: [32]\nearly-stopping: {patience: 2, metric: macro_f1}",
         ["13:39: 'metric' must be one of 'loss', 'accuracy', 'macro-f1', not 'macro_f1'; did you mean 'macro-f1'?"]),
        ("hidden: [32]\nearly-stopping: {patience: 2, min-delta: -0.1}", ["13:42: 'min-delta' must be a number ≥ 0, not -0.1"]),
        ("hidden: [32]\nearly-stopping: {patience: 2, restore: true}",
         ["13:31: unknown field 'restore' of 'early-stopping'; did you mean 'restore-best'?"]),
        ("hidden: [32]\nmetric: f1-macro", ["13:9: 'metric' must be one of 'loss', 'accuracy', 'macro-f1', not 'f1-macro'"]),
    ]

    @Test(arguments: checks.indices)
    func checkFindsBadMonitoringSettingsAtTheirPosition(index: Int) throws {
        let bench = try TrainingBench()
        let (body, errors) = Self.checks[index]
        #expect(bench.errors(bench.notebook("```loom train.mlp\n\(body)\n```\n")) == errors)
    }

    @Test func plateauHalvesTheRateWhenValidationAccuracyStopsImprovingAndSaysWhere() throws {
        let bench = try TrainingBench()
        let text = bench.notebook("""
            ```loom train.mlp as mlp
            hidden: [32]
            optimizer: {adam: {learning-rate: 0.01}}
            schedule: {plateau: {factor: 0.5, patience: 1, metric: accuracy, minimum: 0.002}}
            epochs: 6
            batch-size: 16
            seed: 3
            ```
            """)
        let (cell, model) = try bench.trained(text)
        let history = model.trained.history
        let reductions = model.trained.learningRateReductions
        // The bars are learnt within a few epochs: validation accuracy then stays at its best.
        #expect(!reductions.isEmpty)
        #expect(history.first?.learningRate == 0.01)
        for (previous, record) in zip(history, history.dropFirst()) {
            #expect(record.learningRate == (reductions.contains(previous.epoch) ? max(previous.learningRate / 2, 0.002) : previous.learningRate))
        }
        #expect((history.map(\.learningRate).min() ?? 0) >= 0.002)

        let table = try #require(cell.tables.dropFirst().first)
        #expect(table.columns == ["epoch", "train loss", "train acc", "val loss", "val acc", "lr", "seconds", "img/s", "note"])
        #expect(table.rows.map { $0[5] } == history.map { String(format: "%.3g", Double($0.learningRate)) })
        // Validation accuracy is 1 from the first epoch on, so every later epoch fails to improve it:
        // halved after epochs 2 and 3, then 0.0025 / 2 is below the minimum, so 0.002 after epoch 4.
        #expect(reductions == [2, 3, 4])
        #expect(history.map(\.learningRate) == [0.01, 0.01, 0.005, 0.0025, 0.002, 0.002])
        #expect(table.rows.map(\.last) == ["", "lr halved → 0.005", "lr halved → 0.0025", "lr lowered to its minimum 0.002", "", ""])
        #expect(cell.markdown.contains("The learning rate was halved after epochs 2 and 3, then lowered to its minimum 0.002 after "
                                       + "epoch 4 (0.01 → 0.002) when the validation accuracy had not improved for 1 epoch."),
                "\(cell.markdown)")
        #expect(fact(cell, "learning-rate-reductions") == Double(reductions.count))
        #expect(fact(cell, "final-learning-rate") == Double(history.last!.learningRate))
        expectDeclaredFacts(cell)

        // Three panels: loss, accuracy and the learning rate.
        let figure = try #require(cell.figures.first)
        #expect(figure.title.contains("and the learning rate"))
        let image = try PNGImage.decode(figure.png)
        #expect(image.width == 1140)
        Self.keep(figure.png, "plateau-curves.png")
    }

    @Test func earlyStoppingOnMacroF1StopsAndKeepsTheBestEpoch() throws {
        let bench = try TrainingBench()
        let text = bench.notebook("""
            ```loom train.mlp as mlp
            hidden: [32]
            optimizer: {adam: {learning-rate: 0.01}}
            early-stopping: {patience: 2, metric: macro-f1, min-delta: 0.001}
            epochs: 20
            batch-size: 16
            seed: 3
            ```
            """)
        let (cell, model) = try bench.trained(text)
        let trained = model.trained
        let history = trained.history
        #expect(history.count < 20)
        let scores = history.map { $0.validationMacroF1 ?? -1 }
        // The kept epoch is the first whose macro-F1 no later epoch beat by more than min-delta.
        var best = 0
        for index in scores.indices where scores[index] > scores[best] + 0.001 { best = index }
        let kept = best + 1
        #expect(trained.keptEpoch == kept)
        #expect(history.count == kept + 2)

        let table = try #require(cell.tables.dropFirst().first)
        #expect(table.columns == ["epoch", "train loss", "train acc", "val loss", "val acc", "val macro-F1", "lr", "seconds", "img/s", "note"])
        #expect(table.rows[kept - 1].last == "kept (best macro-F1)")
        #expect(table.rows.last?.last == "stopped")
        #expect(cell.markdown.contains {
            $0.hasPrefix("Early stopping stopped after epoch \(history.count) of 20, 2 epochs without a better validation macro-F1; "
                         + "the model keeps epoch \(kept) (best validation macro-F1, ")
        }, "\(cell.markdown)")
        #expect(fact(cell, "kept-epoch") == Double(kept))
        #expect(fact(cell, "stopped-epoch") == Double(history.count))
        #expect(fact(cell, "kept-validation-macro-f1") == Double(scores[best]))
        #expect(fact(cell, "learning-rate-reductions") == nil)
        expectDeclaredFacts(cell)

        // A constant rate: two panels, with markers at the stop and the kept epoch.
        let figure = try #require(cell.figures.first)
        #expect(figure.title.hasSuffix("vertical lines mark where the monitoring acted"))
        #expect(try PNGImage.decode(figure.png).width == 760)
        Self.keep(figure.png, "early-stopping-curves.png")
    }
}
