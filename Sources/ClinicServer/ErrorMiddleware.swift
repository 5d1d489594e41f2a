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

    static func apiError(for error: any Error, logger: Logger) -> APIError {
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
            return decodingFailure(error)
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
        innermostDecodingError(error) != nil || String(reflecting: type(of: error)).hasPrefix("OpenAPIRuntime.")
    }

    /// The generated server could not read the request: say where, in FastAPI's words.
    static func decodingFailure(_ error: ServerError) -> APIError {
        let description = "\(error.causeDescription) \(error.underlyingError)"
        if description.localizedCaseInsensitiveContains("content type") || description.localizedCaseInsensitiveContains("content-type") {
            return APIError(.unsupportedMediaType, "Unsupported content type for this endpoint", code: "unsupported_media_type")
        }
        // A request without a body can only have failed in its query (path parameters are strings).
        let hasBody = error.request.method != .get && error.request.method != .delete && error.request.method != .head
        let location = hasBody ? ["body"] : ["query"]
        if description.contains("Multipart") {
            return .invalid(["body"], "The upload is not a multipart form with one file part", type: "value_error")
        }
        guard let decoding = innermostDecodingError(error.underlyingError) else {
            if description.localizedCaseInsensitiveContains("missing") && description.localizedCaseInsensitiveContains("body") {
                return .invalid(["body"], "Field required", type: "missing")
            }
            return .invalid(location, "Request could not be read: check the fields and their types", type: "value_error")
        }
        if !hasBody {
            return .invalid(location, "A query parameter has a value of the wrong type or format", type: "value_error")
        }
        func path(_ codingPath: [any CodingKey]) -> [String] {
            ["body"] + codingPath.map { $0.intValue.map(String.init) ?? $0.stringValue }
        }
        switch decoding {
        case .keyNotFound(let key, let context):
            return .invalid(path(context.codingPath + [key]), "Field required", type: "missing")
        case .valueNotFound(_, let context):
            return .invalid(path(context.codingPath), "Field required", type: "missing")
        case .typeMismatch(let type, let context):
            return .invalid(path(context.codingPath), "Input should be a valid \(Self.typeName(type))", type: "type_error")
        case .dataCorrupted(let context):
            if context.codingPath.isEmpty {
                return .invalid(location, "Body is not valid JSON (or not valid UTF-8)", type: "json_invalid")
            }
            return .invalid(path(context.codingPath), "Input is not a valid value for this field", type: "value_error")
        @unknown default:
            return .invalid(location, "Request could not be read", type: "value_error")
        }
    }

    static func innermostDecodingError(_ error: any Error) -> DecodingError? {
        if let decoding = error as? DecodingError { return decoding }
        let mirror = Mirror(reflecting: error)
        for child in mirror.children {
            if let inner = child.value as? any Error, let found = innermostDecodingError(inner) { return found }
        }
        return nil
    }

    static func typeName(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: return "string"
        case is Int.Type, is Int64.Type, is Int32.Type: return "integer"
        case is Double.Type, is Float.Type: return "number"
        case is Bool.Type: return "boolean"
        default: return "value"
        }
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
        if request.method != .get && request.method != .head {
            _ = try await request.collectBody(upTo: maximumBytes)
        }
        return try await next(request, context)
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
