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
        case .staff: return StaffScreen.handle(&state, key)
        case .audit: return AuditScreen.handle(&state, key)
        case .records: return MainScreen.handle(&state, key)
        }
    case .calendar(let msg): return CalendarScreen.update(&state, msg)
    case .staff(let msg): return StaffScreen.update(&state, msg)
    case .audit(let msg): return AuditScreen.update(&state, msg)
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

/// Keys on the login / register screen.
enum LoginScreen {
    static func handle(_ state: inout AppState, _ key: Key) -> [Command] {
        var form = state.login
        defer { state.login = form }
        switch bindings.action(for: key, in: state) {
        case .nextField:
            form.focusNext(by: 1)
        case .previousField:
            form.focusNext(by: -1)
        case .switchMode:
            form.mode = form.mode == .login ? .register : .login
            form.focus = form.fields[0]
            form.error = nil
            form.fieldErrors = [:]
        case .submit:
            if form.focus != form.fields.last {
                form.focusNext(by: 1)
                return []
            }
            return submit(&form)
        case .cancel:
            form.error = nil
        default:
            form.edit(form.focus) { _ = $0.handle(key) }
            form.fieldErrors[form.focus.wireName] = nil
        }
        return []
    }

    static func submit(_ form: inout AppState.LoginForm) -> [Command] {
        guard !form.busy else { return [] }
        var errors: [String: String] = [:]
        let email = form.email.text.trimmingCharacters(in: .whitespaces)
        if !email.contains("@") { errors["email"] = "enter your email address" }
        if form.password.text.isEmpty { errors["password"] = "enter your password" }
        if form.mode == .register {
            if form.name.text.trimmingCharacters(in: .whitespaces).isEmpty { errors["username"] = "enter your full name" }
            if form.password.text.count < 8 { errors["password"] = "at least 8 characters" }
        }
        form.fieldErrors = errors
        if let first = form.fields.first(where: { errors[$0.wireName] != nil }) {
            form.focus = first
            form.error = nil
            return []
        }
        form.busy = true
        form.error = nil
        if form.mode == .register {
            // Read over the phone: spaces and dashes are the reader's, not the code's.
            let code = form.invitation.text.filter { !$0.isWhitespace && $0 != "-" }
            return [.register(name: form.name.text.trimmingCharacters(in: .whitespaces), email: email, password: form.password.text,
                              invitationCode: code.isEmpty ? nil : code)]
        }
        return [.login(email: email, password: form.password.text)]
    }
}

/// Keys on the main screen: the patient list and the notes timeline.
enum MainScreen {
    static func handle(_ state: inout AppState, _ key: Key) -> [Command] {
        if state.focus == .patients && state.patients.searchFocused { return search(&state, key) }
        if let commands = appWide(&state, key) { return commands }
        guard let action = bindings(state).action(for: key, in: state) else { return [] }
        return perform(&state, action)
    }

