import ClinicAPI
import Foundation

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

}
