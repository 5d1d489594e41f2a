import ClinicAPI
@testable import ClinicTUI
import Foundation
import Testing

/// The key bar and `?` help read `KeyTable`; these hold the table to what the handlers do: on each
/// screen no key is listed twice (one key, one meaning), and every key listed does something there.
@Suite struct KeyTableTests {
    /// The screens a doctor, an owner and the front desk meet, each with its name.
    static func screens() -> [(String, AppState)] {
        var result: [(String, AppState)] = []
        let records = Fixture.mainState()
        result.append(("records", records))
        var timeline = records
        _ = update(&timeline, .key(.tab))
        result.append(("notes timeline", timeline))
        var search = records
        _ = update(&search, .key(.character("/")))
        result.append(("search", search))
        var day = Fixture.calendarState()
        result.append(("calendar day", day))
        var week = day
        _ = update(&week, .key(.character("w")))
        _ = update(&week, .calendar(.appointmentsLoaded(requestID: week.calendar.requestID, items: Fixture.appointments)))
        result.append(("calendar week", week))
        var month = day
        _ = update(&month, .key(.character("m")))
        _ = update(&month, .calendar(.appointmentsLoaded(requestID: month.calendar.requestID, items: Fixture.appointments)))
        result.append(("calendar month", month))
        _ = update(&day, .key(.enter))
        result.append(("booking form", day))
        var menu = Fixture.calendarState()
        menu.calendar.minute = 10 * 60
        _ = update(&menu, .key(.character("s")))
        #expect({ if case .statusMenu = menu.overlay { return true } else { return false } }(), "s opens the status menu")
        result.append(("status menu", menu))
        _ = update(&menu, .key(.character("x")))
        result.append(("status menu, asking", menu))
        var choosing = day
        _ = update(&choosing, .key(.character("a")))
        if case .booking(let form) = choosing.overlay {
            _ = update(&choosing, .calendar(.bookingPatientsLoaded(generation: form.generation, Fixture.patients)))
            #expect(CalendarScreen.choosingPatient(choosing), "the booking's patient matches are open")
            result.append(("booking form, choosing a patient", choosing))
        }
        var (owner, _) = Fixture.signedIn(.owner)
        _ = update(&owner, .records(.patientsLoaded(requestID: owner.patients.requestID, items: Fixture.patients, nextCursor: nil, append: false)))
        var staff = owner
        _ = update(&staff, .key(.character("S")))
        // A former locum first (reactivate acts on them), then the fixture's staff.
        _ = update(&staff, .staffLoaded([Fixture.member("dddddddddddddddddddddddd", "Dr Old Locum", .doctor, active: false)] + Fixture.staff))
        result.append(("staff (owner)", staff))
        var invite = staff
        _ = update(&invite, .key(.character("i")))
        result.append(("invitation form", invite))
        _ = update(&invite, .key(.tab))
        result.append(("invitation form, on the role", invite))
        var rename = staff
        _ = update(&rename, .key(.character("N")))
        result.append(("clinic rename", rename))
        var audit = owner
        _ = update(&audit, .key(.character("A")))
        let events = (0..<3).map { index in
            AuditEvent(id: String(format: "%024x", 900 + index), at: Fixture.now.addingTimeInterval(Double(-index) * 600),
                       actorId: Fixture.staff[0].id, actorName: Fixture.staff[0].username, actorRole: "owner", action: "patient.view",
                       patientId: Fixture.patients[0].id, patientName: Fixture.patients[0].name, status: 200)
        }
        _ = update(&audit, .audit(.loaded(key: audit.audit.key, items: events, nextCursor: nil, append: false)))
        result.append(("audit (owner)", audit))
        var (desk, _) = Fixture.signedIn(.frontDesk)
        _ = update(&desk, .key(.escape))
        result.append(("front desk records", desk))
        var form = records
        _ = update(&form, .key(.character("n")))
        _ = update(&form, .key(.character("A")))  // something for Ctrl-U to clear
        result.append(("patient form", form))
        var editor = records
        _ = update(&editor, .key(.character("a")))
        result.append(("note editor", editor))
        var upgrade = records
        _ = update(&upgrade, .key(.character("U")))
        result.append(("upgrade", upgrade))
        _ = update(&upgrade, .upgrade(.checkoutCreated(sessionID: "cs_test_1", url: "https://checkout.stripe.com/c/pay/cs_test_1")))
        result.append(("upgrade with a checkout", upgrade))
        var versions = timeline
        _ = update(&versions, .key(.character("v")))
        result.append(("note versions, loading", versions))
        if case .noteVersions(let opened) = versions.overlay {
            let long = (1...40).map { "Line \($0) of the first text." }.joined(separator: "\n")
            _ = update(&versions, .noteVersions(.loaded(noteID: opened.noteID, [
                NoteVersion(version: 1, content: long, createdAt: Fixture.now.addingTimeInterval(-86_400)),
                NoteVersion(version: 2, content: "BP 128/84.", createdAt: Fixture.now),
            ])))
            result.append(("note versions", versions))
        }
        var prompt = records
        _ = update(&prompt, .key(.character("2")))
        _ = update(&prompt, .documents(.documentsLoaded(patientID: Fixture.patients[0].id, [])))
        _ = update(&prompt, .key(.character("u")))
        result.append(("file prompt", prompt))
        var login = AppState(width: 80, height: 24, serverLabel: "clinic.example.org", now: Fixture.now)
        result.append(("sign-in", login))
        _ = update(&login, .key(.control("r")))
        result.append(("registration", login))
        var delete = records
        _ = update(&delete, .key(.character("d")))
        result.append(("delete question", delete))
        return result
    }

