import Foundation

/// The appointment calendar: day (slots), week (seven columns) and month (counts per day).
/// It takes the whole width, so a week still reads at 80 columns.
enum CalendarView {
    static func draw(_ state: AppState, into screen: inout Screen) {
        let calendar = state.calendar
        let tz = state.timeZone
        // Title: what is shown, and the three views with the current one marked.
        let title: String
        let booked: Int
        switch calendar.span {
        case .day:
            let next = CalendarMath.addDays(1, to: calendar.day, in: tz)
            booked = active(in: calendar.shown, from: calendar.day, to: next).count
            let today = calendar.day == CalendarMath.startOfDay(state.now, in: tz)
            title = CalendarMath.dayTitle(calendar.day, in: tz) + (today ? " (today)" : "")
        case .week:
            let start = CalendarMath.weekStart(calendar.day, in: tz)
            booked = active(in: calendar.shown, from: start, to: CalendarMath.addDays(7, to: start, in: tz)).count
            title = "Week of " + CalendarMath.dayTitle(start, in: tz)
        case .month:
            let c = CalendarMath.calendar(tz).dateComponents([.year, .month], from: calendar.day)
            let first = CalendarMath.calendar(tz).date(from: c) ?? calendar.day
            booked = active(in: calendar.shown, from: first, to: CalendarMath.addMonths(1, to: first, in: tz)).count
            title = monthNames[(c.month ?? 1) - 1] + " \(c.year ?? 1970)"
        }
        var x = screen.put(" " + title, x: 0, y: 1, style: .title)
        x = screen.put("  \(booked) booked", x: x, y: 1, style: .dim)
        if state.doctors.count > 1 {
            let whose = calendar.providerID.flatMap { id in state.doctors.first { $0.id == id } }.map { TerminalText.sanitize($0.username) }
            x = screen.put("  " + (whose ?? "all doctors") + " (v)", x: x, y: 1, style: .accent, maxWidth: max(0, screen.width - x - 22))
        }
        if calendar.loading && !calendar.refreshingQuietly { x = screen.put("  loading…", x: x, y: 1, style: .dim) }
        if let error = calendar.error { _ = screen.put("  " + TerminalText.sanitize(error), x: x, y: 1, style: .error, maxWidth: screen.width - x - 20) }
        let switcher: [(String, CalendarState.Span)] = [("d Day", .day), ("w Week", .week), ("m Month", .month)]
        var sx = screen.width - 21
        for (label, span) in switcher {
            sx = screen.put(label, x: sx, y: 1, style: span == calendar.span ? .selected : .dim) + 1
        }
        switch calendar.span {
        case .day: drawDay(state, into: &screen)
        case .week: drawWeek(state, into: &screen)
        case .month: drawMonth(state, into: &screen)
        }
    }

