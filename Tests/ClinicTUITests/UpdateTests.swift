import ClinicAPI
@testable import ClinicTUI
import Foundation
import Testing

@Suite struct UpdateTests {
    @Test func test_focusMoves_betweenPanes_withTabAndVimKeys() {
        var state = Fixture.mainState()
        #expect(state.focus == .patients)
        _ = update(&state, .key(.tab))
        #expect(state.focus == .timeline)
        _ = update(&state, .key(.character("h")))
        #expect(state.focus == .patients)
        _ = update(&state, .key(.character("l")))
        #expect(state.focus == .timeline)
        _ = update(&state, .key(.escape))
        #expect(state.focus == .patients)
    }

    /// No note's end is hidden: an unselected long note says how many lines it has left, the selected
    /// one is shown whole and PgDn/PgUp read through it when it is taller than the pane.
    @Test func test_aLongNote_isReadToItsEnd() throws {
        var state = Fixture.mainState()
        let long = (1...40).map { "Line \($0) of the discharge letter." }.joined(separator: "\n")
        let notes = [Fixture.note(1, long, daysAgo: 0.1), Fixture.note(2, "Short note.", daysAgo: 0.2)]
        _ = update(&state, .records(.notesLoaded(patientID: Fixture.patients[0].id, items: notes, nextCursor: nil, append: false)))
        var text = view(state).text
        #expect(text.contains("Line 6 of") && !text.contains("Line 7 of") && text.contains("… 34 more lines"))
        _ = update(&state, .key(.tab))
        text = view(state).text
        #expect(text.contains("lines 1–17 of 40") && text.contains("Line 17 of") && !text.contains("Line 18 of"))
        #expect(text.contains("23 more lines (PgDn)"))
        #expect(KeyTable.keys(for: state).contains { $0.key == "PgDn/PgUp" })
        _ = update(&state, .key(.pageDown))
        #expect(view(state).text.contains("lines 18–34 of 40") && view(state).text.contains("6 more lines (PgDn)"), "a screenful on")
        _ = update(&state, .key(.pageDown))
        text = view(state).text
        #expect(text.contains("Line 40 of"), "the end of the note")
        #expect(text.contains("lines 23–40 of 40") && !text.contains("more line"))
        #expect(update(&state, .key(.pageDown)).isEmpty && state.timeline.noteScroll == 22, "no further than the end")
        _ = update(&state, .key(.pageUp))
        #expect(view(state).text.contains("lines 6–22 of 40"))
        // Another note starts at its top, and so does a reloaded list.
        _ = update(&state, .key(.character("j")))
        _ = update(&state, .key(.character("k")))
        #expect(state.timeline.noteScroll == 0)
        try expectSnapshot(view(state), "timeline-long-note-80x24")
        _ = update(&state, .key(.pageDown))
        _ = update(&state, .records(.notesLoaded(patientID: Fixture.patients[0].id, items: notes, nextCursor: nil, append: false)))
        #expect(state.timeline.noteScroll == 0)
        // A taller window holds more of the note: the scroll stays within what it can show.
        _ = update(&state, .key(.pageDown))
        _ = update(&state, .key(.pageDown))
        _ = update(&state, .resized(width: 80, height: 40))
        #expect(state.timeline.noteScroll == 40 - TimelineView.noteRoom(state))
        _ = update(&state, .resized(width: 80, height: 24))
    }

    /// An amended note's earlier text can be read (`v`): every version, oldest first, the current
    /// one marked; a server without the endpoint (v1) is said in words; a note never amended has none.
    @Test func test_anAmendedNote_showsItsEarlierVersions() throws {
        var state = Fixture.mainState()
        _ = update(&state, .key(.tab))
        let note = Fixture.notes[0]
        #expect(note.version == 2 && KeyTable.keys(for: state).contains { $0.key == "v" })
        #expect(update(&state, .key(.character("v"))) == [.loadNoteVersions(patientID: Fixture.patients[0].id, noteID: note.id)])
        let versions = [
            NoteVersion(version: 1, content: "BP 182/84, pulse 72. Continue amlodipine 5 mg.", createdAt: note.createdAt),
            NoteVersion(version: 2, content: note.content, createdAt: note.updatedAt),
        ]
        _ = update(&state, .noteVersions(.loaded(noteID: "another note", versions.reversed())))
        #expect(view(state).text.contains("Loading…"), "an answer for another note is not shown")
        _ = update(&state, .noteVersions(.loaded(noteID: note.id, versions)))
        let text = view(state).text
        #expect(text.contains("── v1 · ") && text.contains("BP 182/84") && text.contains("── v2 (current) · "))
        try expectSnapshot(view(state), "note-versions-80x24")
        _ = update(&state, .key(.escape))
        #expect(state.overlay == nil)
        // A v1 server has no such endpoint: 404 without a code.
        _ = update(&state, .key(.character("v")))
        _ = update(&state, .noteVersions(.failed(noteID: note.id, APIFailure(kind: .rejected, status: 404, message: "Not Found"))))
        #expect(view(state).text.contains("This server keeps no earlier versions to show"))
        _ = update(&state, .key(.escape))
        // A note never amended: said, nothing asked.
        _ = update(&state, .key(.character("j")))
        #expect(!KeyTable.keys(for: state).contains { $0.key == "v" })
        #expect(update(&state, .key(.character("v"))).isEmpty && state.overlay == nil)
    }

