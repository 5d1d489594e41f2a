import ClinicAPI
import Foundation

/// Draws the state into a `Screen`. Every string from the server goes through
/// `TerminalText.sanitize` on its way in.
public func view(_ state: AppState) -> Screen {
    var screen = Screen(width: state.width, height: state.height)
    guard state.width >= 40, state.height >= 10 else {
        screen.put("Make the window at least 80×24", x: 0, y: 0, style: .warning, maxWidth: state.width)
        screen.put("(it is \(state.width)×\(state.height))", x: 0, y: 1, style: .warning, maxWidth: state.width)
        return screen
    }
    StatusBar.draw(state, into: &screen)
    if !state.loggedIn {
        LoginView.draw(state, into: &screen)
    } else {
        switch state.mode {
        case .calendar: CalendarView.draw(state, into: &screen)
        case .staff: StaffView.draw(state, into: &screen)
        case .audit: AuditView.draw(state, into: &screen)
        case .records:
            PatientListView.draw(state, into: &screen)
            TimelineView.draw(state, into: &screen)
        }
        switch state.overlay {
        case .booking(let form): BookingView.draw(form, state: state, into: &screen)
        case .filePrompt(let prompt): FilePromptView.draw(prompt, into: &screen)
        case .confirmDocumentDelete(let document):
            let box = drawBox(title: "Delete document", width: 56, height: 6, into: &screen)
            screen.put("Delete " + TerminalText.sanitize(document.fileName) + "?", x: box.x, y: box.y + 1, style: .bold, maxWidth: box.width)
            screen.put("y delete   n keep", x: box.x, y: box.y + 3, style: .warning)
        case .upgrade(let upgrade): UpgradeView.draw(upgrade, state: state, into: &screen)
        case .help: HelpView.draw(state, into: &screen)
        case .confirmDelete(let patient): ConfirmView.draw(patient, into: &screen)
        case .statusMenu(let menu): StatusMenuView.draw(menu, state: state, into: &screen)
        case .noteVersions(let versions): NoteVersionsView.draw(versions, state: state, into: &screen)
        case .patientForm(let form): PatientFormView.draw(form, into: &screen)
        case .noteEditor(let editor): NoteEditorView.draw(editor, state: state, into: &screen)
        case nil: break
        }
    }
    MessageLine.draw(state, into: &screen)
    KeyBar.draw(state, into: &screen)
    return screen
}

let spinnerFrames = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"]

enum StatusBar {
    static func draw(_ state: AppState, into screen: inout Screen) {
        // The clinic's name where the server has clinics (v2), else the product's.
        // A long clinic name gives way: who is signed in and the plan must stay on the bar.
        let clinic = state.user?.clinic.map { TerminalText.sanitize($0.name) } ?? "Clinic OS Lite"
        var parts = [TerminalText.truncate(clinic, to: max(14, state.width / 3))]
        if let user = state.user {
            var who = TerminalText.sanitize(user.username)
            if user.role == .frontDesk { who += " (front desk)" }
            parts.append(who)
            parts.append(planText(user, now: state.now))
        }
        parts.append(TerminalText.sanitize(state.serverLabel))
        screen.bar(" " + parts.joined(separator: " │ "), y: 0, style: .statusBar)
    }

    /// "basic · trial, 12 days left", "pro · active", "basic · INACTIVE (read-only)".
    static func planText(_ user: User, now: Date) -> String {
        switch user.status {
        case .trialing:
            let days = user.trialEndsAt.map { max(0, Int(($0.timeIntervalSince(now) / 86_400).rounded(.up))) }
            return "\(user.plan.rawValue) · trial" + (days.map { ", \($0) day\($0 == 1 ? "" : "s") left" } ?? "")
        case .active:
            return "\(user.plan.rawValue) · active"
        case .inactive:
            return "\(user.plan.rawValue) · INACTIVE (read-only)"
        }
    }
}

enum MessageLine {
    static func draw(_ state: AppState, into screen: inout Screen) {
        let y = screen.height - 2
        if let toast = state.toast {
            switch toast {
            case .info(let text): screen.bar(" " + TerminalText.sanitize(text), y: y, style: .success)
            case .error(let text): screen.bar(" " + TerminalText.sanitize(text), y: y, style: .error)
            }
        } else if state.isBusy && state.loggedIn {
            screen.put(" " + spinnerFrames[state.spinner % spinnerFrames.count] + " working… (Esc cancels)", x: 0, y: y, style: .dim)
        } else if state.width < 80 || state.height < 24 {
            // Below the size the screens are laid out for, parts are cut off: say so instead of clipping silently.
            screen.bar(" Window \(state.width)×\(state.height): make it at least 80×24 to see everything.", y: y, style: .warning)
        } else if state.loggedIn, let banner = banner(state) {
            screen.bar(" " + banner, y: y, style: .warning)
        }
    }

    /// A trial about to end, or an inactive subscription, is said plainly with the way out.
    static func banner(_ state: AppState) -> String? {
        guard let user = state.user else { return nil }
        // Staff cannot pay: the way out is the owner's.
        let wayOut = state.roleAllows(.billing) ? "Press U to upgrade." : "The clinic's owner can upgrade."
        if user.status == .inactive { return "Subscription inactive: records are read-only. " + wayOut }
        if user.status == .trialing, let ends = user.trialEndsAt {
            let days = Int((ends.timeIntervalSince(state.now) / 86_400).rounded(.up))
            let whose = user.role == nil || state.roleAllows(.billing) ? "Your" : "The clinic's"
            if days <= 7 { return "\(whose) trial ends in \(max(0, days)) day\(days == 1 ? "" : "s"). " + wayOut }
        }
        return nil
    }
}

