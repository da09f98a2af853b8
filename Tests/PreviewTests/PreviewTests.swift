import Engine
import Foundation
@testable import Preview
import Testing

@Suite struct AccessPolicyTests {
    let policy = AccessPolicy(token: "abcdefghijklmnop", port: 8123)

    func refusal(host: String? = "127.0.0.1:8123", origin: String? = nil, query: String? = nil, cookie: String? = nil,
                 header: String? = nil, post: Bool = false) -> String? {
        policy.refusal(host: host, origin: origin, queryToken: query, cookieToken: cookie, headerToken: header,
                       changesState: post)?.description
    }

    @Test func acceptsTheTokenFromTheQueryOrTheCookieOnLoopbackHosts() {
        #expect(refusal(query: "abcdefghijklmnop") == nil)
        #expect(refusal(cookie: "abcdefghijklmnop") == nil)
        #expect(refusal(host: "localhost:8123", cookie: "abcdefghijklmnop") == nil)
        #expect(refusal(host: "[::1]:8123", origin: "http://[::1]:8123", cookie: "abcdefghijklmnop") == nil)
        #expect(refusal(origin: "http://127.0.0.1:8123", header: "abcdefghijklmnop", post: true) == nil)
    }

    @Test func refusesMissingOrWrongTokens() {
        #expect(refusal() == "the request carries no token; open the URL that 'loom preview' printed")
        #expect(refusal(query: "abcdefghijklmnoq") == "the token is wrong; open the URL that 'loom preview' printed")
        #expect(refusal(cookie: "short") == "the token is wrong; open the URL that 'loom preview' printed")
        // A change needs the header: a cookie alone (what a cross-site form would send) is not enough.
        #expect(refusal(cookie: "abcdefghijklmnop", post: true)
                == "the request carries no token; open the URL that 'loom preview' printed")
        #expect(refusal(header: "abcdefghijklmnoX", post: true) == "the token is wrong; open the URL that 'loom preview' printed")
    }

    @Test func refusesForeignHostsAndOrigins() {
        #expect(refusal(host: nil, query: "abcdefghijklmnop") == "the request has no Host header")
        #expect(refusal(host: "evil.example:8123", query: "abcdefghijklmnop")
                == "the Host 'evil.example:8123' is not this server's loopback address")
        #expect(refusal(host: "127.0.0.1:9999", query: "abcdefghijklmnop")
                == "the Host '127.0.0.1:9999' is not this server's loopback address")
        #expect(refusal(host: "127.0.0.1", query: "abcdefghijklmnop")
                == "the Host '127.0.0.1' is not this server's loopback address")
        #expect(refusal(origin: "http://evil.example", query: "abcdefghijklmnop")
                == "the Origin 'http://evil.example' is not this server's loopback address")
        #expect(refusal(origin: "null", query: "abcdefghijklmnop") == "the Origin 'null' is not this server's loopback address")
    }

    @Test func randomTokensHave128BitsAndDiffer() {
        let tokens = (0..<20).map { _ in AccessPolicy.randomToken() }
        #expect(Set(tokens).count == 20)
        for token in tokens {
            #expect(token.count == 32)
            #expect(token.allSatisfy { $0.isHexDigit })
        }
    }

    @Test func validatesGivenTokens() throws {
        try AccessPolicy.validate(token: "a-Good_token-1234")
        #expect(throws: PreviewError.invalidToken("short")) { try AccessPolicy.validate(token: "short") }
        #expect(PreviewError.invalidToken("has space 1234567").description
                == "the token 'has space 1234567' must have at least 16 characters, all letters, digits, '-' or '_' "
                + "(leave out --token for a random one)")
        #expect(throws: PreviewError.invalidToken("has space 1234567")) { try AccessPolicy.validate(token: "has space 1234567") }
        #expect(throws: PreviewError.invalidPort(70000)) {
            try PreviewServer(configuration: PreviewConfiguration(notebooks: ["x.md"], port: 70000),
                              registry: ActionRegistry([]), cache: nil)
        }
        #expect(PreviewError.invalidPort(70000).description
                == "the port 70000 is not between 0 and 65535 (0 or no --port takes a free one)")
    }
}

