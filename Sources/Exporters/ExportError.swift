import Foundation

/// Why an export could not be made; every description is a whole sentence that says where.
public enum ExportError: Error, Equatable, LocalizedError, CustomStringConvertible {
    /// The notebook has no cell with this `as NAME` (with a suggestion, and the names it has).
    case unknownName(notebook: String, name: String, hint: String, available: [String])
    /// The named cell makes no result of the kind wanted.
    case wrongKind(notebook: String, name: String, action: String, wanted: String, available: [String])
    /// The notebook has never been run with this cache.
    case neverRun(notebook: String, cache: String)
    /// The cell's result is not in the cache for the notebook as it is now.
    case stale(notebook: String, cell: Int, name: String, action: String, reason: String)
    /// The cached result could not be read.
    case unreadable(notebook: String, name: String, reason: String)
    /// An executed notebook has no such cell, or the cell has no output of the kind wanted.
    case noSuchCell(notebook: String, selector: String, cells: Int)
    case noTable(notebook: String, cell: Int, action: String)
    case noSuchTable(notebook: String, cell: Int, table: Int, tables: Int)
    /// The file is not an executed notebook (no loom output blocks).
    case notExecuted(notebook: String)
    /// The part of a split that `npy` was asked for is not there.
    case partWithoutSplit(notebook: String, name: String, part: String)

    public var description: String {
        switch self {
        case let .unknownName(notebook, name, hint, available):
            return "\(notebook): there is no cell named '\(name)'\(hint)"
                + (available.isEmpty ? "; no cell of this notebook has 'as NAME'." : " (named cells: \(available.joined(separator: ", "))).")
        case let .wrongKind(notebook, name, action, wanted, available):
            return "\(notebook): cell '\(name)' (\(action)) makes no \(wanted)"
                + (available.isEmpty ? "; this notebook has no cell that makes one." : "; cells that make one: \(available.joined(separator: ", ")).")
        case let .neverRun(notebook, cache):
            return "\(notebook) has not been run with the cache \(cache); run 'loom run \(notebook)' first."
        case let .stale(notebook, cell, name, action, reason):
            return "\(notebook): cell \(cell + 1) '\(name)' (\(action)) is not in the cache for the notebook as it is now "
                + "(\(reason)); run 'loom run \(notebook)' first, with the same -p values as the export."
        case let .unreadable(notebook, name, reason):
            return "\(notebook): the cached result of '\(name)' cannot be read (\(reason)); run 'loom run --force \(name) \(notebook)'."
        case let .noSuchCell(notebook, selector, cells):
            return "\(notebook): there is no cell '\(selector)'; give a cell number from 1 to \(cells) or a cell's result name."
        case let .noTable(notebook, cell, action):
            return "\(notebook): cell \(cell + 1) (\(action)) has no table in its output."
        case let .noSuchTable(notebook, cell, table, tables):
            return "\(notebook): cell \(cell + 1) has \(tables) table\(tables == 1 ? "" : "s"), so there is no table \(table)."
        case let .notExecuted(notebook):
            return "\(notebook) has no loom outputs; export an executed notebook (outputs/NAME.md, written by 'loom run')."
        case let .partWithoutSplit(notebook, name, part):
            return "\(notebook): '\(name)' is a dataset, not a split, so it has no '\(part)' part; leave out --part or name a split cell."
        }
    }

    public var errorDescription: String? { description }
}