    static let monthNames = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
                             "November", "December"]

    static func active(in appointments: [Appointment], from: Date, to: Date) -> [Appointment] {
        CalendarMath.overlapping(appointments, from: from, to: to).filter { $0.status != .cancelled && $0.status != .noShow }
    }

    static func statusMark(_ status: AppointmentStatus) -> String {
        switch status {
        case .scheduled: return ""
        case .arrived: return "● arrived"
        case .completed: return "✓ completed"
        case .cancelled: return "✗ cancelled"
        case .noShow: return "∅ no-show"
        }
    }

    // MARK: Day

    static func drawDay(_ state: AppState, into screen: inout Screen) {
        let calendar = state.calendar
        let tz = state.timeZone
        let slots = CalendarScreen.slots(state)
        let rows = CalendarScreen.dayRows(state)
        let top = 3
        let slotLength = Double(state.hours.slotMinutes) * 60
        let nowMinute = calendar.day == CalendarMath.startOfDay(state.now, in: tz) ? CalendarMath.minute(of: state.now, in: tz) : -1
        // Worked out once per frame, not per row: each looks through the day's visits.
        let columns = CalendarScreen.doctorColumns(state)
        let selectedColumn = CalendarScreen.selectedColumn(state)
        let selectedRow = CalendarScreen.selectedRow(state)
        // The selected row names the visit keys act on (Tab may have chosen another doctor's there).
        let chosenVisit = columns == nil && calendar.chosenVisitID != nil ? CalendarScreen.chosenVisit(state) : nil
        if columns == nil { screen.put("  time   appointment", x: 0, y: 2, style: .dim) }
        var shown = Set<String>()
        for (offset, minute) in slots.dropFirst(calendar.scroll).prefix(rows).enumerated() {
            let y = top + offset
            let start = CalendarMath.instant(day: calendar.day, minute: minute, in: tz)
            let here = CalendarMath.overlapping(calendar.shown, from: start, to: start.addingTimeInterval(slotLength))
                .sorted { ($0.status == .cancelled ? 1 : 0, $0.startsAt) < ($1.status == .cancelled ? 1 : 0, $1.startsAt) }
            let selected = minute == selectedRow
            // In the compact day a free row stands for the whole free stretch: say until when.
            let freeUntil: String? = calendar.compact
                ? CalendarMath.clock(minute: slots.first { $0 > minute } ?? max(minute + state.hours.slotMinutes, state.hours.endMinute)) : nil
            let outside = minute < state.hours.startMinute || minute >= state.hours.endMinute
            let isNow = nowMinute >= minute && nowMinute < minute + state.hours.slotMinutes
            // The clock column: every hour in full, quarter hours as ":15", the present moment marked.
            let label = minute % 60 == 0 || offset == 0 || calendar.compact ? CalendarMath.clock(minute: minute) : String(format: "  :%02d", minute % 60)
            screen.put(isNow ? "▶" : " ", x: 0, y: y, style: .accent)
            screen.put(label, x: 1, y: y, style: isNow ? .accent : (outside || minute % 60 != 0 ? .dim : .normal))
            if let columns {
                let width = (screen.width - 7) / columns.count
                for (index, doctor) in columns.enumerated() {
                    drawCell(state, here.filter { $0.providerId == doctor.id }, start: start, selected: selected && index == selectedColumn,
                             x: 7 + index * width, width: width - 1, y: y, naming: false, freeUntil: freeUntil, shown: &shown, into: &screen)
                }
            } else {
                drawCell(state, here, start: start, selected: selected, chosen: selected ? chosenVisit : nil, x: 7, width: screen.width - 7, y: y,
                         naming: calendar.providerID == nil && state.doctors.count > 1, freeUntil: freeUntil, shown: &shown, into: &screen)
            }
        }
        if let columns {
            // The column heads: each doctor's name over their column, the selected one marked.
            let width = (screen.width - 7) / columns.count
            screen.put("  time", x: 0, y: 2, style: .dim)
            for (index, doctor) in columns.enumerated() {
                let chosen = index == selectedColumn
                screen.put((chosen ? "▸ " : "  ") + TerminalText.sanitize(doctor.username), x: 7 + index * width, y: 2,
                           style: chosen ? .bold : .dim, maxWidth: width - 1)
            }
        }
        drawWaitingRoom(state, into: &screen)
        // What is scrolled out of sight, said on the header line (never over an appointment's times).
        var more: [String] = []
        if calendar.scroll > 0 { more.append("↑ \(calendar.scroll) earlier") }
        if slots.count > calendar.scroll + rows { more.append("↓ \(slots.count - calendar.scroll - rows) later") }
        let hint = more.joined(separator: "  ")
        if !hint.isEmpty { screen.put(hint, x: screen.width - TerminalText.width(hint) - 1, y: 2, style: .dim) }
    }

    /// One slot of one list (or one doctor's column): the first appointment in it (marker, name,
    /// reason, times and status), "┆" where an appointment goes on from above, or the free slot.
    static func drawCell(_ state: AppState, _ here: [Appointment], start: Date, selected: Bool, chosen: Appointment? = nil, x: Int, width: Int,
                         y: Int, naming: Bool,
                         freeUntil: String? = nil, shown: inout Set<String>, into screen: inout Screen) {
        let calendar = state.calendar
        let tz = state.timeZone
        let contentX = x + 1
        let contentWidth = width - 1
        // The visit the keys act on on this row (`CalendarScreen.rowVisit`): the row shows what they change.
        let end = start.addingTimeInterval(Double(state.hours.slotMinutes) * 60)
        guard let first = chosen.flatMap({ chosen in here.first { $0.id == chosen.id } }) ?? CalendarScreen.rowVisit(here, from: start, to: end) else {
            screen.put("│", x: x, y: y, style: .dim)
            let free = freeUntil.map { " free until " + $0 } ?? " "
            if selected {
                screen.bar(free, y: y, x: contentX, width: contentWidth, style: .selected)
            } else if freeUntil != nil {
                screen.put(free, x: contentX, y: y, style: .dim, maxWidth: contentWidth)
            }
            return
        }
        let clash = here.contains { calendar.clashes.contains($0.id) }
        let style: StyleRole = selected ? .selected : clash ? .error : first.status == .cancelled ? .dim : .normal
        // A clash is marked with "!" as well as colour: thin clients may have none.
        screen.put(clash ? "!" : first.status == .cancelled ? "│" : "▌", x: x, y: y,
                   style: clash ? .error : first.status == .cancelled ? .dim : .accent)
        let beginsHere = !shown.contains(first.id)
        var text = ""
        if beginsHere {
            // Begun above the first row shown (scrolled): marked, so the row's clock is not read as its start.
            text = (first.startsAt < start ? "↑ " : "") + TerminalText.sanitize(first.patientName)
            // Every doctor's day in one list: whose each appointment is.
            if naming, let doctor = first.providerName { text = shortName(doctor) + " · " + text }
            if let reason = first.reason, !reason.isEmpty { text += " · " + TerminalText.sanitize(reason) }
            let others = here.filter { !shown.contains($0.id) }.count - 1
            if others > 0 { text += "  +\(others) more" }
        } else {
            text = "┆"
        }
        for appointment in here { shown.insert(appointment.id) }
        var right = ""
        if beginsHere {
            right = CalendarMath.clock(first.startsAt, in: tz) + "–" + CalendarMath.clock(first.endsAt, in: tz)
            let mark = calendar.pending[first.id] != nil ? "saving…" : clash ? "clash" : statusMark(first.status)
            if !mark.isEmpty { right += " " + mark }
        }
        let rightWidth = TerminalText.width(right)
        let leftWidth = max(0, contentWidth - rightWidth - 2)
        screen.bar(" " + TerminalText.fit(text, to: leftWidth) + " " + right, y: y, x: contentX, width: contentWidth, style: style)
    }

    /// "Ruiz" for "Dr Ana Ruiz": enough to tell the clinic's doctors apart on a row.
    static func shortName(_ name: String) -> String {
        TerminalText.sanitize(String(name.split(separator: " ").last ?? Substring(name)))
    }

    /// Today's waiting room, under the day: who has arrived, for which doctor, for how long. Only
    /// the minutes change as time passes, so a redraw sends a few cells.
    static func drawWaitingRoom(_ state: AppState, into screen: inout Screen) {
        let waiting = CalendarScreen.waiting(state)
        guard !waiting.isEmpty else { return }
        let y = screen.height - 3
        var text = " Waiting:"
        for appointment in waiting {
            let since = appointment.arrivedAt ?? appointment.startsAt
            let minutes = max(0, Int(state.now.timeIntervalSince(since) / 60))
            var item = " " + TerminalText.sanitize(appointment.patientName)
            if state.doctors.count > 1, let doctor = appointment.providerName { item += " (" + shortName(doctor) + ")" }
            item += " \(minutes) min ·"
            text += item
        }
        screen.bar(TerminalText.truncate(String(text.dropLast(2)), to: screen.width), y: y, style: .warning)
    }

    // MARK: Week

    static func drawWeek(_ state: AppState, into screen: inout Screen) {
        let calendar = state.calendar
        let tz = state.timeZone
        let start = CalendarMath.weekStart(calendar.day, in: tz)
        let today = CalendarMath.startOfDay(state.now, in: tz)
        let columnWidth = screen.width / 7
        let top = 2
        let bottom = screen.height - 3
        for index in 0..<7 {
            let day = CalendarMath.addDays(index, to: start, in: tz)
            let x = index * columnWidth
            let (name, _) = TimelineView.dayAndTime(day, in: tz)
            // "Wed 25 Nov 2026" → "Wed 25"
            let header = name.split(separator: " ").prefix(2).joined(separator: " ") + (day == today ? " •" : "")
            let selected = day == calendar.day
            screen.bar(" " + header, y: top, x: x, width: columnWidth - 1, style: selected ? .selected : day == today ? .accent : .bold)
            if index < 6 {
                for y in top...bottom { screen.put("│", x: x + columnWidth - 1, y: y, style: .dim) }
            }
            let items = CalendarMath.overlapping(calendar.shown, from: day, to: CalendarMath.addDays(1, to: day, in: tz))
            // Narrow columns (80 wide) give each appointment two lines: the time, then the name.
            let linesEach = columnWidth < 16 ? 2 : 1
            let room = (bottom - top) / linesEach
            for (row, appointment) in items.prefix(room).enumerated() {
                let y = top + 1 + row * linesEach
                if row == room - 1 && items.count > room {
                    screen.put("+\(items.count - row) more", x: x + 1, y: y, style: .dim, maxWidth: columnWidth - 2)
                    break
                }
                let clash = calendar.clashes.contains(appointment.id)
                let style: StyleRole = clash ? .error : appointment.status == .cancelled || appointment.status == .noShow ? .dim : .normal
                var time = CalendarMath.clock(appointment.startsAt, in: tz)
                switch appointment.status {
                case .scheduled: if clash { time += " !" }
                case .arrived: time += " ●"
                case .completed: time += " ✓"
                case .cancelled: time += " ✗"
                case .noShow: time += " ∅"
                }
                let name = TerminalText.sanitize(appointment.patientName)
                if linesEach == 2 {
                    screen.put(time, x: x + 1, y: y, style: style == .normal ? .accent : style)
                    screen.put(TerminalText.truncate(name, to: columnWidth - 2), x: x + 1, y: y + 1, style: style)
                } else {
                    screen.put(TerminalText.truncate(time + " " + name, to: columnWidth - 2), x: x + 1, y: y, style: style)
                }
            }
            if items.isEmpty && selected { screen.put("free", x: x + 1, y: top + 1, style: .dim) }
        }
    }

    // MARK: Month

    static func drawMonth(_ state: AppState, into screen: inout Screen) {
        let calendar = state.calendar
        let tz = state.timeZone
        let grid = CalendarMath.monthGrid(calendar.day, in: tz)
        let month = CalendarMath.calendar(tz).component(.month, from: calendar.day)
        let today = CalendarMath.startOfDay(state.now, in: tz)
        let columnWidth = screen.width / 7
        let names = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
        for (index, name) in names.enumerated() { screen.put(" " + name, x: index * columnWidth, y: 2, style: .bold) }
        let cellHeight = max(2, (screen.height - 5) / 6)
        for index in 0..<42 {
            let day = CalendarMath.addDays(index, to: grid.lowerBound, in: tz)
            let x = (index % 7) * columnWidth
            let y = 3 + (index / 7) * cellHeight
            guard y + 1 < screen.height - 2 else { break }
            let inMonth = CalendarMath.calendar(tz).component(.month, from: day) == month
            let selected = day == calendar.day
            let count = active(in: calendar.shown, from: day, to: CalendarMath.addDays(1, to: day, in: tz)).count
            let number = CalendarMath.calendar(tz).component(.day, from: day)
            let style: StyleRole = selected ? .selected : !inMonth ? .dim : .normal
            if selected { screen.fill(x: x, y: y, width: columnWidth - 1, height: cellHeight - 1, style: .selected) }
            screen.put(String(format: "%3d", number) + (day == today ? " •" : ""), x: x, y: y, style: day == today && !selected ? .accent : style)
            if count > 0 {
                let text = columnWidth >= 12 ? " \(count) booked" : " \(count) appt"
                screen.put(text, x: x, y: y + 1, style: style, maxWidth: columnWidth - 1)
            }
        }
    }
}

