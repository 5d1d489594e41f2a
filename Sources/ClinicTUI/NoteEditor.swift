import ClinicAPI
import Foundation

extension AppState.NoteEditorState {
    enum Intent: Equatable, Sendable {
        /// Esc: closed; whether a draft was left to come back to.
        case cancel(keptDraft: Bool)
        /// The text changed: the draft is kept as it is typed (a crash loses nothing).
        case draftChanged(String)
        /// Saved with nothing changed: no new version.
        case unchanged(version: Int)
        case save(content: String)
    }

    /// The request that saves the text (sent again after a lost connection or a new sign-in).
    func saveRequest(_ content: String) -> Command {
        .saveNote(patientID: patientID, noteID: noteID, content: content, draftKey: draftKey)
    }

    /// Typing and saving; the drafts, the toasts and closing are the records' (`MainScreen.noteEditorAsked`).
    mutating func update(_ key: Key, in state: AppState) -> DialogOutcome<Intent> {
        switch Overlays.noteEditorBindings.action(for: key, in: state) {
        case .cancel:
            return .intent(.cancel(keptDraft: !editor.text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty && !saving))
        case .submit:
            let content = editor.text
            guard !saving else { return .stay }
            guard !content.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
                error = "The note is empty."
                return .stay
            }
            // An amendment that changes nothing would only add an identical version.
            if let noteID, let note = state.timeline.notes.first(where: { $0.id == noteID }), note.content == content {
                return .intent(.unchanged(version: note.version))
            }
            saving = true
            error = nil
            return .intent(.save(content: content))
        default:
            guard editor.handle(key) else { return .stay }
            error = nil
            return .intent(.draftChanged(editor.text))
        }
    }
}

extension MainScreen {
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

    static func noteEditorAsked(_ state: inout AppState, _ editor: AppState.NoteEditorState,
                                _ intent: AppState.NoteEditorState.Intent) -> [Command] {
        switch intent {
        case .cancel(let keptDraft):
            state.overlay = nil
            // The draft comes back with the key that opened it: a for a new note, e on the note amended.
            if keptDraft {
                state.toast = .info(editor.noteID == nil ? "Draft kept: press a to continue it."
                                                         : "Draft kept: press e on the note to continue the amendment.")
            }
            return []
        case .draftChanged(let text):
            state.drafts[editor.draftKey] = text
            return [.saveDraft(key: editor.draftKey, text: text)]
        case .unchanged(let version):
            state.overlay = nil
            state.drafts[editor.draftKey] = nil
            state.toast = .info("No changes: the note stays as it was (version \(version)).")
            return [.clearDraft(key: editor.draftKey)]
        case .save(let content):
            return [.saveDraft(key: editor.draftKey, text: content), editor.saveRequest(content)]
        }
    }
}

enum NoteEditorView {
    static func draw(_ editor: AppState.NoteEditorState, state: AppState, into screen: inout Screen) {
        var title = (editor.noteID == nil ? "New note: " : "Amend note (v\(editor.version ?? 1) → v\((editor.version ?? 1) + 1)): ")
        title += editor.patientName
        let box = drawBox(title: title, width: screen.width - 4, height: screen.height - 3, into: &screen)
        let textHeight = box.height - 2
        // Lay the lines out wrapped, remembering where the cursor lands.
        var rows: [String] = []
        var cursor: (x: Int, y: Int) = (0, 0)
        for (index, line) in editor.editor.lines.enumerated() {
            let safe = TerminalText.sanitize(line)
            let wrapped = wrapAtWords(safe, columns: box.width)
            if index == editor.editor.row {
                let before = String(safe.prefix(editor.editor.column))
                var remaining = TerminalText.width(before)
                var lineIndex = 0
                while lineIndex < wrapped.count - 1 && remaining >= TerminalText.width(wrapped[lineIndex]) {
                    remaining -= TerminalText.width(wrapped[lineIndex])
                    lineIndex += 1
                }
                cursor = (remaining, rows.count + lineIndex)
            }
            rows += wrapped
        }
        let scroll = max(0, cursor.y - textHeight + 1)
        for (offset, row) in rows.dropFirst(scroll).prefix(textHeight).enumerated() {
            screen.put(row, x: box.x, y: box.y + offset, maxWidth: box.width)
        }
        screen.cursor = (box.x + min(cursor.x, box.width - 1), box.y + cursor.y - scroll)
        let status = "\(editor.editor.characterCount)/20000"
        if let error = editor.error {
            screen.put(TerminalText.sanitize(error), x: box.x, y: box.y + box.height - 1, style: editor.retrying ? .warning : .error,
                       maxWidth: box.width - status.count - 1)
        } else if editor.saving {
            screen.put(spinnerFrames[state.spinner % spinnerFrames.count] + " saving…", x: box.x, y: box.y + box.height - 1, style: .dim)
        }
        screen.put(status, x: box.x + box.width - status.count, y: box.y + box.height - 1, style: .dim)
    }

    /// Wraps after the last space that fits, so no word is broken ("no synco│pe" was); a word wider
    /// than the line is broken where it must. Every character stays, spaces included, in order: the
    /// rows joined are the line, which is how the cursor is placed.
    static func wrapAtWords(_ text: String, columns: Int) -> [String] {
        guard columns > 0 else { return [text] }
        var rows: [String] = []
        var row: [Character] = []
        var used = 0
        for character in text {
            let w = TerminalText.width(character)
            if used + w > columns && !row.isEmpty {
                if character != " ", let space = row.lastIndex(of: " "), space < row.count - 1 {
                    // Carry the word begun on this row to the next.
                    rows.append(String(row[...space]))
                    row = Array(row[(space + 1)...])
                    used = row.reduce(0) { $0 + TerminalText.width($1) }
                } else if character != " " {
                    rows.append(String(row))
                    row = []
                    used = 0
                }
            }
            row.append(character)
            used += w
        }
        rows.append(String(row))
        return rows
    }

    /// Hard wrap at the column limit.
    static func wrapHard(_ text: String, columns: Int) -> [String] {
        var rows: [String] = []
        var row = ""
        var used = 0
        for character in text {
            let w = TerminalText.width(character)
            if used + w > columns {
                rows.append(row)
                row = ""
                used = 0
            }
            row.append(character)
            used += w
        }
        rows.append(row)
        return rows
    }
}