@Suite(.serialized) struct PreviewServerTests {
    @Test func routesNeedTheTokenAndALoopbackHost() async throws {
        let bench = try PreviewBench()
        try bench.write(bench.notebook("```loom eda.classes\n```"))
        let client = try await bench.start()
        defer { Task { await bench.stop() } }
        let host = client.host

        let bare = try await client.send("/")
        #expect(bare.status == 403)
        #expect(bare.body == "forbidden: the request carries no token; open the URL that 'loom preview' printed\n")
        #expect(bare.header("Content-Security-Policy") == PreviewPage.contentSecurityPolicy)

        let wrong = try await client.send("/?token=nope")
        #expect(wrong.status == 403)
        #expect(wrong.body == "forbidden: the token is wrong; open the URL that 'loom preview' printed\n")

        let rebound = try await client.send("/?token=\(client.token)", headers: [("Host", "evil.example:\(client.port)")])
        #expect(rebound.status == 403)
        #expect(rebound.body == "forbidden: the Host 'evil.example:\(client.port)' is not this server's loopback address\n")

        let foreign = try await client.send("/?token=\(client.token)", headers: [("Host", host), ("Origin", "http://evil.example")])
        #expect(foreign.status == 403)
        #expect(foreign.body == "forbidden: the Origin 'http://evil.example' is not this server's loopback address\n")

        let page = try await client.get("/")
        #expect(page.status == 200)
        #expect(page.header("Content-Type") == "text/html; charset=utf-8")
        #expect(page.header("Content-Security-Policy") == PreviewPage.contentSecurityPolicy)
        #expect(page.header("Referrer-Policy") == "no-referrer")
        let cookie = "loom_preview_\(client.port)=\(client.token)"
        #expect(page.header("Set-Cookie") == "\(cookie); Path=/; HttpOnly; SameSite=Strict")
        #expect(page.body.contains("<script src=\"/static/preview.js\" defer></script>"))
        #expect(page.body.contains("<link rel=\"stylesheet\" href=\"/static/preview.css\">"))
        #expect(!page.body.contains("onclick"))
        #expect(!page.body.contains("<script>"))
        #expect(page.body.contains("<h1 id=\"preview-test\">Preview test</h1>"))
        #expect(page.body.contains("<section class=\"loom-slot\" id=\"cell-3\" data-cell=\"2\">"))

        // The cookie stands for the token: the script, the style and the stream need nothing else.
        let script = try await client.send("/static/preview.js", headers: [("Host", host), ("Cookie", cookie)])
        #expect(script.status == 200)
        #expect(script.header("Content-Type") == "text/javascript; charset=utf-8")
        #expect(script.body.contains("new EventSource('/events/'"))
        let scriptWithoutToken = try await client.send("/static/preview.js")
        #expect(scriptWithoutToken.status == 403)
        let style = try await client.send("/static/preview.css", headers: [("Host", "localhost:\(client.port)"), ("Cookie", cookie)])
        #expect(style.status == 200)
        #expect(style.body.contains(".loom-slot{"))

        let missing = try await client.get("/n/other")
        #expect(missing.status == 404)
        #expect(missing.body == "no notebook 'other' is previewed here\n")

        // Changes need the token in a header and a same-origin Origin.
        let cookieOnly = try await client.send("/api/nb/stop", method: "POST", headers: [("Host", host), ("Cookie", cookie)])
        #expect(cookieOnly.status == 403)
        let crossSite = try await client.send("/api/nb/stop", method: "POST",
                                              headers: [("Host", host), ("Origin", "http://evil.example"), ("X-Loom-Token", client.token)])
        #expect(crossSite.status == 403)
        let noCell = try await client.post("/api/nb/rerun/17")
        #expect(noCell.status == 404)
        #expect(noCell.body == "there is no runnable cell '17' in \(bench.directory)/nb.md "
                + "(cells count from 0; a notebook whose check fails runs nothing)\n")

