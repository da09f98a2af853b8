import Dataset
import Foundation
import NeuralNet
import TensorCore
import Testing
import _LoomTestSupport
@testable import Exporters

/// Small labelled images: class `k` of 3 is a bright bar in row band `k` over noise, 1×8×8.
func barImages(count: Int, seed: UInt64) throws -> ImageSet {
    var generator = SeededGenerator(seed: seed)
    var pixels: [UInt8] = [], labels: [Int32] = []
    for index in 0..<count {
        let k = index % 3
        var image = (0..<64).map { _ in UInt8(generator.next() % 70) }
        for y in (k * 3)..<min(8, k * 3 + 2) {
            for x in 1..<7 { image[y * 8 + x] = UInt8(170 + generator.next() % 80) }
        }
        pixels += image
        labels.append(Int32(k))
    }
    return try ImageSet(pixels: pixels, labels: labels, imageShape: [1, 8, 8])
}

/// A CNN with every kind of layer the study uses, and the odd `same` padding of a strided convolution.
let exportCNN: [LayerSpec] = [
    .conv(filters: 4, kernel: 3), .batchNorm, .relu, .maxPool(size: 2),
    .conv(filters: 6, kernel: 3, stride: 2, padding: .same), .gelu, .flatten,
    .dense(units: 8), .batchNorm, .leakyReLU(slope: 0.1), .dropout(rate: 0.2), .dense(units: 3),
]
/// The other layers: average pooling, valid padding, global pooling, ELU, sigmoid, tanh.
let otherLayersCNN: [LayerSpec] = [
    .conv(filters: 3, kernel: 3, padding: .valid), .elu(alpha: 0.5), .avgPool(size: 2, stride: 1),
    .conv(filters: 5, kernel: 2), .sigmoid, .globalAvgPool, .dense(units: 6), .tanh, .dense(units: 3),
]

/// A depthwise-separable convolution (a grouped Conv, then a 1×1 Conv in ONNX), strided and padded.
let depthwiseCNN: [LayerSpec] = [
    .conv(filters: 3, kernel: 3), .relu, .depthwiseConv(filters: 4, kernel: 3, stride: 2), .relu, .flatten, .dense(units: 3),
]

/// A train.mlp model: its own flatten first, then dense layers.
let mlpLayers: [LayerSpec] = [.flatten, .dense(units: 16), .tanh, .dropout(rate: 0.3), .dense(units: 12), .sigmoid, .dense(units: 3)]

/// Trains a model for a few epochs on the bar images, standardised (so the scaling matters).
func trainedModel(_ layers: [LayerSpec], epochs: Int = 3) throws -> (TrainedModel, ImageSet) {
    let images = try barImages(count: 60, seed: 4)
    let scaling = PixelScaling.standardized(mean: 0.3, standardDeviation: 0.35)
    var trainer = try Trainer(
        model: try Sequential(inputShape: [1, 8, 8], layers: layers, seed: 5),
        configuration: TrainingConfiguration(epochs: epochs, batchSize: 12, learningRate: .constant(0.01), seed: 6,
                                             pixelScaling: scaling))
    var trained = try trainer.fit(training: images)
    trained.classNames = ["top", "middle", "bottom"]
    return (trained, images)
}

/// The images in the model's scaling, `[N, C, H, W]`, as training scales them.
func scaledInputs(_ images: ImageSet, scaling: PixelScaling) -> [Float] {
    images.pixels.map { Float($0) * scaling.scale + scaling.offset }
}

