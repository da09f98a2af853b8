import ArgumentParser
import Engine
import Foundation

extension Loom {
    /// `loom runs [NOTEBOOK] [--json]`
    struct Runs: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Lists the recorded runs, newest first: parameters, cells that ran, facts.",
            discussion: """
                Every 'loom run' is recorded in the cache: its id, date and time, the notebook and the git \
                commit that holds it (* when the notebook differs from it), the notebook parameters (-p \
                included), each cell's status and time, and the facts the cells published (accuracy, \
                macro-f1, seconds, …). With a NOTEBOOK, its facts get a column each.
                """)

        @Argument(help: "Only the runs of this notebook.")
        var notebook: String?

        @Flag(help: "Print the runs as JSON, with every cell and fact.")
        var json = false

        @Option(help: ArgumentHelp("At most this many runs.", valueName: "n"))
        var limit: Int?

        @OptionGroup var cache: CacheOptions

        func run() throws {
            let runs = try cache.open().runs(notebook: notebook.map(Planner.notebookID), limit: limit)
            if json {
                print(try runsJSON(runs))
                return
            }
            guard !runs.isEmpty else {
                print(notebook.map { "\($0) has no recorded runs in \(cache.path)." } ?? "\(cache.path) has no recorded runs.")
                return
            }
            print(TextTable.render(runsTable(runs, factColumns: notebook != nil)))
        }
    }

    /// `loom diff [NOTEBOOK] [RUN_A RUN_B]`
    struct Diff: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Compares two recorded runs: parameters that changed, cells that ran again, facts old → new.",
            discussion: """
                Without run ids, compares the notebook's last two runs (without a notebook, those of the \
                notebook run last). Run ids are the numbers 'loom runs' lists.
                """)

        @Argument(help: ArgumentHelp("A notebook, then optionally two run ids.", valueName: "notebook | run"))
        var arguments: [String] = []

        @OptionGroup var cache: CacheOptions

        func validate() throws {
            let ids = arguments.drop { Int64($0) == nil }
            let notebooks = arguments.prefix { Int64($0) == nil }
            guard notebooks.count <= 1, ids.allSatisfy({ Int64($0) != nil }), ids.count == 0 || ids.count == 2 else {
                throw ValidationError("Give a notebook, two run ids, or a notebook and two run ids (as 'loom runs' lists them).")
            }
        }

        func run() throws {
            let database = try cache.open()
            let notebook = arguments.first { Int64($0) == nil }
            let ids = arguments.compactMap { Int64($0) }
            let old: RunRecord, new: RunRecord
            if ids.count == 2 {
                func find(_ id: Int64) throws -> RunRecord {
                    guard let run = try database.run(id: id) else {
                        throw LoomFailure(message: "there is no run \(id) in \(cache.path) ('loom runs' lists them).")
                    }
                    if let notebook, run.notebook != Planner.notebookID(notebook) {
                        throw LoomFailure(message: "run \(id) is a run of \(run.path), not of \(notebook).")
                    }
                    return run
                }
                (old, new) = (try find(ids[0]), try find(ids[1]))
            } else {
                let id = try notebook.map(Planner.notebookID) ?? database.runs(limit: 1).first?.notebook
                let runs = try id.map { try database.runs(notebook: $0, limit: 2) } ?? []
                guard runs.count == 2 else {
                    let what = notebook ?? runs.first?.path ?? "the cache"
                    throw LoomFailure(message: "\(what) has \(runs.isEmpty ? "no recorded runs" : "only one recorded run"); "
                                      + "'loom diff' needs two (run the notebook again).")
                }
                (old, new) = (runs[1], runs[0])
            }
            print(diffReport(RunComparison(old: old, new: new)))
        }
    }
}

/// `2026-12-03 11:20:05`, local time.
func runDate(_ date: Date) -> String {
    let formatter = DateFormatter()
    formatter.locale = Locale(identifier: "en_US_POSIX")
    formatter.dateFormat = "yyyy-MM-dd HH:mm:ss"
    return formatter.string(from: date)
}

/// `3f2c1ab`, `3f2c1ab*` when the notebook differed from the commit, `–` outside git.
func commitText(_ run: RunRecord) -> String {
    guard let commit = run.gitCommit else { return "–" }
    return String(commit.prefix(7)) + (run.gitDirty == true ? "*" : "")
}

