import FileAccess
import Foundation

/// One self-contained HTML page of an executed notebook: for people without loom.
///
/// Figures linked as files (`--assets`) are inlined as `data:` URIs, so the page is a single
/// file that works offline; tables get styles; a table of contents is built from the headings;
/// `loom` cells are shown with their action highlighted. The layout is responsive, so the page
/// reads on a phone too.
public enum HTMLPage {
    /// - Parameters:
    ///   - markdown: the executed notebook.
    ///   - title: the page title.
    ///   - baseDirectory: where relative image links are resolved.
    public static func render(markdown: String, title: String, baseDirectory: String) -> String {
        let rendered = Self.parts(markdown: markdown, baseDirectory: baseDirectory)
        let (contents, body) = (rendered.contents, rendered.main)
        return """
            <!DOCTYPE html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <meta name="generator" content="loom">
            <meta http-equiv="Content-Security-Policy" content="\(contentSecurityPolicy)">
            <title>\(escape(title))</title>
            <style>\(style)</style>
            </head>
            <body>
            <div class="page">
            \(contents)
            <main>
            \(body)
            </main>
            </div>
            </body>
            </html>

            """
    }

    /// What the page may load: no script at all (the page needs none), styles only from its own
    /// `<style>`, images only as `data:` URIs (the figures are inlined), no frames, forms, plugins
    /// or `<base>`. An event handler or `javascript:` link that reaches the page does not run.
    public static let contentSecurityPolicy = "default-src 'none'; script-src 'none'; style-src 'unsafe-inline'; "
        + "img-src data:; base-uri 'none'; form-action 'none'; frame-src 'none'; object-src 'none'"

    /// The largest image file inlined into a page.
    static let inlineImageLimit = 64 << 20

    /// The parts of a page, for a page that lays itself out (`loom preview`): the same rendering as
    /// ``render(markdown:title:baseDirectory:)``, without the surrounding document.
    public struct Parts: Sendable, Equatable {
        /// The table of contents (`<nav class="toc">…</nav>`), empty without headings.
        public var contents: String
        /// The rendered notebook, for `<main>`.
        public var main: String
    }

    /// Renders an executed notebook's table of contents and body as ``render(markdown:title:baseDirectory:)`` does.
    public static func parts(markdown: String, baseDirectory: String) -> Parts {
        var body = renderHTML(markdown: markdown)
        body = inlineImages(body, baseDirectory: baseDirectory)
        body = figureCaptions(body)
        let (withAnchors, headings) = anchorHeadings(body)
        body = highlightCells(withAnchors)
        let contents = headings.isEmpty ? "" : "<nav class=\"toc\"><strong>Contents</strong><ul>"
            + headings.map { "<li class=\"h\($0.level)\"><a href=\"#\($0.id)\">\($0.text)</a></li>" }.joined()
            + "</ul></nav>"
        return Parts(contents: contents, main: body)
    }

    /// Renders a piece of Markdown (a cell's output) as the page body renders it.
    public static func fragment(markdown: String) -> String {
        highlightCells(figureCaptions(renderHTML(markdown: markdown)))
    }

    /// The page's stylesheet, for a page that serves it as a file.
    public static var stylesheet: String { style }

    /// Replaces `<img src="relative.png">` with a data URI of the file's bytes.
    ///
    /// Only a regular file under `baseDirectory` with an image's extension is read (a relative
    /// path without `..`): an executed notebook cannot pull `/etc/passwd` or a key into the page.
    static func inlineImages(_ html: String, baseDirectory: String) -> String {
        var out = ""
        var rest = Substring(html)
        while let range = rest.range(of: "<img src=\"") {
            out += rest[..<range.upperBound]
            rest = rest[range.upperBound...]
            guard let end = rest.firstIndex(of: "\"") else { break }
            let source = String(rest[..<end])
            rest = rest[end...]
            let relative = source.removingPercentEncoding ?? source
            let path = (baseDirectory as NSString).appendingPathComponent(relative)
            let isImageName = [".png", ".svg", ".jpg", ".jpeg", ".gif", ".webp"].contains { relative.lowercased().hasSuffix($0) }
            if !source.hasPrefix("data:"), !source.contains(":"), !relative.hasPrefix("/"), isImageName,
               !relative.split(separator: "/").contains(".."),
               let data = try? RegularFile.read(atPath: path, limit: inlineImageLimit) {
                let type = source.lowercased().hasSuffix(".svg") ? "image/svg+xml" : "image/png"
                out += "data:\(type);base64," + data.base64EncodedString()
            } else {
                out += source
            }
        }
        return out + rest
    }

