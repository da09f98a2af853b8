import Actions
import Engine
import Testing

/// What a cell put out, by kind: one set of accessors for every action test.
extension CellReport {
    var tables: [Table] { outputs.compactMap { if case .table(let table) = $0 { table } else { nil } } }
    var figures: [FigureOutput] { outputs.compactMap { if case .figure(let figure) = $0 { figure } else { nil } } }
    var markdown: [String] { outputs.compactMap { if case .markdown(let text) = $0 { text } else { nil } } }
    /// The Markdown paragraphs among the outputs, joined.
    var markdownText: String { markdown.joined(separator: "\n") }
    var details: [String] { outputs.compactMap { if case .details(_, let body) = $0 { body } else { nil } } }
    var failure: String? { if case .failed(let message) = status { message } else { nil } }

    /// The value of row `name` in a two-column `metric | value` table.
    func metric(_ name: String) -> String? {
        tables.lazy.compactMap { table in table.rows.first { $0.first == name }?.last }.first
    }
}

/// Every fact a cell published (numbers and text) is one its action declares, so `loom check`
/// accepts what prose may refer to; returns the names published.
@discardableResult
func expectDeclaredFacts(_ cell: CellReport, sourceLocation: SourceLocation = #_sourceLocation) -> [String] {
    let declared = BuiltInActions.registry.action(named: cell.action)?.facts ?? []
    let names = cell.facts.map(\.name) + cell.textFacts.keys.sorted()
    for name in names where !declared.contains(where: { $0.covers(name) }) {
        Issue.record("'\(cell.action)' publishes '\(name)' without declaring it", sourceLocation: sourceLocation)
    }
    for fact in cell.facts {
        let kind = declared.first { $0.covers(fact.name) }?.kind.factKind
        #expect(kind == fact.kind, "'\(cell.action)' publishes '\(fact.name)' as \(fact.kind)", sourceLocation: sourceLocation)
    }
    return names
}
