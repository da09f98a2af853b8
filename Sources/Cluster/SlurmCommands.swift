import Foundation

/// The Slurm commands the executor runs: `sbatch`, `squeue`, `sacct` and `scancel`, found on `PATH`.
public struct SlurmCommands: Sendable {
    public init() {}

    /// What a Slurm command printed.
    struct Output {
        var status: Int32
        var standardOutput: String
        var standardError: String
    }

    /// Runs `name ARGUMENTS` (through `/usr/bin/env`, so `PATH` finds it).
    func run(_ name: String, _ arguments: [String]) throws -> Output {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [name] + arguments
        let output = Pipe(), error = Pipe()
        process.standardOutput = output
        process.standardError = error
        process.standardInput = FileHandle.nullDevice
        do {
            try process.run()
        } catch {
            throw SlurmError(message: "cannot run '\(name)': \(error.localizedDescription)")
        }
        // Standard error is drained on its own thread, so a chatty command cannot fill the pipe and stall.
        let errorData = Locked(Data())
        let drained = DispatchSemaphore(value: 0)
        Thread.detachNewThread {
            errorData.set(error.fileHandleForReading.readDataToEndOfFile())
            drained.signal()
        }
        let outputData = output.fileHandleForReading.readDataToEndOfFile()
        drained.wait()
        process.waitUntilExit()
        let result = Output(status: process.terminationStatus, standardOutput: String(decoding: outputData, as: UTF8.self),
                            standardError: String(decoding: errorData.value, as: UTF8.self))
        if result.status == 127 {
            throw SlurmError(message: "'\(name)' is not on PATH: loom submits from a Slurm login node (on this machine "
                             + "'make slurm-up' starts a one-node cluster)")
        }
        return result
    }

    /// Submits `script` with `options`; returns the job id.
    func sbatch(options: [String], script: String) throws -> String {
        let output = try run("sbatch", ["--parsable"] + options + [script])
        let id = output.standardOutput.split(separator: "\n").last.map { String($0.split(separator: ";")[0]) } ?? ""
        guard output.status == 0, !id.isEmpty, id.allSatisfy(\.isNumber) else {
            throw SlurmError(message: "sbatch refused the job (exit \(output.status)): "
                             + output.standardError.trimmingCharacters(in: .whitespacesAndNewlines))
        }
        return id
    }

    /// The state of every job or array task of `jobs` still in the queue, by id (`12`, `12_3`).
    func queued(_ jobs: [String]) throws -> [String: String] {
        guard !jobs.isEmpty else { return [:] }
        let output = try run("squeue", ["-h", "-r", "-j", jobs.joined(separator: ","), "-o", "%i|%T"])
        // A job that left the queue long ago makes squeue answer "Invalid job id" for the whole list: none is queued.
        guard output.status == 0 else { return [:] }
        return Self.states(output.standardOutput)
    }

    /// The ids of every job in the queue (of an array, its job id), or `nil` when `squeue` fails.
    func queuedJobs() throws -> Set<String>? {
        let output = try run("squeue", ["-h", "-o", "%F"])
        guard output.status == 0 else { return nil }
        return Set(output.standardOutput.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) })
    }

    /// The accounting state (`COMPLETED`, `FAILED`, `CANCELLED`, `TIMEOUT`…) and exit code of
    /// every job or array task of `jobs` that accounting knows, by id.
    func accounted(_ jobs: [String]) throws -> [String: (state: String, exitCode: String)] {
        guard !jobs.isEmpty else { return [:] }
        let output = try run("sacct", ["-n", "-P", "-X", "-j", jobs.joined(separator: ","), "-o", "JobID,State,ExitCode"])
        guard output.status == 0 else { return [:] }
        var result: [String: (state: String, exitCode: String)] = [:]
        for line in output.standardOutput.split(separator: "\n") {
            let fields = line.split(separator: "|", omittingEmptySubsequences: false).map(String.init)
            guard fields.count >= 3 else { continue }
            let state = fields[1].split(separator: " ").first.map(String.init) ?? fields[1]
            for id in Self.expanded(fields[0]) { result[id] = (state, fields[2]) }
        }
        return result
    }

    /// Cancels jobs (`scancel`); a job that already ended is no error.
    func cancel(_ jobs: [String]) throws {
        guard !jobs.isEmpty else { return }
        _ = try run("scancel", jobs)
    }

    /// `12_3|RUNNING` lines → `["12_3": "RUNNING"]`, array ranges expanded.
    static func states(_ text: String) -> [String: String] {
        var result: [String: String] = [:]
        for line in text.split(separator: "\n") {
            let fields = line.split(separator: "|").map(String.init)
            guard fields.count == 2 else { continue }
            for id in expanded(fields[0]) { result[id] = fields[1] }
        }
        return result
    }

    /// `12_[0-2,5]` → `12_0 12_1 12_2 12_5`; `12_3` and `12` as they are.
    static func expanded(_ id: String) -> [String] {
        guard let open = id.firstIndex(of: "["), let close = id.firstIndex(of: "]"), open < close else { return [id] }
        let job = id[..<open]
        var ids: [String] = []
        for part in id[id.index(after: open)..<close].split(separator: ",") {
            let spec = part.split(separator: "%")[0]  // `0-7%2`: at most 2 at once
            let bounds = spec.split(separator: "-").compactMap { Int($0) }
            if bounds.count == 2, bounds[0] <= bounds[1] {
                ids += (bounds[0]...bounds[1]).map { "\(job)\($0)" }
            } else if bounds.count == 1 {
                ids.append("\(job)\(bounds[0])")
            }
        }
        return ids
    }
}

/// A Slurm command that failed, or a job that cannot be submitted.
public struct SlurmError: Error, Equatable, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}

/// A value behind a lock.
final class Locked<Value>: @unchecked Sendable {
    private var stored: Value
    private let lock = NSLock()
    init(_ value: Value) { stored = value }
    var value: Value { lock.withLock { stored } }
    func set(_ value: Value) { lock.withLock { stored = value } }
}
