import TensorCore

/// A user mistake found by NeuralNet: a model that cannot be built, data that does not fit it,
/// or bytes that are not a saved model.
///
/// Layer positions are 1-based, counted in the order the layers are listed, so a caller can
/// point at the matching entry (a YAML line) with ``layer``.
public enum NeuralNetError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The model's input shape is not `[channels, height, width]` or `[features]` with positive extents.
    case invalidInputShape([Int])
    /// A layer needs a flat input (`[features]`) but gets an image.
    case needsFlatInput(layer: Int, name: String, shape: [Int])
    /// A layer needs an image input (`[channels, height, width]`) but gets a flat one.
    case needsImageInput(layer: Int, name: String, shape: [Int])
    /// A pooling or convolution window is larger than its (padded) input `[C, H, W]`.
    case windowTooLarge(layer: Int, name: String, window: Int, shape: [Int])
    /// A layer parameter is out of range.
    case invalidParameter(layer: Int, name: String, parameter: String, reason: String)
    /// The model has no layers or its last layer does not produce one score per class.
    case notAClassifier(outputShape: [Int])
    /// A label is outside `0..<classes`.
    case labelOutOfRange(label: Int32, classes: Int)
    /// Images do not have the shape the model expects.
    case imageShapeMismatch(expected: [Int], got: [Int])
    /// The pixel and label arrays disagree with the image shape.
    case inconsistentImageSet(pixels: Int, labels: Int, imageShape: [Int])
    /// A data set is empty.
    case emptyData(String)
    /// A training setting is out of range.
    case invalidSetting(name: String, reason: String)
    /// Bytes are not a saved model or checkpoint of this version.
    case corruptData(String)
    /// A reduced inference precision that this processor cannot run.
    case precisionUnavailable(precision: String, reason: String)

    /// The 1-based position of the layer at fault, where there is one.
    public var layer: Int? {
        switch self {
        case .needsFlatInput(let layer, _, _), .needsImageInput(let layer, _, _),
            .windowTooLarge(let layer, _, _, _), .invalidParameter(let layer, _, _, _):
            return layer
        default:
            return nil
        }
    }

    /// A sentence that describes the mistake and, where possible, how to fix it.
    public var description: String {
        switch self {
        case .invalidInputShape(let shape):
            return "The input shape \(formatShape(shape)) is not channels×height×width or a number of features with positive sizes."
        case .needsFlatInput(let layer, let name, let shape):
            return "layer \(layer) '\(name)' needs a flat input but gets \(formatShape(shape)); add 'flatten' before it"
        case .needsImageInput(let layer, let name, let shape):
            return "layer \(layer) '\(name)' needs a channels×height×width input but gets \(formatShape(shape)); remove the 'flatten' before it"
        case .windowTooLarge(let layer, let name, let window, let shape):
            return "layer \(layer) '\(name)' has a \(window)×\(window) window but its input is only \(formatShape(Array(shape.suffix(2)))); use a smaller window, 'same' padding, or fewer pooling layers"
        case .invalidParameter(let layer, let name, let parameter, let reason):
            return "layer \(layer) '\(name)' has an invalid '\(parameter)': \(reason)"
        case .notAClassifier(let shape):
            return "The model's output is \(formatShape(shape)), not one score per class; end it with a 'dense' layer whose units are the number of classes."
        case .labelOutOfRange(let label, let classes):
            return "The label \(label) is outside the model's \(classes) classes (0 to \(classes - 1))."
        case .imageShapeMismatch(let expected, let got):
            return "The images are \(formatShape(got)) but the model expects \(formatShape(expected))."
        case .inconsistentImageSet(let pixels, let labels, let imageShape):
            return "The image set has \(pixels) pixels and \(labels) labels, which do not make whole images of \(formatShape(imageShape))."
        case .emptyData(let what):
            return "The \(what) data is empty."
        case .invalidSetting(let name, let reason):
            return "The setting '\(name)' is invalid: \(reason)."
        case .corruptData(let what):
            return "The data is not a valid \(what)."
        case .precisionUnavailable(let precision, let reason):
            return "precision '\(precision)' is not available here: \(reason)"
        }
    }
}

/// Formats a shape the way messages show it: `64×7×7`.
func formatShape(_ shape: [Int]) -> String {
    shape.isEmpty ? "a scalar" : shape.map(String.init).joined(separator: "×")
}
