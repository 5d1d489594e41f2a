import ClinicAPI
import ClinicStore
import Foundation

extension ClinicAPIHandler {
    static let maximumListSpan: Int64 = 366 * 86_400_000
    static let maximumAppointmentLength: Int64 = 24 * 3_600_000

    func listAppointments(_ input: Operations.ListAppointments.Input) async throws -> Operations.ListAppointments.Output {
        let caller = try await auth.authenticate()
        return try await auditingRefusals(caller, .appointmentsList, patientId: input.query.patientId) { subject in
            try allow(caller, Operations.ListAppointments.id)
            let limit = try InputRules.limit(input.query.limit)
            let cursor = try InputRules.cursor(input.query.cursor)
            let from = input.query.from.map(Clock.millis)
            let to = input.query.to.map(Clock.millis)
            if let from, let to {
                if to <= from { throw APIError.invalid(["query", "to"], "to must be after from") }
                if to - from > Self.maximumListSpan { throw APIError.invalid(["query", "to"], "from and to must be at most 366 days apart") }
            }
            // A malformed id names no patient or doctor of anyone's: an empty list, as for another clinic's.
            if let requested = input.query.patientId, !RecordID.isWellFormed(requested) {
                return .ok(.init(body: .json(.init(items: [], nextCursor: nil))))
            }
            if let provider = input.query.providerId, !RecordID.isWellFormed(provider) {
                return .ok(.init(body: .json(.init(items: [], nextCursor: nil))))
            }
            let page = try await store.appointments(clinicId: caller.clinicId, from: from, to: to, patientId: input.query.patientId,
                                                    providerId: input.query.providerId, limit: limit, after: cursor)
            var patient: PatientRecord?
            if let patientId = input.query.patientId { patient = try await store.patient(clinicId: caller.clinicId, id: patientId) }
            try await recordRead(caller, .appointmentsList, patient: patient, patientId: input.query.patientId)
            return .ok(.init(body: .json(.init(items: page.items.map(Components.Schemas.Appointment.init), nextCursor: page.next?.encoded))))
        }
    }

    func createAppointment(_ input: Operations.CreateAppointment.Input) async throws -> Operations.CreateAppointment.Output {
        guard case .json(let body) = input.body else { throw APIError(.unsupportedMediaType, "expected application/json") }
        let caller = try await auth.authenticate()
        return try await auditingRefusals(caller, .appointmentCreate, patientId: body.patientId) { subject in
            // Another clinic's patient is 404 before any role or plan rule.
            subject.patient = try await ownPatient(caller, body.patientId)
            try allow(caller, Operations.CreateAppointment.id)
            var fields = try Self.appointmentFields(patientId: body.patientId, startsAt: body.startsAt, endsAt: body.endsAt,
                                                    reason: body.reason, status: body.status?.rawValue, isCreate: true)
            fields.providerId = try await provider(for: caller, requested: body.providerId)
            let saved = try Self.outcome(try await store.saveAppointment(clinicId: caller.clinicId, id: nil, fields: fields, now: now,
                                                                         audit: auditEntry(caller, .appointmentCreate, status: 201)))
            return .created(.init(body: .json(.init(saved))))
        }
    }

    /// Whose calendar a booking goes on: the one named; else the caller, a doctor or owner; else,
    /// for the front desk, the clinic's only doctor. Several doctors and none named: 422.
    func provider(for caller: CallerRecord, requested: String?) async throws -> String {
        if let requested {
            guard RecordID.isWellFormed(requested),
                  try await store.providers(clinicId: caller.clinicId).contains(where: { $0.id == requested })
            else { throw APIError.invalid(["body", "provider_id"], "provider_id must be one of the clinic's active doctors") }
            return requested
        }
        if caller.user.role.isClinician { return caller.userId }
        let providers = try await store.providers(clinicId: caller.clinicId)
        guard providers.count == 1, let only = providers.first else {
            throw APIError.invalid(["body", "provider_id"], providers.isEmpty
                ? "the clinic has no active doctor to book with"
                : "the clinic has several doctors: name the one to book with (provider_id)", type: "missing")
        }
        return only.id
    }

    func getAppointment(_ input: Operations.GetAppointment.Input) async throws -> Operations.GetAppointment.Output {
        let caller = try await auth.authenticate()
        return try await auditingRefusals(caller, .appointmentView, patientId: nil, record: ("appointment", String(input.path.id.prefix(64)))) { subject in
            let id = try InputRules.recordID(input.path.id, "Appointment")
            guard let appointment = try await store.appointment(clinicId: caller.clinicId, id: id) else { throw APIError.notFound("Appointment") }
            subject.patient = try await store.patient(clinicId: caller.clinicId, id: appointment.patientId)
            try allow(caller, Operations.GetAppointment.id)
            try await recordRead(caller, .appointmentView, patient: subject.patient, patientId: appointment.patientId, record: ("appointment", id))
            return .ok(.init(body: .json(.init(appointment))))
        }
    }

