import Engine

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
