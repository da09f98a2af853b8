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
        var entries: [Entry] = []
        var bufferOffset = 0
        let buffers = model.buffers.scalars
        let inputShapes = [model.inputShape] + model.layerOutputShapes.dropLast()
        for (index, spec) in model.layers.enumerated() {
            let parameters = model.layerParameters(index)
            let prefix = "layers.\(index)"
            switch spec {
            case .conv, .dense:
                entries.append(Entry(name: "\(prefix).weight", shape: parameters[0].shape, values: parameters[0].scalars))
                entries.append(Entry(name: "\(prefix).bias", shape: parameters[1].shape, values: parameters[1].scalars))
            case .depthwiseConv(let filters, let kernel, _, _):
                // PyTorch's form: nn.Conv2d(C, C, k, groups=C, bias=False), then nn.Conv2d(C, F, 1).
                let channels = inputShapes[index][0]
                entries.append(Entry(name: "\(prefix).depthwise.weight", shape: [channels, 1, kernel, kernel], values: parameters[0].scalars))
                entries.append(Entry(name: "\(prefix).pointwise.weight", shape: [filters, channels, 1, 1], values: parameters[1].scalars))
                entries.append(Entry(name: "\(prefix).pointwise.bias", shape: [filters], values: parameters[2].scalars))
            case .batchNorm:
                let channels = inputShapes[index][0]
                entries.append(Entry(name: "\(prefix).weight", shape: [channels], values: parameters[0].scalars))
                entries.append(Entry(name: "\(prefix).bias", shape: [channels], values: parameters[1].scalars))
                entries.append(Entry(name: "\(prefix).running_mean", shape: [channels],
                                     values: Array(buffers[bufferOffset..<bufferOffset + channels])))
                entries.append(Entry(name: "\(prefix).running_var", shape: [channels],
                                     values: Array(buffers[bufferOffset + channels..<bufferOffset + 2 * channels])))
                bufferOffset += 2 * channels
            case .maxPool, .avgPool, .globalAvgPool, .flatten, .dropout, .relu, .leakyReLU, .elu, .gelu, .sigmoid, .tanh:
                break
            }
        }
        return entries
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
