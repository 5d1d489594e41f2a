import ClinicAPI
import ClinicStore
import Foundation

extension ClinicAPIHandler {
    static let maximumListSpan: Int64 = 366 * 86_400_000
    static let maximumAppointmentLength: Int64 = 24 * 3_600_000

    func listAppointments(_ input: Operations.ListAppointments.Input) async throws -> Operations.ListAppointments.Output {
        let user = try await auth.authorize(.read)
        let limit = try InputRules.limit(input.query.limit)
        let cursor = try InputRules.cursor(input.query.cursor)
        let from = input.query.from.map(Clock.millis)
        let to = input.query.to.map(Clock.millis)
        if let from, let to {
            if to <= from { throw APIError.invalid(["query", "to"], "to must be after from") }
            if to - from > Self.maximumListSpan { throw APIError.invalid(["query", "to"], "from and to must be at most 366 days apart") }
        }
        var patientId: String?
        if let requested = input.query.patientId {
            // A malformed id names no patient of anyone's: an empty list, as for another doctor's patient.
            guard RecordID.isWellFormed(requested) else {
                return .ok(.init(body: .json(.init(items: [], nextCursor: nil))))
            }
            patientId = requested
        }
        let page = try await store.appointments(userId: user.id, from: from, to: to, patientId: patientId, limit: limit, after: cursor)
        return .ok(.init(body: .json(.init(items: page.items.map(Components.Schemas.Appointment.init), nextCursor: page.next?.encoded))))
    }

    func createAppointment(_ input: Operations.CreateAppointment.Input) async throws -> Operations.CreateAppointment.Output {
        guard case .json(let body) = input.body else { throw APIError(.unsupportedMediaType, "expected application/json") }
        let user = try await auth.authorize(.write)
        let fields = try Self.appointmentFields(patientId: body.patientId, startsAt: body.startsAt, endsAt: body.endsAt,
                                                reason: body.reason, status: body.status?.rawValue, isCreate: true)
        let saved = try Self.outcome(try await store.saveAppointment(userId: user.id, id: nil, fields: fields, now: now))
        return .created(.init(body: .json(.init(saved))))
    }

    func getAppointment(_ input: Operations.GetAppointment.Input) async throws -> Operations.GetAppointment.Output {
        let user = try await auth.authorize(.read)
        let id = try InputRules.recordID(input.path.id, "Appointment")
        guard let appointment = try await store.appointment(userId: user.id, id: id) else { throw APIError.notFound("Appointment") }
        return .ok(.init(body: .json(.init(appointment))))
    }

    func updateAppointment(_ input: Operations.UpdateAppointment.Input) async throws -> Operations.UpdateAppointment.Output {
        guard case .json(let body) = input.body else { throw APIError(.unsupportedMediaType, "expected application/json") }
        let user = try await auth.authorize(.write)
        let id = try InputRules.recordID(input.path.id, "Appointment")
        let fields = try Self.appointmentFields(patientId: body.patientId, startsAt: body.startsAt, endsAt: body.endsAt,
                                                reason: body.reason, status: body.status?.rawValue, isCreate: false)
        if fields.startsAt != nil || fields.endsAt != nil, let existing = try await store.appointment(userId: user.id, id: id) {
            // A move that sends only one end is checked against the other, stored one.
            try Self.checkSpan(start: fields.startsAt ?? existing.startsAt, end: fields.endsAt ?? existing.endsAt)
        }
        let saved = try Self.outcome(try await store.saveAppointment(userId: user.id, id: id, fields: fields, now: now))
        return .ok(.init(body: .json(.init(saved))))
    }

    func deleteAppointment(_ input: Operations.DeleteAppointment.Input) async throws -> Operations.DeleteAppointment.Output {
        let user = try await auth.authorize(.write)
        let id = try InputRules.recordID(input.path.id, "Appointment")
        guard try await store.deleteAppointment(userId: user.id, id: id) else { throw APIError.notFound("Appointment") }
        return .noContent(.init())
    }

    static func appointmentFields(patientId: String?, startsAt: Date?, endsAt: Date?, reason: String?, status: String?,
                                  isCreate: Bool) throws -> AppointmentFields {
        var fields = AppointmentFields(patientId: patientId, startsAt: startsAt.map(Clock.millis), endsAt: endsAt.map(Clock.millis),
                                       status: status)
        if let patientId, !RecordID.isWellFormed(patientId) { throw APIError.notFound("Patient") }
        if let reason {
            let trimmed = reason.trimmingCharacters(in: .whitespacesAndNewlines)
            var validator = Validator()
            validator.check(trimmed.count <= 500, ["body", "reason"], "reason must be at most 500 characters", type: "string_too_long")
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
        case .conflict(let other):
            let start = RFC3339DateTranscoder.format(Clock.date(other.startsAt))
            let end = RFC3339DateTranscoder.format(Clock.date(other.endsAt))
            throw APIError(.conflict, "Overlaps the appointment of \(other.patientName) from \(start) to \(end) (id \(other.id))",
                           code: "appointment_conflict")
        }
    }
}
