import TensorCore

/// 2-D convolution (cross-correlation, as in every deep-learning framework) over NCHW images
/// through im2col and `sgemm`.
///
/// For each sample, `im2col` lays the `C·k·k` input values under each of the `P = H'·W'`
/// output positions out as a `[C·k·k, P]` matrix `X̂`; then `Y = W X̂ + b` with `W` stored
/// `[filters, C·k·k]` (then `b`) in the parameter vector. Backward: `∂W = Σₙ ∂Yₙ X̂ₙᵀ`,
/// `∂b = Σₙ,ₚ ∂Yₙ`, `∂X̂ = Wᵀ ∂Y`, and `col2im` adds `∂X̂` back onto the input positions.
/// The batch is split across threads, each running single-threaded `sgemm` on its samples
/// with its own scratch; per-thread weight gradients are summed in a fixed order.
///
/// A following ReLU and a following 2×2, stride-2 max pool can be fused in: each sample's
/// convolution output then stays in per-thread scratch, the kernel writes only the pooled output
/// and each window's winner, and backward routes the pooled gradient straight back into scratch
/// (masked by `pooled > 0` for the ReLU: the winner is positive exactly when the pooled value is).
///
/// Where ``ConvolutionAlgorithm/choice(channels:stride:training:requested:)`` picks `direct`, each chunk
/// instead runs oneDNN's direct convolution (``DirectConvolution``, on the calling thread) on
/// micro-batches of ``directMicrobatch`` samples: no patch matrix, the same chunks, the same
/// fixed-order reduction of the weight gradient, the ReLU as a oneDNN post-op and the pool
/// fused as above.
final class ConvolutionKernel: LayerKernel {
    let channels, height, width, filters, kernel, stride: Int
    let geometry: ConvolutionGeometry
    let fusedReLU: Bool
    let fusedPool: Bool
    let patch: Int
    let positions: Int
    let pooledHeight: Int
    let pooledWidth: Int
    /// How many chunks a batch is cut into, whatever the thread count: the threads take chunks as
    /// they finish (``parallelForBalanced(count:chunks:_:)``), so a core shared with another
    /// process costs loom only its share, and the weight gradient (summed per chunk, then over the
    /// chunks in order) has the same bits on one thread or many.
    static let chunksPerBatch = 8
    /// Per-chunk room for one sample's im2col matrix.
    private var columns: [Scratch<Float>]
    /// Per-chunk weight and bias gradients (chunk 0 writes straight into the caller's).
    private var partialGradients: [Scratch<Float>]
    /// Per-chunk room for one sample's unpooled output (fused pooling only).
    private var planes: [Scratch<Float>]
    private let codes = Scratch<UInt8>()
    /// Samples per oneDNN call on the direct path (bounds its blocked buffers per chunk).
    /// (Training chunks of a 128 batch are 16 samples; at inference chunks of 125, 16, 32 and
    /// 64 measured within noise of each other.)
    static let directMicrobatch = 16
    /// The algorithm in use (``ConvolutionAlgorithm/im2col`` or ``ConvolutionAlgorithm/direct``).
    let algorithm: ConvolutionAlgorithm
    /// Per-chunk oneDNN state on the direct path, else empty.
    private let direct: [DirectChunk]

