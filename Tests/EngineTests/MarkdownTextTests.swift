import Engine
import Foundation
import Notebook
import Testing

@Suite struct MarkdownTextTests {
    static let attacks = ["<img src=x onerror=alert(1)>", "[x](javascript:alert(2))", "![i](javascript:alert(3))",
                          "<script>alert(4)</script>", "a | b", "`code` & \\<b>"]

    @Test(arguments: attacks)
    func aTableCellRendersAsItsText(text: String) {
        var table = Table(columns: ["class", "n"])
        table.append([text, "**1**"])
        let html = renderHTML(markdown: table.markdown)
        #expect(!html.contains("<img"), "\(html)")
        #expect(!html.contains("<script"), "\(html)")
        #expect(!html.contains("href=\"javascript:"), "\(html)")
        #expect(!html.contains("<a href"), "\(html)")
        // The action's own emphasis stays.
        #expect(html.contains("<strong>1</strong>"))
    }

    @Test(arguments: attacks)
    func literalTextRendersAsExactlyItself(text: String) {
        let html = renderHTML(markdown: "Before " + MarkdownText.literal(text) + " after.")
        #expect(html == "<p>Before " + MarkdownText.html(text).replacingOccurrences(of: "&#39;", with: "'") + " after.</p>\n")
    }

    /// A web address in data may become a link (GitHub links bare URLs too), but never markup.
    @Test func aWebAddressStaysAnAddress() {
        let html = renderHTML(markdown: MarkdownText.literal("<https://example.com>"))
        #expect(html.hasPrefix("<p>&lt;"))
        #expect(!html.contains("javascript:"))
    }

    @Test func theExactEscapes() {
        #expect(MarkdownText.literal("[x](javascript:alert(2))") == "\\[x\\](javascript:alert(2))")
        #expect(MarkdownText.tableCell("<img src=x onerror=alert(1)>") == "\\<img src=x onerror=alert(1)\\>")
        #expect(MarkdownText.tableCell("**total** | 3") == "**total** \\| 3")
        #expect(MarkdownText.html("<b a=\"1\">&'") == "&lt;b a=&quot;1&quot;&gt;&amp;&#39;")
    }

    /// A failing cell's message (here a parameter value) and a figure's title are escaped too.
    @Test func errorsAndFigureTitlesAreEscaped() throws {
        let harness = Harness()
        let report = try harness.run("```loom fail\nwhy: \"<img src=y onerror=alert(7)>\"\n```\n")
        #expect(report.cells.first?.status.word == "failed")
        let html = renderHTML(markdown: harness.output)
        #expect(!html.contains("<img src=y"), "\(html)")
        #expect(html.contains("&lt;img src=y onerror=alert(7)&gt;"))
        let figure = try [OutputItem.figure(FigureOutput(name: "f", title: "<img src=t onerror=alert(9)>](javascript:x)",
                                                         png: Data([1])))].markdown(figures: .embedded, prefix: "cell-01")
        #expect(!renderHTML(markdown: figure).contains("<img src=t"))
        let details = try [OutputItem.details(summary: "<img src=s onerror=alert(5)>", body: "x")]
            .markdown(figures: .embedded, prefix: "cell-01")
        #expect(details.contains("<summary>&lt;img src=s onerror=alert(5)&gt;</summary>"))
    }
}
