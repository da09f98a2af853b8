import TensorCore

/// A depthwise-separable convolution over NCHW images (Chollet, "Xception", 2017; Howard et al.,
/// "MobileNets", 2017): a `k×k` filter per input channel (depthwise), then a `1×1` convolution
/// from the `C` channels to `F` filters (pointwise), with one bias per filter.
///
/// With `M[c, p] = Σ_{ky,kx} D[c, ky, kx] · X[c, p·s + (ky, kx) − pad]` (the depthwise output at
/// position `p`), the layer computes `Y[f, p] = Σ_c W[f, c] · M[c, p] + b[f]`. Parameters are laid
/// out `D` `[C, k, k]`, then `W` `[F, C]`, then `b` `[F]`: `C·k² + F·C + F` values, against
/// `F·C·k² + F` for a full convolution. Backward: `∂b = Σ ∂Y`, `∂W = Σ ∂Y Mᵀ`, `∂M = Wᵀ ∂Y`,
/// then `∂D` and `∂X` from `∂M` through the same windows. `M` is recomputed in backward rather
/// than kept, so the kernel stores nothing between passes but its scratch.
final class DepthwiseConvolutionKernel: LayerKernel {
    let channels, height, width, filters, kernel, stride: Int
    let geometry: ConvolutionGeometry
    let positions: Int
    private let middle = Scratch<Float>()
    private let middleGradient = Scratch<Float>()

    init(channels: Int, height: Int, width: Int, filters: Int, kernel: Int, stride: Int, padding: Padding) {
        (self.channels, self.height, self.width) = (channels, height, width)
        (self.filters, self.kernel, self.stride) = (filters, kernel, stride)
        geometry = ConvolutionGeometry(height: height, width: width, kernel: kernel, stride: stride, padding: padding)
        positions = geometry.outputHeight * geometry.outputWidth
        middle.reserve(channels * positions)
        middleGradient.reserve(channels * positions)
    }

    private var inputSize: Int { channels * height * width }
    private var outputSize: Int { filters * positions }
    private var depthwiseCount: Int { channels * kernel * kernel }

    /// Calls `body(c, p, inputIndex, weightIndex)` for every tap of every window that lies inside
    /// the image (padding contributes zeros).
    @inline(__always)
    private func forEachTap(_ body: (Int, Int, Int, Int) -> Void) {
        let outputWidth = geometry.outputWidth
        for c in 0..<channels {
            for oy in 0..<geometry.outputHeight {
                for ox in 0..<outputWidth {
                    let p = oy * outputWidth + ox
                    for ky in 0..<kernel {
                        let iy = oy * stride + ky - geometry.padTop
                        guard iy >= 0, iy < height else { continue }
                        for kx in 0..<kernel {
                            let ix = ox * stride + kx - geometry.padLeft
                            guard ix >= 0, ix < width else { continue }
                            body(c, p, (c * height + iy) * width + ix, (c * kernel + ky) * kernel + kx)
                        }
                    }
                }
            }
        }
    }

    /// The depthwise output `M` of one sample, into `middle`.
    private func depthwise(_ x: UnsafePointer<Float>, weights: UnsafePointer<Float>) {
        let m = middle.pointer
        m.initialize(repeating: 0, count: channels * positions)
        forEachTap { c, p, input, weight in m[c * positions + p] += weights[weight] * x[input] }
    }

    func forward(_ arguments: ForwardArguments, generator: inout SeededGenerator) {
        let depthwiseWeights = UnsafePointer(arguments.parameters)
        let pointwise = arguments.parameters + depthwiseCount, bias = pointwise + filters * channels
        for n in 0..<arguments.batch {
            depthwise(arguments.input + n * inputSize, weights: depthwiseWeights)
            let y = arguments.output + n * outputSize, m = middle.pointer
            for f in 0..<filters {
                for p in 0..<positions {
                    var sum = bias[f]
                    for c in 0..<channels { sum += pointwise[f * channels + c] * m[c * positions + p] }
                    y[f * positions + p] = sum
                }
            }
        }
    }

    func backward(_ arguments: BackwardArguments) {
        let depthwiseWeights = arguments.parameters
        let pointwise = arguments.parameters + depthwiseCount
        let gradient = arguments.parameterGradients
        let pointwiseGradient = gradient + depthwiseCount, biasGradient = pointwiseGradient + filters * channels
        gradient.initialize(repeating: 0, count: depthwiseCount + filters * channels + filters)
        if let dx = arguments.inputGradient { dx.initialize(repeating: 0, count: arguments.batch * inputSize) }
        for n in 0..<arguments.batch {
            let x = arguments.input + n * inputSize
            let dy = UnsafePointer(arguments.outputGradient + n * outputSize)
            depthwise(x, weights: depthwiseWeights)
            let m = middle.pointer, dm = middleGradient.pointer
            dm.initialize(repeating: 0, count: channels * positions)
            for f in 0..<filters {
                for p in 0..<positions {
                    let g = dy[f * positions + p]
                    biasGradient[f] += g
                    for c in 0..<channels {
                        pointwiseGradient[f * channels + c] += g * m[c * positions + p]
                        dm[c * positions + p] += pointwise[f * channels + c] * g
                    }
                }
            }
            let dx = arguments.inputGradient.map { $0 + n * inputSize }
            forEachTap { c, p, input, weight in
                let g = dm[c * positions + p]
                gradient[weight] += g * x[input]
                dx?[input] += g * depthwiseWeights[weight]
            }
        }
    }
}
