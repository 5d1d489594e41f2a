import ClinicAPI
import ClinicStore
import Foundation

// MARK: Patients

extension ClinicAPIHandler {
    func listPatients(_ input: Operations.ListPatients.Input) async throws -> Operations.ListPatients.Output {
        let user = try await auth.authorize(.read)
        let limit = try InputRules.limit(input.query.limit)
        let cursor = try InputRules.cursor(input.query.cursor)
        if let q = input.query.q, q.count > 200 {
            throw APIError.invalid(["query", "q"], "search text must be at most 200 characters", type: "string_too_long")
        }
        let page = try await store.patients(userId: user.id, query: input.query.q, limit: limit, after: cursor)
        return .ok(.init(body: .json(.init(items: page.items.map(Components.Schemas.Patient.init), nextCursor: page.next?.encoded))))
    }

    func createPatient(_ input: Operations.CreatePatient.Input) async throws -> Operations.CreatePatient.Output {
        guard case .json(let body) = input.body else { throw APIError(.unsupportedMediaType, "expected application/json") }
        let user = try await auth.authorize(.write)
        let fields = try PatientInput.validate(name: body.name, phoneNumber: body.phoneNumber, address: body.address, notes: body.notes,
                                               dateOfBirth: body.dateOfBirth, sex: body.sex?.rawValue, isCreate: true)
        let patient = try await store.createPatient(userId: user.id, fields: fields, now: now)
        return .created(.init(body: .json(.init(patient))))
    }

    func getPatient(_ input: Operations.GetPatient.Input) async throws -> Operations.GetPatient.Output {
        let user = try await auth.authorize(.read)
        let id = try InputRules.recordID(input.path.id, "Patient")
        guard let patient = try await store.patient(userId: user.id, id: id) else { throw APIError.notFound("Patient") }
        return .ok(.init(body: .json(.init(patient))))
    }

    func updatePatient(_ input: Operations.UpdatePatient.Input) async throws -> Operations.UpdatePatient.Output {
        guard case .json(let body) = input.body else { throw APIError(.unsupportedMediaType, "expected application/json") }
        let user = try await auth.authorize(.write)
        let id = try InputRules.recordID(input.path.id, "Patient")
        let fields = try PatientInput.validate(name: body.name, phoneNumber: body.phoneNumber, address: body.address, notes: body.notes,
                                               dateOfBirth: body.dateOfBirth, sex: body.sex?.rawValue, isCreate: false)
        guard let patient = try await store.updatePatient(userId: user.id, id: id, fields: fields, now: now) else {
            throw APIError.notFound("Patient")
        }
        return .ok(.init(body: .json(.init(patient))))
    }

    func deletePatient(_ input: Operations.DeletePatient.Input) async throws -> Operations.DeletePatient.Output {
        let user = try await auth.authorize(.write)
        let id = try InputRules.recordID(input.path.id, "Patient")
        let keys = try await store.documentKeys(userId: user.id, patientId: id)
        guard try await store.deletePatient(userId: user.id, id: id) else { throw APIError.notFound("Patient") }
        // The rows went with the patient (cascade); their stored files go now.
        for key in keys { await storage.delete(key: key) }
        return .noContent(.init())
    }
}

/// Validation of a patient's fields for create (absent = unset) and update (absent = unchanged,
/// empty string = clear).
enum PatientInput {
    static func validate(name: String?, phoneNumber: String?, address: String?, notes: String?, dateOfBirth: String?,
                         sex: String?, isCreate: Bool) throws -> PatientFields {
        var validator = Validator()
        var fields = PatientFields()
        if let name {
            let trimmed = name.trimmingCharacters(in: .whitespacesAndNewlines)
            validator.check((1...200).contains(trimmed.count), ["body", "name"], "name must be 1 to 200 characters")
            validator.check(!InputRules.hasNUL(trimmed), ["body", "name"], "name must not contain NUL characters")
            fields.name = trimmed
        } else if isCreate {
            validator.check(false, ["body", "name"], "Field required", type: "missing")
        }
        func optional(_ value: String?, _ field: String, _ isValid: (String) -> Bool, _ message: String) -> String?? {
            guard let value else { return isCreate ? .some(nil) : nil }
            let trimmed = value.trimmingCharacters(in: .whitespacesAndNewlines)
            if trimmed.isEmpty { return .some(nil) }
            validator.check(isValid(trimmed), ["body", field], message)
            return .some(trimmed)
        }
        fields.phoneNumber = optional(phoneNumber, "phone_number", InputRules.isPhone,
                                      "phone_number must be at most 32 digits, spaces and + - ( ) .")
        fields.address = optional(address, "address", { $0.count <= 500 && !InputRules.hasNUL($0) },
                                  "address must be at most 500 characters, without NUL characters")
        fields.notes = optional(notes, "notes", { $0.count <= 5000 && !InputRules.hasNUL($0) },
                                "notes must be at most 5000 characters, without NUL characters")
        fields.dateOfBirth = optional(dateOfBirth, "date_of_birth", InputRules.isBirthDate,
                                      "date_of_birth must be a real date (YYYY-MM-DD) between 1900 and today")
        fields.sex = optional(sex, "sex", { ["female", "male", "other", "unknown"].contains($0) }, "sex must be female, male, other or unknown")
        try validator.finish()
        return fields
    }
}

