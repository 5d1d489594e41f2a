import Foundation
import Hummingbird
import Logging

/// What a request carries that handlers need but the generated API signatures do not pass:
/// the bearer token and a logger with the request id.
enum RequestScope {
    @TaskLocal static var bearerToken: String?
    @TaskLocal static var logger = Logger(label: "clinic.request")
    /// `scheme://host:port` the client used, for links the server hands out without PUBLIC_BASE_URL.
    @TaskLocal static var origin: String?
}

/// Puts the request's bearer token and logger into task-local scope for the handlers.
struct RequestScopeMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var token: String?
        if let header = request.headers[.authorization] {
            let parts = header.split(separator: " ", maxSplits: 1)
            if parts.count == 2, parts[0].lowercased() == "bearer" {
                token = String(parts[1]).trimmingCharacters(in: .whitespaces)
            }
        }
        let origin = request.head.authority.map { "http://" + $0 }
        return try await RequestScope.$bearerToken.withValue(token) {
            try await RequestScope.$origin.withValue(origin) {
                try await RequestScope.$logger.withValue(context.logger) {
                    try await next(request, context)
                }
            }
        }
    }
}
