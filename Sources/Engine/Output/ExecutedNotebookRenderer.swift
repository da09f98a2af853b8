import Foundation
import Notebook

/// Turns a run report into the executed notebook's Markdown.
enum ExecutedNotebookRenderer {
    static func render(_ document: NotebookDocument, report: RunReport, figures: FigureMode) throws -> String {
        var blocks: [Int: CellOutput] = [:]
        var figureNumber = 1
        for cell in report.cells {
            var parts: [String] = []
            let rendered = try cell.outputs.markdown(figures: figures, prefix: String(format: "cell-%02d", cell.index + 1),
                                                     firstFigureNumber: figureNumber)
            figureNumber += cell.outputs.filter { if case .figure = $0 { true } else { false } }.count
            if !rendered.isEmpty { parts.append(rendered) }
            switch cell.status {
            case .failed(let message):
                parts.append("> [!CAUTION]\n> **Failed:** " + message.components(separatedBy: "\n")
                    .map(MarkdownText.literal).joined(separator: "\n> "))
            case .skipped(let reason):
                parts.append("*Skipped: \(MarkdownText.literal(reason)).*")
            case .ran, .cached:
                break
            }
            blocks[cell.index] = CellOutput(
                attributes: [OutputAttribute(key: "status", value: cell.status.word),
                             OutputAttribute(key: "seconds", value: String(format: "%.2f", cell.seconds))]
                    + provenanceAttributes(cell.provenance),
                markdown: parts.joined(separator: "\n\n"))
        }
        return document.executed(outputs: blocks, summary: CellOutput(markdown: summary(report)),
                                 inlineValue: { InlineValues.render($0, report: report) })
    }

    /// `computed=2026-12-03T11:53:54Z loom=0.1.0 commit=1a2b3c4d5e6f on="…"`: when, by which loom,
    /// at which commit and on what machine an output was computed (a cached cell keeps its own).
    static func provenanceAttributes(_ provenance: Provenance?) -> [OutputAttribute] {
        guard let provenance else { return [] }
        var attributes = [OutputAttribute(key: "computed", value: provenance.timestamp),
                          OutputAttribute(key: "loom", value: markerSafe(provenance.loomVersion))]
        if let commit = provenance.commit {
            attributes.append(OutputAttribute(key: "commit", value: markerSafe(String(commit.prefix(12)))
                                              + (provenance.dirty == true ? "+changes" : "")))
        }
        if let machine = provenance.machine, !machine.isEmpty {
            attributes.append(OutputAttribute(key: "on", value: markerSafe(machine)))
        }
        return attributes
    }

    /// A value that fits in a marker comment: one line, no `--`.
    static func markerSafe(_ text: String) -> String {
        var value = text.components(separatedBy: .newlines).joined(separator: " ")
        while value.contains("--") { value = value.replacingOccurrences(of: "--", with: "-") }
        return value
    }

    /// The run summary: each cell, its status and time, and the seeds and loom version behind it.
    static func summary(_ report: RunReport) -> String {
        var table = Table(columns: ["cell", "action", "result", "status", "seconds", "computed"],
                          alignments: [.right, .left, .left, .left, .right, .left])
        for cell in report.cells {
            table.append([String(cell.index + 1), "`\(cell.action)`", cell.resultName ?? "", cell.status.word,
                          String(format: "%.2f", cell.seconds), computedText(cell)])
        }
        let seeds = report.cells.flatMap(\.seeds)
        var lines = ["### Run summary", "", table.markdown, ""]
        var facts = ["loom \(LoomVersion.current)"]
        facts.append(seeds.isEmpty ? "no random seeds used" : "seeds: " + seeds.joined(separator: ", "))
        facts.append("\(report.count(.ran)) ran in this run, \(report.count(.cached)) from cache"
                     + (report.count(.failed) > 0 ? ", \(report.count(.failed)) failed" : "")
                     + (report.count(.skipped) > 0 ? ", \(report.count(.skipped)) skipped" : ""))
        lines.append(facts.joined(separator: " · "))
        let machines = Set(report.cells.filter { $0.status == .ran }.compactMap(\.provenance?.machine))
        if machines.count == 1, let machine = machines.first {
            lines.append("")
            lines.append("Ran on: \(machine)")
        }
        return lines.joined(separator: "\n")
    }

    /// `in this run`, or for a cached cell `from cache, computed 2026-12-01 09:12 UTC`.
    static func computedText(_ cell: CellReport) -> String {
        switch cell.status {
        case .ran: return "in this run"
        case .cached:
            guard let provenance = cell.provenance else { return "from cache (date not recorded)" }
            let commit = provenance.commit.map { " at \(String($0.prefix(7)))" } ?? ""
            return "from cache, computed \(provenance.shortDate)\(commit)"
        case .failed, .skipped: return ""
        }
    }
}
