import ClinicAPI
import Foundation

// The messages of one component each: `update` routes `.calendar(…)` to the calendar and so on,
// by one switch, and each component switches over its own messages only.

/// The records' answers: pages of patients and of notes, a patient or note saved or refused, the
/// search's pause, a note's save retried once the server is back.
public enum RecordsMsg: Equatable, Sendable {
    case patientsLoaded(requestID: Int, items: [Patient], nextCursor: String?, append: Bool)
    case patientsFailed(requestID: Int, ClientFailure)
    case notesLoaded(patientID: String, items: [ClinicalNote], nextCursor: String?, append: Bool)
    case notesFailed(patientID: String, ClientFailure)
    case patientSaved(Patient, isNew: Bool)
    case patientSaveFailed(ClientFailure)
    /// Patients found by the name or phone of one about to be registered.
    case possibleDuplicatesFound([Patient])
    case patientDeleted(id: String)
    case patientDeleteFailed(ClientFailure)
    case noteSaved(patientID: String, ClinicalNote, draftKey: String)
    case noteSaveFailed(ClientFailure, draftKey: String)
    case searchDebounced(generation: Int)
    case retryNoteSave(draftKey: String)
}

/// The calendar's answers: a range of appointments, one patient's, a booking saved or refused, the
/// booking form's patient search.
public enum CalendarMsg: Equatable, Sendable {
    case appointmentsLoaded(requestID: Int, items: [Appointment])
    case appointmentsFailed(requestID: Int, ClientFailure)
    case patientAppointmentsLoaded(patientID: String, [Appointment])
    case appointmentSaved(Appointment, isNew: Bool)
    case appointmentSaveFailed(ClientFailure)
    case appointmentUpdateFailed(id: String, ClientFailure)
    case bookingSearchDebounced(generation: Int)
    case bookingPatientsLoaded(generation: Int, [Patient])
}

/// The staff screen's answers (the roster itself, `Msg.staffLoaded`, is the whole app's: the
/// calendar's doctors come from it).
public enum StaffMsg: Equatable, Sendable {
    case invitationsLoaded([Invitation])
    case staffFailed(ClientFailure)
    case invitationCreated(CreatedInvitation)
    case invitationFailed(ClientFailure)
    case invitationWithdrawn(id: String)
    case staffMemberChanged(StaffMember)
    case staffChangeFailed(ClientFailure)
    case clinicRenamed(name: String)
    case clinicRenameFailed(APIFailure)
}

/// A page of the audit log; `key` names the request it answers.
public enum AuditMsg: Equatable, Sendable {
    case loaded(key: String, items: [AuditEvent], nextCursor: String?, append: Bool)
    case failed(key: String, ClientFailure)
}

public enum NoteVersionsMsg: Equatable, Sendable {
    case loaded(noteID: String, [NoteVersion])
    case failed(noteID: String, APIFailure)
}

/// The documents pane: its list, transfers and their progress, a deletion, path completion.
public enum DocumentsMsg: Equatable, Sendable {
    case documentsLoaded(patientID: String, [Document])
    case documentsFailed(patientID: String, ClientFailure)
    case transferProgress(done: Int64, total: Int64)
    case documentUploaded(patientID: String, Document)
    case documentUploadFailed(ClientFailure)
    case documentDownloaded(path: String)
    case documentDownloadFailed(ClientFailure)
    case documentDeleted(id: String)
    case documentDeleteFailed(ClientFailure)
    case pathCompleted(input: String, completed: String, candidates: [String])
}

public enum AnalyticsMsg: Equatable, Sendable {
    case loaded(key: String, growth: [GrowthPoint], outcomes: [OutcomePoint])
    case failed(key: String, ClientFailure)
}

/// The upgrade dialog: plans, a checkout, the test payment, polling the plan, the browser.
public enum UpgradeMsg: Equatable, Sendable {
    case plansLoaded([PlanOffer])
    case plansFailed(ClientFailure)
    case checkoutCreated(sessionID: String, url: String)
    case checkoutFailed(ClientFailure)
    case localCheckoutConfirmed
    case pollUpgrade
    case browserOpened(error: String?)
}