    /// What a key of the records' tables does (see `RecordsKeys.swift` for which key, where).
    static func perform(_ state: inout AppState, _ action: KeyAction) -> [Command] {
        switch action {
        case .appWide:
            return []
        case .search:
            state.focus = .patients
            state.patients.searchFocused = true
            return []
        case .newPatient:
            return openPatientForm(&state, patient: nil)
        case .agenda:
            return CalendarScreen.open(&state, today: true)
        case .calendar:
            return CalendarScreen.open(&state, today: false)
        case .book:
            guard let patient = state.selectedPatient else { return [] }
            let slot = CalendarScreen.nextFreeSlot(state)
            return CalendarScreen.openBooking(&state, patient: patient, at: slot.day, minute: slot.minute)
        case .notesPane:
            return ProFeatures.showPane(&state, .notes)
        case .documentsPane:
            return ProFeatures.showPane(&state, .documents)
        case .analyticsPane:
            return ProFeatures.showPane(&state, .analytics)
        case .reload:
            return reloadPatients(&state)
        case .back:
            if state.patients.loading {
                state.patients.loading = false
                return [.cancel(requestID: state.patients.requestID)]
            }
            if state.focus == .timeline { state.focus = .patients }
            return []
        case .down, .up, .pageDown, .pageUp, .first, .last:
            switch keyContext(state) {
            case .notes: return timelineMove(&state, action)
            case .documents:
                let page = max(1, state.height - 8)
                let steps: [KeyAction: Int] = [.down: 1, .up: -1, .pageDown: page, .pageUp: -page,
                                               .first: -state.documents.items.count, .last: state.documents.items.count]
                return DocumentsPane.move(&state, by: steps[action] ?? 0)
            default: return patientMove(&state, action)
            }
        case .toRightPane:
            if state.selectedPatient != nil { state.focus = .timeline }
            return []
        case .toPatients:
            state.focus = .patients
            return []
        case .editPatient:
            return openPatientForm(&state, patient: state.selectedPatient)
        case .deletePatient:
            guard let patient = state.selectedPatient, state.roleAllows(.deletePatients) else { return [] }
            if let blocked = writeBlocked(state) { state.toast = .error(blocked); return [] }
            state.overlay = .confirmDelete(patient)
            return []
        case .addNote:
            return openNoteEditor(&state, note: nil)
        case .amend:
            guard let note = selectedNote(state) else {
                state.toast = .info("No note to amend yet: a writes one.")
                return []
            }
            guard state.mayAmend(note) else {
                // The server refuses it (403): the client does not offer it.
                state.toast = .info("Only \(TerminalText.sanitize(note.authorName ?? "its author")) can amend this note: a adds one of your own.")
                return []
            }
            return openNoteEditor(&state, note: note)
        case .readOn, .readBack:
            // Through a note longer than the pane; the view shows where in it the reader is.
            guard let note = selectedNote(state) else { return [] }
            let page = TimelineView.notePage(state)
            let lines = TimelineView.lines(of: note, state).count
            let step = action == .readBack ? -page : page
            state.timeline.noteScroll = max(0, min(max(0, lines - TimelineView.noteRoom(state)), state.timeline.noteScroll + step))
            return []
        case .versions:
            return NoteVersionsScreen.open(&state)
        case .upload:
            return DocumentsPane.openUpload(&state)
        case .download:
            return DocumentsPane.openDownload(&state)
        case .deleteDocument:
            return DocumentsPane.confirmDelete(&state)
        case .dayInterval, .weekInterval, .monthInterval, .shorterRange, .longerRange, .numbers:
            return AnalyticsPane.perform(&state, action)
        }
    }

    /// Keys that mean the same on the records and the calendar: quit, help, upgrade.
    static func appWide(_ state: inout AppState, _ key: Key) -> [Command]? {
        switch key {
        case .character("q"):
            state.quitting = true
            return [.quit]
        case .character("?"):
            state.overlay = .help
            return []
        case .character("U"):
            return ProFeatures.openUpgrade(&state)
        case .character("S") where state.user?.role != nil && state.mode != .staff:
            return StaffScreen.open(&state)
        case .character("A") where state.user?.role != nil && state.roleAllows(.viewAudit):
            // From the records: who opened the selected patient's record; elsewhere: the whole clinic.
            return AuditScreen.open(&state, patient: state.mode == .records ? state.selectedPatient : nil)
        default:
            return nil
        }
    }

    static func search(_ state: inout AppState, _ key: Key) -> [Command] {
        switch key {
        case .enter, .down, .tab:
            state.patients.searchFocused = false
            return []
        case .escape:
            state.patients.searchFocused = false
            if !state.patients.search.text.isEmpty {
                state.patients.search = LineField(maxLength: 200)
                return debounce(&state)
            }
            return []
        default:
            let before = state.patients.search.text
            _ = state.patients.search.handle(key)
            return state.patients.search.text == before ? [] : debounce(&state)
        }
    }

    /// Searching as the doctor types, without a request per keystroke.
    static func debounce(_ state: inout AppState) -> [Command] {
        state.patients.generation += 1
        return [.after(milliseconds: 250, .records(.searchDebounced(generation: state.patients.generation)))]
    }

    static func reloadPatients(_ state: inout AppState, cursor: String? = nil) -> [Command] {
        var commands: [Command] = []
        if state.patients.loading { commands.append(.cancel(requestID: state.patients.requestID)) }
        state.patients.requestID += 1
        state.patients.loading = true
        state.patients.error = nil
        if cursor == nil { state.patients.loadedQuery = state.patients.search.text }
        commands.append(.loadPatients(requestID: state.patients.requestID, query: state.patients.loadedQuery, cursor: cursor))
        return commands
    }

    static func patientMove(_ state: inout AppState, _ action: KeyAction) -> [Command] {
        let count = state.patients.items.count
        var target = state.patients.selected
        let page = max(1, state.height - 6)
        switch action {
        case .down: target += 1
        case .up: target -= 1
        case .pageDown: target += page
        case .pageUp: target -= page
        case .first: target = 0
        case .last: target = count - 1
        default: return []
        }
        return select(&state, target)
    }

