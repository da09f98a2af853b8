import Foundation

/// Who may talk to the preview server: requests that carry the token and come from the loopback address.
///
/// The token comes either as the query parameter `token` (the URL printed at start) or as the
/// cookie ``cookieName``, which the server sets when a page is opened with a valid query token
/// (HttpOnly, SameSite=Strict), so that links, the script, the stylesheet and the event stream
/// need no token in their URLs. Requests that change something (`POST`) must also carry it in
/// the `X-Loom-Token` header, which a cross-site form cannot send.
///
/// `Host` must name the loopback address and the server's port (`127.0.0.1:PORT`,
/// `localhost:PORT` or `[::1]:PORT`), and `Origin`, when present, must be the same origin: a page
/// on another site that resolves its own name to 127.0.0.1 (DNS rebinding) is refused.
public struct AccessPolicy: Sendable, Equatable {
    /// The secret every request must carry.
    public let token: String
    /// The port the server listens on.
    public let port: Int

    public init(token: String, port: Int) {
        self.token = token
        self.port = port
    }

    /// The cookie that carries the token; it names the port, since cookies do not tell ports apart.
    public var cookieName: String { "loom_preview_\(port)" }

    /// Why a request is refused.
    public enum Refusal: Error, Equatable, Sendable, CustomStringConvertible {
        case missingHost
        case foreignHost(String)
        case foreignOrigin(String)
        case missingToken
        case wrongToken

        public var description: String {
            switch self {
            case .missingHost: "the request has no Host header"
            case .foreignHost(let host): "the Host '\(host)' is not this server's loopback address"
            case .foreignOrigin(let origin): "the Origin '\(origin)' is not this server's loopback address"
            case .missingToken: "the request carries no token; open the URL that 'loom preview' printed"
            case .wrongToken: "the token is wrong; open the URL that 'loom preview' printed"
            }
        }
    }

    /// The `Host` values that name this server.
    var loopbackHosts: Set<String> { ["127.0.0.1:\(port)", "localhost:\(port)", "[::1]:\(port)"] }

    /// Checks a request.
    ///
    /// - Parameters:
    ///   - host: the `Host` header (HTTP/1.1) or `:authority`.
    ///   - origin: the `Origin` header, if any.
    ///   - queryToken: the `token` query parameter, if any.
    ///   - cookieToken: the value of ``cookieName``, if any.
    ///   - headerToken: the `X-Loom-Token` header, if any.
    ///   - changesState: whether the request changes something (`POST`): then `headerToken` is required.
    /// - Returns: nil when the request may go on, or why it is refused.
    public func refusal(host: String?, origin: String?, queryToken: String?, cookieToken: String?,
                        headerToken: String?, changesState: Bool) -> Refusal? {
        guard let host, !host.isEmpty else { return .missingHost }
        guard loopbackHosts.contains(host.lowercased()) else { return .foreignHost(host) }
        if let origin, !loopbackHosts.contains(where: { "http://\($0)" == origin.lowercased() }) {
            return .foreignOrigin(origin)
        }
        if changesState {
            guard let headerToken else { return .missingToken }
            return Self.same(headerToken, token) ? nil : .wrongToken
        }
        let offered = [queryToken, cookieToken].compactMap { $0 }
        guard !offered.isEmpty else { return .missingToken }
        return offered.contains { Self.same($0, token) } ? nil : .wrongToken
    }

    /// Compares in time that does not depend on where the strings differ.
    static func same(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8), y = Array(b.utf8)
        guard x.count == y.count else { return false }
        var difference: UInt8 = 0
        for (p, q) in zip(x, y) { difference |= p ^ q }
        return difference == 0
    }

    /// A new token: 128 random bits from the system's generator, as 32 hexadecimal digits.
    public static func randomToken() -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<2).map { _ in
            let value = generator.next() as UInt64
            let hex = String(value, radix: 16)
            return String(repeating: "0", count: 16 - hex.count) + hex
        }.joined()
    }

    /// Checks a token given with `--token`.
    ///
    /// - Throws: ``PreviewError/invalidToken(_:)`` unless it is 16 or more letters, digits, `-` or `_`.
    public static func validate(token: String) throws(PreviewError) {
        let allowed = token.unicodeScalars.allSatisfy {
            ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0) || $0 == "-" || $0 == "_"
        }
        guard token.count >= 16, allowed else { throw .invalidToken(token) }
    }
}

/// What can go wrong when starting a preview.
public enum PreviewError: Error, Equatable, Sendable, LocalizedError, CustomStringConvertible {
    /// `--token` is too short or has characters a URL would have to escape.
    case invalidToken(String)
    /// The port is taken or cannot be used.
    case cannotListen(port: Int, reason: String)
    /// `--port` is outside 0...65535.
    case invalidPort(Int)

    public var description: String {
        switch self {
        case .invalidToken(let token):
            "the token '\(token)' must have at least 16 characters, all letters, digits, '-' or '_' "
                + "(leave out --token for a random one)"
        case .cannotListen(let port, let reason):
            "cannot listen on 127.0.0.1:\(port): \(reason); choose another --port, or leave it out for a free one"
        case .invalidPort(let port):
            "the port \(port) is not between 0 and 65535 (0 or no --port takes a free one)"
        }
    }

    public var errorDescription: String? { description }
}
