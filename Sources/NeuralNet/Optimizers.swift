import Foundation
import TensorCore
#if arch(x86_64)
import _Builtin_intrinsics.intel
#endif

/// The constants of one optimisation step, shared by every parameter.
public struct StepContext: Sendable {
    /// The learning rate of this step.
    public var learningRate: Float
    /// The 1-based number of this step.
    public var step: Int
    /// Per-step constants an optimiser computes once in ``Optimizer/prepare(_:)`` (Adam's bias
    /// corrections), so the per-parameter step does not recompute them.
    public var constants: SIMD4<Float>

    /// Creates the context of one step.
    ///
    /// - Parameters:
    ///   - learningRate: The learning rate of this step.
    ///   - step: The 1-based number of this step.
    @inlinable
    public init(learningRate: Float, step: Int) {
        self.learningRate = learningRate
        self.step = step
        self.constants = .zero
    }
}

/// An optimiser: how one parameter moves given its gradient and its own state.
///
/// Each kind implements only ``update(parameter:gradient:first:second:context:)`` for one
/// scalar; the shared loop ``OptimizerState/apply(_:parameters:gradients:learningRate:)`` runs it
/// over every parameter (in parallel chunks, so results do not depend on timing), after the
/// optional global-norm clipping. Every kind has up to two state values per parameter.
public protocol Optimizer: Sendable {
    /// Updates one parameter in place.
    ///
    /// - Parameters:
    ///   - parameter: The value to update.
    ///   - gradient: Its gradient for this step.
    ///   - first: The first state value (momentum, or Adam's first moment), 0 at the start.
    ///   - second: The second state value (Adam's or RMSprop's second moment), 0 at the start.
    ///   - context: The step's learning rate and number.
    ///
    /// The step is written once for any width of SIMD vector: the shared loop runs it eight
    /// parameters at a time (`SIMD8<Float>`), each lane independent.
    func update<V: SIMD>(parameter: inout V, gradient: V, first: inout V, second: inout V, context: StepContext)
    where V.Scalar == Float

    /// Computes per-step constants into `context.constants` before the per-parameter loop.
    ///
    /// - Parameter context: The step's context.
    func prepare(_ context: inout StepContext)
}

extension Optimizer {
    /// Computes nothing: the default for optimisers without per-step constants.
    @inlinable
    public func prepare(_ context: inout StepContext) {}
}

/// Stochastic gradient descent with optional momentum, Nesterov momentum and L2 weight decay,
/// as PyTorch defines it: `g ← g + λθ`, `v ← μv + g`, step `g + μv` (Nesterov) or `v`,
/// `θ ← θ − η·step`. (With `v` starting at 0, the first `v` is `g`.)
public struct SGD: Optimizer, Equatable {
    /// The momentum `μ`.
    public var momentum: Float
    /// Whether to use Nesterov momentum (Sutskever et al., 2013).
    public var nesterov: Bool
    /// The L2 penalty `λ` added to the gradient.
    public var weightDecay: Float

    /// Creates the optimiser.
    ///
    /// - Parameters:
    ///   - momentum: The momentum `μ`, 0 for none.
    ///   - nesterov: Whether to use Nesterov momentum.
    ///   - weightDecay: The L2 penalty `λ`.
    public init(momentum: Float = 0, nesterov: Bool = false, weightDecay: Float = 0) {
        self.momentum = momentum
        self.nesterov = nesterov
        self.weightDecay = weightDecay
    }

    /// One step of this optimiser (see the type's formula and ``Optimizer/update(parameter:gradient:first:second:context:)``).
    @inlinable
    public func update<V: SIMD>(parameter: inout V, gradient: V, first: inout V, second: inout V, context: StepContext)
    where V.Scalar == Float {
        var g = gradient + parameter * weightDecay
        if momentum != 0 {
            first = first * momentum + g
            g = nesterov ? g + first * momentum : first
        }
        parameter -= g * context.learningRate
    }
}

