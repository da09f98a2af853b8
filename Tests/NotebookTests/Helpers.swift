@testable import Notebook

/// Parses a notebook named `n.md`.
func parse(_ text: String) -> NotebookDocument {
    NotebookDocument.parse(path: "n.md", text: text)
}

/// The actions of a notebook's cells, in order.
func actions(_ text: String) -> [String] {
    parse(text).cells.map(\.action)
}

/// The messages of a notebook's diagnostics, in order.
func messages(_ document: NotebookDocument) -> [String] {
    document.diagnostics.map(\.message)
}

/// What a cell means, without positions: two notebooks whose cells agree on this run the same.
struct CellMeaning: Hashable, CustomStringConvertible {
    var action: String
    var resultName: String?
    var infoString: String
    var body: String
    var parameters: String

    init(_ cell: Cell) {
        action = cell.action
        resultName = cell.resultName
        infoString = cell.infoString
        body = cell.body
        parameters = shape(cell.parameters)
    }

    var description: String { "\(action) as \(resultName ?? "-"): \(parameters)" }
}

/// A node without its positions: kinds, texts and structure, for comparing cells across files.
func shape(_ node: ParameterNode) -> String {
    switch node {
    case .null: return "null"
    case .scalar(let text, _, let style): return "\(node.kind)(\(style == .plain ? "" : "quoted "))\(text)"
    case .sequence(let items, _): return "[" + items.map(shape).joined(separator: ",") + "]"
    case .mapping(let entries, _): return "{" + entries.map { "\($0.key):\(shape($0.value))" }.joined(separator: ",") + "}"
    }
}

/// The parameters of the only cell of `body` wrapped in a fence.
func parameters(_ body: String) -> ParameterNode {
    let document = parse("```loom test\n" + body + "\n```\n")
    precondition(document.cells.count == 1)
    return document.cells[0].parameters
}

/// A scalar value parsed from `key: <text>`.
func value(_ text: String) -> ParameterNode? {
    parameters("key: " + text)["key"]
}

/// A small notebook with cells at the top level, in a list and in a block quote.
let sampleNotebook = """
# A study

Some *prose* with unicode: café, naïve, 東京 🧵.

```loom load
dataset: fashion-mnist   # the Debian data set
scale: unit
```

- First step:

  ```loom split as parts
  train: 0.8
  seed: 42
  ```
- Second step

> A quoted cell:
>
> ```loom train.cnn as cnn
> epochs: 5
> optimizer: {adam: {learning-rate: 0.001}}
> ```

Closing words.
"""
