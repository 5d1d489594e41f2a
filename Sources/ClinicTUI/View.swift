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

enum LoginView {
    static func draw(_ state: AppState, into screen: inout Screen) {
        let form = state.login
        let boxWidth = min(60, screen.width - 4)
        let x = (screen.width - boxWidth) / 2
        var y = max(2, (screen.height - 14) / 2)
        let title = form.mode == .login ? "Log in" : "Create an account (90-day trial)"
        screen.put(title, x: x, y: y, style: .title)
        y += 2
        for name in form.fields {
            let field = form.value(name)
            let focused = name == form.focus
            screen.put(name.label, x: x, y: y, style: focused ? .bold : .normal)
            let inputX = x + 11
            let inputWidth = boxWidth - 11
            screen.fill(x: inputX, y: y, width: inputWidth, height: 1, style: focused ? .inputFocused : .input)
            let visible = field.visible(columns: inputWidth)
            screen.put(visible.text, x: inputX, y: y, style: focused ? .inputFocused : .input, maxWidth: inputWidth)
            if focused { screen.cursor = (inputX + visible.cursorColumn, y) }
            if let error = form.fieldErrors[name.wireName] {
                screen.put("↳ " + TerminalText.sanitize(error), x: inputX, y: y + 1, style: .error, maxWidth: inputWidth)
            } else if name == .invitation && focused {
                screen.put("optional: the code your clinic's owner gave you", x: inputX, y: y + 1, style: .dim, maxWidth: inputWidth)
            }
            y += 2
        }
        y += 1
        if let error = form.error {
            for line in TerminalText.wrap(TerminalText.sanitize(error), to: boxWidth).prefix(3) {
                screen.put(line, x: x, y: y, style: .error)
                y += 1
            }
        } else if form.busy {
            screen.put(spinnerFrames[state.spinner % spinnerFrames.count] + " contacting the server…", x: x, y: y, style: .dim)
        }
    }
}

enum PatientListView {
    static func paneWidth(_ state: AppState) -> Int { max(30, min(50, state.width * 2 / 5)) }

    static func hasMore(_ state: AppState) -> Bool {
        state.patients.nextCursor != nil || (state.patients.loading && !state.patients.items.isEmpty)
    }

    /// Patient rows on screen (below the search line, above the message and key bars).
    static func rows(_ state: AppState) -> Int { max(1, state.height - 4 - (hasMore(state) ? 1 : 0)) }

    /// The first row shown: the stored scroll, nudged only as far as needed to show the selection
    /// (moving within the page moves the highlight, not the list: little to redraw on a slow link).
    static func scroll(_ state: AppState) -> Int {
        let list = state.patients
        let rows = rows(state)
        var scroll = list.scroll
        if list.selected < scroll { scroll = list.selected }
        if list.selected >= scroll + rows { scroll = list.selected - rows + 1 }
        return max(0, scroll)
    }

    static func draw(_ state: AppState, into screen: inout Screen) {
        let width = paneWidth(state)
        let list = state.patients
        let focused = state.focus == .patients
        // The search line.
        let label = "Search "
        screen.put(label, x: 0, y: 1, style: list.searchFocused ? .bold : .dim)
        let inputWidth = width - label.count - 1
        screen.fill(x: label.count, y: 1, width: inputWidth, height: 1, style: list.searchFocused ? .inputFocused : .input)
        let visible = list.search.visible(columns: inputWidth)
        let placeholder = list.search.text.isEmpty && !list.searchFocused ? "/ name or phone" : visible.text
        screen.put(placeholder, x: label.count, y: 1, style: list.search.text.isEmpty && !list.searchFocused ? .dim : .inputFocused,
                   maxWidth: inputWidth)
        if list.searchFocused { screen.cursor = (label.count + visible.cursorColumn, 1) }
        // Rows.
        let top = 2
        let hasMore = Self.hasMore(state)
        let rows = Self.rows(state)
        let scroll = Self.scroll(state)
        if list.items.isEmpty {
            let text = list.loading ? "Loading patients…" : list.error.map { "Could not load: \(TerminalText.sanitize($0))" }
                ?? (list.loadedQuery.isEmpty ? "No patients yet: press n to add one." : "No patient matches.")
            for (offset, line) in TerminalText.wrap(text, to: width - 2).prefix(4).enumerated() {
                screen.put(line, x: 1, y: top + offset, style: list.error != nil ? .error : .dim, maxWidth: width - 2)
            }
        }
        for (offset, patient) in list.items.dropFirst(scroll).prefix(rows).enumerated() {
            let index = scroll + offset
            let selected = index == list.selected
            let style: StyleRole = selected ? (focused ? .selected : .selectedDim) : .normal
            let phone = TerminalText.sanitize(patient.phoneNumber ?? "")
            let phoneWidth = min(TerminalText.width(phone), 16)
            let nameWidth = width - 3 - phoneWidth
            let name = TerminalText.fit(TerminalText.sanitize(patient.name), to: nameWidth)
            screen.bar(" " + name + " " + TerminalText.truncate(phone, to: phoneWidth), y: top + offset, width: width, style: style)
        }
        if hasMore {
            let more = list.loading ? "loading more…" : "↓ more"
            screen.put(more, x: max(0, width - more.count - 1), y: screen.height - 3, style: .dim)
        }
        // The divider between the panes.
        for y in 1..<(screen.height - 2) { screen.put("│", x: width, y: y, style: .dim) }
    }
}