/// The booking form, over the calendar (which still shows any clash in red around it).
enum BookingView {
    static func draw(_ form: BookingForm, state: AppState, into screen: inout Screen) {
        let fields = form.fields
        let matchRows = form.focus == .patient ? min(form.matches.count, 5) : 0
        let errorRows = form.error == nil ? 0 : 3
        let box = drawBox(title: form.appointmentID == nil ? "Book an appointment" : "Change the appointment",
                          width: max(56, min(72, screen.width - 24)), height: fields.count * 2 + 3 + matchRows + errorRows,
                          rightAligned: state.mode == .calendar, into: &screen)
        let labelWidth = 14
        let inputX = box.x + labelWidth + 1
        let inputWidth = box.width - labelWidth - 1
        var y = box.y
        for field in fields {
            let focused = field == form.focus
            screen.put(field.label, x: box.x, y: y, style: focused ? .bold : .normal, maxWidth: labelWidth)
            screen.fill(x: inputX, y: y, width: inputWidth, height: 1, style: focused ? .inputFocused : .input)
            let visible = form.value(field).visible(columns: inputWidth)
            let shown = field == .doctor ? "◂ " + visible.text + " ▸" : visible.text
            screen.put(shown, x: inputX, y: y, style: focused ? .inputFocused : .input, maxWidth: inputWidth)
            if focused && field != .doctor { screen.cursor = (inputX + visible.cursorColumn, y) }
            y += 1
            if field == .patient && matchRows > 0 {
                // The whole width of the box: name, date of birth and the full phone tell two of one name apart.
                for (row, patient) in form.matches.prefix(matchRows).enumerated() {
                    screen.bar(" " + PatientIdentity.row(patient, width: box.width - 2), y: y, x: box.x, width: box.width,
                               style: row == form.matchIndex ? .selected : .normal)
                    y += 1
                }
            }
            if let error = form.fieldErrors[field] {
                screen.put("↳ " + TerminalText.sanitize(error), x: inputX, y: y, style: .error, maxWidth: inputWidth)
            } else if field == .patient && form.patientID != nil && matchRows == 0 {
                let detail = form.patientDetail.isEmpty ? "" : " · " + form.patientDetail
                let offered = form.patientOffered && focused ? "from the list (type to change): " : ""
                screen.put("✓ " + offered + form.patientName + detail, x: box.x, y: y, style: .success, maxWidth: box.width)
            } else if field == .date && focused {
                screen.put("also: today, tomorrow, +2w, mon", x: inputX, y: y, style: .dim, maxWidth: inputWidth)
            }
            y += 1
        }
        if let error = form.error {
            for line in TerminalText.wrap(TerminalText.sanitize(error), to: box.width).prefix(3) {
                screen.put(line, x: box.x, y: y, style: .error, maxWidth: box.width)
                y += 1
            }
        } else if form.busy {
            screen.put(spinnerFrames[state.spinner % spinnerFrames.count] + " booking…", x: box.x, y: y, style: .dim)
        }
    }
}

