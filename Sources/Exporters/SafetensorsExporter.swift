import Foundation
import NeuralNet
import TensorCore

/// Writes a trained model's weights as safetensors (the format of Hugging Face's `safetensors`
/// package): every parameter under PyTorch's `nn.Sequential` names, so that
/// `model.load_state_dict(safetensors.torch.load_file(path))` loads it.
///
/// Layer `i` of the model (counting train.mlp's own leading `flatten`) gives `layers.i.weight` and
/// `layers.i.bias`: convolution weights `out×in×kH×kW`, dense weights `out×in` (as `nn.Conv2d`
/// and `nn.Linear` store them), batch norm's scale and shift plus `running_mean` and
/// `running_var`. All tensors are little-endian F32. The header's `__metadata__` holds the class
/// names, the input scaling and the architecture (loom's layer list as JSON).
public enum SafetensorsExporter {
    /// One named tensor of the file.
    public struct Entry: Sendable, Equatable {
        public var name: String
        public var shape: [Int]
        public var values: [Float]
    }

    /// Every parameter and batch-norm statistic, in layer order.
    public static func entries(of model: Sequential) -> [Entry] {
        var tensors = TensorList()
        _ = model.export(into: &tensors, input: "input")
        return tensors.entries
    }

    /// The tensors each layer exports (``LayerKind/export(_:into:)``), without the operators.
    private struct TensorList: LayerGraph {
        var entries: [Entry] = []

        mutating func tensor(_ name: String, shape: [Int], values: [Float]) -> String {
            entries.append(Entry(name: name, shape: shape, values: values))
            return name
        }

        func constant(_ name: String, _ value: Float) -> String { name }

        func node(_ operation: String, _ name: String, inputs: [String], attributes: [GraphAttribute]) -> String { name }
    }

    /// The file's bytes: an 8-byte little-endian header length, the JSON header (padded with
    /// spaces to a multiple of 8), then the tensors' bytes in order.
    ///
    /// - Parameter metadata: `__metadata__` entries (text only, as the format requires).
    public static func data(for trained: TrainedModel, metadata: [String: String] = [:]) -> Data {
        let entries = entries(of: trained.model)
        var fields: [String] = []
        var offset = 0
        for entry in entries {
            let size = entry.values.count * 4
            fields.append("\(jsonString(entry.name)):{\"dtype\":\"F32\",\"shape\":[\(entry.shape.map(String.init).joined(separator: ","))],"
                          + "\"data_offsets\":[\(offset),\(offset + size)]}")
            offset += size
        }
        var allMetadata = ONNXExporter.modelMetadata(trained, extra: metadata)
        allMetadata["format"] = "pt"
        allMetadata["layers"] = architectureJSON(trained.model)
        let metadataText = allMetadata.sorted { $0.key < $1.key }
            .map { "\(jsonString($0.key)):\(jsonString($0.value))" }.joined(separator: ",")
        var header = "{\"__metadata__\":{\(metadataText)}" + (fields.isEmpty ? "" : ",") + fields.joined(separator: ",") + "}"
        while header.utf8.count % 8 != 0 { header += " " }
        var data = Data()
        withUnsafeBytes(of: UInt64(header.utf8.count).littleEndian) { data.append(contentsOf: $0) }
        data.append(Data(header.utf8))
        for entry in entries { data.append(littleEndianBytes(entry.values)) }
        return data
    }

    /// The input shape and the layer list, as loom stores them (JSON).
    static func architectureJSON(_ model: Sequential) -> String {
        struct Architecture: Encodable {
            var inputShape: [Int]
            var layers: [LayerSpec]
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        guard let data = try? encoder.encode(Architecture(inputShape: model.inputShape, layers: model.layers)) else { return "" }
        return String(decoding: data, as: UTF8.self)
    }
}

/// A JSON string literal.
func jsonString(_ text: String) -> String {
    let encoded = jsonArray([text])
    return String(encoded.dropFirst().dropLast())
}
