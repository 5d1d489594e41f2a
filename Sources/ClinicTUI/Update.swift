import ClinicAPI
import Foundation

/// The app's one state transition: a message in, the new state and the commands to run out.
/// Pure: no I/O, no clock (time arrives as `.tick`), so every screen is testable without a terminal.
public func update(_ state: inout AppState, _ msg: Msg) -> [Command] {
    switch msg {
    case .resized(let width, let height):
        state.width = width
        state.height = height
        // The selected slot stays on screen in the day view.
        if state.mode == .calendar { CalendarScreen.keepSlotInView(&state) }
        // The selected note's scroll within what the new size can show.
        if state.timeline.notes.indices.contains(state.timeline.selected) {
            let lines = TimelineView.lines(of: state.timeline.notes[state.timeline.selected], state).count
            state.timeline.noteScroll = min(state.timeline.noteScroll, max(0, lines - TimelineView.noteRoom(state)))
        }
        state.patients.scroll = min(state.patients.scroll, max(0, state.patients.selected))
        return []
    case .tick(let now):
        state.now = now
        if state.isBusy { state.spinner += 1 }
        return periodicRefresh(&state)
    case .key(let key):
        state.toast = nil
        if key == .control("c") || key == .control("q") {
            state.quitting = true
            return [.quit]
        }
        if !state.loggedIn { return LoginScreen.handle(&state, key) }
        // A patient moved to, clicked or opened in the records is one the user chose (see `chosenID`).
        let inRecords = state.mode == .records && state.overlay == nil
        let before = state.selectedPatient?.id
        defer {
            if inRecords, let now = state.selectedPatient?.id, now != before || key == .enter { state.patients.chosenID = now }
        }
        if case .click(let x, let y) = key { return Mouse.click(&state, x: x, y: y) }
        if state.overlay != nil { return Overlays.handle(&state, key) }
        switch state.mode {
        case .calendar: return CalendarScreen.handle(&state, key)
        case .staff: return Screens.key(&state, \.staffScreen, key)
        case .audit: return Screens.key(&state, \.audit, key)
        case .records: return MainScreen.handle(&state, key)
        }
    case .calendar(let msg): return CalendarScreen.update(&state, msg)
    case .staff(let msg): return Screens.answer(&state, \.staffScreen, msg)
    case .audit(let msg): return Screens.answer(&state, \.audit, msg)
    case .noteVersions(let msg): return NoteVersionsScreen.update(&state, msg)
    case .documents(let msg): return DocumentsPane.update(&state, msg)
    case .analytics(let msg): return AnalyticsPane.update(&state, msg)
    case .upgrade(let msg): return ProFeatures.update(&state, msg)
    case .userRefreshed(let user): return ProFeatures.userRefreshed(&state, user)
    case .records(let msg): return Results.handle(&state, msg)
    case .loggedIn(let user): return Session.loggedIn(&state, user)
    case .authFailed(let failure): return Session.authFailed(&state, failure)
    case .staffLoaded(let staff): return Session.staffLoaded(&state, staff)
    }
}

/// Seconds between re-checks of the cached plan, and of the calendar while it is on screen.
let userCheckInterval: TimeInterval = 300
let calendarRefreshInterval: TimeInterval = 60

/// What goes stale by itself: the cached plan (a subscription can lapse or be bought on the web)
/// and the calendar another desk may be booking into. Only while logged in and nothing is typed.
func periodicRefresh(_ state: inout AppState) -> [Command] {
    guard state.loggedIn else { return [] }
    var commands: [Command] = []
    if state.now.timeIntervalSince(state.userCheckedAt) >= userCheckInterval {
        state.userCheckedAt = state.now
        commands.append(.refreshUser)
    }
    if state.mode == .calendar, state.overlay == nil, !state.calendar.loading, let loadedAt = state.calendar.loadedAt,
       state.now.timeIntervalSince(loadedAt) >= calendarRefreshInterval {
        commands += CalendarScreen.load(&state, force: true, quietly: true)
    }
    return commands
}