/// The patient pane's line of appointments: the next ones and the last one.
enum PatientAppointmentsLine {
    /// Half a year either side of now: the contract lists at most 366 days at once (a two-year
    /// window was refused with a 422, and the pane showed no visit at all).
    static func window(around now: Date) -> Range<Date> {
        now.addingTimeInterval(-182 * 86_400)..<now.addingTimeInterval(182 * 86_400)
    }

    static func text(_ appointments: [Appointment], now: Date, in timeZone: TimeZone) -> String? {
        guard !appointments.isEmpty else { return nil }
        let upcoming = appointments.filter { $0.endsAt > now && $0.status == .scheduled }
        let past = appointments.filter { $0.endsAt <= now || $0.status != .scheduled }.filter { $0.startsAt <= now }
        var parts: [String] = []
        if !upcoming.isEmpty {
            parts.append("Next: " + upcoming.prefix(2).map { short($0, in: timeZone) }.joined(separator: ", "))
        }
        if let last = past.last {
            parts.append("Last: " + short(last, in: timeZone) + " " + last.status.label)
        }
        return parts.isEmpty ? nil : parts.joined(separator: " · ")
    }

    /// "Tue 1 Dec 10:00"
    static func short(_ appointment: Appointment, in timeZone: TimeZone) -> String {
        short(at: appointment.startsAt, in: timeZone)
    }

    static func short(at date: Date, in timeZone: TimeZone) -> String {
        let (day, time) = TimelineView.dayAndTime(date, in: timeZone)
        return day.split(separator: " ").prefix(3).joined(separator: " ") + " " + time
    }
}