/// Adam (Kingma and Ba, 2015), and AdamW (Loshchilov and Hutter, 2019) when `decoupled`.
///
/// `m ← β₁m + (1 − β₁)g`, `v ← β₂v + (1 − β₂)g²`, `m̂ = m / (1 − β₁ᵗ)`, `v̂ = v / (1 − β₂ᵗ)`,
/// `θ ← θ − η m̂ / (√v̂ + ε)`. Weight decay `λ` is added to the gradient (Adam, L2) or applied
/// as `θ ← θ − ηλθ` before the step (AdamW, decoupled).
public struct Adam: Optimizer, Equatable {
    /// The first-moment decay `β₁`.
    public var beta1: Float
    /// The second-moment decay `β₂`.
    public var beta2: Float
    /// The denominator's `ε`.
    public var epsilon: Float
    /// The weight decay `λ`.
    public var weightDecay: Float
    /// Whether weight decay is decoupled from the gradient (AdamW).
    public var decoupled: Bool

    /// Creates the optimiser.
    ///
    /// - Parameters:
    ///   - beta1: The first-moment decay `β₁`.
    ///   - beta2: The second-moment decay `β₂`.
    ///   - epsilon: The denominator's `ε`.
    ///   - weightDecay: The weight decay `λ`.
    ///   - decoupled: Whether to decouple weight decay (AdamW).
    public init(beta1: Float = 0.9, beta2: Float = 0.999, epsilon: Float = 1e-8, weightDecay: Float = 0, decoupled: Bool = false) {
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        self.weightDecay = weightDecay
        self.decoupled = decoupled
    }

    /// One step of this optimiser (see the type's formula and ``Optimizer/update(parameter:gradient:first:second:context:)``).
    @inlinable
    public func update<V: SIMD>(parameter: inout V, gradient: V, first: inout V, second: inout V, context: StepContext)
    where V.Scalar == Float {
        var g = gradient
        if decoupled {
            parameter -= parameter * (context.learningRate * weightDecay)
        } else {
            g += parameter * weightDecay
        }
        first = first * beta1 + g * (1 - beta1)
        second = second * beta2 + g * g * (1 - beta2)
        let denominator = (second * context.constants[1]).squareRoot() + epsilon
        parameter -= (first * context.constants[0]) * context.learningRate / denominator
    }

    /// ``update(parameter:gradient:first:second:context:)`` over `range` of flat arrays, four
    /// parameters at a time with a vector square root, then one at a time.
    ///
    /// Every operation is the same IEEE operation per lane as in the scalar formula (the SSE
    /// square root and division are correctly rounded), so results are identical to it.
    @usableFromInline
    func step(
        parameters p: UnsafeMutablePointer<Float>, gradients g: UnsafePointer<Float>, first m: UnsafeMutablePointer<Float>,
        second v: UnsafeMutablePointer<Float>, range: Range<Int>, context: StepContext
    ) {
        let (rate, correction1, correction2) = (context.learningRate, context.constants[0], context.constants[1])
        let (beta1, beta2, epsilon, weightDecay, decoupled) = (beta1, beta2, epsilon, weightDecay, decoupled)
        let (keep1, keep2, decay) = (1 - beta1, 1 - beta2, context.learningRate * weightDecay)
        var i = range.lowerBound
        #if arch(x86_64)
        let (pr, gr, mr, vr) = (UnsafeMutableRawPointer(p), UnsafeRawPointer(g), UnsafeMutableRawPointer(m), UnsafeMutableRawPointer(v))
        while i + 4 <= range.upperBound {
            var parameter = pr.loadUnaligned(fromByteOffset: 4 * i, as: SIMD4<Float>.self)
            var gradient = gr.loadUnaligned(fromByteOffset: 4 * i, as: SIMD4<Float>.self)
            if decoupled { parameter -= parameter * decay } else { gradient += parameter * weightDecay }
            let first = mr.loadUnaligned(fromByteOffset: 4 * i, as: SIMD4<Float>.self) * beta1 + gradient * keep1
            let second = vr.loadUnaligned(fromByteOffset: 4 * i, as: SIMD4<Float>.self) * beta2 + gradient * gradient * keep2
            let denominator: SIMD4<Float> = _mm_sqrt_ps(second * correction2) + epsilon
            pr.storeBytes(of: parameter - (first * correction1) * rate / denominator, toByteOffset: 4 * i, as: SIMD4<Float>.self)
            mr.storeBytes(of: first, toByteOffset: 4 * i, as: SIMD4<Float>.self)
            vr.storeBytes(of: second, toByteOffset: 4 * i, as: SIMD4<Float>.self)
            i += 4
        }
        #endif
        while i < range.upperBound {
            var parameter = p[i], gradient = g[i]
            if decoupled { parameter -= parameter * decay } else { gradient += parameter * weightDecay }
            let first = m[i] * beta1 + gradient * keep1
            let second = v[i] * beta2 + gradient * gradient * keep2
            let denominator = (second * correction2).squareRoot() + epsilon
            p[i] = parameter - (first * correction1) * rate / denominator
            m[i] = first
            v[i] = second
            i += 1
        }
    }

