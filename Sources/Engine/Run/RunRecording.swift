import Foundation
import Notebook

extension RunRecord {
    /// The record of a finished run: its parameters (from the notebook's `loom params` cells,
    /// `-p` overrides marked), every cell with its status, time, key and facts, and the git
    /// commit of the notebook's repository.
    static func make(notebook: CheckedNotebook, report: RunReport, planned: [PlannedCell], startedAt: Date) -> RunRecord {
        var parameters: [String: RunParameter] = [:]
        for checked in notebook.cells where checked.cell.action == NotebookParameters.actionName {
            guard let declared = checked.parameters?.value as? NotebookParameterValues else { continue }
            for parameter in declared.values where parameters[parameter.name] == nil {
                parameters[parameter.name] = RunParameter(name: parameter.name, value: parameter.value.description,
                                                          overridden: parameter.isOverridden)
            }
        }
        let cells = report.cells.map { cell in
            let message: String? = switch cell.status {
            case .failed(let text), .skipped(let text): text.isEmpty ? nil : text
            case .ran, .cached: nil
            }
            return RunCell(index: cell.index, action: cell.action, name: cell.resultName, status: cell.status.word,
                           message: message, seconds: cell.seconds,
                           key: planned.first { $0.index == cell.index }?.key, facts: cell.facts)
        }
        let git = GitRevision.of(file: report.notebook)
        return RunRecord(
            path: report.notebook, notebook: Planner.notebookID(report.notebook), startedAt: startedAt,
            seconds: report.seconds, gitCommit: git?.commit, gitDirty: git?.dirty,
            loomVersion: LoomVersion.current, succeeded: report.succeeded,
            parameters: parameters.values.sorted { $0.name < $1.name }, cells: cells)
    }
}

/// The git commit that holds a file, if the file is inside a git work tree.
struct GitRevision: Sendable, Equatable {
    var commit: String
    /// Whether the file differs from that commit (or is not committed).
    var dirty: Bool

    /// Asks `git` (if installed) about the file's repository; `nil` outside a repository.
    static func of(file path: String) -> GitRevision? {
        let url = URL(fileURLWithPath: path).standardizedFileURL
        let directory = url.deletingLastPathComponent().path
        guard let commit = git(["rev-parse", "--verify", "-q", "HEAD"], in: directory), !commit.isEmpty,
              let status = git(["status", "--porcelain", "--", url.lastPathComponent], in: directory)
        else { return nil }
        return GitRevision(commit: commit, dirty: !status.isEmpty)
    }

    /// The trimmed standard output of `git ARGUMENTS`, or `nil` when git fails or is missing.
    private static func git(_ arguments: [String], in directory: String) -> String? {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["git", "-C", directory] + arguments
        var environment = ProcessInfo.processInfo.environment
        environment["GIT_OPTIONAL_LOCKS"] = "0"
        environment["LC_ALL"] = "C"
        process.environment = environment
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        do {
            try process.run()
        } catch {
            return nil
        }
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { return nil }
        return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
