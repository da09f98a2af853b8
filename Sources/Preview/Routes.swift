import Foundation
import HTTPTypes
import Hummingbird

extension HTTPField.Name {
    static let loomToken = HTTPField.Name("X-Loom-Token")!
    static let originHeader = HTTPField.Name("Origin")!
    static let contentSecurityPolicyHeader = HTTPField.Name("Content-Security-Policy")!
    static let contentTypeOptions = HTTPField.Name("X-Content-Type-Options")!
    static let referrerPolicy = HTTPField.Name("Referrer-Policy")!
    static let frameOptions = HTTPField.Name("X-Frame-Options")!
}

/// Refuses requests without the token or from outside the loopback address (403), and gives every
/// response the Content-Security-Policy and the other protective headers.
struct AccessMiddleware: RouterMiddleware {
    typealias Context = BasicRequestContext
    let server: PreviewServer

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let policy = server.accessPolicy else {
            return Self.protect(Response.text("the server is starting", status: .serviceUnavailable))
        }
        let queryToken = request.uri.queryParameters.get("token")
        let refusal = policy.refusal(
            host: request.head.authority, origin: request.headers[.originHeader],
            queryToken: queryToken, cookieToken: request.cookies[policy.cookieName]?.value,
            headerToken: request.headers[.loomToken], changesState: request.method == .post)
        if let refusal {
            return Self.protect(Response.text("forbidden: \(refusal)\n", status: .forbidden))
        }
        var response: Response
        do {
            response = try await next(request, context)
        } catch let error as HTTPError {
            response = Response.text((error.body ?? "\(error.status.reasonPhrase)") + "\n", status: error.status)
        }
        if let queryToken, AccessPolicy.same(queryToken, policy.token), request.method == .get {
            response.headers[.setCookie] = "\(policy.cookieName)=\(policy.token); Path=/; HttpOnly; SameSite=Strict"
        }
        return Self.protect(response)
    }

    static func protect(_ response: Response) -> Response {
        var response = response
        response.headers[.contentSecurityPolicyHeader] = PreviewPage.contentSecurityPolicy
        response.headers[.contentTypeOptions] = "nosniff"
        response.headers[.referrerPolicy] = "no-referrer"
        response.headers[.frameOptions] = "DENY"
        if response.headers[.cacheControl] == nil { response.headers[.cacheControl] = "no-store" }
        return response
    }
}

extension Response {
    static func text(_ text: String, status: HTTPResponse.Status = .ok, type: String = "text/plain; charset=utf-8") -> Response {
        var headers = HTTPFields()
        headers[.contentType] = type
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
    }
}

extension PreviewServer {
    func addRoutes(to router: Router<BasicRequestContext>) {
        router.get("/") { _, _ -> Response in
            if self.sessions.count == 1, let only = self.sessions.first { return self.page(only, index: nil) }
            return .text(PreviewPage.index(self.sessions.map { ($0.name, $0.title, $0.summaryLine) }),
                         type: "text/html; charset=utf-8")
        }
        router.get("/n/:name") { _, context -> Response in
            let session = try self.requireSession(context)
            return self.page(session, index: self.sessions.count > 1 ? "/" : nil)
        }
        router.get("/static/preview.js") { _, _ in
            Response.text(PreviewAssets.script, type: "text/javascript; charset=utf-8")
        }
        router.get("/static/preview.css") { _, _ in
            Response.text(PreviewAssets.stylesheet, type: "text/css; charset=utf-8")
        }
        router.get("/api/:name/state") { _, context -> Response in
            let session = try self.requireSession(context)
            return .text(self.hub.json(session.snapshot), type: "application/json")
        }
        router.get("/events/:name") { _, context -> Response in
            let session = try self.requireSession(context)
            let stream = session.subscribe()
            var headers = HTTPFields()
            headers[.contentType] = "text/event-stream; charset=utf-8"
            headers[.cacheControl] = "no-store"
            return Response(status: .ok, headers: headers, body: ResponseBody { writer in
                for await chunk in stream {
                    try await writer.write(ByteBuffer(string: chunk))
                }
                try await writer.finish(nil)
            })
        }
        router.post("/api/:name/rerun/:cell") { _, context -> Response in
            let session = try self.requireSession(context)
            guard let cell = context.parameters.get("cell", as: Int.self), self.rerun(session, cell: cell) else {
                throw HTTPError(.notFound, message: "there is no runnable cell '\(context.parameters.get("cell") ?? "")' "
                    + "in \(session.path) (cells count from 0; a notebook whose check fails runs nothing)")
            }
            return .text("re-running cell \(cell + 1) of \(session.path) and the cells that depend on it\n", status: .accepted)
        }
        router.post("/api/:name/stop") { _, context -> Response in
            let session = try self.requireSession(context)
            guard session.stop() else {
                throw HTTPError(.conflict, message: "nothing of \(session.path) is running")
            }
            return .text("stopping \(session.path) at the next batch\n", status: .accepted)
        }
    }

    func requireSession(_ context: BasicRequestContext) throws -> NotebookSession {
        let name = context.parameters.get("name") ?? ""
        guard let session = session(named: name) else {
            throw HTTPError(.notFound, message: "no notebook '\(name)' is previewed here")
        }
        return session
    }

    func page(_ session: NotebookSession, index: String?) -> Response {
        let snapshot = session.snapshot
        return .text(PreviewPage.notebook(name: session.name, title: session.title, token: token,
                                          parts: (snapshot.contents, snapshot.main), index: index),
                     type: "text/html; charset=utf-8")
    }
}

extension EventHub {
    func json<T: Encodable>(_ value: T) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(value)).flatMap { String(data: $0, encoding: .utf8) } ?? "null"
    }
}
