import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The status of a finished cell.
public enum CellStatus: Sendable, Equatable {
    case ran
    case cached
    case failed(String)
    case skipped(String)

    /// The status without its message.
    public enum Kind: String, Sendable, CaseIterable {
        case ran, cached, failed, skipped
    }

    public var kind: Kind {
        switch self {
        case .ran: .ran
        case .cached: .cached
        case .failed: .failed
        case .skipped: .skipped
        }
    }

    /// `ran`, `cached`, `failed`, `skipped`: what the marker comments and summary say.
    public var word: String { kind.rawValue }

    /// Whether the cell's result is there for the cells that read it.
    public var succeeded: Bool { kind == .ran || kind == .cached }
}

/// Receives the events of a run, to show them to a person or a log.
public protocol ProgressReporter: Sendable {
    func runStarted(notebook: String, cells: Int, toRun: Int, cached: Int)
    /// A cell starts running; `ordinal` counts the cells that run (1-based) out of `toRun`.
    func cellStarted(index: Int, ordinal: Int, toRun: Int, action: String)
    /// Progress inside a long action.
    func cellProgress(index: Int, _ update: ProgressUpdate)
    /// A line worth keeping (an epoch finished).
    func cellLog(index: Int, _ line: String)
    func cellFinished(index: Int, action: String, status: CellStatus, seconds: Double)
    func runFinished(notebook: String, ran: Int, cached: Int, failed: Int, skipped: Int, seconds: Double, output: String?)
    /// The planner decided that the cell runs (before any cell starts); default: nothing.
    func cellQueued(index: Int, action: String)
    /// A training epoch finished (or was replayed from a checkpoint); default: nothing.
    func cellEpoch(index: Int, _ epoch: EpochProgress)
    /// A cell is done, with its outputs (right after ``cellFinished(index:action:status:seconds:)``); default: nothing.
    func cellReported(_ report: CellReport)
    /// The tasks an executor submitted for the cell changed (see ``RemoteTaskStatus``); default: nothing.
    func cellTasks(index: Int, _ tasks: [RemoteTaskStatus])
}

/// A step of a long action: `completed` of `total` units, with a rate and a message.
public struct ProgressUpdate: Sendable, Equatable {
    public var completed: Int
    public var total: Int
    /// What a unit is, for the rate: `img`, `batch`.
    public var unit: String
    /// Units per second, if known.
    public var rate: Double?
    /// `epoch 3/15 · loss 0.312`
    public var message: String

    public init(completed: Int, total: Int, unit: String = "", rate: Double? = nil, message: String = "") {
        self.completed = completed
        self.total = total
        self.unit = unit
        self.rate = rate
        self.message = message
    }
}

/// A cell's handle on progress reporting.
public struct CellProgress: Sendable {
    let index: Int
    let reporter: any ProgressReporter
    let cancellation: RunCancellation?

    public init(index: Int, reporter: any ProgressReporter, cancellation: RunCancellation? = nil) {
        self.index = index
        self.reporter = reporter
        self.cancellation = cancellation
    }

    public func update(_ update: ProgressUpdate) { reporter.cellProgress(index: index, update) }
    public func log(_ line: String) { reporter.cellLog(index: index, line) }
    /// Reports a finished training epoch, for live tables and curves.
    public func epoch(_ epoch: EpochProgress) { reporter.cellEpoch(index: index, epoch) }
    /// Whether the run was asked to stop: long actions check it between steps and end early.
    public var isCancelled: Bool { cancellation?.isCancelled ?? false }
}

/// Reports nothing (`--quiet`, tests).
public struct SilentProgress: ProgressReporter {
    public init() {}
    public func runStarted(notebook: String, cells: Int, toRun: Int, cached: Int) {}
    public func cellStarted(index: Int, ordinal: Int, toRun: Int, action: String) {}
    public func cellProgress(index: Int, _ update: ProgressUpdate) {}
    public func cellLog(index: Int, _ line: String) {}
    public func cellFinished(index: Int, action: String, status: CellStatus, seconds: Double) {}
    public func runFinished(notebook: String, ran: Int, cached: Int, failed: Int, skipped: Int, seconds: Double,
                            output: String?) {}
}

