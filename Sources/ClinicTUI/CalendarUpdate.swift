import ClinicAPI
import Foundation

/// Keys and answers of the appointment calendar and the booking form.
enum CalendarScreen {
    /// The calendar opened (the app has set the mode): on today's present slot, or where it was left.
    static func open(_ state: inout CalendarFrame, today: Bool) -> [Command] {
        if today {
            state.calendar.span = .day
            state.calendar.day = CalendarMath.startOfDay(state.now, in: state.timeZone)
            state.calendar.minute = nowSlot(state)
            showPresentNearTop(&state)
        }
        state.calendar.clashes = []
        keepSlotInView(&state)
        // Coming back to the calendar always asks again: another desk may have booked meanwhile.
        return load(&state, force: true)
    }

    /// The slot holding the present moment, or the start of the working day.
    static func nowSlot(_ state: CalendarFrame) -> Int {
        let minute = CalendarMath.minute(of: state.now, in: state.timeZone)
        let hours = state.hours
        guard minute >= hours.startMinute && minute < hours.endMinute else { return hours.startMinute }
        return minute - minute % hours.slotMinutes
    }

    /// Booking from the patient list: the first slot from now on that the calendar knows to be free.
    /// After hours it is the start of tomorrow.
    static func nextFreeSlot(_ state: CalendarFrame) -> (day: Date, minute: Int) {
        let hours = state.hours
        let now = CalendarMath.minute(of: state.now, in: state.timeZone)
        var minute = max(hours.startMinute, now + (hours.slotMinutes - now % hours.slotMinutes) % hours.slotMinutes)
        let today = CalendarMath.startOfDay(state.now, in: state.timeZone)
        while minute + hours.slotMinutes <= hours.endMinute {
            let start = CalendarMath.instant(day: today, minute: minute, in: state.timeZone)
            if clashes(state, id: nil, starts: start, ends: start.addingTimeInterval(Double(hours.slotMinutes) * 60)).isEmpty {
                return (today, minute)
            }
            minute += hours.slotMinutes
        }
        return (CalendarMath.addDays(1, to: today, in: state.timeZone), hours.startMinute)
    }

    static func load(_ state: inout CalendarFrame, force: Bool = false, quietly: Bool = false) -> [Command] {
        let needed = CalendarMath.range(for: state.calendar.span, day: state.calendar.day, in: state.timeZone)
        if !force, let loaded = state.calendar.loadedRange, loaded.lowerBound <= needed.lowerBound, needed.upperBound <= loaded.upperBound {
            return []
        }
        if !force, state.calendar.loading, state.calendar.requestedRange == needed { return [] }
        state.calendar.requestID += 1
        state.calendar.requestedRange = needed
        state.calendar.loading = true
        state.calendar.refreshingQuietly = quietly
        state.calendar.error = nil
        return [.loadAppointments(requestID: state.calendar.requestID, from: needed.lowerBound, to: needed.upperBound)]
    }

    /// The appointments of the selected day that cover the selected slot: the one keys act on first
    /// (in the selected doctor's column when the day has a column per doctor).
    static func selected(_ state: CalendarFrame) -> Appointment? {
        let start = CalendarMath.instant(day: state.calendar.day, minute: state.calendar.minute, in: state.timeZone)
        let end = start.addingTimeInterval(Double(state.hours.slotMinutes) * 60)
        let here = CalendarMath.overlapping(state.calendar.shown, from: start, to: end)
        if let doctor = selectedColumnDoctor(state) { return rowVisit(here.filter { $0.providerId == doctor.id }, from: start, to: end) }
        return chosenVisit(state) ?? rowVisit(here, from: start, to: end)
    }

    /// In one list of every doctor's day, the visits beginning in the selected row's slot, the one
    /// the row names first: what Tab steps through when two doctors' visits begin together. Only
    /// visits beginning there: one begun above is named (and chosen) on its own first row.
    static func slotVisits(_ state: CalendarFrame) -> [Appointment] {
        guard state.calendar.span == .day, state.calendar.providerID == nil, state.doctors.count > 1, doctorColumns(state) == nil
        else { return [] }
        let start = CalendarMath.instant(day: state.calendar.day, minute: selectedRow(state), in: state.timeZone)
        let end = start.addingTimeInterval(Double(state.hours.slotMinutes) * 60)
        let beginning = state.calendar.shown.filter { $0.status != .cancelled && $0.startsAt >= start && $0.startsAt < end }
        guard beginning.count > 1, let first = rowVisit(beginning, from: start, to: end) else { return [] }
        return [first] + beginning.filter { $0.id != first.id }
            .sorted { ($0.startsAt, $0.providerName ?? "", $0.id) < ($1.startsAt, $1.providerName ?? "", $1.id) }
    }

