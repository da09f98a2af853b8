/// A place in a notebook file: a 1-based line and a 1-based column.
///
/// Columns count Unicode scalars, as editors and YAML parsers do, so a line holding
/// `héllo: 1` puts the colon in column 6 although it is the seventh UTF-8 byte. Positions
/// always refer to the file as it is on disk, including container prefixes such as `> `
/// and list indentation, and including any executed-output blocks the file holds.
public struct SourcePosition: Hashable, Sendable, Comparable, CustomStringConvertible {
    /// The line, counting from 1.
    public var line: Int
    /// The column in Unicode scalars, counting from 1.
    public var column: Int

    /// Creates a position.
    ///
    /// - Parameters:
    ///   - line: The 1-based line.
    ///   - column: The 1-based column in Unicode scalars.
    public init(line: Int, column: Int) {
        precondition(line >= 1 && column >= 1, "source positions are 1-based, got \(line):\(column)")
        self.line = line
        self.column = column
    }

    /// Orders positions by line, then by column.
    public static func < (lhs: SourcePosition, rhs: SourcePosition) -> Bool {
        (lhs.line, lhs.column) < (rhs.line, rhs.column)
    }

    /// `line:column`, as compilers print it.
    public var description: String { "\(line):\(column)" }
}

/// A problem found in a notebook, located in its file.
///
/// Parsing never throws for the user's syntax mistakes: it collects diagnostics, so that
/// `loom check` can report every problem at once. The engine adds its own diagnostics
/// (unknown actions and parameters, bad types) with the same shape.
///
/// ```swift
/// let diagnostic = Diagnostic(
///     path: "notebooks/x.md", position: SourcePosition(line: 23, column: 5),
///     action: "train.cnn", message: "unknown parameter 'epoch'; did you mean 'epochs'?")
/// print(diagnostic)   // notebooks/x.md:23:5: train.cnn: unknown parameter 'epoch'; did you mean 'epochs'?
/// ```
public struct Diagnostic: Error, Hashable, Sendable, CustomStringConvertible {
    /// How serious a diagnostic is.
    public enum Severity: Sendable, Hashable {
        /// The notebook cannot run as written.
        case error
        /// The notebook runs, but probably not as the author meant.
        case warning
    }

    /// The notebook's path, as given to the parser.
    public var path: String
    /// Where the problem is.
    public var position: SourcePosition
    /// The action of the cell the problem is in, when it is in a cell that names one.
    public var action: String?
    /// What is wrong: a phrase that quotes names in single quotes, without a final period.
    public var message: String
    /// Whether the problem stops the notebook from running.
    public var severity: Severity

    /// Creates a diagnostic.
    ///
    /// - Parameters:
    ///   - path: The notebook's path.
    ///   - position: Where the problem is, in the file.
    ///   - action: The action of the cell the problem is in, if any.
    ///   - message: What is wrong, quoting names in single quotes.
    ///   - severity: `.error` (the default) or `.warning`.
    public init(
        path: String, position: SourcePosition, action: String? = nil, message: String,
        severity: Severity = .error
    ) {
        self.path = path
        self.position = position
        self.action = action
        self.message = message
        self.severity = severity
    }

    /// `path:line:column: action: message`, leaving out `action: ` when there is none, and
    /// writing `warning: ` before the message of a warning.
    public var description: String {
        var text = "\(path):\(position.line):\(position.column): "
        if let action, !action.isEmpty { text += "\(action): " }
        if severity == .warning { text += "warning: " }
        return text + message
    }
}

/// The mistakes a user can make that the `Notebook` module reports by throwing.
public enum NotebookError: Error, CustomStringConvertible, Equatable, Sendable {
    /// A notebook file could not be read.
    case cannotRead(path: String, reason: String)
    /// A notebook file is not valid UTF-8 text.
    case notUTF8(path: String)
    /// A file could not be written.
    case cannotWrite(path: String, reason: String)

    /// A whole sentence that quotes the path.
    public var description: String {
        switch self {
        case let .cannotRead(path, reason):
            return "Cannot read '\(path)': \(reason); give the path of a notebook (a Markdown file)."
        case let .notUTF8(path):
            return "The notebook '\(path)' is not UTF-8 text; save it as UTF-8 (a Markdown file) and try again."
        case let .cannotWrite(path, reason):
            return "Cannot write '\(path)': \(reason)."
        }
    }
}
