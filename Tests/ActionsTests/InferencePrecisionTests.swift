import Testing
import TensorCore
@testable import Actions

/// `precision: bf16` on `evaluate` and `predict`.
@Suite struct InferencePrecisionTests {
    @Test(.enabled(if: BFloat16.availability.available,
                   "this processor has no AVX512_BF16 or AMX, so oneDNN has no native bfloat16 product"))
    func evaluateSaysItRanInBFloat16AndHowManyPredictionsDiffer() throws {
        let harness = try EvaluationHarness()
        let report = try harness.run(harness.perfectModelNotebook("""
            ```loom evaluate
            model: perfect
            precision: bf16
            ```

            ```loom predict
            model: perfect
            images: 4
            precision: bf16
            ```
            """))
        let evaluate = report.cells[3], predict = report.cells[4]
        #expect(evaluate.status == .ran, "\(evaluate.failure ?? "")")
        #expect(evaluate.markdownText.contains("10 classes, bfloat16 inference)"), "\(evaluate.markdownText)")
        #expect(evaluate.markdownText.contains("predictions differ from Float32's (accuracy "), "\(evaluate.markdownText)")
        #expect(predict.status == .ran, "\(predict.failure ?? "")")
        #expect(predict.markdownText.contains("part, bfloat16 inference: "), "\(predict.markdownText)")
    }

    @Test func anUnknownPrecisionIsACheckErrorThatListsTheChoices() throws {
        let harness = try EvaluationHarness()
        let errors = harness.check(harness.perfectModelNotebook("""
            ```loom evaluate
            model: perfect
            precision: fp16
            ```
            """)).errors.map(\.description)
        #expect(errors.count == 1)
        #expect(errors.first?.contains("'precision' must be one of 'fp32', 'bf16', not 'fp16'") == true, "\(errors)")
    }
}
