import Testing
import TensorCore
import _LoomTestSupport
@testable import NeuralNet

/// Each optimiser against values worked out by hand (and with Python in float64) for one
/// parameter starting at 1: two steps with gradients 0.5 then −0.25 (Adam kinds) or 0.5 twice.
@Suite struct OptimizerTests {
    func run(_ kind: OptimizerKind, learningRate: Float, gradients: [Float]) -> [Float] {
        var parameters = Tensor(shape: [1], scalars: [1])
        var state = OptimizerState(parameterCount: 1)
        var trace = [Float]()
        for g in gradients {
            state.apply(kind, parameters: &parameters, gradients: Tensor(shape: [1], scalars: [g]), learningRate: learningRate)
            trace.append(parameters.scalars[0])
        }
        #expect(state.step == gradients.count)
        return trace
    }

    struct Case: Sendable, CustomTestStringConvertible {
        var kind: OptimizerKind
        var learningRate: Float
        var gradients: [Float]
        var expected: [Float]
        var label: String
        var testDescription: String { label }
    }

    static let cases: [Case] = [
        // θ − ηg: 1 − 0.1·0.5.
        Case(kind: .sgd(), learningRate: 0.1, gradients: [0.5, 0.5], expected: [0.95, 0.90], label: "sgd"),
        // v = 0.5 then 0.9·0.5 + 0.5 = 0.95.
        Case(kind: .sgd(momentum: 0.9), learningRate: 0.1, gradients: [0.5, 0.5], expected: [0.95, 0.855], label: "sgd momentum"),
        // step = g + μv: 0.5 + 0.45 = 0.95, then 0.5 + 0.9·0.95 = 1.355.
        Case(kind: .sgd(momentum: 0.9, nesterov: true), learningRate: 0.1, gradients: [0.5, 0.5], expected: [0.905, 0.7695], label: "sgd nesterov"),
        // g = 0.5 + 0.1·1 = 0.6, then 0.5 + 0.1·0.94 = 0.594.
        Case(kind: .sgd(weightDecay: 0.1), learningRate: 0.1, gradients: [0.5, 0.5], expected: [0.94, 0.8806], label: "sgd weight decay"),
        Case(kind: .adam(), learningRate: 0.01, gradients: [0.5, -0.25], expected: [0.99, 0.987_336_63], label: "adam"),
        Case(kind: .adam(weightDecay: 0.1), learningRate: 0.01, gradients: [0.5, -0.25], expected: [0.99, 0.985_319_20], label: "adam with L2"),
        Case(kind: .adamW(weightDecay: 0.1), learningRate: 0.01, gradients: [0.5, -0.25], expected: [0.989, 0.985_347_63], label: "adamw"),
        Case(kind: .rmsprop(), learningRate: 0.01, gradients: [0.5, 0.5], expected: [0.9, 0.829_111_91], label: "rmsprop"),
        Case(kind: .rmsprop(momentum: 0.9), learningRate: 0.01, gradients: [0.5, 0.5], expected: [0.9, 0.739_111_93], label: "rmsprop momentum"),
    ]

    @Test(arguments: cases)
    func stepMatchesHandComputedValues(_ c: Case) {
        let trace = run(c.kind, learningRate: c.learningRate, gradients: c.gradients)
        for (got, want) in zip(trace, c.expected) {
            #expect(abs(got - want) < 2e-6, "\(c.label): got \(got), expected \(want)")
        }
    }

    @Test func eachKindRunsItsOwnStep() {
        // Same inputs, four different first steps: the dispatch reaches each optimiser.
        let firsts = [OptimizerKind.sgd(), .adam(), .adamW(weightDecay: 0.5), .rmsprop()].map {
            run($0, learningRate: 0.1, gradients: [0.5])[0]
        }
        #expect(Set(firsts).count == 4)
    }

    @Test func sharedLoopUpdatesEveryParameterIndependently() {
        var parameters = Tensor(shape: [3], scalars: [1, 1, 1])
        var state = OptimizerState(parameterCount: 3)
        state.apply(.sgd(), parameters: &parameters, gradients: Tensor(shape: [3], scalars: [1, 0, -1]), learningRate: 0.5)
        #expect(parameters.scalars == [0.5, 1, 1.5])
    }

    @Test(arguments: [OptimizerKind.sgd(momentum: 0.9), .adam(), .adamW(), .rmsprop(momentum: 0.5)])
    func vectorLanesAndTheScalarTailAgreeBitForBit(kind: OptimizerKind) {
        // 19 = two vectors of eight plus a tail of three, all with the same inputs.
        var parameters = Tensor(shape: [19], repeating: 0.75)
        var state = OptimizerState(parameterCount: 19)
        for step in 0..<3 {
            state.apply(kind, parameters: &parameters, gradients: Tensor(shape: [19], repeating: 0.1 * Float(step + 1)), learningRate: 0.01)
        }
        #expect(Set(parameters.scalars.map(\.bitPattern)).count == 1)
        #expect(Set(state.first.map(\.bitPattern)).count == 1)
        #expect(Set(state.second.map(\.bitPattern)).count == 1)
        #expect(parameters.scalars[0] != 0.75)
    }

    @Test(arguments: [(Float(1), [Float(0.6), 0.8]), (Float(10), [Float(3), 4])] as [(Float, [Float])])
    func clippingScalesToTheGlobalNorm(maximum: Float, expected: [Float]) {
        var gradients: [Float] = [3, 4]
        let norm = gradients.withUnsafeMutableBufferPointer { clipByGlobalNorm($0, maximumNorm: maximum) }
        #expect(norm == 5)
        expectClose(Tensor(shape: [2], scalars: gradients), Tensor(shape: [2], scalars: expected), tolerance: 1e-6)
    }
}

@Suite struct ScheduleTests {
    @Test(arguments: [
        (LearningRateSchedule.constant(0.1), 0, Float(0.1)), (.constant(0.1), 1000, 0.1),
        (.step(initial: 1, factor: 0.5, every: 10), 9, 1), (.step(initial: 1, factor: 0.5, every: 10), 10, 0.5),
        (.step(initial: 1, factor: 0.5, every: 10), 25, 0.25),
        (.cosine(initial: 1, minimum: 0, steps: 100), 0, 1), (.cosine(initial: 1, minimum: 0, steps: 100), 50, 0.5),
        (.cosine(initial: 1, minimum: 0.1, steps: 100), 100, 0.1), (.cosine(initial: 1, minimum: 0.1, steps: 100), 150, 0.1),
        // PyTorch OneCycleLR(max_lr=1, total_steps=100): 0.04 at step 0, 1 at step 29, 4e-6 at step 99.
        (.oneCycle(maximum: 1, steps: 100), 0, 0.04), (.oneCycle(maximum: 1, steps: 100), 29, 1),
        (.oneCycle(maximum: 1, steps: 100), 99, 0.000_004),
    ])
    func scheduleValues(schedule: LearningRateSchedule, step: Int, expected: Float) {
        #expect(abs(schedule(step) - expected) < 1e-6 * max(1, expected))
        #expect(schedule.function(step) == schedule(step))
    }

    @Test func oneCycleRisesThenFalls() {
        let schedule = LearningRateSchedule.oneCycle(maximum: 0.01, steps: 50)
        let rates = (0..<50).map { schedule($0) }
        #expect(zip(rates[..<14], rates[1..<15]).allSatisfy { $0 < $1 })
        #expect(zip(rates[14..<49], rates[15...]).allSatisfy { $0 > $1 })
    }
}
