import TensorCore

/// Dense (fully connected) layer: `y = W x + b` for each sample, with `W` stored `[units, inputs]`
/// (PyTorch's layout) followed by `b` in the parameter vector.
///
/// Forward: `Y = X Wᵀ + b`. Backward: `∂W = ∂Yᵀ X`, `∂b = Σₙ ∂Yₙ`, `∂X = ∂Y W`.
/// An immediately following ReLU may be fused: the output is `max(Y, 0)` and the incoming
/// gradient is masked by `Y > 0` first.
final class DenseKernel: LayerKernel {
    let inputs: Int
    let units: Int
    let fusedReLU: Bool

    init(inputs: Int, units: Int, fusedReLU: Bool) {
        self.inputs = inputs
        self.units = units
        self.fusedReLU = fusedReLU
    }

    func forward(_ a: ForwardArguments, generator: inout SeededGenerator) {
        let (inputs, units, relu) = (inputs, units, fusedReLU)
        let weight = UnsafePointer(a.parameters), bias = a.parameters + units * inputs
        parallelFor(count: a.batch, minimumPerThread: 8, maximumChunks: a.maximumChunks) { _, rows in
            let y = a.output + rows.lowerBound * units
            BLAS.sgemm(
                transposeB: true, m: rows.count, n: units, k: inputs,
                a: a.input + rows.lowerBound * inputs, lda: inputs, b: weight, ldb: inputs, c: y, ldc: units)
            for r in 0..<rows.count { addBiasRow(y + r * units, bias: bias, count: units, relu: relu) }
        }
    }

    func backward(_ a: BackwardArguments) {
        let (inputs, units, batch) = (inputs, units, a.batch)
        let g = a.outputGradient
        let relu = fusedReLU
        let weightGradient = a.parameterGradients, biasGradient = a.parameterGradients + units * inputs
        // Each thread owns a range of output units: it masks those columns of ∂Y (fused ReLU),
        // then computes their rows of ∂W and their biases. ∂X needs every column, so it waits.
        parallelFor(count: units, minimumPerThread: 8, maximumChunks: a.maximumChunks) { _, outputs in
            if relu {
                for n in 0..<batch {
                    let offset = n * units + outputs.lowerBound
                    maskByPositive(g + offset, output: a.output + offset, count: outputs.count)
                }
            }
            BLAS.sgemm(
                transposeA: true, m: outputs.count, n: inputs, k: batch,
                a: g + outputs.lowerBound, lda: units, b: a.input, ldb: inputs,
                c: weightGradient + outputs.lowerBound * inputs, ldc: inputs)
            for j in outputs { biasGradient[j] = 0 }
            for n in 0..<batch {
                let row = g + n * units
                for j in outputs { biasGradient[j] += row[j] }
            }
        }
        guard let inputGradient = a.inputGradient else { return }
        parallelFor(count: batch, minimumPerThread: 8, maximumChunks: a.maximumChunks) { _, rows in
            BLAS.sgemm(
                m: rows.count, n: inputs, k: units,
                a: g + rows.lowerBound * units, lda: units, b: a.parameters, ldb: inputs,
                c: inputGradient + rows.lowerBound * inputs, ldc: inputs)
        }
    }
}
