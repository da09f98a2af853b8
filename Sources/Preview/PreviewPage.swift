import Foundation
import Notebook

/// The preview's HTML: the notebook page (the HTML export's rendering with a live slot after
/// each cell) and the index page. Scripts and styles are separate same-origin files, so the
/// Content-Security-Policy can forbid inline code.
enum PreviewPage {
    /// The policy every response carries: only this server's own script, style and event
    /// stream; images inline (`data:`) as the export embeds them; no frames, forms or plugins.
    static let contentSecurityPolicy = "default-src 'none'; script-src 'self'; style-src 'self'; "
        + "img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

    /// The text placed where a cell's output goes, replaced by the cell's live slot.
    static func slotMarker(_ index: Int) -> String { "LOOMPREVIEWSLOT\(index)END" }

    /// Replaces each cell's marker paragraph with its slot: a state bar with the re-run and stop
    /// buttons, a progress bar, the error, the live epoch table and curves, and the outputs.
    static func fillSlots(_ html: String, cells: [Cell]) -> String {
        var result = html
        for cell in cells {
            let marker = slotMarker(cell.index)
            let slot = """
                <section class="loom-slot" id="cell-\(cell.index + 1)" data-cell="\(cell.index)">\
                <div class="loom-bar"><span class="loom-state" data-state="pending">pending</span>\
                <span class="loom-time"></span><span class="loom-name">cell \(cell.index + 1) · \(escape(cell.action))</span>\
                <button type="button" class="loom-rerun" data-cell="\(cell.index)" title="Re-run this cell and the cells that depend on it">Re-run</button>\
                <button type="button" class="loom-stop" data-cell="\(cell.index)" hidden title="Stop at the next batch; the last epoch's checkpoint is kept">Stop</button></div>\
                <div class="loom-progress" hidden><progress max="1" value="0"></progress><span class="loom-progress-text"></span></div>\
                <div class="loom-tasks" hidden></div>\
                <div class="loom-error" hidden></div>\
                <div class="loom-live" hidden></div>\
                <div class="loom-outputs"></div></section>
                """
            if result.contains("<p>\(marker)</p>") {
                result = result.replacingOccurrences(of: "<p>\(marker)</p>", with: slot)
            } else {
                result = result.replacingOccurrences(of: marker, with: slot)
            }
        }
        return result
    }

    /// The page of one notebook; the script fills the slots from the event stream.
    static func notebook(name: String, title: String, token: String, parts: (contents: String, main: String),
                         index: String?) -> String {
        let back = index.map { "<a class=\"loom-back\" href=\"\($0)\">all notebooks</a>" } ?? ""
        return """
            <!DOCTYPE html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <meta name="generator" content="loom preview">
            <meta name="loom-notebook" content="\(escape(name))">
            <meta name="loom-token" content="\(escape(token))">
            <title>\(escape(title)) · loom preview</title>
            <link rel="icon" href="data:,">
            <link rel="stylesheet" href="/static/preview.css">
            <script src="/static/preview.js" defer></script>
            </head>
            <body>
            <header class="loom-top">\(back)<strong>loom preview</strong> <span class="loom-file">\(escape(name))</span>\
            <span class="loom-run" data-phase="idle"></span><span class="loom-connection"></span></header>
            <div class="loom-problems" hidden></div>
            <div class="page">
            <div class="loom-contents">\(parts.contents)</div>
            <main>
            \(parts.main)
            </main>
            </div>
            </body>
            </html>

            """
    }

    /// The list of notebooks, when several are previewed.
    static func index(_ entries: [(name: String, title: String, summary: String)]) -> String {
        let items = entries.map {
            "<li><a href=\"/n/\(escape($0.name))\">\(escape($0.title))</a> <code>\(escape($0.name))</code>"
                + "<div class=\"loom-summary\">\(escape($0.summary))</div></li>"
        }.joined(separator: "\n")
        return """
            <!DOCTYPE html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>loom preview</title>
            <link rel="icon" href="data:,">
            <link rel="stylesheet" href="/static/preview.css">
            </head>
            <body>
            <header class="loom-top"><strong>loom preview</strong></header>
            <div class="page"><main>
            <h1>Notebooks</h1>
            <ul class="loom-index">
            \(items)
            </ul>
            </main></div>
            </body>
            </html>

            """
    }

    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
            .replacingOccurrences(of: "'", with: "&#39;")
    }
}
