import Foundation

/// The calendar's keys, one table per view: the day (slots and the visits in them) and the week
/// and month (days). The handler, the key bar and `?` help read them. The same key keeps its kind
/// of meaning in both: h/l a day, j/k down/up (a slot in the day, a week in the others), [/] a period.
extension CalendarScreen {
    enum KeyAction: Sendable, Equatable {
        case back, dayView, weekView, monthView, today, reload
        case earlier, later, previousDay, nextDay, down, up, pageDown, pageUp, first, last
        case open, book, edit, checkIn, statusMenu, cancelVisit, noShow, statusHint, undo
        case switchDoctor, compact, nextColumn, previousColumn, moveLater, moveEarlier, longer, shorter
        /// Listed here, done by the app-wide keys (help, upgrade, staff, audit, quit).
        case appWide
    }

    static func bindings(_ state: AppState) -> [KeyBinding<KeyAction>] {
        state.calendar.span == .day ? dayBindings : periodBindings
    }

    /// What 80 columns show first: moving, booking, the desk's status keys; help lists the rest.
    static let dayBindings: [KeyBinding<KeyAction>] = [
        KeyBinding("j/k", [(.character("j"), .down), (.character("k"), .up)], help: { _ in "slot" }),
        KeyBinding("Enter", .enter, .open, "book/change"),
        KeyBinding("i", .character("i"), .checkIn, "check in"),
        KeyBinding("s", .character("s"), .statusMenu, "status"),
        KeyBinding("u", .character("u"), .undo, "undo"),
        KeyBinding("h/l", [(.character("h"), .previousDay), (.character("l"), .nextDay)], help: { _ in "day" }),
        KeyBinding("t", .character("t"), .today, "today"),
        KeyBinding("v", .character("v"), .switchDoctor, "doctor") { $0.doctors.count > 1 },
        // Columns: the next doctor's; one list: the next visit sharing the slot (another doctor's).
        KeyBinding("Tab/S-Tab", [(.tab, .nextColumn), (.backTab, .previousColumn)],
                   help: { doctorColumns($0) != nil ? "doctor column" : slotVisits($0).count > 1 ? "next visit here" : "doctor column/visit" },
                   when: { doctorColumns($0) != nil || slotVisits($0).count > 1 }),
        KeyBinding("z", [(.character("z"), .compact)], help: { $0.calendar.compact ? "every slot" : "compact day" }),
        KeyBinding("p", .character("p"), .back, "patients"),
        KeyBinding("?", .character("?"), .appWide, "help"),
        KeyBinding("x", .character("x"), .cancelVisit, "cancel…"),
        KeyBinding("o", .character("o"), .noShow, "no-show…"),
        KeyBinding("J/K", [(.character("J"), .moveLater), (.character("K"), .moveEarlier)], help: { _ in "move later/earlier" }),
        KeyBinding("+/-", [(.character("+"), .longer), (.character("-"), .shorter)], help: { _ in "longer/shorter" }),
        KeyBinding("w/m", [(.character("w"), .weekView), (.character("m"), .monthView)], help: { _ in "week/month" }),
        KeyBinding("r", [(.character("r"), .reload), (.function(5), .reload)], help: { _ in "reload" }),
        KeyBinding("Esc", .escape, .back, "patients"),
        KeyBinding("q", .character("q"), .appWide, "quit"),
        KeyBinding("b/n", [(.character("b"), .book), (.character("n"), .book)], help: { _ in "book" }, shown: .helpOnly),
        KeyBinding("e", .character("e"), .edit, "change the visit", shown: .helpOnly),
        KeyBinding("[/]", [(.character("["), .earlier), (.character("]"), .later)], help: { _ in "previous/next" }, shown: .helpOnly),
        KeyBinding("PgUp/PgDn", [(.pageUp, .pageUp), (.pageDown, .pageDown)], help: { _ in "page" }, shown: .helpOnly),
        KeyBinding("g/G", [(.character("g"), .first), (.character("G"), .last)], help: { _ in "first/last slot" }, shown: .helpOnly),
        KeyBinding("U", [(.character("U"), .appWide)], help: { _ in "upgrade" }, when: { $0.roleAllows(.billing) }, shown: .helpOnly,
                   namedWhen: { $0.proLocked }),
        KeyBinding("Ctrl-C", .control("c"), .appWide, "quit", shown: .helpOnly),
        .hidden([(.down, .down), (.up, .up), (.left, .previousDay), (.right, .nextDay), (.home, .first), (.end, .last),
                 (.character("="), .longer), (.character("d"), .dayView), (.character("c"), .statusHint)]),
    ]

    static let periodBindings: [KeyBinding<KeyAction>] = [
        KeyBinding("h/l", [(.character("h"), .previousDay), (.character("l"), .nextDay)], help: { _ in "day" }),
        KeyBinding("j/k", [(.character("j"), .down), (.character("k"), .up)], help: { _ in "week" }),
        KeyBinding("[/]", [(.character("["), .earlier), (.character("]"), .later)],
                   help: { state in
                       switch state.calendar.span {
                       case .week: "week"
                       case .month: "month"
                       case .day: "week/month"  // the map, written for both views
                       }
                   }),
        KeyBinding("Enter", .enter, .open, "open day"),
        KeyBinding("b", [(.character("b"), .book), (.character("n"), .book)], help: { _ in "book" }),
        KeyBinding("d/w/m", [(.character("d"), .dayView), (.character("w"), .weekView), (.character("m"), .monthView)],
                   help: { _ in "day/week/month" }),
        KeyBinding("t", .character("t"), .today, "today"),
        KeyBinding("r", [(.character("r"), .reload), (.function(5), .reload)], help: { _ in "reload" }),
        KeyBinding("p/Esc", [(.character("p"), .back), (.escape, .back)], help: { _ in "patients" }),
        KeyBinding("?", .character("?"), .appWide, "help"),
        KeyBinding("q", .character("q"), .appWide, "quit"),
        KeyBinding("PgUp/PgDn", [(.pageUp, .pageUp), (.pageDown, .pageDown)], help: { _ in "week" }, shown: .helpOnly),
        KeyBinding("v", .character("v"), .switchDoctor, "doctor", shown: .helpOnly) { $0.doctors.count > 1 },
        KeyBinding("u", .character("u"), .undo, "undo", shown: .helpOnly),
        KeyBinding("U", [(.character("U"), .appWide)], help: { _ in "upgrade" }, when: { $0.roleAllows(.billing) }, shown: .helpOnly,
                   namedWhen: { $0.proLocked }),
        KeyBinding("Ctrl-C", .control("c"), .appWide, "quit", shown: .helpOnly),
        // The visit keys of the day view say where they work instead of doing nothing.
        .hidden([(.down, .down), (.up, .up), (.left, .previousDay), (.right, .nextDay),
                 (.character("i"), .checkIn), (.character("s"), .statusMenu), (.character("x"), .cancelVisit),
                 (.character("o"), .noShow), (.character("e"), .edit), (.character("c"), .statusHint),
                 (.character("J"), .moveLater), (.character("K"), .moveEarlier), (.character("+"), .longer),
                 (.character("="), .longer), (.character("-"), .shorter)]),
    ]
}
