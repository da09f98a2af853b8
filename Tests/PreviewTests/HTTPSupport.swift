import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// A plain HTTP/1.1 client over a TCP socket to 127.0.0.1, so tests choose every header
/// themselves (`Host` and `Origin` included) and read event streams as they arrive.
/// Its blocking calls run on threads of their own (``blocking(_:)``), off Swift's cooperative pool.
struct HTTPResponse: Sendable {
    var status: Int
    var headers: [(name: String, value: String)]
    var body: String

    func header(_ name: String) -> String? {
        headers.first { $0.name.lowercased() == name.lowercased() }?.value
    }
}

enum HTTPTestError: Error, CustomStringConvertible {
    case connect(Int32)
    case timeout(String)
    case malformed(String)

    var description: String {
        switch self {
        case .connect(let code): "cannot connect: errno \(code)"
        case .timeout(let what): "timed out waiting for \(what)"
        case .malformed(let what): "malformed response: \(what)"
        }
    }
}

/// Runs blocking work on a new thread and awaits it.
func blocking<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        Thread {
            continuation.resume(with: Result { try work() })
        }.start()
    }
}

/// One TCP connection.
final class Connection: @unchecked Sendable {
    private let socket: Int32
    private var buffer: [UInt8] = []

    init(port: Int) throws {
        socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard result == 0 else {
            close(socket)
            throw HTTPTestError.connect(errno)
        }
    }

    deinit { close(socket) }

    func send(_ text: String) {
        var bytes = Array(text.utf8)[...]
        while !bytes.isEmpty {
            let sent = bytes.withUnsafeBytes { Glibc.send(socket, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard sent > 0 else { return }
            bytes = bytes.dropFirst(sent)
        }
    }

    /// Reads more bytes; false at the end of the stream or after `timeout` seconds without any.
    private func fill(timeout: Double) -> Bool {
        var descriptor = pollfd(fd: socket, events: Int16(POLLIN), revents: 0)
        guard poll(&descriptor, 1, Int32(timeout * 1000)) > 0 else { return false }
        var chunk = [UInt8](repeating: 0, count: 65536)
        let count = chunk.withUnsafeMutableBytes { recv(socket, $0.baseAddress, $0.count, 0) }
        guard count > 0 else { return false }
        buffer += chunk[0..<count]
        return true
    }

    /// Reads up to and including `delimiter`.
    func read(until delimiter: [UInt8], deadline: Date) throws -> [UInt8] {
        while true {
            if let range = find(delimiter) {
                let line = Array(buffer[..<range])
                buffer.removeFirst(range + delimiter.count)
                return line
            }
            let left = deadline.timeIntervalSinceNow
            guard left > 0, fill(timeout: min(left, 1)) || Date() < deadline else {
                throw HTTPTestError.timeout("'\(String(decoding: delimiter, as: UTF8.self))'")
            }
        }
    }

    func read(count: Int, deadline: Date) throws -> [UInt8] {
        while buffer.count < count {
            let left = deadline.timeIntervalSinceNow
            guard left > 0 else { throw HTTPTestError.timeout("\(count) bytes") }
            if !fill(timeout: min(left, 1)), Date() >= deadline { throw HTTPTestError.timeout("\(count) bytes") }
        }
        let bytes = Array(buffer[..<count])
        buffer.removeFirst(count)
        return bytes
    }

    /// Everything until the server closes the connection.
    func readToEnd(deadline: Date) -> [UInt8] {
        while Date() < deadline, fill(timeout: max(0.01, min(deadline.timeIntervalSinceNow, 1))) {}
        defer { buffer = [] }
        return buffer
    }

    private func find(_ delimiter: [UInt8]) -> Int? {
        guard buffer.count >= delimiter.count else { return nil }
        for start in 0...(buffer.count - delimiter.count) where buffer[start] == delimiter[0] {
            if Array(buffer[start..<(start + delimiter.count)]) == delimiter { return start }
        }
        return nil
    }

    /// Sends a request.
    func request(_ method: String, _ path: String, headers: [(String, String)]) {
        var text = "\(method) \(path) HTTP/1.1\r\n"
        for (name, value) in headers { text += "\(name): \(value)\r\n" }
        if method == "POST" { text += "Content-Length: 0\r\n" }
        send(text + "\r\n")
    }

    /// Reads the status line and headers.
    func readHead(deadline: Date) throws -> (status: Int, headers: [(name: String, value: String)]) {
        let head = String(decoding: try read(until: Array("\r\n\r\n".utf8), deadline: deadline), as: UTF8.self)
        let lines = head.components(separatedBy: "\r\n")
        let parts = lines[0].split(separator: " ")
        guard parts.count >= 2, let status = Int(parts[1]) else { throw HTTPTestError.malformed(lines[0]) }
        let headers = lines.dropFirst().compactMap { line -> (name: String, value: String)? in
            guard let colon = line.firstIndex(of: ":") else { return nil }
            return (String(line[..<colon]), line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces))
        }
        return (status, headers)
    }

    /// Reads one chunk of a chunked body; nil at its end.
    func readChunk(deadline: Date) throws -> [UInt8]? {
        let sizeLine = String(decoding: try read(until: Array("\r\n".utf8), deadline: deadline), as: UTF8.self)
        guard let size = Int(sizeLine.split(separator: ";").first.map(String.init) ?? "", radix: 16) else {
            throw HTTPTestError.malformed("chunk size '\(sizeLine)'")
        }
        let bytes = try read(count: size, deadline: deadline)
        _ = try read(count: 2, deadline: deadline)
        return size == 0 ? nil : bytes
    }
}

/// Talks to a preview server on 127.0.0.1.
struct PreviewClient: Sendable {
    let port: Int
    let token: String