    static func select(_ state: inout AppState, _ target: Int) -> [Command] {
        let count = state.patients.items.count
        guard count > 0 else { return [] }
        let clamped = min(max(0, target), count - 1)
        var commands: [Command] = []
        if clamped != state.patients.selected || state.timeline.patientID != state.patients.items[clamped].id {
            state.patients.selected = clamped
            state.patients.scroll = PatientListView.scroll(state)
            commands += loadTimeline(&state)
            if state.rightPane == .documents { commands += ProFeatures.refreshPane(&state) }
        }
        // Endless scroll: fetch the next page before the doctor reaches the end.
        if clamped >= count - 10, let cursor = state.patients.nextCursor, !state.patients.loading {
            commands += reloadPatients(&state, cursor: cursor)
        }
        return commands
    }

    static func loadTimeline(_ state: inout AppState) -> [Command] {
        guard let patient = state.selectedPatient else {
            state.timeline = AppState.Timeline()
            return []
        }
        // The front desk's pane is the patient's card and visits: notes are not asked for at all.
        guard state.seesNotes else {
            state.timeline = AppState.Timeline(patientID: patient.id)
            return [.loadPatientAppointments(patientID: patient.id)]
        }
        state.timeline = AppState.Timeline(patientID: patient.id, loading: true)
        return [.loadNotes(patientID: patient.id, cursor: nil), .loadPatientAppointments(patientID: patient.id)]
    }

    static func timelineMove(_ state: inout AppState, _ action: KeyAction) -> [Command] {
        let count = state.timeline.notes.count
        state.timeline.noteScroll = 0
        switch action {
        case .down:
            state.timeline.selected = max(0, min(count - 1, state.timeline.selected + 1))
        case .up:
            state.timeline.selected = max(0, state.timeline.selected - 1)
        case .first:
            state.timeline.selected = 0
        case .last:
            state.timeline.selected = max(0, count - 1)
        default:
            return []
        }
        // The next page of notes before the doctor reaches the end.
        if state.timeline.selected >= count - 3, let cursor = state.timeline.nextCursor, !state.timeline.loading,
           let id = state.timeline.patientID {
            state.timeline.loading = true
            return [.loadNotes(patientID: id, cursor: cursor)]
        }
        return []
    }

    /// The client's mirror of the server's `subscription_inactive` rule.
    static func writeBlocked(_ state: AppState) -> String? {
        guard let user = state.user,
              Entitlements.denial(plan: user.plan, status: user.status, role: user.role, for: .writePatients) == .subscriptionInactive
        else { return nil }
        return "Subscription inactive: records are read-only until you subscribe."
    }

    static func openPatientForm(_ state: inout AppState, patient: Patient?) -> [Command] {
        if let blocked = writeBlocked(state) {
            state.toast = .error(blocked)
            return []
        }
        state.overlay = .patientForm(PatientForm(patient: patient))
        return []
    }

    static func openNoteEditor(_ state: inout AppState, note: ClinicalNote?) -> [Command] {
        guard let patient = state.selectedPatient, state.seesNotes else { return [] }
        if let blocked = writeBlocked(state) {
            state.toast = .error(blocked)
            return []
        }
        var editor = AppState.NoteEditorState(patientID: patient.id, patientName: TerminalText.sanitize(patient.name),
                                              noteID: note?.id, version: note?.version, editor: TextEditor(note?.content ?? ""))
        // A draft left by a crash, a network failure or a forced re-login comes back.
        if let draft = state.drafts[editor.draftKey] {
            editor.editor = TextEditor(draft)
            state.toast = .info("Restored your unsaved draft.")
        }
        state.overlay = .noteEditor(editor)
        return []
    }
}

