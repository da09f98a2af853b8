import Foundation
import Testing
@testable import Notebook

@Suite struct HTMLPageSafetyTests {
    @Test func thePageCarriesAPolicyThatAllowsNoScript() {
        let page = HTMLPage.render(markdown: "# T\n", title: "t", baseDirectory: "/nonexistent")
        #expect(page.contains("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; script-src 'none'; "
                              + "style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'; frame-src 'none'; object-src 'none'\">"))
    }

    /// Only image files under the notebook's folder are inlined: a notebook cannot pull other
    /// files (keys, /etc/passwd) into a page that is then shared.
    @Test func onlyRelativeImageFilesAreInlined() throws {
        let root = NSTemporaryDirectory() + "loom-html-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: root + "/nb", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: root) }
        try Data([0x89, 0x50]).write(to: URL(fileURLWithPath: root + "/nb/fig.png"))
        try Data("secret".utf8).write(to: URL(fileURLWithPath: root + "/secret.png"))
        try Data("key".utf8).write(to: URL(fileURLWithPath: root + "/nb/id_rsa"))
        let html = "<img src=\"fig.png\"><img src=\"../secret.png\"><img src=\"\(root)/secret.png\"><img src=\"id_rsa\">"
        let inlined = HTMLPage.inlineImages(html, baseDirectory: root + "/nb")
        #expect(inlined == "<img src=\"data:image/png;base64,iVA=\"><img src=\"../secret.png\"><img src=\"\(root)/secret.png\">"
                + "<img src=\"id_rsa\">")
    }
}
