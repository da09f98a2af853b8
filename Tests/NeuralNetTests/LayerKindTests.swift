import Foundation
import Testing
import TensorCore
@testable import NeuralNet

@Suite struct LayerKindTests {
    /// One layer of every kind, with its saved form as the former `LayerSpec` enum's synthesized
    /// `Codable` wrote it (so models cached before layer kinds existed still load).
    static let savedForms: [(LayerSpec, String)] = [
        (.conv(filters: 8, kernel: 3, stride: 2, padding: .valid), #"{"conv":{"filters":8,"kernel":3,"padding":"valid","stride":2}}"#),
        (.depthwiseConv(filters: 16, kernel: 5), #"{"depthwiseConv":{"filters":16,"kernel":5,"padding":"same","stride":1}}"#),
        (.maxPool(size: 2), #"{"maxPool":{"size":2}}"#),
        (.avgPool(size: 3, stride: 1), #"{"avgPool":{"size":3,"stride":1}}"#),
        (.globalAvgPool, #"{"globalAvgPool":{}}"#),
        (.flatten, #"{"flatten":{}}"#),
        (.dense(units: 10), #"{"dense":{"units":10}}"#),
        (.dropout(rate: 0.25), #"{"dropout":{"rate":0.25}}"#),
        (.batchNorm, #"{"batchNorm":{}}"#),
        (.relu, #"{"relu":{}}"#),
        (.leakyReLU(slope: 0.5), #"{"leakyReLU":{"slope":0.5}}"#),
        (.elu(alpha: 1.5), #"{"elu":{"alpha":1.5}}"#),
        (.gelu, #"{"gelu":{}}"#),
        (.sigmoid, #"{"sigmoid":{}}"#),
        (.tanh, #"{"tanh":{}}"#),
    ]

    @Test func everyKindHasASavedFormTestedHere() {
        #expect(Set(Self.savedForms.map(\.0.name)) == Set(LayerKinds.all.map { $0.name }))
    }

    @Test(arguments: savedForms)
    func savedFormIsTheFormerEnumsAndReadsBack(spec: LayerSpec, json: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        #expect(String(decoding: try encoder.encode(spec), as: UTF8.self) == json)
        #expect(try JSONDecoder().decode(LayerSpec.self, from: Data(json.utf8)) == spec)
    }

    @Test(arguments: [#"{"convolution":{"filters":8}}"#, #"{"relu":{},"tanh":{}}"#, #"{"dense":{}}"#])
    func savedFormsThatAreNotALayerAreRejected(json: String) {
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(LayerSpec.self, from: Data(json.utf8)) }
    }

    @Test func registryIsConsistent() {
        #expect(LayerKinds.problems() == [])
        #expect(LayerKinds.all.first?.name == "conv")
    }

    @Test func equalityAndHashingFollowTheKindAndItsSettings() {
        #expect(LayerSpec.dense(units: 3) == .dense(units: 3))
        #expect(LayerSpec.dense(units: 3) != .dense(units: 4))
        #expect(LayerSpec.conv(filters: 4, kernel: 3) != .depthwiseConv(filters: 4, kernel: 3))
        #expect(Set<LayerSpec>([.relu, .relu, .tanh, .dense(units: 2)]).count == 3)
        #expect(LayerSpec.conv(filters: 4, kernel: 3).as(ConvolutionLayer.self)?.filters == 4)
        #expect(LayerSpec.relu.as(ConvolutionLayer.self) == nil)
    }

    @Test func settingsAreReadAndWrittenThroughTheirFields() throws {
        var layer = ConvolutionLayer()
        let fields = ConvolutionLayer.fields
        #expect(fields.map(\.name) == ["filters", "kernel", "stride", "padding"])
        #expect(fields[0].isRequired && !fields[1].isRequired)
        #expect(fields[0].set(.integer(12), in: &layer))
        #expect(fields[3].set(.word("valid"), in: &layer))
        #expect(!fields[3].set(.word("full"), in: &layer))
        #expect(!fields[1].set(.number(2.5), in: &layer))
        #expect(layer == ConvolutionLayer(filters: 12, kernel: 3, padding: .valid))
        #expect(fields[3].value(of: layer) == .word("valid"))
        // A Float setting reads back in its shortest form.
        #expect(DropoutLayer.fields[0].value(of: DropoutLayer(rate: 0.3)) == .number(0.3))
        // An optional setting left out has no value.
        #expect(MaxPoolLayer.fields[1].value(of: MaxPoolLayer(size: 2)) == nil)
    }

    @Test func kindsInferShapesAndCountParameters() throws {
        let shape = try Sequential.shape(inputShape: [3, 8, 8], layers: [
            .depthwiseConv(filters: 6, kernel: 3), .batchNorm, .relu, .avgPool(size: 2), .globalAvgPool, .dense(units: 4),
        ])
        #expect(shape.outputShapes == [[6, 8, 8], [6, 8, 8], [6, 8, 8], [6, 4, 4], [6], [4]])
        // depthwise 3·3·3 + pointwise 6·3 + bias 6; batch norm 2·6; dense 4·6 + 4.
        #expect(shape.parameterCount == 27 + 18 + 6 + 12 + 28)
        #expect(shape.bufferCount == 12)
    }

    /// A graph that records what the layers export.
    struct RecordingGraph: LayerGraph {
        var log: [String] = []
        mutating func tensor(_ name: String, shape: [Int], values: [Float]) -> String {
            log.append("tensor \(name) \(shape)")
            return name
        }
        mutating func constant(_ name: String, _ value: Float) -> String {
            log.append("constant \(name)")
            return name
        }
        mutating func node(_ operation: String, _ name: String, inputs: [String], attributes: [GraphAttribute]) -> String {
            log.append("\(operation) \(name) \(inputs)")
            return name + ".output"
        }
    }

    @Test func kindsExportTheirOperatorsAndTensorsInOrder() throws {
        let model = try Sequential(inputShape: [2, 4, 4], layers: [
            .conv(filters: 3, kernel: 3), .batchNorm, .dropout(rate: 0.5), .flatten, .dense(units: 2),
        ], seed: 1)
        var graph = RecordingGraph()
        let output = model.export(into: &graph, input: "input")
        #expect(output == "layers.4.output")
        #expect(graph.log == [
            "tensor layers.0.weight [3, 2, 3, 3]", "tensor layers.0.bias [3]",
            "Conv layers.0 [\"input\", \"layers.0.weight\", \"layers.0.bias\"]",
            "tensor layers.1.weight [3]", "tensor layers.1.bias [3]", "tensor layers.1.running_mean [3]",
            "tensor layers.1.running_var [3]",
            "BatchNormalization layers.1 [\"layers.0.output\", \"layers.1.weight\", \"layers.1.bias\", \"layers.1.running_mean\", \"layers.1.running_var\"]",
            // Dropout is the identity in inference: flatten reads batch norm's output.
            "Flatten layers.3 [\"layers.1.output\"]",
            "tensor layers.4.weight [2, 48]", "tensor layers.4.bias [2]",
            "Gemm layers.4 [\"layers.3.output\", \"layers.4.weight\", \"layers.4.bias\"]",
        ])
    }

    @Test func samePaddingPutsTheOddPixelAfter() {
        let geometry = ConvolutionGeometry(height: 5, width: 6, kernel: 4, stride: 2, padding: .same)
        #expect(geometry.outputHeight == 3 && geometry.outputWidth == 3)
        #expect(geometry.onnxPads == [1, 1, 2, 1])
        #expect(ConvolutionGeometry(height: 5, width: 5, kernel: 3, stride: 1, padding: .valid).onnxPads == [0, 0, 0, 0])
    }
}
