import ClinicAPI
@testable import ClinicTUI
import Foundation
import Testing

/// Each dialog alone: its `update` sees the app's state only as a value, changes only itself, and
/// says what it wants (stay with requests, close, or an intent for its opener). Then the same keys
/// through the app's `update`, to check the opener carries the intent out.
struct DialogComponentTests {
    static func type(_ text: String) -> [Key] { text.map { Key.character($0) } }

    @Test func noteEditor_saysWhatItWants_andTheRecordsCarryItOut() {
        var state = Fixture.mainState()
        let patient = Fixture.patients[0]
        var editor = AppState.NoteEditorState(patientID: patient.id, patientName: patient.name, noteID: nil, version: nil,
                                              editor: TextEditor(""))
        #expect(editor.update(.control("s"), in: state) == .stay)
        #expect(editor.error == "The note is empty.")
        #expect(editor.update(.character("B"), in: state) == .intent(.draftChanged("B")))
        #expect(editor.error == nil)
        #expect(editor.update(.left, in: state) == .stay)
        #expect(editor.update(.escape, in: state) == .intent(.cancel(keptDraft: true)))
        #expect(editor.update(.control("s"), in: state) == .intent(.save(content: "B")))
        #expect(editor.saving)
        // Saving already: a second Ctrl-S sends nothing, and Esc leaves no draft message.
        #expect(editor.update(.control("s"), in: state) == .stay)
        #expect(editor.update(.escape, in: state) == .intent(.cancel(keptDraft: false)))

        // An amendment with nothing changed: no new version.
        let note = Fixture.notes[0]
        var amend = AppState.NoteEditorState(patientID: patient.id, patientName: patient.name, noteID: note.id, version: note.version,
                                             editor: TextEditor(note.content))
        #expect(amend.update(.control("s"), in: state) == .intent(.unchanged(version: note.version)))

        // Through the app: typing keeps the draft, Esc closes and says so.
        _ = update(&state, .key(.character("a")))
        #expect(state.overlay?.noteEditor != nil)
        var commands: [Command] = []
        for key in Self.type("Hi") { commands += update(&state, .key(key)) }
        let draftKey = "note-\(patient.id)"
        #expect(state.drafts[draftKey] == "Hi")
        #expect(commands.last == .saveDraft(key: draftKey, text: "Hi"))
        _ = update(&state, .key(.escape))
        #expect(state.overlay == nil)
        #expect(state.toast == .info("Draft kept: press a to continue it."))
        #expect(state.drafts[draftKey] == "Hi")
    }

    @Test func filePrompt_sendsOnlyAPath_andTheDocumentsPaneStartsTheTransfer() {
        var state = Fixture.mainState()
        let patient = Fixture.patients[0]
        var prompt = AppState.FilePrompt(purpose: .upload(patientID: patient.id, patientName: patient.name), path: LineField("  ", maxLength: 1024))
        #expect(prompt.update(.enter, in: state) == .stay)
        #expect(prompt.error == "Type a path (Tab completes).")
        prompt.path = LineField(" /tmp/scan.pdf ", maxLength: 1024)
        #expect(prompt.update(.tab, in: state) == .stay([.completePath(" /tmp/scan.pdf ")]))
        #expect(prompt.update(.enter, in: state) == .intent(.send(path: "/tmp/scan.pdf")))
        #expect(prompt.error == nil)
        #expect(prompt.update(.escape, in: state) == .close)

        state.overlay = .filePrompt(prompt)
        let commands = update(&state, .key(.enter))
        #expect(commands == [.uploadDocument(patientID: patient.id, path: "/tmp/scan.pdf")])
        #expect(state.overlay == nil)
        #expect(state.documents.sentPrompt == prompt)
        #expect(state.documents.transfer?.label == "Uploading scan.pdf")
    }

    @Test func deleteQuestion_onlyYDeletes() {
        var state = Fixture.mainState()
        #expect(Confirmation.update(.character("y"), in: state) == .intent(.yes))
        #expect(Confirmation.update(.character("Y"), in: state) == .intent(.yes))
        for key in [Key.character("n"), .enter, .escape, .character("d"), .character(" ")] {
            #expect(Confirmation.update(key, in: state) == .close)
        }
        state.overlay = .confirmDelete(Fixture.patients[1])
        #expect(update(&state, .key(.enter)).isEmpty)
        #expect(state.overlay == nil)
        state.overlay = .confirmDelete(Fixture.patients[1])
        #expect(update(&state, .key(.character("y"))) == [.deletePatient(id: Fixture.patients[1].id)])
        #expect(state.overlay == nil)
        #expect(state.toast == .info("Deleting…"))
    }

    @Test func bookingForm_checksItself_andTheCalendarSendsAndClearsItsMarks() {
        var state = Fixture.mainState()
        state.calendar.clashes = ["x"]
        var form = BookingForm()
        form.date = LineField("2026-11-26", maxLength: 16)
        form.time = LineField("25:00", maxLength: 5)
        form.minutes = LineField("30", maxLength: 3)
        #expect(form.update(.control("s"), in: state) == .stay)
        #expect(Set(form.fieldErrors.keys) == [.patient, .time])
        #expect(!form.busy)
        form.pick(Fixture.patients[2])
        form.time = LineField("10:00", maxLength: 5)
        guard case .intent(.send(.createAppointment(let change))) = form.update(.control("s"), in: state) else {
            Issue.record("no appointment sent")
            return
        }
        #expect(change.patientID == Fixture.patients[2].id)
        #expect((change.endsAt ?? .distantPast).timeIntervalSince(change.startsAt ?? .distantFuture) == 1800)
        #expect(form.busy)
        #expect(form.update(.escape, in: state) == .intent(.cancel))

        state.overlay = .booking(form)
        _ = update(&state, .key(.escape))
        #expect(state.overlay == nil)
        #expect(state.calendar.clashes.isEmpty)
    }

    @Test func statusMenu_asksBeforeACancel_thenHandsTheStatusToTheCalendar() {
        let state = Fixture.mainState()
        let appointment = Fixture.appointment(1, patient: 0, from: Fixture.today(10), minutes: 30)
        var menu = StatusMenu(appointment: appointment)
        #expect(menu.update(.character("x"), in: state) == .stay)
        #expect(menu.confirming == .cancelled)
        #expect(menu.update(.character("y"), in: state) == .intent(.cancelled))
        var other = StatusMenu(appointment: appointment)
        #expect(other.update(.character("i"), in: state) == .intent(.arrived))
        #expect(other.update(.character("b"), in: state) == .close)
    }
}
