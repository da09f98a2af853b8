import CDNNL

/// Reduced-precision inference: matrix products with both operands rounded to bfloat16 (8 bits of
/// mantissa, Float32's range) and the sums kept in Float32, through oneDNN's `avx512_core_bf16`
/// (or AMX) kernels, which do twice the multiply-adds per instruction that Float32 does.
///
/// Only for inference (training stays Float32), and only where the processor has the
/// instructions: ``availability`` says whether it does. NeuralNet's dense layers use it under
/// `InferencePrecision.bfloat16`.
public enum BFloat16 {
    /// Rounds `count` floats to bfloat16, to nearest with ties to even (as the hardware's
    /// `vcvtneps2bf16` does); NaN stays NaN.
    public static func round(_ source: UnsafePointer<Float>, into destination: UnsafeMutablePointer<UInt16>, count: Int) {
        // A plain loop of integer operations and a select, which the compiler vectorises.
        source.withMemoryRebound(to: UInt32.self, capacity: count) { bits in
            for index in 0..<count { destination[index] = rounded(bits: bits[index]) }
        }
    }

    /// One float rounded to bfloat16 bits.
    @inline(__always)
    public static func one(_ value: Float) -> UInt16 { rounded(bits: value.bitPattern) }

    /// The bfloat16 bits nearest a float's bits (ties to even); a NaN stays a (quiet) NaN.
    @inline(__always)
    static func rounded(bits value: UInt32) -> UInt16 {
        let rounded = (value &+ 0x7FFF &+ ((value &>> 16) & 1)) &>> 16
        // NaN (exponent all ones, mantissa non-zero) must not round into infinity.
        let isNaN = value & 0x7FFF_FFFF > 0x7F80_0000
        return UInt16(truncatingIfNeeded: isNaN ? (value &>> 16) | 0x40 : rounded)
    }

    /// The Float32 value of bfloat16 bits.
    @inline(__always)
    public static func value(_ bits: UInt16) -> Float { Float(bitPattern: UInt32(bits) << 16) }

    /// Whether bfloat16 products run on native instructions here, and oneDNN's kernel name (or
    /// why not).
    public static let availability: (available: Bool, detail: String) = {
        do throws(BFloat16Error) {
            let product = try BFloat16Product(rows: 16, inputs: 64, units: 32, relu: false)
            return (true, product.implementation)
        } catch {
            return (false, error.description)
        }
    }()
}

/// Why a ``BFloat16Product`` cannot be built.
public enum BFloat16Error: Error, Sendable, CustomStringConvertible, Equatable {
    /// oneDNN has no native bfloat16 kernel on this processor (it lacks AVX512_BF16 and AMX).
    case unsupported(instructionSet: String, implementation: String?)
    /// A oneDNN call failed.
    case library(status: Int, operation: String)

    public var description: String {
        switch self {
        case .unsupported(let isa, let implementation):
            "bfloat16 inference needs AVX512_BF16 or AMX instructions, which this processor (or LOOM_KERNELS) rules out: "
                + "oneDNN runs \(isa) kernels here and "
                + (implementation.map { "offers only '\($0)' for bfloat16" } ?? "has no bfloat16 matrix product for them")
                + "; use 'precision: fp32'"
        case .library(let status, let operation): "oneDNN's \(operation) failed (status \(status))"
        }
    }
}

/// `Y = X·Wᵀ + b` (then ReLU if asked) for `rows` samples with `X` and `W` in bfloat16 and `Y`,
/// `b` in Float32: a oneDNN matmul on plain row-major buffers (`X` `[rows, inputs]`, `W`
/// `[units, inputs]` as loom stores dense weights).
///
/// It holds oneDNN memory objects whose buffers are set per call, so one instance may move between
/// threads (hence `Sendable`) but must run on one thread at a time; it runs on the calling thread
/// only (no OpenMP team).
public final class BFloat16Product: @unchecked Sendable {
    /// The samples per call.
    public let rows: Int
    /// The inputs per sample.
    public let inputs: Int
    /// The outputs per sample.
    public let units: Int
    /// oneDNN's kernel, e.g. `brg:avx512_core_bf16`.
    public let implementation: String