enum TimelineView {
    static let weekdays = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
    static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    /// "Tue 24 Nov 2026" and "10:32" in the doctor's time zone.
    static func dayAndTime(_ date: Date, in timeZone: TimeZone) -> (day: String, time: String) {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        let c = calendar.dateComponents([.year, .month, .day, .weekday, .hour, .minute], from: date)
        let day = "\(weekdays[(c.weekday ?? 1) - 1]) \(c.day ?? 1) \(months[(c.month ?? 1) - 1]) \(c.year ?? 1970)"
        return (day, String(format: "%02d:%02d", c.hour ?? 0, c.minute ?? 0))
    }

    static func draw(_ state: AppState, into screen: inout Screen) {
        let x = PatientListView.paneWidth(state) + 2
        let width = screen.width - x - 1
        switch state.rightPane {
        case .notes:
            guard state.seesNotes else {
                PatientCardView.draw(state, x: x, width: width, into: &screen)
                return
            }
        case .documents:
            ProPaneView.draw("Documents", subtitle: state.selectedPatient.map { TerminalText.sanitize($0.name) },
                             features: ["Lab reports, scans and letters per patient", "PDF, JPEG, PNG, text, up to 20 MiB",
                                        "Secure time-limited download links"],
                             state: state, x: x, width: width, into: &screen, unlocked: ProPaneView.drawDocuments)
            return
        case .analytics:
            ProPaneView.draw("Analytics", subtitle: nil,
                             features: ["Patient growth by day, week or month", "Appointment outcomes: completed,", "  cancelled, no-shows"],
                             state: state, x: x, width: width, into: &screen, unlocked: AnalyticsPane.draw)
            return
        }
        let focused = state.focus == .timeline
        guard let patient = state.selectedPatient, state.timeline.patientID == patient.id else {
            screen.put("Select a patient to see their notes.", x: x, y: 2, style: .dim, maxWidth: width)
            return
        }
        var header = TerminalText.sanitize(patient.name)
        if let born = patient.dateOfBirth { header += " · born " + TerminalText.sanitize(born) }
        if let sex = patient.sex { header += " · " + TerminalText.sanitize(sex) }
        screen.put(header, x: x, y: 1, style: focused ? .title : .bold, maxWidth: width)
        var y = 2
        if let line = PatientAppointmentsLine.text(state.timeline.appointments, now: state.now, in: state.timeZone) {
            screen.put(line, x: x, y: y, style: .accent, maxWidth: width)
            y += 1
        }
        let bottom = screen.height - 2
        let timeline = state.timeline
        if timeline.notes.isEmpty {
            let text = timeline.loading ? "Loading notes…" : timeline.error.map { "Could not load: \(TerminalText.sanitize($0))" }
                ?? "No notes yet: press a to write one."
            screen.put(text, x: x, y: y, style: timeline.error != nil ? .error : .dim, maxWidth: width)
            return
        }
        // Keep the selected note in view: skip whole notes above it when needed. The selected note
        // is shown whole (scrolled with PgDn when longer than the pane); the others their first lines.
        var first = 0
        if focused {
            var needed = 0
            for index in stride(from: timeline.selected, through: 0, by: -1) {
                let count = lines(of: timeline.notes[index], state).count
                needed += 2 + (index == timeline.selected ? count : min(previewLines, count) + (count > previewLines ? 1 : 0))
                if needed > bottom - y { first = index + 1; break }
            }
            first = min(first, timeline.selected)
        }
        var lastDay = ""
        for (index, note) in timeline.notes.enumerated().dropFirst(first) {
            guard y < bottom else { break }
            let (day, time) = dayAndTime(note.createdAt, in: state.timeZone)
            if day != lastDay {
                screen.put("── \(day) " + String(repeating: "─", count: max(0, width - day.count - 4)), x: x, y: y, style: .accent, maxWidth: width)
                y += 1
                lastDay = day
                guard y < bottom else { break }
            }
            let selected = focused && index == timeline.selected
            var meta = time
            if let author = note.authorName { meta += " · " + TerminalText.sanitize(author) }
            if note.version > 1 { meta += " · amended, v\(note.version)" }
            let lines = lines(of: note, state)
            var shown = lines[...]
            var start = 0
            if selected {
                // From where the reader scrolled to; the meta line says which lines these are.
                let room = max(1, bottom - y - 1)
                start = min(timeline.noteScroll, max(0, lines.count - room))
                shown = lines.dropFirst(start).prefix(lines.count - start > room ? room - 1 : room)
                if start > 0 || shown.count < lines.count {
                    meta += " · lines \(start + 1)–\(start + shown.count) of \(lines.count)"
                }
            } else {
                shown = lines.prefix(previewLines)
            }
            screen.put((selected ? "▶ " : "  ") + meta, x: x, y: y, style: selected ? .selected : .dim, maxWidth: width)
            y += 1
            for line in shown {
                guard y < bottom else { break }
                screen.put(line, x: x + 2, y: y, maxWidth: width - 2)
                y += 1
            }
            let hidden = lines.count - start - shown.count
            if hidden > 0, y < bottom {
                let more = "… \(hidden) more line\(hidden == 1 ? "" : "s")"
                screen.put(more + (selected ? " (PgDn)" : focused ? "" : " (Tab, then select the note)"), x: x + 2, y: y, style: .dim,
                           maxWidth: width - 2)
                y += 1
            }
        }
    }