    /// Stores the bias corrections `1 / (1 − β₁ᵗ)` and `1 / (1 − β₂ᵗ)`.
    @inlinable
    public func prepare(_ context: inout StepContext) {
        context.constants[0] = 1 / (1 - Float(pow(Double(beta1), Double(context.step))))
        context.constants[1] = 1 / (1 - Float(pow(Double(beta2), Double(context.step))))
    }
}

/// RMSprop (Hinton, 2012) as PyTorch defines it: `s ← αs + (1 − α)g²`, then with momentum `μ`
/// `b ← μb + g / (√s + ε)`, `θ ← θ − ηb` (without momentum, `θ ← θ − ηg / (√s + ε)`).
public struct RMSprop: Optimizer, Equatable {
    /// The squared-gradient decay `α`.
    public var alpha: Float
    /// The denominator's `ε`.
    public var epsilon: Float
    /// The momentum `μ`.
    public var momentum: Float
    /// The L2 penalty `λ` added to the gradient.
    public var weightDecay: Float

    /// Creates the optimiser.
    ///
    /// - Parameters:
    ///   - alpha: The squared-gradient decay `α`.
    ///   - epsilon: The denominator's `ε`.
    ///   - momentum: The momentum `μ`.
    ///   - weightDecay: The L2 penalty `λ`.
    public init(alpha: Float = 0.99, epsilon: Float = 1e-8, momentum: Float = 0, weightDecay: Float = 0) {
        self.alpha = alpha
        self.epsilon = epsilon
        self.momentum = momentum
        self.weightDecay = weightDecay
    }

    /// One step of this optimiser (see the type's formula and ``Optimizer/update(parameter:gradient:first:second:context:)``).
    @inlinable
    public func update<V: SIMD>(parameter: inout V, gradient: V, first: inout V, second: inout V, context: StepContext)
    where V.Scalar == Float {
        let g = gradient + parameter * weightDecay
        second = second * alpha + g * g * (1 - alpha)
        let scaled = g / (second.squareRoot() + epsilon)
        if momentum != 0 {
            first = first * momentum + scaled
            parameter -= first * context.learningRate
        } else {
            parameter -= scaled * context.learningRate
        }
    }
}

/// Which optimiser to train with and its settings; a `Codable` value that training
/// configurations and checkpoints store.
public enum OptimizerKind: Codable, Sendable, Equatable {
    /// ``SGD``.
    case sgd(momentum: Float = 0, nesterov: Bool = false, weightDecay: Float = 0)
    /// ``Adam`` with L2 weight decay.
    case adam(beta1: Float = 0.9, beta2: Float = 0.999, epsilon: Float = 1e-8, weightDecay: Float = 0)
    /// ``Adam`` with decoupled weight decay (AdamW).
    case adamW(beta1: Float = 0.9, beta2: Float = 0.999, epsilon: Float = 1e-8, weightDecay: Float = 0.01)
    /// ``RMSprop``.
    case rmsprop(alpha: Float = 0.99, epsilon: Float = 1e-8, momentum: Float = 0, weightDecay: Float = 0)

