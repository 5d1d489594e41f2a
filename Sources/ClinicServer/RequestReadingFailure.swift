import ClinicAPI
import Foundation
import NIOCore
import OpenAPIRuntime

/// The generated server could not read a request: say which field or query parameter, and what
/// it takes, in FastAPI's 422 shape. The runtime's errors do not always carry the field (a
/// timestamp's transcoder and a query's decoder throw with an empty coding path), so the field is
/// found again from the request: the body's key that holds the unreadable value, or the first
/// query parameter whose value its type does not take.
enum RequestReadingFailure {
    static let timestampHint = "an RFC 3339 timestamp such as 2026-11-24T10:00:00Z"

    /// The allowed values of the contract's enums, by the generated type's name (as decoding errors
    /// name it): one entry for every `enum` in openapi.yaml. Two schemas whose inline enums share a
    /// name share an entry: `sex` is offered as PatientCreate takes it (PatientUpdate also takes ""
    /// to clear it).
    static let enumValues: [String: [String]] = [
        "AppointmentStatus": Components.Schemas.AppointmentStatus.allCases.map(\.rawValue),
        "SexPayload": Components.Schemas.PatientCreate.SexPayload.allCases.map(\.rawValue),
        "Plan": Components.Schemas.Plan.allCases.map(\.rawValue),
        // create-session's `plan` takes Pro only (Basic is what every clinic starts on).
        "PlanPayload": Components.Schemas.PaymentSessionRequest.PlanPayload.allCases.map(\.rawValue),
        "Interval": Components.Parameters.Interval.allCases.map(\.rawValue),
        "Role": Components.Schemas.Role.allCases.map(\.rawValue),
        "SubscriptionStatus": Components.Schemas.SubscriptionStatus.allCases.map(\.rawValue),
        "TokenTypePayload": Components.Schemas.TokenResponse.TokenTypePayload.allCases.map(\.rawValue),
    ]

    /// Query parameters the contract types, with what each takes.
    static let queryRules: [(name: String, takes: String, accepts: @Sendable (String) -> Bool)] = [
        ("limit", "an integer from 1 to 200", { Int($0) != nil }),
        ("interval", "one of " + (enumValues["Interval"] ?? []).joined(separator: ", "), { (enumValues["Interval"] ?? []).contains($0) }),
        ("from", timestampHint, { (try? RFC3339DateTranscoder().decode($0)) != nil }),
        ("to", timestampHint, { (try? RFC3339DateTranscoder().decode($0)) != nil }),
    ]

    static func apiError(_ error: ServerError, body: ByteBuffer?) -> APIError {
        let description = "\(error.causeDescription) \(error.underlyingError)"
        if description.localizedCaseInsensitiveContains("content type") || description.localizedCaseInsensitiveContains("content-type") {
            return APIError(.unsupportedMediaType, "Unsupported content type for this endpoint", code: "unsupported_media_type")
        }
        // A request without a body can only have failed in its query (path parameters are strings).
        let hasBody = error.request.method != .get && error.request.method != .delete && error.request.method != .head
        if description.contains("Multipart") {
            return .invalid(["body"], "The upload is not a multipart form with one file part", type: "value_error")
        }
        guard hasBody else { return queryFailure(error) }
        guard let decoding = innermostDecodingError(error.underlyingError) else {
            if description.localizedCaseInsensitiveContains("missing") && description.localizedCaseInsensitiveContains("body") {
                return .invalid(["body"], "Field required", type: "missing")
            }
            return .invalid(["body"], "Request could not be read: check the fields and their types", type: "value_error")
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
            let field = context.codingPath.last?.stringValue ?? ""
            if type == String.self, field.hasSuffix("_at") {
                return .invalid(path(context.codingPath), "\(field) must be \(timestampHint)", type: "datetime_type")
            }
            return .invalid(path(context.codingPath), "Input should be a valid \(typeName(type))", type: "type_error")
        case .dataCorrupted(let context):
            let message = context.debugDescription
            if !context.codingPath.isEmpty {
                let field = context.codingPath.last?.stringValue ?? "value"
                if let allowed = allowedValues(in: message) {
                    return .invalid(path(context.codingPath), "\(field) must be one of \(allowed.joined(separator: ", "))", type: "enum")
                }
                return .invalid(path(context.codingPath), "Input is not a valid value for this field", type: "value_error")
            }
            // A timestamp the transcoder refused names its value, not its field: find the field holding it.
            if let value = quotedValue(in: message), let field = bodyField(holding: value, in: body) {
                return .invalid(["body", field], "\(field) must be \(timestampHint), got '\(value.prefix(40))'", type: "datetime_from_date_parsing")
            }
            return .invalid(["body"], "Body is not valid JSON (or not valid UTF-8)", type: "json_invalid")
        @unknown default:
            return .invalid(["body"], "Request could not be read", type: "value_error")
        }
    }

    /// Names the first query parameter whose value its type does not take.
    static func queryFailure(_ error: ServerError) -> APIError {
        let query = error.request.path.flatMap { $0.split(separator: "?", maxSplits: 1).dropFirst().first } ?? ""[...]
        for pair in query.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = String(parts[0]).removingPercentEncoding ?? String(parts[0])
            let value = parts.count > 1 ? (String(parts[1]).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? "") : ""
            if let rule = queryRules.first(where: { $0.name == name }), !rule.accepts(value) {
                return .invalid(["query", name], "\(name) must be \(rule.takes)", type: "value_error")
            }
        }
        return .invalid(["query"], "A query parameter has a value of the wrong type or format", type: "value_error")
    }

    /// "Cannot initialize AppointmentStatus from invalid String value maybe" → that enum's values.
    static func allowedValues(in message: String) -> [String]? {
        guard message.hasPrefix("Cannot initialize "), let typeName = message.dropFirst("Cannot initialize ".count).split(separator: " ").first
        else { return nil }
        return enumValues[String(typeName)]
    }

    /// "Expected an RFC 3339 timestamp, got 'tomorrow'" → tomorrow.
    static func quotedValue(in message: String) -> String? {
        guard let start = message.range(of: "got '"), message.hasSuffix("'") else { return nil }
        return String(message[start.upperBound..<message.index(before: message.endIndex)])
    }

    /// The top-level key of a JSON body whose string value is `value`.
    static func bodyField(holding value: String, in body: ByteBuffer?) -> String? {
        guard let body, let object = try? JSONSerialization.jsonObject(with: Data(body.readableBytesView)) as? [String: Any] else { return nil }
        return object.keys.sorted().first { object[$0] as? String == value }
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
}
