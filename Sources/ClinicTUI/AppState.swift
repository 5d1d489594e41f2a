import ClinicAPI
import Foundation

/// The whole state of the terminal app. `update` changes it; `view` draws it.
public struct AppState: Equatable, Sendable {
    public enum Pane: Equatable, Sendable { case patients, timeline }
    /// The records (patients with their notes) or the appointment calendar.
    public enum Mode: Equatable, Sendable { case records, calendar, staff, audit }

    public struct LoginForm: Equatable, Sendable {
        public enum Mode: Equatable, Sendable { case login, register }
        public enum Field: Hashable, Sendable {
            case name, email, password, invitation

            /// The request's field: what the server's 422 names.
            var wireName: String {
                switch self {
                case .name: return "username"
                case .email: return "email"
                case .password: return "password"
                case .invitation: return "invitation_code"
                }
            }

            var label: String {
                switch self {
                case .name: return "Full name"
                case .email: return "Email"
                case .password: return "Password"
                case .invitation: return "Invitation"
                }
            }
        }

        public var mode = Mode.login
        public var name = LineField(maxLength: 100)
        public var email = LineField(maxLength: 254)
        public var password = LineField(isSecret: true, maxLength: 256)
        /// A code from the clinic's owner joins that clinic; empty founds a clinic of one's own.
        public var invitation = LineField(maxLength: 32)
        public var focus = Field.email
        public var error: String?
        /// By the request's field name, as the server's 422 gives them.
        public var fieldErrors: [String: String] = [:]
        public var busy = false

        /// The fields shown, in Tab order.
        public var fields: [Field] { mode == .register ? [.name, .email, .password, .invitation] : [.email, .password] }

        func value(_ field: Field) -> LineField {
            switch field {
            case .name: return name
            case .email: return email
            case .password: return password
            case .invitation: return invitation
            }
        }

        mutating func edit(_ field: Field, _ body: (inout LineField) -> Void) {
            switch field {
            case .name: body(&name)
            case .email: body(&email)
            case .password: body(&password)
            case .invitation: body(&invitation)
            }
        }

        mutating func focusNext(by step: Int) {
            let shown = fields
            let index = shown.firstIndex(of: focus) ?? 0
            focus = shown[(index + step + shown.count) % shown.count]
        }
    }

    public struct PatientList: Equatable, Sendable {
        public var items: [Patient] = []
        public var nextCursor: String?
        public var search = LineField(maxLength: 200)
        public var searchFocused = false
        /// The query the items answer (the search box may be ahead of it while debouncing).
        public var loadedQuery = ""
        public var selected = 0
        /// The patient the user picked in the list (moved to, clicked, opened), not merely the first
        /// row of a fresh list: only such a patient is offered when booking from the calendar.
        public var chosenID: String?
        public var scroll = 0
        public var loading = false
        public var requestID = 0
        public var generation = 0
        public var error: String?
    }

    public struct Timeline: Equatable, Sendable {
        public var patientID: String?
        public var notes: [ClinicalNote] = []
        public var nextCursor: String?
        public var loading = false
        public var error: String?
        /// Lines scrolled within the selected note (PgDn/PgUp), which is shown whole, never cut.
        public var noteScroll = 0
        public var selected = 0
        /// The patient's appointments a year either side of today, for the pane's header.
        public var appointments: [Appointment] = []
    }

    public struct NoteEditorState: Equatable, Sendable {
        public var patientID: String
        public var patientName: String
        /// nil for a new note; the note being amended otherwise.
        public var noteID: String?
        public var version: Int?
        public var editor: TextEditor
        public var error: String?
        public var saving = false
        public var retrying = false

        public var draftKey: String { "note-\(patientID)" + (noteID.map { "-\($0)" } ?? "") }
    }

    /// What the right-hand pane shows for the selected patient.
    public enum RightPane: Equatable, Sendable { case notes, documents, analytics }

    public struct UpgradeState: Equatable, Sendable {
        public var plans: [PlanOffer] = []
        public var loading = true
        public var error: String?
        public var checkoutURL: String?
        public var creating = false
        public var confirming = false
        /// Polling `/api/users/me` until the plan is pro/active, up to this moment.
        public var pollingUntil: Date?
        public var done = false
        /// The address was sent to the clipboard (`y`); the hint says so.
        public var copied = false
    }

    public struct DocumentsState: Equatable, Sendable {
        public var patientID: String?
        public var items: [Document] = []
        public var loading = false
        public var error: String?
        public var selected = 0
        /// An upload or download under way: what, and how far.
        public var transfer: TransferState?
        /// The prompt that started it: reopened, path and all, when it fails, so a wrong path is
        /// corrected rather than typed again.
        public var sentPrompt: FilePrompt?
    }

    public struct TransferState: Equatable, Sendable {
        public var label: String
        public var done: Int64 = 0
        public var total: Int64 = 0
    }

    /// A path typed with Tab completion: a file to upload, or the folder to download into.
    public struct FilePrompt: Equatable, Sendable {
        public enum Purpose: Equatable, Sendable {
            case upload(patientID: String, patientName: String)
            case download(Document)
        }
        public var purpose: Purpose
        public var path: LineField