    /// An unselected note shows this many lines, then how many more there are.
    static let previewLines = 6

    /// A note's text as the pane wraps it.
    static func lines(of note: ClinicalNote, _ state: AppState) -> [String] {
        let width = state.width - PatientListView.paneWidth(state) - 3
        return TerminalText.wrap(TerminalText.sanitize(note.content, keepNewlines: true), to: max(1, width - 2))
    }

    /// The rows a long selected note has (it is then the first note shown): the pane less the
    /// patient's header, the visits line, the day's rule, the note's own line and the message line.
    static func noteRoom(_ state: AppState) -> Int {
        let visits = PatientAppointmentsLine.text(state.timeline.appointments, now: state.now, in: state.timeZone) != nil ? 1 : 0
        return max(2, state.height - 6 - visits)
    }

    /// How far PgDn moves: a screenful less the line that says how many are left.
    static func notePage(_ state: AppState) -> Int { noteRoom(state) - 1 }
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

enum HelpView {
    static func draw(_ state: AppState, into screen: inout Screen) {
        var underlying = state
        underlying.overlay = nil
        var keys = KeyTable.help(for: underlying)
        if state.mode == .calendar { keys += [("● ✓", "arrived, completed"), ("✗ ∅", "cancelled, no-show")] }
        // One column while it fits the window, else two, so no key is cut off at 80×24.
        let columns = keys.count + 3 <= screen.height - 3 ? 1 : 2
        let rows = (keys.count + columns - 1) / columns
        let columnWidth = columns == 1 ? 50 : 38
        let box = drawBox(title: "Keys", width: columns * columnWidth + 2, height: rows + 3, into: &screen)
        for (index, item) in keys.enumerated() where index % rows < box.height {
            let x = box.x + (index / rows) * columnWidth, y = box.y + index % rows
            screen.put(TerminalText.fit(item.0, to: 10), x: x, y: y, style: .bold)
            screen.put(item.1, x: x + 11, y: y, maxWidth: columnWidth - 12)
        }
    }
}

enum ConfirmView {
    static func draw(_ patient: Patient, into screen: inout Screen) {
        let box = drawBox(title: "Delete patient", width: 56, height: 7, into: &screen)
        screen.put("Delete " + TerminalText.sanitize(patient.name) + "?", x: box.x, y: box.y + 1, style: .bold, maxWidth: box.width)
        // Two patients of one name are told apart here, before anything is lost.
        let detail = PatientIdentity.detail(patient)
        screen.put(detail.isEmpty ? "(no date of birth or phone on record)" : detail, x: box.x, y: box.y + 2, style: .dim, maxWidth: box.width)
        screen.put("Their notes and appointments go too.", x: box.x, y: box.y + 3, maxWidth: box.width)
        screen.put("y delete   n keep", x: box.x, y: box.y + 4, style: .warning)
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

enum FilePromptView {
    static func draw(_ prompt: AppState.FilePrompt, into screen: inout Screen) {
        let title: String
        let label: String
        switch prompt.purpose {
        case .upload(_, let name):
            title = "Upload a document for " + name
            label = "File (PDF, JPEG, PNG or text; up to 20 MiB):"
        case .download(let document):
            title = "Download " + TerminalText.sanitize(document.fileName)
            label = "Into the folder:"
        }
        let box = drawBox(title: title, width: 72, height: 7 + min(prompt.candidates.count, 8), into: &screen)
        screen.put(label, x: box.x, y: box.y, maxWidth: box.width)
        screen.fill(x: box.x, y: box.y + 1, width: box.width, height: 1, style: .inputFocused)
        let visible = prompt.path.visible(columns: box.width)
        screen.put(TerminalText.sanitize(visible.text), x: box.x, y: box.y + 1, style: .inputFocused, maxWidth: box.width)
        screen.cursor = (box.x + visible.cursorColumn, box.y + 1)
        var y = box.y + 2
        for candidate in prompt.candidates.prefix(8) {
            screen.put("  " + TerminalText.sanitize(candidate), x: box.x, y: y, style: .dim, maxWidth: box.width)
            y += 1
        }
        if let error = prompt.error { screen.put(TerminalText.sanitize(error), x: box.x, y: y, style: .error, maxWidth: box.width) }
    }
}