    /// The visit Tab chose, while it is one of those beginning in the selected row (elsewhere the
    /// row's own first is the one, and coming back to the slot finds the choice again).
    static func chosenVisit(_ state: CalendarFrame) -> Appointment? {
        guard let id = state.calendar.chosenVisitID else { return nil }
        return slotVisits(state).first { $0.id == id }
    }

    /// The visit a day-view row names and its keys act on (one rule for both, so the row read is the
    /// visit changed): a live one beginning in the slot, else a live one running through it, else a
    /// cancelled one.
    static func rowVisit(_ here: [Appointment], from start: Date, to end: Date) -> Appointment? {
        // Visits starting together are told apart by doctor and id, never by their place in the list
        // (an answer replaces a visit there: after a check-in the row switched to the other visit of
        // the slot, and the next key acted on that patient).
        func earlier(_ a: Appointment, _ b: Appointment) -> Bool {
            (a.startsAt, a.providerName ?? "", a.id) < (b.startsAt, b.providerName ?? "", b.id)
        }
        let live = here.filter { $0.status != .cancelled }
        return live.filter { $0.startsAt >= start && $0.startsAt < end }.min(by: earlier)
            ?? live.min(by: earlier) ?? here.min(by: earlier)
    }

    /// The patient the list offers a booking made from the calendar: only one the user chose there.
    static func offeredPatient(_ state: CalendarFrame) -> Patient? {
        guard let chosen = state.app.patients.chosenID, let patient = state.app.selectedPatient, patient.id == chosen else { return nil }
        return patient
    }

    /// Columns wide enough for a doctor's names and times (46 cells each, after the clock): two
    /// doctors from 100 columns. nil: one list (narrower, one doctor chosen with `v`, week and month).
    static func doctorColumns(_ state: CalendarFrame) -> [StaffMember]? {
        let doctors = state.doctors
        guard state.calendar.span == .day, state.calendar.providerID == nil, doctors.count > 1,
              state.width >= 8 + doctors.count * 46 else { return nil }
        // A visit whose doctor has no column (deactivated since, or none named) must not vanish: one list then.
        let day = state.calendar.day
        let ids = Set(doctors.map(\.id))
        let visits = CalendarMath.overlapping(state.calendar.shown, from: day, to: CalendarMath.addDays(1, to: day, in: state.timeZone))
        guard visits.allSatisfy({ $0.providerId.map(ids.contains) == true }) else { return nil }
        return doctors
    }

    /// The selected column, kept within the columns there are (doctors come and go).
    static func selectedColumn(_ state: CalendarFrame) -> Int? {
        doctorColumns(state).map { column(state, of: $0) }
    }

    static func selectedColumnDoctor(_ state: CalendarFrame) -> StaffMember? {
        doctorColumns(state).map { $0[column(state, of: $0)] }
    }

    private static func column(_ state: CalendarFrame, of columns: [StaffMember]) -> Int {
        min(max(0, state.calendar.column), columns.count - 1)
    }

    static func slots(_ state: CalendarFrame) -> [Int] {
        let day = state.calendar.day
        let next = CalendarMath.addDays(1, to: day, in: state.timeZone)
        let appointments = CalendarMath.overlapping(state.calendar.shown, from: day, to: next)
        let all = CalendarMath.slots(day: day, appointments: appointments, hours: state.hours, in: state.timeZone)
        guard state.calendar.compact, state.calendar.span == .day else { return all }
        // Compact: the slots where a visit begins, the first of each free stretch, and the present one.
        let length = Double(state.hours.slotMinutes) * 60
        let present = CalendarMath.startOfDay(state.now, in: state.timeZone) == day ? nowSlot(state) : -1
        var kept: [Int] = []
        var previousFree = false
        for minute in all {
            let start = CalendarMath.instant(day: day, minute: minute, in: state.timeZone)
            let end = start.addingTimeInterval(length)
            let begins = appointments.contains { $0.startsAt >= start && $0.startsAt < end }
            let free = !begins && !CalendarMath.overlapping(appointments, from: start, to: end).contains { $0.status != .cancelled }
            if begins || (free && !previousFree) || minute == present { kept.append(minute) }
            previousFree = free
        }
        return kept
    }

