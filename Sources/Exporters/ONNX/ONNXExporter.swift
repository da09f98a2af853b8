import Foundation
import NeuralNet
import SwiftProtobuf
import TensorCore

/// Writes a trained model as an ONNX model (opset 17) that onnxruntime, Netron and the other
/// ONNX tools read.
///
/// The graph takes `input`, `N×C×H×W` Float32 already in the data set's scaling (the model's
/// ``TrainedModel/pixelScaling``: `pixel · scale + offset`, both stored in the metadata), and gives
/// `logits`, `N×classes`. Every layer maps to standard operators: `Conv` (explicit pads, so
/// `same` padding keeps loom's rule of the odd pixel after), `MaxPool`, `AveragePool`,
/// `GlobalAveragePool`, `Gemm` (weights `out×in`, `transB`), `Flatten`, `BatchNormalization` in
/// inference mode with the running statistics, `Relu`, `LeakyRelu`, `Elu`, `Sigmoid`, `Tanh`,
/// and GELU written out with `Erf` (the `Gelu` operator needs opset 20). Dropout is the identity
/// in inference and is left out. Initializers are named like the safetensors export
/// (`layers.0.weight`). The class names are in the metadata as `class_names` (a JSON array).
public enum ONNXExporter {
    /// The ONNX operator set the graph uses.
    public static let opsetVersion: Int64 = 17
    /// The IR version that goes with opset 17.
    public static let irVersion: Int64 = 8

    /// The serialised ONNX model.
    ///
    /// - Parameters:
    ///   - trained: the model, with its pixel scaling and class names.
    ///   - graphName: the graph's name (the cell's result name).
    ///   - metadata: more `metadata_props` entries (where the model came from).
    public static func data(for trained: TrainedModel, graphName: String, metadata: [String: String] = [:]) throws -> Data {
        try model(for: trained, graphName: graphName, metadata: metadata).serializedData()
    }