/// Keys while a dialog is open.
enum Overlays {
    static func handle(_ state: inout AppState, _ key: Key) -> [Command] {
        switch state.overlay {
        case .upgrade(var upgrade):
            let commands = ProFeatures.upgradeKeys(&state, key, &upgrade)
            if case .upgrade = state.overlay { state.overlay = .upgrade(upgrade) }
            return commands
        case .help:
            state.overlay = nil
            return []
        case .booking(var form):
            let commands = CalendarScreen.bookingKeys(&state, key, &form)
            if case .booking = state.overlay { state.overlay = .booking(form) }
            return commands
        case .filePrompt(var prompt):
            let commands = DocumentsPane.promptKeys(&state, key, &prompt)
            if case .filePrompt = state.overlay { state.overlay = .filePrompt(prompt) }
            return commands
        case .statusMenu(var menu):
            let commands = CalendarScreen.statusMenuKeys(&state, key, &menu)
            if case .statusMenu = state.overlay { state.overlay = .statusMenu(menu) }
            return commands
        case .noteVersions(var versions):
            let commands = NoteVersionsScreen.keys(&state, key, &versions)
            if case .noteVersions = state.overlay { state.overlay = .noteVersions(versions) }
            return commands
        case .confirmDocumentDelete(let document):
            // Any key but y keeps it: a stray key never deletes.
            state.overlay = nil
            guard Question.delete.action(for: key, in: state) == .yes else { return [] }
            state.toast = .info("Deleting…")
            return [.deleteDocument(id: document.id)]
        case .confirmDelete(let patient):
            state.overlay = nil
            guard Question.delete.action(for: key, in: state) == .yes else { return [] }
            state.toast = .info("Deleting…")
            return [.deletePatient(id: patient.id)]
        case .patientForm(var form):
            let commands = PatientFormScreen.keys(&state, key, &form)
            if case .patientForm = state.overlay { state.overlay = .patientForm(form) }
            return commands
        case .noteEditor(var editor):
            defer { if case .noteEditor = state.overlay { state.overlay = .noteEditor(editor) } }
            switch noteEditorBindings.action(for: key, in: state) {
            case .cancel:
                state.overlay = nil
                if !editor.editor.text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty && !editor.saving {
                    // The draft comes back with the key that opened it: a for a new note, e on the note amended.
                    state.toast = .info(editor.noteID == nil ? "Draft kept: press a to continue it."
                                                             : "Draft kept: press e on the note to continue the amendment.")
                }
                return []
            case .submit:
                let content = editor.editor.text
                guard !editor.saving else { return [] }
                guard !content.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
                    editor.error = "The note is empty."
                    return []
                }
                // An amendment that changes nothing would only add an identical version.
                if let noteID = editor.noteID, let note = state.timeline.notes.first(where: { $0.id == noteID }), note.content == content {
                    state.overlay = nil
                    state.drafts[editor.draftKey] = nil
                    state.toast = .info("No changes: the note stays as it was (version \(note.version)).")
                    return [.clearDraft(key: editor.draftKey)]
                }
                editor.saving = true
                editor.error = nil
                return [.saveDraft(key: editor.draftKey, text: content),
                        .saveNote(patientID: editor.patientID, noteID: editor.noteID, content: content, draftKey: editor.draftKey)]
            default:
                if editor.editor.handle(key) {
                    editor.error = nil
                    state.drafts[editor.draftKey] = editor.editor.text
                    return [.saveDraft(key: editor.draftKey, text: editor.editor.text)]
                }
                return []
            }
        case nil:
            return []
        }
    }
}

/// Answers from the network.
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

