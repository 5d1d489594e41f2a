import Foundation

/// The records screen's keys: one table per thing the keys act on (the patient list, the notes,
/// the documents, the analytics, the front desk's card), each read by the handler, the key bar
/// and `?` help. Keys that work in every pane (search, new patient, calendar, panes, reload) are
/// in every table; those the key bar has no room for are named in help.
extension MainScreen {
    enum KeyAction: Sendable, Equatable {
        case search, newPatient, agenda, calendar, book, notesPane, documentsPane, analyticsPane, reload, back
        case down, up, pageDown, pageUp, first, last, toRightPane, toPatients
        case editPatient, deletePatient, addNote, amend, readOn, readBack, versions
        case upload, download, deleteDocument
        case dayInterval, weekInterval, monthInterval, shorterRange, longerRange, numbers
        /// Listed here, done by the app-wide keys (help, upgrade, staff, audit, quit).
        case appWide
    }

    /// What the keys act on, in the order the handler asks: the pane on the right when it is open
    /// and unlocked, the front desk's card, the notes, the list.
    enum KeyContext: Sendable, Equatable {
        case patients, notes, lockedPane, desk, deskCard, documentsFromList, documents, analyticsFromList, analytics
    }

    static func keyContext(_ state: AppState) -> KeyContext {
        let onRight = state.focus == .timeline
        if state.rightPane == .documents && !state.proLocked { return onRight ? .documents : .documentsFromList }
        if state.rightPane == .analytics && !state.proLocked { return onRight ? .analytics : .analyticsFromList }
        if !state.seesNotes { return onRight ? .deskCard : .desk }
        // A locked Pro pane shows no notes: the notes' keys must not reach the notes behind it.
        if state.rightPane != .notes && onRight { return .lockedPane }
        return onRight ? .notes : .patients
    }

    static func bindings(_ state: AppState) -> [KeyBinding<KeyAction>] {
        switch keyContext(state) {
        case .patients: return patientsBindings
        case .notes: return notesBindings
        case .lockedPane: return lockedPaneBindings
        case .desk: return deskBindings
        case .deskCard: return deskCardBindings
        case .documentsFromList: return documentsFromListBindings
        case .documents: return documentsBindings
        case .analyticsFromList: return analyticsFromListBindings
        case .analytics: return analyticsBindings
        }
    }

    private typealias Binding = KeyBinding<KeyAction>

    private static let hasRole: @Sendable (AppState) -> Bool = { $0.user?.role != nil }
    private static let move = Binding("j/k", [(.character("j"), .down), (.character("k"), .up)], help: { _ in "move" })
    private static let listMoves: [(key: Key, action: KeyAction)] = [
        (.down, .down), (.up, .up), (.pageDown, .pageDown), (.control("f"), .pageDown), (.pageUp, .pageUp), (.control("b"), .pageUp),
        (.home, .first), (.character("g"), .first), (.end, .last), (.character("G"), .last),
    ]
    private static let panes = Binding("1/2/3", [(.character("1"), .notesPane), (.character("2"), .documentsPane), (.character("3"), .analyticsPane)],
                                       help: { _ in "notes/documents/analytics" })
    private static let backToList = Binding("h/Tab", [(.character("h"), .toPatients), (.tab, .toPatients), (.left, .toPatients),
                                                      (.backTab, .toPatients)], help: { _ in "patients" })
    private static let reload = Binding("r", [(.character("r"), .reload), (.function(5), .reload)], help: { _ in "reload" })
    private static let search = Binding("/", .character("/"), .search, "search")
    private static let calendar = Binding("c", .character("c"), .calendar, "calendar")
    private static let deskAgenda = Binding("t", .character("t"), .agenda, "today's desk")
    private static let deskPanes = Binding("1/2", [(.character("1"), .notesPane), (.character("2"), .documentsPane)],
                                           help: { _ in "details/documents" })
    private static let help = Binding("?", .character("?"), .appWide, "help")
    private static let quit = Binding("q", .character("q"), .appWide, "quit")
    /// Offered to whoever pays (on Pro it says so); named only while there is something to buy.
    private static let upgrade = Binding("U", [(.character("U"), .appWide)], help: { _ in "upgrade" }, when: { $0.roleAllows(.billing) },
                                         namedWhen: { $0.proLocked })

    /// Named in help on every records table (the key bar has no room for them).
    private static let inHelp: [Binding] = [
        Binding("PgUp/PgDn", [(.pageUp, .pageUp), (.pageDown, .pageDown)], help: { _ in "page" }, shown: .helpOnly),
        Binding("g/G", [(.character("g"), .first), (.character("G"), .last)], help: { _ in "first/last" }, shown: .helpOnly),
        Binding("Esc", .escape, .back, "cancel a request", shown: .helpOnly),
        Binding("Ctrl-C", .control("c"), .appWide, "quit", shown: .helpOnly),
        Binding("S", .character("S"), .appWide, "staff", shown: .helpOnly, when: hasRole),
        Binding("A", .character("A"), .appWide, "who opened this record", shown: .helpOnly) { $0.user?.role != nil && $0.roleAllows(.viewAudit) },
    ]

