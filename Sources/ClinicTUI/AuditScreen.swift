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
    /// Opened by the app (`A`): for the patient chosen in the records, or the whole clinic.
    static func open(_ state: inout AppState, patient: Patient?) -> [Command] {
        guard state.roleAllows(.viewAudit) else { return [] }
        var audit = AuditScreenState()
        audit.returnMode = state.mode == .audit ? state.audit.returnMode : state.mode
        audit.filter = AuditFilter(patientID: patient?.id, patientName: patient.map { TerminalText.sanitize($0.name) })
        state.mode = .audit
        let commands = audit.load(cursor: nil, in: state)
        state.audit = audit
        return commands
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

extension AuditScreenState: ScreenComponent {
    /// A page of events for the filter: the first (the filter's dates worked out now) or the next.
    mutating func load(cursor: String?, in app: AppState) -> [Command] {
        if cursor == nil { query = filter.query(now: app.now, in: app.timeZone) }
        key = query.description + "|" + (cursor ?? "")
        loading = true
        error = nil
        return [.loadAudit(key: key, query: query, cursor: cursor)]
    }

    /// A new filter: the list starts again from the newest event.
    mutating func refilter(in app: AppState, _ change: (inout AuditFilter) -> Void) -> [Command] {
        let before = filter
        change(&filter)
        guard filter != before else { return [] }
        events = []
        selected = 0
        nextCursor = nil
        return load(cursor: nil, in: app)
    }

    /// An event selected (by key or mouse); near the end the next page is asked for.
    mutating func select(_ index: Int, in app: AppState) -> [Command] {
        selected = max(0, min(events.count - 1, index))
        if selected >= events.count - 5, let cursor = nextCursor, !loading { return load(cursor: cursor, in: app) }
        return []
    }

    mutating func handle(_ key: Key, in app: AppState) -> ScreenOutcome {
        guard let action = AuditScreen.bindings.action(for: key, in: app), action != .appWide else { return .ask(.notMine) }
        let page = max(1, app.height - 7)
        switch action {
        case .back:
            return .ask(.leave(to: returnMode == .audit ? .records : returnMode))
        case .down, .pageDown:
            return .send(select(selected + (action == .pageDown ? page : 1), in: app))
        case .up, .pageUp:
            selected = max(0, selected - (action == .pageUp ? page : 1))
        case .top:
            selected = 0
        case .patient:
            // The selected event's patient; with no event yet, the one chosen in the records.
            let event = selectedEvent
            if filter.patientID == nil, let event, event.patientId == nil {
                return .ask(.toast(.info("This event is about no patient: choose one that is.")))
            }
            let patient: (id: String, name: String?)? = event?.patientId.map { ($0, event?.patientName) }
                ?? app.selectedPatient.map { ($0.id, $0.name) }
            return .send(refilter(in: app) { filter in
                if filter.patientID != nil {
                    filter.patientID = nil
                    filter.patientName = nil
                } else if let patient {
                    filter.patientID = patient.id
                    filter.patientName = patient.name.map { TerminalText.sanitize($0) } ?? "this patient"
                }
            })
        case .person:
            // The selected event's person ↔ everyone.
            let event = selectedEvent
            return .send(refilter(in: app) { filter in
                if filter.actorID != nil {
                    filter.actorID = nil
                    filter.actorName = nil
                } else if let event, let actor = event.actorId {
                    filter.actorID = actor
                    filter.actorName = TerminalText.sanitize(event.actorName ?? "someone")
                }
            })
        case .action:
            // The selected event's kind of action ↔ every action.
            let kind = selectedEvent?.action
            return .send(refilter(in: app) { filter in filter.action = filter.action == nil ? kind : nil })
        case .period:
            return .send(refilter(in: app) { filter in
                filter.period = filter.period.next
                filter.periodsBack = 0
            })
        case .earlier:
            return .send(refilter(in: app) { filter in if filter.period != .anyTime { filter.periodsBack += 1 } })
        case .later:
            return .send(refilter(in: app) { filter in filter.periodsBack = max(0, filter.periodsBack - 1) })
        case .clear:
            return .send(refilter(in: app) { filter in filter = AuditFilter() })
        case .reload:
            events = []
            selected = 0
            return .send(load(cursor: nil, in: app))
        case .appWide:
            return .ask(.notMine)
        }
        return .none
    }

    mutating func update(_ answer: AuditMsg, in app: AppState) -> ScreenOutcome {
        switch answer {
        case .loaded(let key, let items, let next, let append):
            guard key == self.key else { return .none }
            loading = false
            events = append ? events + items : items
            nextCursor = next
            return .none
        case .failed(let key, let failure):
            guard key == self.key else { return .none }
            loading = false
            if failure.kind != .sessionExpired { error = failure.message }
            return .ask(.failed(failure))
        }
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
