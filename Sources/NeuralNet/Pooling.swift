import TensorCore

/// Max pooling over `size×size` windows moved by `stride`, no padding, NCHW.
///
/// Forward stores, for each output, the offset of the winning input within its sample
/// (the first maximum wins ties), so backward routes `∂y` to exactly that input:
/// `∂xᵢ = Σ_{outputs o with argmax(o) = i} ∂y_o`.
final class MaxPoolKernel: LayerKernel {
    let channels, height, width, size, stride: Int
    let outputHeight, outputWidth: Int
    private let winners = Scratch<Int32>()

    init(channels: Int, height: Int, width: Int, size: Int, stride: Int) {
        self.channels = channels
        self.height = height
        self.width = width
        self.size = size
        self.stride = stride
        let geometry = ConvolutionGeometry(height: height, width: width, kernel: size, stride: stride, padding: .valid)
        outputHeight = geometry.outputHeight
        outputWidth = geometry.outputWidth
    }

    private var inputSize: Int { channels * height * width }
    private var outputSize: Int { channels * outputHeight * outputWidth }

    func reserve(batch: Int) { winners.reserve(batch * outputSize) }

    func forward(_ a: ForwardArguments, generator: inout SeededGenerator) {
        winners.reserve(a.batch * outputSize)
        let argmax = winners.pointer
        let (h, w, oh, ow, size, stride) = (height, width, outputHeight, outputWidth, size, stride)
        parallelFor(count: a.batch * channels, minimumPerThread: 4) { _, planes in
            for plane in planes {
                let x = a.input + plane * h * w
                let y = a.output + plane * oh * ow
                let winner = argmax + plane * oh * ow
                let sampleBase = (plane % channels) * h * w
                if size == 2 && stride == 2 {
                    for oy in 0..<oh {
                        let top = x + 2 * oy * w, bottom = top + w
                        for ox in 0..<ow {
                            let ix = 2 * ox
                            var best = top[ix], at = 2 * oy * w + ix
                            if top[ix + 1] > best { best = top[ix + 1]; at = 2 * oy * w + ix + 1 }
                            if bottom[ix] > best { best = bottom[ix]; at = (2 * oy + 1) * w + ix }
                            if bottom[ix + 1] > best { best = bottom[ix + 1]; at = (2 * oy + 1) * w + ix + 1 }
                            y[oy * ow + ox] = best
                            winner[oy * ow + ox] = Int32(sampleBase + at)
                        }
                    }
                    continue
                }
                for oy in 0..<oh {
                    for ox in 0..<ow {
                        var at = oy * stride * w + ox * stride
                        var best = x[at]
                        for ky in 0..<size {
                            for kx in 0..<size {
                                let i = (oy * stride + ky) * w + ox * stride + kx
                                if x[i] > best { best = x[i]; at = i }
                            }
                        }
                        y[oy * ow + ox] = best
                        winner[oy * ow + ox] = Int32(sampleBase + at)
                    }
                }
            }
        }
    }

    func backward(_ a: BackwardArguments) {
        guard let dx = a.inputGradient else { return }
        let argmax = winners.pointer
        let (inputSize, outputSize) = (inputSize, outputSize)
        parallelFor(count: a.batch, minimumPerThread: 2) { _, samples in
            for n in samples {
                let sample = dx + n * inputSize
                sample.update(repeating: 0, count: inputSize)
                let g = a.outputGradient + n * outputSize, winner = argmax + n * outputSize
                for o in 0..<outputSize { sample[Int(winner[o])] += g[o] }
            }
        }
    }
}

/// Average pooling over `size×size` windows moved by `stride`, no padding, NCHW:
/// `y = (1/size²) Σ_window x`, so each input in a window receives `∂y / size²`.
final class AveragePoolKernel: LayerKernel {
    let channels, height, width, size, stride: Int
    let outputHeight, outputWidth: Int

    init(channels: Int, height: Int, width: Int, size: Int, stride: Int) {
        self.channels = channels
        self.height = height
        self.width = width
        self.size = size
        self.stride = stride
        let geometry = ConvolutionGeometry(height: height, width: width, kernel: size, stride: stride, padding: .valid)
        outputHeight = geometry.outputHeight
        outputWidth = geometry.outputWidth
    }

    func forward(_ a: ForwardArguments, generator: inout SeededGenerator) {
        let (h, w, oh, ow, size, stride) = (height, width, outputHeight, outputWidth, size, stride)
        let scale = 1 / Float(size * size)
        parallelFor(count: a.batch * channels, minimumPerThread: 4) { _, planes in
            for plane in planes {
                let x = a.input + plane * h * w, y = a.output + plane * oh * ow
                for oy in 0..<oh {
                    for ox in 0..<ow {
                        var total: Float = 0
                        for ky in 0..<size {
                            for kx in 0..<size { total += x[(oy * stride + ky) * w + ox * stride + kx] }
                        }
                        y[oy * ow + ox] = total * scale
                    }
                }
            }
        }
    }

    func backward(_ a: BackwardArguments) {
        guard let dx = a.inputGradient else { return }
        let (h, w, oh, ow, size, stride) = (height, width, outputHeight, outputWidth, size, stride)
        let scale = 1 / Float(size * size)
        parallelFor(count: a.batch * channels, minimumPerThread: 4) { _, planes in
            for plane in planes {
                let d = dx + plane * h * w, g = a.outputGradient + plane * oh * ow
                d.update(repeating: 0, count: h * w)
                for oy in 0..<oh {
                    for ox in 0..<ow {
                        let share = g[oy * ow + ox] * scale
                        for ky in 0..<size {
                            for kx in 0..<size { d[(oy * stride + ky) * w + ox * stride + kx] += share }
                        }
                    }
                }
            }
        }
    }
}

/// Global average pooling: `[C, H, W] → [C]`, `yᶜ = (1/HW) Σ xᶜ`, and `∂xᶜ = ∂yᶜ / HW` everywhere.
final class GlobalAveragePoolKernel: LayerKernel {
    let channels, positions: Int

    init(channels: Int, positions: Int) {
        self.channels = channels
        self.positions = positions
    }

    func forward(_ a: ForwardArguments, generator: inout SeededGenerator) {
        let positions = positions
        let scale = 1 / Float(positions)
        parallelFor(count: a.batch * channels, minimumPerThread: 64) { _, planes in
            for plane in planes {
                let x = a.input + plane * positions
                var total: Float = 0
                for p in 0..<positions { total += x[p] }
                a.output[plane] = total * scale
            }
        }
    }

    func backward(_ a: BackwardArguments) {
        guard let dx = a.inputGradient else { return }
        let positions = positions
        let scale = 1 / Float(positions)
        parallelFor(count: a.batch * channels, minimumPerThread: 64) { _, planes in
            for plane in planes {
                (dx + plane * positions).update(repeating: a.outputGradient[plane] * scale, count: positions)
            }
        }
    }
}
