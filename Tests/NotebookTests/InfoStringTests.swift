import Testing
@testable import Notebook

/// `loom ACTION [as NAME]`: what is read, and what is reported where.
@Suite struct InfoStringTests {
    struct Case: Sendable, CustomStringConvertible {
        var info: String
        var action: String
        var resultName: String?
        /// The expected diagnostics, as `column: message`, all on line 1.
        var diagnostics: [String]
        var description: String { info }
    }

    @Test(arguments: [
        Case(info: "loom load", action: "load", resultName: nil, diagnostics: []),
        Case(info: "loom train.cnn as cnn", action: "train.cnn", resultName: "cnn", diagnostics: []),
        Case(info: "loom  train.mlp\tas   mlp_2-b", action: "train.mlp", resultName: "mlp_2-b", diagnostics: []),
        Case(info: "loom eval as _x", action: "eval", resultName: "_x", diagnostics: []),
        Case(info: "loom", action: "", resultName: nil,
             diagnostics: ["8: the cell names no action; write 'loom ACTION' or 'loom ACTION as NAME'"]),
        Case(info: "loom x as", action: "x", resultName: nil,
             diagnostics: ["11: expected a result name after 'as'"]),
        Case(info: "loom as y", action: "", resultName: nil,
             diagnostics: ["9: expected an action name before 'as'"]),
        Case(info: "loom x y", action: "x", resultName: nil,
             diagnostics: ["11: unexpected 'y' after the action; write 'loom x as NAME' to name the result"]),
        Case(info: "loom x as 9y", action: "x", resultName: nil,
             diagnostics: ["14: the result name '9y' is not a name; use a letter or '_' followed by letters, digits, '_' or '-'"]),
        Case(info: "loom x as a.b", action: "x", resultName: nil,
             diagnostics: ["14: the result name 'a.b' is not a name; use a letter or '_' followed by letters, digits, '_' or '-'"]),
        Case(info: "loom x as y z", action: "x", resultName: "y",
             diagnostics: ["16: unexpected 'z' after the result name"]),
        Case(info: "loom evaluate model=cnn", action: "evaluate", resultName: nil,
             diagnostics: ["18: unexpected 'model=cnn' after the action; write 'loom evaluate as NAME' to name the result"]),
    ])
    func infoString(_ testCase: Case) {
        let document = parse("```" + testCase.info + "\n```\n")
        #expect(document.cells.count == 1)
        let cell = document.cells[0]
        #expect(cell.action == testCase.action)
        #expect(cell.resultName == testCase.resultName)
        #expect(cell.infoString == testCase.info)
        #expect(cell.parameters.entries == [])
        #expect(document.diagnostics.map { "\($0.position.column): \($0.message)" } == testCase.diagnostics)
        #expect(document.diagnostics.allSatisfy { $0.position.line == 1 && $0.severity == .error })
    }

    @Test func diagnosticsNameTheActionWhenThereIsOne() {
        let document = parse("```loom x y\n```\n\n```loom\n```\n")
        #expect(document.diagnostics.map(\.description) == [
            "n.md:1:11: x: unexpected 'y' after the action; write 'loom x as NAME' to name the result",
            "n.md:4:8: the cell names no action; write 'loom ACTION' or 'loom ACTION as NAME'",
        ])
    }

    @Test func positionsOfActionAndResultName() {
        let document = parse(sampleNotebook)
        let positions = document.cells.map { [$0.actionPosition, $0.resultNamePosition] }
        #expect(positions == [
            [SourcePosition(line: 5, column: 9), nil],
            // `  ```loom split as parts` in a list item.
            [SourcePosition(line: 12, column: 11), SourcePosition(line: 12, column: 20)],
            // `> ```loom train.cnn as cnn` in a block quote.
            [SourcePosition(line: 20, column: 11), SourcePosition(line: 20, column: 24)],
        ])
    }

    @Test func positionsAfterALongerTildeFence() {
        let document = parse("- > ~~~~ loom  a as b\n  > ~~~~\n")
        #expect(document.cells.first?.actionPosition == SourcePosition(line: 1, column: 16))
        #expect(document.cells.first?.resultNamePosition == SourcePosition(line: 1, column: 21))
    }

    @Test func malformedCellsKeepTheirNumbers() {
        let document = parse("```loom\n```\n\n```loom b\nk: [unclosed\n```\n\n```loom c\n- not a mapping\n```\n\n```loom d\n```\n")
        #expect(document.cells.map(\.index) == [0, 1, 2, 3])
        #expect(document.cells.map(\.action) == ["", "b", "c", "d"])
        #expect(document.diagnostics.map(\.position.line) == [1, 6, 9])
        #expect(document.hasErrors)
    }

    @Test(arguments: ["a", "_", "A_b-9", "x--", "_0"])
    func identifiers(name: String) {
        #expect(isIdentifier(name))
    }

    @Test(arguments: ["", "9a", "-a", "a.b", "a b", "é", "a/b", "a:b"])
    func notIdentifiers(name: String) {
        #expect(!isIdentifier(name))
    }
}
