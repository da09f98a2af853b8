import CDNNL
import Foundation

/// The shape of a 2-D convolution over a batch of NCHW images, as ``DirectConvolution`` runs it.
///
/// Weights are `[filters, channels, kernel, kernel]` (OIHW), biases `[filters]`, the output
/// `[batch, filters, outputHeight, outputWidth]`: all plain, contiguous Float32, as loom stores them.
public struct DirectConvolutionShape: Hashable, Sendable {
    /// Images per call.
    public var batch: Int
    /// Input channels.
    public var channels: Int
    /// Input height and width.
    public var height: Int, width: Int
    /// Output channels.
    public var filters: Int
    /// The filters' side (square filters).
    public var kernel: Int
    /// The step between output positions, in both directions.
    public var stride: Int
    /// Zero padding before the image (top, left) and after it (bottom, right).
    public var padTop: Int, padLeft: Int, padBottom: Int, padRight: Int

    /// - Parameters: see the properties.
    public init(batch: Int, channels: Int, height: Int, width: Int, filters: Int, kernel: Int, stride: Int,
                padTop: Int, padLeft: Int, padBottom: Int, padRight: Int) {
        (self.batch, self.channels, self.height, self.width) = (batch, channels, height, width)
        (self.filters, self.kernel, self.stride) = (filters, kernel, stride)
        (self.padTop, self.padLeft, self.padBottom, self.padRight) = (padTop, padLeft, padBottom, padRight)
    }

    /// The output height: `(H + padTop + padBottom − k) / stride + 1`.
    public var outputHeight: Int { (height + padTop + padBottom - kernel) / stride + 1 }
    /// The output width.
    public var outputWidth: Int { (width + padLeft + padRight - kernel) / stride + 1 }
    /// Values in one input image.
    public var inputSize: Int { channels * height * width }
    /// Values in one output image.
    public var outputSize: Int { filters * outputHeight * outputWidth }
    /// Values in the weights (without the biases).
    public var weightCount: Int { filters * channels * kernel * kernel }
}

/// Why a ``DirectConvolution`` could not be built.
public enum DirectConvolutionError: Error, Sendable, CustomStringConvertible {
    /// oneDNN refused a call (the status code and what was being done).
    case library(status: Int, operation: String)
    /// oneDNN has no optimised (JIT) kernel for this shape here, only its reference or im2col code.
    case notOptimized(implementation: String)

    public var description: String {
        switch self {
        case let .library(status, operation): "oneDNN \(operation) failed (status \(status))"
        case let .notOptimized(implementation): "oneDNN has only \(implementation) for this convolution"
        }
    }
}

/// A 2-D convolution of one fixed shape through oneDNN's direct (JIT) convolution kernels:
/// forward, backward to the input, and backward to the weights and biases.
///
/// Inputs and outputs are plain NCHW / OIHW buffers; inside, oneDNN picks its own blocked
/// layouts (`format_tag any`, e.g. `nChw16c` on AVX-512) and the wrapper reorders in and out.
/// Measured on an Ice Lake Xeon, oneDNN on plain layouts falls back to its own im2col + sgemm
/// (`gemm:jit`), 30–70% slower than the blocked kernels with the reorders counted.
///
/// **Threads.** Every primitive runs on the calling thread only (OpenMP thread count 1 for that
/// thread, set before each call), so callers split a batch into fixed chunks across their own
/// threads as they do for `sgemm`: results depend on the chunking, never on the thread count,
/// and a core taken by another process slows only the chunks it would have run. One instance
/// owns its buffers and must be used by one thread at a time; build one per chunk.
///
/// ```swift
/// let shape = DirectConvolutionShape(batch: 16, channels: 32, height: 14, width: 14, filters: 64,
///                                    kernel: 3, stride: 1, padTop: 1, padLeft: 1, padBottom: 1, padRight: 1)
/// let convolution = try DirectConvolution(shape: shape, training: true)
/// convolution.setWeights(weights)
/// convolution.forward(input: x, bias: b, output: y)
/// convolution.backwardData(outputGradient: dy, inputGradient: dx)
/// convolution.backwardWeights(input: x, outputGradient: dy, weightGradient: dw, biasGradient: db)
/// ```
public final class DirectConvolution {
    /// The shape it computes.
    public let shape: DirectConvolutionShape
    /// Whether a ReLU is applied to the forward output (a oneDNN post-op).
    public let relu: Bool
    /// oneDNN's name for the forward kernel, e.g. `jit:avx512_core`.
    public let implementation: String