        let events = try await client.events("nb")
        #expect(events.status == 200)
        #expect(events.contentType == "text/event-stream; charset=utf-8")
        try await events.waitForIdle()
        let idle = try await client.post("/api/nb/stop")
        #expect(idle.status == 409)
        #expect(idle.body == "nothing of \(bench.directory)/nb.md is running\n")
    }

    @Test func theEventStreamShowsEachCellsStatesInOrderAndItsOutputs() async throws {
        let bench = try PreviewBench()
        let (_, events) = try await bench.startAndSave(bench.notebook("```loom eda.classes\n```"))
        let first = try await events.wait(for: "the document") { $0.name == "document" && ($0.json["cells"] as? [Any])?.count == 3 }
        let cells = try #require(first.json["cells"] as? [[String: Any]])
        #expect(cells.map { $0["action"] as? String } == ["load", "split", "eda.classes"])
        try await events.waitForIdle()
        for index in 0..<3 {
            let states = events.states(of: index)
            #expect(states.suffix(3) == ["queued", "running", "ran"], "cell \(index): \(states)")
        }
        let ran = try #require(events.seen.last { $0.name == "cell" && ($0.json["index"] as? Int) == 2 })
        let html = try #require(ran.json["html"] as? String)
        #expect(html.contains("<table>"))
        #expect(html.contains("<img src=\"data:image/png;base64,"))
        #expect((ran.json["seconds"] as? Double).map { $0 >= 0 } == true)

        // The executed notebook is the one `loom run` writes.
        let written = try String(contentsOfFile: bench.outputs + "/nb.md", encoding: .utf8)
        #expect(written.contains("<!-- loom:output cell=3 status=ran"))

        // A new preview over the same cache finds every cell cached.
        await bench.stop()
        let again = try await bench.start()
        let replay = try await again.events("nb")
        try await replay.waitForIdle()
        #expect((0..<3).map { replay.states(of: $0).last } == ["cached", "cached", "cached"])
        let state = try await again.get("/api/nb/state")
        #expect(state.status == 200)
        #expect(state.body.contains("\"state\":\"cached\""))
        await bench.stop()
    }

    @Test func aTrainingCellSendsEveryEpochAndItsCurves() async throws {
        let bench = try PreviewBench()
        let (_, events) = try await bench.startAndSave(bench.notebook(PreviewBench.mlp))
        defer { Task { await bench.stop() } }
        try await events.waitForIdle()
        let epochs = events.seen.filter { $0.name == "epoch" && ($0.json["index"] as? Int) == 2 }
            .compactMap { ($0.json["epoch"] as? [String: Any])?["epoch"] as? Int }
        #expect(epochs == [1, 2, 3, 4])
        let epoch = try #require(events.seen.first { $0.name == "epoch" }?.json["epoch"] as? [String: Any])
        #expect(Set(epoch.keys).isSuperset(of: ["trainLoss", "trainAccuracy", "validationLoss", "validationAccuracy",
                                                "epochs", "seconds", "imagesPerSecond", "learningRate"]))
        #expect(events.seen.contains { $0.name == "progress" && ($0.json["index"] as? Int) == 2 })
        #expect(events.states(of: 2).suffix(3) == ["queued", "running", "ran"])
        let html = try #require(events.seen.last { $0.name == "cell" && ($0.json["index"] as? Int) == 2 }?.json["html"] as? String)
        #expect(html.contains("Training curves"))
        #expect(html.contains("<th align=\"right\">train loss</th>"))
    }

    @Test func savingReRunsOnlyStaleCellsAndProseShowsAtOnce() async throws {
        let bench = try PreviewBench()
        try bench.write(bench.notebook("```loom eda.samples\n```"))
        let client = try await bench.start()
        defer { Task { await bench.stop() } }
        let events = try await client.events("nb")
        try await events.waitForIdle()

        // A prose edit: the page gets the new document, and every cell comes from the cache.
        events.reset()
        try bench.write(bench.notebook("```loom eda.samples\n```", prose: "Edited prose."))
        let document = try await events.wait(for: "the new prose") {
            $0.name == "document" && (($0.json["main"] as? String)?.contains("Edited prose.") ?? false)
        }
        #expect((document.json["problems"] as? [String]) == [])
        try await events.waitForIdle()
        #expect((0..<3).map { events.states(of: $0).last } == ["cached", "cached", "cached"])
        #expect(!events.seen.contains { $0.name == "cell" && ($0.json["state"] as? String) == "running" })

        // A parameter edit in the last cell re-runs that cell only.
        events.reset()
        try bench.write(bench.notebook("```loom eda.samples\nper-class: 2\n```", prose: "Edited prose."))
        try await events.waitForIdle()
        #expect(events.states(of: 2).suffix(3) == ["queued", "running", "ran"])
        #expect(events.states(of: 0).last == "cached")
        #expect(events.states(of: 1).last == "cached")
        let written = try String(contentsOfFile: bench.outputs + "/nb.md", encoding: .utf8)
        #expect(written.contains("Edited prose."))
        #expect(written.contains("per-class: 2"))

        // A check error shows with its position, and nothing runs until it is fixed.
        events.reset()
        try bench.write(bench.notebook("```loom eda.samples\nper-clas: 2\n```", prose: "Edited prose."))
        let broken = try await events.wait(for: "the check error") {
            $0.name == "document" && !(($0.json["problems"] as? [String]) ?? []).isEmpty
        }
        let problems = try #require(broken.json["problems"] as? [String])
        #expect(problems.first?.hasPrefix("\(bench.directory)/nb.md:\(PreviewBench.cellsLine + 1):1: eda.samples: unknown parameter 'per-clas'; did you mean 'per-class'?") == true,
                "\(problems)")
        #expect(broken.json["runnable"] as? Bool == false)
        try await Task.sleep(nanoseconds: 600_000_000)
        #expect(!events.seen.contains { $0.name == "cell" })
        let blocked = try await client.post("/api/nb/rerun/2")
        #expect(blocked.status == 404)

        try bench.write(bench.notebook("```loom eda.samples\n```", prose: "Edited prose."))
        try await events.waitForIdle()
        #expect(events.states(of: 2).last == "cached")
    }

    @Test func aNotebookThatCannotBeReadIsListedAtTheTopAndComesBackWhenSaved() async throws {
        let bench = try PreviewBench()
        let (_, events) = try await bench.startAndSave(bench.notebook("```loom eda.classes\n```"))
        defer { Task { await bench.stop() } }
        try await events.waitForIdle()
        try FileManager.default.removeItem(atPath: bench.directory + "/nb.md")
        let gone = try await events.wait(for: "the missing file") {
            $0.name == "document" && !(($0.json["problems"] as? [String]) ?? []).isEmpty
        }
        #expect(gone.json["problems"] as? [String] == ["error: cannot read the notebook '\(bench.directory)/nb.md': no such file"])
        #expect(gone.json["runnable"] as? Bool == false)
        try bench.write(bench.notebook("```loom eda.classes\n```"))
        try await events.waitForIdle()
        #expect(events.states(of: 2).last == "cached")
    }

    @Test func theReRunButtonForcesACellAndItsDependents() async throws {
        let bench = try PreviewBench()
        let (client, events) = try await bench.startAndSave(bench.notebook("```loom eda.classes\n```\n\n```loom eda.samples\n```"))
        defer { Task { await bench.stop() } }
        try await events.waitForIdle()
        events.reset()
        let accepted = try await client.post("/api/nb/rerun/1")
        #expect(accepted.status == 202)
        #expect(accepted.body == "re-running cell 2 of \(bench.directory)/nb.md and the cells that depend on it\n")
        try await events.waitForIdle()
        #expect(events.states(of: 0).last == "cached")
        #expect(events.states(of: 1).suffix(3) == ["queued", "running", "ran"])
        #expect(events.states(of: 2).suffix(3) == ["queued", "running", "ran"])
        #expect(events.states(of: 3).suffix(3) == ["queued", "running", "ran"])
    }

    @Test func aFailingCellShowsItsErrorInPlaceAndItsDependentsAsSkipped() async throws {
        let bench = try PreviewBench()
        let broken = try bench.brokenDataFolder()
        try bench.write(bench.notebook("""
            ```loom load as other
            dataset: \(broken)
            ```

            ```loom split
            data: other
            ```
            """))
        let client = try await bench.start()
        defer { Task { await bench.stop() } }
        let events = try await client.events("nb")
        try await events.waitForIdle()
        #expect(events.states(of: 2).last == "failed")
        #expect(events.states(of: 3).last == "skipped")
        let failed = try #require(events.seen.last { $0.name == "cell" && ($0.json["index"] as? Int) == 2 })
        #expect((failed.json["message"] as? String)?.hasPrefix("\(bench.directory)/nb.md:\(PreviewBench.cellsLine + 1):1: load: ") == true,
                "\(failed.json["message"] ?? "")")
        let skipped = try #require(events.seen.last { $0.name == "cell" && ($0.json["index"] as? Int) == 3 })
        #expect(skipped.json["message"] as? String == "its input from cell 3 (load) failed")
    }

    @Test func theStopButtonStopsTrainingAtTheNextBatchAndKeepsTheCheckpoint() async throws {
        let bench = try PreviewBench()
        let gate = EpochGate(holdAt: [2])
        let (client, events) = try await bench.startAndSave(bench.notebook(PreviewBench.mlp), afterEpoch: gate.hook)
        defer {
            gate.releaseAll()
            Task { await bench.stop() }
        }
        try await gate.waitUntilReached(2)
        let accepted = try await client.post("/api/nb/stop")
        #expect(accepted.status == 202)
        #expect(accepted.body == "stopping \(bench.directory)/nb.md at the next batch\n")
        gate.release(2)
        try await events.waitForIdle()
        #expect(events.states(of: 2).suffix(3) == ["queued", "running", "stopped"])
        let stopped = try #require(events.seen.last { $0.name == "cell" && ($0.json["index"] as? Int) == 2 })
        #expect((stopped.json["message"] as? String)?.hasSuffix(
            "train.mlp: training was stopped before batch 1 of epoch 3; the checkpoint after epoch 2 is kept and the next run resumes from it") == true,
                "\(stopped.json["message"] ?? "")")
        // An interrupted run leaves the last complete executed notebook (the prose-only one before the save).
        let kept = try String(contentsOfFile: bench.outputs + "/nb.md", encoding: .utf8)
        #expect(kept.contains("Nothing yet."))
        #expect(!kept.contains("train.mlp"))
        let run = try #require(events.seen.last { $0.name == "run" })
        #expect((run.json["summary"] as? String)?.hasSuffix("; stopped, so \(bench.outputs)/nb.md was left as it was") == true)

        // Re-running resumes from the checkpoint: the epochs replayed, then 3 and 4 trained.
        events.reset()
        _ = try await client.post("/api/nb/rerun/2")
        try await events.waitForIdle()
        #expect(events.states(of: 2).last == "ran")
        let epochs = events.seen.filter { $0.name == "epoch" }.compactMap { ($0.json["epoch"] as? [String: Any])?["epoch"] as? Int }
        #expect(epochs == [1, 2, 3, 4])
        let html = try #require(events.seen.last { $0.name == "cell" && ($0.json["index"] as? Int) == 2 }?.json["html"] as? String)
        #expect(html.contains("Resumed from the checkpoint after epoch 2"))
        #expect(FileManager.default.fileExists(atPath: bench.outputs + "/nb.md"))
    }

    @Test func anIndexPageListsSeveralNotebooks() async throws {
        let bench = try PreviewBench()
        try bench.write(bench.notebook("", title: "First"), to: "first.md")
        try bench.write(bench.notebook("", title: "Second"), to: "second.md")
        let client = try await bench.start(["first.md", "second.md"])
        defer { Task { await bench.stop() } }
        let index = try await client.get("/")
        #expect(index.status == 200)
        #expect(index.body.contains("<a href=\"/n/first\">First</a>"))
        #expect(index.body.contains("<a href=\"/n/second\">Second</a>"))
        let second = try await client.get("/n/second")
        #expect(second.status == 200)
        #expect(second.body.contains("<meta name=\"loom-notebook\" content=\"second\">"))
        #expect(second.body.contains("<a class=\"loom-back\" href=\"/\">all notebooks</a>"))
        let events = try await client.events("second")
        try await events.waitForIdle()
        #expect(FileManager.default.fileExists(atPath: bench.outputs + "/first.md"))
        #expect(FileManager.default.fileExists(atPath: bench.outputs + "/second.md"))
    }

    @Test func theExecutedNotebookIsTheOneLoomRunWrites() async throws {
        let bench = try PreviewBench()
        let text = bench.notebook("```loom eda.classes\n```")
        let path = try bench.write(text)
        // A first preview runs every cell; a second finds them cached, as the `loom run` below does.
        for _ in 0..<2 {
            let client = try await bench.start()
            let events = try await client.events("nb")
            try await events.waitForIdle()
            await bench.stop()
        }
        let previewed = try String(contentsOfFile: bench.outputs + "/nb.md", encoding: .utf8)

        let checked = Checker.check(NotebookDocument.parse(path: path, text: text), registry: BuiltInActions.registry)
        let runner = NotebookRunner(registry: BuiltInActions.registry, cache: try Cache(path: bench.cachePath))
        let report = try runner.run(checked, options: RunOptions(outputPath: bench.directory + "/run.md"))
        #expect(report.count(.cached) == 3)
        let ran = try String(contentsOfFile: bench.directory + "/run.md", encoding: .utf8)
        #expect(previewed == ran)
    }
}

import Actions
import Notebook
