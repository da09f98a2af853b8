import Analysis
import Foundation
import Testing

private func expectClose(_ a: Double?, _ b: Double, tolerance: Double = 1e-9,
                         sourceLocation: SourceLocation = #_sourceLocation) {
    guard let a else {
        Issue.record("nil is not \(b)", sourceLocation: sourceLocation)
        return
    }
    #expect(abs(a - b) <= tolerance, "\(a) is not within \(tolerance) of \(b)", sourceLocation: sourceLocation)
}

@Suite struct IntervalTests {
    @Test func wilsonMatchesTheHandComputation() {
        // k = 8, n = 10, z = 1.959964: p = 0.8, z² = 3.841459, z²/n = 0.3841459,
        // centre = (0.8 + 0.1920729) / 1.3841459 = 0.7167402,
        // half = 1.959964 / 1.3841459 · √(0.016 + 3.841459 / 400) = 1.4160115 · 0.1600114 = 0.2265779,
        // so [0.4901623, 0.9433181] (R's binom::binom.wilson gives 0.4901625, 0.9433178).
        let interval = Intervals.wilson(successes: 8, trials: 10)
        expectClose(interval.estimate, 0.8)
        expectClose(interval.low, 0.4901624715366418, tolerance: 1e-12)
        expectClose(interval.high, 0.9433178485456248, tolerance: 1e-12)
        #expect(interval.successes == 8 && interval.trials == 10)
    }

    @Test func wilsonAtNoneOrAllSuccessesKeepsAWidthAndStaysInTheUnitInterval() {
        // k = 0: low = 0; high = 2·(z²/2n) / (1 + z²/n) = 0.3841459 / 1.3841459 = 0.2775328.
        let none = Intervals.wilson(successes: 0, trials: 10)
        #expect(none.low == 0)
        expectClose(none.high, 0.2775327998628892, tolerance: 1e-12)
        // k = n mirrors it.
        let all = Intervals.wilson(successes: 10, trials: 10)
        #expect(all.high == 1)
        expectClose(all.low, 1 - 0.2775327998628892, tolerance: 1e-12)
        // No trials: nothing is known.
        let empty = Intervals.wilson(successes: 0, trials: 0)
        #expect(empty.low == 0 && empty.high == 1 && empty.estimate == 0)
    }

    @Test func wilsonNarrowsAsTheSampleGrows() {
        // 94% of 7000 (the study's test part): about ±0.56 points.
        let large = Intervals.wilson(successes: 6580, trials: 7000)
        #expect(large.low < 0.94 && 0.94 < large.high)
        expectClose(large.halfWidth, 0.00556, tolerance: 0.0001)
        #expect(Intervals.wilson(successes: 94, trials: 100).halfWidth > large.halfWidth * 5)
    }

    @Test func theBootstrapIsSeededAndCloseToWilsonForALargeSample() {
        let first = Intervals.bootstrap(successes: 850, trials: 1000, resamples: 1000, seed: 7)
        let again = Intervals.bootstrap(successes: 850, trials: 1000, resamples: 1000, seed: 7)
        let other = Intervals.bootstrap(successes: 850, trials: 1000, resamples: 1000, seed: 8)
        #expect(first == again)
        #expect(first != other)
        // The normal approximation gives 0.85 ± 1.96·√(0.85·0.15/1000) = 0.85 ± 0.0221.
        expectClose(first.low, 0.8279, tolerance: 0.006)
        expectClose(first.high, 0.8721, tolerance: 0.006)
        #expect(first.estimate == 0.85)
    }

    @Test func theBootstrapOfAllOrNoneCollapsesToAPoint() {
        let all = Intervals.bootstrap(successes: 5, trials: 5, resamples: 50, seed: 0)
        #expect(all.low == 1 && all.high == 1)
        let none = Intervals.bootstrap(successes: 0, trials: 5, resamples: 50, seed: 0)
        #expect(none.low == 0 && none.high == 0)
        let empty = Intervals.bootstrap(successes: 0, trials: 0, resamples: 50, seed: 0)
        #expect(empty.low == 0 && empty.high == 1)
    }