    private let resources: Resources
    private var stream: dnnl_stream_t { resources.stream }
    private let forwardStep: Step
    private let backwardDataStep: Step?
    private let backwardWeightsStep: Step?

    /// Builds the primitives for `shape`.
    ///
    /// - Parameters:
    ///   - shape: The convolution.
    ///   - training: Whether the backward passes are needed (otherwise only forward inference).
    ///   - relu: Whether to apply a ReLU to the forward output.
    ///   - requireOptimized: Whether to refuse a shape oneDNN has no JIT kernel for.
    /// - Throws: ``DirectConvolutionError``.
    public init(shape: DirectConvolutionShape, training: Bool, relu: Bool = false, requireOptimized: Bool = true) throws(DirectConvolutionError) {
        DirectConvolution.useCallingThreadOnly()
        self.shape = shape
        self.relu = relu
        let resources = try Resources()
        self.resources = resources

        let s = shape
        let n = Int64(s.batch)
        let srcDims = [n, Int64(s.channels), Int64(s.height), Int64(s.width)]
        let dstDims = [n, Int64(s.filters), Int64(s.outputHeight), Int64(s.outputWidth)]
        let weightDims = [Int64(s.filters), Int64(s.channels), Int64(s.kernel), Int64(s.kernel)]
        let strides = [Int64(s.stride), Int64(s.stride)]
        let padL = [Int64(s.padTop), Int64(s.padLeft)], padR = [Int64(s.padBottom), Int64(s.padRight)]
        let src = try Self.descriptor(srcDims, dnnl_nchw), dst = try Self.descriptor(dstDims, dnnl_nchw)
        let weights = try Self.descriptor(weightDims, dnnl_oihw)
        var bias = try Self.descriptor([Int64(s.filters)], dnnl_x)
        var srcAny = try Self.descriptor(srcDims, dnnl_format_tag_any), dstAny = try Self.descriptor(dstDims, dnnl_format_tag_any)
        var weightsAny = try Self.descriptor(weightDims, dnnl_format_tag_any)

        var attributes: dnnl_primitive_attr_t?
        try check(dnnl_primitive_attr_create(&attributes), "primitive_attr_create")
        defer { dnnl_primitive_attr_destroy(attributes) }
        try check(dnnl_primitive_attr_set_scratchpad_mode(attributes, dnnl_scratchpad_mode_user), "set_scratchpad_mode")
        var forwardAttributes: dnnl_primitive_attr_t?
        try check(dnnl_primitive_attr_clone(&forwardAttributes, attributes), "primitive_attr_clone")
        defer { dnnl_primitive_attr_destroy(forwardAttributes) }
        if relu {
            var postOps: dnnl_post_ops_t?
            try check(dnnl_post_ops_create(&postOps), "post_ops_create")
            defer { dnnl_post_ops_destroy(postOps) }
            try check(dnnl_post_ops_append_eltwise(postOps, 1, dnnl_eltwise_relu, 0, 0), "post_ops_append_eltwise")
            try check(dnnl_primitive_attr_set_post_ops(forwardAttributes, postOps), "set_post_ops")
        }

        var forwardDescriptor = dnnl_convolution_desc_t()
        try check(dnnl_convolution_forward_desc_init(
            &forwardDescriptor, training ? dnnl_forward_training : dnnl_forward_inference, dnnl_convolution_direct,
            &srcAny, &weightsAny, &bias, &dstAny, strides, padL, padR), "convolution_forward_desc_init")
        let forwardPD = try Self.primitiveDescriptor(&forwardDescriptor, forwardAttributes, hint: nil)
        defer { dnnl_primitive_desc_destroy(forwardPD) }
        implementation = Self.implementation(forwardPD)
        if requireOptimized, !implementation.hasPrefix("jit") { throw .notOptimized(implementation: implementation) }

        forwardStep = try Step(
            pd: forwardPD, resources: resources,
            inputs: [(DNNL_ARG_SRC, dnnl_query_src_md, src), (DNNL_ARG_WEIGHTS, dnnl_query_weights_md, weights),
                     (DNNL_ARG_BIAS, dnnl_query_weights_md, bias)],
            outputs: [(DNNL_ARG_DST, dnnl_query_dst_md, dst)], weightsArgument: DNNL_ARG_WEIGHTS)

        guard training else {
            backwardDataStep = nil
            backwardWeightsStep = nil
            return
        }
        var dataDescriptor = dnnl_convolution_desc_t()
        try check(dnnl_convolution_backward_data_desc_init(
            &dataDescriptor, dnnl_convolution_direct, &srcAny, &weightsAny, &dstAny, strides, padL, padR),
            "convolution_backward_data_desc_init")
        let dataPD = try Self.primitiveDescriptor(&dataDescriptor, attributes, hint: forwardPD)
        defer { dnnl_primitive_desc_destroy(dataPD) }
        backwardDataStep = try Step(
            pd: dataPD, resources: resources,
            inputs: [(DNNL_ARG_DIFF_DST, dnnl_query_diff_dst_md, dst), (DNNL_ARG_WEIGHTS, dnnl_query_weights_md, weights)],
            outputs: [(DNNL_ARG_DIFF_SRC, dnnl_query_diff_src_md, src)], weightsArgument: DNNL_ARG_WEIGHTS)

        var weightsDescriptor = dnnl_convolution_desc_t()
        try check(dnnl_convolution_backward_weights_desc_init(
            &weightsDescriptor, dnnl_convolution_direct, &srcAny, &weightsAny, &bias, &dstAny, strides, padL, padR),
            "convolution_backward_weights_desc_init")
        let weightsPD = try Self.primitiveDescriptor(&weightsDescriptor, attributes, hint: forwardPD)
        defer { dnnl_primitive_desc_destroy(weightsPD) }
        backwardWeightsStep = try Step(
            pd: weightsPD, resources: resources,
            inputs: [(DNNL_ARG_SRC, dnnl_query_src_md, src), (DNNL_ARG_DIFF_DST, dnnl_query_diff_dst_md, dst)],
            outputs: [(DNNL_ARG_DIFF_WEIGHTS, dnnl_query_diff_weights_md, weights),
                      (DNNL_ARG_DIFF_BIAS, dnnl_query_diff_weights_md, bias)], weightsArgument: nil)
    }

