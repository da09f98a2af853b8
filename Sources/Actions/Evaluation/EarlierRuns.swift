import Engine
import Foundation
import Notebook

/// One item of `compare`'s `runs`: an earlier run of the notebook, as `loom runs` lists them.
struct RunReference: Sendable, Equatable {
    enum Target: Sendable, Equatable {
        /// The `n`-th newest recorded run: 1 for `last` (or `-1`), 2 for `-2`.
        case back(Int)
        /// The run with this id.
        case id(Int64)
    }

    var target: Target
    /// Where the item is written, for errors.
    var position: SourcePosition?

    /// `last`, `-2` or `12`, as a cell writes it.
    var written: String {
        switch target {
        case .back(1): "last"
        case .back(let n): "-\(n)"
        case .id(let id): String(id)
        }
    }

    /// The canonical value, for cache keys and help.
    var value: Value {
        switch target {
        case .back(1): .string("last")
        case .back(let n): .int(-n)
        case .id(let id): .int(Int(id))
        }
    }

    static let summary = "list of runs ('last', -N, or run ids)"

    /// Reads `runs: [last, -2, 12]` (or a single item).
    static func parse(_ node: ParameterNodeReader, problems: inout [ParameterProblem]) -> [RunReference]? {
        let items = node.items ?? [node]
        var references: [RunReference] = []
        var failed = false
        for item in items {
            if let reference = parseItem(item) {
                references.append(reference)
            } else {
                failed = true
                problems.append(ParameterProblem(at: item.position, "'runs' takes 'last', -N (the N-th newest run) or a "
                                                 + "run id as 'loom runs' lists them, not '\(item.scalarText ?? item.kindDescription)'"))
            }
        }
        return failed ? nil : references
    }

    private static func parseItem(_ item: ParameterNodeReader) -> RunReference? {
        guard let value = item.scalarValue else { return nil }
        if value.stringValue == "last" { return RunReference(target: .back(1), position: item.position) }
        guard let number = value.intValue, number != 0 else { return nil }
        return RunReference(target: number < 0 ? .back(-number) : .id(Int64(number)), position: item.position)
    }
}

/// The earlier runs `compare` takes models from, and the models themselves.
enum EarlierRuns {
    /// A reference and the run it names.
    struct Resolved {
        var reference: RunReference
        var run: RunRecord
    }

    /// A model an earlier run made, read from the cache.
    struct Model {
        var cellLabel: String
        var run: RunRecord
        var key: String
        var value: ModelValue

        /// `cnn (run 3)`, for tables and legends.
        var label: String { "\(cellLabel) (run \(run.id))" }
        /// `cnn@run3`, for facts.
        var factName: String { "\(cellLabel)@run\(run.id)" }
    }

    /// The runs the references name, newest first as written, each once.
    ///
    /// - Parameter runs: The notebook's recorded runs, newest first (the running one not among them).
    /// - Returns: the runs, and a note for each relative reference that reaches past the history
    ///   (a notebook's first runs have none, so `runs: [last]` must not fail them).
    /// - Throws: ``ActionError`` at the item for a run id that is not a run of this notebook.
    static func resolve(_ references: [RunReference], runs: [RunRecord]) throws -> (runs: [Resolved], notes: [String]) {
        var resolved: [Resolved] = []
        var notes: [String] = []
        for reference in references {
            let run: RunRecord
            switch reference.target {
            case .back(let n):
                guard n <= runs.count else {
                    let had = runs.isEmpty ? "no earlier runs" : runs.count == 1 ? "only 1 earlier run" : "only \(runs.count) earlier runs"
                    notes.append("'\(reference.written)' in 'runs' names no run yet: the notebook has \(had) in the cache.")
                    continue
                }
                run = runs[n - 1]
            case .id(let id):
                guard let found = runs.first(where: { $0.id == id }) else {
                    throw ActionError("there is no run \(id) of this notebook in the cache; "
                                      + (runs.isEmpty ? "it has no recorded runs yet"
                                         : "its runs are \(idList(runs)) ('loom runs' lists them)"),
                                      parameter: "runs", position: reference.position)
                }
                run = found
            }
            if !resolved.contains(where: { $0.run.id == run.id }) { resolved.append(Resolved(reference: reference, run: run)) }
        }
        return (resolved, notes)
    }