        /// Whose documents the prompt is about.
        public var patientID: String {
            switch purpose {
            case .upload(let patientID, _): return patientID
            case .download(let document): return document.patientId
            }
        }
        public var candidates: [String] = []
        public var error: String?
    }

    public struct AnalyticsState: Equatable, Sendable {
        public enum Interval: String, Equatable, Sendable { case day, week, month }
        public var interval = Interval.week
        /// Index into the interval's range choices (`AnalyticsPane.ranges`).
        public var rangeIndex = 1
        public var growth: [GrowthPoint] = []
        public var outcomes: [OutcomePoint] = []
        public var loading = false
        public var error: String?
        /// The request the data answers (interval and periods): a stale answer is dropped.
        public var loadedKey: String?
        public var requestedKey: String?
        public var showNumbers = false
    }

    public enum Overlay: Equatable, Sendable {
        case upgrade(UpgradeState)
        case help
        case patientForm(PatientForm)
        case confirmDelete(Patient)
        case noteEditor(NoteEditorState)
        case booking(BookingForm)
        case filePrompt(FilePrompt)
        case confirmDocumentDelete(Document)
        case statusMenu(StatusMenu)
        case noteVersions(NoteVersionsState)
    }

    public enum Toast: Equatable, Sendable {
        case info(String)
        case error(String)
    }

    public var width: Int
    public var height: Int
    public var serverLabel: String
    public var user: User?
    /// The clinic's members (v2): doctors for the booking form and the calendar's switcher.
    public var staff: [StaffMember] = []
    /// What a 403 `role_forbidden` said this account may not do (a role changed under a running
    /// client): left out from then on, as if the role table had said so.
    public var refusedByRole: Set<Entitlements.Capability> = []
    public var loggedIn = false
    public var login = LoginForm()
    public var patients = PatientList()
    public var timeline = Timeline()
    public var focus = Pane.patients
    public var mode = Mode.records
    public var calendar: CalendarState
    public var staffScreen = StaffScreenState()
    public var audit = AuditScreenState()
    public var hours = WorkingHours()
    /// Where downloads go unless the doctor types another folder.
    public var downloadFolder = "~"
    /// Charts and codes in plain ASCII for terminals without UTF-8.
    public var asciiOnly = false
    public var rightPane = RightPane.notes
    public var documents = DocumentsState()
    public var analytics = AnalyticsState()
    public var overlay: Overlay?
    public var toast: Toast?
    public var now: Date
    /// Times are shown in the terminal's zone (`TZ`).
    public var timeZone: TimeZone = .current
    public var spinner = 0
    /// Unsaved note texts by draft key, as kept on disk.
    public var drafts: [String: String]
    /// What to resume once a forced re-login succeeds (the note being saved, say).
    public var resumeAfterLogin: [Command] = []
    public var quitting = false
    /// When the cached plan was last checked with the server (it is re-checked every few minutes).
    public var userCheckedAt: Date

    public init(width: Int, height: Int, serverLabel: String, user: User? = nil, drafts: [String: String] = [:], now: Date = Date()) {
        self.width = width
        self.height = height
        self.serverLabel = serverLabel
        self.user = user
        self.loggedIn = user != nil
        self.drafts = drafts
        self.now = now
        self.userCheckedAt = now
        self.calendar = CalendarState(day: CalendarMath.startOfDay(now, in: .current), minute: WorkingHours().startMinute)
    }

    /// Whether the account's role may do this at all (plan rules aside). A v1 server has no roles:
    /// everything its accounts could do stays.
    public func roleAllows(_ capability: Entitlements.Capability) -> Bool {
        if refusedByRole.contains(capability) { return false }
        guard let role = user?.role else { return true }
        return Entitlements.roles(for: capability).contains(role)
    }

    /// The front desk: no clinical notes on screen, nor asked for.
    public var seesNotes: Bool { roleAllows(.readNotes) }

    /// Only a note's author amends it (v2); a note with no author (a v1 server) is the account's own.
    public func mayAmend(_ note: ClinicalNote) -> Bool {
        guard let author = note.authorId, let user else { return true }
        return author == user.id
    }

    /// Active doctors and owners, as the calendar and the booking form offer them.
    public var doctors: [StaffMember] { staff.filter { $0.active && $0.role != .frontDesk } }

    public var selectedPatient: Patient? {
        patients.items.indices.contains(patients.selected) ? patients.items[patients.selected] : nil
    }

    /// Any request in flight: the view shows a spinner.
    /// Pro panes unlock from the cached plan/status (the session file's user), mirroring the server.
    public var proLocked: Bool {
        guard let user else { return true }
        return Entitlements.denial(plan: user.plan, status: user.status, role: user.role, for: .listDocuments) != nil
    }

    public var isBusy: Bool {
        if patients.loading || timeline.loading || login.busy || documents.loading || analytics.loading || documents.transfer != nil { return true }
        if mode == .staff && (staffScreen.loading || staffScreen.busy) { return true }
        if mode == .audit && audit.loading { return true }
        if mode == .calendar && ((calendar.loading && !calendar.refreshingQuietly) || !calendar.pending.isEmpty) { return true }
        switch overlay {
        case .booking(let form): return form.busy
        case .patientForm(let form): return form.busy
        case .noteEditor(let editor): return editor.saving
        default: return false
        }
    }
}
