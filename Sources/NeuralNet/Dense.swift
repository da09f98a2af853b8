import TensorCore

/// Dense (fully connected) layer: `y = W x + b` for each sample, with `W` stored `[units, inputs]`
/// (PyTorch's layout) followed by `b` in the parameter vector.
///
/// Forward: `Y = X Wᵀ + b`. Backward: `∂W = ∂Yᵀ X`, `∂b = Σₙ ∂Yₙ`, `∂X = ∂Y W`.
/// An immediately following ReLU may be fused: the output is `max(Y, 0)` and the incoming
/// gradient is masked by `Y > 0` first.
///
/// In bfloat16 inference (``InferencePrecision/bfloat16``) each forward pass rounds the weights
/// and each chunk's inputs to bfloat16 and multiplies them in oneDNN (``BFloat16Product``, bias
/// and ReLU fused), one product per chunk shape, built on first use.
final class DenseKernel: LayerKernel {
    let inputs: Int
    let units: Int
    let fusedReLU: Bool
    let precision: InferencePrecision
    /// bfloat16 inference: the rounded weights and inputs, and the products by chunk and size.
    private let roundedWeights = Scratch<UInt16>()
    private let roundedInputs = Scratch<UInt16>()
    private let products = Locked([ProductKey: BFloat16Product]())

    private struct ProductKey: Hashable { var chunk: Int, rows: Int }

    init(inputs: Int, units: Int, fusedReLU: Bool, precision: InferencePrecision = .float32) {
        self.inputs = inputs
        self.units = units
        self.fusedReLU = fusedReLU
        self.precision = precision
    }

    func reserve(batch: Int) {
        guard precision == .bfloat16 else { return }
        roundedWeights.reserve(units * inputs)
        roundedInputs.reserve(batch * inputs)
    }

    func forward(_ a: ForwardArguments, generator: inout SeededGenerator) {
        if precision == .bfloat16 {
            forwardInBFloat16(a)
            return
        }
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

    /// `Y = X Wᵀ + b` with `X` and `W` rounded to bfloat16 (the sums in Float32).
    private func forwardInBFloat16(_ a: ForwardArguments) {
        let (inputs, units, relu) = (inputs, units, fusedReLU)
        let weights = roundedWeights.pointer, roundedInputs = roundedInputs.pointer
        let source = UnsafePointer(a.parameters), bias = UnsafePointer(a.parameters + units * inputs)
        parallelFor(count: units, minimumPerThread: 16, maximumChunks: a.maximumChunks) { _, rows in
            BFloat16.round(source + rows.lowerBound * inputs, into: weights + rows.lowerBound * inputs, count: rows.count * inputs)
        }
        parallelFor(count: a.batch, minimumPerThread: 8, maximumChunks: a.maximumChunks) { chunk, rows in
            let x = roundedInputs + rows.lowerBound * inputs
            BFloat16.round(a.input + rows.lowerBound * inputs, into: x, count: rows.count * inputs)
            let key = ProductKey(chunk: chunk, rows: rows.count)
            let product = products.update { products in
                if let product = products[key] { return product }
                // `InferencePrecision.requireAvailable()` vouched for the kernel before inference.
                guard let product = try? BFloat16Product(rows: rows.count, inputs: inputs, units: units, relu: relu) else {
                    preconditionFailure("bfloat16 inference ran where BFloat16.availability said it cannot")
                }
                products[key] = product
                return product
            }
            product.run(input: x, weights: weights, bias: bias, output: a.output + rows.lowerBound * units)
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
