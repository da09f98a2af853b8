import TensorCore

/// Inverted dropout (Srivastava et al., 2014): in training, `y = x · m` with `m = 0` with
/// probability `rate` and `m = 1 / (1 − rate)` otherwise, drawn from the training generator;
/// backward, `∂x = ∂y · m`. In evaluation the network skips the layer.
final class DropoutKernel: LayerKernel {
    let size: Int
    let rate: Float
    private let mask = Scratch<Float>()

    init(size: Int, rate: Float) {
        self.size = size
        self.rate = rate
    }

    func reserve(batch: Int) { mask.reserve(batch * size) }

    func forward(_ a: ForwardArguments, generator: inout SeededGenerator) {
        let count = a.batch * size
        mask.reserve(count)
        let m = mask.pointer
        if !a.training || rate == 0 {
            a.output.update(from: a.input, count: count)
            for i in 0..<count { m[i] = 1 }
            return
        }
        let keep = 1 / (1 - rate)
        let threshold = UInt64(Double(rate) * 18_446_744_073_709_551_616.0)
        for i in 0..<count { m[i] = generator.next() < threshold ? 0 : keep }
        parallelFor(count: count, minimumPerThread: 65_536) { _, range in
            for i in range { a.output[i] = a.input[i] * m[i] }
        }
    }

    func backward(_ a: BackwardArguments) {
        guard let dx = a.inputGradient else { return }
        let m = mask.pointer
        parallelFor(count: a.batch * size, minimumPerThread: 65_536) { _, range in
            for i in range { dx[i] = a.outputGradient[i] * m[i] }
        }
    }
}
