import Foundation

/// Mouse presses, mapped onto what the same place on screen shows: a patient row, a pane, a
/// calendar slot, day or view switch. Geometry comes from the views' own layout functions.
enum Mouse {
    static func click(_ state: inout AppState, x: Int, y: Int) -> [Command] {
        guard state.loggedIn, state.overlay == nil, y >= 1, y < state.height - 2 else { return [] }
        switch state.mode {
        case .calendar: return calendar(&state, x: x, y: y)
        case .records: return records(&state, x: x, y: y)
        case .staff: return staff(&state, y: y)
        case .audit: return audit(&state, y: y)
        }
    }

    /// A member's row, or a waiting invitation's (under their heading), as `StaffView` lays them out.
    static func staff(_ state: inout AppState, y: Int) -> [Command] {
        let members = state.staff.count
        if (4..<4 + members).contains(y) {
            state.staffScreen.selected = y - 4
        } else if y >= 6 + members, state.staffScreen.invitations.indices.contains(y - 6 - members) {
            state.staffScreen.selected = members + (y - 6 - members)
        }
        return []
    }

    /// An event's row, as `AuditView` lays them out; near the end the next page is asked for, as
    /// when moving there with keys.
    static func audit(_ state: inout AppState, y: Int) -> [Command] {
        let index = AuditView.firstRow(state) + (y - 3)
        guard y >= 3, y - 3 < AuditView.rows(state), state.audit.events.indices.contains(index) else { return [] }
        var audit = state.audit
        let commands = audit.select(index, in: state)
        state.audit = audit
        return commands
    }

    static func records(_ state: inout AppState, x: Int, y: Int) -> [Command] {
        let paneWidth = PatientListView.paneWidth(state)
        if x < paneWidth {
            if y == 1 {
                state.focus = .patients
                state.patients.searchFocused = true
                return []
            }
            state.patients.searchFocused = false
            state.focus = .patients
            let row = y - 2
            guard row >= 0, row < PatientListView.rows(state) else { return [] }
            let index = PatientListView.scroll(state) + row
            guard index < state.patients.items.count else { return [] }
            return MainScreen.select(&state, index)
        }
        guard x > paneWidth, state.selectedPatient != nil else { return [] }
        state.patients.searchFocused = false
        state.focus = .timeline
        if state.rightPane == .documents, !state.proLocked {
            let index = y - 3
            if state.documents.items.indices.contains(index) { state.documents.selected = index }
        }
        return []
    }

    static func calendar(_ state: inout AppState, x: Int, y: Int) -> [Command] {
        let tz = state.timeZone
        if y == 1 {
            // "d Day w Week m Month" at the right of the title line.
            let start = state.width - 21
            let spans: [(Range<Int>, CalendarState.Span)] = [(start..<start + 5, .day), (start + 6..<start + 12, .week),
                                                              (start + 13..<start + 20, .month)]
            guard let span = spans.first(where: { $0.0.contains(x) })?.1 else { return [] }
            state.calendar.span = span
            CalendarScreen.keepSlotInView(&state)
            return CalendarScreen.load(&state)
        }
        switch state.calendar.span {
        case .day:
            let row = y - 3
            let slots = CalendarScreen.slots(state)
            let index = state.calendar.scroll + row
            guard row >= 0, row < CalendarScreen.dayRows(state), slots.indices.contains(index) else { return [] }
            state.calendar.minute = slots[index]
            if let columns = CalendarScreen.doctorColumns(state), x >= 7 {
                state.calendar.column = min(columns.count - 1, (x - 7) / max(1, (state.width - 7) / columns.count))
            }
            return []
        case .week:
            let column = min(6, x / max(1, state.width / 7))
            state.calendar.day = CalendarMath.addDays(column, to: CalendarMath.weekStart(state.calendar.day, in: tz), in: tz)
            return []
        case .month:
            let cellHeight = max(2, (state.height - 5) / 6)
            guard y >= 3 else { return [] }
            let index = ((y - 3) / cellHeight) * 7 + min(6, x / max(1, state.width / 7))
            guard index < 42 else { return [] }
            let day = CalendarMath.addDays(index, to: CalendarMath.monthGrid(state.calendar.day, in: tz).lowerBound, in: tz)
            if day == state.calendar.day {
                // A press on the selected day opens it.
                state.calendar.span = .day
                CalendarScreen.keepSlotInView(&state)
                return CalendarScreen.load(&state)
            }
            state.calendar.day = day
            return CalendarScreen.load(&state)
        }
    }
}
