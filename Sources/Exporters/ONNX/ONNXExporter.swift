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
        // Each layer kind adds its own operators and initializers (``LayerKind/export(_:into:)``).
        let current = model.export(into: &graph, input: "input")
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

/// Builds a graph node by node, with unique value names; the model's tensors are initializers.
struct GraphBuilder: LayerGraph {
    private(set) var nodes: [Onnx_NodeProto] = []
    private(set) var initializers: [Onnx_TensorProto] = []

    /// Adds a node with one output, named after the node; returns the output's name.
    mutating func node(_ operation: String, _ name: String, inputs: [String], attributes: [GraphAttribute]) -> String {
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
    mutating func tensor(_ name: String, shape: [Int], values: [Float]) -> String {
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
        tensor(name, shape: [], values: [value])
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
