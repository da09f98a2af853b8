import Foundation
import Notebook

/// How an inline value is formatted: a small subset of Python's format specification, as the
/// suffix of `` `{loom} ev.accuracy:.1%` ``.
///
/// `.1%` (a share as a percentage, 1 decimal), `.2f` (2 decimals), `.3g` (3 significant digits),
/// `.2e` (scientific), `d` (a whole number), `,` or `,d` (a whole number with thousands
/// separators), `,.1f` (grouped with decimals). Without a format a fact reads as its kind says:
/// `92.27%`, `0.2231`, `5,600`, `44.6 s`.
public struct InlineFormat: Sendable, Equatable {
    public enum Style: Sendable, Equatable { case percent, fixed, general, exponent, integer }
    public var style: Style
    public var precision: Int?
    public var grouped: Bool

    /// Reads a format; `nil` when it is not one of the supported forms.
    public init?(_ text: String) {
        var rest = Substring(text)
        grouped = rest.first == ","
        if grouped { rest = rest.dropFirst() }
        precision = nil
        if rest.first == "." {
            rest = rest.dropFirst()
            let digits = rest.prefix { $0.isASCII && $0.isNumber }
            guard !digits.isEmpty, let value = Int(digits), value <= 12 else { return nil }
            precision = value
            rest = rest.dropFirst(digits.count)
        }
        switch rest {
        case "%": style = .percent
        case "f": style = .fixed
        case "g": style = .general
        case "e": style = .exponent
        case "d": style = .integer
        case "" where grouped && precision == nil: style = .integer
        case "" where precision != nil: style = .fixed
        default: return nil
        }
        if style == .integer, precision != nil { return nil }
    }

    /// The value, formatted.
    public func format(_ value: Double) -> String {
        guard value.isFinite else { return "\(value)" }
        switch style {
        case .percent:
            return fixed(value * 100, decimals: precision ?? 0) + "%"
        case .fixed:
            return fixed(value, decimals: precision ?? 6)
        case .general:
            return String(format: "%.\(max(precision ?? 6, 1))g", value)
        case .exponent:
            return String(format: "%.\(precision ?? 6)e", value)
        case .integer:
            let whole = Int(value.rounded())
            return grouped ? Fact.grouped(whole) : String(whole)
        }
    }

    private func fixed(_ value: Double, decimals: Int) -> String {
        let text = String(format: "%.\(decimals)f", value)
        guard grouped else { return text }
        let parts = text.split(separator: ".", maxSplits: 1)
        let whole = Int(parts[0]) ?? 0
        let sign = text.hasPrefix("-") && whole == 0 ? "-" : ""
        return sign + Fact.grouped(whole) + (parts.count > 1 ? "." + parts[1] : "")
    }

    /// The formats accepted, for error messages.
    public static let examples = "'.1%', '.2f', '.3g', '.2e', 'd' or ','"
}

/// Inline values: checking the references in prose and showing the values a run published.
public enum InlineValues {
    /// Problems with the notebook's inline values, each at the reference's position: an unknown
    /// cell name or fact (with a suggestion), a malformed reference or format.
    public static func check(_ document: NotebookDocument, cells: [CheckedCell]) -> [Diagnostic] {
        var diagnostics: [Diagnostic] = []
        let named = cells.filter { $0.cell.resultName != nil }
        for reference in document.inlineReferences {
            func report(_ message: String) {
                diagnostics.append(Diagnostic(path: document.path, position: reference.position, action: nil,
                                              message: message))
            }
            guard !reference.cell.isEmpty, !reference.fact.isEmpty else {
                report("the inline value \(reference.source) needs a cell's name and a fact, as "
                       + "`{loom} NAME.FACT` (for example `{loom} ev.accuracy:.1%`)")
                continue
            }
            guard let checked = named.first(where: { $0.cell.resultName == reference.cell }) else {
                let names = named.compactMap(\.cell.resultName)
                report("no cell is named '\(reference.cell)'"
                       + Suggestions.hint(for: reference.cell, in: names)
                       + " (name a cell with 'as NAME' after its action)")
                continue
            }
            guard let action = checked.action else { continue }  // an unknown action is reported already
            let cellText = "'\(action.name)' (cell \(checked.cell.index + 1), line \(checked.cell.startLine))"
            guard let declaration = action.facts.first(where: { $0.covers(reference.fact) }) else {
                // A family is offered with the suffix as written (`recal.Shirt` → `recall.Shirt`).
                let dot = reference.fact.firstIndex(of: ".")
                let suffix = dot.map { String(reference.fact[$0...]) }
                let candidates = action.facts.map { fact in
                    fact.isFamily ? fact.name + (suffix ?? "." + (fact.suffix ?? "name").uppercased()) : fact.name
                }
                let hint = Suggestions.hint(for: reference.fact, in: candidates)
                let published = action.facts.isEmpty
                    ? "it publishes no facts"
                    : "it publishes " + action.facts.map(\.displayName).joined(separator: ", ")
                report("\(cellText) publishes no fact '\(reference.fact)'\(hint); \(published)")
                continue
            }
            if let format = reference.format {
                if declaration.kind == .text {
                    report("'\(reference.cell).\(reference.fact)' is text, so it takes no format ('\(format)')")
                } else if InlineFormat(format) == nil {
                    report("unknown format '\(format)' for '\(reference.cell).\(reference.fact)'; use "
                           + InlineFormat.examples)
                }
            }
        }
        return diagnostics
    }

    /// What the executed notebook shows for a reference: the published value, formatted, or a
    /// visible note when the cell published none (it failed, was skipped, or made no such fact).
    public static func render(_ reference: InlineReference, report: RunReport) -> String {
        guard let cell = report.cells.first(where: { $0.resultName == reference.cell }) else {
            return unavailable(reference, because: "no cell is named '\(reference.cell)'")
        }
        if let fact = cell.facts.first(where: { $0.name == reference.fact }) {
            if let format = reference.format, let parsed = InlineFormat(format) { return parsed.format(fact.value) }
            return fact.formattedValue
        }
        if let text = cell.textFacts[reference.fact] { return text }
        switch cell.status {
        case .failed: return unavailable(reference, because: "cell \(cell.index + 1) failed")
        case .skipped: return unavailable(reference, because: "cell \(cell.index + 1) was skipped")
        case .ran, .cached: return unavailable(reference, because: "cell \(cell.index + 1) published no such fact")
        }
    }

    private static func unavailable(_ reference: InlineReference, because reason: String) -> String {
        "**[\(reference.cell).\(reference.fact): no value, \(reason)]**"
    }
}
