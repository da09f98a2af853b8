import TensorCore

/// The pointers a layer's forward pass reads and writes, for a batch of `batch` samples.
///
/// Per-sample sizes come from the layer; sample `n` starts at `n · size`.
struct ForwardArguments {
    var input: UnsafePointer<Float>
    var output: UnsafeMutablePointer<Float>
    var batch: Int
    var training: Bool
    /// The layer's own slice of the model's flat parameter vector.
    var parameters: UnsafeMutablePointer<Float>
    /// The layer's own slice of the model's flat non-trainable state (running statistics).
    var buffers: UnsafeMutablePointer<Float>
    /// The index in the whole batch of the first sample at `input` (non-zero when the network
    /// runs a batch as independent parts, one per thread; per-sample state such as a dropout
    /// mask is indexed from it).
    var firstSample = 0
    /// The most chunks the layer may split its loops into: 1 when the caller already runs one
    /// part of the batch per thread.
    var maximumChunks = Int.max
    /// Whether the network drew this batch's random values for the layer beforehand (dropout's
    /// mask, with ``DropoutKernel/drawMask(batch:generator:)``).
    var randomnessDrawn = false
}

/// The pointers a layer's backward pass reads and writes.
///
/// `outputGradient` is scratch space the layer may overwrite. The layer overwrites (does not
/// add to) its parameter gradients and `inputGradient`; `inputGradient` is nil for the first layer.
struct BackwardArguments {
    var input: UnsafePointer<Float>
    var output: UnsafePointer<Float>
    var outputGradient: UnsafeMutablePointer<Float>
    var inputGradient: UnsafeMutablePointer<Float>?
    var batch: Int
    var parameters: UnsafePointer<Float>
    var parameterGradients: UnsafeMutablePointer<Float>
    /// As in ``ForwardArguments``.
    var firstSample = 0
    /// As in ``ForwardArguments``.
    var maximumChunks = Int.max
}

/// A layer's compute kernel: forward and backward passes over raw buffers that the
/// ``Network`` owns. Kernels keep their own reusable workspace, so a training step allocates
/// nothing.
protocol LayerKernel: AnyObject {
    /// Makes room for batches of up to `batch` samples.
    func reserve(batch: Int)
    func forward(_ arguments: ForwardArguments, generator: inout SeededGenerator)
    func backward(_ arguments: BackwardArguments)
}

extension LayerKernel {
    func reserve(batch: Int) {}
}

/// A reusable, growable scratch buffer of `Element`s.
final class Scratch<Element: BitwiseCopyable> {
    private(set) var pointer: UnsafeMutablePointer<Element>
    private(set) var capacity: Int

    init(count: Int = 0) {
        capacity = max(count, 1)
        pointer = .allocate(capacity: capacity)
    }

    /// Ensures room for `count` elements; contents are lost when it grows.
    func reserve(_ count: Int) {
        guard count > capacity else { return }
        pointer.deallocate()
        capacity = count
        pointer = .allocate(capacity: count)
    }

    deinit { pointer.deallocate() }
}
