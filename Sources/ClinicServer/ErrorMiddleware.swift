import ClinicStore
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import OpenAPIRuntime

/// Turns every failure into the contract's JSON error: `APIError`s as they are, request decoding
/// failures as FastAPI-style 422s, anything unexpected as a logged 500 that tells the client nothing.
struct ErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch {
            let apiError = Self.apiError(for: error, logger: context.logger)
            return Self.response(apiError)
        }
    }

    /// `body`: the request's body when it was read (JSON and forms), so an unreadable field can be named.
    static func apiError(for error: any Error, logger: Logger, body: ByteBuffer? = nil) -> APIError {
        switch error {
        case let error as APIError:
            return error
        case let error as ServerError:
            if let inner = error.underlyingError as? APIError { return inner }
            // The request was read (the handler had its input): the failure is ours or the
            // database's, not the client's, so it must not become a 422.
            // (A multipart body is read lazily inside the handler: its errors are still the request's.)
            if error.operationInput != nil, !isRequestReadingError(error.underlyingError) {
                return apiError(for: error.underlyingError, logger: logger)
            }
            return RequestReadingFailure.apiError(error, body: body)
        case StoreError.unavailable:
            // The outcome of a write cut off by the database is unknown: say "try again", not "not saved".
            return APIError(.serviceUnavailable, "The database is unavailable: try again in a moment", code: "database_unavailable",
                            headers: [.retryAfter: "2"])
        case let error as HTTPError:
            switch error.status {
            case .contentTooLarge: return APIError(.contentTooLarge, "Request body is too large", code: "too_large")
            case .notFound: return APIError(.notFound, "Not found", code: "not_found")
            case .methodNotAllowed: return APIError(.methodNotAllowed, "Method not allowed", code: "method_not_allowed", headers: error.headers)
            default: return APIError(error.status, error.body ?? error.status.reasonPhrase, headers: error.headers)
            }
        default:
            // The type only: an error's text may quote patient data.
            logger.error("unhandled error", metadata: ["error_type": "\(String(reflecting: type(of: error)))"])
            return APIError(.internalServerError, "Internal server error", code: "internal_error")
        }
    }

    /// Errors of reading the request itself: decoding, and OpenAPIRuntime's own (a multipart body
    /// without a proper part, found by schemathesis once handler failures stopped being 422s).
    static func isRequestReadingError(_ error: any Error) -> Bool {
        RequestReadingFailure.innermostDecodingError(error) != nil || String(reflecting: type(of: error)).hasPrefix("OpenAPIRuntime.")
    }

    static func response(_ error: APIError) -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        let data = (error.issues.isEmpty
            ? try? encoder.encode(PlainProblem(detail: error.detail, code: error.code))
            : try? encoder.encode(ValidationProblem(detail: error.issues))) ?? Data("{\"detail\":\"error\"}".utf8)
        var headers = error.headers
        headers[.contentType] = "application/json"
        if error.status == .internalServerError || error.status == .serviceUnavailable { headers[.cacheControl] = "no-store" }
        return Response(status: error.status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}

private struct PlainProblem: Encodable {
    let detail: String
    let code: String?
}

private struct ValidationProblem: Encodable {
    let detail: [ValidationIssue]
}

/// Caps request bodies (1 MiB for JSON and forms) before anything reads them. Document uploads
/// stream to storage instead, which enforces their 20 MiB on the bytes themselves.
struct BodyLimitMiddleware<Context: RequestContext>: RouterMiddleware {
    let maximumBytes: Int
    let streamedUploadBytes: Int

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        if request.method == .post && request.uri.path.hasSuffix("/documents") && request.uri.path.hasPrefix("/api/patients/") {
            if let length = request.headers[.contentLength].flatMap({ Int($0) }), length > streamedUploadBytes {
                throw APIError(.contentTooLarge, "Documents are limited to 20 MiB", code: "too_large")
            }
            return try await next(request, context)
        }
        if let length = request.headers[.contentLength].flatMap({ Int($0) }), length > maximumBytes {
            throw APIError(.contentTooLarge, "Request body is larger than \(maximumBytes) bytes", code: "too_large")
        }
        var request = request
        var body: ByteBuffer?
        if request.method != .get && request.method != .head {
            body = try await request.collectBody(upTo: maximumBytes)
        }
        do {
            return try await next(request, context)
        } catch let error as ServerError {
            // Here the body is still at hand: a field the generated server could not read is named from it.
            throw ErrorMiddleware<Context>.apiError(for: error, logger: context.logger, body: body)
        }
    }
}

/// One line per request: method, path (never the query: a search is a patient's name), status,
/// duration, request id (from the context's logger metadata). No headers, so no tokens.
struct AccessLogMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let started = ContinuousClock.now
        let response = try await next(request, context)
        let elapsed = ContinuousClock.now - started
        let millis = Double(elapsed.components.attoseconds) / 1e15 + Double(elapsed.components.seconds) * 1000
        context.logger.info("\(request.method) \(request.uri.path) \(response.status.code)",
                            metadata: ["duration_ms": "\(String(format: "%.2f", millis))"])
        return response
    }
}
