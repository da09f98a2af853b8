import TensorCore

/// A compiled ``Sequential`` model: one kernel per layer plus the activation and gradient
/// buffers for batches of up to `capacity` samples, allocated once and reused by every step.
///
/// In training mode every layer keeps its output (backward needs it); in inference mode the
/// outputs alternate between two buffers. Layers that do not change values share their input's
/// buffer: `flatten`, a `relu` fused into the `conv` or `dense` before it, a 2×2 stride-2
/// `maxpool` fused into the `conv` (and `relu`) before it, and, in inference, `dropout`.
final class Network {
    let plans: [LayerPlan]
    let kernels: [LayerKernel?]
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
    private let empty = Scratch<Float>(count: 1)

    init(layers: [LayerSpec], plans: [LayerPlan], capacity: Int, training: Bool) {
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
            guard index < layers.count, case .maxPool(let size, let stride) = layers[index] else { return false }
            return size == 2 && (stride ?? size) == 2
        }
        for (index, spec) in layers.enumerated() {
            let plan = plans[index]
            let fuseNext = index + 1 < layers.count && layers[index + 1] == .relu
            let input = plan.inputShape
            switch spec {
            case .conv(let filters, let kernel, let stride, let padding):
                let poolIndex = fuseNext ? index + 2 : index + 1
                let fusePool = isPairwisePool(poolIndex)
                kernels.append(ConvolutionKernel(
                    channels: input[0], height: input[1], width: input[2], filters: filters, kernel: kernel,
                    stride: stride, padding: padding, fusedReLU: fuseNext, fusedPool: fusePool))
                if fuseNext { fused.insert(index + 1) }
                if fusePool {
                    fused.insert(poolIndex)
                    covers[index] = poolIndex
                }
            case .dense(let units):
                kernels.append(DenseKernel(inputs: input[0], units: units, fusedReLU: fuseNext))
                if fuseNext { fused.insert(index + 1) }
            case .maxPool(let size, let stride):
                if fused.contains(index) {
                    kernels.append(nil)
                    continue
                }
                kernels.append(MaxPoolKernel(channels: input[0], height: input[1], width: input[2], size: size, stride: stride ?? size))
            case .avgPool(let size, let stride):
                kernels.append(AveragePoolKernel(channels: input[0], height: input[1], width: input[2], size: size, stride: stride ?? size))
            case .globalAvgPool:
                kernels.append(GlobalAveragePoolKernel(channels: input[0], positions: input[1] * input[2]))
            case .flatten:
                kernels.append(nil)
            case .dropout(let rate):
                kernels.append(training && rate > 0 ? DropoutKernel(size: input.reduce(1, *), rate: rate) : nil)
            case .batchNorm:
                kernels.append(BatchNormKernel(channels: input[0], positions: input.dropFirst().reduce(1, *)))
            case .relu, .leakyReLU, .elu, .gelu, .sigmoid, .tanh:
                if fused.contains(index) {
                    kernels.append(nil)
                } else {
                    kernels.append(ActivationKernel(size: input.reduce(1, *), function: ActivationFunction(spec)!))
                }
            }
        }
        self.kernels = kernels
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
        var previous = -1
        for (index, kernel) in kernels.enumerated() {
            if kernel == nil {
                outputSlot.append(previous)
                continue
            }
            let size = capacity * plans[covers[index] ?? index].outputShape.reduce(1, *)
            let slot: Int
            if training {
                slot = slotSizes.count
                slotSizes.append(size)
            } else {
                slot = previous == 0 ? 1 : 0
                while slotSizes.count <= slot { slotSizes.append(0) }
                slotSizes[slot] = max(slotSizes[slot], size)
            }
            outputSlot.append(slot)
            previous = slot
        }
        self.outputSlot = outputSlot
        slots = slotSizes.map { Scratch<Float>(count: $0) }
        if training {
            let largest = plans.map { max($0.inputShape.reduce(1, *), $0.outputShape.reduce(1, *)) }.max() ?? 1
            gradients = [Scratch<Float>(count: capacity * largest), Scratch<Float>(count: capacity * largest)]
        } else {
            gradients = []
        }
        for kernel in kernels { kernel?.reserve(batch: capacity) }
    }

    private func pointer(_ slot: Int, input: UnsafePointer<Float>) -> UnsafePointer<Float> {
        slot < 0 ? input : UnsafePointer(slots[slot].pointer)
    }

    private func base(_ buffer: UnsafeMutableBufferPointer<Float>) -> UnsafeMutablePointer<Float> {
        buffer.baseAddress ?? empty.pointer
    }

    /// Runs the layers on `batch` samples at `input` and returns the output (logits).
    ///
    /// The returned pointer stays valid until the next call.
    func forward(
        input: UnsafePointer<Float>, batch: Int, parameters: UnsafeMutableBufferPointer<Float>,
        buffers: UnsafeMutableBufferPointer<Float>, generator: inout SeededGenerator
    ) -> UnsafePointer<Float> {
        precondition(batch >= 1 && batch <= capacity, "Batch of \(batch) exceeds the network's capacity \(capacity).")
        var current = input
        for (index, kernel) in kernels.enumerated() {
            guard let kernel else { continue }
            let output = slots[outputSlot[index]].pointer
            kernel.forward(
                ForwardArguments(
                    input: current, output: output, batch: batch, training: training,
                    parameters: base(parameters) + parameterOffsets[index],
                    buffers: base(buffers) + bufferOffsets[index]),
                generator: &generator)
            current = UnsafePointer(output)
        }
        return current
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
    @discardableResult
    func backward(
        input: UnsafePointer<Float>, batch: Int, parameters: UnsafeMutableBufferPointer<Float>,
        gradients parameterGradients: UnsafeMutableBufferPointer<Float>, inputGradient: Bool = false
    ) -> UnsafePointer<Float>? {
        precondition(training, "Only a training network can run backward.")
        var current = 0
        let firstComputing = inputGradient ? -1 : kernels.firstIndex { $0 != nil } ?? kernels.count
        for index in stride(from: kernels.count - 1, through: 0, by: -1) {
            guard let kernel = kernels[index] else { continue }
            let layerInput = index == 0 ? input : pointer(outputSlot[index - 1], input: input)
            let needsInputGradient = index > firstComputing
            kernel.backward(
                BackwardArguments(
                    input: layerInput, output: UnsafePointer(slots[outputSlot[index]].pointer),
                    outputGradient: gradients[current].pointer,
                    inputGradient: needsInputGradient ? gradients[1 - current].pointer : nil,
                    batch: batch, parameters: UnsafePointer(base(parameters) + parameterOffsets[index]),
                    parameterGradients: base(parameterGradients) + parameterOffsets[index]))
            current = 1 - current
        }
        return inputGradient ? UnsafePointer(gradients[current].pointer) : nil
    }
}