    @Test func theMethodDescribesItself() {
        #expect(IntervalMethod.wilson.description == "Wilson score")
        #expect(IntervalMethod.defaultBootstrap.description == "percentile bootstrap (2000 resamples, seed 0)")
        #expect(IntervalMethod.wilson.interval(successes: 8, trials: 10) == Intervals.wilson(successes: 8, trials: 10))
    }
}

@Suite struct McNemarTests {
    @Test func fewDiscordantPairsUseTheExactBinomialTest() {
        // b = 1, c = 5, n = 6: P(X ≤ 1) = (C(6,0) + C(6,1)) / 2⁶ = 7/64, p = 2·7/64 = 0.21875.
        let test = McNemarTest(onlyFirstCorrect: 1, onlySecondCorrect: 5)
        #expect(test.method == .exactBinomial)
        #expect(test.statistic == nil)
        expectClose(test.pValue, 0.21875, tolerance: 1e-12)
        #expect(!test.isSignificant())
        // b = 0, c = 8: p = 2 / 2⁸ = 0.0078125, significant.
        let lopsided = McNemarTest(onlyFirstCorrect: 0, onlySecondCorrect: 8)
        expectClose(lopsided.pValue, 0.0078125, tolerance: 1e-12)
        #expect(lopsided.isSignificant())
    }

    @Test func theExactTestStopsJustBelowTwentyFiveDiscordantPairs() {
        // b = 9, c = 15, n = 24: 2·Σ_{i ≤ 9} C(24, i) / 2²⁴ = 2·2 579 130 / 16 777 216 = 0.3074563.
        let exact = McNemarTest(onlyFirstCorrect: 9, onlySecondCorrect: 15)
        #expect(exact.method == .exactBinomial)
        expectClose(exact.pValue, 0.30745625495910645, tolerance: 1e-9)
        #expect(McNemarTest(onlyFirstCorrect: 10, onlySecondCorrect: 15).method == .chiSquare)
    }

    @Test func manyDiscordantPairsUseTheContinuityCorrectedChiSquare() {
        // b = 10, c = 30: χ² = (|10 − 30| − 1)² / 40 = 361 / 40 = 9.025; p = erfc(√4.5125) = 0.0026631.
        let test = McNemarTest(onlyFirstCorrect: 10, onlySecondCorrect: 30)
        #expect(test.method == .chiSquare)
        expectClose(test.statistic, 9.025, tolerance: 1e-12)
        expectClose(test.pValue, 0.002663119259138554, tolerance: 1e-12)
        #expect(test.isSignificant())
        #expect(test.discordant == 40)
        // Swapping the classifiers gives the same p-value.
        #expect(McNemarTest(onlyFirstCorrect: 30, onlySecondCorrect: 10).pValue == test.pValue)
    }

    @Test func equalDiscordantCountsGiveOne() {
        // b = c = 15: |b − c| − 1 = −1 is taken as 0, so χ² = 0 and p = 1.
        let chi = McNemarTest(onlyFirstCorrect: 15, onlySecondCorrect: 15)
        #expect(chi.statistic == 0 && chi.pValue == 1)
        // b = c = 3 (exact): 2·P(X ≤ 3 | n = 6) = 2·42/64 > 1, clamped to 1.
        #expect(McNemarTest(onlyFirstCorrect: 3, onlySecondCorrect: 3).pValue == 1)
    }

    @Test func noDiscordantPairsMeanTheClassifiersCannotBeToldApart() {
        let test = McNemarTest(firstCorrect: [true, false, true], secondCorrect: [true, false, true])
        #expect(test.discordant == 0)
        #expect(test.pValue == 1)
        #expect(test.method == .exactBinomial)
    }

