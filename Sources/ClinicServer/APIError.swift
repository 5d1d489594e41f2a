import Foundation
import HTTPTypes

/// A failure a client caused or must hear about, rendered once by `ErrorMiddleware` as
/// `{"detail", "code"}` (or FastAPI's 422 list).
public struct APIError: Error, Sendable {
    public var status: HTTPResponse.Status
    public var detail: String
    public var code: String?
    public var issues: [ValidationIssue]
    public var headers: HTTPFields

    public init(_ status: HTTPResponse.Status, _ detail: String, code: String? = nil, headers: HTTPFields = [:]) {
        self.status = status
        self.detail = detail
        self.code = code
        self.issues = []
        self.headers = headers
    }

    public static func validation(_ issues: [ValidationIssue]) -> APIError {
        var error = APIError(.unprocessableContent, issues.first?.msg ?? "invalid request", code: "validation_error")
        error.issues = issues
        return error
    }

    public static func invalid(_ location: [String], _ message: String, type: String = "value_error") -> APIError {
        validation([ValidationIssue(loc: location, msg: message, type: type)])
    }

    public static func notFound(_ what: String) -> APIError {
        APIError(.notFound, "\(what) not found", code: "not_found")
    }

    public static let unauthorized = APIError(.unauthorized, "Not authenticated", code: "not_authenticated",
                                              headers: [.wwwAuthenticate: "Bearer"])
}

/// One entry of FastAPI's 422 `detail` list.
public struct ValidationIssue: Sendable, Codable, Equatable {
    public var loc: [String]
    public var msg: String
    public var type: String

    public init(loc: [String], msg: String, type: String) {
        self.loc = loc
        self.msg = msg
        self.type = type
    }
}

/// Collects every field error of a request before answering, so a form can show them all at once.
struct Validator {
    private(set) var issues: [ValidationIssue] = []

    mutating func check(_ condition: Bool, _ location: [String], _ message: String, type: String = "value_error") {
        if !condition { issues.append(ValidationIssue(loc: location, msg: message, type: type)) }
    }

    func finish() throws {
        if !issues.isEmpty { throw APIError.validation(issues) }
    }
}
