import Dispatch
import TensorCore

/// A compiled ``Sequential`` model: one kernel per layer plus the activation and gradient
/// buffers for batches of up to `capacity` samples, allocated once and reused by every step.
///
/// In training mode every layer keeps its output (backward needs it); in inference mode the
/// outputs alternate between two buffers. Layers that do not change values share their input's
/// buffer: `flatten`, a `relu` fused into the `conv`, `dense` or `batchnorm` before it, a 2×2 stride-2
/// `maxpool` fused into the `conv` (and `relu`) before it, and, in inference, `dropout`.
///
/// A training step of a network whose samples never interact (dense layers, element-wise
/// activations, dropout, flatten: every MLP) runs as one part of the batch per thread, forward,
/// loss and backward, with each part's parameter gradients summed afterwards in a fixed order:
/// two thread hand-offs per step instead of two per layer, which is what small models spend
/// their time on. Other networks split each layer's work across the threads instead.
final class Network {
    let plans: [LayerPlan]
    let kernels: [LayerKernel?]
    /// Each kernel's layers as `LayerProfile` names them (`1 conv+relu+maxpool`).
    let kernelNames: [String]
    let parameterOffsets: [Int]
    let bufferOffsets: [Int]
    let capacity: Int
    let training: Bool
    let inputSize: Int
    let outputSize: Int
    private let slots: [Scratch<Float>]
    /// For each layer, the storage slot of its output, or -1 when it is the network's input.
    private let outputSlot: [Int]
    private let gradients: [Scratch<Float>]
    /// The values per sample that each gradient scratch buffer sets aside, the same for every
    /// layer, so that parts of a batch run on several threads use disjoint regions of it whatever
    /// the layer's own sample size.
    private let gradientStride: Int
    private let empty = Scratch<Float>(count: 1)
    /// The values of one sample in each storage slot.
    private let slotSampleSizes: [Int]
    /// The values of one input sample of each layer.
    private let inputSizes: [Int]
    /// Whether a training step may run as independent parts of the batch (see the type's notes).
    let splitsBatch: Bool
    /// The number of trainable values.
    let parameterCount: Int
    /// The parameter gradients of every part but the first, in a part-split training step.
    private let partGradients: [Scratch<Float>]
    /// In inference, for each convolution or dense layer followed by a batch norm, that norm's layer.
    private let foldedNorms: [Int: Int]
    /// The folded weights and bias of each layer in `foldedNorms`, recomputed by every forward pass.
    private let foldedParameters: [Int: Scratch<Float>]
    /// Whether dense-only networks may train one part of the batch per thread (see `splitsBatch`).
    static let partPerThreadStepIsEnabled = true
    /// The fewest samples worth a part of their own.
    static let minimumPartSize = 16