    private let primitive: dnnl_primitive_t
    private let stream: dnnl_stream_t
    private let source, weights, bias, destination: dnnl_memory_t
    private let scratchpad: dnnl_memory_t?
    private let scratchpadBuffer: UnsafeMutableRawPointer?

    /// Builds the product for one shape.
    ///
    /// - Throws: ``BFloat16Error/unsupported(instructionSet:implementation:)`` where oneDNN has
    ///   no native bfloat16 kernel (it would emulate bfloat16 more slowly than Float32 runs).
    public init(rows: Int, inputs: Int, units: Int, relu: Bool) throws(BFloat16Error) {
        DirectConvolution.useCallingThreadOnly()
        (self.rows, self.inputs, self.units) = (rows, inputs, units)
        guard let engine = DNNLEngine.shared.engine else { throw .library(status: -1, operation: "engine_create") }
        func descriptor(_ dims: [Int64], _ type: dnnl_data_type_t, _ tag: dnnl_format_tag_t) throws(BFloat16Error) -> dnnl_memory_desc_t {
            var descriptor = dnnl_memory_desc_t()
            try check(dnnl_memory_desc_init_by_tag(&descriptor, Int32(dims.count), dims, type, tag), "memory_desc_init_by_tag")
            return descriptor
        }
        let (m, k, n) = (Int64(rows), Int64(inputs), Int64(units))
        var sourceDescriptor = try descriptor([m, k], dnnl_bf16, dnnl_ab)
        var weightsDescriptor = try descriptor([k, n], dnnl_bf16, dnnl_ba)   // [units, inputs] row-major
        var biasDescriptor = try descriptor([1, n], dnnl_f32, dnnl_ab)
        var destinationDescriptor = try descriptor([m, n], dnnl_f32, dnnl_ab)
        var matmul = dnnl_matmul_desc_t()
        try check(dnnl_matmul_desc_init(&matmul, &sourceDescriptor, &weightsDescriptor, &biasDescriptor, &destinationDescriptor),
                  "matmul_desc_init")
        var attributes: dnnl_primitive_attr_t?
        try check(dnnl_primitive_attr_create(&attributes), "primitive_attr_create")
        defer { dnnl_primitive_attr_destroy(attributes) }
        try check(dnnl_primitive_attr_set_scratchpad_mode(attributes, dnnl_scratchpad_mode_user), "set_scratchpad_mode")
        if relu {
            var postOps: dnnl_post_ops_t?
            try check(dnnl_post_ops_create(&postOps), "post_ops_create")
            defer { dnnl_post_ops_destroy(postOps) }
            try check(dnnl_post_ops_append_eltwise(postOps, 1, dnnl_eltwise_relu, 0, 0), "post_ops_append_eltwise")
            try check(dnnl_primitive_attr_set_post_ops(attributes, postOps), "set_post_ops")
        }
        var pd: dnnl_primitive_desc_t?
        let created = dnnl_primitive_desc_create(&pd, &matmul, attributes, engine, nil)
        if created == dnnl_unimplemented {
            throw .unsupported(instructionSet: ComputeBackend.current.oneDNNInstructionSet, implementation: nil)
        }
        try check(created, "primitive_desc_create")
        guard let pd else { throw .library(status: -1, operation: "primitive_desc_create") }
        defer { dnnl_primitive_desc_destroy(pd) }
        var name: UnsafePointer<CChar>?
        implementation = dnnl_primitive_desc_query(pd, dnnl_query_impl_info_str, 0, &name) == dnnl_success
            ? name.map { String(cString: $0) } ?? "unknown" : "unknown"
        guard implementation.contains("bf16") || implementation.contains("amx") else {
            throw .unsupported(instructionSet: ComputeBackend.current.oneDNNInstructionSet, implementation: implementation)
        }
        func memory(_ descriptor: inout dnnl_memory_desc_t) throws(BFloat16Error) -> dnnl_memory_t {
            var memory: dnnl_memory_t?
            try check(dnnl_memory_create(&memory, &descriptor, engine, nil), "memory_create")
            guard let memory else { throw .library(status: -1, operation: "memory_create") }
            return memory
        }
        source = try memory(&sourceDescriptor)
        weights = try memory(&weightsDescriptor)
        bias = try memory(&biasDescriptor)
        destination = try memory(&destinationDescriptor)
        if var scratch = dnnl_primitive_desc_query_md(pd, dnnl_query_scratchpad_md, 0)?.pointee,
           dnnl_memory_desc_get_size(&scratch) > 0 {
            let size = dnnl_memory_desc_get_size(&scratch)
            scratchpad = try memory(&scratch)
            scratchpadBuffer = .allocate(byteCount: size, alignment: 64)
        } else {
            (scratchpad, scratchpadBuffer) = (nil, nil)
        }
        var stream: dnnl_stream_t?
        try check(dnnl_stream_create(&stream, engine, UInt32(dnnl_stream_default_flags.rawValue)), "stream_create")
        guard let stream else { throw .library(status: -1, operation: "stream_create") }
        self.stream = stream
        var primitive: dnnl_primitive_t?
        try check(dnnl_primitive_create(&primitive, pd), "primitive_create")
        guard let primitive else { throw .library(status: -1, operation: "primitive_create") }
        self.primitive = primitive
    }