    /// The row that shows the selected slot: itself, or in the compact day the row it is folded into.
    static func selectedRow(_ state: CalendarFrame) -> Int {
        guard state.calendar.compact else { return state.calendar.minute }
        let slots = slots(state)
        return slots.last { $0 <= state.calendar.minute } ?? slots.first ?? state.calendar.minute
    }

    /// Rows the day view has for slots (below the title and the column header, above the waiting room).
    static func dayRows(_ state: CalendarFrame) -> Int { max(1, state.height - 5 - (waiting(state).isEmpty ? 0 : 1)) }

    /// Who is in the waiting room: today's checked-in appointments of the doctor shown (of all when
    /// none is chosen), longest waiting first.
    static func waiting(_ state: CalendarFrame) -> [Appointment] {
        let today = CalendarMath.startOfDay(state.now, in: state.timeZone)
        guard state.calendar.span == .day, state.calendar.day == today else { return [] }
        let tomorrow = CalendarMath.addDays(1, to: today, in: state.timeZone)
        return CalendarMath.overlapping(state.calendar.shown, from: today, to: tomorrow).filter { $0.status == .arrived }
            .sorted { ($0.arrivedAt ?? $0.startsAt) < ($1.arrivedAt ?? $1.startsAt) }
    }

    /// Today's desk looks ahead: the present slot near the top, with what comes next below it
    /// (two rows of the past stay in sight for who is late).
    static func showPresentNearTop(_ state: inout CalendarFrame) {
        let slots = slots(state)
        guard let index = slots.firstIndex(where: { $0 >= state.calendar.minute }) else { return }
        state.calendar.scroll = max(0, min(index - 2, slots.count - dayRows(state)))
    }

    static func keepSlotInView(_ state: inout CalendarFrame) {
        let slots = slots(state)
        let row = selectedRow(state)
        guard let index = slots.firstIndex(where: { $0 >= row }) ?? slots.indices.last else { return }
        let rows = dayRows(state)
        if index < state.calendar.scroll { state.calendar.scroll = index }
        if index >= state.calendar.scroll + rows { state.calendar.scroll = index - rows + 1 }
        state.calendar.scroll = max(0, min(state.calendar.scroll, max(0, slots.count - rows)))
    }

    static func moveDay(_ state: inout CalendarFrame, by days: Int) -> [Command] {
        state.calendar.day = CalendarMath.addDays(days, to: state.calendar.day, in: state.timeZone)
        state.calendar.clashes = []
        keepSlotInView(&state)
        return load(&state)
    }

    static func moveSlot(_ state: inout CalendarFrame, by steps: Int) {
        let slots = slots(state)
        guard !slots.isEmpty else { return }
        let index = slots.firstIndex(where: { $0 >= state.calendar.minute }) ?? slots.count - 1
        state.calendar.minute = slots[min(max(0, index + steps), slots.count - 1)]
        keepSlotInView(&state)
    }