    /// Turns an image paragraph followed by its caption paragraph (`*Figure 3: …*`, as the
    /// executed notebook writes it) into `<figure><img …><figcaption>Figure 3: …</figcaption></figure>`.
    ///
    /// A figure rendered at `--scale 2` is an `<img … width="…">` line, which cmark passes through
    /// as an HTML block rather than a paragraph; it is wrapped in one first, so it gets its caption too.
    static func figureCaptions(_ html: String) -> String {
        let imageStart = "<p><img ", paragraphEnd = "</p>\n", captionStart = "<p><em>Figure ", captionEnd = "</em></p>"
        var out = ""
        var rest = Substring(wrappingImageBlocks(html))
        while let start = rest.range(of: imageStart) {
            out += rest[..<start.lowerBound]
            let afterImage = rest[start.upperBound...]
            guard let imageEnd = afterImage.range(of: paragraphEnd) else { break }
            let image = afterImage[..<imageEnd.lowerBound]
            let following = afterImage[imageEnd.upperBound...]
            guard !image.contains("<p>"), following.hasPrefix(captionStart),
                  let caption = following.range(of: captionEnd),
                  !following[..<caption.lowerBound].contains("\n") else {
                out += rest[start.lowerBound..<start.upperBound]
                rest = afterImage
                continue
            }
            let captionText = following[following.index(following.startIndex, offsetBy: "<p><em>".count)..<caption.lowerBound]
            out += "<figure><img " + image + "<figcaption>" + captionText + "</figcaption></figure>"
            rest = following[caption.upperBound...]
        }
        return out + rest
    }

    /// Every line that is exactly one `<img …>` element, wrapped in `<p>…</p>`.
    static func wrappingImageBlocks(_ html: String) -> String {
        guard html.contains("\n<img ") || html.hasPrefix("<img ") else { return html }
        return html.split(separator: "\n", omittingEmptySubsequences: false).map { line -> String in
            line.hasPrefix("<img ") && line.hasSuffix(">") && line.filter({ $0 == "<" }).count == 1
                ? "<p>\(line)</p>" : String(line)
        }.joined(separator: "\n")
    }

    struct Heading {
        var level: Int
        var id: String
        var text: String
    }

    /// Gives `<h1>`–`<h3>` ids (GitHub's slugs) and lists them for the table of contents.
    static func anchorHeadings(_ html: String) -> (String, [Heading]) {
        var headings: [Heading] = []
        var used: [String: Int] = [:]
        var out = ""
        var rest = Substring(html)
        while let open = rest.range(of: "<h") {
            out += rest[..<open.lowerBound]
            rest = rest[open.lowerBound...]
            let levelIndex = rest.index(rest.startIndex, offsetBy: 2, limitedBy: rest.endIndex) ?? rest.endIndex
            guard levelIndex < rest.endIndex, let level = Int(String(rest[levelIndex])), (1...3).contains(level),
                  rest.dropFirst(3).first == ">",
                  let close = rest.range(of: "</h\(level)>") else {
                out += rest.prefix(2)
                rest = rest.dropFirst(2)
                continue
            }
            let inner = String(rest[rest.index(levelIndex, offsetBy: 2)..<close.lowerBound])
            let text = inner.replacingOccurrences(of: "<[^>]+>", with: "", options: .regularExpression)
            var slug = text.lowercased().filter { $0.isLetter || $0.isNumber || $0 == " " || $0 == "-" }
                .replacingOccurrences(of: " ", with: "-")
            if let count = used[slug] {
                used[slug] = count + 1
                slug += "-\(count + 1)"
            } else {
                used[slug] = 0
            }
            headings.append(Heading(level: level, id: slug, text: text))
            out += "<h\(level) id=\"\(slug)\">\(inner)</h\(level)>"
            rest = rest[close.upperBound...]
        }
        return (out + rest, headings)
    }

