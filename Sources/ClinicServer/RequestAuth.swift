import ClinicStore
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOConcurrencyHelpers
import NIOCore

/// What a request carries that handlers need but the generated API signatures do not pass:
/// the bearer token, who it was verified to be, the client's address and a logger with the request id.
enum RequestScope {
    @TaskLocal static var bearerToken: String?
    /// The account the bearer token names, once `AuthenticationMiddleware` verified its signature.
    @TaskLocal static var verifiedUserId: String?
    /// The caller as `RoleRuleMiddleware` found it for this request (read once a request).
    @TaskLocal static var caller: CallerRecord?
    @TaskLocal static var logger = Logger(label: "clinic.request")
    /// The client's address: the peer, or behind a trusted proxy the last hop of X-Forwarded-For.
    @TaskLocal static var clientAddress = "unknown"
    /// Whether the request carries forwarding headers: it came through a proxy, so from elsewhere,
    /// whatever address it arrived from (trusted proxy or not).
    @TaskLocal static var isForwarded = false
    /// For an upload: the Content-Type its file part declares, read as the body streams in
    /// (`DeclaredPartTypeMiddleware`); nil for every other request.
    @TaskLocal static var uploadDeclaredType: DeclaredPartType?
}

/// Where a request comes from. Behind a proxy (TRUST_PROXY) the address is the last hop of
/// X-Forwarded-For, which the proxy itself appends (the earlier ones are the client's word).
/// Forwarding headers that arrive untrusted mean a proxy in front that nobody told us about: on a
/// loopback bind every client would look local, so such a request is never treated as local.
struct ClientOrigin: Sendable {
    let trustProxy: Bool
    private let warned = NIOLockedValueBox(false)

    init(trustProxy: Bool) {
        self.trustProxy = trustProxy
    }

    static let xForwardedFor = HTTPField.Name("X-Forwarded-For")!

    /// Any of these means a proxy passed the request on: the standard ones, the de facto X-Forwarded-*
    /// family, and the client-address headers CDNs and load balancers add (Cloudflare, Akamai, others).
    static let forwardingHeaders: [HTTPField.Name] = [
        xForwardedFor, .init("Forwarded")!, .init("X-Real-IP")!, .init("X-Forwarded-Host")!, .init("X-Forwarded-Proto")!,
        .init("X-Forwarded-Port")!, .init("Via")!, .init("CF-Connecting-IP")!, .init("True-Client-IP")!, .init("X-Client-IP")!,
    ]

    static func isForwarded(_ request: Request) -> Bool {
        forwardingHeaders.contains { request.headers[$0] != nil }
    }

    /// The address, and whether the request may count as coming from this machine.
    func resolve(_ request: Request, peer: SocketAddress?, logger: Logger) -> (address: String, isLocal: Bool) {
        let peerAddress = peer?.ipAddress ?? "unknown"
        let forwarded = Self.isForwarded(request)
        if trustProxy, let header = request.headers[Self.xForwardedFor],
           let last = header.split(separator: ",").last?.trimmingCharacters(in: .whitespaces), !last.isEmpty, last.utf8.count <= 64 {
            return (last, false)
        }
        if forwarded && !trustProxy {
            let first = warned.withLockedValue { done in
                defer { done = true }
                return !done
            }
            if first {
                logger.warning("""
                    requests arrive with forwarding headers but TRUST_PROXY is not set: behind a proxy set TRUST_PROXY=1 \
                    (until then they are not treated as local, and /metrics needs METRICS_TOKEN)
                    """)
            }
            return (peerAddress, false)
        }
        return (peerAddress, Self.isLoopback(peerAddress))
    }

    static func isLoopback(_ address: String) -> Bool {
        address == "::1" || address.hasPrefix("127.") || address.hasPrefix("::ffff:127.")
    }
}

/// Puts the request's bearer token, address and logger into task-local scope for the handlers.
struct RequestScopeMiddleware<Context: RequestContext & RemoteAddressRequestContext>: RouterMiddleware {
    let origin: ClientOrigin

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var token: String?
        if let header = request.headers[.authorization] {
            let parts = header.split(separator: " ", maxSplits: 1)
            if parts.count == 2, parts[0].lowercased() == "bearer" {
                // Trimmed as Swift characters: `trimmingCharacters` bridged every token to NSString (4% of `/api/users/me`).
                let value = parts[1].drop(while: \.isWhitespace)
                let end = value.lastIndex { !$0.isWhitespace }.map(value.index(after:)) ?? value.startIndex
                token = String(value[..<end])
            }
        }
        let address = origin.resolve(request, peer: context.remoteAddress, logger: context.logger).address
        return try await RequestScope.$bearerToken.withValue(token) {
            try await RequestScope.$clientAddress.withValue(address) {
                try await RequestScope.$isForwarded.withValue(ClientOrigin.isForwarded(request)) {
                    try await RequestScope.$logger.withValue(context.logger) {
                        try await next(request, context)
                    }
                }
            }
        }
    }
}

/// Every API route but the few the contract leaves open needs a valid bearer token, and without
/// one the answer is 401 before anything about the request's body or query is said.
struct AuthenticationMiddleware<Context: RequestContext>: RouterMiddleware {
    let auth: AuthService

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let path = request.uri.path
        guard path.hasPrefix("/api/"), !OpenRoutes.paths.contains(path), request.method != .options else {
            return try await next(request, context)
        }
        let userId = try await auth.verifiedSubject(RequestScope.bearerToken)
        return try await RequestScope.$verifiedUserId.withValue(userId) {
            try await next(request, context)
        }
    }
}

/// API routes that take no bearer token (contract: register, token, plans, webhooks; health and the
/// document live outside /api).
enum OpenRoutes {
    static let paths: Set<String> = [
        "/api/users/register", "/api/token", "/api/token/refresh", "/api/token/revoke", "/api/plans", "/api/webhooks/payment-status",
    ]
}
