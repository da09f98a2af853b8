import Foundation

/// A learning rate as a function of the 0-based step: a `Codable` value that answers
/// `schedule(step)` like a plain `(Int) -> Float`.
///
/// ```swift
/// let schedule = LearningRateSchedule.cosine(initial: 1e-3, minimum: 0, steps: 4_000)
/// let rate = schedule(120)
/// ```
public enum LearningRateSchedule: Codable, Sendable, Equatable {
    /// The same rate at every step.
    case constant(Float)
    /// `initial · factor^⌊step / every⌋`.
    case step(initial: Float, factor: Float, every: Int)
    /// Cosine annealing (Loshchilov and Hutter, 2017) from `initial` to `minimum` over `steps`:
    /// `min + (initial − min)(1 + cos(π t / steps)) / 2`, then `minimum`.
    case cosine(initial: Float, minimum: Float = 0, steps: Int)
    /// The one-cycle policy (Smith and Topin, 2019) as PyTorch's `OneCycleLR` with cosine phases:
    /// from `maximum / 25` up to `maximum` over the first `warmup` share of `steps`, then down to
    /// `maximum / 25 / 10⁴`.
    case oneCycle(maximum: Float, steps: Int, warmup: Float = 0.3)
    /// Reduce-on-plateau: starts at `initial` and is lowered by the trainer at the end of an
    /// epoch when the watched validation metric stops improving (see ``Plateau``). As a function
    /// of the step alone it is `initial`: the reductions are the trainer's state
    /// (``TrainingCheckpoint/plateau``), and ``EpochRecord/learningRate`` records each epoch's rate.
    case plateau(initial: Float, Plateau)

    /// The learning rate at a 0-based step.
    ///
    /// - Parameter step: The number of steps already taken.
    public func callAsFunction(_ step: Int) -> Float {
        switch self {
        case .constant(let rate), .plateau(let rate, _):
            return rate
        case .step(let initial, let factor, let every):
            return initial * Float(pow(Double(factor), Double(step / max(every, 1))))
        case .cosine(let initial, let minimum, let steps):
            let t = Double(min(step, steps)) / Double(max(steps, 1))
            return minimum + (initial - minimum) * Float((1 + cos(Double.pi * t)) / 2)
        case .oneCycle(let maximum, let steps, let warmup):
            let start = maximum / 25, end = start / 10_000
            let peak = max(1, Int((Double(warmup) * Double(steps)).rounded()) - 1)
            func anneal(_ from: Float, _ to: Float, _ fraction: Double) -> Float {
                to + (from - to) * Float((1 + cos(Double.pi * min(max(fraction, 0), 1))) / 2)
            }
            if step <= peak { return anneal(start, maximum, Double(step) / Double(peak)) }
            return anneal(maximum, end, Double(step - peak) / Double(max(steps - 1 - peak, 1)))
        }
    }

    /// The schedule as a plain function.
    public var function: @Sendable (Int) -> Float {
        let schedule = self
        return { schedule($0) }
    }

    /// The rate at step 0.
    public var initialRate: Float { self(0) }

    /// The reduce-on-plateau settings, when this is that schedule.
    public var plateau: Plateau? {
        if case .plateau(_, let plateau) = self { plateau } else { nil }
    }
}