    /// The keys every table holds, named or not: a table's own entries come first and take a key
    /// from this list (the documents' `Enter` downloads where the list's opens the pane).
    private static let everywhere: [(key: Key, action: KeyAction)] = [
        (.character("/"), .search), (.character("n"), .newPatient), (.character("t"), .agenda), (.character("c"), .calendar),
        (.character("b"), .book), (.character("1"), .notesPane), (.character("2"), .documentsPane), (.character("3"), .analyticsPane),
        (.character("r"), .reload), (.function(5), .reload), (.escape, .back), (.character("?"), .appWide), (.character("q"), .appWide),
        (.character("U"), .appWide), (.control("c"), .appWide), (.character("a"), .addNote),
    ]

    /// A table: its named entries, help's extras, and the keys that work everywhere not already taken.
    /// `scrolls`: whether the pane has rows to page through (the charts have none).
    private static func table(_ named: [Binding], hidden: [(key: Key, action: KeyAction)] = [], scrolls: Bool = true) -> [Binding] {
        var entries = named
        let extras = scrolls ? inHelp : inHelp.filter { !["PgUp/PgDn", "g/G"].contains($0.label) }
        for extra in extras where !entries.contains(where: { entry in entry.keys.contains { key in extra.keys.contains { $0.key == key.key } } }) {
            entries.append(extra)
        }
        var taken = entries.flatMap { $0.keys.map(\.key) }
        var rest: [(key: Key, action: KeyAction)] = []
        for key in hidden + everywhere where !taken.contains(key.key) {
            rest.append(key)
            taken.append(key.key)
        }
        return entries + [.hidden(rest)]
    }

    static let patientsBindings: [KeyBinding<KeyAction>] = table([
        search,
        move,
        Binding("Enter", .enter, .toRightPane, "notes"),
        Binding("a", .character("a"), .addNote, "note"),
        Binding("n", .character("n"), .newPatient, "new"),
        Binding("b", .character("b"), .book, "book"),
        Binding("t", .character("t"), .agenda, "agenda"),
        Binding("e", .character("e"), .editPatient, "edit"),
        Binding("d", .character("d"), .deletePatient, "delete") { $0.roleAllows(.deletePatients) },
        calendar,
        reload,
        help, quit, panes, upgrade,
        Binding("Tab/l", [(.tab, .toRightPane), (.right, .toRightPane), (.character("l"), .toRightPane)], help: { _ in "to the notes" },
                shown: .helpOnly),
    ], hidden: listMoves)

    static let notesBindings: [KeyBinding<KeyAction>] = table([
        Binding("j/k", [(.character("j"), .down), (.character("k"), .up)], help: { _ in "move" }),
        Binding("a", .character("a"), .addNote, "add note"),
        // Amend is offered on one's own notes only (the server refuses the others').
        // e on another doctor's note says whose it is.
        Binding("e/Enter", [(.character("e"), .amend), (.enter, .amend)], help: { _ in "amend" }, namedWhen: { state in
            guard let note = selectedNote(state) else { return true }
            return state.mayAmend(note)
        }),
        Binding("v", [(.character("v"), .versions)], help: { _ in "earlier versions" }, namedWhen: { (selectedNote($0)?.version ?? 1) > 1 }),
        Binding("PgDn/PgUp", [(.pageDown, .readOn), (.pageUp, .readBack), (.character(" "), .readOn)], help: { _ in "read on" },
                namedWhen: { state in
                    guard let note = selectedNote(state) else { return false }
                    return TimelineView.lines(of: note, state).count > TimelineView.noteRoom(state)
                }),
        backToList,
        Binding("n", .character("n"), .newPatient, "new patient"),
        help, quit, panes, upgrade,
    ], hidden: [(.down, .down), (.up, .up), (.home, .first), (.end, .last)])

    /// A Pro pane locked on the plan: back to the list, another pane, or the upgrade.
    static let lockedPaneBindings: [KeyBinding<KeyAction>] = table([
        backToList,
        search,
        Binding("n", .character("n"), .newPatient, "new patient"),
        help, quit, panes, upgrade,
    ], scrolls: false)

