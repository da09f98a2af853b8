import Testing
@testable import Notebook

/// Typed accessors follow the YAML 1.2 core schema; canonical forms ignore spelling.
@Suite struct ParameterValueTests {
    struct Scalar: Sendable, CustomStringConvertible {
        var yaml: String
        var kind: ParameterKind
        var int: Int?
        var double: Double?
        var bool: Bool?
        var string: String?
        var description: String { yaml }
    }

    @Test(arguments: [
        Scalar(yaml: "42", kind: .integer, int: 42, double: 42, bool: nil, string: nil),
        Scalar(yaml: "-7", kind: .integer, int: -7, double: -7, bool: nil, string: nil),
        Scalar(yaml: "+3", kind: .integer, int: 3, double: 3, bool: nil, string: nil),
        Scalar(yaml: "0x2A", kind: .integer, int: 42, double: 42, bool: nil, string: nil),
        Scalar(yaml: "0o52", kind: .integer, int: 42, double: 42, bool: nil, string: nil),
        // YAML 1.2: a leading zero is decimal, and underscores are not digits.
        Scalar(yaml: "052", kind: .integer, int: 52, double: 52, bool: nil, string: nil),
        Scalar(yaml: "1_000", kind: .string, int: nil, double: nil, bool: nil, string: "1_000"),
        Scalar(yaml: "0.8", kind: .float, int: nil, double: 0.8, bool: nil, string: nil),
        Scalar(yaml: "0.80", kind: .float, int: nil, double: 0.8, bool: nil, string: nil),
        Scalar(yaml: ".5", kind: .float, int: nil, double: 0.5, bool: nil, string: nil),
        Scalar(yaml: "1.", kind: .float, int: nil, double: 1, bool: nil, string: nil),
        Scalar(yaml: "1e-3", kind: .float, int: nil, double: 0.001, bool: nil, string: nil),
        Scalar(yaml: "-2.5E+2", kind: .float, int: nil, double: -250, bool: nil, string: nil),
        Scalar(yaml: ".inf", kind: .float, int: nil, double: .infinity, bool: nil, string: nil),
        Scalar(yaml: "-.Inf", kind: .float, int: nil, double: -.infinity, bool: nil, string: nil),
        Scalar(yaml: "true", kind: .boolean, int: nil, double: nil, bool: true, string: nil),
        Scalar(yaml: "False", kind: .boolean, int: nil, double: nil, bool: false, string: nil),
        Scalar(yaml: "TRUE", kind: .boolean, int: nil, double: nil, bool: true, string: nil),
        // YAML 1.1's booleans are strings in 1.2.
        Scalar(yaml: "yes", kind: .string, int: nil, double: nil, bool: nil, string: "yes"),
        Scalar(yaml: "off", kind: .string, int: nil, double: nil, bool: nil, string: "off"),
        Scalar(yaml: "tRuE", kind: .string, int: nil, double: nil, bool: nil, string: "tRuE"),
        Scalar(yaml: "'5'", kind: .string, int: nil, double: nil, bool: nil, string: "5"),
        Scalar(yaml: "\"true\"", kind: .string, int: nil, double: nil, bool: nil, string: "true"),
        Scalar(yaml: "!!str 5", kind: .string, int: nil, double: nil, bool: nil, string: "5"),
        Scalar(yaml: "adam", kind: .string, int: nil, double: nil, bool: nil, string: "adam"),
        Scalar(yaml: "cross-entropy", kind: .string, int: nil, double: nil, bool: nil, string: "cross-entropy"),
        Scalar(yaml: "1.2.3", kind: .string, int: nil, double: nil, bool: nil, string: "1.2.3"),
        Scalar(yaml: "0x", kind: .string, int: nil, double: nil, bool: nil, string: "0x"),
        Scalar(yaml: "e3", kind: .string, int: nil, double: nil, bool: nil, string: "e3"),
        Scalar(yaml: "~", kind: .null, int: nil, double: nil, bool: nil, string: nil),
        Scalar(yaml: "null", kind: .null, int: nil, double: nil, bool: nil, string: nil),
        Scalar(yaml: "", kind: .null, int: nil, double: nil, bool: nil, string: nil),
        Scalar(yaml: "'null'", kind: .string, int: nil, double: nil, bool: nil, string: "null"),
    ])
    func scalar(_ expected: Scalar) throws {
        let node = try #require(value(expected.yaml))
        #expect(node.kind == expected.kind)
        #expect(node.asInt == expected.int)
        #expect(node.asDouble == expected.double)
        #expect(node.asBool == expected.bool)
        #expect(node.asString == expected.string)
        #expect(node.isNull == (expected.kind == .null))
    }

    @Test func nanIsAFloat() throws {
        let node = try #require(value(".NaN"))
        #expect(node.kind == .float)
        #expect(node.asDouble?.isNaN == true)
    }

    @Test func integerTooLargeForInt() throws {
        let node = try #require(value("123456789012345678901234567890"))
        #expect(node.kind == .integer)
        #expect(node.asInt == nil)
        #expect(node.asDouble == 1.2345678901234568e29)
    }

    @Test func blockScalarsAreStrings() throws {
        let node = parameters("text: |\n  line one\n  line two\nfolded: >\n  a\n  b\n")
        #expect(node["text"]?.asString == "line one\nline two\n")
        #expect(node["folded"]?.asString == "a b\n")
        #expect(node["text"]?.scalarText == "line one\nline two\n")
    }

    @Test func scalarTextKeepsTheSpelling() {
        #expect(value("0.80")?.scalarText == "0.80")
        #expect(value("[1]")?.scalarText == nil)
    }

    @Test func containers() throws {
        let node = parameters("layers:\n  - conv: {filters: 32, kernel: 3}\n  - relu\nempty: {}\nnone: []\n")
        #expect(node.kind == .mapping)
        #expect(node.entries?.map(\.key) == ["layers", "empty", "none"])
        let layers = try #require(node["layers"]?.elements)
        #expect(layers.count == 2)
        #expect(layers[0]["conv"]?["filters"]?.asInt == 32)
        #expect(layers[1].asString == "relu")
        #expect(node["empty"]?.entries == [])
        #expect(node["none"]?.elements == [])
        #expect(node["missing"] == nil)
        #expect(node["layers"]?["conv"] == nil)
        #expect(layers[1]["relu"] == nil)
    }

    @Test(arguments: [
        (ParameterKind.null, "null"), (.boolean, "a boolean"), (.integer, "an integer"), (.float, "a number"),
        (.string, "a string"), (.sequence, "a list"), (.mapping, "a mapping"),
    ])
    func kindDescriptions(kind: ParameterKind, text: String) {
        #expect(kind.description == text)
    }
}