    /// The ONNX model as a protobuf message.
    static func model(for trained: TrainedModel, graphName: String, metadata: [String: String]) -> Onnx_ModelProto {
        var graph = GraphBuilder()
        let model = trained.model
        var current = "input"
        var shape = model.inputShape
        var bufferOffset = 0
        let buffers = model.buffers.scalars
        for (index, spec) in model.layers.enumerated() {
            let prefix = "layers.\(index)"
            let output = model.layerOutputShapes[index]
            let parameters = model.layerParameters(index)
            switch spec {
            case .conv(_, let kernel, let stride, let padding):
                let weight = graph.initializer("\(prefix).weight", parameters[0])
                let bias = graph.initializer("\(prefix).bias", parameters[1])
                let pads = convolutionPads(input: shape, output: output, kernel: kernel, stride: stride, padding: padding)
                current = graph.node("Conv", prefix, inputs: [current, weight, bias], attributes: [
                    .ints("kernel_shape", [kernel, kernel]), .ints("strides", [stride, stride]), .ints("pads", pads),
                    .ints("dilations", [1, 1]), .int("group", 1),
                ])
            case .depthwiseConv(let filters, let kernel, let stride, let padding):
                // A grouped convolution (one k×k filter per channel, no bias), then a 1×1 one.
                let channels = shape[0]
                let depthwise = graph.initializer("\(prefix).depthwise.weight", shape: [channels, 1, kernel, kernel],
                                                  values: parameters[0].scalars)
                let pointwise = graph.initializer("\(prefix).pointwise.weight", shape: [filters, channels, 1, 1],
                                                  values: parameters[1].scalars)
                let bias = graph.initializer("\(prefix).pointwise.bias", parameters[2])
                let pads = convolutionPads(input: shape, output: output, kernel: kernel, stride: stride, padding: padding)
                let middle = graph.node("Conv", prefix + ".depthwise", inputs: [current, depthwise], attributes: [
                    .ints("kernel_shape", [kernel, kernel]), .ints("strides", [stride, stride]), .ints("pads", pads),
                    .ints("dilations", [1, 1]), .int("group", channels),
                ])
                current = graph.node("Conv", prefix, inputs: [middle, pointwise, bias], attributes: [
                    .ints("kernel_shape", [1, 1]), .ints("strides", [1, 1]), .ints("pads", [0, 0, 0, 0]),
                    .ints("dilations", [1, 1]), .int("group", 1),
                ])
            case .maxPool(let size, let stride), .avgPool(let size, let stride):
                let operation = if case .maxPool = spec { "MaxPool" } else { "AveragePool" }
                current = graph.node(operation, prefix, inputs: [current], attributes: [
                    .ints("kernel_shape", [size, size]), .ints("strides", [stride ?? size, stride ?? size]),
                    .ints("pads", [0, 0, 0, 0]),
                ])
            case .globalAvgPool:
                current = graph.node("GlobalAveragePool", prefix, inputs: [current])
                current = graph.node("Flatten", prefix + ".flatten", inputs: [current], attributes: [.int("axis", 1)])
            case .dense:
                let weight = graph.initializer("\(prefix).weight", parameters[0])
                let bias = graph.initializer("\(prefix).bias", parameters[1])
                current = graph.node("Gemm", prefix, inputs: [current, weight, bias], attributes: [
                    .float("alpha", 1), .float("beta", 1), .int("transB", 1),
                ])
            case .flatten:
                current = graph.node("Flatten", prefix, inputs: [current], attributes: [.int("axis", 1)])
            case .dropout:
                break
            case .batchNorm:
                let channels = shape[0]
                let scale = graph.initializer("\(prefix).weight", parameters[0])
                let bias = graph.initializer("\(prefix).bias", parameters[1])
                let mean = graph.initializer("\(prefix).running_mean", shape: [channels],
                                             values: Array(buffers[bufferOffset..<bufferOffset + channels]))
                let variance = graph.initializer("\(prefix).running_var", shape: [channels],
                                                 values: Array(buffers[bufferOffset + channels..<bufferOffset + 2 * channels]))
                bufferOffset += 2 * channels
                current = graph.node("BatchNormalization", prefix, inputs: [current, scale, bias, mean, variance],
                                     attributes: [.float("epsilon", 1e-5), .float("momentum", 0.9)])
            case .relu:
                current = graph.node("Relu", prefix, inputs: [current])
            case .leakyReLU(let slope):
                current = graph.node("LeakyRelu", prefix, inputs: [current], attributes: [.float("alpha", slope)])
            case .elu(let alpha):
                current = graph.node("Elu", prefix, inputs: [current], attributes: [.float("alpha", alpha)])
            case .sigmoid:
                current = graph.node("Sigmoid", prefix, inputs: [current])
            case .tanh:
                current = graph.node("Tanh", prefix, inputs: [current])
            case .gelu:
                // 0.5 · x · (1 + erf(x · 1/√2)), as NeuralNet computes it.
                let x = current
                let inverseRoot2 = graph.constant("\(prefix).inverse_sqrt2", 0.707_106_77)
                let one = graph.constant("\(prefix).one", 1)
                let half = graph.constant("\(prefix).half", 0.5)
                var y = graph.node("Mul", prefix + ".scaled", inputs: [x, inverseRoot2])
                y = graph.node("Erf", prefix + ".erf", inputs: [y])
                y = graph.node("Add", prefix + ".cdf", inputs: [y, one])
                y = graph.node("Mul", prefix + ".times_x", inputs: [x, y])
                current = graph.node("Mul", prefix, inputs: [y, half])
            }
            shape = output
        }
        graph.finish(output: current, as: "logits")

        var proto = Onnx_GraphProto()
        proto.name = graphName
        proto.node = graph.nodes
        proto.initializer = graph.initializers
        proto.input = [valueInfo("input", dimensions: [.param("N")] + model.inputShape.map { .value($0) })]
        proto.output = [valueInfo("logits", dimensions: [.param("N"), .value(trained.classCount)])]
        proto.docString = "loom model '\(graphName)': input N×\(model.inputShape.map(String.init).joined(separator: "×")) "
            + "Float32 (pixel · \(trained.pixelScaling.scale) + \(trained.pixelScaling.offset)), output logits N×\(trained.classCount)"

        var result = Onnx_ModelProto()
        result.irVersion = irVersion
        var opset = Onnx_OperatorSetIdProto()
        opset.domain = ""
        opset.version = opsetVersion
        result.opsetImport = [opset]
        result.producerName = "loom"
        result.producerVersion = loomVersion
        result.graph = proto
        result.docString = proto.docString
        result.metadataProps = modelMetadata(trained, extra: metadata).sorted { $0.key < $1.key }.map { key, value in
            var entry = Onnx_StringStringEntryProto()
            entry.key = key
            entry.value = value
            return entry
        }
        return result
    }

    /// loom's version, recorded as the producer.
    static let loomVersion = "0.1.0"

    /// `class_names` and the input scaling, plus the caller's entries.
    static func modelMetadata(_ trained: TrainedModel, extra: [String: String]) -> [String: String] {
        var entries = extra
        let names = trained.classNames.isEmpty ? (0..<trained.classCount).map(String.init) : trained.classNames
        entries["class_names"] = jsonArray(names)
        entries["input_scale"] = "\(trained.pixelScaling.scale)"
        entries["input_offset"] = "\(trained.pixelScaling.offset)"
        entries["input_scaling"] = switch trained.pixelScaling {
        case .unit: "unit: input = pixel / 255"
        case .standardized(let mean, let deviation): "standardized: input = (pixel / 255 - \(mean)) / \(deviation)"
        }
        return entries
    }

