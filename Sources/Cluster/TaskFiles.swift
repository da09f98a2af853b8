import Crypto
import Engine
import Foundation

/// A file of named byte strings with a SHA-256 over all of it: a task's input bundle (results by
/// key) and its result. Written whole to a temporary name and renamed, so a reader on another
/// machine sees the complete file or none.
///
/// Layout: `LOOMTASK`, a format number and an entry count (UInt32, big-endian), then per entry
/// the name's length (UInt32), the name (UTF-8), the data's length (UInt64) and the data, then
/// the SHA-256 of everything before it.
public struct TaskArchive: Sendable, Equatable {
    public static let magic = Data("LOOMTASK".utf8)
    public static let format: UInt32 = 1

    /// The entries, in order; names are unique.
    public var entries: [(name: String, data: Data)]

    public init(entries: [(name: String, data: Data)] = []) { self.entries = entries }

    public static func == (left: TaskArchive, right: TaskArchive) -> Bool {
        left.entries.map(\.name) == right.entries.map(\.name) && left.entries.map(\.data) == right.entries.map(\.data)
    }

    /// The data of entry `name`, if any.
    public subscript(name: String) -> Data? { entries.first { $0.name == name }?.data }

    /// The archive as bytes.
    public func encoded() -> Data {
        var bytes = Self.magic
        func append<I: FixedWidthInteger>(_ value: I) { withUnsafeBytes(of: value.bigEndian) { bytes.append(contentsOf: $0) } }
        append(Self.format)
        append(UInt32(entries.count))
        for entry in entries {
            let name = Data(entry.name.utf8)
            append(UInt32(name.count))
            bytes.append(name)
            append(UInt64(entry.data.count))
            bytes.append(entry.data)
        }
        bytes.append(Data(SHA256.hash(data: bytes)))
        return bytes
    }

    /// Reads an archive; `path` names the file in errors.
    public static func decode(_ bytes: Data, path: String) throws -> TaskArchive {
        let bytes = Data(bytes)  // indices from 0
        func damaged(_ why: String) -> TaskFileError { .damaged(path: path, reason: why) }
        guard bytes.count >= Self.magic.count + 8 + 32, bytes.prefix(Self.magic.count) == Self.magic else {
            throw damaged("it is not a loom task file")
        }
        let body = bytes.prefix(bytes.count - 32)
        guard Data(SHA256.hash(data: body)) == bytes.suffix(32) else { throw damaged("its checksum does not match") }
        var offset = Self.magic.count
        func read<I: FixedWidthInteger>(_ type: I.Type) throws -> I {
            let size = MemoryLayout<I>.size
            guard offset + size <= body.count else { throw damaged("it ends early") }
            let value = body[offset..<offset + size].reduce(I.zero) { $0 << 8 | I($1) }
            offset += size
            return value
        }
        func take(_ count: Int) throws -> Data {
            guard count >= 0, offset + count <= body.count else { throw damaged("it ends early") }
            defer { offset += count }
            return body[offset..<offset + count]
        }
        guard try read(UInt32.self) == format else { throw damaged("it has another format (a different loom wrote it)") }
        let count = try read(UInt32.self)
        var entries: [(name: String, data: Data)] = []
        for _ in 0..<count {
            let name = String(decoding: try take(Int(try read(UInt32.self))), as: UTF8.self)
            let length = try read(UInt64.self)
            guard length <= UInt64(body.count) else { throw damaged("it ends early") }
            entries.append((name, Data(try take(Int(length)))))
        }
        guard offset == body.count else { throw damaged("it has bytes after its last entry") }
        return TaskArchive(entries: entries)
    }

    /// Writes the archive to `path` by an atomic rename.
    public func write(to path: String) throws {
        try TaskFiles.writeAtomically(encoded(), to: path)
    }

    /// Reads the archive at `path`.
    public static func read(_ path: String) throws -> TaskArchive {
        guard let bytes = FileManager.default.contents(atPath: path) else { throw TaskFileError.missing(path: path) }
        return try decode(bytes, path: path)
    }
}

/// A task file that cannot be used.
public enum TaskFileError: Error, Equatable, CustomStringConvertible {
    case missing(path: String)
    case damaged(path: String, reason: String)
    case cannotWrite(path: String, reason: String)

    public var description: String {
        switch self {
        case .missing(let path): "the task file '\(path)' cannot be read"
        case .damaged(let path, let reason): "the task file '\(path)' is damaged: \(reason)"
        case .cannotWrite(let path, let reason): "cannot write the task file '\(path)': \(reason)"
        }
    }
}

