import Testing
@testable import Notebook

/// YAML problems and parameter positions, reported in the notebook file's coordinates.
@Suite struct ParameterPositionTests {
    struct Case: Sendable, CustomStringConvertible {
        var name: String
        var markdown: String
        /// `line:column: message`.
        var expected: String
        var description: String { name }
    }

    @Test(arguments: [
        Case(name: "top level",
             markdown: "# T\n\n```loom a\nk: v\n  z: 1\n```\n",
             expected: "5:4: invalid YAML: mapping values are not allowed in this context"),
        Case(name: "block quote",
             markdown: "> text\n>\n> ```loom a\n> k: v\n>   z: 1\n> ```\n",
             expected: "5:6: invalid YAML: mapping values are not allowed in this context"),
        Case(name: "block quote without space",
             markdown: ">```loom a\n>k: v\n>  z: 1\n>```\n",
             expected: "3:5: invalid YAML: mapping values are not allowed in this context"),
        Case(name: "list item",
             markdown: "- item\n\n  ```loom a\n  k: v\n    z: 1\n  ```\n",
             expected: "5:6: invalid YAML: mapping values are not allowed in this context"),
        Case(name: "quote in a list",
             markdown: "1. item\n   > ```loom a\n   > k: v\n   >   z: 1\n   > ```\n",
             expected: "4:9: invalid YAML: mapping values are not allowed in this context"),
        Case(name: "indented fence",
             markdown: "  ```loom a\n  k: v\n    z: 1\n  ```\n",
             expected: "3:6: invalid YAML: mapping values are not allowed in this context"),
        Case(name: "unicode before the error",
             markdown: "```loom a\nnäme: 東京 k: v\n```\n",
             expected: "2:11: invalid YAML: mapping values are not allowed in this context"),
        Case(name: "tab indentation",
             markdown: "```loom a\nk:\n\tz: 1\n```\n",
             expected: "3:1: invalid YAML: found character that cannot start any token (while scanning for the next token)"),
        Case(name: "unclosed flow sequence ends at the closing fence",
             markdown: "```loom a\nk: [1, 2\n```\n",
             expected: "3:1: invalid YAML: did not find expected ',' or ']' (while parsing a flow sequence)"),
        Case(name: "unclosed quote",
             markdown: "```loom a\nk: 'open\n```\n",
             expected: "3:1: invalid YAML: found unexpected end of stream (while scanning a quoted scalar)"),
        Case(name: "duplicate key",
             markdown: "```loom a\nepochs: 1\nseed: 0\nepochs: 2\n```\n",
             expected: "2:1: the key 'epochs' appears more than once in the same mapping"),
        Case(name: "two documents",
             markdown: "```loom a\nk: 1\n---\nk: 2\n```\n",
             expected: "3:1: the cell's body must be a single YAML document; remove the '---' or '...' separator"),
        Case(name: "sequence body",
             markdown: "```loom a\n- a\n- b\n```\n",
             expected: "2:1: the cell's body must be a YAML mapping of 'name: value' lines, not a list"),
        Case(name: "scalar body",
             markdown: "> ```loom a\n> just words\n> ```\n",
             expected: "2:3: the cell's body must be a YAML mapping of 'name: value' lines, not a string"),
        Case(name: "number body",
             markdown: "```loom a\n42\n```\n",
             expected: "2:1: the cell's body must be a YAML mapping of 'name: value' lines, not an integer"),
        Case(name: "complex key",
             markdown: "```loom a\n? [a, b]\n: 1\n```\n",
             expected: "2:3: a parameter name must be a single word, not a list or a mapping"),
        Case(name: "unsupported tag",
             markdown: "```loom a\nk: !!int '5'\n```\n",
             expected: "2:4: the YAML tag 'tag:yaml.org,2002:int' is not supported; write the value without a tag"),
        Case(name: "after a previous run's output block",
             markdown: "<!-- loom:output cell=0 -->\n\nold\n\n<!-- /loom:output -->\n\n```loom a\nk: v\n  z: 1\n```\n",
             expected: "9:4: invalid YAML: mapping values are not allowed in this context"),
    ])
    func yamlProblem(_ testCase: Case) {
        let document = parse(testCase.markdown)
        #expect(document.cells.count == 1)
        #expect(document.diagnostics.map { "\($0.position): \($0.message)" } == [testCase.expected])
        #expect(document.diagnostics.allSatisfy { $0.action == "a" && $0.severity == .error })
    }

    @Test func invalidBodyLeavesAnEmptyMapping() {
        let document = parse("```loom a\nk: [1\n```\n")
        #expect(document.cells[0].parameters == .mapping([], SourcePosition(line: 1, column: 1)))
        #expect(document.cells[0].body == "k: [1\n")
    }

    @Test func nodePositionsInAQuotedListItem() throws {
        let document = parse("> - step\n>\n>   ```loom train.mlp as mlp\n>   layers:\n>     - dense: 128\n>     - relu\n>   rate: \"0.1\"\n>   ```\n")
        let parameters = try #require(document.cells.first?.parameters)
        #expect(parameters.position == SourcePosition(line: 4, column: 5))
        #expect(parameters.entry(forKey: "layers")?.keyPosition == SourcePosition(line: 4, column: 5))
        let layers = try #require(parameters["layers"]?.elements)
        #expect(layers.map(\.position) == [SourcePosition(line: 5, column: 9), SourcePosition(line: 6, column: 9)])
        #expect(layers[0].entry(forKey: "dense")?.keyPosition == SourcePosition(line: 5, column: 9))
        #expect(layers[0]["dense"]?.position == SourcePosition(line: 5, column: 16))
        #expect(layers[1] == .scalar("relu", SourcePosition(line: 6, column: 9), .plain))
        #expect(parameters["rate"] == .scalar("0.1", SourcePosition(line: 7, column: 11), .doubleQuoted))
    }

    @Test func positionsCountUnicodeScalars() {
        let document = parse("```loom a\nnäme: 東京🧵\nnext: 1\n```\n")
        let parameters = document.cells[0].parameters
        #expect(parameters["näme"]?.position == SourcePosition(line: 2, column: 7))
        #expect(parameters.entry(forKey: "next")?.keyPosition == SourcePosition(line: 3, column: 1))
    }

    @Test func crlfPositions() {
        let text = "# T\r\n\r\n> ```loom a\r\n> k: v\r\n>   z: 1\r\n> ```\r\n"
        let document = parse(text)
        #expect(document.diagnostics.map(\.position) == [SourcePosition(line: 5, column: 6)])
    }
}