    /// Marks `loom` cells (`<pre><code class="language-loom">`) so the action line and YAML keys stand out.
    static func highlightCells(_ html: String) -> String {
        var out = ""
        var rest = Substring(html)
        let marker = "<pre><code class=\"language-loom\""
        while let start = rest.range(of: marker) {
            out += rest[..<start.lowerBound]
            rest = rest[start.lowerBound...]
            guard let tagEnd = rest[start.upperBound...].firstIndex(of: ">"),
                  let close = rest.range(of: "</code></pre>") else { break }
            let openTag = rest[start.upperBound..<tagEnd]
            let meta = openTag.range(of: "data-meta=\"").flatMap { found -> Substring? in
                openTag[found.upperBound...].split(separator: "\"", maxSplits: 1).first
            } ?? ""
            let code = String(rest[rest.index(after: tagEnd)..<close.lowerBound])
            let lines = code.components(separatedBy: "\n").map { line -> String in
                var body = line
                var comment = ""
                if let hash = line.range(of: " #") ?? (line.hasPrefix("#") ? line.range(of: "#") : nil) {
                    body = String(line[..<hash.lowerBound])
                    comment = "<span class=\"c\">\(line[hash.lowerBound...])</span>"
                }
                if let colon = body.range(of: ":"), !body[..<colon.lowerBound].contains(" ")
                    || body.trimmingCharacters(in: .whitespaces).hasPrefix("- ") {
                    let key = body[..<colon.lowerBound]
                    return "<span class=\"k\">\(key)</span>" + body[colon.lowerBound...] + comment
                }
                return body + comment
            }
            let header = "<span class=\"a\">loom \(meta)</span>"
            let body = code.isEmpty ? "" : "\n" + lines.joined(separator: "\n")
            out += "<pre class=\"cell\"><code>" + header + body.trimmingTrailingNewlines + "</code></pre>"
            rest = rest[close.upperBound...]
        }
        return out + rest
    }

    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }

    static let style = """
        :root{--fg:#1f2328;--muted:#59636e;--line:#d1d9e0;--bg:#fff;--soft:#f6f8fa;--accent:#0969da}
        *{box-sizing:border-box}
        body{margin:0;font:16px/1.6 -apple-system,"Segoe UI","DejaVu Sans",Helvetica,Arial,sans-serif;color:var(--fg);background:var(--bg)}
        .page{display:flex;gap:2rem;max-width:1200px;margin:0 auto;padding:1.5rem}
        main{flex:1;min-width:0}
        .toc{position:sticky;top:1rem;align-self:flex-start;width:240px;font-size:.9rem;border-right:1px solid var(--line);padding-right:1rem}
        .toc ul{list-style:none;padding:0;margin:.5rem 0}
        .toc li.h2{padding-left:.8rem}.toc li.h3{padding-left:1.6rem}
        .toc a{color:var(--muted);text-decoration:none}.toc a:hover{color:var(--accent)}
        h1,h2,h3{line-height:1.25;margin:1.6em 0 .6em}h1,h2{border-bottom:1px solid var(--line);padding-bottom:.3em}
        a{color:var(--accent)}
        img{max-width:100%;height:auto}
        figure{margin:1em 0}figcaption{color:var(--muted);font-style:italic;font-size:.92em;margin-top:.3em}
        table{border-collapse:collapse;display:block;overflow-x:auto;margin:1em 0;font-variant-numeric:tabular-nums}
        th,td{border:1px solid var(--line);padding:.35em .8em}
        tr:nth-child(2n){background:var(--soft)}
        th{background:var(--soft)}
        pre{background:var(--soft);padding:1em;overflow-x:auto;border-radius:6px;font-size:.88em}
        code{font-family:"DejaVu Sans Mono",ui-monospace,Menlo,monospace}
        pre.cell{border-left:4px solid var(--accent)}
        pre.cell .a{color:#8250df;font-weight:bold}pre.cell .k{color:#0550ae}pre.cell .c{color:var(--muted);font-style:italic}
        blockquote{margin:1em 0;padding:.2em 1em;color:var(--muted);border-left:4px solid var(--line)}
        details{margin:1em 0}summary{cursor:pointer;color:var(--accent)}
        @media (max-width:800px){.page{display:block;padding:1rem}.toc{position:static;width:auto;border:0;border-bottom:1px solid var(--line);margin-bottom:1rem}}
        """
}

extension String {
    var trimmingTrailingNewlines: String {
        var copy = self
        while copy.last == "\n" { copy.removeLast() }
        return copy
    }
}
