import Testing
import TensorCore
import _LoomTestSupport
@testable import NeuralNet

@Suite struct ShapeErrorTests {
    static let mnist = [1, 28, 28]
    static let features: [LayerSpec] = [.conv(filters: 32, kernel: 3), .relu, .maxPool(size: 2), .conv(filters: 64, kernel: 3), .relu, .maxPool(size: 2)]

    @Test(arguments: [
        (features + [.dense(units: 128)], mnist, "layer 7 'dense' needs a flat input but gets 64×7×7; add 'flatten' before it", 7),
        ([.flatten, .conv(filters: 8, kernel: 3)], mnist, "layer 2 'conv' needs a channels×height×width input but gets 784; remove the 'flatten' before it", 2),
        ([.maxPool(size: 2), .maxPool(size: 2), .maxPool(size: 2), .maxPool(size: 2), .maxPool(size: 2)], mnist,
         "layer 5 'maxpool' has a 2×2 window but its input is only 1×1; use a smaller window, 'same' padding, or fewer pooling layers", 5),
        ([.conv(filters: 4, kernel: 5, padding: .valid)], [1, 3, 3],
         "layer 1 'conv' has a 5×5 window but its input is only 3×3; use a smaller window, 'same' padding, or fewer pooling layers", 1),
        ([.flatten, .dropout(rate: 1.5)], mnist, "layer 2 'dropout' has an invalid 'rate': it must be at least 0 and below 1 but is 1.5", 2),
        ([.conv(filters: 0, kernel: 3)], mnist, "layer 1 'conv' has an invalid 'filters': it must be a positive whole number but is 0", 1),
        ([.flatten, .dense(units: -3)], mnist, "layer 2 'dense' has an invalid 'units': it must be a positive whole number but is -3", 2),
        ([.globalAvgPool, .globalAvgPool], mnist, "layer 2 'global-avgpool' needs a channels×height×width input but gets 1; remove the 'flatten' before it", 2),
    ] as [([LayerSpec], [Int], String, Int)])
    func shapeErrorsGiveTheExactMessage(layers: [LayerSpec], inputShape: [Int], message: String, layer: Int) {
        #expect(throws: NeuralNetError.self) { try Sequential(inputShape: inputShape, layers: layers, seed: 0) }
        do {
            _ = try Sequential(inputShape: inputShape, layers: layers, seed: 0)
        } catch {
            #expect(error.description == message)
            #expect(error.layer == layer)
        }
    }

    @Test func invalidInputShapeIsRejected() {
        #expect(throws: NeuralNetError.invalidInputShape([1, 0, 28])) {
            try Sequential(inputShape: [1, 0, 28], layers: [.flatten], seed: 0)
        }
    }
}

@Suite struct SequentialTests {
    static let referenceCNN: [LayerSpec] = [
        .conv(filters: 32, kernel: 3), .relu, .maxPool(size: 2), .conv(filters: 64, kernel: 3), .relu, .maxPool(size: 2),
        .flatten, .dense(units: 128), .relu, .dropout(rate: 0.3), .dense(units: 10),
    ]

    @Test func summaryListsShapesAndParameterCounts() throws {
        let model = try Sequential(inputShape: [1, 28, 28], layers: Self.referenceCNN, seed: 0)
        let summary = model.summary
        #expect(summary.rows.map(\.outputShape) == [
            [32, 28, 28], [32, 28, 28], [32, 14, 14], [64, 14, 14], [64, 14, 14], [64, 7, 7], [3136], [128], [128], [128], [10],
        ])
        #expect(summary.rows.map(\.parameters) == [320, 0, 0, 18_496, 0, 0, 0, 401_536, 0, 0, 1290])
        #expect(summary.totalParameters == 421_642)
        #expect(model.parameterCount == 421_642)
        #expect(summary.description.contains("conv (32 filters 3×3, stride 1, same)  32×28×28"))
        #expect(summary.description.hasSuffix("421642"))
    }

    @Test func layerSpecsRoundTripThroughCodable() throws {
        let data = try JSONEncoder().encode(Self.referenceCNN)
        #expect(try JSONDecoder().decode([LayerSpec].self, from: data) == Self.referenceCNN)
    }

    @Test(arguments: [WeightInitialization.he, .glorot])
    func initialisationHasTheDocumentedSpread(scheme: WeightInitialization) throws {
        let model = try Sequential(inputShape: [200], layers: [.dense(units: 300), .relu], initialization: scheme, seed: 1)
        let weights = model.layerParameters(0)[0]
        #expect(weights.shape == [300, 200])
        let mean = weights.mean()
        let deviation = (weights.scalars.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Float(weights.count)).squareRoot()
        // He: √(2/200) = 0.1; Glorot uniform: √(6/500)/√3 = √(2/500) ≈ 0.0632.
        let expected: Float = scheme == .he ? 0.1 : (2.0 / 500).squareRoot()
        #expect(abs(deviation - expected) / expected < 0.02)
        #expect(abs(mean) < 0.005)
        #expect(model.layerParameters(0)[1].scalars.allSatisfy { $0 == 0 })
        if scheme == .glorot {
            #expect(weights.scalars.allSatisfy { abs($0) <= (6.0 / 500).squareRoot() })
        }
    }

    @Test func automaticInitialisationPicksHeBeforeReLUAndGlorotElsewhere() throws {
        let automatic = try Sequential(inputShape: [50], layers: [.dense(units: 40), .batchNorm, .relu, .dense(units: 10)], seed: 4)
        let he = try Sequential(inputShape: [50], layers: [.dense(units: 40), .batchNorm, .relu, .dense(units: 10)], initialization: .he, seed: 4)
        let glorot = try Sequential(inputShape: [50], layers: [.dense(units: 40), .batchNorm, .relu, .dense(units: 10)], initialization: .glorot, seed: 4)
        #expect(automatic.layerParameters(0)[0] == he.layerParameters(0)[0])
        // The last dense layer draws after the first in both, so compare spreads, not values.
        let last = automatic.layerParameters(3)[0]
        #expect(last.scalars.allSatisfy { abs($0) <= (6.0 / 50).squareRoot() })
        #expect(glorot.layerParameters(0)[0] != he.layerParameters(0)[0])
        #expect(automatic.layerParameters(1)[0].scalars.allSatisfy { $0 == 1 })
    }

    @Test func sameSeedSameWeights() throws {
        let a = try Sequential(inputShape: [1, 28, 28], layers: Self.referenceCNN, seed: 7)
        let b = try Sequential(inputShape: [1, 28, 28], layers: Self.referenceCNN, seed: 7)
        let c = try Sequential(inputShape: [1, 28, 28], layers: Self.referenceCNN, seed: 8)
        #expect(a == b)
        #expect(a != c)
    }
}

import Foundation

@Suite struct DepthwiseConvolutionTests {
    @Test func aDepthwiseSeparableConvolutionHasAFilterPerChannelThenAPointwiseMix() throws {
        let model = try Sequential(inputShape: [3, 8, 8], layers: [.depthwiseConv(filters: 16, kernel: 3, stride: 2)], seed: 1)
        #expect(model.outputShape == [16, 4, 4])
        #expect(model.parameterCount == 3 * 3 * 3 + 16 * 3 + 16)
        #expect(model.layerParameters(0).map(\.shape) == [[3, 3, 3], [16, 3], [16]])
        #expect(try Sequential.shape(inputShape: [3, 8, 8], layers: model.layers).parameterCount == model.parameterCount)
        #expect(model.summary.rows.first?.name == "depthwise-conv")
    }
}
