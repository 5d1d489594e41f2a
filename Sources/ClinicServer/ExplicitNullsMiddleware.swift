import Foundation
import HTTPTypes
import OpenAPIRuntime

/// The contract says unset optional fields are `null`, but the generated types leave them out.
/// This fills them in for the operations that return such fields (a table per shape).
struct ExplicitNullsMiddleware: ServerMiddleware {
    indirect enum Shape: Sendable {
        case object(nullable: [String], nested: [String: Shape])
        case array(Shape)
    }

    /// Inserts `"key":null` for each missing nullable key of the objects `shape` describes, in one
    /// pass over the encoder's bytes (no parse into Foundation objects and back: that cost 65% of
    /// the CPU of a patient list). Keys in our schemas never contain escapes.
    static func fill(_ bytes: [UInt8], shape root: Shape) -> [UInt8] {
        struct Frame {
            var shape: Shape?
            var isObject: Bool
            var expectingKey: Bool
            var currentKey: String?
            var seen: Set<String>
            var keyCount: Int
        }
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count + 512)
        var stack: [Frame] = []
        var index = 0
        let quote = UInt8(ascii: "\""), backslash = UInt8(ascii: "\\")

        func childShape() -> Shape? {
            guard let top = stack.last else { return root }
            switch top.shape {
            case .object(_, let nested)?: return top.isObject ? top.currentKey.flatMap { nested[$0] } : nil
            case .array(let element)?: return top.isObject ? nil : element
            case nil: return nil
            }
        }

        while index < bytes.count {
            let byte = bytes[index]
            switch byte {
            case quote:
                let start = index
                index += 1
                while index < bytes.count && bytes[index] != quote { index += bytes[index] == backslash ? 2 : 1 }
                index += 1
                output.append(contentsOf: bytes[start..<min(index, bytes.count)])
                if let last = stack.indices.last, stack[last].isObject, stack[last].expectingKey {
                    let key = String(decoding: bytes[(start + 1)..<max(start + 1, index - 1)], as: UTF8.self)
                    stack[last].currentKey = key
                    stack[last].seen.insert(key)
                    stack[last].keyCount += 1
                    stack[last].expectingKey = false
                }
                continue
            case UInt8(ascii: "{"):
                let shape = childShape()
                stack.append(Frame(shape: shape, isObject: true, expectingKey: true, currentKey: nil, seen: [], keyCount: 0))
            case UInt8(ascii: "["):
                let shape = childShape()
                stack.append(Frame(shape: shape, isObject: false, expectingKey: false, currentKey: nil, seen: [], keyCount: 0))
            case UInt8(ascii: ","):
                if let last = stack.indices.last, stack[last].isObject { stack[last].expectingKey = true }
            case UInt8(ascii: "}"):
                if let frame = stack.popLast(), case .object(let nullable, _)? = frame.shape {
                    var count = frame.keyCount
                    for key in nullable where !frame.seen.contains(key) {
                        if count > 0 { output.append(UInt8(ascii: ",")) }
                        output.append(contentsOf: Array("\"\(key)\":null".utf8))
                        count += 1
                    }
                }
            case UInt8(ascii: "]"):
                _ = stack.popLast()
            default:
                break
            }
            output.append(byte)
            index += 1
        }
        return output
    }

    static let user = Shape.object(nullable: ["trial_ends_at"], nested: [:])
    static let token = Shape.object(nullable: [], nested: ["user": user])
    static let patient = Shape.object(nullable: ["phone_number", "address", "notes", "date_of_birth", "sex"], nested: [:])
    static let note = Shape.object(nullable: ["author_id", "author_name"], nested: [:])
    static let appointment = Shape.object(nullable: ["reason", "arrived_at"], nested: [:])
    static let document = Shape.object(nullable: ["uploaded_by_name"], nested: [:])
    static let clinic = Shape.object(nullable: ["trial_ends_at"], nested: ["seats": .object(nullable: ["max_doctors", "max_front_desk"], nested: [:])])
    static let staffMember = Shape.object(nullable: ["email", "last_seen_at"], nested: [:])
    static let auditEvent = Shape.object(nullable: ["actor_id", "actor_name", "actor_role", "patient_id", "patient_name", "record_type",
                                                    "record_id", "ip"], nested: [:])
    static func page(_ item: Shape) -> Shape { .object(nullable: ["next_cursor"], nested: ["items": .array(item)]) }

    static let shapes: [String: Shape] = [
        "registerUser": token, "login": token, "refreshToken": token, "getCurrentUser": user,
        "listPatients": page(patient), "createPatient": patient, "getPatient": patient, "updatePatient": patient,
        "listNotes": page(note), "createNote": note, "getNote": note, "amendNote": note,
        "listAppointments": page(appointment), "createAppointment": appointment, "getAppointment": appointment,
        "updateAppointment": appointment, "listDocuments": page(document), "uploadDocument": document,
        "getClinic": clinic, "renameClinic": clinic, "listStaff": page(staffMember), "updateStaffMember": staffMember,
        "listInvitations": page(.object(nullable: [], nested: [:])), "listAuditEvents": page(auditEvent),
    ]

    func intercept(
        _ request: HTTPRequest, body: HTTPBody?, metadata: ServerRequestMetadata, operationID: String,
        next: @Sendable (HTTPRequest, HTTPBody?, ServerRequestMetadata) async throws -> (HTTPResponse, HTTPBody?)
    ) async throws -> (HTTPResponse, HTTPBody?) {
        let (response, responseBody) = try await next(request, body, metadata)
        guard let shape = Self.shapes[operationID], let responseBody, response.status.kind == .successful else {
            return (response, responseBody)
        }
        let bytes = try await [UInt8](collecting: responseBody, upTo: 64 << 20)
        let filled = Self.fill(bytes, shape: shape)
        var filledResponse = response
        filledResponse.headerFields[.contentLength] = String(filled.count)
        return (filledResponse, HTTPBody(filled))
    }
}