    /// Takes the weights (`[filters, channels, k, k]`) for the following calls: reorders them
    /// into the layouts the forward and backward-data kernels read. Call it again whenever the
    /// weights change.
    public func setWeights(_ weights: UnsafePointer<Float>) {
        DirectConvolution.useCallingThreadOnly()
        forwardStep.loadWeights(weights, stream: stream)
        backwardDataStep?.loadWeights(weights, stream: stream)
    }

    /// `output ← conv(input, weights) + bias` (then ReLU if ``relu``), for `shape.batch` images.
    public func forward(input: UnsafePointer<Float>, bias: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>) {
        DirectConvolution.useCallingThreadOnly()
        forwardStep.run(inputs: [UnsafeMutableRawPointer(mutating: input), nil, UnsafeMutableRawPointer(mutating: bias)],
                        outputs: [UnsafeMutableRawPointer(output)], stream: stream)
    }

    /// `inputGradient ← convᵀ(outputGradient, weights)`: overwrites the input gradient.
    ///
    /// Requires `training: true` at construction and ``setWeights(_:)`` before.
    public func backwardData(outputGradient: UnsafePointer<Float>, inputGradient: UnsafeMutablePointer<Float>) {
        guard let backwardDataStep else { preconditionFailure("DirectConvolution built for inference has no backward pass") }
        DirectConvolution.useCallingThreadOnly()
        backwardDataStep.run(inputs: [UnsafeMutableRawPointer(mutating: outputGradient), nil],
                             outputs: [UnsafeMutableRawPointer(inputGradient)], stream: stream)
    }

    /// Overwrites `weightGradient` (`[filters, channels, k, k]`) with `Σₙ ∂Yₙ ⋆ Xₙ` and
    /// `biasGradient` (`[filters]`) with the sums of `outputGradient` per filter, over the batch.
    ///
    /// Requires `training: true` at construction.
    public func backwardWeights(input: UnsafePointer<Float>, outputGradient: UnsafePointer<Float>,
                                weightGradient: UnsafeMutablePointer<Float>, biasGradient: UnsafeMutablePointer<Float>) {
        guard let backwardWeightsStep else { preconditionFailure("DirectConvolution built for inference has no backward pass") }
        DirectConvolution.useCallingThreadOnly()
        backwardWeightsStep.run(
            inputs: [UnsafeMutableRawPointer(mutating: input), UnsafeMutableRawPointer(mutating: outputGradient)],
            outputs: [UnsafeMutableRawPointer(weightGradient), UnsafeMutableRawPointer(biasGradient)], stream: stream)
    }