/// One row per run; with `factColumns`, one column per cell fact (`ev.accuracy`), at most eight:
/// each cell's first fact, then each cell's second, and so on (per-class families such as
/// `recall.Shirt` left out), so that every cell's headline number has a column.
func runsTable(_ runs: [RunRecord], factColumns: Bool) -> Table {
    var facts: [(cell: String, fact: String)] = []
    if factColumns {
        var byCell: [(cell: String, facts: [String])] = []
        for run in runs {
            for cell in run.cells {
                let names = cell.facts.map(\.name).filter { !$0.contains(".") }
                if let index = byCell.firstIndex(where: { $0.cell == cell.label }) {
                    byCell[index].facts += names.filter { !byCell[index].facts.contains($0) }
                } else {
                    byCell.append((cell.label, names))
                }
            }
        }
        var rank = 0
        while facts.count < 8, byCell.contains(where: { $0.facts.count > rank }) {
            for cell in byCell where cell.facts.count > rank && facts.count < 8 {
                facts.append((cell.cell, cell.facts[rank]))
            }
            rank += 1
        }
    }
    let columns = ["run", "started", "notebook", "commit", "parameters", "ran", "cached", "failed", "skipped", "seconds"]
        + facts.map { "\($0.cell).\($0.fact)" }
    var table = Table(columns: columns, alignments: [.right, .left, .left, .left, .left, .right, .right, .right, .right, .right]
        + facts.map { _ in .right })
    for run in runs {
        let parameters = run.parameters.map { "\($0.name)=\($0.value)\($0.overridden ? " (-p)" : "")" }.joined(separator: " ")
        var row = [String(run.id), runDate(run.startedAt), run.path, commitText(run), parameters.isEmpty ? "–" : parameters,
                   String(run.count("ran")), String(run.count("cached")), String(run.count("failed")), String(run.count("skipped")),
                   Fact.format(run.seconds, kind: .seconds)]
        for (cell, name) in facts {
            let fact = run.cells.first { $0.label == cell }?.facts.first { $0.name == name }
            row.append(fact?.formattedValue ?? "–")
        }
        table.append(row)
    }
    return table
}

/// The runs as JSON (ISO 8601 dates, sorted keys), for scripts.
func runsJSON(_ runs: [RunRecord]) throws -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    encoder.dateEncodingStrategy = .iso8601
    return String(decoding: try encoder.encode(runs), as: UTF8.self)
}

/// The three sections of `loom diff`.
func diffReport(_ comparison: RunComparison) -> String {
    let (old, new) = (comparison.old, comparison.new)
    let a = "run \(old.id)", b = "run \(new.id)"
    var sections = ["\(a) (\(runDate(old.startedAt)), \(old.path)) → \(b) (\(runDate(new.startedAt)), \(new.path))"]

    if comparison.parameters.isEmpty {
        sections.append("Parameters: the same.")
    } else {
        var table = Table(columns: ["parameter", a, b], alignments: [.left, .left, .left])
        for change in comparison.parameters { table.append([change.name, change.old ?? "–", change.new ?? "–"]) }
        sections.append("Parameters that changed:\n" + TextTable.render(table))
    }

    if comparison.reruns.isEmpty {
        sections.append("Cells that ran again: none (\(b) came from the cache).")
    } else {
        var table = Table(columns: ["cell", "action", "status", "why", "seconds"], alignments: [.left, .left, .left, .left, .right])
        for cell in comparison.reruns {
            table.append([cell.label, cell.action, cell.status,
                          cell.keyChanged ? "its parameters or inputs changed" : "same inputs (forced, or not cached)",
                          Fact.format(cell.seconds, kind: .seconds)])
        }
        sections.append("Cells that ran again:\n" + TextTable.render(table))
    }

    if comparison.facts.isEmpty {
        sections.append("Facts: none published.")
    } else {
        var table = Table(columns: ["cell", "fact", a, b, "change"], alignments: [.left, .left, .right, .right, .right])
        for change in comparison.facts {
            table.append([change.cell, change.fact, change.old.map { Fact.format($0, kind: change.kind) } ?? "–",
                          change.new.map { Fact.format($0, kind: change.kind) } ?? "–",
                          change.delta.map { Fact.formatDelta($0, kind: change.kind) } ?? "–"])
        }
        sections.append("Facts:\n" + TextTable.render(table))
    }
    return sections.joined(separator: "\n\n")
}