// MARK: Clinical notes

extension ClinicAPIHandler {
    static func noteContent(_ content: String) throws -> String {
        var validator = Validator()
        validator.check(!content.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty, ["body", "content"],
                        "content must not be empty", type: "string_too_short")
        validator.check(content.count <= 20_000, ["body", "content"], "content must be at most 20000 characters", type: "string_too_long")
        validator.check(!InputRules.hasNUL(content), ["body", "content"], "content must not contain NUL characters")
        try validator.finish()
        return content
    }

    func listNotes(_ input: Operations.ListNotes.Input) async throws -> Operations.ListNotes.Output {
        let user = try await auth.authorize(.read)
        let patientId = try InputRules.recordID(input.path.id, "Patient")
        let limit = try InputRules.limit(input.query.limit)
        let cursor = try InputRules.cursor(input.query.cursor)
        guard let page = try await store.notes(userId: user.id, patientId: patientId, limit: limit, after: cursor) else {
            throw APIError.notFound("Patient")
        }
        return .ok(.init(body: .json(.init(items: page.items.map(Components.Schemas.ClinicalNote.init), nextCursor: page.next?.encoded))))
    }

    func createNote(_ input: Operations.CreateNote.Input) async throws -> Operations.CreateNote.Output {
        guard case .json(let body) = input.body else { throw APIError(.unsupportedMediaType, "expected application/json") }
        let user = try await auth.authorize(.write)
        let patientId = try InputRules.recordID(input.path.id, "Patient")
        let content = try Self.noteContent(body.content)
        guard let note = try await store.createNote(userId: user.id, patientId: patientId, content: content, now: now) else {
            throw APIError.notFound("Patient")
        }
        return .created(.init(body: .json(.init(note))))
    }

    func getNote(_ input: Operations.GetNote.Input) async throws -> Operations.GetNote.Output {
        let user = try await auth.authorize(.read)
        let patientId = try InputRules.recordID(input.path.id, "Note")
        let noteId = try InputRules.recordID(input.path.noteId, "Note")
        guard let note = try await store.note(userId: user.id, patientId: patientId, id: noteId) else { throw APIError.notFound("Note") }
        return .ok(.init(body: .json(.init(note))))
    }

    func amendNote(_ input: Operations.AmendNote.Input) async throws -> Operations.AmendNote.Output {
        guard case .json(let body) = input.body else { throw APIError(.unsupportedMediaType, "expected application/json") }
        let user = try await auth.authorize(.write)
        let patientId = try InputRules.recordID(input.path.id, "Note")
        let noteId = try InputRules.recordID(input.path.noteId, "Note")
        let content = try Self.noteContent(body.content)
        guard let note = try await store.amendNote(userId: user.id, patientId: patientId, id: noteId, content: content, now: now) else {
            throw APIError.notFound("Note")
        }
        return .ok(.init(body: .json(.init(note))))
    }

    func deleteNote(_ input: Operations.DeleteNote.Input) async throws -> Operations.DeleteNote.Output {
        let user = try await auth.authorize(.write)
        let patientId = try InputRules.recordID(input.path.id, "Note")
        let noteId = try InputRules.recordID(input.path.noteId, "Note")
        guard try await store.deleteNote(userId: user.id, patientId: patientId, id: noteId) else { throw APIError.notFound("Note") }
        return .noContent(.init())
    }
}