    init(
        channels: Int, height: Int, width: Int, filters: Int, kernel: Int, stride: Int, padding: Padding,
        fusedReLU: Bool, fusedPool: Bool = false, training: Bool = true,
        algorithm requested: ConvolutionAlgorithm = ConvolutionAlgorithm.requested.algorithm
    ) {
        self.channels = channels
        self.height = height
        self.width = width
        self.filters = filters
        self.kernel = kernel
        self.stride = stride
        self.fusedReLU = fusedReLU
        self.fusedPool = fusedPool
        geometry = ConvolutionGeometry(height: height, width: width, kernel: kernel, stride: stride, padding: padding)
        patch = channels * kernel * kernel
        positions = geometry.outputHeight * geometry.outputWidth
        pooledHeight = geometry.outputHeight / 2
        pooledWidth = geometry.outputWidth / 2
        let chunks = Self.chunksPerBatch
        let gradientCount = filters * (patch + 1)
        // The direct path needs a shape oneDNN has optimised kernels for; otherwise im2col.
        let shape = DirectConvolutionShape(
            batch: Self.directMicrobatch, channels: channels, height: height, width: width, filters: filters, kernel: kernel,
            stride: stride, padTop: geometry.padTop, padLeft: geometry.padLeft,
            padBottom: (geometry.outputHeight - 1) * stride + kernel - height - geometry.padTop,
            padRight: (geometry.outputWidth - 1) * stride + kernel - width - geometry.padLeft)
        var direct: [DirectChunk] = []
        if ConvolutionAlgorithm.choice(channels: channels, stride: stride, training: training, requested: requested) == .direct,
           shape.padBottom >= 0, shape.padRight >= 0, geometry.outputHeight > 0, geometry.outputWidth > 0,
           let first = DirectChunk(shape: shape, training: training, relu: fusedReLU, gradientCount: gradientCount) {
            direct = [first] + (1..<chunks).compactMap { _ in
                DirectChunk(shape: shape, training: training, relu: fusedReLU, gradientCount: gradientCount)
            }
            if direct.count < chunks { direct = [] }
        }
        self.direct = direct
        algorithm = direct.isEmpty ? .im2col : .direct
        let columnCount = direct.isEmpty ? patch * positions : 0
        let planeCount = fusedPool ? filters * positions * (direct.isEmpty ? 1 : Self.directMicrobatch) : 0
        columns = (0..<chunks).map { _ in Scratch<Float>(count: columnCount) }
        partialGradients = (0..<chunks).map { _ in Scratch<Float>(count: gradientCount) }
        planes = (0..<chunks).map { _ in Scratch<Float>(count: planeCount) }
    }

    private var inputSize: Int { channels * height * width }
    /// The values of one unpooled output sample.
    private var convolutionSize: Int { filters * positions }
    /// The values of one output sample as the network stores it (pooled when pooling is fused).
    private var outputSize: Int { fusedPool ? filters * pooledHeight * pooledWidth : convolutionSize }

    func reserve(batch: Int) {
        if fusedPool { codes.reserve(batch * outputSize) }
    }

    /// Max-pools one sample's convolution output `y` (2×2, stride 2) into `pooled`, recording winners.
    private func pool(_ y: UnsafePointer<Float>, into pooled: UnsafeMutablePointer<Float>, codes: UnsafeMutablePointer<UInt8>) {
        let (w, oh, ow) = (geometry.outputWidth, pooledHeight, pooledWidth)
        for f in 0..<filters {
            let plane = y + f * positions, out = pooled + f * oh * ow, code = codes + f * oh * ow
            for oy in 0..<oh {
                maxPool2x2Row(top: plane + 2 * oy * w, bottom: plane + (2 * oy + 1) * w, output: out + oy * ow, codes: code + oy * ow, count: ow)
            }
        }
    }

    /// Routes one sample's pooled gradient back to the winners of each window in `g` (zero elsewhere).
    private func unpool(_ pooledGradient: UnsafePointer<Float>, codes: UnsafePointer<UInt8>, into g: UnsafeMutablePointer<Float>) {
        let (h, w, oh, ow) = (geometry.outputHeight, geometry.outputWidth, pooledHeight, pooledWidth)
        for f in 0..<filters {
            let plane = g + f * positions, gradient = pooledGradient + f * oh * ow, code = codes + f * oh * ow
            for oy in 0..<oh {
                let top = plane + 2 * oy * w, bottom = top + w
                maxPool2x2BackwardRow(top: top, bottom: bottom, gradient: gradient + oy * ow, codes: code + oy * ow, count: ow)
                if w > 2 * ow {
                    top[w - 1] = 0
                    bottom[w - 1] = 0
                }
            }
            if h > 2 * oh { (plane + (h - 1) * w).update(repeating: 0, count: w) }
        }
    }

    /// The valid output columns `ox` for kernel column `kx`: those with `0 ≤ ox·s + kx − pad < W`.
    @inline(__always)
    private func validRange(offset: Int, extent: Int, outputs: Int) -> Range<Int> {
        // ox·s + offset ≥ 0  ⇔  ox ≥ ⌈−offset / s⌉ ;  ox·s + offset ≤ extent − 1.
        let low = offset >= 0 ? 0 : (-offset + stride - 1) / stride
        let highValue = extent - 1 - offset
        let high = highValue < 0 ? 0 : min(outputs, highValue / stride + 1)
        return low..<max(low, high)
    }