    @Test func countsTheDiscordantItemsOfTwoClassifiers() {
        // Items 0 and 3: only the first right; item 1: only the second; item 2: both; item 4: neither.
        let test = McNemarTest(firstCorrect: [true, false, true, true, false],
                               secondCorrect: [false, true, true, false, false])
        #expect(test.onlyFirstCorrect == 2 && test.onlySecondCorrect == 1)
        // n = 3, min = 1: 2·(1 + 3)/8 = 1.
        #expect(test.pValue == 1)
    }
}

@Suite struct CalibrationTests {
    @Test func eceWeighsEachBinsGapByItsShare() {
        // Four bins of width 0.25. Bin 2 ((0.5, 0.75]): 0.6 and 0.7, one right: acc 0.5, conf 0.65,
        // gap 0.15. Bin 3 ((0.75, 1]): 0.8, 0.9, 1.0, all right: acc 1, conf 0.9, gap 0.1.
        // Bin 0 holds 0 (the lowest bin includes 0), wrong: acc 0, conf 0, gap 0. Bin 1 is empty.
        // ECE = 2/6 · 0.15 + 3/6 · 0.1 + 1/6 · 0 = 0.05 + 0.05 = 0.1; MCE = 0.15.
        let calibration = Calibration(confidence: [0.6, 0.7, 0.8, 0.9, 1.0, 0],
                                      correct: [true, false, true, true, true, false], binCount: 4)
        #expect(calibration.bins.map(\.count) == [1, 0, 2, 3])
        #expect(calibration.bins[1].meanConfidence == nil && calibration.bins[1].accuracy == nil)
        #expect(calibration.bins[1].gap == nil)
        expectClose(calibration.bins[2].meanConfidence, 0.65, tolerance: 1e-12)
        expectClose(calibration.bins[2].accuracy, 0.5)
        expectClose(calibration.bins[3].meanConfidence, 0.9, tolerance: 1e-12)
        expectClose(calibration.expectedError, 0.1, tolerance: 1e-12)
        expectClose(calibration.maximumError, 0.15, tolerance: 1e-12)
        #expect(calibration.bins.map(\.lower) == [0, 0.25, 0.5, 0.75])
        #expect(calibration.bins.map(\.upper) == [0.25, 0.5, 0.75, 1])
    }

    @Test func aConfidenceOnABinEdgeGoesToTheLowerBin() {
        // 0.5 lies in (0.25, 0.5], not (0.5, 0.75].
        let calibration = Calibration(confidence: [0.5, 0.25, 0.75], correct: [true, true, true], binCount: 4)
        #expect(calibration.bins.map(\.count) == [1, 1, 1, 0])
    }

    @Test func perfectCalibrationHasNoError() {
        // Confidence 0.75 four times, three right: accuracy 0.75 in its bin.
        let calibration = Calibration(confidence: [0.75, 0.75, 0.75, 0.75], correct: [true, true, true, false])
        #expect(calibration.bins.count == 15)
        expectClose(calibration.expectedError, 0, tolerance: 1e-12)
        #expect(calibration.bins.filter { $0.count > 0 }.count == 1)
    }

    @Test func noPredictionsGiveEmptyBinsAndNoError() {
        let calibration = Calibration(confidence: [], correct: [], binCount: 5)
        #expect(calibration.bins.allSatisfy { $0.count == 0 })
        #expect(calibration.expectedError == 0 && calibration.maximumError == 0 && calibration.count == 0)
    }
}

@Suite struct ROCTests {
    @Test func aucIsTheShareOfCorrectlyOrderedPairs() {
        // Ascending: 0.1 (neg) r1, 0.35 (pos) r2, 0.4 (neg) r3, 0.8 (pos) r4. R₊ = 6,
        // AUC = (6 − 2·3/2) / (2·2) = 3/4 (scikit-learn's roc_auc_score example).
        expectClose(ROC.auc(scores: [0.1, 0.4, 0.35, 0.8], isPositive: [false, false, true, true]), 0.75)
    }

