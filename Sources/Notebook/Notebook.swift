// TEMPORARY lead-side declarations so that Engine compiles while the Notebook module is being written
// on branch `notebook`; replaced wholesale at merge.
public struct SourcePosition: Hashable, Sendable, Comparable {
    public var line: Int
    public var column: Int
    public init(line: Int, column: Int) { self.line = line; self.column = column }
    public static func < (a: Self, b: Self) -> Bool { (a.line, a.column) < (b.line, b.column) }
}
public struct Diagnostic: Error, Hashable, Sendable, CustomStringConvertible {
    public enum Severity: Sendable { case error, warning }
    public var path: String
    public var position: SourcePosition
    public var action: String?
    public var message: String
    public var severity: Severity
    public init(path: String, position: SourcePosition, action: String?, message: String, severity: Severity = .error) {
        self.path = path; self.position = position; self.action = action; self.message = message; self.severity = severity
    }
    public var description: String {
        "\(path):\(position.line):\(position.column): " + (action.map { "\($0): " } ?? "") + message
    }
}
public indirect enum ParameterNode: Sendable, Hashable {
    public struct Entry: Sendable, Hashable {
        public var key: String
        public var keyPosition: SourcePosition
        public var value: ParameterNode
    }
    case scalar(String, SourcePosition)
    case sequence([ParameterNode], SourcePosition)
    case mapping([Entry], SourcePosition)
    case null(SourcePosition)
    public var position: SourcePosition {
        switch self {
        case .scalar(_, let p), .sequence(_, let p), .mapping(_, let p), .null(let p): p
        }
    }
}
public struct Cell: Sendable, Hashable {
    public var index: Int
    public var action: String
    public var actionPosition: SourcePosition
    public var resultName: String?
    public var resultNamePosition: SourcePosition?
    public var infoString: String
    public var startLine: Int
    public var endLine: Int
    public var body: String
    public var parameters: ParameterNode
}
public struct NotebookDocument: Sendable {
    public var path: String
    public var text: String
    public var cells: [Cell]
    public var diagnostics: [Diagnostic]
    public static func parse(path: String, text: String) -> NotebookDocument {
        NotebookDocument(path: path, text: text, cells: [], diagnostics: [])
    }
}
extension ParameterNode {
    public var scalarText: String? { if case .scalar(let s, _) = self { s } else { nil } }
    public var isQuotedScalar: Bool { false }
}
public struct ExecutedCellOutput: Sendable {
    public var attributes: [(String, String)]
    public var markdown: String
    public init(attributes: [(String, String)], markdown: String) { self.attributes = attributes; self.markdown = markdown }
}
public func renderExecutedNotebook(_ document: NotebookDocument, outputs: [Int: ExecutedCellOutput], summary: String) -> String { document.text }
public func writeAtomically(_ text: String, to path: String) throws {}