    /// The first state comes from the TUI module: settings applied, the first requests per case.
    @Test func test_theFirstState_andItsFirstRequests() {
        let settings = Startup.Settings(hours: WorkingHours(hours: "07:00-19:00", slotMinutes: 20)!, startOnAgenda: true,
                                        downloadFolder: "~/Downloads", asciiOnly: true, themeProblem: "Theme not used, line 3.")
        let (login, none) = Startup.launch(serverLabel: "clinic.example.org", user: nil, drafts: [:], settings: settings, resumed: false)
        #expect(!login.loggedIn && none.isEmpty && login.mode == .records, "the login screen asks nothing")
        #expect(login.toast == .error("Theme not used, line 3.") && login.asciiOnly && login.downloadFolder == "~/Downloads")
        let (resumed, first) = Startup.launch(serverLabel: "clinic.example.org", user: Fixture.user(), drafts: [:], settings: settings,
                                              resumed: true)
        #expect(first.contains(.refreshUser), "a saved session's plan is asked again")
        #expect(first.contains { if case .loadPatients = $0 { return true } else { return false } })
        #expect(resumed.mode == .calendar && resumed.hours.slotMinutes == 20, "on today's agenda, in the configured slots")
        let (signedIn, fresh) = Startup.launch(serverLabel: "this computer", user: Fixture.user(), drafts: [:], settings: settings, resumed: false)
        #expect(!fresh.contains(.refreshUser) && signedIn.login.email.text == Fixture.user().email)
    }

    /// Found driving the app in tmux: an amendment that changes nothing is not sent (it made an
    /// identical version), and `e` with no note says why nothing opens.
    @Test func test_anUnchangedAmendment_isNotSent_andAmendingNothingIsSaid() {
        var state = Fixture.mainState()
        _ = update(&state, .key(.tab))
        _ = update(&state, .key(.character("e")))
        guard case .noteEditor = state.overlay else { Issue.record("e opens the note to amend"); return }
        let commands = update(&state, .key(.control("s")))
        #expect(!commands.contains { if case .saveNote = $0 { return true } else { return false } })
        #expect(state.overlay == nil && state.toast == .info("No changes: the note stays as it was (version 2)."))
        _ = update(&state, .records(.notesLoaded(patientID: Fixture.patients[0].id, items: [], nextCursor: nil, append: false)))
        #expect(update(&state, .key(.character("e"))).isEmpty && state.overlay == nil)
        #expect(state.toast == .info("No note to amend yet: a writes one."))
    }

    /// A resize keeps the day view's selected slot on screen.
    @Test func test_aResize_keepsTheSelectedSlotInView() {
        var state = Fixture.calendarState()
        state.calendar.minute = 17 * 60 + 45
        _ = update(&state, .resized(width: 120, height: 40))
        _ = update(&state, .resized(width: 80, height: 24))
        let rows = CalendarScreen.dayRows(state), slots = CalendarScreen.slots(state)
        let index = try? #require(slots.firstIndex(of: state.calendar.minute))
        #expect(index.map { $0 >= state.calendar.scroll && $0 < state.calendar.scroll + rows } == true, "the selected slot is shown")
    }

    @Test func test_movingTheSelection_loadsThatPatientsNotes() {
        var state = Fixture.mainState()
        let commands = update(&state, .key(.character("j")))
        #expect(state.patients.selected == 1)
        #expect(commands.contains(.loadNotes(patientID: Fixture.patients[1].id, cursor: nil)))
        // An answer for the patient no longer selected is ignored.
        _ = update(&state, .records(.notesLoaded(patientID: Fixture.patients[0].id, items: Fixture.notes, nextCursor: nil, append: false)))
        #expect(state.timeline.notes.isEmpty)
        _ = update(&state, .key(.character("k")))
        _ = update(&state, .key(.character("k")))
        #expect(state.patients.selected == 0)
    }

