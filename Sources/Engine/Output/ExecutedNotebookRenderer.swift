import Foundation
import Notebook

/// Turns a run report into the executed notebook's Markdown.
enum ExecutedNotebookRenderer {
    static func render(_ document: NotebookDocument, report: RunReport, figures: FigureMode) throws -> String {
        var blocks: [Int: CellOutput] = [:]
        for cell in report.cells {
            var parts: [String] = []
            let rendered = try cell.outputs.markdown(figures: figures, prefix: String(format: "cell-%02d", cell.index + 1))
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
                             OutputAttribute(key: "seconds", value: String(format: "%.2f", cell.seconds))],
                markdown: parts.joined(separator: "\n\n"))
        }
        return document.executed(outputs: blocks, summary: CellOutput(markdown: summary(report)))
    }

    /// The run summary: each cell, its status and time, and the seeds and loom version behind it.
    static func summary(_ report: RunReport) -> String {
        var table = Table(columns: ["cell", "action", "result", "status", "seconds"],
                          alignments: [.right, .left, .left, .left, .right])
        for cell in report.cells {
            table.append([String(cell.index + 1), "`\(cell.action)`", cell.resultName ?? "", cell.status.word,
                          String(format: "%.2f", cell.seconds)])
        }
        let seeds = report.cells.flatMap(\.seeds)
        var lines = ["### Run summary", "", table.markdown, ""]
        var facts = ["loom \(LoomVersion.current)"]
        facts.append(seeds.isEmpty ? "no random seeds used" : "seeds: " + seeds.joined(separator: ", "))
        facts.append("\(report.count(.ran)) ran, \(report.count(.cached)) cached"
                     + (report.count(.failed) > 0 ? ", \(report.count(.failed)) failed" : "")
                     + (report.count(.skipped) > 0 ? ", \(report.count(.skipped)) skipped" : ""))
        lines.append(facts.joined(separator: " · "))
        return lines.joined(separator: "\n")
    }
}
