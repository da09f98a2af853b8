import TensorCore

/// The geometry the two window poolings share: `size×size` windows moved by `stride` over
/// `channels` planes of `height×width`, no padding.
class PoolingWindow {
    let channels, height, width, size, stride: Int
    let outputHeight, outputWidth: Int

    required init(channels: Int, height: Int, width: Int, size: Int, stride: Int) {
        self.channels = channels
        self.height = height
        self.width = width
        self.size = size
        self.stride = stride
        let geometry = ConvolutionGeometry(height: height, width: width, kernel: size, stride: stride, padding: .valid)
        outputHeight = geometry.outputHeight
        outputWidth = geometry.outputWidth
    }
}

/// Max pooling over `size×size` windows moved by `stride`, no padding, NCHW.
///
/// Forward stores, for each output, the offset of the winning input within its sample
/// (the first maximum wins ties), so backward routes `∂y` to exactly that input:
/// `∂xᵢ = Σ_{outputs o with argmax(o) = i} ∂y_o`.
final class MaxPoolKernel: PoolingWindow, LayerKernel {
    private let winners = Scratch<Int32>()
    private let codes = Scratch<UInt8>()

    private var inputSize: Int { channels * height * width }
    private var outputSize: Int { channels * outputHeight * outputWidth }

    func reserve(batch: Int) {
        if isPairwise { codes.reserve(batch * outputSize) } else { winners.reserve(batch * outputSize) }
    }

    /// Whether the 2×2, stride-2 fast path applies: it stores each window's winner as a code
    /// `0…3` (top-left, top-right, bottom-left, bottom-right) and backward writes every input of
    /// the window directly, with no separate zero-fill.
    private var isPairwise: Bool { size == 2 && stride == 2 }

    func forward(_ a: ForwardArguments, generator: inout SeededGenerator) {
        if isPairwise { codes.reserve(a.batch * outputSize) } else { winners.reserve(a.batch * outputSize) }
        let argmax = winners.pointer, code = codes.pointer
        let (h, w, oh, ow, size, stride, channels) = (height, width, outputHeight, outputWidth, size, stride, channels)
        let pairwise = isPairwise
        parallelFor(count: a.batch * channels, minimumPerThread: 4) { _, planes in
            for plane in planes {
                let x = a.input + plane * h * w
                let y = a.output + plane * oh * ow
                if pairwise {
                    let codeRow = code + plane * oh * ow
                    for oy in 0..<oh {
                        maxPool2x2Row(
                            top: x + 2 * oy * w, bottom: x + (2 * oy + 1) * w, output: y + oy * ow,
                            codes: codeRow + oy * ow, count: ow)
                    }
                    continue
                }
                let winner = argmax + plane * oh * ow
                let sampleBase = (plane % channels) * h * w
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
        let argmax = winners.pointer, code = codes.pointer
        let (inputSize, outputSize, h, w, oh, ow, channels) = (inputSize, outputSize, height, width, outputHeight, outputWidth, channels)
        if isPairwise {
            parallelFor(count: a.batch * channels, minimumPerThread: 4) { _, planes in
                for plane in planes {
                    let d = dx + plane * h * w, g = a.outputGradient + plane * oh * ow, codeRow = code + plane * oh * ow
                    for oy in 0..<oh {
                        let top = d + 2 * oy * w, bottom = top + w
                        maxPool2x2BackwardRow(top: top, bottom: bottom, gradient: g + oy * ow, codes: codeRow + oy * ow, count: ow)
                        if w > 2 * ow {
                            top[w - 1] = 0
                            bottom[w - 1] = 0
                        }
                    }
                    if h > 2 * oh { (d + (h - 1) * w).update(repeating: 0, count: w) }
                }
            }
            return
        }
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

/// One output row of 2×2, stride-2 max pooling: `output[i]` is the largest of
/// `top[2i], top[2i+1], bottom[2i], bottom[2i+1]` (the first in that order on ties) and
/// `codes[i]` its position `0…3`.
@inline(__always)
func maxPool2x2Row(
    top: UnsafePointer<Float>, bottom: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>,
    codes: UnsafeMutablePointer<UInt8>, count: Int
) {
    var i = 0
    let topRaw = UnsafeRawPointer(top), bottomRaw = UnsafeRawPointer(bottom)
    let outRaw = UnsafeMutableRawPointer(output), codeRaw = UnsafeMutableRawPointer(codes)
    while i + 8 <= count {
        let t = topRaw.loadUnaligned(fromByteOffset: 8 * i, as: SIMD16<Float>.self)
        let b = bottomRaw.loadUnaligned(fromByteOffset: 8 * i, as: SIMD16<Float>.self)
        let (t0, t1, b0, b1) = (t.evenHalf, t.oddHalf, b.evenHalf, b.oddHalf)
        let topRight = t1 .> t0, bottomRight = b1 .> b0
        let topBest = t0.replacing(with: t1, where: topRight)
        let bottomBest = b0.replacing(with: b1, where: bottomRight)
        let useBottom = bottomBest .> topBest
        let topCode = SIMD8<Int32>(repeating: 0).replacing(with: 1, where: topRight)
        let bottomCode = SIMD8<Int32>(repeating: 2).replacing(with: 3, where: bottomRight)
        outRaw.storeBytes(of: topBest.replacing(with: bottomBest, where: useBottom), toByteOffset: 4 * i, as: SIMD8<Float>.self)
        let code = SIMD8<UInt8>(truncatingIfNeeded: topCode.replacing(with: bottomCode, where: useBottom))
        codeRaw.storeBytes(of: code, toByteOffset: i, as: SIMD8<UInt8>.self)
        i += 8
    }
    while i < count {
        let a0 = top[2 * i], a1 = top[2 * i + 1], b0 = bottom[2 * i], b1 = bottom[2 * i + 1]
        let topBest = a1 > a0 ? a1 : a0, bottomBest = b1 > b0 ? b1 : b0
        let useBottom = bottomBest > topBest
        output[i] = useBottom ? bottomBest : topBest
        codes[i] = useBottom ? (b1 > b0 ? 3 : 2) : (a1 > a0 ? 1 : 0)
        i += 1
    }
}

/// The backward pass of ``maxPool2x2Row(top:bottom:output:codes:count:)``: writes all four
/// inputs of each window, the gradient at the winner and 0 elsewhere.
@inline(__always)
func maxPool2x2BackwardRow(
    top: UnsafeMutablePointer<Float>, bottom: UnsafeMutablePointer<Float>, gradient: UnsafePointer<Float>,
    codes: UnsafePointer<UInt8>, count: Int
) {
    // Branch-free: each input gets the gradient's bits masked by "this is the winner".
    for i in 0..<count {
        let bits = gradient[i].bitPattern, k = codes[i]
        top[2 * i] = Float(bitPattern: bits & (0 &- UInt32(k == 0 ? 1 : 0)))
        top[2 * i + 1] = Float(bitPattern: bits & (0 &- UInt32(k == 1 ? 1 : 0)))
        bottom[2 * i] = Float(bitPattern: bits & (0 &- UInt32(k == 2 ? 1 : 0)))
        bottom[2 * i + 1] = Float(bitPattern: bits & (0 &- UInt32(k == 3 ? 1 : 0)))
    }
}

/// Average pooling over `size×size` windows moved by `stride`, no padding, NCHW:
/// `y = (1/size²) Σ_window x`, so each input in a window receives `∂y / size²`.
final class AveragePoolKernel: PoolingWindow, LayerKernel {

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