    @Test func test_search_isDebounced_andOnlyTheLatestKeystrokeSearches() {
        var state = Fixture.mainState()
        _ = update(&state, .key(.character("/")))
        var generations: [Int] = []
        for character in "jos" {
            for command in update(&state, .key(.character(character))) {
                if case .after(250, .records(.searchDebounced(let generation))) = command { generations.append(generation) }
            }
        }
        #expect(generations.count == 3)
        // Stale timers do nothing; the last one searches for the whole text.
        #expect(update(&state, .records(.searchDebounced(generation: generations[0]))).isEmpty)
        let commands = update(&state, .records(.searchDebounced(generation: generations[2])))
        #expect(commands.contains(.loadPatients(requestID: state.patients.requestID, query: "jos", cursor: nil)))
        #expect(state.patients.loading)
        // An older request's answer is dropped.
        _ = update(&state, .records(.patientsLoaded(requestID: state.patients.requestID - 1, items: [], nextCursor: nil, append: false)))
        #expect(state.patients.items.count == Fixture.patients.count)
    }

    @Test func test_nearTheEnd_theNextPageIsFetched_once() {
        var state = Fixture.mainState()
        let commands = update(&state, .key(.character("G")))
        #expect(commands.contains(.loadPatients(requestID: state.patients.requestID, query: "", cursor: "next")))
        #expect(update(&state, .key(.character("k"))).allSatisfy { if case .loadPatients = $0 { return false } else { return true } })
        _ = update(&state, .records(.patientsLoaded(requestID: state.patients.requestID, items: [Fixture.patient(9, name: "Page Two")],
                                           nextCursor: nil, append: true)))
        #expect(state.patients.items.count == Fixture.patients.count + 1)
        #expect(state.patients.nextCursor == nil)
    }

    @Test func test_escape_cancelsTheRequestInFlight() {
        var state = Fixture.mainState()
        _ = update(&state, .key(.character("r")))
        #expect(state.patients.loading)
        let commands = update(&state, .key(.escape))
        #expect(commands == [.cancel(requestID: state.patients.requestID)])
        #expect(!state.patients.loading)
    }

    @Test func test_loadError_isShown() {
        var state = Fixture.mainState()
        _ = update(&state, .key(.character("/")))
        _ = update(&state, .key(.character("x")))
        _ = update(&state, .records(.searchDebounced(generation: state.patients.generation)))
        _ = update(&state, .records(.patientsLoaded(requestID: state.patients.requestID, items: [], nextCursor: nil, append: false)))
        _ = update(&state, .key(.enter))
        _ = update(&state, .key(.character("r")))
        _ = update(&state, .records(.patientsFailed(requestID: state.patients.requestID,
                                           ClientFailure(kind: .unreachable, message: "cannot reach the server"))))
        let text = view(state).text
        #expect(text.contains("Could not load: cannot reach") && text.contains("the server"))
    }