    static func handle(_ state: inout CalendarFrame, _ key: Key) -> [Command] {
        let span = state.calendar.span
        // In the compact day the selection is always a row shown (a day change can leave it on a folded slot).
        if state.calendar.compact && span == .day { state.calendar.minute = selectedRow(state) }
        // The keys read with the calendar as it is now (the compact day's selection just moved).
        let app = state.current
        guard let action = bindings(app).action(for: key, in: app), action != .appWide else {
            state.ask(.notMine)
            return []
        }
        switch action {
        case .appWide:
            return []
        case .back:
            if state.calendar.loading && !state.calendar.refreshingQuietly {
                state.calendar.loading = false
                state.calendar.requestID += 1
                return []
            }
            state.ask(.leave(to: .records))
            return []
        case .dayView:
            state.calendar.span = .day
            keepSlotInView(&state)
            return load(&state)
        case .weekView:
            state.calendar.span = .week
            return load(&state)
        case .monthView:
            state.calendar.span = .month
            return load(&state)
        case .today:
            state.calendar.day = CalendarMath.startOfDay(state.now, in: state.timeZone)
            state.calendar.minute = nowSlot(state)
            showPresentNearTop(&state)
            keepSlotInView(&state)
            return load(&state)
        case .reload:
            // The marks of a refused change go with a reload asked for: the calendar as it is now.
            state.calendar.clashes = []
            return load(&state, force: true)
        case .earlier, .later:
            let forward = action == .later
            switch span {
            case .day: return moveDay(&state, by: forward ? 1 : -1)
            case .week: return moveDay(&state, by: forward ? 7 : -7)
            case .month:
                state.calendar.day = CalendarMath.addMonths(forward ? 1 : -1, to: state.calendar.day, in: state.timeZone)
                return load(&state)
            }
        case .previousDay: return moveDay(&state, by: -1)
        case .nextDay: return moveDay(&state, by: 1)
        case .down, .up:
            if span == .day {
                moveSlot(&state, by: action == .down ? 1 : -1)
                return []
            }
            return moveDay(&state, by: action == .down ? 7 : -7)
        case .pageDown, .pageUp:
            guard span == .day else { return moveDay(&state, by: action == .pageDown ? 7 : -7) }
            moveSlot(&state, by: action == .pageDown ? dayRows(state) : -dayRows(state))
            return []
        case .first:
            state.calendar.minute = slots(state).first ?? state.hours.startMinute
            keepSlotInView(&state)
            return []
        case .last:
            state.calendar.minute = slots(state).last ?? state.hours.startMinute
            keepSlotInView(&state)
            return []
        case .open:
            guard span == .day else {
                state.calendar.span = .day
                keepSlotInView(&state)
                return load(&state)
            }
            // A cancelled visit leaves its slot free: Enter books it (the cancelled one stays in the record).
            if let appointment = selected(state), appointment.status != .cancelled { return openBooking(&state, editing: appointment) }
            return openBooking(&state, patient: offeredPatient(state), at: state.calendar.day, minute: state.calendar.minute,
                               focusOnPatient: true)
        case .book:
            return openBooking(&state, patient: offeredPatient(state), at: state.calendar.day,
                               minute: span == .day ? state.calendar.minute : nowSlot(state), focusOnPatient: true)
        case .edit:
            guard span == .day else { _ = target(&state); return [] }
            guard let appointment = selected(state) else {
                state.ask(.toast(.info("No appointment in this slot: Enter books one.")))
                return []
            }
            return openBooking(&state, editing: appointment)
        case .checkIn: return setStatus(&state, .arrived)
        case .statusMenu:
            guard let appointment = target(&state) else { return [] }
            state.ask(.open(.statusMenu(StatusMenu(appointment: appointment))))
            return []
        case .cancelVisit, .noShow:
            guard let appointment = target(&state) else { return [] }
            let status: AppointmentStatus = action == .cancelVisit ? .cancelled : .noShow
            guard appointment.status != status else { return [] }
            state.ask(.open(.statusMenu(StatusMenu(appointment: appointment, confirming: status))))
            return []
        case .statusHint:
            state.ask(.toast(.info("A visit's status: s (c completed, i checked in, o no-show, x cancel). p goes back to the patients.")))
            return []
        case .undo:
            return undo(&state)
        case .switchDoctor:
            return switchDoctor(&state)
        case .compact:
            state.calendar.compact.toggle()
            state.calendar.minute = selectedRow(state)
            keepSlotInView(&state)
            state.ask(.toast(.info(state.calendar.compact ? "Compact day: a line per visit and per free stretch (z shows every slot)."
                                                                  : "Every slot shown (z folds the day).")))
            return []
        case .nextColumn, .previousColumn:
            if let count = doctorColumns(state)?.count, let column = selectedColumn(state) {
                state.calendar.column = (column + (action == .nextColumn ? 1 : count - 1)) % count
                return []
            }
            // One list: the next (or previous) visit beginning in the slot, another doctor's.
            let visits = slotVisits(state)
            guard visits.count > 1 else { return [] }
            let current = chosenVisit(state).flatMap { visit in visits.firstIndex { $0.id == visit.id } } ?? 0
            state.calendar.chosenVisitID = visits[(current + (action == .nextColumn ? 1 : visits.count - 1)) % visits.count].id
            return []
        case .moveLater, .moveEarlier:
            let step = action == .moveLater ? 1 : -1
            return shift(&state, startBy: step, endBy: step)
        case .longer:
            return shift(&state, startBy: 0, endBy: 1)
        case .shorter:
            return shift(&state, startBy: 0, endBy: -1)
        }
    }

    /// The appointment keys act on: only in the day view, where the doctor sees which one it is.
    static func target(_ state: inout CalendarFrame) -> Appointment? {
        guard state.calendar.span == .day else {
            state.ask(.toast(.info("Open the day (Enter or d) to change an appointment.")))
            return nil
        }
        guard let appointment = selected(state) else {
            state.ask(.toast(.info("No appointment in this slot: Enter books one.")))
            return nil
        }
        if let blocked = state.writeBlocked {
            state.ask(.toast(.error(blocked)))
            return nil
        }
        guard state.calendar.pending[appointment.id] == nil else { return nil }
        return appointment
    }

