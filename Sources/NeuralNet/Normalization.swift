import Foundation
import TensorCore

/// Batch normalisation (Ioffe and Szegedy, 2015) per channel (after a convolution: over the
/// batch and all positions) or per feature (after a dense layer: over the batch).
///
/// Training: `x̂ = (x − μ_B) / √(σ²_B + ε)`, `y = γ x̂ + β`, with the biased batch variance;
/// running statistics move by momentum 0.1 towards `μ_B` and the unbiased variance
/// `σ²_B · M / (M − 1)` (PyTorch's convention). Evaluation uses the running statistics.
/// A ReLU right after the normalisation is fused into it (one pass less over the activations).
/// Backward (M values per channel): `∂x = (γ / (M √(σ² + ε))) (M ∂y − Σ∂y − x̂ Σ(∂y x̂))`,
/// `∂γ = Σ ∂y x̂`, `∂β = Σ ∂y`. Parameters are `γ` then `β`; buffers are the running mean then
/// the running variance.
final class BatchNormKernel: LayerKernel {
    let channels, positions: Int
    /// Whether a ReLU right after is applied here (`y ← max(y, 0)`, and its mask in backward).
    let fusedReLU: Bool
    let momentum: Float = 0.1
    /// The variance's `ε` (PyTorch's default).
    static let epsilon: Float = 1e-5
    var epsilon: Float { Self.epsilon }
    private let normalized = Scratch<Float>()
    private let inverseDeviation = Scratch<Float>()

    init(channels: Int, positions: Int, fusedReLU: Bool = false) {
        self.channels = channels
        self.positions = positions
        self.fusedReLU = fusedReLU
        inverseDeviation.reserve(channels)
    }

    func reserve(batch: Int) { normalized.reserve(batch * channels * positions) }

    func forward(_ a: ForwardArguments, generator: inout SeededGenerator) {
        let (channels, positions, batch) = (channels, positions, a.batch)
        let gamma = a.parameters, beta = a.parameters + channels
        let runningMean = a.buffers, runningVariance = a.buffers + channels
        let stride = channels * positions
        if !a.training {
            let relu = fusedReLU
            parallelFor(count: channels) { _, range in
                for c in range {
                    let scale = gamma[c] / (runningVariance[c] + epsilon).squareRoot()
                    let shift = beta[c] - runningMean[c] * scale
                    for n in 0..<batch {
                        let x = a.input + n * stride + c * positions, y = a.output + n * stride + c * positions
                        if relu {
                            for p in 0..<positions { y[p] = max(x[p] * scale + shift, 0) }
                        } else {
                            for p in 0..<positions { y[p] = x[p] * scale + shift }
                        }
                    }
                }
            }
            return
        }
        normalized.reserve(batch * stride)
        let xhat = normalized.pointer, inverse = inverseDeviation.pointer
        let m = Float(batch * positions)
        let relu = fusedReLU
        parallelFor(count: channels) { _, range in
            for c in range {
                var total = 0.0, squares = 0.0
                for n in 0..<batch {
                    let moments = planeMoments(a.input + n * stride + c * positions, count: positions)
                    total += moments.sum
                    squares += moments.squares
                }
                let mean = total / Double(m)
                let variance = Float(max(0, squares / Double(m) - mean * mean))
                let inv = 1 / (variance + epsilon).squareRoot()
                inverse[c] = inv
                for n in 0..<batch {
                    let offset = n * stride + c * positions
                    normalizePlane(a.input + offset, normalized: xhat + offset, output: a.output + offset, count: positions,
                                   mean: Float(mean), inverse: inv, gamma: gamma[c], beta: beta[c], relu: relu)
                }
                runningMean[c] = (1 - momentum) * runningMean[c] + momentum * Float(mean)
                let unbiased = m > 1 ? variance * m / (m - 1) : variance
                runningVariance[c] = (1 - momentum) * runningVariance[c] + momentum * unbiased
            }
        }
    }

    func backward(_ a: BackwardArguments) {
        let (channels, positions, batch) = (channels, positions, a.batch)
        let stride = channels * positions
        let gamma = a.parameters
        let gammaGradient = a.parameterGradients, betaGradient = a.parameterGradients + channels
        let xhat = normalized.pointer, inverse = inverseDeviation.pointer
        let m = Float(batch * positions)
        let relu = fusedReLU
        parallelFor(count: channels) { _, range in
            for c in range {
                var sumG = 0.0, sumGX = 0.0
                for n in 0..<batch {
                    let offset = n * stride + c * positions
                    let g = a.outputGradient + offset
                    if relu { maskByPositive(g, output: a.output + offset, count: positions) }
                    let moments = gradientMoments(g, xhat + offset, count: positions)
                    sumG += moments.sum
                    sumGX += moments.product
                }
                gammaGradient[c] = Float(sumGX)
                betaGradient[c] = Float(sumG)
                guard let dx = a.inputGradient else { continue }
                let factor = gamma[c] * inverse[c] / m
                for n in 0..<batch {
                    let offset = n * stride + c * positions
                    normalizationInputGradient(dx + offset, a.outputGradient + offset, xhat + offset, count: positions,
                                               factor: factor, m: m, sumG: Float(sumG), sumGX: Float(sumGX))
                }
            }
        }
    }
}