    /// Whether each patch-matrix row is the input plane shifted by `(ky − pad, kx − pad)`, so it
    /// can be copied as one contiguous block (stride 1 with the output as wide as the input).
    private var isShiftedPlane: Bool { stride == 1 && geometry.outputWidth == width && geometry.outputHeight == height }

    /// For patch row `(ky, kx)` of a shifted-plane convolution: the flat output range
    /// `[start, end)` that maps onto the input plane by adding `shift`, the valid output rows,
    /// and the valid output columns (outside them, within each valid row, the flat copy wraps
    /// into a neighbouring row and must be zeroed).
    @inline(__always)
    private func shiftedBlock(ky: Int, kx: Int) -> (start: Int, end: Int, shift: Int, rows: Range<Int>, columns: Range<Int>) {
        let dy = ky - geometry.padTop, dx = kx - geometry.padLeft
        let ys = validRange(offset: dy, extent: height, outputs: height)
        let xs = validRange(offset: dx, extent: width, outputs: width)
        guard !ys.isEmpty, !xs.isEmpty else { return (0, 0, 0, 0..<0, 0..<0) }
        return (ys.lowerBound * width + xs.lowerBound, (ys.upperBound - 1) * width + xs.upperBound, dy * width + dx, ys, xs)
    }

    /// Calls `body(c, ky, kx, row)` for every patch-matrix row in order: channel, then kernel
    /// row, then kernel column (`row` counts them from 0).
    @inline(__always)
    private func forEachPatchRow(_ body: (_ channel: Int, _ ky: Int, _ kx: Int, _ row: Int) -> Void) {
        var row = 0
        for c in 0..<channels {
            for ky in 0..<kernel {
                for kx in 0..<kernel {
                    body(c, ky, kx, row)
                    row += 1
                }
            }
        }
    }

    /// Writes the `[C·k·k, P]` patch matrix of one sample.
    func im2col(_ x: UnsafePointer<Float>, into cols: UnsafeMutablePointer<Float>) {
        let (outH, outW) = (geometry.outputHeight, geometry.outputWidth)
        if isShiftedPlane {
            forEachPatchRow { c, ky, kx, row in
                let plane = x + c * height * width, dst = cols + row * positions
                let block = shiftedBlock(ky: ky, kx: kx)
                guard block.end > block.start else {
                    dst.update(repeating: 0, count: positions)
                    return
                }
                dst.update(repeating: 0, count: block.start)
                (dst + block.start).update(from: plane + block.start + block.shift, count: block.end - block.start)
                (dst + block.end).update(repeating: 0, count: positions - block.end)
                zeroOutsideColumns(dst, block)
            }
            return
        }
        forEachPatchRow { c, ky, kx, row in
            let plane = x + c * height * width, dst = cols + row * positions
            let ys = validRange(offset: ky - geometry.padTop, extent: height, outputs: outH)
            let xs = validRange(offset: kx - geometry.padLeft, extent: width, outputs: outW)
            for oy in 0..<outH {
                let line = dst + oy * outW
                guard ys.contains(oy) else {
                    line.update(repeating: 0, count: outW)
                    continue
                }
                let source = plane + (oy * stride + ky - geometry.padTop) * width + kx - geometry.padLeft
                for ox in 0..<xs.lowerBound { line[ox] = 0 }
                if stride == 1 {
                    for ox in xs { line[ox] = source[ox] }
                } else {
                    for ox in xs { line[ox] = source[ox * stride] }
                }
                for ox in xs.upperBound..<outW { line[ox] = 0 }
            }
        }
    }

    /// Zeroes, in each valid row of a shifted-plane patch row, the columns outside the valid
    /// ones (where the flat copy wrapped into a neighbouring image row).
    @inline(__always)
    private func zeroOutsideColumns(_ line: UnsafeMutablePointer<Float>,
                                    _ block: (start: Int, end: Int, shift: Int, rows: Range<Int>, columns: Range<Int>)) {
        for oy in block.rows {
            let row = line + oy * width
            for ox in 0..<block.columns.lowerBound { row[ox] = 0 }
            for ox in block.columns.upperBound..<width { row[ox] = 0 }
        }
    }

