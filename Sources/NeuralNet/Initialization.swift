import Foundation
import TensorCore

/// How a model's convolution and dense weights are drawn before training (biases start at 0,
/// batch-norm scales at 1).
public enum WeightInitialization: String, Codable, Sendable, Equatable {
    /// He normal where the layer feeds a ReLU-family activation (possibly through batch norm),
    /// Glorot uniform elsewhere.
    case automatic
    /// He (Kaiming) normal: `N(0, 2 / fan_in)` (He et al., 2015).
    case he
    /// Glorot (Xavier) uniform: `U(−√(6 / (fan_in + fan_out)), +√(6 / (fan_in + fan_out)))`
    /// (Glorot and Bengio, 2010).
    case glorot
}

extension WeightInitialization {
    /// Fills every layer's parameters and buffers, layer by layer: the values each kind starts
    /// at a fixed value (``LayerKind/initialize(input:parameters:buffers:)``), then its random
    /// blocks (``LayerKind/weightBlocks(input:)``) in order from one generator.
    func initialize(
        layers: [LayerSpec], plans: [LayerPlan], parameters: inout [Float], buffers: inout [Float],
        generator: inout SeededGenerator
    ) {
        var parameterOffset = 0, bufferOffset = 0
        for (index, spec) in layers.enumerated() {
            let plan = plans[index]
            spec.kind.initialize(
                input: plan.inputShape,
                parameters: &parameters[parameterOffset..<(parameterOffset + plan.parameterCount)],
                buffers: &buffers[bufferOffset..<(bufferOffset + plan.bufferCount)])
            let blocks = spec.kind.weightBlocks(input: plan.inputShape).filter { $0.count > 0 }
            if !blocks.isEmpty {
                var useHe = self == .he
                if self == .automatic {
                    let next = layers[(index + 1)...].first { !($0.kind is BatchNormLayer) }
                    useHe = next?.isRectifier ?? false
                }
                for block in blocks {
                    let start = parameterOffset + block.start
                    if useHe {
                        let deviation = (2 / Float(block.fanIn)).squareRoot()
                        for i in 0..<block.count { parameters[start + i] = deviation * generator.nextNormal() }
                    } else {
                        let limit = (6 / Float(block.fanIn + block.fanOut)).squareRoot()
                        for i in 0..<block.count {
                            parameters[start + i] = (2 * generator.nextUnitFloat() - 1) * limit
                        }
                    }
                }
            }
            parameterOffset += plan.parameterCount
            bufferOffset += plan.bufferCount
        }
    }
}
