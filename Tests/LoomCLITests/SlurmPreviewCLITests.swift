import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Testing
import _LoomTestSupport

/// `loom preview --executor slurm` and the time limit, against the real one-node cluster of
/// `make slurm-up`: in ``SlurmCLITests``'s serialized suite, so that one Slurm test runs at a
/// time (they share the node's two CPUs, and each blocks a thread of the test runner's pool, which
/// the in-process preview servers of other tests need).
extension SlurmCLITests {
    /// The quickstart on larger images (so that an epoch takes a while), then `cells`.
    static func notebook(_ project: Project, data: SyntheticFashionFolder, _ cells: String) -> String {
        project.quickstart.replacingOccurrences(of: project.data.directory, with: data.directory) + "\n\n" + cells
    }

    @Test func thePreviewListsEachSubmittedTaskWithItsJobIDStateAndLatestEpoch() async throws {
        let project = try Project()
        let data = try SyntheticFashionFolder(side: 28, trainPerClass: 150, testPerClass: 10)
        defer { data.remove() }
        try project.write("notebooks/study.md", Self.notebook(project, data: data, """
            ```loom sweep
            model: mlp
            activation: [relu, tanh]
            width: 8
            epochs: 3
            batch-size: 32
            seed: 7
            ```

            ```loom train.mlp
            hidden: [32]
            epochs: 6
            batch-size: 32
            seed: 3
            ```
            """))
        let (process, line, _) = try PreviewCLITests.start(project, ["notebooks/study.md", "--no-open", "--executor", "slurm",
                                                                    "--slurm-cpus-per-task", "1"])
        defer { if process.isRunning { process.terminate() } }
        let page = try #require(URL(string: String(line.dropFirst("loom preview: ".count))), "\(line)")
        var components = try #require(URLComponents(url: page, resolvingAgainstBaseURL: false))
        components.path = "/api/study/state"
        let stateURL = try #require(components.url)

        // The page's event stream, as the browser gets it (curl, so that no event is missed however loaded the machine is).
        components.path = "/events/study"
        let stream = Process()
        stream.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        stream.arguments = ["curl", "-sN", try #require(components.url).absoluteString]
        let streamed = Pipe()
        stream.standardOutput = streamed
        stream.standardError = FileHandle.nullDevice
        let events = TextLog()
        try stream.run()
        defer { if stream.isRunning { stream.terminate() } }
        Thread.detachNewThread {
            while case let data = streamed.fileHandleForReading.availableData, !data.isEmpty {
                events.append(String(decoding: data, as: UTF8.self))
            }
        }

        // Follow the page's state over real HTTP until both cells have ended, noting every task state and line seen.
        var seen: [Int: Set<String>] = [:]
        var details: [String] = []
        var final: [[String: Any]] = []
        let deadline = Date().addingTimeInterval(150)
        while Date() < deadline {
            let (body, _) = try await URLSession(configuration: .ephemeral).data(from: stateURL)
            let cells = (try JSONSerialization.jsonObject(with: body) as? [String: Any])?["cells"] as? [[String: Any]] ?? []
            guard cells.count == 4 else { continue }
            for index in [2, 3] {
                for task in cells[index]["tasks"] as? [[String: Any]] ?? [] {
                    seen[index, default: []].insert(task["state"] as? String ?? "")
                    if let detail = task["detail"] as? String, !detail.isEmpty { details.append(detail) }
                }
            }
            final = cells
            if [2, 3].allSatisfy({ ["ran", "failed", "skipped"].contains(cells[$0]["state"] as? String ?? "") }) { break }
            try await Task.sleep(nanoseconds: 100_000_000)
        }
        kill(process.processIdentifier, SIGINT)
        process.waitUntilExit()
        #expect(process.terminationStatus == 130)
        stream.waitUntilExit()
        // Every `tasks` event: each change of a cell's tasks, in order.
        var taskEvents = 0
        for block in events.value.components(separatedBy: "\n\n") where block.hasPrefix("event: tasks\ndata: ") {
            let json = try JSONSerialization.jsonObject(with: Data(block.dropFirst("event: tasks\ndata: ".count).utf8)) as? [String: Any]
            let index = json?["index"] as? Int ?? -1
            taskEvents += 1
            for task in json?["tasks"] as? [[String: Any]] ?? [] {
                seen[index, default: []].insert(task["state"] as? String ?? "")
                if let detail = task["detail"] as? String, !detail.isEmpty { details.append(detail) }
            }
        }
        #expect(taskEvents >= 4, "\(events.value)")
        try #require(final.count == 4, "the page never showed the notebook")
        #expect(final[2]["state"] as? String == "ran", "\(final[2])")
        #expect(final[3]["state"] as? String == "ran", "\(final[3])")

        // Under the sweep: one task per variant, tasks 0 and 1 of one array; under the train cell: one job.
        let sweepTasks = final[2]["tasks"] as? [[String: Any]] ?? []
        #expect(sweepTasks.map { $0["name"] as? String ?? "" } == ["variant relu 8×1", "variant tanh 8×1"])
        let arrayJobs = sweepTasks.compactMap { $0["job"] as? String }
        let array = try #require(arrayJobs.first?.split(separator: "_").first.map(String.init), "\(sweepTasks)")
        #expect(arrayJobs == ["\(array)_0", "\(array)_1"])
        let trainTasks = final[3]["tasks"] as? [[String: Any]] ?? []
        let job = try #require(trainTasks.first?["job"] as? String, "\(trainTasks)")
        #expect(trainTasks.count == 1 && job.allSatisfy(\.isNumber))
        for task in sweepTasks + trainTasks {
            #expect(task["state"] as? String == "COMPLETED")
            #expect(task["attempt"] as? Int == 1)
        }
        // While they ran, the page showed them running (three one-CPU tasks on two CPUs: one waited) and their epochs.
        #expect(seen[2]?.contains("RUNNING") == true && seen[3]?.contains("RUNNING") == true, "\(seen)")
        #expect(seen.values.contains { $0.contains("PENDING") }, "\(seen)")
        #expect(details.contains { $0.contains("epoch") }, "\(details)")
        // The same states as accounting.
        #expect(try SlurmCluster.accounting(array, entries: 2) == ["\(array)_0": "COMPLETED", "\(array)_1": "COMPLETED"])
        #expect(try SlurmCluster.accounting(job) == [job: "COMPLETED"])
    }

    @Test func aTaskKilledByItsTimeLimitShowsTimeoutWithAHintAndResumesFromItsLastEpochWhenResubmitted() throws {
        let project = try Project()
        let data = try SyntheticFashionFolder(side: 28, trainPerClass: 300, testPerClass: 10)
        defer { data.remove() }
        // Far more epochs than a minute allows.
        try project.write("notebooks/long.md", Self.notebook(project, data: data, """
            ```loom train.mlp
            hidden: [64]
            epochs: 100000
            batch-size: 32
            seed: 5
            ```
            """))
        let started = Date()
        let first = try project.loom("run", "notebooks/long.md", "--executor", "slurm", "--slurm-time", "1")
        #expect(first.status != 0)
        let job = try #require(SlurmCluster.submitted(first.standardError, array: false).first, "\(first.standardError)")
        #expect(try SlurmCluster.accounting(job) == [job: "TIMEOUT"])
        let output = project.read("outputs/long.md") ?? ""
        // (The executed notebook's Markdown escapes the brackets of [slurm].)
        #expect(output.contains("Slurm job \(job) (train.mlp) ended TIMEOUT (exit code "), "\(output)")
        #expect(output.contains(") after 1 attempt; it ran past its time "
                                + "limit (--slurm-time 1): raise --slurm-time (or time in loom.toml's \\[slurm\\]); "
                                + "a training resumes from its last epoch checkpoint; the end of its standard error"), "\(output)")
        #expect(output.contains("DUE TO TIME LIMIT"), "\(output)")
        // The last epoch the killed task finished (its log line), and its checkpoint in the shared folder.
        let jobs = project.root + "/cache/slurm/jobs"
        let folder = try #require(try FileManager.default.contentsOfDirectory(atPath: jobs).first)
        let logs = jobs + "/" + folder + "/logs"
        let killed = (try? String(contentsOfFile: logs + "/\(job).out", encoding: .utf8)) ?? ""
        let logged = killed.components(separatedBy: "\n").compactMap { line -> Int? in
            guard let range = line.range(of: #"epoch [0-9]+/100000 · train loss"#, options: .regularExpression) else { return nil }
            return Int(line[range].dropFirst("epoch ".count).prefix { $0.isNumber })
        }.max() ?? 0
        #expect(logged >= 1, "\(killed)")
        let checkpoints = project.root + "/cache/slurm/checkpoints"
        #expect(((try? FileManager.default.contentsOfDirectory(atPath: checkpoints)) ?? []).contains { $0.hasSuffix(".checkpoint") })

        // Submitted again, the task starts from that checkpoint (and is stopped there: it would run for hours).
        let process = Process()
        process.executableURL = Loom.executable
        process.arguments = ["run", "notebooks/long.md", "--executor", "slurm", "--slurm-time", "10"]
        process.currentDirectoryURL = URL(fileURLWithPath: project.root)
        process.standardError = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        var resumed: Int?
        let deadline = Date().addingTimeInterval(60)
        while resumed == nil, Date() < deadline, process.isRunning {
            let files = ((try? FileManager.default.contentsOfDirectory(atPath: logs)) ?? []).filter { $0.hasSuffix(".out") && $0 != "\(job).out" }
            for file in files {
                let text = (try? String(contentsOfFile: logs + "/" + file, encoding: .utf8)) ?? ""
                if let range = text.range(of: #"resuming after epoch [0-9]+ of 100000"#, options: .regularExpression) {
                    resumed = Int(text[range].dropFirst("resuming after epoch ".count).prefix { $0.isNumber })
                }
            }
            Thread.sleep(forTimeInterval: 0.1)
        }
        kill(process.processIdentifier, SIGINT)
        process.waitUntilExit()
        // An epoch's checkpoint is written just before its line: the kill may fall in between.
        let epoch = try #require(resumed, "the resubmitted task did not resume")
        #expect(epoch == logged || epoch == logged + 1, "resumed after epoch \(epoch), the killed task logged epoch \(logged)")
        #expect(Date().timeIntervalSince(started) < 180)
    }
}