    /// Overwrites one sample's input gradient with the sum of the patch gradients `cols`.
    ///
    /// On the shifted-plane path it zeroes the entries of `cols` that fall outside the input
    /// (they are scratch), then adds each row to the input plane as one contiguous block.
    func col2im(_ cols: UnsafeMutablePointer<Float>, into dx: UnsafeMutablePointer<Float>) {
        let (outH, outW) = (geometry.outputHeight, geometry.outputWidth)
        dx.update(repeating: 0, count: inputSize)
        if isShiftedPlane {
            forEachPatchRow { c, ky, kx, row in
                let plane = dx + c * height * width, src = cols + row * positions
                let block = shiftedBlock(ky: ky, kx: kx)
                guard block.end > block.start else { return }
                zeroOutsideColumns(src, block)
                accumulate(plane + block.start + block.shift, src + block.start, count: block.end - block.start)
            }
            return
        }
        forEachPatchRow { c, ky, kx, row in
            let plane = dx + c * height * width, src = cols + row * positions
            let ys = validRange(offset: ky - geometry.padTop, extent: height, outputs: outH)
            let xs = validRange(offset: kx - geometry.padLeft, extent: width, outputs: outW)
            for oy in ys {
                let line = src + oy * outW
                let target = plane + (oy * stride + ky - geometry.padTop) * width + kx - geometry.padLeft
                if stride == 1 {
                    for ox in xs { target[ox] += line[ox] }
                } else {
                    for ox in xs { target[ox * stride] += line[ox] }
                }
            }
        }
    }

    func forward(_ a: ForwardArguments, generator: inout SeededGenerator) {
        let weight = UnsafePointer(a.parameters), bias = a.parameters + filters * patch
        if fusedPool { codes.reserve(a.batch * outputSize) }
        if !direct.isEmpty { return directForward(a) }
        parallelForBalanced(count: a.batch, chunks: columns.count) { chunk, samples in
            let cols = columns[chunk].pointer
            for n in samples {
                let y = fusedPool ? planes[chunk].pointer : a.output + n * outputSize
                im2col(a.input + n * inputSize, into: cols)
                BLAS.sgemm(m: filters, n: positions, k: patch, a: weight, lda: patch, b: cols, ldb: positions, c: y, ldc: positions)
                for f in 0..<filters { addBias(y + f * positions, count: positions, bias: bias[f], relu: fusedReLU) }
                if fusedPool { pool(y, into: a.output + n * outputSize, codes: codes.pointer + n * outputSize) }
            }
        }
    }

    func backward(_ a: BackwardArguments) {
        if !direct.isEmpty { return directBackward(a) }
        let weightCount = filters * patch
        let chunks = min(columns.count, a.batch)
        parallelForBalanced(count: a.batch, chunks: chunks) { chunk, samples in
            let cols = columns[chunk].pointer
            let partial = chunk == 0 ? a.parameterGradients : partialGradients[chunk].pointer
            let biasPartial = partial + weightCount
            biasPartial.update(repeating: 0, count: filters)
            for n in samples {
                var g = a.outputGradient + n * outputSize
                if fusedReLU { maskByPositive(g, output: a.output + n * outputSize, count: outputSize) }
                if fusedPool {
                    let unpooled = planes[chunk].pointer
                    unpool(g, codes: codes.pointer + n * outputSize, into: unpooled)
                    g = unpooled
                }
                for f in 0..<filters { biasPartial[f] += laneSum(g + f * positions, count: positions) }
                im2col(a.input + n * inputSize, into: cols)
                BLAS.sgemm(
                    transposeB: true, m: filters, n: patch, k: positions,
                    a: g, lda: positions, b: cols, ldb: positions,
                    beta: n == samples.lowerBound ? 0 : 1, c: partial, ldc: patch)
                if let dx = a.inputGradient {
                    BLAS.sgemm(
                        transposeA: true, m: patch, n: positions, k: filters,
                        a: a.parameters, lda: patch, b: g, ldb: positions, c: cols, ldc: positions)
                    col2im(cols, into: dx + n * inputSize)
                }
            }
        }
        let total = weightCount + filters
        for chunk in 1..<max(chunks, 1) {
            let partial = partialGradients[chunk].pointer
            for i in 0..<total { a.parameterGradients[i] += partial[i] }
        }
    }