@Suite struct ModelExportTests {
    @Test func onnxGraphUsesOpset17AndStandardOperators() throws {
        let (trained, _) = try trainedModel(exportCNN, epochs: 1)
        let model = ONNXExporter.model(for: trained, graphName: "cnn", metadata: ["loom_cell": "cnn"])
        #expect(model.irVersion == 8)
        #expect(model.opsetImport.map(\.version) == [17])
        #expect(model.graph.node.map(\.opType) == [
            "Conv", "BatchNormalization", "Relu", "MaxPool", "Conv", "Mul", "Erf", "Add", "Mul", "Mul", "Flatten",
            "Gemm", "BatchNormalization", "LeakyRelu", "Gemm",
        ])
        #expect(model.graph.node.last?.output == ["logits"])
        #expect(model.graph.input.map(\.name) == ["input"])
        let dims = model.graph.input[0].type.tensorType.shape.dim
        #expect(dims.map(\.dimParam) == ["N", "", "", ""])
        #expect(dims.map(\.dimValue) == [0, 1, 8, 8])
        // The strided 'same' convolution on 4×4: one pixel of padding, after (bottom, right).
        let strided = try #require(model.graph.node.filter { $0.opType == "Conv" }.last)
        #expect(strided.attribute.first { $0.name == "pads" }?.ints == [0, 0, 1, 1])
        let metadata = Dictionary(uniqueKeysWithValues: model.metadataProps.map { ($0.key, $0.value) })
        #expect(metadata["class_names"] == #"["top","middle","bottom"]"#)
        #expect(metadata["loom_cell"] == "cnn")
        #expect(metadata["input_scaling"] == "standardized: input = (pixel / 255 - 0.3) / 0.35")
        #expect(Set(model.graph.initializer.map(\.name)).isSuperset(of: [
            "layers.0.weight", "layers.0.bias", "layers.1.running_mean", "layers.1.running_var", "layers.11.weight",
        ]))
    }

    @Test func npyHeaderIsAlignedTo64Bytes() {
        let data = NPYWriter.data(float32: [1, 2, 3, 4, 5, 6], shape: [2, 3])
        #expect(data.prefix(8) == Data([0x93] + Array("NUMPY".utf8) + [1, 0]))
        let headerLength = Int(data[8]) | Int(data[9]) << 8
        #expect((10 + headerLength) % 64 == 0)
        let header = String(decoding: data[10..<(10 + headerLength)], as: UTF8.self)
        #expect(header.hasPrefix("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }"))
        #expect(header.hasSuffix("\n"))
        #expect(data.count == 10 + headerLength + 24)
        let labels = NPYWriter.data(int64: [7, -1], shape: [2])
        #expect(String(decoding: labels.prefix(70), as: UTF8.self).contains("'descr': '<i8', 'fortran_order': False, 'shape': (2,), }"))
        #expect(labels.suffix(16) == Data([7, 0, 0, 0, 0, 0, 0, 0, 255, 255, 255, 255, 255, 255, 255, 255]))
    }

    @Test func safetensorsHeaderNamesEveryParameterInPyTorchShapes() throws {
        let (trained, _) = try trainedModel(exportCNN, epochs: 1)
        let entries = SafetensorsExporter.entries(of: trained.model)
        #expect(entries.map(\.name) == [
            "layers.0.weight", "layers.0.bias",
            "layers.1.weight", "layers.1.bias", "layers.1.running_mean", "layers.1.running_var",
            "layers.4.weight", "layers.4.bias", "layers.7.weight", "layers.7.bias",
            "layers.8.weight", "layers.8.bias", "layers.8.running_mean", "layers.8.running_var",
            "layers.11.weight", "layers.11.bias",
        ])
        #expect(entries.map(\.shape) == [[4, 1, 3, 3], [4], [4], [4], [4], [4], [6, 4, 3, 3], [6], [8, 24], [8],
                                         [8], [8], [8], [8], [3, 8], [3]])
        let parameterValues = entries.filter { !$0.name.contains("running") }.reduce(0) { $0 + $1.values.count }
        #expect(parameterValues == trained.model.parameterCount)
        let data = SafetensorsExporter.data(for: trained)
        let length = data.prefix(8).enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
        #expect(length % 8 == 0)
        #expect(data.count == 8 + length + 4 * entries.reduce(0) { $0 + $1.values.count })
    }

    /// onnxruntime runs the exported graph on the images and gives loom's probabilities.
    @Test(.enabled(if: PythonTools.available, Comment(rawValue: PythonTools.missing)),
          arguments: ["all-study-layers", "other-layers", "depthwise", "mlp"])
    func onnxruntimeGivesLoomsPredictions(which: String) throws {
        let layers = switch which {
        case "all-study-layers": exportCNN
        case "other-layers": otherLayersCNN
        case "depthwise": depthwiseCNN
        default: mlpLayers
        }
        let (trained, images) = try trainedModel(layers)
        let folder = try TemporaryFolder()
        try ONNXExporter.data(for: trained, graphName: "cnn").write(to: URL(fileURLWithPath: folder.file("m.onnx")))
        try NPYWriter.data(float32: scaledInputs(images, scaling: trained.pixelScaling), shape: [images.count, 1, 8, 8])
            .write(to: URL(fileURLWithPath: folder.file("x.npy")))
        let script = """
            import json, sys, numpy as np, onnxruntime as ort
            session = ort.InferenceSession(sys.argv[1], providers=["CPUExecutionProvider"])
            x = np.load(sys.argv[2])
            (logits,) = session.run(None, {"input": x})
            meta = session.get_modelmeta().custom_metadata_map
            print(json.dumps({"logits": logits.astype(float).tolist(), "shape": list(logits.shape),
                              "input": [i.name for i in session.get_inputs()],
                              "output": [o.name for o in session.get_outputs()],
                              "classes": json.loads(meta["class_names"])}))
            """
        let result = try #require(try PythonTools.json(script: script, arguments: [folder.file("m.onnx"), folder.file("x.npy")])
            as? [String: Any])
        #expect(result["input"] as? [String] == ["input"])
        #expect(result["output"] as? [String] == ["logits"])
        #expect(result["classes"] as? [String] == ["top", "middle", "bottom"])
        #expect(result["shape"] as? [Int] == [images.count, 3])
        let logits = try #require(result["logits"] as? [[Double]])
        let theirs = Tensor(shape: [images.count, 3], scalars: logits.flatMap { $0.map(Float.init) }).softmaxRows()
        let ours = try trained.probabilities(for: images)
        let largest = zip(theirs.scalars, ours.scalars).map { abs($0 - $1) }.max() ?? 0
        #expect(largest <= 1e-4, "largest probability difference \(largest)")
        #expect(theirs.argmaxRows() == ours.argmaxRows())
    }

    /// The `safetensors` package reads every tensor with its shape, and a hand-written numpy
    /// forward pass over them gives loom's probabilities.
    @Test(.enabled(if: PythonTools.available, Comment(rawValue: PythonTools.missing)))
    func safetensorsReadBackAndReproducePredictions() throws {
        let layers: [LayerSpec] = [.conv(filters: 4, kernel: 3), .batchNorm, .relu, .maxPool(size: 2), .flatten,
                                   .dense(units: 8), .relu, .dropout(rate: 0.1), .dense(units: 3)]
        let (trained, images) = try trainedModel(layers)
        let folder = try TemporaryFolder()
        try SafetensorsExporter.data(for: trained, metadata: ["loom_cell": "cnn"])
            .write(to: URL(fileURLWithPath: folder.file("m.safetensors")))
        try NPYWriter.data(float32: scaledInputs(images, scaling: trained.pixelScaling), shape: [images.count, 1, 8, 8])
            .write(to: URL(fileURLWithPath: folder.file("x.npy")))
        let script = """
            import json, sys, numpy as np
            from safetensors import safe_open
            from safetensors.numpy import load_file
            t = load_file(sys.argv[1])
            with safe_open(sys.argv[1], "np") as f:
                meta = f.metadata()
            x = np.load(sys.argv[2]).astype(np.float64)
            def conv_same3(x, w, b):
                n, c, h, wd = x.shape
                p = np.pad(x, ((0, 0), (0, 0), (1, 1), (1, 1)))
                out = np.zeros((n, w.shape[0], h, wd))
                for i in range(3):
                    for j in range(3):
                        out += np.einsum("nchw,oc->nohw", p[:, :, i:i + h, j:j + wd], w[:, :, i, j])
                return out + b[None, :, None, None]
            def bn(x, p):
                shape = (1, -1, 1, 1)
                return (x - t[p + ".running_mean"].reshape(shape)) / np.sqrt(t[p + ".running_var"].reshape(shape) + 1e-5) \\
                    * t[p + ".weight"].reshape(shape) + t[p + ".bias"].reshape(shape)
            y = conv_same3(x, t["layers.0.weight"].astype(np.float64), t["layers.0.bias"])
            y = np.maximum(bn(y, "layers.1"), 0)
            n, c, h, w = y.shape
            y = y.reshape(n, c, h // 2, 2, w // 2, 2).max(axis=(3, 5)).reshape(n, -1)
            y = np.maximum(y @ t["layers.5.weight"].T + t["layers.5.bias"], 0)
            y = y @ t["layers.8.weight"].T + t["layers.8.bias"]
            p = np.exp(y - y.max(axis=1, keepdims=True))
            p /= p.sum(axis=1, keepdims=True)
            print(json.dumps({"shapes": {k: list(v.shape) for k, v in t.items()},
                              "dtypes": sorted({str(v.dtype) for v in t.values()}),
                              "meta": meta, "probabilities": p.tolist()}))
            """
        let result = try #require(try PythonTools.json(script: script, arguments: [folder.file("m.safetensors"), folder.file("x.npy")])
            as? [String: Any])
        let shapes = try #require(result["shapes"] as? [String: [Int]])
        let expected = Dictionary(uniqueKeysWithValues: SafetensorsExporter.entries(of: trained.model).map { ($0.name, $0.shape) })
        #expect(shapes == expected)
        #expect(shapes.count == 10)
        #expect(result["dtypes"] as? [String] == ["float32"])
        let meta = try #require(result["meta"] as? [String: String])
        #expect(meta["class_names"] == #"["top","middle","bottom"]"#)
        #expect(meta["loom_cell"] == "cnn")
        let probabilities = try #require(result["probabilities"] as? [[Double]]).flatMap { $0 }
        let ours = try trained.probabilities(for: images).scalars
        let largest = zip(probabilities, ours).map { abs($0 - Double($1)) }.max() ?? 0
        #expect(largest <= 1e-4, "largest probability difference \(largest)")
    }
}