/// Keys while a dialog is open: the dialog updates itself and says what it wants; this one switch
/// writes the dialog back and hands its wish to the screen that opened it.
enum Overlays {
    static func handle(_ state: inout AppState, _ key: Key) -> [Command] {
        switch state.overlay {
        case .upgrade(let upgrade):
            return step(&state, upgrade, key, AppState.Overlay.upgrade)
        case .help:
            state.overlay = nil
            return []
        case .booking(let form):
            return step(&state, form, key, AppState.Overlay.booking) { state, _, intent in CalendarScreen.booked(&state, intent) }
        case .filePrompt(let prompt):
            return step(&state, prompt, key, AppState.Overlay.filePrompt) { state, prompt, intent in
                switch intent {
                case .send(let path): return DocumentsPane.send(&state, prompt, path: path)
                }
            }
        case .statusMenu(let menu):
            return step(&state, menu, key, AppState.Overlay.statusMenu) { CalendarScreen.statusChosen(&$0, $1, $2) }
        case .noteVersions(let versions):
            return step(&state, versions, key, AppState.Overlay.noteVersions)
        case .confirmDocumentDelete(let document):
            return settle(&state, Confirmation.update(key, in: state)) { state, _ in
                Confirmation.confirmed(&state, .deleteDocument(id: document.id))
            }
        case .confirmDelete(let patient):
            return settle(&state, Confirmation.update(key, in: state)) { state, _ in
                Confirmation.confirmed(&state, .deletePatient(id: patient.id))
            }
        case .patientForm(let form):
            return step(&state, form, key, AppState.Overlay.patientForm)
        case .noteEditor(let editor):
            return step(&state, editor, key, AppState.Overlay.noteEditor) { MainScreen.noteEditorAsked(&$0, $1, $2) }
        case nil:
            return []
        }
    }

    /// One key for a dialog: its update, the dialog written back (before the opener, who may close
    /// it), then its outcome carried out; `opener` gets the dialog as the key left it.
    static func step<D: Dialog>(_ state: inout AppState, _ dialog: D, _ key: Key, _ embed: (D) -> AppState.Overlay,
                                opener: (inout AppState, D, D.Intent) -> [Command]) -> [Command] {
        var dialog = dialog
        let outcome = dialog.update(key, in: state)
        state.overlay = embed(dialog)
        return settle(&state, outcome) { opener(&$0, dialog, $1) }
    }

    static func step<D: Dialog>(_ state: inout AppState, _ dialog: D, _ key: Key, _ embed: (D) -> AppState.Overlay) -> [Command]
    where D.Intent == Never {
        step(&state, dialog, key, embed) { _, _, never in switch never {} }
    }

    /// A dialog's outcome carried out: its requests sent, closed, or its wish handed to `opener`.
    static func settle<Intent>(_ state: inout AppState, _ outcome: DialogOutcome<Intent>,
                               opener: (inout AppState, Intent) -> [Command]) -> [Command] {
        switch outcome {
        case .stay(let commands): return commands
        case .close:
            state.overlay = nil
            return []
        case .intent(let intent): return opener(&state, intent)
        }
    }
}

/// The app's own answers: who is signed in, and the clinic's roster.
enum Session {
    /// Signed in (or back after an expired session): what was waiting, then the first requests.
    static func loggedIn(_ state: inout AppState, _ user: User) -> [Command] {
        state.user = user
        state.loggedIn = true
        state.login.busy = false
        state.login.password = LineField(isSecret: true, maxLength: 256)
        state.login.error = nil
        let resume = state.resumeAfterLogin
        state.resumeAfterLogin = []
        var commands = resume
        if state.patients.items.isEmpty { commands += Startup.firstCommands(&state) }
        return commands
    }

    /// The sign-in refused or the server unreachable: said on the form, the fields kept.
    static func authFailed(_ state: inout AppState, _ failure: ClientFailure) -> [Command] {
        state.login.busy = false
        state.login.error = failure.kind == .unreachable ? "Cannot reach the server: \(failure.message)" : failure.message
        state.login.fieldErrors = failure.fieldErrors
        return []
    }

    /// The clinic's roster: the staff screen and the calendar's doctors.
    static func staffLoaded(_ state: inout AppState, _ staff: [StaffMember]) -> [Command] {
        state.staff = staff
        if !state.roleAllows(.overseeStaff) { state.staffScreen.loading = false }
        state.staffScreen.selected = min(state.staffScreen.selected, max(0, staff.count + state.staffScreen.invitations.count - 1))
        // A doctor's calendar opens on their own appointments once the clinic has several doctors.
        if state.calendar.providerID == nil, state.doctors.count > 1, let user = state.user, user.role != .frontDesk,
           state.doctors.contains(where: { $0.id == user.id }) {
            state.calendar.providerID = user.id
        }
        return []
    }
}

