import Engine
import Notebook
import Testing

/// The one canonical form (``Value/canonical``) of YAML read through the one core-schema reader
/// (``ParameterNodeReader``): what cache keys hash, so spelling must not matter and meaning must.
@Suite struct CanonicalFormTests {
    func canonical(_ body: String) -> String {
        let document = NotebookDocument.parse(path: "n.md", text: "```loom test\n" + body + "\n```\n")
        return ParameterNodeReader(document.cells[0].parameters).plainValue.canonical
    }

    @Test func integersTooLargeForIntAreNumbers() {
        #expect(canonical("n: 123456789012345678901234567890") == canonical("n: +000123456789012345678901234567890"))
        #expect(canonical("n: 123456789012345678901234567890") == #"{"n":1.2345678901234568e+29}"#)
    }

    @Test(arguments: [
        ("a: 1\nb: 2", "b: 2\na: 1"),
        ("a: 1  # a comment\n# another\nb: 2", "a: 1\nb: 2"),
        ("rate: 0.80", "rate: 0.8"),
        ("rate: 0.8", "rate: 8e-1"),
        ("rate: 0.001", "rate: 1.0e-3"),
        ("size: 16", "size: 0x10"),
        ("size: 16", "size: +016"),
        ("on: yes", "on: 'yes'"),
        ("on: yes", "on: \"yes\""),
        ("flag: true", "flag: True"),
        ("opt: adam", "opt: \"adam\""),
        ("none: ~", "none:"),
        ("none: null", "none: NULL"),
        ("o: {adam: {lr: 0.001, beta: 0.9}}", "o:\n  adam:\n    beta: 0.90\n    lr: 1e-3"),
        ("l: [1, 2, 3]", "l:\n  - 1\n  - 2\n  - 3"),
        ("s: 'it''s'", "s: \"it's\""),
        ("s: \"a\\tb\"", "s: \"a\\u0009b\""),
        ("k: |\n  x\n", "k: \"x\\n\""),
        ("inf: .inf", "inf: +.INF"),
    ])
    func sameCanonicalForm(first: String, second: String) {
        #expect(canonical(first) == canonical(second))
    }

    @Test(arguments: [
        ("n: 1", "n: 1.0"),
        ("n: 1", "n: '1'"),
        ("b: true", "b: 'true'"),
        ("b: true", "b: yes"),
        ("z: null", "z: 'null'"),
        ("l: [a, b]", "l: [b, a]"),
        ("s: a", "s: A"),
        ("m: {a: 1}", "m: {a: 1, b: 2}"),
        ("z: 0.0", "z: -0.0"),
    ])
    func differentCanonicalForm(first: String, second: String) {
        #expect(canonical(first) != canonical(second))
    }

    @Test func canonicalFormIsSortedCompactJSON() {
        #expect(canonical("zeta: [1, 2.50, 'x']\nalpha: {b: ~, a: TRUE}\n\"quote\\\"d\": \"line\\nbreak\"\nétoile: ★\n")
            == #"{"alpha":{"a":true,"b":null},"quote\"d":"line\nbreak","zeta":[1,2.5,"x"],"étoile":"★"}"#)
    }
}
