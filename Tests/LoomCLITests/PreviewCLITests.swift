import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Testing

/// `loom preview` as a user starts and stops it.
@Suite struct PreviewCLITests {
    /// Starts `loom preview ARGUMENTS` in the project and returns the process and the line it printed.
    static func start(_ project: Project, _ arguments: [String]) throws -> (process: Process, line: String, errors: Pipe) {
        let process = Process()
        process.executableURL = Loom.executable
        process.arguments = ["preview"] + arguments
        process.currentDirectoryURL = URL(fileURLWithPath: project.root)
        var environment = ProcessInfo.processInfo.environment
        environment["NO_COLOR"] = "1"
        process.environment = environment
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        var text = Data()
        while !text.contains(UInt8(ascii: "\n")) {
            let chunk = out.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            text += chunk
        }
        return (process, String(decoding: text, as: UTF8.self).trimmingCharacters(in: .newlines), err)
    }

    @Test func printsTheAddressServesThePageAndStopsOnCtrlCWithStatus130() async throws {
        let project = try Project()
        try project.write("notebooks/q.md", project.quickstart)
        let (process, line, errors) = try Self.start(project, ["notebooks/q.md", "--no-open"])
        defer { if process.isRunning { process.terminate() } }
        let pattern = #"^loom preview: http://127\.0\.0\.1:([0-9]+)/\?token=([0-9a-f]{32})$"#
        #expect(line.range(of: pattern, options: .regularExpression) != nil, "\(line)")
        let url = try #require(URL(string: String(line.dropFirst("loom preview: ".count))))

        let (body, response) = try await URLSession.shared.data(from: url)
        #expect((response as? HTTPURLResponse)?.statusCode == 200)
        #expect(String(decoding: body, as: UTF8.self).contains("<h1 id=\"synthetic-quickstart\">Synthetic quickstart</h1>"))
        var components = try #require(URLComponents(url: url, resolvingAgainstBaseURL: false))
        components.query = nil
        let (_, refused) = try await URLSession(configuration: .ephemeral).data(from: try #require(components.url))
        #expect((refused as? HTTPURLResponse)?.statusCode == 403)

        // The notebook runs as `loom run` would run it.
        let deadline = Date().addingTimeInterval(60)
        while project.read("outputs/q.md")?.contains("### Run summary") != true, Date() < deadline {
            try await Task.sleep(nanoseconds: 100_000_000)
        }
        #expect(project.read("outputs/q.md")?.contains("| **total** | **240** | **30** | **30** | **300** |") == true)

        kill(process.processIdentifier, SIGINT)
        process.waitUntilExit()
        #expect(process.terminationStatus == 130)
        let log = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(log.contains("loom preview: stopping (a running cell stops at its next batch; its checkpoint is kept)"), "\(log)")
        #expect(log.contains("notebooks/q.md: 2 ran, 0 cached, 0 failed, 0 skipped → outputs/q.md"), "\(log)")
    }

    @Test func ctrlCDuringTrainingStopsAtTheNextBatchKeepsTheCacheAndExits130() async throws {
        let project = try Project()
        try project.write("notebooks/q.md", project.quickstart + """


            ```loom train.mlp
            hidden: [8]
            epochs: 100000
            batch-size: 16
            ```
            """)
        let (process, line, errors) = try Self.start(project, ["notebooks/q.md", "--no-open"])
        defer { if process.isRunning { process.terminate() } }
        let page = try #require(URL(string: String(line.dropFirst("loom preview: ".count))))
        var components = try #require(URLComponents(url: page, resolvingAgainstBaseURL: false))
        components.path = "/api/q/state"
        let state = try #require(components.url)
        // Wait until the training (far too long to finish) has done two epochs, each checkpointed.
        let deadline = Date().addingTimeInterval(120)
        var epochs = 0
        while epochs < 2, Date() < deadline {
            let (body, _) = try await URLSession(configuration: .ephemeral).data(from: state)
            let json = try JSONSerialization.jsonObject(with: body) as? [String: Any]
            let cells = json?["cells"] as? [[String: Any]] ?? []
            epochs = cells.count > 2 ? (cells[2]["epochs"] as? [Any])?.count ?? 0 : 0
            try await Task.sleep(nanoseconds: 50_000_000)
        }
        #expect(epochs >= 2)
        kill(process.processIdentifier, SIGINT)
        process.waitUntilExit()
        #expect(process.terminationStatus == 130)
        let log = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(log.contains("notebooks/q.md: 2 ran, 0 cached, 1 failed, 0 skipped (stopped; outputs/q.md left as it was)"), "\(log)")
        // Nothing half-written: no executed notebook (the run never completed), and the finished cells are cached.
        #expect(project.read("outputs/q.md") == nil)
        let plan = try project.loom("plan", "notebooks/q.md")
        #expect(plan.standardOutput.range(of: #"\bload +cached"#, options: .regularExpression) != nil, "\(plan.standardOutput)")
        #expect(plan.standardOutput.range(of: #"\bsplit +cached"#, options: .regularExpression) != nil, "\(plan.standardOutput)")
        #expect(plan.standardOutput.contains("1 of 3 cells would run."), "\(plan.standardOutput)")
    }

    @Test func notebookParametersFromTheCommandLine() async throws {
        let project = try Project()
        try project.write("notebooks/p.md", "```loom params\nseed: 42\n```\n\n" + project.quickstart
            .replacingOccurrences(of: "seed: 42", with: "seed: $seed"))
        let (process, _, _) = try Self.start(project, ["notebooks/p.md", "--no-open", "-p", "seed=3"])
        defer { if process.isRunning { process.terminate() } }
        let deadline = Date().addingTimeInterval(60)
        while project.read("outputs/p.md")?.contains("### Run summary") != true, Date() < deadline {
            try await Task.sleep(nanoseconds: 100_000_000)
        }
        #expect(project.read("outputs/p.md")?.contains("| seed | 3 | command line (-p) |") == true)
        #expect(project.read("outputs/p.md")?.contains("seeds: split 3") == true)
        kill(process.processIdentifier, SIGINT)
        process.waitUntilExit()
        #expect(process.terminationStatus == 130)
    }

    @Test func refusesABadTokenOrAPortInUse() async throws {
        let project = try Project()
        try project.write("notebooks/q.md", project.quickstart)
        let short = try project.loom("preview", "notebooks/q.md", "--no-open", "--token", "abc")
        #expect(short.status == 1)
        #expect(short.standardError == "error: the token 'abc' must have at least 16 characters, all letters, digits, '-' or '_' "
                + "(leave out --token for a random one)\n")

        let (first, line, _) = try Self.start(project, ["notebooks/q.md", "--no-open", "--token", "fixed-token-0123456789"])
        defer { if first.isRunning { first.terminate() } }
        #expect(line.hasSuffix("/?token=fixed-token-0123456789"))
        let port = try #require(line.split(separator: ":").last?.split(separator: "/").first.map(String.init))
        let taken = try project.loom("preview", "notebooks/q.md", "--no-open", "--port", port)
        #expect(taken.status == 1)
        #expect(taken.standardError == "error: cannot listen on 127.0.0.1:\(port): the port is already in use; "
                + "choose another --port, or leave it out for a free one\n", "\(taken.standardError)")
        kill(first.processIdentifier, SIGINT)
        first.waitUntilExit()
        #expect(first.terminationStatus == 130)
    }
}
