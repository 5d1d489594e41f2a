import ClinicAPI
import Foundation

/// The audit log (owner): who did what to which patient, newest first, with endless scroll. `A` on
/// the patient list opens it for the selected patient ("who opened this record"). Filters come from
/// the selected row: `f` this patient, `w` this person, `a` this action (each again: all), `d` a
/// period (today, 7 days, 30 days) that `[`/`]` move, `c` clears them.
public struct AuditScreenState: Equatable, Sendable {
    public var filter = AuditFilter()
    /// The request the filter made when it was set (its dates worked out then): later pages ask the
    /// same, even after midnight has moved "today".
    public var query = AuditQuery()
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

    var selectedEvent: AuditEvent? { events.indices.contains(selected) ? events[selected] : nil }
}

enum AuditScreen {
    static func open(_ state: inout AppState, patient: Patient?) -> [Command] {
        guard state.roleAllows(.viewAudit) else { return [] }
        var audit = AuditScreenState()
        audit.returnMode = state.mode == .audit ? state.audit.returnMode : state.mode
        audit.filter = AuditFilter(patientID: patient?.id, patientName: patient.map { TerminalText.sanitize($0.name) })
        state.audit = audit
        state.mode = .audit
        return load(&state, cursor: nil)
    }

    static func load(_ state: inout AppState, cursor: String?) -> [Command] {
        if cursor == nil { state.audit.query = state.audit.filter.query(now: state.now, in: state.timeZone) }
        let query = state.audit.query
        state.audit.key = query.description + "|" + (cursor ?? "")
        state.audit.loading = true
        state.audit.error = nil
        return [.loadAudit(key: state.audit.key, query: query, cursor: cursor)]
    }

    /// A new filter: the list starts again from the newest event.
    static func refilter(_ state: inout AppState, _ change: (inout AuditFilter) -> Void) -> [Command] {
        let before = state.audit.filter
        change(&state.audit.filter)
        guard state.audit.filter != before else { return [] }
        state.audit.events = []
        state.audit.selected = 0
        state.audit.nextCursor = nil
        return load(&state, cursor: nil)
    }

    /// What a key does on the audit screen.
    enum KeyAction: Sendable {
        case down, up, pageDown, pageUp, top
        case patient, person, action, period, earlier, later, clear
        case back, reload
        /// Listed here, done by the app-wide keys (help, staff, quit).
        case appWide
    }

    /// The screen's keys: the handler reads them, and so do the key bar and help. What fits 80
    /// columns first: the filters, clearing them, and help (which lists the rest).
    static let bindings: [KeyBinding<KeyAction>] = [
        KeyBinding("j/k", [(.character("j"), .down), (.character("k"), .up)], help: { _ in "move" }),
        KeyBinding("", [(.down, .down), (.up, .up), (.pageDown, .pageDown), (.pageUp, .pageUp), (.home, .top), (.character("g"), .top)],
                   help: { _ in "" }, shown: .hidden),
        KeyBinding("f", [(.character("f"), .patient)], help: { $0.audit.filter.patientID == nil ? "patient" : "any patient" }),
        KeyBinding("w", [(.character("w"), .person)], help: { $0.audit.filter.actorID == nil ? "person" : "anyone" }),
        KeyBinding("a", [(.character("a"), .action)], help: { $0.audit.filter.action == nil ? "action" : "any action" }),
        KeyBinding("d", .character("d"), .period, "period"),
        KeyBinding("c", .character("c"), .clear, "clear") { !$0.audit.filter.isEmpty },
        KeyBinding("?", .character("?"), .appWide, "help"),
        KeyBinding("[/]", [(.character("["), .earlier), (.character("]"), .later)], help: { _ in "earlier/later" },
                   when: { $0.audit.filter.period != .anyTime }),
        KeyBinding("p/Esc", [(.character("p"), .back), (.escape, .back)], help: { _ in "back" }),
        KeyBinding("r", [(.character("r"), .reload), (.function(5), .reload)], help: { _ in "reload" }),
        KeyBinding("S", .character("S"), .appWide, "staff"),
        KeyBinding("q", .character("q"), .appWide, "quit"),
        KeyBinding("Ctrl-C", .control("c"), .appWide, "quit", shown: .helpOnly),
    ]

