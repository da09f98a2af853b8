import Analysis
import Testing

@Suite struct DescriptiveTests {
    @Test func quantilesInterpolateLikeNumPy() {
        let sorted: [Double] = [1, 2, 3, 4, 10]
        #expect(Descriptive.quantile(sorted: sorted, 0.5) == 3)
        #expect(Descriptive.quantile(sorted: sorted, 0.25) == 2)
        #expect(abs(Descriptive.quantile(sorted: sorted, 0.9) - 7.6) < 1e-12)   // numpy.quantile([1,2,3,4,10], 0.9)
    }
}
