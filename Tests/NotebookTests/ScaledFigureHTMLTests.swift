import Foundation
import Testing
@testable import Notebook

@Suite struct ScaledFigureHTMLTests {
    @Test func anImgWithAWidthAndItsCaptionBecomeOneFigure() {
        let markdown = """
            Text before.

            <img src="data:image/png;base64,iVBO" alt="Loss" width="320">

            *Figure 1: Loss.*

            Text after.
            """
        let html = HTMLPage.fragment(markdown: markdown)
        #expect(html.contains("<figure><img src=\"data:image/png;base64,iVBO\" alt=\"Loss\" width=\"320\"><figcaption>Figure 1: Loss.</figcaption></figure>"),
                "\(html)")
    }

    @Test func aMarkdownImageAndItsCaptionStillBecomeOneFigure() {
        let html = HTMLPage.fragment(markdown: "![Loss](data:image/png;base64,iVBO)\n\n*Figure 2: Loss.*\n")
        #expect(html.contains("<figure><img src=\"data:image/png;base64,iVBO\" alt=\"Loss\" /><figcaption>Figure 2: Loss.</figcaption></figure>"),
                "\(html)")
    }
}
