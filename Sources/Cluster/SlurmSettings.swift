import Engine
import Foundation

/// How `loom run --executor slurm` submits its jobs: from the `[slurm]` table of a `loom.toml`
/// and the `--slurm-*` options, which win.
public struct SlurmSettings: Sendable, Equatable {
    /// `--partition`; `nil`: the cluster's default partition.
    public var partition: String?
    /// `--time`, Slurm's time limit (`30`, `1:30:00`, `2-00:00:00`); `nil`: the partition's default.
    public var time: String?
    /// `--cpus-per-task`; also the threads each task trains with.
    public var cpusPerTask: Int?
    /// `--mem` (`4G`, `500M`).
    public var memory: String?
    /// More `sbatch` arguments, passed as they are (`--account=vision`, `--qos=short`).
    public var sbatchArguments: [String] = []
    /// The folder tasks and this process share (the cluster's shared file system); `nil`: `slurm/`
    /// beside the cache.
    public var sharedDirectory: String?
    /// How many times a failed or cancelled task is submitted again.
    public var retries = 0
    /// Seconds between two looks at the queue.
    public var pollInterval = 0.5

    public init() {}

    /// The keys of the `[slurm]` table.
    public static let keys = ["partition", "time", "cpus-per-task", "mem", "sbatch-args", "shared-dir", "retries"]

    /// Reads the `[slurm]` table of a `loom.toml`.
    public static func parse(toml text: String, path: String) throws -> SlurmSettings {
        let table = try TOMLSubset.parse(text, path: path)
        var settings = SlurmSettings()
        for (name, entry) in table {
            let at = "\(path):\(entry.line):\(entry.column)"
            switch name {
            case "slurm.partition": settings.partition = try entry.string(at)
            case "slurm.time": settings.time = try checkedTime(try entry.string(at), at: at)
            case "slurm.cpus-per-task": settings.cpusPerTask = try checkedCPUs(try entry.integer(at), at: at)
            case "slurm.mem": settings.memory = try checkedMemory(try entry.string(at), at: at)
            case "slurm.sbatch-args": settings.sbatchArguments = try entry.strings(at)
            case "slurm.shared-dir": settings.sharedDirectory = try entry.string(at)
            case "slurm.retries": settings.retries = try checkedRetries(try entry.integer(at), at: at)
            default:
                let parts = name.split(separator: ".", maxSplits: 1).map(String.init)
                guard parts.count == 2, parts[0] == "slurm" else {
                    throw SlurmSettingsError(message: "\(at): '\(name)' is not a loom setting; loom.toml has one table, [slurm], "
                                             + "with \(keys.map { "'\($0)'" }.joined(separator: ", "))")
                }
                throw SlurmSettingsError(message: "\(at): [slurm] has no key '\(parts[1])'"
                                         + Suggestions.hint(for: parts[1], in: keys)
                                         + " (it has \(keys.joined(separator: ", ")))")
            }
        }
        return settings
    }

    /// The settings of the first `loom.toml` found beside a notebook or in the working folder.
    public static func load(near notebooks: [String]) throws -> (settings: SlurmSettings, path: String?) {
        var candidates = notebooks.map { URL(fileURLWithPath: $0).deletingLastPathComponent().appendingPathComponent("loom.toml").path }
        candidates.append(URL(fileURLWithPath: FileManager.default.currentDirectoryPath).appendingPathComponent("loom.toml").path)
        for path in candidates where FileManager.default.fileExists(atPath: path) {
            guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
                throw SlurmSettingsError(message: "\(path): cannot be read as UTF-8 text")
            }
            return (try parse(toml: text, path: path), path)
        }
        return (SlurmSettings(), nil)
    }

    /// `30`, `30:00`, `1:30:00`, `2-00`, `2-00:00:00`: the forms `sbatch --time` takes.
    public static func checkedTime(_ text: String, at: String) throws -> String {
        let pattern = #"^([0-9]+-)?[0-9]+(:[0-9]{1,2}){0,2}$"#
        guard text.range(of: pattern, options: .regularExpression) != nil else {
            throw SlurmSettingsError(message: "\(at): the time limit '\(text)' is not one Slurm reads; write minutes ('30'), "
                                     + "'HH:MM:SS' ('1:30:00') or 'D-HH:MM:SS' ('2-00:00:00')")
        }
        return text
    }

    /// `4G`, `500M`, `1024` (megabytes).
    public static func checkedMemory(_ text: String, at: String) throws -> String {
        guard text.range(of: #"^[0-9]+[KMGT]?$"#, options: .regularExpression) != nil else {
            throw SlurmSettingsError(message: "\(at): the memory '\(text)' is not one Slurm reads; write a size such as '4G' or '500M'")
        }
        return text
    }

    public static func checkedCPUs(_ count: Int, at: String) throws -> Int {
        guard (1...4096).contains(count) else {
            throw SlurmSettingsError(message: "\(at): cpus-per-task must be from 1 to 4096, not \(count)")
        }
        return count
    }

    public static func checkedRetries(_ count: Int, at: String) throws -> Int {
        guard (0...100).contains(count) else {
            throw SlurmSettingsError(message: "\(at): retries must be from 0 to 100, not \(count)")
        }
        return count
    }

    /// The `sbatch` options these settings give, before the script.
    var sbatchOptions: [String] {
        var options: [String] = []
        if let partition { options.append("--partition=\(partition)") }
        if let time { options.append("--time=\(time)") }
        if let cpusPerTask { options.append("--cpus-per-task=\(cpusPerTask)") }
        if let memory { options.append("--mem=\(memory)") }
        return options + sbatchArguments
    }
}