    static func setStatus(_ state: inout CalendarFrame, _ status: AppointmentStatus) -> [Command] {
        guard let appointment = target(&state), appointment.status != status else { return [] }
        return sendStatus(&state, appointment, status)
    }

    static func sendStatus(_ state: inout CalendarFrame, _ appointment: Appointment, _ status: AppointmentStatus) -> [Command] {
        let change = AppointmentChange(status: status)
        state.calendar.pending[appointment.id] = change
        state.calendar.statusBefore[appointment.id] = appointment.status
        return [.updateAppointment(id: appointment.id, change)]
    }

    /// The status menu's answer.
    /// The status menu's choice: sent unless the account may not write or a change is on its way.
    static func statusChosen(_ state: inout CalendarFrame, _ menu: StatusMenu, _ status: AppointmentStatus) -> [Command] {
        state.closeDialog()
        if let blocked = state.writeBlocked {
            state.ask(.toast(.error(blocked)))
            return []
        }
        guard state.calendar.pending[menu.appointment.id] == nil else { return [] }
        let current = state.calendar.appointments.first { $0.id == menu.appointment.id } ?? menu.appointment
        return sendStatus(&state, current, status)
    }

    /// `u`: the last status change taken back (a check-in by a slip of the finger, a cancel meant for another).
    static func undo(_ state: inout CalendarFrame) -> [Command] {
        guard let undo = state.calendar.undo, let appointment = state.calendar.appointments.first(where: { $0.id == undo.appointmentID }) else {
            state.ask(.toast(.info("Nothing to undo.")))
            return []
        }
        if let blocked = state.writeBlocked {
            state.ask(.toast(.error(blocked)))
            return []
        }
        guard state.calendar.pending[appointment.id] == nil else { return [] }
        state.calendar.undo = nil
        switch undo.before {
        case .status(let previous):
            state.calendar.undoing.insert(appointment.id)
            return sendStatus(&state, appointment, previous)
        case .time(let startsAt, let endsAt):
            let change = AppointmentChange(startsAt: startsAt, endsAt: endsAt)
            state.calendar.pending[appointment.id] = change
            state.calendar.undoing.insert(appointment.id)
            // The selection goes back with it, as it followed the move.
            if startsAt != appointment.startsAt { state.calendar.moveOrigins[appointment.id] = state.calendar.minute }
            return [.updateAppointment(id: appointment.id, change)]
        }
    }

    /// `v`: every doctor's calendar, then each doctor's alone.
    static func switchDoctor(_ state: inout CalendarFrame) -> [Command] {
        let doctors = state.doctors
        guard doctors.count > 1 else {
            state.ask(.toast(.info("This clinic has one doctor's calendar.")))
            return []
        }
        let ids: [String?] = [nil] + doctors.map { Optional($0.id) }
        let index = ids.firstIndex(of: state.calendar.providerID) ?? 0
        state.calendar.providerID = ids[(index + 1) % ids.count]
        state.calendar.clashes = []
        keepSlotInView(&state)
        return []
    }

    /// Move (both ends) or resize (the end) by whole slots; never shorter than one slot.
    static func shift(_ state: inout CalendarFrame, startBy: Int, endBy: Int) -> [Command] {
        guard let appointment = target(&state) else { return [] }
        let step = Double(state.hours.slotMinutes) * 60
        let starts = appointment.startsAt.addingTimeInterval(Double(startBy) * step)
        let ends = appointment.endsAt.addingTimeInterval(Double(endBy) * step)
        guard ends.timeIntervalSince(starts) >= step else {
            state.ask(.toast(.info("An appointment lasts at least one slot (\(state.hours.slotMinutes) minutes).")))
            return []
        }
        let change = AppointmentChange(startsAt: starts, endsAt: ends)
        state.calendar.pending[appointment.id] = change
        if startBy != 0 { state.calendar.moveOrigins[appointment.id] = state.calendar.minute }
        return [.updateAppointment(id: appointment.id, change)]
    }

    // MARK: Booking form

