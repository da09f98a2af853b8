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
    /// oneDNN has no optimised (JIT or brgemm) kernel for this shape here, only its reference or im2col code.
    case notOptimized(implementation: String)

    public var description: String {
        switch self {
        case let .library(status, operation): "oneDNN \(operation) failed (status \(status))"
        case let .notOptimized(implementation): "oneDNN has only \(implementation) for this convolution"
        }
    }
}

/// Scratch memory for oneDNN's blocked copies of the tensors, shared by the ``DirectConvolution``s
/// that one thread runs one after another (those of one chunk of the batch, whatever their
/// micro-batch size): they never run at the same time, so one set of buffers serves them all.
///
/// Grows while convolutions are built; a workspace must not be shared across threads.
public final class DirectConvolutionWorkspace {
    /// What a buffer holds: blocked copies of the input-shaped, output-shaped and weight-shaped
    /// tensors of one call (and the bias, should oneDNN want it another way), and oneDNN's own scratchpad.
    enum Role: Int, CaseIterable { case source, destination, weights, bias, scratchpad }
    private var buffers: [UnsafeMutableRawPointer?] = Array(repeating: nil, count: Role.allCases.count)
    private var sizes = [Int](repeating: 0, count: Role.allCases.count)

    /// An empty workspace.
    public init() {}

    deinit { for buffer in buffers { buffer?.deallocate() } }

    /// Makes the buffer for `role` at least `size` bytes (its contents are lost when it grows).
    func reserve(_ role: Role, bytes size: Int) {
        guard size > sizes[role.rawValue] else { return }
        buffers[role.rawValue]?.deallocate()
        buffers[role.rawValue] = UnsafeMutableRawPointer.allocate(byteCount: size, alignment: 64)
        sizes[role.rawValue] = size
    }

    func pointer(_ role: Role) -> UnsafeMutableRawPointer? { buffers[role.rawValue] }
}

/// A 2-D convolution of one fixed shape through oneDNN's direct (JIT) convolution kernels:
/// forward, backward to the input, and backward to the weights and biases.
///
/// Inputs and outputs are plain NCHW / OIHW buffers; inside, oneDNN picks its own blocked
/// layouts (`format_tag any`, e.g. `nChw16c` on AVX-512) and the wrapper reorders in and out
/// through a ``DirectConvolutionWorkspace``. Measured at batch 16 on one thread, oneDNN on the
/// plain layouts themselves falls back to its own im2col + sgemm (`gemm:jit`), 25–80% slower
/// than its blocked kernels with the reorders counted.
///
/// **Threads.** Every primitive runs on the calling thread only (OpenMP thread count 1 for that
/// thread, set before each call), so callers split a batch into fixed chunks across their own
/// threads as they do for `sgemm`: results depend on the chunking, never on the thread count,
/// and a core taken by another process slows only the chunks it would have run. An instance
/// (and its workspace) must be used by one thread at a time; build one per chunk.
///
/// ```swift
/// let shape = DirectConvolutionShape(batch: 16, channels: 32, height: 14, width: 14, filters: 64,
///                                    kernel: 3, stride: 1, padTop: 1, padLeft: 1, padBottom: 1, padRight: 1)
/// let convolution = try DirectConvolution(shape: shape, training: true)
/// convolution.forward(input: x, weights: w, bias: b, output: y)
/// convolution.backward(input: x, outputGradient: dy, weights: w, inputGradient: dx,
///                      weightGradient: dw, biasGradient: db)
/// ```
public final class DirectConvolution {
    /// The shape it computes.
    public let shape: DirectConvolutionShape
    /// Whether a ReLU is applied to the forward output (a oneDNN post-op).
    public let relu: Bool
    /// oneDNN's names for its kernels: forward, backward data, backward weights, e.g.
    /// `jit:avx512_core` (the backward ones empty for inference).
    public let implementations: [String]
    /// oneDNN's name for the forward kernel.
    public var implementation: String { implementations[0] }

    private let resources: Resources
    private let workspace: DirectConvolutionWorkspace
    private let forwardStep: Step
    private let backwardDataStep: Step?
    private let backwardWeightsStep: Step?
    /// Whether backward data reads the output gradient in the layout backward weights does
    /// (then ``backward(input:outputGradient:weights:inputGradient:weightGradient:biasGradient:)``
    /// reorders it once).
    private let sharesOutputGradient: Bool