/// Writes progress to a file descriptor (standard error): a live line on a terminal, one line per event otherwise.
public final class StreamProgress: ProgressReporter, @unchecked Sendable {
    private let descriptor: Int32
    private let live: Bool
    private let color: Bool
    private let lock = NSLock()
    private var started: [Int: Date] = [:]
    private var lastDraw = Date.distantPast
    private var lastLogged: [Int: Int] = [:]
    private var lineIsOpen = false
    /// The cells running now (several at once when they wait on an executor), and the one the live line shows.
    private var current: [Int: (ordinal: Int, toRun: Int, action: String)] = [:]
    private var shown: Int?

    /// - Parameters:
    ///   - descriptor: the file descriptor to write to (2, standard error).
    ///   - live: redraw one status line in place (a terminal); otherwise one line per event.
    ///   - color: ANSI colours (never when `NO_COLOR` is set).
    public init(descriptor: Int32, live: Bool, color: Bool) {
        self.descriptor = descriptor
        self.live = live
        self.color = color && ProcessInfo.processInfo.environment["NO_COLOR"] == nil
    }

    /// Chooses live output and colour from whether `stream` is a terminal.
    public static func forStandardError() -> StreamProgress {
        let tty = isatty(STDERR_FILENO) != 0
        return StreamProgress(descriptor: STDERR_FILENO, live: tty, color: tty)
    }

