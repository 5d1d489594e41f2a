import ClinicAPI
import Foundation

/// The records screen: the patient list on the left, the selected patient's notes on the right.
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
