import Foundation
import TensorCore

/// Softmax cross-entropy on logits, with optional label smoothing (Szegedy et al., 2016).
///
/// For logits `z` of one sample, `p = softmax(z)` and the target `q = (1 − ε)·onehot(label) + ε/K`
/// over `K` classes; the loss is `−Σₖ qₖ log pₖ = logsumexp(z) − Σₖ qₖ zₖ`, averaged over the batch,
/// and its gradient with respect to `z` is `(p − q) / B`.
public struct SoftmaxCrossEntropy: Sendable, Equatable {
    /// The label smoothing `ε` in `[0, 1)`.
    public var labelSmoothing: Float

    /// Creates the loss.
    ///
    /// - Parameter labelSmoothing: The share `ε` of the target moved evenly onto every class.
    public init(labelSmoothing: Float = 0) {
        precondition(labelSmoothing >= 0 && labelSmoothing < 1, "Label smoothing must be in [0, 1), got \(labelSmoothing).")
        self.labelSmoothing = labelSmoothing
    }

    /// The batch's mean loss and the number of samples whose largest logit is their label.
    ///
    /// - Parameters:
    ///   - logits: `[batch, classes]` row-major.
    ///   - labels: One label in `0..<classes` per sample.
    ///   - batch: The number of samples.
    ///   - classes: The number of classes.
    ///   - gradient: Where to write `∂loss/∂logits`, or nil to skip it.
    ///   - gradientScale: The factor of the gradient, `1 / batch` unless these samples are one
    ///     part of a larger batch whose mean loss is meant.
    func evaluate(
        logits: UnsafePointer<Float>, labels: UnsafePointer<Int32>, batch: Int, classes: Int,
        gradient: UnsafeMutablePointer<Float>?, gradientScale: Float? = nil
    ) -> (loss: Double, correct: Int) {
        let off = labelSmoothing / Float(classes)
        let on = 1 - labelSmoothing + off
        var total = 0.0
        var correct = 0
        let scale = gradientScale ?? 1 / Float(batch)
        for n in 0..<batch {
            let z = logits + n * classes
            let label = Int(labels[n])
            var largest = z[0], best = 0
            for k in 1..<classes where z[k] > largest {
                largest = z[k]
                best = k
            }
            if best == label { correct += 1 }
            var sum: Float = 0
            for k in 0..<classes { sum += Foundation.exp(z[k] - largest) }
            let logSum = Foundation.log(sum) + largest
            var targetDot: Float = 0
            for k in 0..<classes { targetDot += (k == label ? on : off) * z[k] }
            total += Double(logSum - targetDot)
            if let gradient {
                let g = gradient + n * classes
                for k in 0..<classes {
                    g[k] = (Foundation.exp(z[k] - logSum) - (k == label ? on : off)) * scale
                }
            }
        }
        return (total / Double(batch), correct)
    }

    /// The mean loss of a batch of logits, for checking and reporting.
    ///
    /// - Parameters:
    ///   - logits: `[batch, classes]`.
    ///   - labels: One label per row.
    public func loss(logits: Tensor, labels: [Int32]) -> Float {
        precondition(logits.rank == 2 && logits.shape[0] == labels.count, "Loss needs [batch, classes] logits and one label per row.")
        return logits.withUnsafeBufferPointer { z in
            labels.withUnsafeBufferPointer { l in
                Float(evaluate(logits: z.baseAddress!, labels: l.baseAddress!, batch: labels.count, classes: logits.shape[1], gradient: nil).loss)
            }
        }
    }

    /// The gradient of the mean loss with respect to the logits, `(p − q) / B`.
    ///
    /// - Parameters:
    ///   - logits: `[batch, classes]`.
    ///   - labels: One label per row.
    public func gradient(logits: Tensor, labels: [Int32]) -> Tensor {
        precondition(logits.rank == 2 && logits.shape[0] == labels.count, "Loss needs [batch, classes] logits and one label per row.")
        var result = Tensor.zeros(shape: logits.shape)
        logits.withUnsafeBufferPointer { z in
            labels.withUnsafeBufferPointer { l in
                result.withUnsafeMutableBufferPointer { g in
                    _ = evaluate(logits: z.baseAddress!, labels: l.baseAddress!, batch: labels.count, classes: logits.shape[1], gradient: g.baseAddress!)
                }
            }
        }
        return result
    }
}