    /// ONNX `pads` for one convolution: `[top, left, bottom, right]`, the odd extra pixel of
    /// `same` padding at the bottom and right (as NeuralNet pads).
    static func convolutionPads(input: [Int], output: [Int], kernel: Int, stride: Int, padding: Padding) -> [Int] {
        guard padding == .same else { return [0, 0, 0, 0] }
        let totalHeight = max((output[1] - 1) * stride + kernel - input[1], 0)
        let totalWidth = max((output[2] - 1) * stride + kernel - input[2], 0)
        return [totalHeight / 2, totalWidth / 2, totalHeight - totalHeight / 2, totalWidth - totalWidth / 2]
    }

    enum Dimension {
        case value(Int)
        case param(String)
    }

    static func valueInfo(_ name: String, dimensions: [Dimension]) -> Onnx_ValueInfoProto {
        var tensor = Onnx_TypeProto.Tensor()
        tensor.elemType = Int32(Onnx_TensorProto.DataType.float.rawValue)
        tensor.shape.dim = dimensions.map { dimension in
            var dim = Onnx_TensorShapeProto.Dimension()
            switch dimension {
            case .value(let value): dim.dimValue = Int64(value)
            case .param(let name): dim.dimParam = name
            }
            return dim
        }
        var type = Onnx_TypeProto()
        type.tensorType = tensor
        var info = Onnx_ValueInfoProto()
        info.name = name
        info.type = type
        return info
    }
}

/// Builds a graph node by node, with unique value names.
struct GraphBuilder {
    private(set) var nodes: [Onnx_NodeProto] = []
    private(set) var initializers: [Onnx_TensorProto] = []

    enum Attribute {
        case int(String, Int)
        case float(String, Float)
        case ints(String, [Int])
    }

    /// Adds a node with one output, named after the node; returns the output's name.
    mutating func node(_ operation: String, _ name: String, inputs: [String], attributes: [Attribute] = []) -> String {
        var node = Onnx_NodeProto()
        node.opType = operation
        node.name = name
        node.input = inputs
        node.output = ["\(name).output"]
        node.attribute = attributes.map { attribute in
            var proto = Onnx_AttributeProto()
            switch attribute {
            case .int(let name, let value):
                proto.name = name
                proto.type = .int
                proto.i = Int64(value)
            case .float(let name, let value):
                proto.name = name
                proto.type = .float
                proto.f = value
            case .ints(let name, let values):
                proto.name = name
                proto.type = .ints
                proto.ints = values.map(Int64.init)
            }
            return proto
        }
        nodes.append(node)
        return node.output[0]
    }

    /// Adds a Float32 initializer; returns its name.
    mutating func initializer(_ name: String, _ tensor: Tensor) -> String {
        initializer(name, shape: tensor.shape, values: tensor.scalars)
    }

    mutating func initializer(_ name: String, shape: [Int], values: [Float]) -> String {
        var proto = Onnx_TensorProto()
        proto.name = name
        proto.dims = shape.map(Int64.init)
        proto.dataType = Int32(Onnx_TensorProto.DataType.float.rawValue)
        proto.rawData = littleEndianBytes(values)
        initializers.append(proto)
        return name
    }

    /// A scalar Float32 constant (broadcast by `Mul`/`Add`).
    mutating func constant(_ name: String, _ value: Float) -> String {
        initializer(name, shape: [], values: [value])
    }

    /// Renames the value `name` (the last node's output) to `output`; with no node, adds an `Identity`.
    mutating func finish(output name: String, as output: String) {
        if let last = nodes.indices.last, nodes[last].output == [name] {
            nodes[last].output = [output]
        } else {
            _ = node("Identity", output, inputs: [name])
            nodes[nodes.count - 1].output = [output]
        }
    }
}

/// The values as little-endian IEEE 754 bytes.
func littleEndianBytes(_ values: [Float]) -> Data {
    var data = Data(capacity: values.count * 4)
    for value in values {
        withUnsafeBytes(of: value.bitPattern.littleEndian) { data.append(contentsOf: $0) }
    }
    return data
}

/// `["a","b"]`, JSON-escaped.
func jsonArray(_ strings: [String]) -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.withoutEscapingSlashes]
    guard let data = try? encoder.encode(strings) else { return "[]" }
    return String(decoding: data, as: UTF8.self)
}
