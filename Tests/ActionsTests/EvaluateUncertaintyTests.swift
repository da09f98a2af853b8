import Analysis
import Engine
import Foundation
import Testing
@testable import Actions

/// `evaluate`'s intervals, calibration and ROC AUC.
@Suite struct EvaluateUncertaintyTests {
    @Test func aPerfectModelGetsAnIntervalBelowOneAndAnAUCOfOne() throws {
        let harness = try EvaluationHarness()
        let report = try harness.run(harness.perfectModelNotebook("""
            ```loom evaluate as ev
            model: perfect
            ```
            """))
        let cell = report.cells[3]
        #expect(cell.status == .ran, "\(cell.failure ?? "")")
        // Wilson for 12 of 12: low = 1 / (1 + z²/12) = 1 / 1.3201225 = 0.7575060, high = 1.
        #expect(cell.metric("accuracy 95% interval") == "0.758 – 1.000")
        #expect(cell.markdown.first?.contains("accuracy **100.0%** (95% interval 75.8–100.0%, Wilson score)") == true)
        let low = try #require(cell.facts.first { $0.name == "accuracy-low" })
        #expect(abs(low.value - 0.7575059933447591) < 1e-12 && low.kind == .fraction)
        #expect(cell.facts.first { $0.name == "accuracy-high" }?.value == 1)
        // Every drawn class's images get its highest probability: each one-vs-rest AUC is 1.
        #expect(cell.facts.first { $0.name == "macro-auc" }?.value == 1)
        #expect(cell.metric("macro ROC AUC") == "1.0000")
        let table = try #require(cell.tables.first { $0.columns.contains("recall 95% interval") })
        #expect(table.columns == ["class", "recall", "recall 95% interval", "ROC AUC (one-vs-rest)", "support"])
        // Wilson for 3 of 3: low = 1 / (1 + z²/3) = 0.4385030.
        #expect(table.rows[0] == ["T-shirt/top", "1.000", "0.439 – 1.000", "1.0000", "3"])
        // Fashion-MNIST has ten names; the set draws four, so the others have no images and no AUC.
        #expect(table.rows[4] == ["Coat", "–", "–", "–", "0"])
        // The macro average runs over the four classes present, as the classification report's.
        #expect(table.rows.last == ["**macro average**", "1.000", "", "1.0000", "12"])
        #expect(cell.facts.contains { $0.name == "recall-low.Trouser" })
        #expect(!cell.facts.contains { $0.name == "recall-low.Coat" })
        // A perfect model's bins all lie on or above the diagonal: its ECE is 1 − its mean confidence.
        let ece = try #require(cell.facts.first { $0.name == "ece" }?.value)
        #expect(ece >= 0 && ece < 1)
        #expect(cell.markdownText.contains("Expected calibration error **\(Format.decimal(ece))** (15 equal-width bins"))
        let figure = try #require(cell.figures.first { $0.name == "reliability-diagram" })
        #expect(figure.png.prefix(4) == Data([0x89, 0x50, 0x4E, 0x47]))
        #expect(figure.title.hasPrefix("Reliability diagram of perfect on the test part"))
        expectDeclaredFacts(cell)
    }

    @Test func theBootstrapIsTheSeededPercentileInterval() throws {
        let harness = try EvaluationHarness()
        let report = try harness.run(harness.notebook("""
            ```loom test.model as swapped
            kind: swap
            ```

            ```loom evaluate
            interval: bootstrap
            bins: 5
            ```
            """))
        let cell = report.cells[3]
        #expect(cell.status == .ran, "\(cell.failure ?? "")")
        // 9 of 12 right; the interval is the bootstrap's with 2000 resamples and seed 0.
        let expected = Intervals.bootstrap(successes: 9, trials: 12, resamples: 2000, seed: 0)
        #expect(cell.metric("accuracy 95% interval") == "\(Format.decimal(expected.low)) – \(Format.decimal(expected.high))")
        #expect(cell.facts.first { $0.name == "accuracy-low" }?.value == expected.low)
        #expect(cell.markdown.first?.contains("percentile bootstrap (2000 resamples, seed 0)") == true)
        // T-shirt/top: none of its 3 images right, so its bootstrap recall interval is the point 0.
        let table = try #require(cell.tables.first { $0.columns.contains("recall 95% interval") })
        #expect(table.rows[0][1...2] == ["0.000", "0.000 – 0.000"])
        #expect(cell.markdownText.contains("(5 equal-width bins"))
    }