    /// Makes oneDNN's OpenMP parallel regions on this thread one thread wide (a per-thread setting).
    @inline(__always)
    static func useCallingThreadOnly() {
        if omp_get_max_threads() != 1 { omp_set_num_threads(1) }
    }

    // MARK: - Building

    private static func descriptor(_ dims: [Int64], _ tag: dnnl_format_tag_t) throws(DirectConvolutionError) -> dnnl_memory_desc_t {
        var descriptor = dnnl_memory_desc_t()
        try check(dnnl_memory_desc_init_by_tag(&descriptor, Int32(dims.count), dims, dnnl_f32, tag), "memory_desc_init_by_tag")
        return descriptor
    }

    private static func primitiveDescriptor(
        _ descriptor: inout dnnl_convolution_desc_t, _ attributes: dnnl_primitive_attr_t?, hint: dnnl_primitive_desc_t?
    ) throws(DirectConvolutionError) -> dnnl_primitive_desc_t {
        var pd: dnnl_primitive_desc_t?
        try check(dnnl_primitive_desc_create(&pd, &descriptor, attributes, DNNLEngine.shared.engine, hint), "primitive_desc_create")
        guard let pd else { throw .library(status: -1, operation: "primitive_desc_create") }
        return pd
    }

    private static func implementation(_ pd: dnnl_primitive_desc_t) -> String {
        var name: UnsafePointer<CChar>?
        guard dnnl_primitive_desc_query(pd, dnnl_query_impl_info_str, 0, &name) == dnnl_success, let name else { return "unknown" }
        return String(cString: name)
    }
}

/// The oneDNN objects and buffers one ``DirectConvolution`` owns, destroyed with it (also when
/// its initialiser throws half-way).
private final class Resources {
    let stream: dnnl_stream_t
    var primitives: [dnnl_primitive_t] = []
    var memories: [dnnl_memory_t] = []
    var buffers: [UnsafeMutableRawPointer] = []

    init() throws(DirectConvolutionError) {
        var stream: dnnl_stream_t?
        try check(dnnl_stream_create(&stream, DNNLEngine.shared.engine, UInt32(dnnl_stream_default_flags.rawValue)), "stream_create")
        guard let stream else { throw .library(status: -1, operation: "stream_create") }
        self.stream = stream
    }

    deinit {
        for primitive in primitives { dnnl_primitive_destroy(primitive) }
        for memory in memories { dnnl_memory_destroy(memory) }
        for buffer in buffers { buffer.deallocate() }
        dnnl_stream_destroy(stream)
    }

    func memory(_ descriptor: dnnl_memory_desc_t, allocate: Bool) throws(DirectConvolutionError) -> dnnl_memory_t {
        var descriptor = descriptor
        var memory: dnnl_memory_t?
        try check(dnnl_memory_create(&memory, &descriptor, DNNLEngine.shared.engine, nil), "memory_create")
        guard let memory else { throw .library(status: -1, operation: "memory_create") }
        memories.append(memory)
        if allocate {
            let buffer = UnsafeMutableRawPointer.allocate(byteCount: max(dnnl_memory_desc_get_size(&descriptor), 64), alignment: 64)
            buffers.append(buffer)
            try check(dnnl_memory_set_data_handle(memory, buffer), "memory_set_data_handle")
        }
        return memory
    }

    func primitive(_ pd: dnnl_primitive_desc_t) throws(DirectConvolutionError) -> dnnl_primitive_t {
        var primitive: dnnl_primitive_t?
        try check(dnnl_primitive_create(&primitive, pd), "primitive_create")
        guard let primitive else { throw .library(status: -1, operation: "primitive_create") }
        primitives.append(primitive)
        return primitive
    }

    func reorder(from: dnnl_memory_t, _ fromDescriptor: dnnl_memory_desc_t,
                          to: dnnl_memory_t, _ toDescriptor: dnnl_memory_desc_t) throws(DirectConvolutionError) -> dnnl_primitive_t {
        var (fromDescriptor, toDescriptor) = (fromDescriptor, toDescriptor)
        let engine = DNNLEngine.shared.engine
        var pd: dnnl_primitive_desc_t?
        try check(dnnl_reorder_primitive_desc_create(&pd, &fromDescriptor, engine, &toDescriptor, engine, nil), "reorder_primitive_desc_create")
        guard let pd else { throw .library(status: -1, operation: "reorder_primitive_desc_create") }
        defer { dnnl_primitive_desc_destroy(pd) }
        return try primitive(pd)
    }
}