    /// - Parameter precision: The precision of inference's products (ignored in training).
    init(layers: [LayerSpec], plans: [LayerPlan], capacity: Int, training: Bool, precision: InferencePrecision = .float32) {
        self.plans = plans
        self.capacity = capacity
        self.training = training
        inputSize = plans.first.map { $0.inputShape.reduce(1, *) } ?? 0
        outputSize = plans.last.map { $0.outputShape.reduce(1, *) } ?? inputSize
        var kernels = [LayerKernel?]()
        var fused = Set<Int>()
        /// For a layer whose kernel also computes the layers after it, the last layer it covers.
        var covers = [Int: Int]()
        func isPairwisePool(_ index: Int) -> Bool {
            index < layers.count && layers[index].as(MaxPoolLayer.self)?.isPairwise == true
        }
        func isReLU(_ index: Int) -> Bool { index < layers.count && layers[index].kind is ReLULayer }
        var foldedNorms = [Int: Int]()
        for (index, spec) in layers.enumerated() {
            // A layer that the kernel of a layer before it computes (a relu, a pairwise max
            // pool, a folded batch norm) has no kernel of its own.
            if fused.contains(index) {
                kernels.append(nil)
                continue
            }
            let traits = spec.traits
            // In inference, a batch norm right after a convolution or dense layer is folded into
            // its weights and bias (see `foldBatchNorm`), and what follows it fuses as if the
            // normalisation were not there.
            let foldsNorm = !training && traits.contains(.foldsBatchNorm) && index + 1 < layers.count
                && layers[index + 1].kind is BatchNormLayer
            let reluIndex = foldsNorm ? index + 2 : index + 1
            if foldsNorm {
                fused.insert(index + 1)
                foldedNorms[index] = index + 1
            }
            let fuseReLU = traits.contains(.absorbsReLU) && isReLU(reluIndex)
            let poolIndex = fuseReLU ? reluIndex + 1 : reluIndex
            let fusePool = traits.contains(.absorbsPool) && isPairwisePool(poolIndex)
            let request = KernelRequest(input: plans[index].inputShape, training: training, fusedReLU: fuseReLU, fusedPool: fusePool,
                                        precision: training ? .float32 : precision)
            kernels.append(spec.kind.kernel(request)?.kernel)
            if fuseReLU { fused.insert(reluIndex) }
            if fusePool {
                fused.insert(poolIndex)
                covers[index] = poolIndex
            }
        }
        self.kernels = kernels
        self.foldedNorms = foldedNorms
        foldedParameters = foldedNorms.mapValues { _ in Scratch<Float>() }
        for (index, scratch) in foldedParameters { scratch.reserve(plans[index].parameterCount) }
        kernelNames = layers.indices.map { index in
            var names = [layers[index].name]
            var next = index + 1
            while next < layers.count, kernels[next] == nil, fused.contains(next) {
                names.append(layers[next].name)
                next += 1
            }
            return "\(index + 1) " + names.joined(separator: "+")
        }
        var parameterOffsets = [Int](), bufferOffsets = [Int]()
        var parameterTotal = 0, bufferTotal = 0
        for plan in plans {
            parameterOffsets.append(parameterTotal)
            bufferOffsets.append(bufferTotal)
            parameterTotal += plan.parameterCount
            bufferTotal += plan.bufferCount
        }
        self.parameterOffsets = parameterOffsets
        self.bufferOffsets = bufferOffsets

        var outputSlot = [Int]()
        var slotSizes = [Int]()
        var slotSampleSizes = [Int]()
        var previous = -1
        for (index, kernel) in kernels.enumerated() {
            if kernel == nil {
                outputSlot.append(previous)
                continue
            }
            let sampleSize = plans[covers[index] ?? index].outputShape.reduce(1, *)
            let size = capacity * sampleSize
            let slot: Int
            if training {
                slot = slotSizes.count
                slotSizes.append(size)
                slotSampleSizes.append(sampleSize)
            } else {
                slot = previous == 0 ? 1 : 0
                while slotSizes.count <= slot {
                    slotSizes.append(0)
                    slotSampleSizes.append(0)
                }
                slotSizes[slot] = max(slotSizes[slot], size)
                slotSampleSizes[slot] = sampleSize
            }
            outputSlot.append(slot)
            previous = slot
        }
        self.outputSlot = outputSlot
        self.slotSampleSizes = slotSampleSizes
        inputSizes = plans.map { $0.inputShape.reduce(1, *) }
        parameterCount = parameterTotal
        let independentSamples = layers.allSatisfy { $0.traits.contains(.independentSamples) }
        splitsBatch = Self.partPerThreadStepIsEnabled && training && independentSamples && ComputeThreads.count > 1
            && capacity >= 2 * Network.minimumPartSize
        partGradients = splitsBatch ? (1..<ComputeThreads.count).map { _ in Scratch<Float>(count: parameterTotal) } : []
        slots = slotSizes.map { Scratch<Float>(count: $0) }
        if training {
            let largest = plans.map { max($0.inputShape.reduce(1, *), $0.outputShape.reduce(1, *)) }.max() ?? 1
            gradients = [Scratch<Float>(count: capacity * largest), Scratch<Float>(count: capacity * largest)]
            gradientStride = largest
        } else {
            gradients = []
            gradientStride = 0
        }
        for kernel in kernels { kernel?.reserve(batch: capacity) }
    }

    /// The storage of `slot` from sample `firstSample` on, or `input` for the network's input.
    private func pointer(_ slot: Int, input: UnsafePointer<Float>, firstSample: Int = 0) -> UnsafeMutablePointer<Float> {
        slot < 0 ? UnsafeMutablePointer(mutating: input) : slots[slot].pointer + firstSample * slotSampleSizes[slot]
    }

    private func base(_ buffer: UnsafeMutableBufferPointer<Float>) -> UnsafeMutablePointer<Float> {
        buffer.baseAddress ?? empty.pointer
    }

