import Engine
import Foundation
@testable import Preview
import Testing

/// An executor that reports a train cell's one task as a cluster would (pending, running with its
/// latest epoch line, then killed by its time limit) and fails it, without computing anything.
final class ScriptedExecutor: CellExecutor, @unchecked Sendable {
    func computesWholeCell(action: String) -> Bool { action.hasPrefix("train.") }

    func compute(cell job: CellJob, progress: CellProgress) throws -> ComputedCell {
        progress.tasks([RemoteTaskStatus(name: job.action, job: "41", state: "PENDING", attempt: 1)])
        Thread.sleep(forTimeInterval: 0.2)
        progress.tasks([RemoteTaskStatus(name: job.action, job: "41", state: "RUNNING", attempt: 1,
                                         detail: "epoch 1/4 · train loss 2.101")])
        Thread.sleep(forTimeInterval: 0.2)
        progress.tasks([RemoteTaskStatus(name: job.action, job: "41", state: "TIMEOUT", attempt: 1,
                                         detail: "Slurm job 41 (train.mlp) ended TIMEOUT")])
        throw ActionError("Slurm job 41 (train.mlp) ended TIMEOUT (exit code 0:15); it ran past its time limit")
    }

    func compute(subresults: [SubresultRequest], of job: CellJob, progress: CellProgress,
                 arrived: (String, Data, Double) throws -> Void) throws {
        throw ActionError("no sweeps here")
    }
}

@Suite(.serialized) struct PreviewTasksTests {
    @Test func eachSubmittedTaskIsShownUnderItsCellAsItsStateChangesAndStaysThereWhenItFails() async throws {
        let bench = try PreviewBench()
        try bench.write("# Preview test\n\nNothing yet.\n")
        let client = try await bench.start(executor: ScriptedExecutor())
        defer { Task { await bench.stop() } }
        let events = try await client.events("nb")
        try await events.waitForIdle()
        try bench.write(bench.notebook(PreviewBench.mlp))
        try await events.waitForIdle()

        // Every change of the task came as a `tasks` event of cell 3, in order.
        let changes = events.seen.filter { $0.name == "tasks" && ($0.json["index"] as? Int) == 2 }
            .compactMap { ($0.json["tasks"] as? [[String: Any]])?.first }
        #expect(changes.map { $0["state"] as? String ?? "" } == ["PENDING", "RUNNING", "TIMEOUT"])
        #expect(changes.map { $0["job"] as? String ?? "" } == ["41", "41", "41"])
        #expect(changes.dropFirst().first?["detail"] as? String == "epoch 1/4 · train loss 2.101")

        // Over HTTP the page's state keeps the failed task under the cell, beside the cell's error.
        let state = try await client.get("/api/nb/state")
        #expect(state.status == 200)
        let json = try JSONSerialization.jsonObject(with: Data(state.body.utf8)) as? [String: Any]
        let cells = json?["cells"] as? [[String: Any]] ?? []
        try #require(cells.count == 3)
        #expect(cells[2]["state"] as? String == "failed")
        #expect((cells[2]["message"] as? String)?.contains("Slurm job 41 (train.mlp) ended TIMEOUT") == true)
        let tasks = cells[2]["tasks"] as? [[String: Any]] ?? []
        #expect(tasks.count == 1 && tasks.first?["state"] as? String == "TIMEOUT" && tasks.first?["attempt"] as? Int == 1)
        // A cell run here has no tasks.
        #expect((cells[1]["tasks"] as? [Any])?.isEmpty == true)

        // The page draws them: a table in the cell's slot, from the state and from the events.
        let script = try await client.get("/static/preview.js")
        #expect(script.body.contains("source.addEventListener('tasks'"))
        #expect(script.body.contains("querySelector('.loom-tasks')"))
        #expect((json?["main"] as? String)?.contains("<div class=\"loom-tasks\" hidden></div>") == true)
    }
}