/// A `loom.toml` or `--slurm-*` setting that cannot be used; the message says where.
public struct SlurmSettingsError: Error, Equatable, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}

/// The part of TOML a `loom.toml` needs, read strictly: `[table]` headers, `key = value` with
/// basic or literal strings, integers and one-line arrays of strings, `#` comments. Anything
/// else is an error at its line and column.
enum TOMLSubset {
    enum Value: Equatable {
        case string(String)
        case integer(Int)
        case strings([String])
    }

    struct Entry: Equatable {
        var value: Value
        var line: Int
        var column: Int

        func string(_ at: String) throws -> String {
            guard case .string(let text) = value else { throw SlurmSettingsError(message: "\(at): expected a string in quotes") }
            return text
        }

        func integer(_ at: String) throws -> Int {
            guard case .integer(let number) = value else { throw SlurmSettingsError(message: "\(at): expected a whole number") }
            return number
        }

        func strings(_ at: String) throws -> [String] {
            switch value {
            case .strings(let list): return list
            case .string(let text): return [text]
            case .integer: throw SlurmSettingsError(message: "\(at): expected a list of strings, such as [\"--qos=short\"]")
            }
        }
    }

    /// `table.key` → entry, in file order.
    static func parse(_ text: String, path: String) throws -> [(String, Entry)] {
        var entries: [(String, Entry)] = []
        var table = ""
        for (number, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = Array(rawLine.hasSuffix("\r") ? rawLine.dropLast() : rawLine)
            var scanner = Scanner(characters: line, line: number + 1, path: path)
            scanner.skipSpaces()
            guard let first = scanner.peek, first != "#" else { continue }
            if first == "[" {
                scanner.advance()
                scanner.skipSpaces()
                let name = try scanner.bareKey()
                scanner.skipSpaces()
                try scanner.expect("]")
                try scanner.expectEnd()
                table = name
                continue
            }
            let column = scanner.column
            let key = try scanner.bareKey()
            scanner.skipSpaces()
            try scanner.expect("=")
            scanner.skipSpaces()
            let value = try scanner.value()
            try scanner.expectEnd()
            let name = table.isEmpty ? key : "\(table).\(key)"
            if entries.contains(where: { $0.0 == name }) {
                throw SlurmSettingsError(message: "\(path):\(number + 1):\(column): '\(key)' is set twice")
            }
            entries.append((name, Entry(value: value, line: number + 1, column: column)))
        }
        return entries
    }

    struct Scanner {
        var characters: [Character]
        var index = 0
        var line: Int
        var path: String

        init(characters: [Character], line: Int, path: String) {
            self.characters = characters
            self.line = line
            self.path = path
        }

        var peek: Character? { index < characters.count ? characters[index] : nil }
        var column: Int { index + 1 }
        mutating func advance() { index += 1 }
        mutating func skipSpaces() { while peek == " " || peek == "\t" { advance() } }

        func error(_ message: String) -> SlurmSettingsError {
            SlurmSettingsError(message: "\(path):\(line):\(column): \(message)")
        }

        mutating func expect(_ character: Character) throws {
            guard peek == character else { throw error("expected '\(character)'\(peek.map { ", found '\($0)'" } ?? " at the end of the line")") }
            advance()
        }

        mutating func expectEnd() throws {
            skipSpaces()
            guard let next = peek, next != "#" else { return }
            throw error("unexpected '\(next)' after the value (one setting a line)")
        }

        mutating func bareKey() throws -> String {
            var key = ""
            while let next = peek, next.isLetter || next.isNumber || next == "-" || next == "_" {
                key.append(next)
                advance()
            }
            guard !key.isEmpty else { throw error("expected a name\(peek.map { ", found '\($0)'" } ?? "")") }
            return key
        }

        mutating func value() throws -> Value {
            switch peek {
            case "\"", "'": return .string(try string())
            case "[":
                advance()
                var list: [String] = []
                skipSpaces()
                while peek != "]" {
                    guard peek == "\"" || peek == "'" else { throw error("expected a string in quotes in the list") }
                    list.append(try string())
                    skipSpaces()
                    if peek == "," {
                        advance()
                        skipSpaces()
                    } else if peek != "]" {
                        throw error("expected ',' or ']' in the list (a list is written on one line)")
                    }
                }
                advance()
                return .strings(list)
            case let digit? where digit.isNumber || digit == "-" || digit == "+":
                var text = ""
                while let next = peek, next.isNumber || next == "-" || next == "+" || next == "_" {
                    if next != "_" { text.append(next) }
                    advance()
                }
                guard let number = Int(text) else { throw error("'\(text)' is not a whole number") }
                return .integer(number)
            default:
                throw error("expected a value: a string in quotes, a whole number or a list of strings")
            }
        }

        mutating func string() throws -> String {
            let quote = peek
            advance()
            var text = ""
            while let next = peek {
                advance()
                if next == quote { return text }
                if next == "\\" && quote == "\"" {
                    guard let escaped = peek else { break }
                    advance()
                    switch escaped {
                    case "\"": text.append("\"")
                    case "\\": text.append("\\")
                    case "n": text.append("\n")
                    case "t": text.append("\t")
                    default: throw error("unknown escape '\\\(escaped)'")
                    }
                } else {
                    text.append(next)
                }
            }
            throw error("the string is not closed on this line")
        }
    }
}