    @Test func test_controlCharactersFromTheServer_neverReachTheScreen() {
        var state = Fixture.mainState()
        let hostile = Fixture.patient(7, name: "Evil\u{1B}[2J\u{1B}]0;pwned\u{07}Name\u{202E}gnp.exe\u{9B}31m", phone: "\u{1B}[31m555")
        _ = update(&state, .records(.patientsLoaded(requestID: state.patients.requestID, items: [hostile], nextCursor: nil, append: false)))
        _ = update(&state, .records(.notesLoaded(patientID: hostile.id, items: [
            ClinicalNote(id: "n", patientId: hostile.id, content: "line\u{1B}[H\u{1B}[2Jwiped\u{08}\u{08}", createdAt: Fixture.now,
                         updatedAt: Fixture.now, version: 1)], nextCursor: nil, append: false)))
        let screen = view(state)
        for cell in screen.cells {
            for scalar in cell.text.unicodeScalars {
                #expect(scalar.value >= 0x20 && !(0x7F...0x9F).contains(scalar.value) && scalar.value != 0x202E,
                        "control U+\(String(scalar.value, radix: 16)) on screen")
            }
        }
        #expect(screen.text.contains("EvilNamegnp.exe"))
        #expect(screen.text.contains("linewiped"))
    }

    @Test func test_unsavedNote_isKeptAsADraft_andRetriedWhenTheServerIsBack() {
        var state = Fixture.mainState()
        _ = update(&state, .key(.character("a")))
        var drafts: [Command] = []
        for character in "Chest clear" { drafts += update(&state, .key(.character(character))) }
        #expect(drafts.last == .saveDraft(key: "note-\(Fixture.patients[0].id)", text: "Chest clear"))
        let save = update(&state, .key(.control("s")))
        let key = "note-\(Fixture.patients[0].id)"
        #expect(save.contains(.saveNote(patientID: Fixture.patients[0].id, noteID: nil, content: "Chest clear", draftKey: key)))
        let retry = update(&state, .records(.noteSaveFailed(ClientFailure(kind: .unreachable, message: "down"), draftKey: key)))
        #expect(retry == [.after(milliseconds: 3000, .records(.retryNoteSave(draftKey: key)))])
        #expect(view(state).text.contains("Server unreachable"))
        #expect(update(&state, .records(.retryNoteSave(draftKey: key))).contains(.saveNote(patientID: Fixture.patients[0].id, noteID: nil,
                                                                                  content: "Chest clear", draftKey: key)))
        let saved = ClinicalNote(id: "n1", patientId: Fixture.patients[0].id, content: "Chest clear", createdAt: Fixture.now,
                                 updatedAt: Fixture.now, version: 1)
        #expect(update(&state, .records(.noteSaved(patientID: Fixture.patients[0].id, saved, draftKey: key))) == [.clearDraft(key: key)])
        #expect(state.overlay == nil)
        #expect(state.timeline.notes.first?.id == "n1")
    }

    @Test func test_aServerError_onSave_isShown_andTheNoteStaysToSaveAgain() {
        var state = Fixture.mainState()
        _ = update(&state, .key(.character("a")))
        for character in "Chest clear" { _ = update(&state, .key(.character(character))) }
        _ = update(&state, .key(.control("s")))
        let key = "note-\(Fixture.patients[0].id)"
        #expect(update(&state, .records(.noteSaveFailed(ClientFailure(kind: .rejected, status: 500, message: "Internal Server Error"), draftKey: key))).isEmpty)
        #expect(view(state).text.contains("Internal Server Error"))
        guard case .noteEditor(let editor) = state.overlay else { Issue.record("the editor closed"); return }
        #expect(editor.editor.text == "Chest clear" && !editor.saving)
        #expect(update(&state, .key(.control("s"))).contains(.saveNote(patientID: Fixture.patients[0].id, noteID: nil,
                                                                        content: "Chest clear", draftKey: key)))
    }

    @Test func test_sessionExpiry_duringASave_goesToLogin_keepsTheText_andSavesAfterLogin() {
        var state = Fixture.mainState()
        _ = update(&state, .key(.character("a")))
        for character in "Important finding" { _ = update(&state, .key(.character(character))) }
        _ = update(&state, .key(.control("s")))
        let key = "note-\(Fixture.patients[0].id)"
        _ = update(&state, .records(.noteSaveFailed(ClientFailure(kind: .sessionExpired, status: 401, message: "expired"), draftKey: key)))
        #expect(!state.loggedIn)
        #expect(view(state).text.contains("Nothing you typed is"))
        #expect(state.login.email.text == Fixture.user().email, "the email is filled in, the password asked for")
        guard case .noteEditor(let editor) = state.overlay else {
            Issue.record("the editor is gone")
            return
        }
        #expect(editor.editor.text == "Important finding")
        let resumed = update(&state, .loggedIn(Fixture.user()))
        #expect(resumed.contains(.saveNote(patientID: Fixture.patients[0].id, noteID: nil, content: "Important finding", draftKey: key)))
        #expect(state.loggedIn)
    }

    @Test func test_escape_closesTheEditor_keepsTheDraft_andReopeningBringsItBack() {
        var state = Fixture.mainState()
        let key = "note-\(Fixture.patients[0].id)"
        _ = update(&state, .key(.character("a")))
        for character in "Half a thought" { _ = update(&state, .key(.character(character))) }
        let closing = update(&state, .key(.escape))
        #expect(state.overlay == nil)
        #expect(!closing.contains(.clearDraft(key: key)), "Esc must not throw the draft away")
        #expect(state.drafts[key] == "Half a thought")
        #expect(view(state).text.contains("Draft kept"))
        _ = update(&state, .key(.character("a")))
        guard case .noteEditor(let editor) = state.overlay else {
            Issue.record("no editor")
            return
        }
        #expect(editor.editor.text == "Half a thought")
    }

    @Test func test_draftFromAnEarlierRun_isRestored() {
        var state = Fixture.mainState()
        state.drafts["note-\(Fixture.patients[0].id)"] = "Typed before the crash"
        _ = update(&state, .key(.character("a")))
        guard case .noteEditor(let editor) = state.overlay else {
            Issue.record("no editor")
            return
        }
        #expect(editor.editor.text == "Typed before the crash")
    }

    @Test func test_inactiveSubscription_blocksWriteKeys_withAReason() {
        var state = Fixture.mainState()
        state.user = Fixture.user(status: .inactive)
        for key in ["n", "a", "d", "e"] {
            _ = update(&state, .key(.character(Character(key))))
            #expect(state.overlay == nil, "\(key) opened a dialog")
        }
        #expect(view(state).text.contains("read-only"))
    }

    @Test func test_loginValidation_andServerErrors() {
        var state = AppState(width: 80, height: 24, serverLabel: "x", now: Fixture.now)
        _ = update(&state, .key(.tab))
        let none = update(&state, .key(.enter))
        #expect(none.isEmpty)
        #expect(state.login.fieldErrors["email"] != nil)
        for character in "ana@example.org" { _ = update(&state, .key(.character(character))) }
        _ = update(&state, .key(.tab))
        for character in "pw" { _ = update(&state, .key(.character(character))) }
        #expect(update(&state, .key(.enter)) == [.login(email: "ana@example.org", password: "pw")])
        _ = update(&state, .authFailed(ClientFailure(kind: .rejected, status: 401, message: "Incorrect email or password")))
        #expect(view(state).text.contains("Incorrect email or password"))
        #expect(state.login.email.text == "ana@example.org")
    }

    @Test func test_textWidths() {
        #expect(TerminalText.width("abc") == 3)
        #expect(TerminalText.width("王小明") == 6)
        #expect(TerminalText.width("José") == 4)
        #expect(TerminalText.width("e\u{301}") == 1)
        #expect(TerminalText.width("प्रिया") == 5)
        // Devanagari clusters as tmux 3.3a counts them (its cursor column after printing each, measured
        // with `tmux display -p '#{cursor_x}'`; glibc's wcwidth agrees): a virama and vowel signs above
        // or below take no cell, vowel signs beside the letter (Mc) take one.
        for (word, cells) in [("प्रि", 3), ("क्षत्रिय", 6), ("नमस्ते", 4)] {
            #expect(TerminalText.width(word) == cells, "\(word)")
        }
        #expect(TerminalText.fit("王小明abc", to: 5) == "王小…")
        #expect(TerminalText.width(TerminalText.fit("王小明abc", to: 5)) == 5)
        #expect(TerminalText.sanitize("a\u{1B}[31mb\u{1B}]8;;http://x\u{07}c\u{0}d\n") == "abcd ")
    }

    @Test func test_cursorMove_changesOnlyTwoRows() {
        var state = Fixture.mainState()
        state.patients.nextCursor = nil
        let before = view(state)
        _ = update(&state, .key(.character("j")))
        _ = update(&state, .records(.notesLoaded(patientID: Fixture.patients[1].id, items: [], nextCursor: nil, append: false)))
        let after = view(state)
        var rowsInList = Set<Int>()
        for y in 0..<after.height {
            for x in 0..<31 where after[x, y] != before[x, y] { rowsInList.insert(y) }
        }
        #expect(rowsInList == [2, 3])
    }

    /// Below 80×24 parts of the screens are cut off: the window says so instead of clipping silently.
    @Test func test_aWindowBelowEightyByTwentyFour_saysSo() {
        var state = Fixture.mainState()
        _ = update(&state, .resized(width: 79, height: 24))
        #expect(view(state).text.contains("Window 79×24: make it at least 80×24"))
        _ = update(&state, .resized(width: 80, height: 23))
        #expect(view(state).text.contains("Window 80×23: make it at least 80×24"))
        _ = update(&state, .resized(width: 80, height: 24))
        #expect(!view(state).text.contains("at least 80×24"))
        _ = update(&state, .resized(width: 30, height: 8))
        #expect(view(state).text.contains("Make the window at least 80×24"))
    }

    /// The note editor wraps between words and keeps every character, so the cursor lands where it is.
    @Test func test_theNoteEditor_wrapsBetweenWords() {
        let text = "no syncope today, BP 120/80"
        let rows = NoteEditorView.wrapAtWords(text, columns: 8)
        #expect(rows == ["no ", "syncope ", "today, ", "BP ", "120/80"])
        #expect(rows.joined() == text)
        #expect(NoteEditorView.wrapAtWords("haemoglobinopathy", columns: 8) == ["haemoglo", "binopath", "y"], "a word wider than the line")
        #expect(NoteEditorView.wrapAtWords("", columns: 8) == [""])
    }
}