/// Answers about the records: patients, notes, a patient saved or deleted.
enum Results {
    static func handle(_ state: inout AppState, _ msg: RecordsMsg) -> [Command] {
        switch msg {
        case .searchDebounced(let generation):
            guard generation == state.patients.generation, state.patients.search.text != state.patients.loadedQuery || state.patients.error != nil
            else { return [] }
            return MainScreen.reloadPatients(&state)
        case .patientsLoaded(let requestID, let items, let nextCursor, let append):
            guard requestID == state.patients.requestID else { return [] }
            state.patients.loading = false
            state.patients.nextCursor = nextCursor
            if append {
                let known = Set(state.patients.items.map(\.id))
                state.patients.items += items.filter { !known.contains($0.id) }
                return []
            }
            state.patients.items = items
            state.patients.selected = 0
            state.patients.scroll = 0
            return MainScreen.loadTimeline(&state)
        case .patientsFailed(let requestID, let failure):
            guard requestID == state.patients.requestID else { return [] }
            state.patients.loading = false
            if failure.kind == .cancelled { return [] }
            return expireIfNeeded(&state, failure) ?? {
                state.patients.error = failure.message
                return []
            }()
        case .notesLoaded(let patientID, let items, let nextCursor, let append):
            guard patientID == state.timeline.patientID else { return [] }
            state.timeline.loading = false
            state.timeline.error = nil
            state.timeline.nextCursor = nextCursor
            state.timeline.notes = append ? state.timeline.notes + items : items
            // A fresh list starts each note at its top.
            if !append { state.timeline.noteScroll = 0 }
            return []
        case .notesFailed(let patientID, let failure):
            guard patientID == state.timeline.patientID else { return [] }
            state.timeline.loading = false
            if failure.code == Entitlements.Denial.roleForbidden.rawValue {
                // The role changed under a running client: the notes pane closes and is not asked for again.
                state.refusedByRole.insert(.readNotes)
                state.timeline.notes = []
                state.focus = .patients
                state.toast = .error("Clinical notes are for the clinic's doctors: this account no longer sees them.")
                return [.refreshUser]
            }
            return expireIfNeeded(&state, failure) ?? {
                state.timeline.error = failure.message
                return []
            }()
        case .patientSaved(let patient, let isNew):
            state.overlay = nil
            if let index = state.patients.items.firstIndex(where: { $0.id == patient.id }) {
                state.patients.items[index] = patient
            } else if isNew {
                state.patients.items.insert(patient, at: 0)
                state.patients.selected = 0
                state.toast = .info("Patient \(TerminalText.sanitize(patient.name)) added.")
                return MainScreen.loadTimeline(&state)
            }
            state.toast = .info("Saved.")
            return []
        case .patientSaveFailed(let failure):
            guard case .patientForm(var form) = state.overlay else { return [] }
            form.busy = false
            form.fieldErrors = failure.fieldErrors
            form.error = failure.fieldErrors.isEmpty ? failure.message : nil
            if let first = PatientForm.Field.allCases.first(where: { failure.fieldErrors[$0.wireName] != nil }) { form.focus = first }
            state.overlay = .patientForm(form)
            return expireIfNeeded(&state, failure) ?? []
        case .patientDeleted(let id):
            state.patients.items.removeAll { $0.id == id }
            state.patients.selected = min(state.patients.selected, max(0, state.patients.items.count - 1))
            state.toast = .info("Patient deleted.")
            return MainScreen.loadTimeline(&state)
        case .patientDeleteFailed(let failure):
            return expireIfNeeded(&state, failure) ?? {
                state.toast = .error("Not deleted: \(failure.message)")
                return []
            }()
        case .noteSaved(let patientID, let note, let draftKey):
            state.drafts[draftKey] = nil
            if case .noteEditor(let editor) = state.overlay, editor.draftKey == draftKey { state.overlay = nil }
            if state.timeline.patientID == patientID {
                if let index = state.timeline.notes.firstIndex(where: { $0.id == note.id }) {
                    state.timeline.notes[index] = note
                } else {
                    state.timeline.notes.insert(note, at: 0)
                    state.timeline.selected = 0
                }
                state.timeline.noteScroll = 0
            }
            state.toast = .info(note.version > 1 ? "Note amended (version \(note.version))." : "Note saved.")
            return [.clearDraft(key: draftKey)]
        case .noteSaveFailed(let failure, let draftKey):
            guard case .noteEditor(var editor) = state.overlay, editor.draftKey == draftKey else {
                if failure.kind == .unreachable { return [.after(milliseconds: 3000, .records(.retryNoteSave(draftKey: draftKey)))] }
                return []
            }
            editor.saving = false
            switch failure.kind {
            case .unreachable:
                editor.retrying = true
                editor.saving = true
                editor.error = "Server unreachable: your note is kept as a draft and will be saved when it is back."
                state.overlay = .noteEditor(editor)
                return [.after(milliseconds: 3000, .records(.retryNoteSave(draftKey: draftKey)))]
            case .sessionExpired:
                // Still "saving": the save resumes as soon as the doctor has logged in again.
                editor.saving = true
                state.overlay = .noteEditor(editor)
                state.resumeAfterLogin = [.saveNote(patientID: editor.patientID, noteID: editor.noteID, content: editor.editor.text,
                                                    draftKey: draftKey)]
                return expireIfNeeded(&state, failure) ?? []
            default:
                editor.error = failure.fieldErrors["content"] ?? failure.message
                state.overlay = .noteEditor(editor)
                return []
            }
        case .retryNoteSave(let draftKey):
            if case .noteEditor(let editor) = state.overlay, editor.draftKey == draftKey {
                return [.saveNote(patientID: editor.patientID, noteID: editor.noteID, content: editor.editor.text, draftKey: draftKey)]
            }
            return []
        case .possibleDuplicatesFound(let found):
            return PatientFormScreen.duplicatesFound(&state, found)
        }
    }

    /// A session that cannot be refreshed sends the doctor to the login screen; everything on
    /// screen (and any text being typed) stays in the state underneath.
    static func expireIfNeeded(_ state: inout AppState, _ failure: ClientFailure) -> [Command]? {
        guard failure.kind == .sessionExpired else { return nil }
        state.loggedIn = false
        state.login.busy = false
        state.login.mode = .login
        if state.login.email.text.isEmpty, let email = state.user?.email { state.login.email = LineField(email, maxLength: 254) }
        state.login.focus = state.login.email.text.isEmpty ? .email : .password
        state.login.error = "Your session has expired: log in again. Nothing you typed is lost."
        return []
    }
}
