import Foundation

/// Every table-driven screen's keys as one text, written from the tables the handlers read: the
/// README's key map is this text (a test compares them), so the map cannot drift from the keys.
public enum KeyMap {
    /// One line per table: the key bar's entries, then what help adds. Entries offered only to
    /// some (an owner's tools, Pro) are listed too; the screen offers what the user may do.
    public static func markdown() -> String {
        let state = AppState(width: 80, height: 24, serverLabel: "", now: Date(timeIntervalSince1970: 0))
        var lines: [String] = []
        func add<Action>(_ name: String, _ bindings: [KeyBinding<Action>]) {
            let named = bindings.filter { $0.shown != .hidden && !$0.keys.isEmpty }
            let bar = named.filter { $0.shown == .bar }.map { "`\($0.label)` \($0.help(state))" }
            let more = named.filter { $0.shown == .helpOnly }.map { "`\($0.label)` \($0.help(state))" }
            lines.append("- **\(name)**: " + bar.joined(separator: ", ") + (more.isEmpty ? "" : "; in `?` help also " + more.joined(separator: ", ")))
        }
        add("Patient list", MainScreen.patientsBindings)
        add("Notes", MainScreen.notesBindings)
        add("A locked Pro pane", MainScreen.lockedPaneBindings)
        add("Documents, from the list", MainScreen.documentsFromListBindings)
        add("Documents", MainScreen.documentsBindings)
        add("Analytics, from the list", MainScreen.analyticsFromListBindings)
        add("Analytics", MainScreen.analyticsBindings)
        add("Front desk list", MainScreen.deskBindings)
        add("Front desk card", MainScreen.deskCardBindings)
        add("Calendar day", CalendarScreen.dayBindings)
        add("Calendar week and month", CalendarScreen.periodBindings)
        add("Staff", StaffScreen.bindings)
        add("Audit log", AuditScreen.bindings)
        return lines.joined(separator: "\n") + "\n"
    }
}
