import ClinicAPI
import ClinicStore
import Foundation

// MARK: Patients

extension ClinicAPIHandler {
    func listPatients(_ input: Operations.ListPatients.Input) async throws -> Operations.ListPatients.Output {
        let page = try await patientListPage(q: input.query.q, limit: input.query.limit, cursor: input.query.cursor)
        return .ok(.init(body: .json(.init(items: page.items.map(Components.Schemas.Patient.init), nextCursor: page.next?.encoded))))
    }

    /// The list's work, shared by the generated route and `PatientListFastPath` (which writes the
    /// same answer's JSON itself).
    func patientListPage(q: String?, limit: Int?, cursor: String?) async throws -> Page<PatientRecord> {
        let caller = try await auth.authenticate()
        return try await auditingRefusals(caller, .patientsList, patientId: nil) { _ in
            try allow(caller, Operations.ListPatients.id)
            let limit = try InputRules.limit(limit)
            let cursor = try InputRules.cursor(cursor)
            if let q, q.count > 200 {
                throw APIError.invalid(["query", "q"], "search text must be at most 200 characters", type: "string_too_long")
            }
            let page = try await store.patients(clinicId: caller.clinicId, query: q, limit: limit, after: cursor)
            // One event per page, never with the search text (it is patient data).
            try await recordRead(caller, .patientsList, patient: nil)
            return page
        }
    }

    func createPatient(_ input: Operations.CreatePatient.Input) async throws -> Operations.CreatePatient.Output {
        guard case .json(let body) = input.body else { throw APIError(.unsupportedMediaType, "expected application/json") }
        let caller = try await auth.authenticate()
        return try await auditingRefusals(caller, .patientCreate, patientId: nil) { subject in
            try allow(caller, Operations.CreatePatient.id)
            let fields = try PatientInput.validate(name: body.name, phoneNumber: body.phoneNumber, address: body.address, notes: body.notes,
                                                   dateOfBirth: body.dateOfBirth, sex: body.sex?.rawValue, isCreate: true)
            let patient = try await store.createPatient(clinicId: caller.clinicId, fields: fields, now: now,
                                                        audit: auditEntry(caller, .patientCreate, status: 201))
            return .created(.init(body: .json(.init(patient))))
        }
    }

    func getPatient(_ input: Operations.GetPatient.Input) async throws -> Operations.GetPatient.Output {
        let caller = try await auth.authenticate()
        return try await auditingRefusals(caller, .patientView, patientId: input.path.id) { subject in
            let id = try InputRules.recordID(input.path.id, "Patient")
            guard let patient = try await store.patient(clinicId: caller.clinicId, id: id) else { throw APIError.notFound("Patient") }
            subject.patient = patient
            try allow(caller, Operations.GetPatient.id)
            try await recordRead(caller, .patientView, patient: patient, record: ("patient", patient.id))
            return .ok(.init(body: .json(.init(patient))))
        }
    }

    func updatePatient(_ input: Operations.UpdatePatient.Input) async throws -> Operations.UpdatePatient.Output {
        guard case .json(let body) = input.body else { throw APIError(.unsupportedMediaType, "expected application/json") }
        let caller = try await auth.authenticate()
        return try await auditingRefusals(caller, .patientUpdate, patientId: input.path.id) { subject in
            let id = try InputRules.recordID(input.path.id, "Patient")
            subject.patient = try await store.patient(clinicId: caller.clinicId, id: id)
            guard subject.patient != nil else { throw APIError.notFound("Patient") }
            try allow(caller, Operations.UpdatePatient.id)
            let fields = try PatientInput.validate(name: body.name, phoneNumber: body.phoneNumber, address: body.address, notes: body.notes,
                                                   dateOfBirth: body.dateOfBirth, sex: body.sex?.rawValue, isCreate: false)
            guard let patient = try await store.updatePatient(clinicId: caller.clinicId, id: id, fields: fields, now: now,
                                                              audit: auditEntry(caller, .patientUpdate, status: 200))
            else { throw APIError.notFound("Patient") }
            return .ok(.init(body: .json(.init(patient))))
        }
    }