/// One oneDNN primitive with its arguments: for each user buffer (plain layout) a memory whose
/// handle is set per call and, where the primitive wants another layout, a memory of its own and
/// the reorder between them.
private struct Step {
    struct Port {
        var user: dnnl_memory_t
        /// The primitive's own layout and the reorder to or from the user's, if they differ.
        var reorder: dnnl_primitive_t?
        var inner: dnnl_memory_t
    }

    let primitive: dnnl_primitive_t
    let inputs: [Port]
    let outputs: [Port]
    /// The index in `inputs` of the weights, which ``loadWeights(_:stream:)`` reorders ahead of
    /// the calls (``run(inputs:outputs:stream:)`` then passes `nil` for them).
    let weightsIndex: Int?
    let arguments: [dnnl_exec_arg_t]

    init(pd: dnnl_primitive_desc_t, resources pending: Resources,
         inputs inputSpecs: [(Int32, dnnl_query_t, dnnl_memory_desc_t)],
         outputs outputSpecs: [(Int32, dnnl_query_t, dnnl_memory_desc_t)],
         weightsArgument: Int32?) throws(DirectConvolutionError) {
        var arguments: [dnnl_exec_arg_t] = []
        func port(_ spec: (Int32, dnnl_query_t, dnnl_memory_desc_t), input: Bool) throws(DirectConvolutionError) -> Port {
            let (argument, query, plain) = spec
            // Bias arguments share the weights query index 1 (DNNL_ARG_BIAS is weights #1).
            let index: Int32 = (argument == DNNL_ARG_BIAS || argument == DNNL_ARG_DIFF_BIAS) ? 1 : 0
            guard let wanted = dnnl_primitive_desc_query_md(pd, query, index)?.pointee else {
                throw .library(status: -1, operation: "primitive_desc_query_md")
            }
            var (a, b) = (plain, wanted)
            let user = try pending.memory(plain, allocate: false)
            if dnnl_memory_desc_equal(&a, &b) != 0 {
                arguments.append(dnnl_exec_arg_t(arg: argument, memory: user))
                return Port(user: user, reorder: nil, inner: user)
            }
            let inner = try pending.memory(wanted, allocate: true)
            let reorder: dnnl_primitive_t
            if input {
                reorder = try pending.reorder(from: user, plain, to: inner, wanted)
            } else {
                reorder = try pending.reorder(from: inner, wanted, to: user, plain)
            }
            arguments.append(dnnl_exec_arg_t(arg: argument, memory: inner))
            return Port(user: user, reorder: reorder, inner: inner)
        }
        var inputPorts: [Port] = [], outputPorts: [Port] = []
        for spec in inputSpecs { inputPorts.append(try port(spec, input: true)) }
        for spec in outputSpecs { outputPorts.append(try port(spec, input: false)) }
        if let scratchpad = dnnl_primitive_desc_query_md(pd, dnnl_query_scratchpad_md, 0)?.pointee {
            var descriptor = scratchpad
            if dnnl_memory_desc_get_size(&descriptor) > 0 {
                arguments.append(dnnl_exec_arg_t(arg: DNNL_ARG_SCRATCHPAD, memory: try pending.memory(scratchpad, allocate: true)))
            }
        }
        primitive = try pending.primitive(pd)
        inputs = inputPorts
        outputs = outputPorts
        weightsIndex = weightsArgument.flatMap { argument in inputSpecs.firstIndex { $0.0 == argument } }
        self.arguments = arguments
    }

    func loadWeights(_ weights: UnsafePointer<Float>, stream: dnnl_stream_t) {
        guard let weightsIndex else { return }
        let port = inputs[weightsIndex]
        dnnl_memory_set_data_handle(port.user, UnsafeMutableRawPointer(mutating: weights))
        if let reorder = port.reorder { execute(reorder, from: port.user, to: port.inner, stream: stream) }
    }

    /// Runs the primitive on the user buffers (`nil` for an input that stays as last loaded).
    func run(inputs buffers: [UnsafeMutableRawPointer?], outputs outputBuffers: [UnsafeMutableRawPointer], stream: dnnl_stream_t) {
        for (port, buffer) in zip(inputs, buffers) {
            guard let buffer else { continue }
            dnnl_memory_set_data_handle(port.user, buffer)
            if let reorder = port.reorder { execute(reorder, from: port.user, to: port.inner, stream: stream) }
        }
        for (port, buffer) in zip(outputs, outputBuffers) { dnnl_memory_set_data_handle(port.user, buffer) }
        arguments.withUnsafeBufferPointer { arguments in
            let status = dnnl_primitive_execute(primitive, stream, Int32(arguments.count), arguments.baseAddress)
            precondition(status == dnnl_success, "oneDNN convolution failed (status \(status.rawValue))")
        }
        for port in outputs {
            if let reorder = port.reorder { execute(reorder, from: port.inner, to: port.user, stream: stream) }
        }
        dnnl_stream_wait(stream)
    }