    private func write(_ text: String) {
        var bytes = Array(text.utf8)[...]
        while !bytes.isEmpty {
            #if canImport(Glibc)
            let written = bytes.withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress, $0.count) }
            #else
            let written = bytes.withUnsafeBytes { Darwin.write(descriptor, $0.baseAddress, $0.count) }
            #endif
            guard written > 0 else { return }
            bytes = bytes.dropFirst(written)
        }
    }

    private func paint(_ text: String, _ code: String) -> String { color ? "\u{1B}[\(code)m\(text)\u{1B}[0m" : text }

    private func closeLine() {
        if lineIsOpen {
            write("\r\u{1B}[2K")
            lineIsOpen = false
        }
    }

    public func runStarted(notebook: String, cells: Int, toRun: Int, cached: Int) {
        lock.withLock {
            let what = cached == cells ? "all \(cells) cells cached"
                : "\(toRun) of \(cells) cells to run, \(cached) cached"
            write("\(paint("loom", "1")) \(notebook): \(what)\n")
        }
    }

    public func cellStarted(index: Int, ordinal: Int, toRun: Int, action: String) {
        lock.withLock {
            started[index] = Date()
            current[index] = (ordinal, toRun, action)
            shown = index
            if live {
                closeLine()
                write("[\(ordinal)/\(toRun)] cell \(index + 1) \(action) …")
                lineIsOpen = true
            } else {
                write("[\(ordinal)/\(toRun)] cell \(index + 1) \(action): started\n")
            }
        }
    }

    public func cellProgress(index: Int, _ update: ProgressUpdate) {
        lock.withLock {
            let now = Date()
            guard let current = current[index] else { return }
            if live { shown = index }
            let elapsed = now.timeIntervalSince(started[index] ?? now)
            if live {
                guard now.timeIntervalSince(lastDraw) >= 0.1 || update.completed == update.total else { return }
                lastDraw = now
                closeLine()
                write("[\(current.ordinal)/\(current.toRun)] cell \(index + 1) \(current.action) "
                      + Self.bar(update, elapsed: elapsed))
                lineIsOpen = true
            } else {
                // One line per tenth of the work, so logs stay short.
                let tenth = update.total > 0 ? update.completed * 10 / update.total : 0
                guard tenth != lastLogged[index] else { return }
                lastLogged[index] = tenth
                write("[\(current.ordinal)/\(current.toRun)] cell \(index + 1) \(current.action): "
                      + Self.bar(update, elapsed: elapsed, width: 0) + "\n")
            }
        }
    }

    public func cellLog(index: Int, _ line: String) {
        lock.withLock {
            let wasOpen = lineIsOpen
            closeLine()
            write("    \(line)\n")
            if wasOpen, live, let index = shown, let current = current[index] {
                write("[\(current.ordinal)/\(current.toRun)] cell \(index + 1) \(current.action) …")
                lineIsOpen = true
            }
        }
    }

    public func cellFinished(index: Int, action: String, status: CellStatus, seconds: Double) {
        lock.withLock {
            closeLine()
            let time = Self.duration(seconds)
            switch status {
            case .ran:
                write("\(paint("✓", "32")) cell \(index + 1) \(action) ran in \(time)\n")
            case .cached:
                break
            case .failed(let message):
                write("\(paint("✗", "31")) cell \(index + 1) \(action) failed after \(time): \(message)\n")
            case .skipped(let reason):
                write("\(paint("–", "33")) cell \(index + 1) \(action) skipped: \(reason)\n")
            }
            current[index] = nil
            if shown == index { shown = current.keys.min() }
        }
    }

    public func runFinished(notebook: String, ran: Int, cached: Int, failed: Int, skipped: Int, seconds: Double,
                            output: String?) {
        lock.withLock {
            closeLine()
            var parts = ["\(ran) ran", "\(cached) cached"]
            if failed > 0 { parts.append(paint("\(failed) failed", "31")) }
            if skipped > 0 { parts.append("\(skipped) skipped") }
            let destination = output.map { " → \($0)" } ?? ""
            write("\(notebook): \(parts.joined(separator: ", ")) in \(Self.duration(seconds))\(destination)\n")
        }
    }

    /// `[████████░░░░] 62% 4,812 img/s ETA 0:14 · epoch 3/15 loss 0.31`
    static func bar(_ update: ProgressUpdate, elapsed: Double, width: Int = 24) -> String {
        let fraction = update.total > 0 ? min(1, Double(update.completed) / Double(update.total)) : 0
        var parts: [String] = []
        if width > 0 {
            let filled = Int((fraction * Double(width)).rounded())
            parts.append("[" + String(repeating: "█", count: filled) + String(repeating: "░", count: width - filled) + "]")
        }
        parts.append("\(Int(fraction * 100))%")
        if let rate = update.rate, rate > 0 {
            parts.append("\(formatCount(rate)) \(update.unit)/s")
        }
        if fraction > 0, fraction < 1 {
            parts.append("ETA " + duration(elapsed / fraction - elapsed))
        }
        if !update.message.isEmpty { parts.append("· " + update.message) }
        return parts.joined(separator: " ")
    }

    /// `0.42 s`, `12.3 s`, `4:05`, `1:02:03`.
    public static func duration(_ seconds: Double) -> String {
        if seconds < 10 { return String(format: "%.2f s", seconds) }
        if seconds < 60 { return String(format: "%.1f s", seconds) }
        let total = Int(seconds.rounded())
        if total < 3600 { return String(format: "%d:%02d", total / 60, total % 60) }
        return String(format: "%d:%02d:%02d", total / 3600, total / 60 % 60, total % 60)
    }

    /// `4,812` or `12.3k`.
    static func formatCount(_ value: Double) -> String {
        if value >= 100_000 { return String(format: "%.0fk", value / 1000) }
        let int = Int(value.rounded())
        var digits = String(int)
        var index = digits.count - 3
        while index > 0 {
            digits.insert(",", at: digits.index(digits.startIndex, offsetBy: index))
            index -= 3
        }
        return digits
    }
}
