import Foundation
import Testing
import Yams
@testable import Notebook

@Suite struct YAMLLimitTests {
    /// 430-odd bytes of anchors, each a list of ten aliases of the one before: 10^9 leaves.
    static let billionLaughs = """
        ```loom split
        a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]
        b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]
        c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]
        d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]
        e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]
        f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]
        g: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f, *f]
        h: &h [*g, *g, *g, *g, *g, *g, *g, *g, *g, *g]
        i: &i [*h, *h, *h, *h, *h, *h, *h, *h, *h, *h]
        ```
        """

    @Test func aBillionLaughsIsOneErrorAndQuick() {
        let clock = ContinuousClock()
        var document: NotebookDocument?
        let elapsed = clock.measure { document = parse(Self.billionLaughs) }
        #expect(elapsed < .seconds(5))
        #expect(document.map(messages) == [
            "the cell's YAML expands to more than 100000 values through its aliases ('*name'); "
                + "write the values out or use fewer aliases",
        ])
        #expect(document?.cells.first?.parameters == .mapping([], SourcePosition(line: 1, column: 1)))
    }

    @Test func aFewAliasesAreStillFine() {
        let document = parse("```loom split\nbase: &b {train: 0.8}\nother: *b\n```\n")
        #expect(messages(document).isEmpty)
    }

    @Test func theLimitCountsExpandedNodesAndStopsEarly() throws {
        let node = try #require(try Yams.compose(yaml: "[1, 2, 3]"))
        #expect(!YAMLLimits.exceedsExpansionLimit(node, limit: 4))
        #expect(YAMLLimits.exceedsExpansionLimit(node, limit: 3))
    }
}