    /// The keys a key-table entry names ("j/k", "Ctrl-S", "[/]"); nil for words such as "type".
    static func keys(_ label: String) -> [Key]? {
        let named: [String: Key] = ["Enter": .enter, "Esc": .escape, "Tab": .tab, "S-Tab": .backTab, "↑": .up, "↓": .down,
                                    "←": .left, "→": .right, "PgUp": .pageUp, "PgDn": .pageDown]
        if ["type", "any key", "arrows"].contains(label) { return nil }
        let parts = label == "/" ? ["/"] : label.split(separator: "/").map(String.init)
        var result: [Key] = []
        for part in parts {
            if let key = named[part] {
                result.append(key)
            } else if part.hasPrefix("Ctrl-"), let letter = part.dropFirst(5).first {
                result.append(.control(Character(letter.lowercased())))
            } else if part.count == 1, let character = part.first {
                result.append(.character(character))
            } else {
                return nil
            }
        }
        return result
    }

    @Test func test_noScreenListsOneKeyTwice() {
        for (name, state) in Self.screens() {
            var seen: [(key: Key, action: String)] = []
            for (label, action) in KeyTable.keys(for: state) {
                for key in Self.keys(label) ?? [] {
                    let earlier = seen.first { $0.key == key }
                    #expect(earlier == nil, "\(name): \(key) is both '\(earlier?.action ?? "")' and '\(action)'")
                    seen.append((key, action))
                }
            }
        }
    }

    /// An entry is live when one of its keys changes the state or asks for something, on the screen
    /// as it is or after one ordinary move there ("k" does nothing on the first row, "t" nothing on
    /// today: after "j" and "l" they do).
    @Test func test_everyKeyListed_doesSomethingThere() {
        func acts(_ key: Key, in state: AppState) -> Bool {
            var pressed = state
            let commands = update(&pressed, .key(key))
            return pressed != state || !commands.isEmpty
        }
        for (name, state) in Self.screens() {
            let listed = KeyTable.keys(for: state)
            #expect(!listed.isEmpty, "\(name)")
            var starts = [state]
            for mover in [Key.character("j"), .character("l"), .character("2"), .down] {
                var moved = state
                _ = update(&moved, .key(mover))
                if moved != state && moved.mode == state.mode && (moved.overlay == nil) == (state.overlay == nil) { starts.append(moved) }
            }
            for (label, action) in listed {
                guard let keys = Self.keys(label) else { continue }
                #expect(starts.contains { start in keys.contains { acts($0, in: start) } }, "\(name): '\(label)' (\(action)) does nothing")
            }
        }
    }

