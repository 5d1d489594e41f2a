import ClinicAPI
import ClinicStore
import Foundation

// Stored records → the contract's shapes.

extension Components.Schemas.User {
    init(_ user: UserRecord) {
        self.init(id: user.id, username: user.username, email: user.email,
                  plan: Components.Schemas.Plan(rawValue: user.plan) ?? .basic,
                  status: Components.Schemas.SubscriptionStatus(rawValue: user.status) ?? .inactive,
                  trialEndsAt: user.trialEndsAt.map(Clock.date), createdAt: Clock.date(user.createdAt))
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
                  updatedAt: Clock.date(note.updatedAt), version: Int(note.version))
    }
}

extension Components.Schemas.Appointment {
    init(_ appointment: AppointmentRecord) {
        self.init(id: appointment.id, patientId: appointment.patientId, patientName: appointment.patientName,
                  startsAt: Clock.date(appointment.startsAt), endsAt: Clock.date(appointment.endsAt), reason: appointment.reason,
                  status: Components.Schemas.AppointmentStatus(rawValue: appointment.status) ?? .scheduled,
                  createdAt: Clock.date(appointment.createdAt), updatedAt: Clock.date(appointment.updatedAt))
    }
}
