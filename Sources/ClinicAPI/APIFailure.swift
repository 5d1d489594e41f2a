import Foundation

/// Why a request failed, in the terms a client acts on (retry, log in again, show the message).
public struct APIFailure: Error, Equatable, Sendable {
    public enum Kind: Equatable, Sendable {
        /// No answer from the application (server down, timeout, DNS, or a proxy's own 502/503/504
        /// page while the server restarts): the request may be retried.
        case unreachable
        /// The session could not be refreshed: log in again.
        case sessionExpired
        /// The server answered with an error.
        case rejected
        case cancelled
    }

    public var kind: Kind
    public var status: Int?
    public var code: String?
    public var message: String
    /// 422 field errors by field name (the last element of `loc`).
    public var fieldErrors: [String: String]

    public init(kind: Kind, status: Int? = nil, code: String? = nil, message: String, fieldErrors: [String: String] = [:]) {
        self.kind = kind
        self.status = status
        self.code = code
        self.message = message
        self.fieldErrors = fieldErrors
    }
}