    /// The name users write, such as `adam`.
    public var name: String {
        switch self {
        case .sgd: "sgd"
        case .adam: "adam"
        case .adamW: "adamw"
        case .rmsprop: "rmsprop"
        }
    }
}

/// The state of an optimiser over a model: two values per parameter and the step count.
public struct OptimizerState: Sendable, Equatable {
    /// The first state value of every parameter (momentum or first moment).
    public var first: [Float]
    /// The second state value of every parameter (second moment).
    public var second: [Float]
    /// The number of steps taken.
    public var step: Int

    /// Creates a fresh state for `parameterCount` parameters.
    ///
    /// - Parameter parameterCount: The number of parameters the optimiser updates.
    public init(parameterCount: Int) {
        first = [Float](repeating: 0, count: parameterCount)
        second = [Float](repeating: 0, count: parameterCount)
        step = 0
    }

    /// Two states are equal when their step counts and bit patterns agree.
    public static func == (lhs: OptimizerState, rhs: OptimizerState) -> Bool {
        lhs.step == rhs.step && lhs.first.elementsEqualBitwise(rhs.first) && lhs.second.elementsEqualBitwise(rhs.second)
    }

    /// Takes one step of `optimizer` over all parameters: the shared update loop.
    ///
    /// - Parameters:
    ///   - optimizer: The optimiser whose per-parameter step to run.
    ///   - parameters: The parameters, updated in place.
    ///   - gradients: Their gradients, in the same layout.
    ///   - learningRate: This step's learning rate.
    @inlinable
    public mutating func apply<O: Optimizer>(
        _ optimizer: O, parameters: UnsafeMutableBufferPointer<Float>, gradients: UnsafeBufferPointer<Float>,
        learningRate: Float
    ) {
        precondition(parameters.count == gradients.count && parameters.count == first.count, "Optimizer state and parameters differ in size.")
        step += 1
        var context = StepContext(learningRate: learningRate, step: step)
        optimizer.prepare(&context)
        first.withUnsafeMutableBufferPointer { m in
            second.withUnsafeMutableBufferPointer { v in
                let (p, g, m, v) = (parameters.baseAddress, gradients.baseAddress, m.baseAddress, v.baseAddress)
                parallelFor(count: parameters.count, minimumPerThread: 65_536) { _, range in
                    guard let p, let g, let m, let v else { return }
                    if let adam = optimizer as? Adam {
                        // Adam's square root has no vector form in the standard library's SIMD
                        // types (it runs lane by lane); a plain loop vectorises instead. It
                        // computes the same expression per parameter, so results are identical.
                        adam.step(parameters: p, gradients: g, first: m, second: v, range: range, context: context)
                        return
                    }
                    let (pr, gr, mr, vr) = (UnsafeMutableRawPointer(p), UnsafeRawPointer(g), UnsafeMutableRawPointer(m), UnsafeMutableRawPointer(v))
                    var i = range.lowerBound
                    while i + 8 <= range.upperBound {
                        var parameter = pr.loadUnaligned(fromByteOffset: 4 * i, as: SIMD8<Float>.self)
                        var first = mr.loadUnaligned(fromByteOffset: 4 * i, as: SIMD8<Float>.self)
                        var second = vr.loadUnaligned(fromByteOffset: 4 * i, as: SIMD8<Float>.self)
                        let gradient = gr.loadUnaligned(fromByteOffset: 4 * i, as: SIMD8<Float>.self)
                        optimizer.update(parameter: &parameter, gradient: gradient, first: &first, second: &second, context: context)
                        pr.storeBytes(of: parameter, toByteOffset: 4 * i, as: SIMD8<Float>.self)
                        mr.storeBytes(of: first, toByteOffset: 4 * i, as: SIMD8<Float>.self)
                        vr.storeBytes(of: second, toByteOffset: 4 * i, as: SIMD8<Float>.self)
                        i += 8
                    }
                    // The tail, one parameter at a time in the first lane of a vector.
                    while i < range.upperBound {
                        var parameter = SIMD2<Float>(p[i], 0), first = SIMD2<Float>(m[i], 0), second = SIMD2<Float>(v[i], 0)
                        optimizer.update(parameter: &parameter, gradient: SIMD2<Float>(g[i], 0), first: &first, second: &second, context: context)
                        (p[i], m[i], v[i]) = (parameter[0], first[0], second[0])
                        i += 1
                    }
                }
            }
        }
    }

