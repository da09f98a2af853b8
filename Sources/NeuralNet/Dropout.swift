import TensorCore

/// Inverted dropout (Srivastava et al., 2014): in training, `y = x · m` with `m = 0` with
/// probability `rate` and `m = 1 / (1 − rate)` otherwise, drawn from the training generator;
/// backward, `∂x = ∂y · m`. In evaluation the network skips the layer.
///
/// The mask of a whole batch is drawn in one pass (sample by sample, in order), either by
/// ``forward(_:generator:)`` or beforehand by ``drawMask(batch:generator:)`` when the network
/// runs the batch as parts on several threads; the generator sees the same draws either way.
final class DropoutKernel: LayerKernel {
    let size: Int
    let rate: Float
    private let mask = Scratch<Float>()

    init(size: Int, rate: Float) {
        self.size = size
        self.rate = rate
    }

    func reserve(batch: Int) { mask.reserve(batch * size) }

    /// Draws the mask of a training batch of `batch` samples ahead of its forward pass.
    func drawMask(batch: Int, generator: inout SeededGenerator) {
        let count = batch * size
        mask.reserve(count)
        let m = mask.pointer
        let keep = 1 / (1 - rate)
        let threshold = UInt64(Double(rate) * 18_446_744_073_709_551_616.0)
        for i in 0..<count { m[i] = generator.next() < threshold ? 0 : keep }
    }

    func forward(_ a: ForwardArguments, generator: inout SeededGenerator) {
        let count = a.batch * size
        if !a.training || rate == 0 {
            mask.reserve((a.firstSample + a.batch) * size)
            a.output.update(from: a.input, count: count)
            (mask.pointer + a.firstSample * size).update(repeating: 1, count: count)
            return
        }
        if !a.randomnessDrawn { drawMask(batch: a.batch, generator: &generator) }
        let m = mask.pointer + a.firstSample * size
        parallelFor(count: count, minimumPerThread: 65_536, maximumChunks: a.maximumChunks) { _, range in
            for i in range { a.output[i] = a.input[i] * m[i] }
        }
    }

    func backward(_ a: BackwardArguments) {
        guard let dx = a.inputGradient else { return }
        let m = mask.pointer + a.firstSample * size
        parallelFor(count: a.batch * size, minimumPerThread: 65_536, maximumChunks: a.maximumChunks) { _, range in
            for i in range { dx[i] = a.outputGradient[i] * m[i] }
        }
    }
}
