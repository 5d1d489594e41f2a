import ClinicAPI
import Foundation

/// The audit log (owner): who did what to which patient, newest first, with endless scroll. `A` on
/// the patient list opens it for the selected patient ("who opened this record"); `f` switches
/// between that patient and everyone.
public struct AuditScreenState: Equatable, Sendable {
    /// The patient it is about; nil for the whole clinic.
    public var patientID: String?
    public var patientName: String?
    public var events: [AuditEvent] = []
    public var nextCursor: String?
    public var selected = 0
    public var loading = false
    public var error: String?
    /// The request the events answer: a late answer to an older filter is dropped.
    public var key = ""
    /// Where it was opened from, to go back to.
    public var returnMode = AppState.Mode.records

    public init() {}
}

enum AuditScreen {
    static func open(_ state: inout AppState, patient: Patient?) -> [Command] {
        guard state.roleAllows(.viewAudit) else { return [] }
        var audit = AuditScreenState()
        audit.returnMode = state.mode == .audit ? state.audit.returnMode : state.mode
        audit.patientID = patient?.id
        audit.patientName = patient.map { TerminalText.sanitize($0.name) }
        state.audit = audit
        state.mode = .audit
        return load(&state, cursor: nil)
    }

    static func load(_ state: inout AppState, cursor: String?) -> [Command] {
        state.audit.key = (state.audit.patientID ?? "all") + "|" + (cursor ?? "")
        state.audit.loading = true
        state.audit.error = nil
        return [.loadAudit(key: state.audit.key, patientID: state.audit.patientID, cursor: cursor)]
    }

    static func handle(_ state: inout AppState, _ key: Key) -> [Command] {
        if let commands = MainScreen.appWide(&state, key) { return commands }
        switch key {
        case .escape, .character("p"):
            state.mode = state.audit.returnMode == .audit ? .records : state.audit.returnMode
        case .down, .character("j"), .pageDown:
            let step = key == .pageDown ? max(1, state.height - 7) : 1
            state.audit.selected = min(max(0, state.audit.events.count - 1), state.audit.selected + step)
            if state.audit.selected >= state.audit.events.count - 5, let cursor = state.audit.nextCursor, !state.audit.loading {
                return load(&state, cursor: cursor)
            }
        case .up, .character("k"), .pageUp:
            let step = key == .pageUp ? max(1, state.height - 7) : 1
            state.audit.selected = max(0, state.audit.selected - step)
        case .home, .character("g"):
            state.audit.selected = 0
        case .character("f"):
            // This patient ↔ the whole clinic.
            if state.audit.patientID != nil {
                state.audit.patientID = nil
            } else if let patient = state.selectedPatient {
                state.audit.patientID = patient.id
                state.audit.patientName = TerminalText.sanitize(patient.name)
            }
            state.audit.events = []
            state.audit.selected = 0
            return load(&state, cursor: nil)
        case .character("r"), .function(5):
            state.audit.events = []
            state.audit.selected = 0
            return load(&state, cursor: nil)
        default:
            break
        }
        return []
    }

    static func handle(_ state: inout AppState, _ msg: Msg) -> [Command]? {
        switch msg {
        case .auditLoaded(let key, let items, let next, let append):
            guard key == state.audit.key else { return [] }
            state.audit.loading = false
            state.audit.events = append ? state.audit.events + items : items
            state.audit.nextCursor = next
            return []
        case .auditFailed(let key, let failure):
            guard key == state.audit.key else { return [] }
            state.audit.loading = false
            return Results.expireIfNeeded(&state, failure) ?? {
                state.audit.error = failure.message
                return []
            }()
        default:
            return nil
        }
    }

    /// "patient.view" → "opened the record"; unknown actions (the list is open) as they come.
    static func describe(_ action: String) -> String {
        let words: [String: String] = [
            "patient.view": "opened the record", "patient.create": "registered", "patient.update": "changed details",
            "patient.delete": "deleted the patient", "patients.list": "listed patients", "notes.list": "read the notes",
            "note.view": "read a note", "note.create": "wrote a note", "note.amend": "amended a note", "note.delete": "deleted a note",
            "appointments.list": "read the calendar", "appointment.view": "opened a visit", "appointment.create": "booked",
            "appointment.update": "changed a visit", "appointment.delete": "deleted a visit", "document.list": "listed documents",
            "document.upload": "uploaded a document", "document.download": "downloaded a document", "document.delete": "deleted a document",
            "signin.success": "signed in", "signin.failure": "failed to sign in", "staff.invite": "invited", "staff.invite_withdraw": "withdrew an invitation",
            "staff.join": "joined", "staff.update": "changed staff", "clinic.update": "renamed the clinic",
        ]
        return words[action] ?? TerminalText.sanitize(action)
    }
}

enum AuditView {
    static func draw(_ state: AppState, into screen: inout Screen) {
        let audit = state.audit
        let tz = state.timeZone
        let title = " Audit log · " + (audit.patientName.map { "who opened " + $0 + "'s record" } ?? "the whole clinic")
        var x = screen.put(title, x: 0, y: 1, style: .title, maxWidth: screen.width - 12)
        if audit.loading { x = screen.put("  loading…", x: x, y: 1, style: .dim) }
        if let error = audit.error { screen.put("  " + TerminalText.sanitize(error), x: x, y: 1, style: .error, maxWidth: max(0, screen.width - x)) }
        let whoWidth = min(24, max(16, screen.width / 4))
        screen.put(" When          " + TerminalText.fit("Who", to: whoWidth) + " What", x: 0, y: 2, style: .dim)
        let rows = max(1, screen.height - 5)
        let first = max(0, min(audit.selected - rows / 2, audit.events.count - rows))
        if audit.events.isEmpty && !audit.loading {
            screen.put(" Nothing recorded yet.", x: 0, y: 3, style: .dim)
        }
        for (offset, event) in audit.events.dropFirst(first).prefix(rows).enumerated() {
            let index = first + offset
            let (day, time) = TimelineView.dayAndTime(event.at, in: tz)
            let when = day.split(separator: " ").dropFirst().prefix(2).joined(separator: " ") + " " + time
            var what = AuditScreen.describe(event.action)
            if audit.patientID == nil, let patient = event.patientName { what += " · " + TerminalText.sanitize(patient) }
            if event.status >= 400 { what += " — refused (\(event.status))" }
            let who = TerminalText.sanitize(event.actorName ?? "someone") + (event.actorRole == "front_desk" ? " (desk)" : "")
            let line = " " + TerminalText.fit(when, to: 13) + " " + TerminalText.fit(who, to: whoWidth) + " " + what
            screen.bar(line, y: 3 + offset, style: index == audit.selected ? .selected : event.status >= 400 ? .warning : .normal)
        }
    }
}