    func updateAppointment(_ input: Operations.UpdateAppointment.Input) async throws -> Operations.UpdateAppointment.Output {
        guard case .json(let body) = input.body else { throw APIError(.unsupportedMediaType, "expected application/json") }
        let caller = try await auth.authenticate()
        return try await auditingRefusals(caller, .appointmentUpdate, patientId: body.patientId, record: ("appointment", String(input.path.id.prefix(64)))) { subject in
            let id = try InputRules.recordID(input.path.id, "Appointment")
            guard let existing = try await store.appointment(clinicId: caller.clinicId, id: id) else { throw APIError.notFound("Appointment") }
            subject.patient = try await store.patient(clinicId: caller.clinicId, id: existing.patientId)
            try allow(caller, Operations.UpdateAppointment.id)
            var fields = try Self.appointmentFields(patientId: body.patientId, startsAt: body.startsAt, endsAt: body.endsAt,
                                                    reason: body.reason, status: body.status?.rawValue, isCreate: false)
            if fields.startsAt != nil || fields.endsAt != nil {
                // A move that sends only one end is checked against the other, stored one.
                try Self.checkSpan(start: fields.startsAt ?? existing.startsAt, end: fields.endsAt ?? existing.endsAt)
            }
            if let requested = body.providerId { fields.providerId = try await provider(for: caller, requested: requested) }
            let saved = try Self.outcome(try await store.saveAppointment(clinicId: caller.clinicId, id: id, fields: fields, now: now,
                                                                         audit: auditEntry(caller, .appointmentUpdate, status: 200)))
            return .ok(.init(body: .json(.init(saved))))
        }
    }

    func deleteAppointment(_ input: Operations.DeleteAppointment.Input) async throws -> Operations.DeleteAppointment.Output {
        let caller = try await auth.authenticate()
        return try await auditingRefusals(caller, .appointmentDelete, patientId: nil, record: ("appointment", String(input.path.id.prefix(64)))) { subject in
            let id = try InputRules.recordID(input.path.id, "Appointment")
            guard let existing = try await store.appointment(clinicId: caller.clinicId, id: id) else { throw APIError.notFound("Appointment") }
            subject.patient = try await store.patient(clinicId: caller.clinicId, id: existing.patientId)
            try allow(caller, Operations.DeleteAppointment.id)
            guard try await store.deleteAppointment(clinicId: caller.clinicId, id: id, audit: auditEntry(caller, .appointmentDelete, status: 204))
            else { throw APIError.notFound("Appointment") }
            return .noContent(.init())
        }
    }

    static func appointmentFields(patientId: String?, startsAt: Date?, endsAt: Date?, reason: String?, status: String?,
                                  isCreate: Bool) throws -> AppointmentFields {
        var fields = AppointmentFields(patientId: patientId, startsAt: startsAt.map(Clock.millis), endsAt: endsAt.map(Clock.millis),
                                       status: status)
        if let patientId, !RecordID.isWellFormed(patientId) { throw APIError.notFound("Patient") }
        if let reason {
            let trimmed = reason.trimmingCharacters(in: .whitespacesAndNewlines)
            var validator = Validator()
            validator.check(trimmed.unicodeScalars.count <= 500, ["body", "reason"], "reason must be at most 500 characters", type: "string_too_long")
            validator.check(!InputRules.hasNUL(trimmed), ["body", "reason"], "reason must not contain NUL characters")
            try validator.finish()
            fields.reason = .some(trimmed.isEmpty ? nil : trimmed)
        }
        if isCreate || (fields.startsAt != nil && fields.endsAt != nil), let start = fields.startsAt, let end = fields.endsAt {
            try checkSpan(start: start, end: end)
        }
        return fields
    }

    static func checkSpan(start: Int64, end: Int64) throws {
        if end <= start { throw APIError.invalid(["body", "ends_at"], "ends_at must be after starts_at") }
        if end - start > maximumAppointmentLength {
            throw APIError.invalid(["body", "ends_at"], "an appointment lasts at most 24 hours")
        }
    }

    static func outcome(_ result: AppointmentWriteResult) throws -> AppointmentRecord {
        switch result {
        case .saved(let appointment): return appointment
        case .notFound: throw APIError.notFound("Appointment")
        case .patientNotFound: throw APIError.notFound("Patient")
        case .providerNotFound: throw APIError.invalid(["body", "provider_id"], "provider_id must be one of the clinic's active doctors")
        case .conflict(let other):
            let start = RFC3339DateTranscoder.format(Clock.date(other.startsAt))
            let end = RFC3339DateTranscoder.format(Clock.date(other.endsAt))
            throw APIError(.conflict, "Overlaps the appointment of \(other.patientName) with \(other.providerName) from \(start) to \(end) (id \(other.id))",
                           code: "appointment_conflict")
        }
    }
}