    /// What a cell's cache identity gets from its `runs`: each run's id and cell keys, so the cell
    /// runs again when `last` comes to name another run.
    static func identity(_ references: [RunReference], runs: [RunRecord]) throws -> String {
        guard !references.isEmpty else { return "" }
        return try resolve(references, runs: runs).runs.map { item in
            "run \(item.run.id): " + item.run.cells.map { "\($0.label)=\($0.key ?? "-")" }.joined(separator: ",")
        }.joined(separator: ";")
    }

    /// The model each of `cells` (the labels and keys of the models the cell reads now) made in
    /// each run, read from the cache.
    ///
    /// - Returns: the models, and notes for the models an earlier run shares with this one
    ///   (nothing changed, so they are not shown twice).
    /// - Throws: ``ActionError`` at the run's item when the run has no such cell, the cell did
    ///   not finish there, or its model is no longer in the cache.
    static func models(of cells: [(label: String, key: String)], in runs: [Resolved],
                       context: ActionContext) throws -> (models: [Model], notes: [String]) {
        var models: [Model] = []
        var notes: [String] = []
        for item in runs {
            let run = item.run
            for (label, currentKey) in cells {
                let key = try modelKey(of: label, in: run, position: item.reference.position)
                if key == currentKey {
                    notes.append("Run \(run.id)'s \(label) is the model this run uses (the same cache key), so it is not repeated.")
                    continue
                }
                guard context.hasStoredResult(key: key) else {
                    throw ActionError("the model '\(label)' of run \(run.id) is no longer in the cache (it was pruned); "
                                      + "run the notebook as run \(run.id) did\(parameterText(run)) to make it again, "
                                      + "or leave run \(run.id) out of 'runs'",
                                      parameter: "runs", position: item.reference.position)
                }
                models.append(Model(cellLabel: label, run: run, key: key,
                                    value: try context.result(key: key, as: ModelValue.self)))
            }
        }
        return (models, notes)
    }

    /// The cache key of the result cell `label` (its name, or its action for an unnamed cell) made in `run`.
    ///
    /// - Throws: ``ActionError`` at `position` when the run has no such cell or the cell did not finish.
    static func modelKey(of label: String, in run: RunRecord, position: SourcePosition?) throws -> String {
        guard let cell = run.cells.first(where: { $0.name == label })
            ?? run.cells.first(where: { $0.name == nil && $0.action == label }) else {
            let named = run.cells.compactMap(\.name)
            throw ActionError("run \(run.id) has no cell '\(label)' to take a model from"
                              + (named.isEmpty ? "" : " (its named cells: \(named.joined(separator: ", ")))"),
                              parameter: "runs", position: position)
        }
        guard cell.status == "ran" || cell.status == "cached", let key = cell.key else {
            throw ActionError("'\(label)' \(cell.status == "failed" ? "failed" : "did not run") in run \(run.id), "
                              + "so that run has no model of it", parameter: "runs", position: position)
        }
        return key
    }

    /// ` (with -p epochs=1 -p seed=2)`, or nothing when the run overrode no parameter.
    static func parameterText(_ run: RunRecord) -> String {
        let overridden = run.parameters.filter(\.overridden)
        guard !overridden.isEmpty else { return "" }
        return " (with " + overridden.map { "-p \($0.name)=\($0.value)" }.joined(separator: " ") + ")"
    }

    /// `7, 6, 5, … 1`: at most eight ids, newest first.
    static func idList(_ runs: [RunRecord]) -> String {
        let ids = runs.map { String($0.id) }
        return ids.count <= 8 ? ids.joined(separator: ", ") : ids.prefix(7).joined(separator: ", ") + ", … " + (ids.last ?? "")
    }
}
