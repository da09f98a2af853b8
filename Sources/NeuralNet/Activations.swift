import Foundation
import TensorCore

/// An element-wise activation function and its derivative.
///
/// Backward computes `∂x = ∂y · f′(x)`, written with whichever of `x` and `y = f(x)` is cheaper:
/// ReLU `1[x > 0]`; leaky ReLU `1` or `slope`; ELU `1` or `y + α`; GELU
/// `Φ(x) + x φ(x)` with `Φ(x) = ½(1 + erf(x/√2))` and `φ` the normal density; sigmoid
/// `y (1 − y)`; tanh `1 − y²`.
public enum ActivationFunction: Sendable, Equatable {
    case relu
    case leakyReLU(slope: Float)
    case elu(alpha: Float)
    case gelu
    case sigmoid
    case tanh

    /// `f(x)`.
    @inline(__always)
    func value(_ x: Float) -> Float {
        switch self {
        case .relu: return max(x, 0)
        case .leakyReLU(let slope): return x > 0 ? x : slope * x
        case .elu(let alpha): return x > 0 ? x : alpha * (Foundation.exp(x) - 1)
        case .gelu: return 0.5 * x * (1 + Foundation.erf(x * 0.707_106_77))
        case .sigmoid: return 1 / (1 + Foundation.exp(-x))
        case .tanh: return Foundation.tanh(x)
        }
    }

    /// `f′(x)` given `x` and `y = f(x)`.
    @inline(__always)
    func derivative(x: Float, y: Float) -> Float {
        switch self {
        case .relu: return x > 0 ? 1 : 0
        case .leakyReLU(let slope): return x > 0 ? 1 : slope
        case .elu(let alpha): return x > 0 ? 1 : y + alpha
        case .gelu:
            let cdf = 0.5 * (1 + Foundation.erf(x * 0.707_106_77))
            let density = Foundation.exp(-0.5 * x * x) * 0.398_942_28
            return cdf + x * density
        case .sigmoid: return y * (1 - y)
        case .tanh: return 1 - y * y
        }
    }
}

/// Applies an ``ActivationFunction`` element by element.
final class ActivationKernel: LayerKernel {
    let size: Int
    let function: ActivationFunction

    init(size: Int, function: ActivationFunction) {
        self.size = size
        self.function = function
    }

    func forward(_ a: ForwardArguments, generator: inout SeededGenerator) {
        let function = function
        parallelFor(count: a.batch * size, minimumPerThread: 65_536, maximumChunks: a.maximumChunks) { _, range in
            if case .relu = function {
                (a.output + range.lowerBound).update(from: a.input + range.lowerBound, count: range.count)
                maskByPositive(a.output + range.lowerBound, output: a.input + range.lowerBound, count: range.count)
                return
            }
            for i in range { a.output[i] = function.value(a.input[i]) }
        }
    }

    func backward(_ a: BackwardArguments) {
        guard let dx = a.inputGradient else { return }
        let function = function
        parallelFor(count: a.batch * size, minimumPerThread: 65_536, maximumChunks: a.maximumChunks) { _, range in
            if case .relu = function {
                (dx + range.lowerBound).update(from: a.outputGradient + range.lowerBound, count: range.count)
                maskByPositive(dx + range.lowerBound, output: a.input + range.lowerBound, count: range.count)
                return
            }
            for i in range { dx[i] = a.outputGradient[i] * function.derivative(x: a.input[i], y: a.output[i]) }
        }
    }
}

/// An activation layer's kind: it applies its ``ActivationFunction`` element by element
/// (``ActivationKernel``), keeps the shape and stores nothing.
public protocol ActivationLayerKind: LayerKind {
    /// The function the layer applies.
    var function: ActivationFunction { get }
}

extension ActivationLayerKind {
    public static var traits: LayerTraits { [.activation, .independentSamples] }

    public func plan(_ input: LayerInput) throws(NeuralNetError) -> LayerShape { LayerShape(outputShape: input.shape) }

    public func kernel(_ request: KernelRequest) -> LayerKernelBox? {
        LayerKernelBox(ActivationKernel(size: request.input.reduce(1, *), function: function))
    }
}