    @Test(arguments: ["bins: 1", "bins: 500", "interval: jackknife"])
    func badSettingsAreRejectedByTheCheck(setting: String) throws {
        let harness = try EvaluationHarness()
        let errors = harness.check(harness.notebook("```loom test.model\n```\n\n```loom evaluate\n\(setting)\n```\n")).errors
        // The setting is on line 13: load (1–3), split (5–7), test.model (9–10), evaluate (12–14).
        #expect(errors.contains { $0.description.contains("nb.md:13:") }, "\(errors)")
    }

    @Test func theUncertaintyTableMatchesAHandComputation() {
        // Labels [a, a, b], predictions [a, b, b]. Recall a = 1/2: Wilson (0.5 + 0.9604) / 2.9208 ∓
        // 1.96 / 2.9208 · √(0.125 + 0.9604) = 0.5 ∓ 0.4055 → 0.095 – 0.905. Recall b = 1/1: low =
        // 1 / (1 + z²) = 0.2066. AUC a: column 0 = [0.8, 0.4 | 0.3], both positives above the
        // negative: 1; AUC b: column 1 = [0.7 | 0.2, 0.6]: 1.
        let evaluation = ClassifierEvaluation(actual: [0, 0, 1], predicted: [0, 1, 1],
                                              probabilities: [0.8, 0.2, 0.4, 0.6, 0.3, 0.7], classCount: 2)
        let table = EvaluateAction.uncertaintyTable(evaluation, names: ["a", "b"])
        #expect(table.rows == [
            ["a", "0.500", "0.095 – 0.905", "1.0000", "2"],
            ["b", "1.000", "0.207 – 1.000", "1.0000", "1"],
            ["**macro average**", "0.750", "", "1.0000", "3"],
        ])
    }

    @Test func theCalibrationSentenceSaysWhichWayTheModelErrs() {
        // Confidence 0.9 twice (one right) and 0.6 twice (one right): gaps 0.4 and 0.1, each bin
        // half the predictions: ECE = 0.5·0.4 + 0.5·0.1 = 0.25, MCE 0.4; mean confidence 0.75
        // against accuracy 0.5: overconfident.
        let calibration = Calibration(confidence: [0.9, 0.9, 0.6, 0.6], correct: [true, false, true, false], binCount: 10)
        #expect(EvaluateAction.calibrationSentence(calibration, accuracy: 0.5)
                == "Expected calibration error **0.250** (10 equal-width bins; the largest gap of a bin is 0.400): "
                + "mean confidence 75.0% against accuracy 50.0%, so the model is overconfident.")
        let under = Calibration(confidence: [0.6, 0.6], correct: [true, true], binCount: 10)
        #expect(EvaluateAction.calibrationSentence(under, accuracy: 1).hasSuffix("so the model is underconfident."))
    }

    @Test func formatsReadNaturally() {
        #expect(Format.pValue(0.25) == "0.250")
        #expect(Format.pValue(0.0026631) == "0.0027")
        #expect(Format.pValue(0.00001) == "< 0.0001")
        #expect(Format.points(-0.25) == "−25.00 pt")
        #expect(Format.points(0.0123) == "+1.23 pt")
        #expect(Format.percentRange(Intervals.wilson(successes: 8, trials: 10)) == "49.0–94.3%")
    }
}
