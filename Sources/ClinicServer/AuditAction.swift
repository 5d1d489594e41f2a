/// What an audit event says was done (the contract's list, with a few more; the list is open).
enum AuditAction: String, Sendable, CaseIterable {
    case patientsList = "patients.list"
    case patientView = "patient.view"
    case patientCreate = "patient.create"
    case patientUpdate = "patient.update"
    case patientDelete = "patient.delete"
    case notesList = "notes.list"
    case noteView = "note.view"
    case noteCreate = "note.create"
    case noteAmend = "note.amend"
    case noteDelete = "note.delete"
    case appointmentsList = "appointments.list"
    case appointmentView = "appointment.view"
    case appointmentCreate = "appointment.create"
    case appointmentUpdate = "appointment.update"
    case appointmentDelete = "appointment.delete"
    case documentList = "document.list"
    case documentUpload = "document.upload"
    case documentDownload = "document.download"
    case documentDelete = "document.delete"
    case signinSuccess = "signin.success"
    case signinFailure = "signin.failure"
    case staffInvite = "staff.invite"
    case staffWithdraw = "staff.invite_withdraw"
    case staffJoin = "staff.join"
    case staffUpdate = "staff.update"
    case clinicUpdate = "clinic.update"

    /// Whether the action reads or changes a patient's data (a refusal of it is logged too).
    var touchesPatientData: Bool {
        switch self {
        case .signinSuccess, .signinFailure, .staffInvite, .staffWithdraw, .staffJoin, .staffUpdate, .clinicUpdate: return false
        default: return true
        }
    }
}