    /// Builds the primitives for `shape`.
    ///
    /// - Parameters:
    ///   - shape: The convolution.
    ///   - training: Whether the backward passes are needed (otherwise only forward inference).
    ///   - relu: Whether to apply a ReLU to the forward output.
    ///   - workspace: Where the blocked copies live; share one between the convolutions one
    ///     thread runs (a new one by default).
    ///   - requireOptimized: Whether to refuse a shape oneDNN has no JIT or brgemm kernel for.
    /// - Throws: ``DirectConvolutionError``.
    public init(shape: DirectConvolutionShape, training: Bool, relu: Bool = false,
                workspace: DirectConvolutionWorkspace = DirectConvolutionWorkspace(),
                requireOptimized: Bool = true) throws(DirectConvolutionError) {
        DirectConvolution.useCallingThreadOnly()
        self.shape = shape
        self.relu = relu
        self.workspace = workspace
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
        let forwardImplementation = Self.implementation(forwardPD)
        // Optimised: `jit:…` (training) or `brgconv:…` (inference); not `ref:…` nor oneDNN's own
        // im2col `gemm:…`, which would only duplicate loom's.
        if requireOptimized, forwardImplementation.hasPrefix("ref") || forwardImplementation.contains("gemm") {
            throw .notOptimized(implementation: forwardImplementation)
        }
        forwardStep = try Step(
            pd: forwardPD, resources: resources, workspace: workspace,
            inputs: [.init(DNNL_ARG_SRC, dnnl_query_src_md, src, .source), .init(DNNL_ARG_WEIGHTS, dnnl_query_weights_md, weights, .weights),
                     .init(DNNL_ARG_BIAS, dnnl_query_weights_md, bias, .bias, index: 1)],
            outputs: [.init(DNNL_ARG_DST, dnnl_query_dst_md, dst, .destination)])

        guard training else {
            backwardDataStep = nil
            backwardWeightsStep = nil
            sharesOutputGradient = false
            implementations = [forwardImplementation, "", ""]
            return
        }
        var dataDescriptor = dnnl_convolution_desc_t()
        try check(dnnl_convolution_backward_data_desc_init(
            &dataDescriptor, dnnl_convolution_direct, &srcAny, &weightsAny, &dstAny, strides, padL, padR),
            "convolution_backward_data_desc_init")
        let dataPD = try Self.primitiveDescriptor(&dataDescriptor, attributes, hint: forwardPD)
        defer { dnnl_primitive_desc_destroy(dataPD) }
        let data = try Step(
            pd: dataPD, resources: resources, workspace: workspace,
            inputs: [.init(DNNL_ARG_DIFF_DST, dnnl_query_diff_dst_md, dst, .destination),
                     .init(DNNL_ARG_WEIGHTS, dnnl_query_weights_md, weights, .weights)],
            outputs: [.init(DNNL_ARG_DIFF_SRC, dnnl_query_diff_src_md, src, .source)])
        backwardDataStep = data

        var weightsDescriptor = dnnl_convolution_desc_t()
        try check(dnnl_convolution_backward_weights_desc_init(
            &weightsDescriptor, dnnl_convolution_direct, &srcAny, &weightsAny, &bias, &dstAny, strides, padL, padR),
            "convolution_backward_weights_desc_init")
        let weightsPD = try Self.primitiveDescriptor(&weightsDescriptor, attributes, hint: forwardPD)
        defer { dnnl_primitive_desc_destroy(weightsPD) }
        let weightStep = try Step(
            pd: weightsPD, resources: resources, workspace: workspace,
            inputs: [.init(DNNL_ARG_SRC, dnnl_query_src_md, src, .source),
                     .init(DNNL_ARG_DIFF_DST, dnnl_query_diff_dst_md, dst, .destination)],
            outputs: [.init(DNNL_ARG_DIFF_WEIGHTS, dnnl_query_diff_weights_md, weights, .weights),
                      .init(DNNL_ARG_DIFF_BIAS, dnnl_query_diff_weights_md, bias, .bias, index: 1)])
        backwardWeightsStep = weightStep
        var (a, b) = (data.inputs[0].wanted, weightStep.inputs[1].wanted)
        sharesOutputGradient = dnnl_memory_desc_equal(&a, &b) != 0
        implementations = [forwardImplementation, Self.implementation(dataPD), Self.implementation(weightsPD)]
    }

    /// `output ← conv(input, weights) + bias` (then ReLU if ``relu``), for `shape.batch` images;
    /// weights `[filters, channels, k, k]`.
    public func forward(input: UnsafePointer<Float>, weights: UnsafePointer<Float>, bias: UnsafePointer<Float>,
                        output: UnsafeMutablePointer<Float>) {
        DirectConvolution.useCallingThreadOnly()
        forwardStep.run(inputs: [.init(mutating: input), .init(mutating: weights), .init(mutating: bias)],
                        outputs: [.init(output)], stream: resources.stream, workspace: workspace)
    }

