import Foundation
import HTTPTypes
import OpenAPIRuntime

/// The contract says unset optional fields are `null`, but the generated types leave them out.
/// This fills them in for the operations that return such fields (a table per shape).
struct ExplicitNullsMiddleware: ServerMiddleware {
    indirect enum Shape: Sendable {
        case object(nullable: [String], nested: [String: Shape])
        case array(Shape)

        func fill(_ value: Any) -> Any {
            switch self {
            case .array(let element):
                guard let array = value as? [Any] else { return value }
                return array.map { element.fill($0) }
            case .object(let nullable, let nested):
                guard var object = value as? [String: Any] else { return value }
                for key in nullable where object[key] == nil { object[key] = NSNull() }
                for (key, shape) in nested {
                    if let child = object[key] { object[key] = shape.fill(child) }
                }
                return object
            }
        }
    }

    static let user = Shape.object(nullable: ["trial_ends_at"], nested: [:])
    static let token = Shape.object(nullable: [], nested: ["user": user])
    static let patient = Shape.object(nullable: ["phone_number", "address", "notes", "date_of_birth", "sex"], nested: [:])
    static let appointment = Shape.object(nullable: ["reason"], nested: [:])
    static func page(_ item: Shape) -> Shape { .object(nullable: ["next_cursor"], nested: ["items": .array(item)]) }

    static let shapes: [String: Shape] = [
        "registerUser": token, "login": token, "refreshToken": token, "getCurrentUser": user,
        "listPatients": page(patient), "createPatient": patient, "getPatient": patient, "updatePatient": patient,
        "listNotes": page(.object(nullable: [], nested: [:])),
        "listAppointments": page(appointment), "createAppointment": appointment, "getAppointment": appointment,
        "updateAppointment": appointment,
    ]

    func intercept(
        _ request: HTTPRequest, body: HTTPBody?, metadata: ServerRequestMetadata, operationID: String,
        next: @Sendable (HTTPRequest, HTTPBody?, ServerRequestMetadata) async throws -> (HTTPResponse, HTTPBody?)
    ) async throws -> (HTTPResponse, HTTPBody?) {
        let (response, responseBody) = try await next(request, body, metadata)
        guard let shape = Self.shapes[operationID], let responseBody, response.status.kind == .successful else {
            return (response, responseBody)
        }
        let data = try await Data(collecting: responseBody, upTo: 64 << 20)
        guard let json = try? JSONSerialization.jsonObject(with: data),
              let filled = try? JSONSerialization.data(withJSONObject: shape.fill(json), options: [.withoutEscapingSlashes])
        else { return (response, HTTPBody(data)) }
        var filledResponse = response
        filledResponse.headerFields[.contentLength] = String(filled.count)
        return (filledResponse, HTTPBody(filled))
    }
}
