import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Headless Chromium driven through the DevTools protocol over `--remote-debugging-pipe`
/// (JSON messages ended by NUL on file descriptors 3 and 4, here two named pipes): navigates,
/// evaluates JavaScript, takes screenshots, and records every console message, exception and
/// log entry the page produces.
final class HeadlessChromium: @unchecked Sendable {
    /// Debian's binary (the `chromium` wrapper script execs it), if installed.
    static var binary: String? {
        ["/usr/lib/chromium/chromium", "/usr/bin/chromium", "/usr/bin/chromium-browser"]
            .first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    private let process = Process()
    private let directory: String
    private let input: FileHandle
    private let output: FileHandle
    private let condition = NSCondition()
    private var responses: [Int: [String: Any]] = [:]
    private var nextID = 0
    private var session = ""
    /// Console messages, exceptions and log entries, as text.
    private var problems: [String] = []
    private var ended = false

    init(width: Int = 1200, height: Int = 1600) throws {
        guard let binary = Self.binary else { throw HTTPTestError.malformed("no Chromium installed") }
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("loom-chromium-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let toBrowser = directory + "/in", fromBrowser = directory + "/out"
        guard mkfifo(toBrowser, 0o600) == 0, mkfifo(fromBrowser, 0o600) == 0 else {
            throw HTTPTestError.malformed("mkfifo failed: errno \(errno)")
        }
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", "exec '\(binary)' --headless --no-sandbox --disable-gpu --no-first-run "
            + "--disable-extensions --disable-background-networking --hide-scrollbars --remote-debugging-pipe "
            + "--user-data-dir='\(directory)/profile' --window-size=\(width),\(height) about:blank "
            + "3<'\(toBrowser)' 4>'\(fromBrowser)' 2>'\(directory)/stderr'"]
        try process.run()
        // The shell opens its end of `in` first, then `out`: open them in the same order.
        guard let input = FileHandle(forWritingAtPath: toBrowser), let output = FileHandle(forReadingAtPath: fromBrowser) else {
            throw HTTPTestError.malformed("cannot open the DevTools pipes")
        }
        self.input = input
        self.output = output
        Thread { [self] in readLoop() }.start()
        let target = try call("Target.createTarget", ["url": "about:blank"], inSession: false)
        guard let targetID = target["targetId"] as? String else { throw HTTPTestError.malformed("no target") }
        let attached = try call("Target.attachToTarget", ["targetId": targetID, "flatten": true], inSession: false)
        session = attached["sessionId"] as? String ?? ""
        _ = try call("Runtime.enable")
        _ = try call("Log.enable")
        _ = try call("Page.enable")
        _ = try call("Emulation.setDeviceMetricsOverride",
                     ["width": width, "height": height, "deviceScaleFactor": 1, "mobile": false])
    }

    deinit {
        process.terminate()
        process.waitUntilExit()
        try? FileManager.default.removeItem(atPath: directory)
    }

    private func readLoop() {
        var buffer = Data()
        while true {
            let chunk = output.availableData
            if chunk.isEmpty { break }
            buffer.append(chunk)
            while let end = buffer.firstIndex(of: 0) {
                let message = buffer[buffer.startIndex..<end]
                buffer = Data(buffer[(end + 1)...])
                guard let json = try? JSONSerialization.jsonObject(with: message) as? [String: Any] else { continue }
                condition.withLock {
                    if let id = json["id"] as? Int {
                        responses[id] = json
                    } else {
                        record(json)
                    }
                    condition.broadcast()
                }
            }
        }
        condition.withLock {
            ended = true
            condition.broadcast()
        }
    }

    private func record(_ event: [String: Any]) {
        let method = event["method"] as? String ?? ""
        let params = event["params"] as? [String: Any] ?? [:]
        switch method {
        case "Runtime.consoleAPICalled":
            let args = (params["args"] as? [[String: Any]] ?? []).map { "\($0["value"] ?? $0["description"] ?? "")" }
            problems.append("console.\(params["type"] ?? ""): " + args.joined(separator: " "))
        case "Runtime.exceptionThrown":
            let details = params["exceptionDetails"] as? [String: Any] ?? [:]
            let exception = details["exception"] as? [String: Any] ?? [:]
            problems.append("exception: \(exception["description"] ?? details["text"] ?? "")")
        case "Log.entryAdded":
            let entry = params["entry"] as? [String: Any] ?? [:]
            problems.append("log \(entry["level"] ?? ""): \(entry["text"] ?? "") \(entry["url"] ?? "")")
        default:
            break
        }
    }

    /// Every console message, exception and log entry so far.
    var consoleProblems: [String] { condition.withLock { problems } }

    /// Sends a DevTools command and waits for its result.
    @discardableResult
    func call(_ method: String, _ params: [String: Any] = [:], inSession: Bool = true, timeout: Double = 30) throws -> [String: Any] {
        let id: Int = condition.withLock {
            nextID += 1
            return nextID
        }
        var message: [String: Any] = ["id": id, "method": method, "params": params]
        if inSession { message["sessionId"] = session }
        var data = try JSONSerialization.data(withJSONObject: message)
        data.append(0)
        input.write(data)
        let deadline = Date().addingTimeInterval(timeout)
        let response: [String: Any] = try condition.withLock {
            while responses[id] == nil {
                guard !ended, condition.wait(until: deadline) else { throw HTTPTestError.timeout("DevTools \(method)") }
            }
            return responses.removeValue(forKey: id) ?? [:]
        }
        if let error = response["error"] as? [String: Any] {
            throw HTTPTestError.malformed("DevTools \(method): \(error["message"] ?? error)")
        }
        return response["result"] as? [String: Any] ?? [:]
    }

    func navigate(_ url: String) throws {
        try call("Page.navigate", ["url": url])
    }

    /// The value of a JavaScript expression (JSON-compatible values only).
    @discardableResult
    func evaluate(_ expression: String) throws -> Any? {
        let result = try call("Runtime.evaluate", ["expression": expression, "returnByValue": true])
        if let exception = result["exceptionDetails"] { throw HTTPTestError.malformed("\(expression): \(exception)") }
        return (result["result"] as? [String: Any])?["value"]
    }

    /// Evaluates `expression` until it is true.
    func waitUntil(_ expression: String, timeout: Double = 60) throws {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if try evaluate(expression) as? Bool == true { return }
            Thread.sleep(forTimeInterval: 0.1)
        }
        throw HTTPTestError.timeout("the page to satisfy `\(expression)`")
    }

    /// Saves a PNG of the viewport.
    func screenshot(to path: String) throws {
        let result = try call("Page.captureScreenshot", ["format": "png"])
        guard let base64 = result["data"] as? String, let data = Data(base64Encoded: base64) else {
            throw HTTPTestError.malformed("no screenshot data")
        }
        try data.write(to: URL(fileURLWithPath: path))
    }
}