    /// Both backward passes of one micro-batch: overwrites `weightGradient` (`[filters, channels,
    /// k, k]`) with `Σₙ ∂Yₙ ⋆ Xₙ` and `biasGradient` (`[filters]`) with the sums of
    /// `outputGradient` per filter, and, if given, `inputGradient` with `convᵀ(∂Y, weights)`.
    ///
    /// The output gradient is reordered into oneDNN's layout once for both where they read the
    /// same one. Requires `training: true` at construction.
    public func backward(input: UnsafePointer<Float>, outputGradient: UnsafePointer<Float>, weights: UnsafePointer<Float>,
                         inputGradient: UnsafeMutablePointer<Float>?,
                         weightGradient: UnsafeMutablePointer<Float>, biasGradient: UnsafeMutablePointer<Float>) {
        guard let backwardWeightsStep, let backwardDataStep else {
            preconditionFailure("DirectConvolution built for inference has no backward pass")
        }
        DirectConvolution.useCallingThreadOnly()
        let (stream, workspace) = (resources.stream, workspace)
        backwardWeightsStep.run(
            inputs: [.init(mutating: input), .init(mutating: outputGradient)],
            outputs: [.init(weightGradient), .init(biasGradient)], stream: stream, workspace: workspace)
        guard let inputGradient else { return }
        // The blocked output gradient is still in the workspace's destination buffer.
        backwardDataStep.run(
            inputs: [.init(mutating: outputGradient), .init(mutating: weights)], outputs: [.init(inputGradient)],
            stream: stream, workspace: workspace, skipReorder: sharesOutputGradient ? 0 : nil)
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

/// The oneDNN objects one ``DirectConvolution`` owns, destroyed with it (also when its
/// initialiser throws half-way).
private final class Resources {
    let stream: dnnl_stream_t
    var primitives: [dnnl_primitive_t] = []
    var memories: [dnnl_memory_t] = []

    init() throws(DirectConvolutionError) {
        var stream: dnnl_stream_t?
        try check(dnnl_stream_create(&stream, DNNLEngine.shared.engine, UInt32(dnnl_stream_default_flags.rawValue)), "stream_create")
        guard let stream else { throw .library(status: -1, operation: "stream_create") }
        self.stream = stream
    }

    deinit {
        for primitive in primitives { dnnl_primitive_destroy(primitive) }
        for memory in memories { dnnl_memory_destroy(memory) }
        dnnl_stream_destroy(stream)
    }

    func memory(_ descriptor: dnnl_memory_desc_t) throws(DirectConvolutionError) -> dnnl_memory_t {
        var descriptor = descriptor
        var memory: dnnl_memory_t?
        try check(dnnl_memory_create(&memory, &descriptor, DNNLEngine.shared.engine, nil), "memory_create")
        guard let memory else { throw .library(status: -1, operation: "memory_create") }
        memories.append(memory)
        return memory
    }

    func primitive(_ pd: dnnl_primitive_desc_t) throws(DirectConvolutionError) -> dnnl_primitive_t {
        var primitive: dnnl_primitive_t?
        try check(dnnl_primitive_create(&primitive, pd), "primitive_create")
        guard let primitive else { throw .library(status: -1, operation: "primitive_create") }
        primitives.append(primitive)
        return primitive
    }

    func reorder(_ fromDescriptor: dnnl_memory_desc_t, _ toDescriptor: dnnl_memory_desc_t) throws(DirectConvolutionError) -> dnnl_primitive_t {
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
/// handle is set per call and, where the primitive wants another layout, a memory over a
/// workspace buffer and the reorder between them.
private struct Step {
    /// One argument as the caller gives it: its oneDNN name, the query for the layout the
    /// primitive wants (and its index), the plain layout, and the workspace buffer for a copy.
    struct Argument {
        var name: Int32, query: dnnl_query_t, plain: dnnl_memory_desc_t, role: DirectConvolutionWorkspace.Role, index: Int32
        init(_ name: Int32, _ query: dnnl_query_t, _ plain: dnnl_memory_desc_t, _ role: DirectConvolutionWorkspace.Role, index: Int32 = 0) {
            (self.name, self.query, self.plain, self.role, self.index) = (name, query, plain, role, index)
        }
    }

    struct Port {
        var user: dnnl_memory_t
        /// The layout the primitive reads or writes.
        var wanted: dnnl_memory_desc_t
        /// Where the layouts differ: the primitive's memory over the workspace buffer of `role`,
        /// and the reorder between it and `user`.
        var copy: (memory: dnnl_memory_t, reorder: dnnl_primitive_t, role: DirectConvolutionWorkspace.Role)?
    }

    let primitive: dnnl_primitive_t
    let inputs: [Port]
    let outputs: [Port]
    let scratchpad: dnnl_memory_t?
    let arguments: [dnnl_exec_arg_t]

    init(pd: dnnl_primitive_desc_t, resources: Resources, workspace: DirectConvolutionWorkspace,
         inputs inputSpecs: [Argument], outputs outputSpecs: [Argument]) throws(DirectConvolutionError) {
        var arguments: [dnnl_exec_arg_t] = []
        func port(_ spec: Argument, input: Bool) throws(DirectConvolutionError) -> Port {
            guard var wanted = dnnl_primitive_desc_query_md(pd, spec.query, spec.index)?.pointee else {
                throw .library(status: -1, operation: "primitive_desc_query_md")
            }
            var plain = spec.plain
            let user = try resources.memory(plain)
            if dnnl_memory_desc_equal(&plain, &wanted) != 0 {
                arguments.append(dnnl_exec_arg_t(arg: spec.name, memory: user))
                return Port(user: user, wanted: wanted, copy: nil)
            }
            let memory = try resources.memory(wanted)
            workspace.reserve(spec.role, bytes: dnnl_memory_desc_get_size(&wanted))
            let reorder = try input ? resources.reorder(plain, wanted) : resources.reorder(wanted, plain)
            arguments.append(dnnl_exec_arg_t(arg: spec.name, memory: memory))
            return Port(user: user, wanted: wanted, copy: (memory, reorder, spec.role))
        }
        var inputPorts: [Port] = [], outputPorts: [Port] = []
        for spec in inputSpecs { inputPorts.append(try port(spec, input: true)) }
        for spec in outputSpecs { outputPorts.append(try port(spec, input: false)) }
        var scratchpad: dnnl_memory_t?
        if var descriptor = dnnl_primitive_desc_query_md(pd, dnnl_query_scratchpad_md, 0)?.pointee,
           dnnl_memory_desc_get_size(&descriptor) > 0 {
            let memory = try resources.memory(descriptor)
            workspace.reserve(.scratchpad, bytes: dnnl_memory_desc_get_size(&descriptor))
            arguments.append(dnnl_exec_arg_t(arg: DNNL_ARG_SCRATCHPAD, memory: memory))
            scratchpad = memory
        }
        self.scratchpad = scratchpad
        primitive = try resources.primitive(pd)
        inputs = inputPorts
        outputs = outputPorts
        self.arguments = arguments
    }

    /// Runs the primitive on the user buffers, reordering inputs in and outputs out (except the
    /// input at `skipReorder`, whose blocked copy the previous step left in the workspace).
    func run(inputs buffers: [UnsafeMutableRawPointer], outputs outputBuffers: [UnsafeMutableRawPointer],
             stream: dnnl_stream_t, workspace: DirectConvolutionWorkspace, skipReorder: Int? = nil) {
        if let scratchpad { dnnl_memory_set_data_handle(scratchpad, workspace.pointer(.scratchpad)) }
        for (index, (port, buffer)) in zip(inputs, buffers).enumerated() {
            dnnl_memory_set_data_handle(port.user, buffer)
            guard let copy = port.copy else { continue }
            dnnl_memory_set_data_handle(copy.memory, workspace.pointer(copy.role))
            if index != skipReorder { execute(copy.reorder, from: port.user, to: copy.memory, stream: stream) }
        }
        for (port, buffer) in zip(outputs, outputBuffers) {
            dnnl_memory_set_data_handle(port.user, buffer)
            if let copy = port.copy { dnnl_memory_set_data_handle(copy.memory, workspace.pointer(copy.role)) }
        }
        arguments.withUnsafeBufferPointer { arguments in
            let status = dnnl_primitive_execute(primitive, stream, Int32(arguments.count), arguments.baseAddress)
            precondition(status == dnnl_success, "oneDNN convolution failed (status \(status.rawValue))")
        }
        for port in outputs {
            if let copy = port.copy { execute(copy.reorder, from: copy.memory, to: port.user, stream: stream) }
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
        // The backend caps oneDNN's instruction set (`LOOM_KERNELS`) before its first kernel.
        ComputeBackend.prepare()
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
/// `auto` (or unset) picks per layer with ``choice(channels:stride:training:requested:)``.
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

    /// The algorithm for a convolution with `channels` input channels and `stride`, in training
    /// or in inference: the requested one, or for `auto` the direct path where it measured faster
    /// — stride-1 convolutions with at least ``directMinimumChannels`` input channels. The first
    /// layer of an image network (one or three channels, a small patch matrix) stays on im2col.
    /// `training` lets the rule differ by pass; measured, both passes gain, so today it does not.
    public static func choice(channels: Int, stride: Int, training: Bool,
                              requested: ConvolutionAlgorithm = requested.algorithm) -> ConvolutionAlgorithm {
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
