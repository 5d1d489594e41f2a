import ClinicAPI
import Foundation

/// A key press, decoded by the terminal layer.
public enum Key: Equatable, Sendable {
    case character(Character)
    case enter, escape, backspace, delete, tab, backTab
    case up, down, left, right, pageUp, pageDown, home, end
    case control(Character)
    case function(Int)
    /// A press of the first mouse button at a cell (terminals that report the mouse; --no-mouse turns it off).
    case click(x: Int, y: Int)
}

public typealias Patient = Components.Schemas.Patient
public typealias ClinicalNote = Components.Schemas.ClinicalNote
public typealias NoteVersion = Components.Schemas.NoteVersion
public typealias User = Components.Schemas.User
public typealias PlanOffer = Components.Schemas.PlanOffer
public typealias Document = Components.Schemas.Document
public typealias GrowthPoint = Components.Schemas.PatientGrowth.PointsPayloadPayload
public typealias OutcomePoint = Components.Schemas.AppointmentOutcomes.PointsPayloadPayload
public typealias Appointment = Components.Schemas.Appointment
public typealias AppointmentStatus = Components.Schemas.AppointmentStatus
public typealias StaffMember = Components.Schemas.StaffMember
public typealias Invitation = Components.Schemas.Invitation
public typealias CreatedInvitation = Components.Schemas.CreatedInvitation
public typealias AuditEvent = Components.Schemas.AuditEvent
public typealias MemberRole = Components.Schemas.Role


public typealias ClientFailure = APIFailure

extension ClientFailure {
    /// The server refused for the plan or the subscription: the cached user is stale.
    var refusesTheCachedPlan: Bool { code == "pro_required" || code == "subscription_inactive" }

    /// About the account rather than the request: a stale cached plan, or the session expired.
    /// The app deals with those (`ProFeatures.correctStaleCache`); a pane says nothing of its own.
    var isAboutTheAccount: Bool { kind == .sessionExpired || refusesTheCachedPlan }
}

/// Everything that happens to the app: keys, time, and answers from the network.
public enum Msg: Equatable, Sendable {
    case key(Key)
    case resized(width: Int, height: Int)
    case tick(Date)
    case loggedIn(User)
    case authFailed(ClientFailure)
    case userRefreshed(User)
    case staffLoaded([StaffMember])
    /// Answers for one component each, routed by `update`'s one switch.
    case records(RecordsMsg)
    case calendar(CalendarMsg)
    case staff(StaffMsg)
    case audit(AuditMsg)
    case noteVersions(NoteVersionsMsg)
    case documents(DocumentsMsg)
    case analytics(AnalyticsMsg)
    case upgrade(UpgradeMsg)
}

/// Side effects `update` asks for; the runner performs them and answers with `Msg`s.
public enum Command: Equatable, Sendable {
    case login(email: String, password: String)
    case register(name: String, email: String, password: String, invitationCode: String?)
    case refreshUser
    /// The clinic's staff (v2 servers only: the client never asks a v1 server).
    case loadStaff
    case loadInvitations
    case invite(email: String, role: MemberRole)
    case withdrawInvitation(id: String)
    case updateStaffMember(id: String, role: MemberRole?, active: Bool?)
    /// The audit log (owner), newest first; one patient's when given. `key` names the request.
    case loadAudit(key: String, query: AuditQuery, cursor: String?)
    case renameClinic(name: String)
    case loadNoteVersions(patientID: String, noteID: String)
    case loadPatients(requestID: Int, query: String, cursor: String?)
    case loadNotes(patientID: String, cursor: String?)
    case savePatient(id: String?, PatientDraft)
    /// Search by name and by phone digits before a new registration (the answer is filtered by the form).
    case findPossibleDuplicates(name: String, phone: String)
    case deletePatient(id: String)
    case saveNote(patientID: String, noteID: String?, content: String, draftKey: String)
    case saveDraft(key: String, text: String)
    case clearDraft(key: String)
    case cancel(requestID: Int)
    case after(milliseconds: Int, Msg)
    case loadPlans
    case createCheckout
    case confirmLocalCheckout(url: String)
    case loadDocuments(patientID: String)
    case loadAnalytics(key: String, interval: String, from: Date, to: Date)
    case loadAppointments(requestID: Int, from: Date, to: Date)
    case loadPatientAppointments(patientID: String)
    case createAppointment(AppointmentChange)
    case updateAppointment(id: String, AppointmentChange)
    case searchBookingPatients(generation: Int, query: String)
    case uploadDocument(patientID: String, path: String)
    case downloadDocument(Document, folder: String)
    case deleteDocument(id: String)
    case completePath(String)
    case openBrowser(url: String)
    /// Puts text on the terminal's clipboard (OSC 52), done by the terminal loop between frames:
    /// a long address copied whole instead of picked up in wrapped pieces.
    case copyToClipboard(text: String)
    case quit
}