    var host: String { "127.0.0.1:\(port)" }

    /// One request on a new connection; headers default to a correct `Host`.
    func send(_ path: String, method: String = "GET", headers: [(String, String)]? = nil,
              timeout: Double = 20) async throws -> HTTPResponse {
        let port = port
        let host = host
        return try await blocking {
            let connection = try Connection(port: port)
            connection.request(method, path, headers: (headers ?? [("Host", host)]) + [("Connection", "close")])
            let deadline = Date().addingTimeInterval(timeout)
            let (status, fields) = try connection.readHead(deadline: deadline)
            let response = HTTPResponse(status: status, headers: fields, body: "")
            var body: [UInt8] = []
            if response.header("Transfer-Encoding")?.lowercased() == "chunked" {
                while let chunk = try connection.readChunk(deadline: deadline) { body += chunk }
            } else if let length = response.header("Content-Length").flatMap(Int.init) {
                body = try connection.read(count: length, deadline: deadline)
            } else {
                body = connection.readToEnd(deadline: deadline)
            }
            return HTTPResponse(status: status, headers: fields, body: String(decoding: body, as: UTF8.self))
        }
    }

    /// A request with the token in the query and a correct `Host`.
    func get(_ path: String) async throws -> HTTPResponse {
        try await send(path + (path.contains("?") ? "&" : "?") + "token=\(token)")
    }

    /// A `POST` as the page sends it.
    func post(_ path: String) async throws -> HTTPResponse {
        try await send(path, method: "POST", headers: [("Host", host), ("Origin", "http://\(host)"), ("X-Loom-Token", token)])
    }

    /// Opens a notebook's event stream.
    func events(_ notebook: String) async throws -> EventStream {
        let port = port
        let host = host
        let token = token
        return try await blocking {
            let connection = try Connection(port: port)
            connection.request("GET", "/events/\(notebook)?token=\(token)", headers: [("Host", host)])
            let (status, fields) = try connection.readHead(deadline: Date().addingTimeInterval(20))
            return EventStream(connection: connection, status: status,
                               contentType: HTTPResponse(status: status, headers: fields, body: "").header("Content-Type") ?? "")
        }
    }
}

/// A server-sent event.
struct ServerEvent: Sendable {
    var name: String
    var data: String

    /// The data as a JSON object.
    var json: [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(data.utf8))) as? [String: Any] ?? [:]
    }
}

/// Reads a `text/event-stream` and keeps every event seen.
final class EventStream: @unchecked Sendable {
    let connection: Connection
    let status: Int
    let contentType: String
    private var text = ""
    private(set) var seen: [ServerEvent] = []

    init(connection: Connection, status: Int, contentType: String) {
        self.connection = connection
        self.status = status
        self.contentType = contentType
    }

    private func nextEvent(deadline: Date) throws -> ServerEvent {
        while true {
            if let end = text.range(of: "\n\n") {
                let block = String(text[..<end.lowerBound])
                text = String(text[end.upperBound...])
                var name = "message", data: [String] = []
                for line in block.split(separator: "\n", omittingEmptySubsequences: false) {
                    if line.hasPrefix("event: ") { name = String(line.dropFirst(7)) }
                    if line.hasPrefix("data: ") { data.append(String(line.dropFirst(6))) }
                }
                if data.isEmpty { continue }
                let event = ServerEvent(name: name, data: data.joined(separator: "\n"))
                seen.append(event)
                return event
            }
            guard let chunk = try connection.readChunk(deadline: deadline) else {
                throw HTTPTestError.malformed("the event stream ended")
            }
            text += String(decoding: chunk, as: UTF8.self)
        }
    }

    /// Reads events until one satisfies `predicate`, and returns it.
    func wait(for what: String, timeout: Double = 60, _ predicate: @escaping @Sendable (ServerEvent) -> Bool) async throws -> ServerEvent {
        try await blocking {
            let deadline = Date().addingTimeInterval(timeout)
            while true {
                do {
                    let event = try self.nextEvent(deadline: deadline)
                    if predicate(event) { return event }
                } catch HTTPTestError.timeout {
                    throw HTTPTestError.timeout(what)
                }
            }
        }
    }

    private var received = 0

    /// Waits until no run is in progress or waiting: a `run` event that says so, or a stream whose
    /// first event (the state when it opened) says so.
    func waitForIdle(timeout: Double = 120, sourceLocation: SourceLocation = #_sourceLocation) async throws {
        _ = try await wait(for: "the run to end (waited at line \(sourceLocation.line))", timeout: timeout) { [self] event in
            received += 1
            if event.name == "run" { return (event.json["phase"] as? String) == "idle" }
            return received == 1 && event.name == "document"
                && ((event.json["run"] as? [String: Any])?["phase"] as? String) == "idle"
        }
    }

    /// The states cell `index` went through, in order, from `cell` events and whole-document
    /// events (repeats dropped).
    func states(of index: Int) -> [String] {
        var states: [String] = []
        for event in seen {
            var state: String?
            if event.name == "cell", (event.json["index"] as? Int) == index {
                state = event.json["state"] as? String
            } else if event.name == "document", let cells = event.json["cells"] as? [[String: Any]],
                      cells.indices.contains(index) {
                state = cells[index]["state"] as? String
            }
            if let state, states.last != state { states.append(state) }
        }
        return states
    }

    /// Forgets the events seen so far.
    func reset() { seen = [] }
}