    /// A screen's table as the handler reads it: every offered entry, its keys and whether the key
    /// bar or help names it. Nil for text being typed (the search field: every key is a letter).
    static func table(_ state: AppState) -> [(label: String, keys: [Key], named: Bool)]? {
        func entries<Action>(_ bindings: [KeyBinding<Action>]) -> [(label: String, keys: [Key], named: Bool)] {
            bindings.filter { $0.isOffered(state) }.map { ($0.label, $0.keys.map(\.key), $0.isListed(in: state)) }
        }
        switch state.overlay {
        case .upgrade: return entries(ProFeatures.upgradeBindings)
        case .noteVersions: return entries(NoteVersionsScreen.bindings)
        case .confirmDelete, .confirmDocumentDelete: return entries(Question.delete)
        case .patientForm: return entries(PatientFormScreen.bindings)
        case .booking: return entries(CalendarScreen.bookingBindings)
        case .noteEditor: return entries(Overlays.noteEditorBindings)
        case .filePrompt: return entries(DocumentsPane.promptBindings)
        case .statusMenu(let menu): return menu.confirming != nil ? entries(Question.yesNo) : entries(StatusMenu.bindings)
        case .help: return nil
        case nil: break
        }
        if !state.loggedIn { return entries(LoginScreen.bindings) }
        switch state.mode {
        case .calendar: return entries(CalendarScreen.bindings(state))
        case .audit: return entries(AuditScreen.bindings)
        case .staff:
            let screen = state.staffScreen
            if screen.created != nil { return entries(StaffScreen.createdBindings) }
            if screen.invite != nil { return entries(StaffScreen.inviteBindings) }
            if screen.pending != nil { return entries(Question.yesNo) }
            if screen.rename != nil { return entries(StaffScreen.renameBindings) }
            return entries(StaffScreen.bindings)
        case .records: return state.patients.searchFocused ? nil : entries(MainScreen.bindings(state))
        }
    }

    /// On a table-driven screen the handler takes the first entry holding a key: a second entry with
    /// that key, hidden or not, would be listed and never happen.
    @Test func test_tables_holdEachKeyOnce() {
        var checked = 0
        for (name, state) in Self.screens() {
            guard let table = Self.table(state) else { continue }
            checked += 1
            var seen: [(key: Key, label: String)] = []
            for entry in table {
                for key in entry.keys {
                    let earlier = seen.first { $0.key == key }
                    #expect(earlier == nil, "\(name): \(key) is in both '\(earlier?.label ?? "")' and '\(entry.label)'")
                    seen.append((key, entry.label))
                }
            }
        }
        #expect(checked >= 5)
    }

    /// In a form a key no entry holds is typed: a printable character in a form's table would be
    /// taken from the text (the doctor chooser, which takes no text, may use space).
    @Test func test_formTables_leaveEveryPrintableCharacterToTheText() {
        var checked = 0
        for (name, state) in Self.screens() {
            let isForm: Bool
            switch state.overlay {
            case .patientForm, .noteEditor, .filePrompt: isForm = true
            case .booking(let form): isForm = form.focus != .doctor
            default: isForm = !state.loggedIn
            }
            guard isForm, let table = Self.table(state) else { continue }
            checked += 1
            for entry in table {
                for key in entry.keys {
                    if case .character = key { Issue.record("\(name): '\(entry.label)' takes \(key) from the text") }
                }
            }
        }
        #expect(checked >= 4)
    }

    /// Help lists the key bar and what it leaves out: every entry help names acts on its screen.
    @Test func test_tables_everyKeyHelpNames_doesSomething() {
        for (name, state) in Self.screens() {
            guard let table = Self.table(state) else { continue }
            var starts = [state]
            for mover in [Key.character("j"), .character("l"), .down] {
                var moved = state
                _ = update(&moved, .key(mover))
                if moved != state && moved.mode == state.mode && (moved.overlay == nil) == (state.overlay == nil) { starts.append(moved) }
            }
            for entry in table where entry.named && !entry.keys.isEmpty {
                let acts = starts.contains { start in
                    entry.keys.contains { key in
                        var pressed = start
                        let commands = update(&pressed, .key(key))
                        return pressed != start || !commands.isEmpty
                    }
                }
                #expect(acts, "\(name): '\(entry.label)' does nothing")
            }
            // Help names every entry the table names, in the key bar's order first (over a
            // dialog or on the sign-in screen `?` is the dialog's or typed: help is a screen's).
            guard state.overlay == nil && state.loggedIn else { continue }
            let help = KeyTable.help(for: state).map(\.key)
            let bar = KeyTable.keys(for: state).map(\.key)
            #expect(Array(help.prefix(bar.count)) == bar, "\(name)")
            for entry in table where entry.named && (entry.label != "U" || state.roleAllows(.billing)) {
                #expect(help.contains(entry.label), "\(name): help leaves out '\(entry.label)'")
            }
        }
    }
}

