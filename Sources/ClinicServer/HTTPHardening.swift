import Foundation
import HTTPTypes
import Hummingbird

/// Headers every answer carries: no sniffing, no framing, no referrer; patients' data is never
/// cached; the checkout page may load nothing from anywhere.
struct SecurityHeadersMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var response = try await next(request, context)
        response.headers[.init("X-Content-Type-Options")!] = "nosniff"
        response.headers[.init("X-Frame-Options")!] = "DENY"
        response.headers[.init("Referrer-Policy")!] = "no-referrer"
        let path = request.uri.path
        if path.hasPrefix("/api/") || path.hasPrefix("/files/") {
            response.headers[.cacheControl] = "no-store"
        }
        if path.hasPrefix("/checkout/") {
            response.headers[.contentSecurityPolicy] = "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'"
        }
        return response
    }
}

/// CORS for the future web dashboard: only the origins in `CORS_ALLOWED_ORIGINS` (comma-separated)
/// are answered; preflights get 204 with the methods and headers the API uses.
struct CORSAllowListMiddleware<Context: RequestContext>: RouterMiddleware {
    let allowed: Set<String>

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let origin = request.headers[.origin], allowed.contains(origin) else {
            return try await next(request, context)
        }
        var response: Response
        if request.method == .options, request.headers[.accessControlRequestMethod] != nil {
            response = Response(status: .noContent)
            response.headers[.accessControlAllowMethods] = "GET, POST, PATCH, DELETE, OPTIONS"
            response.headers[.accessControlAllowHeaders] = "Authorization, Content-Type"
            response.headers[.accessControlMaxAge] = "600"
        } else {
            response = try await next(request, context)
        }
        response.headers[.accessControlAllowOrigin] = origin
        response.headers[.vary] = "Origin"
        return response
    }
}
