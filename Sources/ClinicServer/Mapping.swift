import ClinicAPI
import ClinicStore
import Foundation

// Stored records → the contract's shapes.

extension Components.Schemas.User {
    init(_ caller: CallerRecord) {
        self.init(id: caller.user.id, username: caller.user.username, email: caller.user.email, plan: caller.plan, status: caller.status,
                  trialEndsAt: caller.clinic.trialEndsAt.map(Clock.date), createdAt: Clock.date(caller.user.createdAt),
                  role: caller.role, clinic: .init(id: caller.clinic.id, name: caller.clinic.name))
    }
}

extension Components.Schemas.Patient {
    init(_ patient: PatientRecord) {
        self.init(id: patient.id, name: patient.name, phoneNumber: patient.phoneNumber, address: patient.address,
                  notes: patient.notes, dateOfBirth: patient.dateOfBirth, sex: patient.sex,
                  createdAt: Clock.date(patient.createdAt), updatedAt: Clock.date(patient.updatedAt))
    }
}

extension Components.Schemas.ClinicalNote {
    init(_ note: NoteRecord) {
        self.init(id: note.id, patientId: note.patientId, content: note.content, createdAt: Clock.date(note.createdAt),
                  updatedAt: Clock.date(note.updatedAt), version: Int(note.version), authorId: note.authorId, authorName: note.authorName)
    }
}

extension Components.Schemas.Appointment {
    init(_ appointment: AppointmentRecord) {
        self.init(id: appointment.id, patientId: appointment.patientId, patientName: appointment.patientName,
                  startsAt: Clock.date(appointment.startsAt), endsAt: Clock.date(appointment.endsAt), reason: appointment.reason,
                  status: Components.Schemas.AppointmentStatus(rawValue: appointment.status) ?? .scheduled,
                  createdAt: Clock.date(appointment.createdAt), updatedAt: Clock.date(appointment.updatedAt),
                  providerId: appointment.providerId, providerName: appointment.providerName, arrivedAt: appointment.arrivedAt.map(Clock.date))
    }
}

extension Components.Schemas.StaffMember {
    /// `email` and `last_seen_at` only for an owner asking.
    init(_ member: StaffRecord, seenByOwner: Bool) {
        self.init(id: member.id, username: member.username, role: Components.Schemas.Role(rawValue: member.role.rawValue) ?? .frontDesk,
                  active: member.active, email: seenByOwner ? member.email : nil,
                  lastSeenAt: seenByOwner ? member.lastSeenAt.map(Clock.date) : nil)
    }
}

extension Components.Schemas.Clinic {
    init(_ clinic: ClinicRecord, seats: SeatCount) {
        self.init(id: clinic.id, name: clinic.name, plan: Components.Schemas.Plan(rawValue: clinic.plan) ?? .basic,
                  status: Components.Schemas.SubscriptionStatus(rawValue: clinic.status) ?? .inactive,
                  trialEndsAt: clinic.trialEndsAt.map(Clock.date), createdAt: Clock.date(clinic.createdAt),
                  seats: .init(doctors: seats.doctors, frontDesk: seats.frontDesk, maxDoctors: seats.maxDoctors, maxFrontDesk: seats.maxFrontDesk))
    }
}

extension Components.Schemas.Invitation {
    init(_ invitation: InvitationRecord) {
        self.init(id: invitation.id, email: invitation.email, role: Components.Schemas.Role(rawValue: invitation.role.rawValue) ?? .frontDesk,
                  createdAt: Clock.date(invitation.createdAt), expiresAt: Clock.date(invitation.expiresAt))
    }
}

extension Components.Schemas.AuditEvent {
    init(_ event: AuditEventRecord) {
        let entry = event.entry
        self.init(id: event.id, at: Clock.date(entry.at), actorId: entry.actorId, actorName: entry.actorName, actorRole: entry.actorRole,
                  action: entry.action, patientId: entry.patientId, patientName: entry.patientName, recordType: entry.recordType,
                  recordId: entry.recordId, ip: entry.ip, status: entry.status)
    }
}
