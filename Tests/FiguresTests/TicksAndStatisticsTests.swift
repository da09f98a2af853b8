import TensorCore
import Foundation
import Testing
@testable import Figures

@Suite struct AxisTicksTests {
    @Test(arguments: [
        (0.0, 1.0, 6, [0, 0.2, 0.4, 0.6, 0.8, 1.0], ["0.0", "0.2", "0.4", "0.6", "0.8", "1.0"]),
        (0.0, 97.0, 6, [0, 20, 40, 60, 80], ["0", "20", "40", "60", "80"]),
        (-1.0, 1.0, 5, [-1, -0.5, 0, 0.5, 1], ["\u{2212}1.0", "\u{2212}0.5", "0.0", "0.5", "1.0"]),
        (0.56, 12.44, 7, [2, 4, 6, 8, 10, 12], ["2", "4", "6", "8", "10", "12"]),
        (1500.0, 6200.0, 6, [2000, 3000, 4000, 5000, 6000], ["2000", "3000", "4000", "5000", "6000"]),
        (0.731, 0.958, 5, [0.75, 0.80, 0.85, 0.90, 0.95], ["0.75", "0.80", "0.85", "0.90", "0.95"]),
    ])
    func ticksFallOnOneTwoFiveSteps(lower: Double, upper: Double, count: Int, values: [Double], labels: [String]) {
        let ticks = AxisTicks(lower: lower, upper: upper, targetCount: count)
        #expect(ticks.values.count == values.count)
        for (tick, expected) in zip(ticks.values, values) { #expect(abs(tick - expected) < 1e-9) }
        #expect(ticks.labels == labels)
    }

    @Test func integerAxesNeverStepByFractions() {
        let ticks = AxisTicks(lower: 0.9, upper: 3.1, targetCount: 9, integersOnly: true)
        #expect(ticks.values == [1, 2, 3])
        #expect(ticks.labels == ["1", "2", "3"])
    }

    @Test(arguments: [(0.7, true, 0.5), (1.2, true, 1.0), (2.9, true, 2.0), (3.1, true, 5.0), (7.5, true, 10.0),
                      (1.2, false, 2.0), (4.2, false, 5.0), (0.031, false, 0.05), (230.0, true, 200.0)])
    func niceNumbersAreOneTwoOrFiveTimesAPowerOfTen(x: Double, rounding: Bool, expected: Double) {
        #expect(abs(AxisTicks.niceNumber(x, rounding: rounding) - expected) < 1e-12)
    }

    @Test func aDegenerateRangeGivesOneTick() {
        #expect(AxisTicks(lower: 3, upper: 3).values == [3])
    }
}

@Suite struct StatisticsTests {
    @Test func freedmanDiaconisSetsTheBinWidth() {
        // i² mod 97 for i < 200: IQR = 73 − 18 = 55, h = 2 · 55 / 200^(1/3) ≈ 18.8, range 96
        // → ⌈5.10⌉ = 6 bins, as numpy.histogram_bin_edges(bins="fd") gives.
        let values = (0..<200).map { Double($0 * $0 % 97) }
        let edges = Statistics.binEdges(for: values)
        #expect(edges.count == 7)
        #expect(edges.first == 0 && edges.last == 96)
    }

    @Test func sturgesTakesOverWhenTheInterquartileRangeIsZero() {
        // 64 values, mostly equal: IQR is 0, so ⌈log₂ 64⌉ + 1 = 7 bins.
        let values = [Double](repeating: 5, count: 60) + [1, 2, 8, 9]
        #expect(Statistics.binEdges(for: values).count == 8)
    }

    @Test func countsIncludeTheLastEdge() {
        #expect(Statistics.counts(of: [0, 0.5, 1, 1.5, 2, 2, 7], edges: [0, 1, 2]) == [2, 4])
    }

    @Test func boxSummaryFlagsTukeyOutliers() throws {
        let summary = try #require(Statistics.boxSummary(of: [1, 2, 3, 4, 5, 6, 7, 8, 100]))
        #expect(summary.median == 5)
        #expect(summary.lowerQuartile == 3 && summary.upperQuartile == 7)
        #expect(summary.upperWhisker == 8 && summary.lowerWhisker == 1)
        #expect(summary.outliers == [100])
    }

    @Test func gaussianDensityIntegratesToOne() {
        var random = SplitMix64(seed: 3)
        let values = (0..<200).map { _ in random.normal() }
        let bandwidth = Statistics.scottBandwidth(values)
        let grid = (0...800).map { -8 + Double($0) * 0.02 }
        let area = Statistics.gaussianDensity(of: values, at: grid, bandwidth: bandwidth).reduce(0, +) * 0.02
        #expect(abs(area - 1) < 1e-3)
    }

    @Test func histogramDensitiesHaveUnitArea() {
        var random = SplitMix64(seed: 4)
        let chart = Histogram(values: (0..<500).map { _ in random.normal() }, density: true)
        let edges = chart.edges
        let area = chart.heights[0].enumerated().reduce(0) { $0 + $1.element * (edges[$1.offset + 1] - edges[$1.offset]) }
        #expect(abs(area - 1) < 1e-9)
        #expect(Histogram(values: [1, 2, 2, 3, 9]).heights[0].reduce(0, +) == 5)
    }
}