/// The keys of each context, listed once: the key bar and the help overlay both read it.
public enum KeyTable {
    public static func keys(for state: AppState) -> [(key: String, action: String)] {
        let keys = contextKeys(for: state)
        // The plan is the owner's to buy: nobody else is offered U.
        return state.loggedIn && !state.roleAllows(.billing) ? keys.filter { $0.key != "U" } : keys
    }

    /// What `?` lists over the screen: its table's key bar and the keys the bar leaves out.
    static func help(for state: AppState) -> [(key: String, action: String)] {
        let keys = helpKeys(for: state)
        return state.loggedIn && !state.roleAllows(.billing) ? keys.filter { $0.key != "U" } : keys
    }

    static func helpKeys(for state: AppState) -> [(key: String, action: String)] {
        switch state.mode {
        case .calendar: return CalendarScreen.bindings(state).helpList(state)
        case .audit: return AuditScreen.bindings.helpList(state)
        case .staff where state.staffScreen.created == nil && state.staffScreen.invite == nil && state.staffScreen.pending == nil
            && state.staffScreen.rename == nil:
            return StaffScreen.bindings.helpList(state)
        case .records where !state.patients.searchFocused:
            return MainScreen.bindings(state).helpList(state)
        case .records, .staff:
            return contextKeys(for: state) + [("Ctrl-C", "quit")]
        }
    }

    static func contextKeys(for state: AppState) -> [(key: String, action: String)] {
        if !state.loggedIn {
            return LoginScreen.bindings.keyBar(state)
        }
        switch state.overlay {
        case .upgrade: return ProFeatures.upgradeBindings.keyBar(state)
        case .help: return [("any key", "close help")]
        case .noteVersions: return NoteVersionsScreen.bindings.keyBar(state)
        case .patientForm: return PatientFormScreen.bindings.keyBar(state)
        case .noteEditor: return Overlays.noteEditorBindings.keyBar(state)
        case .filePrompt: return DocumentsPane.promptBindings.keyBar(state)
        case .confirmDocumentDelete, .confirmDelete: return Question.delete.keyBar(state)
        case .booking: return CalendarScreen.bookingBindings.keyBar(state)
        case .statusMenu(let menu):
            return menu.confirming != nil ? Question.yesNo.keyBar(state) : StatusMenu.bindings.keyBar(state)
        case nil: break
        }
        if state.mode == .staff {
            let staff = state.staffScreen
            if staff.created != nil { return StaffScreen.createdBindings.keyBar(state) }
            if staff.invite != nil { return StaffScreen.inviteBindings.keyBar(state) }
            if staff.pending != nil { return Question.yesNo.keyBar(state) }
            if staff.rename != nil { return StaffScreen.renameBindings.keyBar(state) }
            return StaffScreen.bindings.keyBar(state)
        }
        if state.mode == .audit { return AuditScreen.bindings.keyBar(state) }
        if state.mode == .calendar { return CalendarScreen.bindings(state).keyBar(state) }
        if state.patients.searchFocused { return [("type", "search"), ("Enter/↓", "to list"), ("Esc", "clear")] }
        return MainScreen.bindings(state).keyBar(state)
    }
}

enum KeyBar {
    static func draw(_ state: AppState, into screen: inout Screen) {
        var x = 0
        let y = screen.height - 1
        screen.fill(x: 0, y: y, width: screen.width, height: 1, style: .keyHint)
        for (key, action) in KeyTable.keys(for: state) {
            let itemWidth = key.count + action.count + 3
            guard x + itemWidth <= screen.width else { break }
            x = screen.put(" " + key, x: x, y: y, style: .bold)
            x = screen.put(" " + action + " ", x: x, y: y, style: .keyHint)
        }
    }
}

/// A framed box in the middle of the screen; returns its inner origin and size.
/// `rightAligned` keeps the left of the screen (a calendar's times and names) in sight.
func drawBox(title: String, width: Int, height: Int, rightAligned: Bool = false,
             into screen: inout Screen) -> (x: Int, y: Int, width: Int, height: Int) {
    let w = min(width, screen.width - 2)
    let h = min(height, screen.height - 3)
    let x = rightAligned ? screen.width - w - 1 : (screen.width - w) / 2
    let y = max(1, (screen.height - h) / 2)
    screen.fill(x: x, y: y, width: w, height: h, style: .normal)
    screen.put("┌" + String(repeating: "─", count: w - 2) + "┐", x: x, y: y, style: .accent)
    for row in (y + 1)..<(y + h - 1) {
        screen.put("│", x: x, y: row, style: .accent)
        screen.put("│", x: x + w - 1, y: row, style: .accent)
    }
    screen.put("└" + String(repeating: "─", count: w - 2) + "┘", x: x, y: y + h - 1, style: .accent)
    screen.put(" " + title + " ", x: x + 2, y: y, style: .title, maxWidth: w - 4)
    return (x + 2, y + 1, w - 4, h - 2)
}