    @Test func tiedScoresShareTheirMeanRank() {
        // 0.2 (neg) r1, 0.6 (pos) and 0.6 (neg) share r2.5, 0.9 (pos) r4. R₊ = 6.5,
        // AUC = (6.5 − 3) / 4 = 0.875: pairs (0.6>0.2) 1, (0.6=0.6) ½, (0.9>0.2) 1, (0.9>0.6) 1.
        expectClose(ROC.auc(scores: [0.2, 0.6, 0.6, 0.9], isPositive: [false, true, false, true]), 0.875)
        // All scores equal: every pair is a tie, AUC ½.
        expectClose(ROC.auc(scores: [0.5, 0.5, 0.5, 0.5], isPositive: [true, false, true, false]), 0.5)
    }

    @Test func perfectAndReversedRankings() {
        expectClose(ROC.auc(scores: [0.1, 0.2, 0.8, 0.9], isPositive: [false, false, true, true]), 1)
        expectClose(ROC.auc(scores: [0.9, 0.8, 0.2, 0.1], isPositive: [false, false, true, true]), 0)
    }

    @Test func allOneClassHasNoAUC() {
        #expect(ROC.auc(scores: [0.1, 0.9], isPositive: [true, true]) == nil)
        #expect(ROC.auc(scores: [0.1, 0.9], isPositive: [false, false]) == nil)
        #expect(ROC.macro([nil, nil]) == nil)
    }

    @Test func oneVsRestScoresEachClassByItsColumn() {
        // Three rows, three classes; class 2 never occurs, so it has no AUC.
        // Class 0 (row 0 positive): column 0 = [0.7, 0.2, 0.5]: the positive is highest, AUC 1.
        // Class 1 (rows 1, 2 positive): column 1 = [0.2, 0.7, 0.1]: pairs (0.7>0.2) 1, (0.1>0.2) 0, AUC ½.
        let probabilities: [Float] = [0.7, 0.2, 0.1, 0.2, 0.7, 0.1, 0.5, 0.1, 0.4]
        let auc = ROC.oneVsRest(probabilities: probabilities, labels: [0, 1, 1], classCount: 3)
        expectClose(auc[0], 1)
        expectClose(auc[1], 0.5)
        #expect(auc[2] == nil)
        expectClose(ROC.macro(auc), 0.75)
    }
}

@Suite struct ClassifierEvaluationTests {
    @Test func bundlesTheMetricsOfOneModel() {
        // Labels [0, 0, 1, 1], predictions [0, 1, 1, 1]: 3 of 4 right; recall 1/2 and 2/2.
        let probabilities: [Float] = [0.9, 0.1, 0.4, 0.6, 0.2, 0.8, 0.3, 0.7]
        let evaluation = ClassifierEvaluation(actual: [0, 0, 1, 1], predicted: [0, 1, 1, 1],
                                              probabilities: probabilities, classCount: 2)
        #expect(evaluation.accuracy == Intervals.wilson(successes: 3, trials: 4))
        #expect(evaluation.recall == [Intervals.wilson(successes: 1, trials: 2), Intervals.wilson(successes: 2, trials: 2)])
        #expect(evaluation.report.accuracy == 0.75)
        // Class 1's column [0.1, 0.6, 0.8, 0.7] ranks both positives above both negatives: AUC 1;
        // class 0's column is its complement, also 1.
        expectClose(evaluation.auc[0], 1)
        expectClose(evaluation.auc[1], 1)
        expectClose(evaluation.macroAUC, 1)
        // Confidences 0.9, 0.6, 0.8, 0.7 (rounded from Float), the second wrong.
        #expect(evaluation.calibration.count == 4)
        #expect(evaluation.calibration.bins.reduce(0) { $0 + $1.count } == 4)
        let bootstrap = ClassifierEvaluation(actual: [0, 0, 1, 1], predicted: [0, 1, 1, 1], probabilities: probabilities,
                                             classCount: 2, interval: .bootstrap(resamples: 200, seed: 3))
        #expect(bootstrap.intervalMethod == .bootstrap(resamples: 200, seed: 3))
        #expect(bootstrap.accuracy == Intervals.bootstrap(successes: 3, trials: 4, resamples: 200, seed: 3))
    }
}
