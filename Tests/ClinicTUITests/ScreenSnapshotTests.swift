import ClinicAPI
@testable import ClinicTUI
import Foundation
import Testing

@Suite struct ScreenSnapshotTests {
    @Test(arguments: [(80, 24), (120, 40)])
    func test_mainScreen_snapshot(size: (Int, Int)) throws {
        let state = Fixture.mainState(width: size.0, height: size.1)
        try expectSnapshot(view(state), "main-\(size.0)x\(size.1)")
    }

    @Test(arguments: [(80, 24), (120, 40)])
    func test_loginScreen_snapshot(size: (Int, Int)) throws {
        var state = AppState(width: size.0, height: size.1, serverLabel: "clinic.example.org", now: Fixture.now)
        for character in "ana@example.org" { _ = update(&state, .key(.character(character))) }
        _ = update(&state, .key(.tab))
        for character in "secret" { _ = update(&state, .key(.character(character))) }
        try expectSnapshot(view(state), "login-\(size.0)x\(size.1)")
        #expect(!view(state).text.contains("secret"), "the password is never drawn")
    }

    @Test func test_timelineFocused_andNoteEditor_snapshots() throws {
        var state = Fixture.mainState()
        _ = update(&state, .key(.tab))
        _ = update(&state, .key(.character("j")))
        try expectSnapshot(view(state), "timeline-focused-80x24")
        _ = update(&state, .key(.character("a")))
        for character in "Seen today: improving." { _ = update(&state, .key(.character(character))) }
        _ = update(&state, .key(.enter))
        for character in "Plan: continue." { _ = update(&state, .key(.character(character))) }
        try expectSnapshot(view(state), "note-editor-80x24")
    }

    @Test func test_patientForm_showsServerFieldErrors_besideTheField() throws {
        var state = Fixture.mainState()
        _ = update(&state, .key(.character("n")))
        for character in "New Patient" { _ = update(&state, .key(.character(character))) }
        #expect(update(&state, .key(.control("s"))) == [.findPossibleDuplicates(name: "New Patient", phone: "")])
        let commands = update(&state, .records(.possibleDuplicatesFound([Fixture.patients[4]])))
        #expect(commands.contains { if case .savePatient(nil, _) = $0 { return true } else { return false } }, "no one like them: saved")
        _ = update(&state, .records(.patientSaveFailed(ClientFailure(kind: .rejected, status: 422, message: "invalid",
                                                            fieldErrors: ["date_of_birth": "must be a real date"]))))
        let screen = view(state)
        try expectSnapshot(screen, "patient-form-error-80x24")
        #expect(screen.text.contains("↳ must be a real date"))
        // What was typed is still there.
        #expect(screen.text.contains("New Patient"))
    }

    @Test func test_helpOverlay_listsTheKeysOfTheScreenBelow() {
        var state = Fixture.mainState()
        _ = update(&state, .key(.character("?")))
        let text = view(state).text
        for (key, action) in KeyTable.keys(for: Fixture.mainState()) {
            #expect(text.contains(key) && text.contains(action), "help lacks \(key) \(action)")
        }
        _ = update(&state, .key(.character("x")))
        #expect(state.overlay == nil)
    }

    @Test func test_smallAndMonochromeSafe_noLineIsWiderThanTheScreen() {
        for (width, height) in [(80, 24), (100, 30), (120, 40), (40, 10)] {
            let screen = view(Fixture.mainState(width: width, height: height))
            for line in screen.lines {
                #expect(TerminalText.width(line) <= width, "\(width)x\(height): \(line)")
            }
        }
    }
}