    /// `patient`: chosen beforehand (the list's selection). From the calendar the form still opens on
    /// the patient field (`focusOnPatient`), so the name offered is seen before anything else is typed.
    static func openBooking(_ state: inout CalendarFrame, patient: Patient?, at day: Date, minute: Int, focusOnPatient: Bool = false) -> [Command] {
        if let blocked = state.writeBlocked {
            state.ask(.toast(.error(blocked)))
            return []
        }
        var form = BookingForm()
        if let patient {
            form.pick(patient)
            if focusOnPatient { form.patientOffered = true } else { form.focus = .date }
        }
        form.doctors = state.doctors.map { BookingForm.Doctor(id: $0.id, name: $0.username) }
        // The doctor whose calendar (or column) is shown, else the doctor booking, else the first.
        let preferred = state.calendar.providerID ?? selectedColumnDoctor(state)?.id
            ?? state.user.flatMap { $0.role == .frontDesk ? nil : $0.id }
        form.doctorIndex = form.doctors.firstIndex { $0.id == preferred } ?? 0
        form.date = LineField(CalendarMath.isoDay(day, in: state.timeZone), maxLength: 16)
        form.time = LineField(CalendarMath.clock(minute: minute), maxLength: 5)
        form.minutes = LineField(String(max(state.hours.slotMinutes, 15)), maxLength: 3)
        state.ask(.open(.booking(form)))
        return []
    }

    static func openBooking(_ state: inout CalendarFrame, editing appointment: Appointment) -> [Command] {
        if let blocked = state.writeBlocked {
            state.ask(.toast(.error(blocked)))
            return []
        }
        var form = BookingForm()
        form.appointmentID = appointment.id
        form.patientID = appointment.patientId
        form.patientName = TerminalText.sanitize(appointment.patientName)
        form.patient = LineField(form.patientName, maxLength: 200)
        form.doctors = state.doctors.map { BookingForm.Doctor(id: $0.id, name: $0.username) }
        // A departed doctor's appointment stays theirs unless the desk picks another.
        if let provider = appointment.providerId, !form.doctors.contains(where: { $0.id == provider }), !form.doctors.isEmpty {
            form.doctors.append(BookingForm.Doctor(id: provider, name: appointment.providerName ?? "a former doctor"))
        }
        form.doctorIndex = form.doctors.firstIndex { $0.id == appointment.providerId } ?? 0
        form.originalProviderID = appointment.providerId
        form.date = LineField(CalendarMath.isoDay(appointment.startsAt, in: state.timeZone), maxLength: 16)
        form.time = LineField(CalendarMath.clock(appointment.startsAt, in: state.timeZone), maxLength: 5)
        form.minutes = LineField(String(Int(appointment.endsAt.timeIntervalSince(appointment.startsAt) / 60)), maxLength: 3)
        form.reason = LineField(TerminalText.sanitize(appointment.reason ?? ""), maxLength: 500)
        form.focus = .date
        state.ask(.open(.booking(form)))
        return []
    }

    /// The booking form's answer: it closes, or its change is sent (the clash marks of the last
    /// refusal go either way).
    static func booked(_ state: inout CalendarFrame, _ intent: BookingForm.Intent) -> [Command] {
        state.calendar.clashes = []
        switch intent {
        case .cancel:
            state.closeDialog()
            return []
        case .send(let command):
            return [command]
        }
    }

    /// "10:00–10:30 José Álvarez-Núñez (follow-up)"
    static func describe(_ appointment: Appointment, in timeZone: TimeZone) -> String {
        var text = CalendarMath.clock(appointment.startsAt, in: timeZone) + "–" + CalendarMath.clock(appointment.endsAt, in: timeZone)
        text += " " + TerminalText.sanitize(appointment.patientName)
        if let reason = appointment.reason, !reason.isEmpty { text += " (" + TerminalText.sanitize(reason) + ")" }
        return text
    }

    /// A clash the calendar does not hold (another doctor's day, another week): our server's
    /// message ("Overlaps the appointment of P with D from <UTC> to <UTC> (id …)") said in the
    /// terminal's times without the id; any other server's message as it came.
    static func clashInWords(_ message: String, in timeZone: TimeZone) -> String {
        let pattern = /^Overlaps the appointment of (.+) with (.+) from (\S+) to (\S+) \(id \w+\)$/
        guard let match = message.wholeMatch(of: pattern), let starts = RFC3339DateTranscoder.parse(String(match.3)),
              let ends = RFC3339DateTranscoder.parse(String(match.4))
        else { return message }
        let day = TimelineView.dayAndTime(starts, in: timeZone).day
        return "Clashes with " + CalendarMath.clock(starts, in: timeZone) + "–" + CalendarMath.clock(ends, in: timeZone) + " "
            + TerminalText.sanitize(String(match.1)) + " (" + TerminalText.sanitize(String(match.2)) + ", " + day + ")"
    }