    static func handle(_ state: inout AppState, _ key: Key) -> [Command] {
        if let commands = MainScreen.appWide(&state, key) { return commands }
        guard let action = bindings.action(for: key, in: state) else { return [] }
        let page = max(1, state.height - 7)
        switch action {
        case .back:
            state.mode = state.audit.returnMode == .audit ? .records : state.audit.returnMode
        case .down, .pageDown:
            state.audit.selected = min(max(0, state.audit.events.count - 1), state.audit.selected + (action == .pageDown ? page : 1))
            if state.audit.selected >= state.audit.events.count - 5, let cursor = state.audit.nextCursor, !state.audit.loading {
                return load(&state, cursor: cursor)
            }
        case .up, .pageUp:
            state.audit.selected = max(0, state.audit.selected - (action == .pageUp ? page : 1))
        case .top:
            state.audit.selected = 0
        case .patient:
            // The selected event's patient; with no event yet, the one chosen in the records.
            let event = state.audit.selectedEvent
            if state.audit.filter.patientID == nil, let event, event.patientId == nil {
                state.toast = .info("This event is about no patient: choose one that is.")
                return []
            }
            let patient: (id: String, name: String?)? = event?.patientId.map { ($0, event?.patientName) }
                ?? state.selectedPatient.map { ($0.id, $0.name) }
            return refilter(&state) { filter in
                if filter.patientID != nil {
                    filter.patientID = nil
                    filter.patientName = nil
                } else if let patient {
                    filter.patientID = patient.id
                    filter.patientName = patient.name.map { TerminalText.sanitize($0) } ?? "this patient"
                }
            }
        case .person:
            // The selected event's person ↔ everyone.
            let event = state.audit.selectedEvent
            return refilter(&state) { filter in
                if filter.actorID != nil {
                    filter.actorID = nil
                    filter.actorName = nil
                } else if let event, let actor = event.actorId {
                    filter.actorID = actor
                    filter.actorName = TerminalText.sanitize(event.actorName ?? "someone")
                }
            }
        case .action:
            // The selected event's kind of action ↔ every action.
            let kind = state.audit.selectedEvent?.action
            return refilter(&state) { filter in filter.action = filter.action == nil ? kind : nil }
        case .period:
            return refilter(&state) { filter in
                filter.period = filter.period.next
                filter.periodsBack = 0
            }
        case .earlier:
            return refilter(&state) { filter in if filter.period != .anyTime { filter.periodsBack += 1 } }
        case .later:
            return refilter(&state) { filter in filter.periodsBack = max(0, filter.periodsBack - 1) }
        case .clear:
            return refilter(&state) { filter in filter = AuditFilter() }
        case .reload:
            state.audit.events = []
            state.audit.selected = 0
            return load(&state, cursor: nil)
        case .appWide:
            break
        }
        return []
    }