    func deletePatient(_ input: Operations.DeletePatient.Input) async throws -> Operations.DeletePatient.Output {
        let caller = try await auth.authenticate()
        return try await auditingRefusals(caller, .patientDelete, patientId: input.path.id) { subject in
            let id = try InputRules.recordID(input.path.id, "Patient")
            subject.patient = try await store.patient(clinicId: caller.clinicId, id: id)
            guard subject.patient != nil else { throw APIError.notFound("Patient") }
            try allow(caller, Operations.DeletePatient.id)
            let keys = try await store.documentKeys(clinicId: caller.clinicId, patientId: id)
            guard try await store.deletePatient(clinicId: caller.clinicId, id: id, audit: auditEntry(caller, .patientDelete, status: 204)) else {
                throw APIError.notFound("Patient")
            }
            // The rows went with the patient (cascade); their stored files go now.
            for key in keys { await storage.delete(key: key) }
            return .noContent(.init())
        }
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
            validator.check((1...200).contains(trimmed.unicodeScalars.count), ["body", "name"], "name must be 1 to 200 characters")
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
        fields.address = optional(address, "address", { $0.unicodeScalars.count <= 500 && !InputRules.hasNUL($0) },
                                  "address must be at most 500 characters, without NUL characters")
        fields.notes = optional(notes, "notes", { $0.unicodeScalars.count <= 5000 && !InputRules.hasNUL($0) },
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
        validator.check(content.unicodeScalars.count <= 20_000, ["body", "content"], "content must be at most 20000 characters", type: "string_too_long")
        validator.check(!InputRules.hasNUL(content), ["body", "content"], "content must not contain NUL characters")
        try validator.finish()
        return content
    }

    /// The clinic's patient named by a path, or 404 (before any role or plan rule).
    func ownPatient(_ caller: CallerRecord, _ id: String, _ what: String = "Patient") async throws -> PatientRecord {
        let id = try InputRules.recordID(id, what)
        guard let patient = try await store.patient(clinicId: caller.clinicId, id: id) else { throw APIError.notFound(what) }
        return patient
    }

    func listNotes(_ input: Operations.ListNotes.Input) async throws -> Operations.ListNotes.Output {
        let caller = try await auth.authenticate()
        return try await auditingRefusals(caller, .notesList, patientId: input.path.id) { subject in
            let patient = try await ownPatient(caller, input.path.id)
            subject.patient = patient
            try allow(caller, Operations.ListNotes.id)
            let limit = try InputRules.limit(input.query.limit)
            let cursor = try InputRules.cursor(input.query.cursor)
            let page = try await store.notes(clinicId: caller.clinicId, patientId: patient.id, limit: limit, after: cursor)
            try await recordRead(caller, .notesList, patient: patient)
            return .ok(.init(body: .json(.init(items: page.items.map(Components.Schemas.ClinicalNote.init), nextCursor: page.next?.encoded))))
        }
    }

    func createNote(_ input: Operations.CreateNote.Input) async throws -> Operations.CreateNote.Output {
        guard case .json(let body) = input.body else { throw APIError(.unsupportedMediaType, "expected application/json") }
        let caller = try await auth.authenticate()
        return try await auditingRefusals(caller, .noteCreate, patientId: input.path.id) { subject in
            let patient = try await ownPatient(caller, input.path.id)
            subject.patient = patient
            try allow(caller, Operations.CreateNote.id)
            let content = try Self.noteContent(body.content)
            guard let note = try await store.createNote(clinicId: caller.clinicId, patientId: patient.id, authorId: caller.userId,
                                                        content: content, now: now, audit: auditEntry(caller, .noteCreate, status: 201))
            else { throw APIError.notFound("Patient") }
            return .created(.init(body: .json(.init(note))))
        }
    }

    func getNote(_ input: Operations.GetNote.Input) async throws -> Operations.GetNote.Output {
        let caller = try await auth.authenticate()
        return try await readingNote(caller, Operations.GetNote.id, patientId: input.path.id, noteId: input.path.noteId) { _, note in
            .ok(.init(body: .json(.init(note))))
        }
    }

    /// Every version of a note, oldest first (the current one last).
    func listNoteVersions(_ input: Operations.ListNoteVersions.Input) async throws -> Operations.ListNoteVersions.Output {
        let caller = try await auth.authenticate()
        return try await readingNote(caller, Operations.ListNoteVersions.id, patientId: input.path.id, noteId: input.path.noteId) { _, note in
            // The store keeps the earlier texts; the current one is the note itself, last.
            let earlier = try await store.noteVersions(clinicId: caller.clinicId, noteId: note.id).filter { $0.version < note.version }
            let versions = earlier.map { Components.Schemas.NoteVersion(version: Int($0.version), content: $0.content, createdAt: Clock.date($0.createdAt)) }
                + [Components.Schemas.NoteVersion(version: Int(note.version), content: note.content, createdAt: Clock.date(note.updatedAt))]
            return .ok(.init(body: .json(.init(items: versions))))
        }
    }

    /// A note of a patient of the caller's clinic, read as `operationId` allows: a refusal (403, or
    /// 404 for another clinic's ids) is logged with the ids as sent, the read once it has been read.
    func readingNote<T>(_ caller: CallerRecord, _ operationId: String, patientId: String, noteId: String,
                        _ body: (PatientRecord, NoteRecord) async throws -> T) async throws -> T {
        try await auditingRefusals(caller, .noteView, patientId: patientId, record: ("note", String(noteId.prefix(64)))) { subject in
            let patient = try await ownPatient(caller, patientId, "Note")
            subject.patient = patient
            try allow(caller, operationId)
            let id = try InputRules.recordID(noteId, "Note")
            guard let note = try await store.note(clinicId: caller.clinicId, patientId: patient.id, id: id) else { throw APIError.notFound("Note") }
            let answer = try await body(patient, note)
            try await recordRead(caller, .noteView, patient: patient, record: ("note", note.id))
            return answer
        }
    }

    static let notAuthor = APIError(.forbidden, "Only the note's author can amend or delete it; add a note of your own instead.",
                                    code: Entitlements.Denial.roleForbidden.rawValue)

    func amendNote(_ input: Operations.AmendNote.Input) async throws -> Operations.AmendNote.Output {
        guard case .json(let body) = input.body else { throw APIError(.unsupportedMediaType, "expected application/json") }
        let caller = try await auth.authenticate()
        return try await auditingRefusals(caller, .noteAmend, patientId: input.path.id, record: ("note", String(input.path.noteId.prefix(64)))) { subject in
            let patient = try await ownPatient(caller, input.path.id, "Note")
            subject.patient = patient
            try allow(caller, Operations.AmendNote.id)
            let noteId = try InputRules.recordID(input.path.noteId, "Note")
            guard try await store.note(clinicId: caller.clinicId, patientId: patient.id, id: noteId) != nil else { throw APIError.notFound("Note") }
            let content = try Self.noteContent(body.content)
            switch try await store.amendNote(clinicId: caller.clinicId, patientId: patient.id, id: noteId, authorId: caller.userId,
                                             content: content, now: now, audit: auditEntry(caller, .noteAmend, status: 200)) {
            case .saved(let note): return .ok(.init(body: .json(.init(note))))
            case .notFound: throw APIError.notFound("Note")
            case .notAuthor: throw Self.notAuthor
            }
        }
    }

    func deleteNote(_ input: Operations.DeleteNote.Input) async throws -> Operations.DeleteNote.Output {
        let caller = try await auth.authenticate()
        return try await auditingRefusals(caller, .noteDelete, patientId: input.path.id, record: ("note", String(input.path.noteId.prefix(64)))) { subject in
            let patient = try await ownPatient(caller, input.path.id, "Note")
            subject.patient = patient
            try allow(caller, Operations.DeleteNote.id)
            let noteId = try InputRules.recordID(input.path.noteId, "Note")
            guard try await store.note(clinicId: caller.clinicId, patientId: patient.id, id: noteId) != nil else { throw APIError.notFound("Note") }
            switch try await store.deleteNote(clinicId: caller.clinicId, patientId: patient.id, id: noteId, authorId: caller.userId,
                                              audit: auditEntry(caller, .noteDelete, status: 204)) {
            case .saved: return .noContent(.init())
            case .notFound: throw APIError.notFound("Note")
            case .notAuthor: throw Self.notAuthor
            }
        }
    }
}
