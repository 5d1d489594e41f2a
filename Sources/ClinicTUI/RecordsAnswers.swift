import ClinicAPI
import Foundation

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
            guard var form = state.overlay?.patientForm else { return [] }
            form.busy = false
            form.fieldErrors = failure.fieldErrors
            form.error = failure.fieldErrors.isEmpty ? failure.message : nil
            if let first = PatientForm.Field.allCases.first(where: { failure.fieldErrors[$0.wireName] != nil }) { form.focus = first }
            state.overlay?.patientForm = form
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
            if state.overlay?.noteEditor?.draftKey == draftKey { state.overlay = nil }
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
            guard var editor = state.overlay?.noteEditor, editor.draftKey == draftKey else {
                if failure.kind == .unreachable { return [.after(milliseconds: 3000, .records(.retryNoteSave(draftKey: draftKey)))] }
                return []
            }
            editor.saving = false
            switch failure.kind {
            case .unreachable:
                editor.retrying = true
                editor.saving = true
                editor.error = "Server unreachable: your note is kept as a draft and will be saved when it is back."
                state.overlay?.noteEditor = editor
                return [.after(milliseconds: 3000, .records(.retryNoteSave(draftKey: draftKey)))]
            case .sessionExpired:
                // Still "saving": the save resumes as soon as the doctor has logged in again.
                editor.saving = true
                state.overlay?.noteEditor = editor
                state.resumeAfterLogin = [editor.saveRequest(editor.editor.text)]
                return expireIfNeeded(&state, failure) ?? []
            default:
                editor.error = failure.fieldErrors["content"] ?? failure.message
                state.overlay?.noteEditor = editor
                return []
            }
        case .retryNoteSave(let draftKey):
            if let editor = state.overlay?.noteEditor, editor.draftKey == draftKey {
                return [editor.saveRequest(editor.editor.text)]
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