    /// Runs the layers on `batch` samples at `input` and returns the output (logits).
    ///
    /// The returned pointer stays valid until the next call.
    ///
    /// - Parameters:
    ///   - firstSample: Where in the whole batch these samples start, when this call runs one
    ///     part of it (the activations go to that part of the buffers).
    ///   - maximumChunks: The most chunks each layer may split its loops into.
    ///   - randomnessDrawn: Whether the layers' random values were drawn beforehand.
    func forward(
        input: UnsafePointer<Float>, batch: Int, parameters: UnsafeMutableBufferPointer<Float>,
        buffers: UnsafeMutableBufferPointer<Float>, generator: inout SeededGenerator,
        firstSample: Int = 0, maximumChunks: Int = .max, randomnessDrawn: Bool = false
    ) -> UnsafePointer<Float> {
        precondition(batch >= 1 && firstSample + batch <= capacity, "Batch of \(batch) exceeds the network's capacity \(capacity).")
        var current = input
        for (index, kernel) in kernels.enumerated() {
            guard let kernel else { continue }
            let output = pointer(outputSlot[index], input: input, firstSample: firstSample)
            let start = LayerProfile.isEnabled ? DispatchTime.now().uptimeNanoseconds : 0
            defer {
                if LayerProfile.isEnabled {
                    LayerProfile.record(layer: kernelNames[index], pass: training ? "forward" : "inference", since: start)
                }
            }
            var layerParameters = base(parameters) + parameterOffsets[index]
            if let norm = foldedNorms[index], let folded = foldedParameters[index] {
                foldBatchNorm(layer: index, norm: norm, parameters: parameters, buffers: buffers, into: folded.pointer)
                layerParameters = folded.pointer
            }
            kernel.forward(
                ForwardArguments(
                    input: current, output: output, batch: batch, training: training,
                    parameters: layerParameters,
                    buffers: base(buffers) + bufferOffsets[index],
                    firstSample: firstSample, maximumChunks: maximumChunks, randomnessDrawn: randomnessDrawn),
                generator: &generator)
            current = UnsafePointer(output)
        }
        return current
    }

    /// Writes the weights and bias of layer `layer` (a convolution or dense layer, weights as
    /// `[outputs][fan-in]`, then one bias per output) with the inference-mode batch norm `norm`
    /// after it folded in: `s = γ / √(σ²_running + ε)`, `W' = s·W` row by row, `b' = s·(b − μ_running) + β`.
    private func foldBatchNorm(layer: Int, norm: Int, parameters: UnsafeMutableBufferPointer<Float>,
                               buffers: UnsafeMutableBufferPointer<Float>, into folded: UnsafeMutablePointer<Float>) {
        let outputs = plans[norm].parameterCount / 2
        let fanIn = (plans[layer].parameterCount - outputs) / outputs
        let weight = base(parameters) + parameterOffsets[layer], bias = weight + outputs * fanIn
        let gamma = base(parameters) + parameterOffsets[norm], beta = gamma + outputs
        let mean = base(buffers) + bufferOffsets[norm], variance = mean + outputs
        for output in 0..<outputs {
            let scale = gamma[output] / (variance[output] + BatchNormKernel.epsilon).squareRoot()
            let row = weight + output * fanIn, target = folded + output * fanIn
            for i in 0..<fanIn { target[i] = row[i] * scale }
            folded[outputs * fanIn + output] = (bias[output] - mean[output]) * scale + beta[output]
        }
    }