/// The README's key map is the tables' own text: a key changed in a table and not in the README
/// (or the other way round) fails here, with the text to paste.
@Suite struct KeyMapTests {
    @Test func test_theReadmeKeyMap_isTheTables() throws {
        let readme = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("README.md")
        let text = try String(contentsOf: readme, encoding: .utf8)
        let begin = "<!-- key map: written from the key tables (KeyMap.markdown); KeyMapTests compares -->\n"
        let end = "<!-- end of key map -->"
        guard let from = text.range(of: begin), let to = text.range(of: end, range: from.upperBound..<text.endIndex) else {
            Issue.record("README.md has no key map between its markers")
            return
        }
        let written = String(text[from.upperBound..<to.lowerBound])
        #expect(written == KeyMap.markdown(), "README key map differs from the tables; it should read:\n\(KeyMap.markdown())")
    }
}

/// Keys act on the pane on screen only (found driving the real program: each did otherwise).
@Suite struct KeysReachWhatIsShownTests {
    /// On the Basic plan the documents pane is locked: Tab to it and e must not amend the note
    /// behind it, which the doctor never saw.
    @Test func test_aLockedPane_passesNoKeyToTheNotesBehindIt() {
        var state = Fixture.mainState()
        #expect(state.proLocked)
        _ = update(&state, .key(.character("2")))
        _ = update(&state, .key(.tab))
        #expect(state.focus == .timeline)
        // (a writes a new note for the patient selected in the list, which is on screen: allowed.)
        for key in [Key.character("e"), .enter, .character("v"), .pageDown, .character("j")] {
            _ = update(&state, .key(key))
            if case .noteEditor = state.overlay { Issue.record("\(key) opened the note editor behind a locked pane"); return }
            #expect(state.overlay == nil, "\(key)")
        }
        #expect(state.timeline.selected == 0, "j moved a note that is not on screen")
        #expect(!KeyTable.keys(for: state).contains { ["e/Enter", "v", "PgDn/PgUp", "j/k"].contains($0.key) })
    }

    @Test func test_documents_firstLastAndPage_goWhereTheySay() {
        var state = DocumentsPaneTests.documentsState()
        let files = (0..<30).map { index in
            Document(id: String(format: "%024x", 950 + index), patientId: Fixture.patients[0].id, fileName: "letter-\(index).pdf",
                     contentType: "application/pdf", sizeBytes: 1000, uploadedAt: Fixture.now)
        }
        _ = update(&state, .documents(.documentsLoaded(patientID: Fixture.patients[0].id, files)))
        _ = update(&state, .key(.tab))
        _ = update(&state, .key(.character("G")))
        #expect(state.documents.selected == 29)
        _ = update(&state, .key(.character("g")))
        #expect(state.documents.selected == 0)
        _ = update(&state, .key(.pageDown))
        #expect(state.documents.selected > 1)
    }

    /// With the charts shown, d is the chart's day from the list as from the chart: never the
    /// delete question for the list's patient.
    @Test func test_analytics_dIsTheChartsDay_fromTheListToo() {
        var state = Fixture.mainState()
        state.user = Fixture.user(status: .active, plan: .pro)
        _ = update(&state, .key(.character("3")))
        #expect(state.focus == .patients)
        state.analytics.interval = .month
        let commands = update(&state, .key(.character("d")))
        #expect(state.overlay == nil, "d opened the delete question")
        #expect(state.analytics.interval == .day)
        #expect(commands.contains { if case .loadAnalytics = $0 { return true } else { return false } })
        // The charts do not page: PgDn does not move the list under them.
        let selected = state.patients.selected
        _ = update(&state, .key(.tab))
        _ = update(&state, .key(.pageDown))
        #expect(state.patients.selected == selected)
    }
}