/// The README's PyTorch module, run on exported models where PyTorch is installed.
@Suite struct ReadmeTorchTests {
    /// The README's `loom_torch.py` block, without its list indentation.
    static func readmeModule() throws -> String {
        let readme = try String(contentsOfFile: PythonTools.root + "/README.md", encoding: .utf8)
        let lines = readme.components(separatedBy: "\n")
        guard let start = lines.firstIndex(where: { $0.trimmingCharacters(in: .whitespaces).hasPrefix("# loom_torch.py") }),
              let end = lines[start...].firstIndex(where: { $0.trimmingCharacters(in: .whitespaces) == "```" }) else {
            throw PythonTools.ScriptFailure(message: "README.md has no '# loom_torch.py' block")
        }
        return lines[start..<end].map { $0.hasPrefix("  ") ? String($0.dropFirst(2)) : $0 }.joined(separator: "\n")
    }

    @Test func readmeHasTheModule() throws {
        #expect(try Self.readmeModule().contains("def loom_model(path):"))
    }

    @Test(.enabled(if: PythonTools.torchPython != nil, "needs PyTorch and safetensors in benchmarks/.venv ('make bench' installs them)"),
          arguments: ["all-study-layers", "other-layers"])
    func theReadmesPyTorchModuleReproducesLoomsPredictions(which: String) throws {
        let python = try #require(PythonTools.torchPython)
        let (trained, images) = try trainedModel(which == "all-study-layers" ? exportCNN : otherLayersCNN)
        let folder = try TemporaryFolder()
        try SafetensorsExporter.data(for: trained).write(to: URL(fileURLWithPath: folder.file("m.safetensors")))
        try NPYWriter.data(float32: images.pixels.map(Float.init), shape: [images.count, 1, 8, 8])
            .write(to: URL(fileURLWithPath: folder.file("pixels.npy")))
        let script = try Self.readmeModule() + """

            import sys, numpy as np
            model, classes, scale, offset = loom_model(sys.argv[1])
            pixels = np.load(sys.argv[2])
            with torch.no_grad():
                p = torch.softmax(model(torch.from_numpy(pixels).float() * scale + offset), dim=1)
            print(json.dumps({"classes": classes, "probabilities": p.double().tolist()}))
            """
        let result = try #require(try PythonTools.json(python, script: script,
                                                       arguments: [folder.file("m.safetensors"), folder.file("pixels.npy")])
            as? [String: Any])
        #expect(result["classes"] as? [String] == ["top", "middle", "bottom"])
        let probabilities = try #require(result["probabilities"] as? [[Double]]).flatMap { $0 }
        let ours = try trained.probabilities(for: images).scalars
        let largest = zip(probabilities, ours).map { abs($0 - Double($1)) }.max() ?? 1
        #expect(probabilities.count == ours.count)
        #expect(largest <= 1e-4, "largest probability difference \(largest)")
    }
}
