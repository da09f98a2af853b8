/// An error that a user's input to the Figures module can cause.
///
/// Programmer mistakes (a heatmap whose value count does not match its shape, say) stop the
/// program with a precondition instead; these errors are the ones a caller should report.
public enum FiguresError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The bytes given to ``PNGImage/decode(_:)`` are not a PNG image that libpng can read.
    case pngDecodingFailed(reason: String)
    /// libpng refused to encode the pixels.
    case pngEncodingFailed(reason: String)
    /// A figure's pixel size is empty or too large to render.
    case invalidFigureSize(width: Int, height: Int)
    /// Cairo reported an error while drawing.
    case renderingFailed(reason: String)
    /// A file could not be written.
    case writeFailed(path: String, reason: String)

    public var description: String {
        switch self {
        case .pngDecodingFailed(let reason):
            return "The data is not a readable PNG image: \(reason)."
        case .pngEncodingFailed(let reason):
            return "The pixels could not be encoded as PNG: \(reason)."
        case .invalidFigureSize(let width, let height):
            return "A figure of \(width)×\(height) pixels cannot be rendered; "
                + "each side must be between 1 and \(Figure.maximumPixelSide) pixels."
        case .renderingFailed(let reason):
            return "Cairo could not draw the figure: \(reason)."
        case .writeFailed(let path, let reason):
            return "The file '\(path)' could not be written: \(reason)."
        }
    }
}
