import Crypto
import Foundation
import GRDB

/// When, where and with what a stored result was computed.
public struct Provenance: Sendable, Codable, Equatable {
    /// When the cell finished computing its output.
    public var computedAt: Date
    /// The loom that computed it.
    public var loomVersion: String
    /// The machine: CPU model, kernels and thread count (`ComputeBackend.current.summary`).
    public var machine: String?
    /// The git commit of the notebook's repository, when it was in one.
    public var commit: String?
    /// Whether the notebook differed from that commit.
    public var dirty: Bool?

    public init(computedAt: Date, loomVersion: String = LoomVersion.current, machine: String?, commit: String?,
                dirty: Bool? = nil) {
        // Whole seconds: what markers show, and exact through the stored JSON.
        self.computedAt = Date(timeIntervalSince1970: computedAt.timeIntervalSince1970.rounded(.down))
        self.loomVersion = loomVersion
        self.machine = machine
        self.commit = commit
        self.dirty = dirty
    }

    /// `2026-12-03T11:53:54Z`
    public var timestamp: String { Self.timestamp(computedAt) }

    /// `2026-12-03 11:53 UTC`, for summaries.
    public var shortDate: String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd HH:mm 'UTC'"
        return formatter.string(from: computedAt)
    }

    static func timestamp(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        formatter.timeZone = TimeZone(identifier: "UTC")
        return formatter.string(from: date)
    }
}

/// What the cache remembers about a stored cell beyond its output and result: a generation that
/// changes every time the result is stored, the generations of the results it read, where it was
/// computed, and the text facts it published.
///
/// A cached cell is consistent only while every input it read still has the generation it read:
/// when another notebook (or `--no-cache`) replaces an upstream result under the same key, the
/// cells that read the old one become stale.
public struct CellRecord: Sendable, Codable, Equatable {
    /// The identity of what was stored: a SHA-256 of the output and result bytes
    /// (``contentGeneration(outputs:result:)``), so a recomputation that stores different bytes
    /// under the same key makes the cells that read the old ones stale, and one that stores the
    /// same bytes (a deterministic cell run twice) does not.
    public var generation: String
    /// Input result key → the generation of that result when this cell read it.
    public var inputGenerations: [String: String]
    public var provenance: Provenance
    /// Text facts (`best-model`), by name; numeric facts live in `cell_facts`.
    public var texts: [String: String]
    /// The pixels per point its figures were drawn at (`--scale`); `nil` when the cell made no
    /// figures (or was stored by a loom before this was recorded).
    public var figureScale: Double?

    public init(generation: String = UUID().uuidString.lowercased(), inputGenerations: [String: String],
                provenance: Provenance, texts: [String: String] = [:], figureScale: Double? = nil) {
        self.generation = generation
        self.inputGenerations = inputGenerations
        self.provenance = provenance
        self.texts = texts
        self.figureScale = figureScale
    }

    /// The scale the figures among `outputs` were drawn at, `nil` when there are none.
    public static func figureScale(of outputs: [OutputItem]) -> Double? {
        for item in outputs {
            if case .figure(let figure) = item { return figure.scale ?? 1 }
        }
        return nil
    }

    /// The generation a cell without a record has (stored by a loom before records existed).
    public static let legacyGeneration = ""

    /// The hex SHA-256 of a cell's outputs (as stored) and result bytes.
    public static func contentGeneration(outputs: [OutputItem], result: Data?) -> String {
        var hasher = SHA256()
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        hasher.update(data: (try? encoder.encode(outputs)) ?? Data())
        hasher.update(data: Data([result == nil ? 0 : 1]))
        if let result { hasher.update(data: result) }
        return hasher.finalize().hexString
    }
}

extension Cache {
    /// Creates the table of cell records (schema 3); safe to call on a database that has it.
    static func createCellRecordTable(_ db: Database) throws {
        try db.execute(sql: """
            CREATE TABLE IF NOT EXISTS cell_records (
                key TEXT PRIMARY KEY,
                record TEXT NOT NULL
            );
            """)
    }

    /// The record of a stored cell, or `nil` when it has none (stored by an older loom).
    public func record(key: String) throws -> CellRecord? {
        let text = try pool.read { db in
            try String.fetchOne(db, sql: "SELECT record FROM cell_records WHERE key = ?", arguments: [key])
        }
        guard let text else { return nil }
        return try? Self.recordDecoder.decode(CellRecord.self, from: Data(text.utf8))
    }

    /// The generation of a stored cell's result: its record's, or ``CellRecord/legacyGeneration``.
    public func generation(key: String) throws -> String {
        try record(key: key)?.generation ?? CellRecord.legacyGeneration
    }

    static func encode(_ record: CellRecord) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        encoder.dateEncodingStrategy = .secondsSince1970
        return String(decoding: try encoder.encode(record), as: UTF8.self)
    }

    static var recordDecoder: JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .secondsSince1970
        return decoder
    }
}