    static func update(_ state: inout AppState, _ msg: AuditMsg) -> [Command] {
        switch msg {
        case .loaded(let key, let items, let next, let append):
            guard key == state.audit.key else { return [] }
            state.audit.loading = false
            state.audit.events = append ? state.audit.events + items : items
            state.audit.nextCursor = next
            return []
        case .failed(let key, let failure):
            guard key == state.audit.key else { return [] }
            state.audit.loading = false
            return Results.expireIfNeeded(&state, failure) ?? {
                state.audit.error = failure.message
                return []
            }()
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
    /// "who opened José's record", "José · by Lena Fischer · opened the record · 19–25 Nov", "the whole clinic".
    static func describe(_ filter: AuditFilter, now: Date, in timeZone: TimeZone) -> String {
        if filter.isEmpty { return "the whole clinic" }
        var parts: [String] = []
        if let name = filter.patientName {
            let onlyPatient = filter.actorID == nil && filter.action == nil && filter.period == .anyTime
            parts.append(onlyPatient ? "who opened " + name + "'s record" : name)
        }
        if let actor = filter.actorName { parts.append("by " + actor) }
        if let action = filter.action { parts.append(AuditScreen.describe(action)) }
        if let range = filter.range(now: now, in: timeZone) {
            let last = range.to.addingTimeInterval(-1)
            switch (filter.period, filter.periodsBack) {
            case (.day, 0): parts.append("today")
            case (.day, 1): parts.append("yesterday")
            case (.day, _): parts.append(shortDay(range.from, in: timeZone, weekday: true))
            default:
                // "19–25 Nov" within a month, "28 Nov–4 Dec" across two.
                let from = shortDay(range.from, in: timeZone, weekday: false), to = shortDay(last, in: timeZone, weekday: false)
                let sameMonth = from.split(separator: " ").last == to.split(separator: " ").last
                parts.append((sameMonth ? String(from.split(separator: " ").first ?? "") : from) + "–" + to)
            }
        }
        return parts.joined(separator: " · ")
    }

    /// The event rows the screen has, and the first one shown (the selection kept mid-screen).
    static func rows(_ state: AppState) -> Int { max(1, state.height - 5) }

    static func firstRow(_ state: AppState) -> Int {
        let rows = rows(state)
        return max(0, min(state.audit.selected - rows / 2, state.audit.events.count - rows))
    }

    /// "Mon 30 Nov" or "30 Nov".
    static func shortDay(_ date: Date, in timeZone: TimeZone, weekday: Bool) -> String {
        let words = TimelineView.dayAndTime(date, in: timeZone).day.split(separator: " ")
        return (weekday ? words.prefix(3) : words.dropFirst().prefix(2)).joined(separator: " ")
    }

    static func draw(_ state: AppState, into screen: inout Screen) {
        let audit = state.audit
        let tz = state.timeZone
        let title = " Audit " + (audit.filter.isEmpty || audit.filter.period == .anyTime ? "log · " : "· ")
            + describe(audit.filter, now: state.now, in: tz)
        // The filters can make a long title: it has the whole line, and the state goes on the next.
        screen.put(title, x: 0, y: 1, style: .title, maxWidth: screen.width)
        let whoWidth = min(24, max(16, screen.width / 4))
        var x = screen.put(" When          " + TerminalText.fit("Who", to: whoWidth) + " What", x: 0, y: 2, style: .dim)
        if audit.loading { x = screen.put("   loading…", x: x, y: 2, style: .dim) }
        if let error = audit.error { screen.put("   " + TerminalText.sanitize(error), x: x, y: 2, style: .error, maxWidth: max(0, screen.width - x)) }
        let rows = rows(state)
        let first = firstRow(state)
        if audit.events.isEmpty && !audit.loading {
            screen.put(audit.filter.isEmpty ? " Nothing recorded yet." : " Nothing matches these filters (c clears them).", x: 0, y: 3, style: .dim)
        }
        for (offset, event) in audit.events.dropFirst(first).prefix(rows).enumerated() {
            let index = first + offset
            let (day, time) = TimelineView.dayAndTime(event.at, in: tz)
            let when = day.split(separator: " ").dropFirst().prefix(2).joined(separator: " ") + " " + time
            var what = AuditScreen.describe(event.action)
            if audit.filter.patientID == nil, let patient = event.patientName { what += " · " + TerminalText.sanitize(patient) }
            if event.status >= 400 { what += " — refused (\(event.status))" }
            let who = TerminalText.sanitize(event.actorName ?? "someone") + (event.actorRole == "front_desk" ? " (desk)" : "")
            let line = " " + TerminalText.fit(when, to: 13) + " " + TerminalText.fit(who, to: whoWidth) + " " + what
            screen.bar(line, y: 3 + offset, style: index == audit.selected ? .selected : event.status >= 400 ? .warning : .normal)
        }
    }
}
