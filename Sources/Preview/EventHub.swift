import Foundation

/// Fans server-sent events out to every page that watches a notebook.
///
/// Each event is one `event: NAME` with a JSON `data:` line. A page's stream starts with the
/// notebook's whole state (`document`), then gets every change in order.
final class EventHub: @unchecked Sendable {
    private let lock = NSLock()
    private var streams: [Int: (notebook: String, continuation: AsyncStream<String>.Continuation)] = [:]
    private var nextID = 0
    private var closed = false
    private let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()

    /// One event in the wire format of `text/event-stream`.
    func format<T: Encodable>(event: String, payload: T) -> String {
        let json = (try? encoder.encode(payload)).flatMap { String(data: $0, encoding: .utf8) } ?? "null"
        return "event: \(event)\ndata: \(json)\n\n"
    }

    /// A new stream of the events of `notebook`, starting with `first`.
    func subscribe(notebook: String, first: String) -> AsyncStream<String> {
        let (stream, continuation) = AsyncStream<String>.makeStream()
        let id: Int? = lock.withLock {
            guard !closed else { return nil }
            nextID += 1
            streams[nextID] = (notebook, continuation)
            return nextID
        }
        guard let id else {
            continuation.finish()
            return stream
        }
        continuation.yield("retry: 1000\n\n")
        continuation.yield(first)
        continuation.onTermination = { [weak self] _ in
            self?.lock.withLock { _ = self?.streams.removeValue(forKey: id) }
        }
        return stream
    }

    func publish<T: Encodable>(notebook: String, event: String, payload: T) {
        let text = format(event: event, payload: payload)
        let targets = lock.withLock { streams.values.filter { $0.notebook == notebook }.map(\.continuation) }
        for continuation in targets { continuation.yield(text) }
    }

    /// The number of open streams (tests).
    var subscriberCount: Int { lock.withLock { streams.count } }

    /// Ends every stream, so the server can shut down; later subscriptions end at once.
    func close() {
        let all = lock.withLock {
            closed = true
            let all = streams.values.map(\.continuation)
            streams = [:]
            return all
        }
        for continuation in all { continuation.finish() }
    }
}