/// What a job's tasks read: the cell, the sub-results its tasks compute (one per array index;
/// none for a whole cell), and where the bundle, results and checkpoints are.
public struct JobDescription: Sendable, Codable, Equatable {
    public static let format = 1

    public var format = JobDescription.format
    public var cell: CellJob
    /// Task `i` of the array computes `subresults[i]`; empty: the job computes the whole cell.
    public var subresults: [SubresultRequest]
    /// The input bundle: the results the cell reads, by key.
    public var bundle: String
    /// Where each task writes `KEY.result`.
    public var results: String
    /// Where training tasks keep `KEY.checkpoint`.
    public var checkpoints: String

    public init(cell: CellJob, subresults: [SubresultRequest], bundle: String, results: String, checkpoints: String) {
        self.cell = cell
        self.subresults = subresults
        self.bundle = bundle
        self.results = results
        self.checkpoints = checkpoints
    }

    /// The keys of the task at array index `index`: the sub-result it computes, or the cell's.
    public func task(_ index: Int) throws -> (key: String, subresult: String?) {
        if subresults.isEmpty {
            guard index == 0 else { throw TaskFileError.damaged(path: bundle, reason: "a whole-cell job has only task 0, not \(index)") }
            return (cell.key, nil)
        }
        guard subresults.indices.contains(index) else {
            throw TaskFileError.damaged(path: bundle, reason: "the job has tasks 0 to \(subresults.count - 1), not \(index)")
        }
        return (subresults[index].key, subresults[index].key)
    }

    /// The result file of the task computing `key`.
    public func resultPath(key: String) -> String { (results as NSString).appendingPathComponent("\(key).result") }
}

/// Reading and writing the files tasks exchange with the submitting process.
public enum TaskFiles {
    /// Writes `data` to a temporary file beside `path` and renames it over `path`.
    public static func writeAtomically(_ data: Data, to path: String) throws {
        let directory = (path as NSString).deletingLastPathComponent
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw TaskFileError.cannotWrite(path: path, reason: "\(error.localizedDescription)")
        }
        let temporary = (directory as NSString).appendingPathComponent(
            ".\((path as NSString).lastPathComponent).\(ProcessInfo.processInfo.processIdentifier)-\(UInt32.random(in: 0...UInt32.max)).partial")
        guard FileManager.default.createFile(atPath: temporary, contents: data) else {
            throw TaskFileError.cannotWrite(path: path, reason: String(cString: strerror(errno)))
        }
        guard rename(temporary, path) == 0 else {
            let reason = String(cString: strerror(errno))
            try? FileManager.default.removeItem(atPath: temporary)
            throw TaskFileError.cannotWrite(path: path, reason: reason)
        }
    }

    /// The bundle of results by key.
    public static func bundle(_ results: [String: Data]) -> TaskArchive {
        TaskArchive(entries: results.keys.sorted().map { ($0, results[$0] ?? Data()) })
    }

    /// What a task computed, as its result file holds it.
    public static func resultArchive(_ computed: ComputedCell) throws -> TaskArchive {
        let summary = ResultSummary(outputs: computed.outputs, resultKind: computed.result?.kind.rawValue, seeds: computed.seeds,
                                    facts: computed.facts, textFacts: computed.textFacts, seconds: computed.seconds)
        var entries: [(name: String, data: Data)] = [("cell.json", try JSONEncoder().encode(summary))]
        if let result = computed.result { entries.append(("result", result.data)) }
        return TaskArchive(entries: entries)
    }

    /// Reads a result file back into what the task computed.
    public static func computed(from archive: TaskArchive, path: String) throws -> ComputedCell {
        guard let json = archive["cell.json"],
              let summary = try? JSONDecoder().decode(ResultSummary.self, from: json) else {
            throw TaskFileError.damaged(path: path, reason: "it has no readable cell.json")
        }
        var result: (kind: ResultKind, data: Data)?
        if let kind = summary.resultKind {
            guard let data = archive["result"] else { throw TaskFileError.damaged(path: path, reason: "its result is missing") }
            result = (ResultKind(rawValue: kind), data)
        }
        return ComputedCell(outputs: summary.outputs, result: result, seeds: summary.seeds, facts: summary.facts,
                            textFacts: summary.textFacts, seconds: summary.seconds)
    }

    /// Everything of a ``ComputedCell`` but its result's bytes.
    struct ResultSummary: Codable {
        var outputs: [OutputItem]
        var resultKind: String?
        var seeds: [String]
        var facts: [Fact]
        var textFacts: [String: String]
        var seconds: Double
    }
}