    // MARK: - Direct path (oneDNN)

    /// Calls `body(start, count)` for the micro-batches of `samples`, in order.
    @inline(__always)
    private func forEachMicrobatch(_ samples: Range<Int>, _ body: (_ start: Int, _ count: Int) -> Void) {
        var start = samples.lowerBound
        while start < samples.upperBound {
            let count = min(Self.directMicrobatch, samples.upperBound - start)
            body(start, count)
            start += count
        }
    }

    private func directForward(_ a: ForwardArguments) {
        let weight = UnsafePointer(a.parameters), bias = UnsafePointer(a.parameters + filters * patch)
        parallelForBalanced(count: a.batch, chunks: direct.count) { chunk, samples in
            let state = direct[chunk]
            forEachMicrobatch(samples) { start, count in
                let y = fusedPool ? planes[chunk].pointer : a.output + start * outputSize
                state.convolution(batch: count).forward(input: a.input + start * inputSize, weights: weight, bias: bias, output: y)
                guard fusedPool else { return }
                for i in 0..<count {
                    let n = start + i
                    pool(y + i * convolutionSize, into: a.output + n * outputSize, codes: codes.pointer + n * outputSize)
                }
            }
        }
    }

    private func directBackward(_ a: BackwardArguments) {
        let weightCount = filters * patch, total = weightCount + filters
        let chunks = min(direct.count, a.batch)
        parallelForBalanced(count: a.batch, chunks: chunks) { chunk, samples in
            let state = direct[chunk]
            let partial = chunk == 0 ? a.parameterGradients : partialGradients[chunk].pointer
            forEachMicrobatch(samples) { start, count in
                var g = a.outputGradient + start * outputSize
                if fusedReLU { maskByPositive(g, output: a.output + start * outputSize, count: count * outputSize) }
                if fusedPool {
                    let unpooled = planes[chunk].pointer
                    for i in 0..<count {
                        unpool(g + i * outputSize, codes: codes.pointer + (start + i) * outputSize, into: unpooled + i * convolutionSize)
                    }
                    g = unpooled
                }
                let convolution = state.convolution(batch: count)
                // The first micro-batch writes the chunk's gradient, the others add theirs in order.
                let first = start == samples.lowerBound
                let target = first ? partial : state.gradient.pointer
                convolution.backward(
                    input: a.input + start * inputSize, outputGradient: g, weights: a.parameters,
                    inputGradient: a.inputGradient.map { $0 + start * inputSize }, weightGradient: target, biasGradient: target + weightCount)
                if !first { for i in 0..<total { partial[i] += target[i] } }
            }
        }
        for chunk in 1..<max(chunks, 1) {
            let partial = partialGradients[chunk].pointer
            for i in 0..<total { a.parameterGradients[i] += partial[i] }
        }
    }
}

/// One chunk's oneDNN convolutions (one per micro-batch size it has met, sharing one workspace)
/// and its room for a micro-batch's weight gradient; used by one thread at a time.
private final class DirectChunk {
    let shape: DirectConvolutionShape
    let training: Bool
    let relu: Bool
    private let workspace = DirectConvolutionWorkspace()
    private var convolutions: [Int: DirectConvolution] = [:]
    let gradient: Scratch<Float>

    /// Builds the convolution for full micro-batches, or returns `nil` where oneDNN has no optimised
    /// kernel for the shape.
    init?(shape: DirectConvolutionShape, training: Bool, relu: Bool, gradientCount: Int) {
        (self.shape, self.training, self.relu) = (shape, training, relu)
        guard let first = try? DirectConvolution(shape: shape, training: training, relu: relu, workspace: workspace) else { return nil }
        convolutions[shape.batch] = first
        gradient = Scratch<Float>(count: gradientCount)
    }

    /// The convolution for micro-batches of `batch` samples, built on first use.
    func convolution(batch: Int) -> DirectConvolution {
        if let convolution = convolutions[batch] { return convolution }
        var shape = shape
        shape.batch = batch
        do {
            let convolution = try DirectConvolution(shape: shape, training: training, relu: relu, workspace: workspace)
            convolutions[batch] = convolution
            return convolution
        } catch {
            // The same geometry was built at the kernel's start for another batch size.
            preconditionFailure("oneDNN convolution for batch \(batch): \(error)")
        }
    }
}
