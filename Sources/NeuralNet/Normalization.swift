import Foundation
import TensorCore

/// Batch normalisation (Ioffe and Szegedy, 2015) per channel (after a convolution: over the
/// batch and all positions) or per feature (after a dense layer: over the batch).
///
/// Training: `x̂ = (x − μ_B) / √(σ²_B + ε)`, `y = γ x̂ + β`, with the biased batch variance;
/// running statistics move by momentum 0.1 towards `μ_B` and the unbiased variance
/// `σ²_B · M / (M − 1)` (PyTorch's convention). Evaluation uses the running statistics.
/// Backward (M values per channel): `∂x = (γ / (M √(σ² + ε))) (M ∂y − Σ∂y − x̂ Σ(∂y x̂))`,
/// `∂γ = Σ ∂y x̂`, `∂β = Σ ∂y`. Parameters are `γ` then `β`; buffers are the running mean then
/// the running variance.
final class BatchNormKernel: LayerKernel {
    let channels, positions: Int
    let momentum: Float = 0.1
    let epsilon: Float = 1e-5
    private let normalized = Scratch<Float>()
    private let inverseDeviation = Scratch<Float>()

    init(channels: Int, positions: Int) {
        self.channels = channels
        self.positions = positions
        inverseDeviation.reserve(channels)
    }

    func reserve(batch: Int) { normalized.reserve(batch * channels * positions) }

    func forward(_ a: ForwardArguments, generator: inout SeededGenerator) {
        let (channels, positions, batch) = (channels, positions, a.batch)
        let gamma = a.parameters, beta = a.parameters + channels
        let runningMean = a.buffers, runningVariance = a.buffers + channels
        let stride = channels * positions
        if !a.training {
            parallelFor(count: channels) { _, range in
                for c in range {
                    let scale = gamma[c] / (runningVariance[c] + epsilon).squareRoot()
                    let shift = beta[c] - runningMean[c] * scale
                    for n in 0..<batch {
                        let x = a.input + n * stride + c * positions, y = a.output + n * stride + c * positions
                        for p in 0..<positions { y[p] = x[p] * scale + shift }
                    }
                }
            }
            return
        }
        normalized.reserve(batch * stride)
        let xhat = normalized.pointer, inverse = inverseDeviation.pointer
        let m = Float(batch * positions)
        parallelFor(count: channels) { _, range in
            for c in range {
                var total = 0.0
                for n in 0..<batch {
                    let x = a.input + n * stride + c * positions
                    for p in 0..<positions { total += Double(x[p]) }
                }
                let mean = Float(total / Double(m))
                var squares = 0.0
                for n in 0..<batch {
                    let x = a.input + n * stride + c * positions
                    for p in 0..<positions {
                        let d = Double(x[p] - mean)
                        squares += d * d
                    }
                }
                let variance = Float(squares / Double(m))
                let inv = 1 / (variance + epsilon).squareRoot()
                inverse[c] = inv
                for n in 0..<batch {
                    let offset = n * stride + c * positions
                    let x = a.input + offset, y = a.output + offset, h = xhat + offset
                    for p in 0..<positions {
                        let value = (x[p] - mean) * inv
                        h[p] = value
                        y[p] = gamma[c] * value + beta[c]
                    }
                }
                runningMean[c] = (1 - momentum) * runningMean[c] + momentum * mean
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
        parallelFor(count: channels) { _, range in
            for c in range {
                var sumG: Float = 0, sumGX: Float = 0
                for n in 0..<batch {
                    let offset = n * stride + c * positions
                    let g = a.outputGradient + offset, h = xhat + offset
                    for p in 0..<positions {
                        sumG += g[p]
                        sumGX += g[p] * h[p]
                    }
                }
                gammaGradient[c] = sumGX
                betaGradient[c] = sumG
                guard let dx = a.inputGradient else { continue }
                let factor = gamma[c] * inverse[c] / m
                for n in 0..<batch {
                    let offset = n * stride + c * positions
                    let g = a.outputGradient + offset, h = xhat + offset, d = dx + offset
                    for p in 0..<positions { d[p] = factor * (m * g[p] - sumG - h[p] * sumGX) }
                }
            }
        }
    }
}