    deinit {
        dnnl_primitive_destroy(primitive)
        for memory in [source, weights, bias, destination] { dnnl_memory_destroy(memory) }
        if let scratchpad { dnnl_memory_destroy(scratchpad) }
        scratchpadBuffer?.deallocate()
        dnnl_stream_destroy(stream)
    }

    /// `output ← input·weightsᵀ + bias` (ReLU'd if built so): `input` `[rows, inputs]` and
    /// `weights` `[units, inputs]` in bfloat16 (``BFloat16/round(_:into:count:)``), `bias`
    /// `[units]` and `output` `[rows, units]` in Float32.
    public func run(input: UnsafePointer<UInt16>, weights weightBits: UnsafePointer<UInt16>, bias biasValues: UnsafePointer<Float>,
                    output: UnsafeMutablePointer<Float>) {
        DirectConvolution.useCallingThreadOnly()
        dnnl_memory_set_data_handle(source, UnsafeMutableRawPointer(mutating: input))
        dnnl_memory_set_data_handle(weights, UnsafeMutableRawPointer(mutating: weightBits))
        dnnl_memory_set_data_handle(bias, UnsafeMutableRawPointer(mutating: biasValues))
        dnnl_memory_set_data_handle(destination, output)
        var arguments = [dnnl_exec_arg_t(arg: DNNL_ARG_SRC, memory: source), dnnl_exec_arg_t(arg: DNNL_ARG_WEIGHTS, memory: weights),
                         dnnl_exec_arg_t(arg: DNNL_ARG_BIAS, memory: bias), dnnl_exec_arg_t(arg: DNNL_ARG_DST, memory: destination)]
        if let scratchpad {
            dnnl_memory_set_data_handle(scratchpad, scratchpadBuffer)
            arguments.append(dnnl_exec_arg_t(arg: DNNL_ARG_SCRATCHPAD, memory: scratchpad))
        }
        let status = arguments.withUnsafeBufferPointer { dnnl_primitive_execute(primitive, stream, Int32($0.count), $0.baseAddress) }
        precondition(status == dnnl_success, "oneDNN bfloat16 matmul failed (status \(status.rawValue))")
        dnnl_stream_wait(stream)
    }
}

@inline(__always)
private func check(_ status: dnnl_status_t, _ operation: String) throws(BFloat16Error) {
    guard status == dnnl_success else { throw .library(status: Int(status.rawValue), operation: operation) }
}