    /// The appointments a rejected change clashes with, from what the calendar holds.
    static func clashes(_ state: CalendarFrame, id: String?, starts: Date, ends: Date) -> [Appointment] {
        CalendarMath.overlapping(state.calendar.shown, from: starts, to: ends).filter { $0.id != id && $0.status != .cancelled }
    }

    // MARK: Answers

    /// Returns nil for messages that are not about appointments.
    static func update(_ state: inout CalendarFrame, _ msg: CalendarMsg) -> [Command] {
        switch msg {
        case .appointmentsLoaded(let requestID, let items):
            guard requestID == state.calendar.requestID else { return [] }
            state.calendar.loading = false
            state.calendar.refreshingQuietly = false
            state.calendar.error = nil
            state.calendar.appointments = items.sorted { $0.startsAt < $1.startsAt }
            state.calendar.loadedRange = state.calendar.requestedRange
            state.calendar.loadedAt = state.now
            keepSlotInView(&state)
            return []
        case .appointmentsFailed(let requestID, let failure):
            guard requestID == state.calendar.requestID else { return [] }
            state.calendar.loading = false
            state.calendar.refreshingQuietly = false
            if failure.kind == .cancelled { return [] }
            if failure.kind != .sessionExpired { state.calendar.error = failure.message }
            state.ask(.failed(failure))
            return []
        case .patientAppointmentsLoaded(let patientID, let items):
            state.ask(.patientAppointments(patientID: patientID, items))
            return []
        case .appointmentSaved(let appointment, let isNew):
            let previous = state.calendar.appointments.first { $0.id == appointment.id }
            let wasUndo = state.calendar.undoing.remove(appointment.id) != nil
            // Any change made since the last one undoable: u no longer reaches past it.
            if !wasUndo { state.calendar.undo = nil }
            let change = state.calendar.pending.removeValue(forKey: appointment.id)
            let before = state.calendar.statusBefore.removeValue(forKey: appointment.id)
            let origin = state.calendar.moveOrigins.removeValue(forKey: appointment.id)
            state.calendar.clashes = []
            var list = state.calendar.appointments.filter { $0.id != appointment.id }
            if let loaded = state.calendar.loadedRange, appointment.startsAt < loaded.upperBound, loaded.lowerBound < appointment.endsAt {
                list.append(appointment)
            }
            state.calendar.appointments = list.sorted { $0.startsAt < $1.startsAt }
            state.ask(.patientAppointmentSaved(appointment))
            var commands: [Command] = []
            if state.booking?.busy == true {
                state.closeDialog()
                // Booked for someone else than the list's choice: that choice is not offered again.
                if isNew && state.app.patients.chosenID != appointment.patientId { state.ask(.forgetChosenPatient) }
                // Show the day of the booking, on its slot.
                state.calendar.day = CalendarMath.startOfDay(appointment.startsAt, in: state.timeZone)
                let minute = CalendarMath.minute(of: appointment.startsAt, in: state.timeZone)
                state.calendar.minute = minute - minute % state.hours.slotMinutes
                keepSlotInView(&state)
                if state.mode == .calendar { commands = load(&state) }
                let when = CalendarMath.dayTitle(appointment.startsAt, in: state.timeZone)
                state.ask(.toast(.info((isNew ? "Booked " : "Changed ") + when + " " + describe(appointment, in: state.timeZone) + ".")))
            } else {
                let name = TerminalText.sanitize(appointment.patientName)
                let span = CalendarMath.clock(appointment.startsAt, in: state.timeZone) + "–" + CalendarMath.clock(appointment.endsAt, in: state.timeZone)
                let undoHint = wasUndo ? " (undone)" : " — u to undo"
                if !wasUndo, let previous, change?.startsAt != nil || change?.endsAt != nil {
                    state.calendar.undo = CalendarUndo(appointmentID: appointment.id,
                                                       before: .time(startsAt: previous.startsAt, endsAt: previous.endsAt))
                }
                if let before, change?.status != nil {
                    if !wasUndo { state.calendar.undo = CalendarUndo(appointmentID: appointment.id, before: .status(before)) }
                    state.ask(.toast(.info("\(appointment.status.doneVerb) \(CalendarMath.clock(appointment.startsAt, in: state.timeZone)) \(name)" + undoHint)))
                } else if let origin {
                    // The selection follows the appointment it moved, if it is still where the move began.
                    if state.calendar.minute == origin,
                       CalendarMath.startOfDay(appointment.startsAt, in: state.timeZone) == state.calendar.day {
                        let minute = CalendarMath.minute(of: appointment.startsAt, in: state.timeZone)
                        state.calendar.minute = minute - minute % state.hours.slotMinutes
                        keepSlotInView(&state)
                    }
                    state.ask(.toast(.info("Moved \(name) to \(span)" + undoHint + ".")))
                } else if change?.endsAt != nil {
                    state.ask(.toast(.info("\(name): now \(span)" + undoHint + ".")))
                } else {
                    state.ask(.toast(.info("\(name): \(CalendarMath.clock(appointment.startsAt, in: state.timeZone)) \(appointment.status.label).")))
                }
            }
            return commands
        case .appointmentSaveFailed(let failure):
            guard var form = state.booking else { return [] }
            form.busy = false
            defer { state.booking = form }
            if failure.code == "appointment_conflict" {
                if let day = CalendarMath.day(form.date.text, in: state.timeZone), let minute = CalendarMath.minuteOfDay(form.time.text),
                   let length = Int(form.minutes.text.trimmingCharacters(in: .whitespaces)) {
                    let starts = CalendarMath.instant(day: day, minute: minute, in: state.timeZone)
                    // Overlaps count per doctor: only the chosen doctor's visits can be the clash.
                    let doctor = form.doctor?.id
                    form.clashes = clashes(state, id: form.appointmentID, starts: starts, ends: starts.addingTimeInterval(Double(length) * 60))
                        .filter { doctor == nil || $0.providerId == nil || $0.providerId == doctor }
                    state.calendar.clashes = Set(form.clashes.map(\.id))
                }
                form.error = form.clashes.isEmpty ? clashInWords(failure.message, in: state.timeZone)
                    : "Clashes with " + form.clashes.map { describe($0, in: state.timeZone) }.joined(separator: ", ")
                return []
            }
            let fieldMap: [String: BookingForm.Field] = ["patient_id": .patient, "starts_at": .time, "ends_at": .minutes, "reason": .reason,
                                                         "provider_id": .doctor]
            form.fieldErrors = Dictionary(failure.fieldErrors.compactMap { key, value in fieldMap[key].map { ($0, value) } },
                                          uniquingKeysWith: { first, _ in first })
            form.error = failure.message
            if failure.code == "subscription_inactive" { return [.refreshUser] }
            state.ask(.failed(failure))
            return []
        case .appointmentUpdateFailed(let id, let failure):
            state.calendar.undoing.remove(id)
            let change = state.calendar.pending.removeValue(forKey: id)
            state.calendar.statusBefore[id] = nil
            // Nothing moved: the selection stays on the appointment the key was meant for.
            state.calendar.moveOrigins[id] = nil
            if let form = state.booking, form.appointmentID == id, form.busy {
                return update(&state, .appointmentSaveFailed(failure))
            }
            if failure.code == "appointment_conflict", let starts = change?.startsAt, let ends = change?.endsAt {
                // Per doctor: only the moved visit's doctor's visits can be in the way.
                let doctor = state.calendar.appointments.first { $0.id == id }?.providerId
                let clashing = clashes(state, id: id, starts: starts, ends: ends).filter { doctor == nil || $0.providerId == nil || $0.providerId == doctor }
                state.calendar.clashes = Set(clashing.map(\.id))
                if let first = clashing.first {
                    state.ask(.toast(.error("Not moved: " + describe(first, in: state.timeZone) + " is there.")))
                    return []
                }
                state.ask(.toast(.error("Not moved: " + clashInWords(failure.message, in: state.timeZone))))
                return []
            }
            if failure.code == "subscription_inactive" {
                state.ask(.toast(.error("Not changed: " + failure.message)))
                return [.refreshUser]
            }
            state.ask(failure.kind == .sessionExpired ? .failed(failure) : .toast(.error("Not changed: " + failure.message)))
            return []
        case .bookingSearchDebounced(let generation):
            guard let form = state.booking, form.generation == generation else { return [] }
            return [.searchBookingPatients(generation: generation, query: form.patient.text.trimmingCharacters(in: .whitespaces))]
        case .bookingPatientsLoaded(let generation, let items):
            guard state.booking?.generation == generation else { return [] }
            state.booking?.matches = items
            state.booking?.matchIndex = 0
            if items.isEmpty { state.booking?.fieldErrors[.patient] = "no patient matches: add them first (n on the patient list)" }
            return []
        }
    }
}