    /// The front desk: the patient's card instead of notes; no delete, no analytics.
    static let deskBindings: [KeyBinding<KeyAction>] = table([
        search,
        move,
        Binding("n", .character("n"), .newPatient, "new"),
        Binding("e", .character("e"), .editPatient, "edit"),
        Binding("b", .character("b"), .book, "book"),
        deskAgenda,
        calendar,
        reload,
        help, quit,
        deskPanes,
        Binding("Tab/h/l", [(.tab, .toRightPane), (.right, .toRightPane), (.character("l"), .toRightPane),
                            (.backTab, .toPatients), (.left, .toPatients), (.character("h"), .toPatients)],
                help: { _ in "switch pane" }, shown: .helpOnly),
    ], hidden: listMoves + [(.enter, .toRightPane)])

    /// The desk on the patient's card: back to the list, or anything that works everywhere.
    static let deskCardBindings: [KeyBinding<KeyAction>] = table([
        backToList,
        search,
        Binding("n", .character("n"), .newPatient, "new"),
        Binding("b", .character("b"), .book, "book"),
        deskAgenda,
        calendar,
        reload,
        help, quit,
        deskPanes,
    ])

    private static let otherPanes = Binding("1/3", [(.character("1"), .notesPane), (.character("3"), .analyticsPane)],
                                            help: { _ in "notes/analytics" }, when: { $0.seesNotes })
    private static let deskOtherPane = Binding("1", .character("1"), .notesPane, "details") { !$0.seesNotes }

    static let documentsFromListBindings: [KeyBinding<KeyAction>] = table([
        search,
        move,
        Binding("u", .character("u"), .upload, "upload"),
        Binding("Enter", .enter, .toRightPane, "documents"),
        otherPanes, deskOtherPane, help, quit,
        Binding("Tab/l", [(.tab, .toRightPane), (.right, .toRightPane), (.character("l"), .toRightPane)], help: { _ in "to the documents" },
                shown: .helpOnly),
        Binding("e", .character("e"), .editPatient, "edit the patient", shown: .helpOnly),
        Binding("d", .character("d"), .deletePatient, "delete the patient", shown: .helpOnly) { $0.roleAllows(.deletePatients) },
    ], hidden: listMoves)

    static let documentsBindings: [KeyBinding<KeyAction>] = table([
        Binding("j/k", [(.character("j"), .down), (.character("k"), .up)], help: { _ in "move" }),
        // The front desk files letters but does not open or delete them: not offered, not asked.
        Binding("Enter", [(.enter, .download), (.character("o"), .download)], help: { _ in "download" }) { $0.roleAllows(.downloadDocuments) },
        Binding("u", .character("u"), .upload, "upload"),
        Binding("x", .character("x"), .deleteDocument, "delete") { $0.roleAllows(.deleteDocuments) },
        backToList,
        otherPanes, deskOtherPane, help, quit,
    ], hidden: [(.down, .down), (.up, .up)])

    /// The charts act on their keys from the list too: `d` is the chart's day here, never the
    /// delete of the list's patient (which the notes' list offers).
    static let analyticsFromListBindings: [KeyBinding<KeyAction>] = table([
        Binding("d/w/m", [(.character("d"), .dayInterval), (.character("w"), .weekInterval), (.character("m"), .monthInterval)],
                help: { _ in "day/week/month" }),
        Binding("[/]", [(.character("["), .shorterRange), (.character("]"), .longerRange)], help: { _ in "range" }),
        Binding("#", [(.character("#"), .numbers)], help: { $0.analytics.showNumbers ? "charts" : "numbers" }),
        move, help, quit,
        search,
        Binding("1/2", [(.character("1"), .notesPane), (.character("2"), .documentsPane)], help: { _ in "notes/documents" }),
        Binding("e", .character("e"), .editPatient, "edit the patient", shown: .helpOnly),
    ], hidden: listMoves + [(.tab, .toRightPane), (.right, .toRightPane), (.character("l"), .toRightPane), (.enter, .toRightPane)])

    static let analyticsBindings: [KeyBinding<KeyAction>] = table([
        Binding("d/w/m", [(.character("d"), .dayInterval), (.character("w"), .weekInterval), (.character("m"), .monthInterval)],
                help: { _ in "day/week/month" }),
        Binding("[/]", [(.character("["), .shorterRange), (.character("]"), .longerRange)], help: { _ in "range" }),
        Binding("#", [(.character("#"), .numbers)], help: { $0.analytics.showNumbers ? "charts" : "numbers" }),
        backToList,
        help, quit,
        Binding("1/2", [(.character("1"), .notesPane), (.character("2"), .documentsPane)], help: { _ in "notes/documents" }),
    ], scrolls: false)

    static func selectedNote(_ state: AppState) -> ClinicalNote? {
        state.timeline.notes.indices.contains(state.timeline.selected) ? state.timeline.notes[state.timeline.selected] : nil
    }
}
