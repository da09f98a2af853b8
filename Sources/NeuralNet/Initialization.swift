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
    /// Fills one layer's parameters and buffers.
    func initialize(
        layers: [LayerSpec], plans: [LayerPlan], parameters: inout [Float], buffers: inout [Float],
        generator: inout SeededGenerator
    ) {
        var parameterOffset = 0, bufferOffset = 0
        for (index, spec) in layers.enumerated() {
            let plan = plans[index]
            var fanIn = 0, fanOut = 0, weightCount = 0
            /// A second block of weights after the first (a depthwise-separable convolution's pointwise part).
            var second: (fanIn: Int, fanOut: Int, count: Int)?
            switch spec {
            case .conv(let filters, let kernel, _, _):
                fanIn = plan.inputShape[0] * kernel * kernel
                fanOut = filters * kernel * kernel
                weightCount = filters * fanIn
            case .depthwiseConv(let filters, let kernel, _, _):
                let channels = plan.inputShape[0]
                fanIn = kernel * kernel
                fanOut = kernel * kernel
                weightCount = channels * kernel * kernel
                second = (fanIn: channels, fanOut: filters, count: filters * channels)
            case .dense(let units):
                fanIn = plan.inputShape[0]
                fanOut = units
                weightCount = units * fanIn
            case .batchNorm:
                let channels = plan.inputShape[0]
                for c in 0..<channels { parameters[parameterOffset + c] = 1 }
                for c in 0..<channels { buffers[bufferOffset + channels + c] = 1 }
            default:
                break
            }
            var blocks: [(start: Int, fanIn: Int, fanOut: Int, count: Int)] = []
            if weightCount > 0 { blocks.append((start: 0, fanIn: fanIn, fanOut: fanOut, count: weightCount)) }
            if let second { blocks.append((start: weightCount, fanIn: second.fanIn, fanOut: second.fanOut, count: second.count)) }
            if !blocks.isEmpty {
                var useHe = self == .he
                if self == .automatic {
                    let next = layers[(index + 1)...].first { $0 != .batchNorm }
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