    private func execute(_ reorder: dnnl_primitive_t, from: dnnl_memory_t, to: dnnl_memory_t, stream: dnnl_stream_t) {
        let arguments = [dnnl_exec_arg_t(arg: DNNL_ARG_FROM, memory: from), dnnl_exec_arg_t(arg: DNNL_ARG_TO, memory: to)]
        let status = arguments.withUnsafeBufferPointer { dnnl_primitive_execute(reorder, stream, 2, $0.baseAddress) }
        precondition(status == dnnl_success, "oneDNN reorder failed (status \(status.rawValue))")
    }
}

/// The process's one oneDNN CPU engine.
final class DNNLEngine: @unchecked Sendable {
    /// Created on first use; immutable afterwards (oneDNN engines are thread-safe).
    static let shared = DNNLEngine()
    let engine: dnnl_engine_t?

    private init() {
        var engine: dnnl_engine_t?
        engine = dnnl_engine_create(&engine, dnnl_cpu, 0) == dnnl_success ? engine : nil
        self.engine = engine
    }
}

/// Throws ``DirectConvolutionError/library(status:operation:)`` unless `status` is success.
@inline(__always)
private func check(_ status: dnnl_status_t, _ operation: String) throws(DirectConvolutionError) {
    guard status == dnnl_success else { throw .library(status: Int(status.rawValue), operation: operation) }
}

/// How loom computes a 2-D convolution: im2col + `sgemm` or ``DirectConvolution``.
///
/// `LOOM_CONVOLUTION=im2col|direct|auto` overrides the choice for A/B measurements and tests;
/// `auto` (or unset) picks per layer with ``choice(channels:stride:)``.
public enum ConvolutionAlgorithm: String, Sendable, CaseIterable, CustomStringConvertible {
    /// Patch matrix per image, then one `sgemm` (OpenBLAS).
    case im2col
    /// oneDNN's direct convolution kernels on blocked layouts (``DirectConvolution``).
    case direct
    /// Per layer, whichever measured faster for its shape.
    case automatic = "auto"

    /// The environment variable that overrides the choice.
    public static let variable = "LOOM_CONVOLUTION"

    public var description: String {
        switch self {
        case .im2col: "im2col + sgemm"
        case .direct: "oneDNN direct"
        case .automatic: "auto"
        }
    }

    /// The setting from the environment, read once, and a warning for a value it does not know.
    public static let requested: (algorithm: ConvolutionAlgorithm, warning: String?) = {
        guard let value = ProcessInfo.processInfo.environment[variable], !value.isEmpty else { return (.automatic, nil) }
        if let algorithm = ConvolutionAlgorithm(rawValue: value.lowercased()) { return (algorithm, nil) }
        let names = allCases.map(\.rawValue).joined(separator: ", ")
        return (.automatic, "\(variable)=\(value) is not a convolution algorithm (\(names)); using auto.")
    }()

    /// The smallest input-channel count for which `auto` picks the direct path.
    public static let directMinimumChannels = 16

    /// The algorithm for a convolution with `channels` input channels and `stride`: the requested
    /// one, or for `auto` the direct path where it measured faster (stride 1, at least
    /// ``directMinimumChannels`` input channels; the first layer of an image network, one or
    /// three channels, stays on im2col, whose patch matrix is small).
    public static func choice(channels: Int, stride: Int, requested: ConvolutionAlgorithm = requested.algorithm) -> ConvolutionAlgorithm {
        switch requested {
        case .im2col, .direct: requested
        case .automatic: stride == 1 && channels >= directMinimumChannels ? .direct : .im2col
        }
    }

    /// One line for `loom doctor`.
    public static var summary: String {
        let (algorithm, _) = requested
        let rule = "oneDNN direct (blocked layouts, one thread per chunk) for stride-1 convolutions with ≥ \(directMinimumChannels) input channels, im2col + sgemm otherwise"
        switch algorithm {
        case .automatic: return "\(rule) (\(variable)=auto)"
        case .im2col, .direct: return "\(algorithm) for every convolution (\(variable)=\(algorithm.rawValue))"
        }
    }
}