    /// Takes one step of the optimiser that `kind` names.
    ///
    /// - Parameters:
    ///   - kind: The optimiser and its settings.
    ///   - parameters: The parameters, updated in place.
    ///   - gradients: Their gradients.
    ///   - learningRate: This step's learning rate.
    public mutating func apply(
        _ kind: OptimizerKind, parameters: UnsafeMutableBufferPointer<Float>, gradients: UnsafeBufferPointer<Float>,
        learningRate: Float
    ) {
        switch kind {
        case .sgd(let momentum, let nesterov, let weightDecay):
            apply(SGD(momentum: momentum, nesterov: nesterov, weightDecay: weightDecay), parameters: parameters, gradients: gradients, learningRate: learningRate)
        case .adam(let beta1, let beta2, let epsilon, let weightDecay):
            apply(Adam(beta1: beta1, beta2: beta2, epsilon: epsilon, weightDecay: weightDecay), parameters: parameters, gradients: gradients, learningRate: learningRate)
        case .adamW(let beta1, let beta2, let epsilon, let weightDecay):
            apply(Adam(beta1: beta1, beta2: beta2, epsilon: epsilon, weightDecay: weightDecay, decoupled: true), parameters: parameters, gradients: gradients, learningRate: learningRate)
        case .rmsprop(let alpha, let epsilon, let momentum, let weightDecay):
            apply(RMSprop(alpha: alpha, epsilon: epsilon, momentum: momentum, weightDecay: weightDecay), parameters: parameters, gradients: gradients, learningRate: learningRate)
        }
    }

    /// Takes one step of `kind` on tensors: a convenience for tests and small uses.
    ///
    /// - Parameters:
    ///   - kind: The optimiser and its settings.
    ///   - parameters: The flat parameters, updated in place.
    ///   - gradients: Their gradients, same shape.
    ///   - learningRate: This step's learning rate.
    public mutating func apply(_ kind: OptimizerKind, parameters: inout Tensor, gradients: Tensor, learningRate: Float) {
        precondition(parameters.shape == gradients.shape, "Parameters \(parameters.shape) and gradients \(gradients.shape) differ.")
        parameters.withUnsafeMutableBufferPointer { p in
            gradients.withUnsafeBufferPointer { g in
                apply(kind, parameters: p, gradients: g, learningRate: learningRate)
            }
        }
    }
}

/// Scales gradients down so their global Euclidean norm is at most `maximumNorm`:
/// `g ← g · min(1, c / ‖g‖₂)` (Pascanu et al., 2013).
///
/// The norm is accumulated in `Double` over fixed chunks combined in order.
///
/// - Parameters:
///   - gradients: The gradients of all parameters, scaled in place.
///   - maximumNorm: The largest norm `c` allowed.
/// - Returns: The norm before clipping.
@discardableResult
public func clipByGlobalNorm(_ gradients: UnsafeMutableBufferPointer<Float>, maximumNorm: Float) -> Float {
    precondition(maximumNorm > 0, "The clipping norm must be positive, got \(maximumNorm).")
    guard let g = gradients.baseAddress else { return 0 }
    let chunks = parallelChunkCount(count: gradients.count, minimumPerThread: 65_536)
    var partial = [Double](repeating: 0, count: chunks)
    partial.withUnsafeMutableBufferPointer { sums in
        let s = sums.baseAddress!
        parallelFor(count: gradients.count, minimumPerThread: 65_536) { chunk, range in
            var total = 0.0
            for i in range { total += Double(g[i]) * Double(g[i]) }
            s[chunk] = total
        }
    }
    let norm = Float(partial.reduce(0, +).squareRoot())
    if norm > maximumNorm {
        let scale = maximumNorm / norm
        parallelFor(count: gradients.count, minimumPerThread: 65_536) { _, range in
            for i in range { g[i] *= scale }
        }
    }
    return norm
}