    /// One training step's forward pass, loss and backward pass: fills `gradients` (the flat
    /// layout of the parameters) with the gradient of the batch's mean loss.
    ///
    /// - Returns: The batch's mean loss and the number of samples classified correctly.
    func trainingStep(
        input: UnsafePointer<Float>, labels: UnsafePointer<Int32>, batch: Int, classes: Int, loss: SoftmaxCrossEntropy,
        parameters: UnsafeMutableBufferPointer<Float>, buffers: UnsafeMutableBufferPointer<Float>,
        gradients: UnsafeMutableBufferPointer<Float>, generator: inout SeededGenerator
    ) -> (loss: Double, correct: Int) {
        let parts = splitsBatch ? min(ComputeThreads.count, batch / Network.minimumPartSize) : 1
        guard parts > 1 else {
            let logits = forward(input: input, batch: batch, parameters: parameters, buffers: buffers, generator: &generator)
            let result = loss.evaluate(logits: logits, labels: labels, batch: batch, classes: classes, gradient: outputGradient)
            backward(input: input, batch: batch, parameters: parameters, gradients: gradients)
            return result
        }
        // The random draws first, layer by layer over the whole batch, as one pass would make them.
        for kernel in kernels {
            if let dropout = kernel as? DropoutKernel { dropout.drawMask(batch: batch, generator: &generator) }
        }
        var results = [(loss: Double, correct: Int)](repeating: (0, 0), count: parts)
        let gradientScale = 1 / Float(batch)
        results.withUnsafeMutableBufferPointer { results in
            let results = results.baseAddress!
            parallelFor(count: parts, maximumChunks: parts) { part, _ in
                let samples = chunkRange(part, of: parts, count: batch)
                var unused = SeededGenerator(seed: 0)
                let logits = forward(
                    input: input + samples.lowerBound * inputSize, batch: samples.count, parameters: parameters, buffers: buffers,
                    generator: &unused, firstSample: samples.lowerBound, maximumChunks: 1, randomnessDrawn: true)
                results[part] = loss.evaluate(
                    logits: logits, labels: labels + samples.lowerBound, batch: samples.count, classes: classes,
                    gradient: outputGradient + samples.lowerBound * gradientStride, gradientScale: gradientScale)
                let partGradient = part == 0 ? gradients : UnsafeMutableBufferPointer(start: partGradients[part - 1].pointer, count: parameterCount)
                backward(
                    input: input + samples.lowerBound * inputSize, batch: samples.count, parameters: parameters,
                    gradients: partGradient, firstSample: samples.lowerBound, maximumChunks: 1)
            }
        }
        // Sum the parts' gradients into the first part's, in part order.
        let total = base(gradients)
        let others = partGradients.prefix(parts - 1).map { UnsafePointer($0.pointer) }
        parallelFor(count: parameterCount, minimumPerThread: 16_384) { _, range in
            for other in others { accumulate(total + range.lowerBound, other + range.lowerBound, count: range.count) }
        }
        var meanLoss = 0.0, correct = 0
        for part in 0..<parts {
            meanLoss += results[part].loss * Double(chunkRange(part, of: parts, count: batch).count)
            correct += results[part].correct
        }
        return (meanLoss / Double(batch), correct)
    }

    /// The buffer that the loss writes `∂loss/∂output` into before ``backward(input:batch:parameters:gradients:)``.
    var outputGradient: UnsafeMutablePointer<Float> {
        precondition(training, "Only a training network has gradient buffers.")
        return gradients[0].pointer
    }

    /// Back-propagates ``outputGradient`` through the layers of the last forward pass, writing
    /// every parameter's gradient into `gradients` (the flat layout of the parameters).
    ///
    /// - Returns: The gradient with respect to the input when `inputGradient` is true (valid
    ///   until the next call), else nil.
    ///
    /// `firstSample` and `maximumChunks` are as in ``forward(input:batch:parameters:buffers:generator:firstSample:maximumChunks:randomnessDrawn:)``.
    @discardableResult
    func backward(
        input: UnsafePointer<Float>, batch: Int, parameters: UnsafeMutableBufferPointer<Float>,
        gradients parameterGradients: UnsafeMutableBufferPointer<Float>, inputGradient: Bool = false,
        firstSample: Int = 0, maximumChunks: Int = .max
    ) -> UnsafePointer<Float>? {
        precondition(training, "Only a training network can run backward.")
        var current = 0
        let firstComputing = inputGradient ? -1 : kernels.firstIndex { $0 != nil } ?? kernels.count
        for index in stride(from: kernels.count - 1, through: 0, by: -1) {
            guard let kernel = kernels[index] else { continue }
            let layerInput = index == 0 ? input : UnsafePointer(pointer(outputSlot[index - 1], input: input, firstSample: firstSample))
            let needsInputGradient = index > firstComputing
            let start = LayerProfile.isEnabled ? DispatchTime.now().uptimeNanoseconds : 0
            defer { if LayerProfile.isEnabled { LayerProfile.record(layer: kernelNames[index], pass: "backward", since: start) } }
            kernel.backward(
                BackwardArguments(
                    input: layerInput, output: UnsafePointer(pointer(outputSlot[index], input: input, firstSample: firstSample)),
                    outputGradient: gradients[current].pointer + firstSample * gradientStride,
                    inputGradient: needsInputGradient ? gradients[1 - current].pointer + firstSample * gradientStride : nil,
                    batch: batch, parameters: UnsafePointer(base(parameters) + parameterOffsets[index]),
                    parameterGradients: base(parameterGradients) + parameterOffsets[index],
                    firstSample: firstSample, maximumChunks: maximumChunks))
            current = 1 - current
        }
        return inputGradient ? UnsafePointer(gradients[current].pointer + firstSample * gradientStride) : nil
    }
}
