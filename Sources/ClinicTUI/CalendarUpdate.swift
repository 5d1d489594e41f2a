import ClinicAPI
import Foundation

/// Keys and answers of the appointment calendar and the booking form.
enum CalendarScreen {
    /// `t` from the records (today's agenda) or `c` (the calendar where it was left).
    static func open(_ state: inout AppState, today: Bool) -> [Command] {
        state.mode = .calendar
        if today {
            state.calendar.span = .day
            state.calendar.day = CalendarMath.startOfDay(state.now, in: state.timeZone)
            state.calendar.minute = nowSlot(state)
        }
        state.calendar.clashes = []
        keepSlotInView(&state)
        // Coming back to the calendar always asks again: another desk may have booked meanwhile.
        return load(&state, force: true)
    }

    /// The slot holding the present moment, or the start of the working day.
    static func nowSlot(_ state: AppState) -> Int {
        let minute = CalendarMath.minute(of: state.now, in: state.timeZone)
        let hours = state.hours
        guard minute >= hours.startMinute && minute < hours.endMinute else { return hours.startMinute }
        return minute - minute % hours.slotMinutes
    }

    /// Booking from the patient list: the first slot from now on that the calendar knows to be free.
    /// After hours it is the start of tomorrow.
    static func nextFreeSlot(_ state: AppState) -> (day: Date, minute: Int) {
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

    static func load(_ state: inout AppState, force: Bool = false) -> [Command] {
        let needed = CalendarMath.range(for: state.calendar.span, day: state.calendar.day, in: state.timeZone)
        if !force, let loaded = state.calendar.loadedRange, loaded.lowerBound <= needed.lowerBound, needed.upperBound <= loaded.upperBound {
            return []
        }
        if !force, state.calendar.loading, state.calendar.requestedRange == needed { return [] }
        state.calendar.requestID += 1
        state.calendar.requestedRange = needed
        state.calendar.loading = true
        state.calendar.error = nil
        return [.loadAppointments(requestID: state.calendar.requestID, from: needed.lowerBound, to: needed.upperBound)]
    }

    /// The appointments of the selected day that cover the selected slot: the one keys act on first.
    static func selected(_ state: AppState) -> Appointment? {
        let start = CalendarMath.instant(day: state.calendar.day, minute: state.calendar.minute, in: state.timeZone)
        let end = start.addingTimeInterval(Double(state.hours.slotMinutes) * 60)
        let here = CalendarMath.overlapping(state.calendar.appointments, from: start, to: end)
        return here.first { $0.status != .cancelled } ?? here.first
    }

    static func slots(_ state: AppState) -> [Int] {
        let day = state.calendar.day
        let next = CalendarMath.addDays(1, to: day, in: state.timeZone)
        return CalendarMath.slots(day: day, appointments: CalendarMath.overlapping(state.calendar.appointments, from: day, to: next),
                                  hours: state.hours, in: state.timeZone)
    }

    /// Rows the day view has for slots (below the title and the column header).
    static func dayRows(_ state: AppState) -> Int { max(1, state.height - 5) }

    static func keepSlotInView(_ state: inout AppState) {
        let slots = slots(state)
        guard let index = slots.firstIndex(where: { $0 >= state.calendar.minute }) ?? slots.indices.last else { return }
        let rows = dayRows(state)
        if index < state.calendar.scroll { state.calendar.scroll = index }
        if index >= state.calendar.scroll + rows { state.calendar.scroll = index - rows + 1 }
        state.calendar.scroll = max(0, min(state.calendar.scroll, max(0, slots.count - rows)))
    }

    static func moveDay(_ state: inout AppState, by days: Int) -> [Command] {
        state.calendar.day = CalendarMath.addDays(days, to: state.calendar.day, in: state.timeZone)
        state.calendar.clashes = []
        keepSlotInView(&state)
        return load(&state)
    }

    static func moveSlot(_ state: inout AppState, by steps: Int) {
        let slots = slots(state)
        guard !slots.isEmpty else { return }
        let index = slots.firstIndex(where: { $0 >= state.calendar.minute }) ?? slots.count - 1
        state.calendar.minute = slots[min(max(0, index + steps), slots.count - 1)]
        keepSlotInView(&state)
    }

    static func handle(_ state: inout AppState, _ key: Key) -> [Command] {
        let span = state.calendar.span
        if let commands = MainScreen.appWide(&state, key) { return commands }
        switch key {
        case .escape, .character("p"):
            if state.calendar.loading {
                state.calendar.loading = false
                state.calendar.requestID += 1
                return []
            }
            state.mode = .records
            return []
        case .character("d"):
            state.calendar.span = .day
            keepSlotInView(&state)
            return load(&state)
        case .character("w"):
            state.calendar.span = .week
            return load(&state)
        case .character("m"):
            state.calendar.span = .month
            return load(&state)
        case .character("t"):
            state.calendar.day = CalendarMath.startOfDay(state.now, in: state.timeZone)
            state.calendar.minute = nowSlot(state)
            keepSlotInView(&state)
            return load(&state)
        case .character("r"), .function(5):
            return load(&state, force: true)
        case .character("["), .character("]"):
            let forward = key == .character("]")
            switch span {
            case .day: return moveDay(&state, by: forward ? 1 : -1)
            case .week: return moveDay(&state, by: forward ? 7 : -7)
            case .month:
                state.calendar.day = CalendarMath.addMonths(forward ? 1 : -1, to: state.calendar.day, in: state.timeZone)
                return load(&state)
            }
        case .left, .character("h"): return moveDay(&state, by: -1)
        case .right, .character("l"): return moveDay(&state, by: 1)
        case .down, .character("j"), .up, .character("k"):
            let down = key == .down || key == .character("j")
            if span == .day {
                moveSlot(&state, by: down ? 1 : -1)
                return []
            }
            return moveDay(&state, by: down ? 7 : -7)
        case .pageDown, .pageUp:
            guard span == .day else { return moveDay(&state, by: key == .pageDown ? 7 : -7) }
            moveSlot(&state, by: key == .pageDown ? dayRows(state) : -dayRows(state))
            return []
        case .home, .character("g"):
            state.calendar.minute = slots(state).first ?? state.hours.startMinute
            keepSlotInView(&state)
            return []
        case .end, .character("G"):
            state.calendar.minute = slots(state).last ?? state.hours.startMinute
            keepSlotInView(&state)
            return []
        case .enter:
            guard span == .day else {
                state.calendar.span = .day
                keepSlotInView(&state)
                return load(&state)
            }
            if let appointment = selected(state) { return openBooking(&state, editing: appointment) }
            return openBooking(&state, patient: nil, at: state.calendar.day, minute: state.calendar.minute)
        case .character("b"), .character("n"):
            return openBooking(&state, patient: nil, at: state.calendar.day, minute: span == .day ? state.calendar.minute : nowSlot(state))
        case .character("e"):
            guard span == .day, let appointment = selected(state) else { return [] }
            return openBooking(&state, editing: appointment)
        case .character("c"): return setStatus(&state, .completed)
        case .character("o"): return setStatus(&state, .noShow)
        case .character("x"): return setStatus(&state, .cancelled)
        case .character("s"): return setStatus(&state, .scheduled)
        case .character("J"), .character("K"):
            return shift(&state, startBy: key == .character("J") ? 1 : -1, endBy: key == .character("J") ? 1 : -1)
        case .character("+"), .character("="):
            return shift(&state, startBy: 0, endBy: 1)
        case .character("-"):
            return shift(&state, startBy: 0, endBy: -1)
        default:
            return []
        }
    }

    /// The appointment keys act on: only in the day view, where the doctor sees which one it is.
    static func target(_ state: inout AppState) -> Appointment? {
        guard state.calendar.span == .day else {
            state.toast = .info("Open the day (Enter or d) to change an appointment.")
            return nil
        }
        guard let appointment = selected(state) else {
            state.toast = .info("No appointment in this slot: Enter books one.")
            return nil
        }
        if let blocked = MainScreen.writeBlocked(state) {
            state.toast = .error(blocked)
            return nil
        }
        guard state.calendar.pending[appointment.id] == nil else { return nil }
        return appointment
    }

    static func setStatus(_ state: inout AppState, _ status: AppointmentStatus) -> [Command] {
        guard let appointment = target(&state), appointment.status != status else { return [] }
        let change = AppointmentChange(status: status)
        state.calendar.pending[appointment.id] = change
        return [.updateAppointment(id: appointment.id, change)]
    }

    /// Move (both ends) or resize (the end) by whole slots; never shorter than one slot.
    static func shift(_ state: inout AppState, startBy: Int, endBy: Int) -> [Command] {
        guard let appointment = target(&state) else { return [] }
        let step = Double(state.hours.slotMinutes) * 60
        let starts = appointment.startsAt.addingTimeInterval(Double(startBy) * step)
        let ends = appointment.endsAt.addingTimeInterval(Double(endBy) * step)
        guard ends.timeIntervalSince(starts) >= step else {
            state.toast = .info("An appointment lasts at least one slot (\(state.hours.slotMinutes) minutes).")
            return []
        }
        let change = AppointmentChange(startsAt: starts, endsAt: ends)
        state.calendar.pending[appointment.id] = change
        if startBy != 0 {
            // The selection follows the appointment it moves.
            state.calendar.minute = max(0, min(24 * 60 - state.hours.slotMinutes, state.calendar.minute + startBy * state.hours.slotMinutes))
            keepSlotInView(&state)
        }
        return [.updateAppointment(id: appointment.id, change)]
    }

    // MARK: Booking form

    static func openBooking(_ state: inout AppState, patient: Patient?, at day: Date, minute: Int) -> [Command] {
        if let blocked = MainScreen.writeBlocked(state) {
            state.toast = .error(blocked)
            return []
        }
        var form = BookingForm()
        if let patient {
            form.patientID = patient.id
            form.patientName = TerminalText.sanitize(patient.name)
            form.patient = LineField(form.patientName, maxLength: 200)
            form.focus = 1
        }
        form.date = LineField(CalendarMath.isoDay(day, in: state.timeZone), maxLength: 10)
        form.time = LineField(CalendarMath.clock(minute: minute), maxLength: 5)
        form.minutes = LineField(String(max(state.hours.slotMinutes, 15)), maxLength: 3)
        state.overlay = .booking(form)
        return []
    }

    static func openBooking(_ state: inout AppState, editing appointment: Appointment) -> [Command] {
        if let blocked = MainScreen.writeBlocked(state) {
            state.toast = .error(blocked)
            return []
        }
        var form = BookingForm()
        form.appointmentID = appointment.id
        form.patientID = appointment.patientId
        form.patientName = TerminalText.sanitize(appointment.patientName)
        form.patient = LineField(form.patientName, maxLength: 200)
        form.date = LineField(CalendarMath.isoDay(appointment.startsAt, in: state.timeZone), maxLength: 10)
        form.time = LineField(CalendarMath.clock(appointment.startsAt, in: state.timeZone), maxLength: 5)
        form.minutes = LineField(String(Int(appointment.endsAt.timeIntervalSince(appointment.startsAt) / 60)), maxLength: 3)
        form.reason = LineField(TerminalText.sanitize(appointment.reason ?? ""), maxLength: 500)
        form.focus = 1
        state.overlay = .booking(form)
        return []
    }

    static func bookingKeys(_ state: inout AppState, _ key: Key, _ form: inout BookingForm) -> [Command] {
        let onPatient = form.focus == 0
        switch key {
        case .escape:
            if onPatient && !form.matches.isEmpty {
                form.matches = []
                return []
            }
            state.overlay = nil
            state.calendar.clashes = []
            return []
        case .down where onPatient && !form.matches.isEmpty:
            form.matchIndex = min(form.matches.count - 1, form.matchIndex + 1)
        case .up where onPatient && !form.matches.isEmpty:
            form.matchIndex = max(0, form.matchIndex - 1)
        case .enter where onPatient && !form.matches.isEmpty, .tab where onPatient && !form.matches.isEmpty:
            let chosen = form.matches[form.matchIndex]
            form.patientID = chosen.id
            form.patientName = TerminalText.sanitize(chosen.name)
            form.patient = LineField(form.patientName, maxLength: 200)
            form.matches = []
            form.fieldErrors["patient"] = nil
            form.focus = 1
        case .tab, .down:
            form.focus = (form.focus + 1) % form.fieldCount
        case .backTab, .up:
            form.focus = (form.focus + form.fieldCount - 1) % form.fieldCount
        case .enter where form.focus < form.fieldCount - 1:
            form.focus += 1
        case .enter, .control("s"):
            return submit(&state, &form)
        default:
            let before = form.value(form.focus).text
            form.field(form.focus) { _ = $0.handle(key) }
            let name = BookingForm.fields[form.focus].key
            form.fieldErrors[name] = nil
            if onPatient && form.patient.text != before {
                // Typing a name forgets the patient chosen before and searches as the receptionist types.
                form.patientID = nil
                form.generation += 1
                let query = form.patient.text.trimmingCharacters(in: .whitespaces)
                if query.isEmpty {
                    form.matches = []
                    return []
                }
                return [.after(milliseconds: 200, .bookingSearchDebounced(generation: form.generation))]
            }
        }
        return []
    }

    static func submit(_ state: inout AppState, _ form: inout BookingForm) -> [Command] {
        guard !form.busy else { return [] }
        var errors: [String: String] = [:]
        if form.patientID == nil { errors["patient"] = "type part of a name, then pick with ↑/↓ and Enter" }
        let day = CalendarMath.day(form.date.text, in: state.timeZone)
        if day == nil { errors["date"] = "a date as YYYY-MM-DD" }
        let minute = CalendarMath.minuteOfDay(form.time.text)
        if minute == nil { errors["time"] = "a time as HH:MM (24-hour)" }
        let length = Int(form.minutes.text.trimmingCharacters(in: .whitespaces))
        if length == nil || !(5...720).contains(length ?? 0) { errors["minutes"] = "from 5 to 720 minutes" }
        form.fieldErrors = errors
        if let first = BookingForm.fields.firstIndex(where: { errors[$0.key] != nil }) {
            form.focus = first
            form.error = nil
            return []
        }
        guard let patientID = form.patientID, let day, let minute, let length else { return [] }
        let starts = CalendarMath.instant(day: day, minute: minute, in: state.timeZone)
        let ends = starts.addingTimeInterval(Double(length) * 60)
        let reason = form.reason.text.trimmingCharacters(in: .whitespaces)
        form.busy = true
        form.error = nil
        form.clashes = []
        state.calendar.clashes = []
        let change = AppointmentChange(patientID: patientID, startsAt: starts, endsAt: ends, reason: reason.isEmpty ? nil : reason)
        if let id = form.appointmentID { return [.updateAppointment(id: id, change)] }
        return [.createAppointment(change)]
    }

    /// "10:00–10:30 José Álvarez-Núñez (follow-up)"
    static func describe(_ appointment: Appointment, in timeZone: TimeZone) -> String {
        var text = CalendarMath.clock(appointment.startsAt, in: timeZone) + "–" + CalendarMath.clock(appointment.endsAt, in: timeZone)
        text += " " + TerminalText.sanitize(appointment.patientName)
        if let reason = appointment.reason, !reason.isEmpty { text += " (" + TerminalText.sanitize(reason) + ")" }
        return text
    }

    /// The appointments a rejected change clashes with, from what the calendar holds.
    static func clashes(_ state: AppState, id: String?, starts: Date, ends: Date) -> [Appointment] {
        CalendarMath.overlapping(state.calendar.appointments, from: starts, to: ends).filter { $0.id != id && $0.status != .cancelled }
    }

    // MARK: Answers

    /// Returns nil for messages that are not about appointments.
    static func handle(_ state: inout AppState, _ msg: Msg) -> [Command]? {
        switch msg {
        case .appointmentsLoaded(let requestID, let items):
            guard requestID == state.calendar.requestID else { return [] }
            state.calendar.loading = false
            state.calendar.error = nil
            state.calendar.appointments = items.sorted { $0.startsAt < $1.startsAt }
            state.calendar.loadedRange = state.calendar.requestedRange
            state.calendar.loadedAt = state.now
            keepSlotInView(&state)
            return []
        case .appointmentsFailed(let requestID, let failure):
            guard requestID == state.calendar.requestID else { return [] }
            state.calendar.loading = false
            if failure.kind == .cancelled { return [] }
            return Results.expireIfNeeded(&state, failure) ?? {
                state.calendar.error = failure.message
                return []
            }()
        case .patientAppointmentsLoaded(let patientID, let items):
            if state.timeline.patientID == patientID { state.timeline.appointments = items.sorted { $0.startsAt < $1.startsAt } }
            return []
        case .appointmentSaved(let appointment, let isNew):
            state.calendar.pending[appointment.id] = nil
            state.calendar.clashes = []
            var list = state.calendar.appointments.filter { $0.id != appointment.id }
            if let loaded = state.calendar.loadedRange, appointment.startsAt < loaded.upperBound, loaded.lowerBound < appointment.endsAt {
                list.append(appointment)
            }
            state.calendar.appointments = list.sorted { $0.startsAt < $1.startsAt }
            if state.timeline.patientID == appointment.patientId {
                state.timeline.appointments = (state.timeline.appointments.filter { $0.id != appointment.id } + [appointment])
                    .sorted { $0.startsAt < $1.startsAt }
            }
            var commands: [Command] = []
            if case .booking(let form) = state.overlay, form.busy {
                state.overlay = nil
                // Show the day of the booking, on its slot.
                state.calendar.day = CalendarMath.startOfDay(appointment.startsAt, in: state.timeZone)
                let minute = CalendarMath.minute(of: appointment.startsAt, in: state.timeZone)
                state.calendar.minute = minute - minute % state.hours.slotMinutes
                keepSlotInView(&state)
                if state.mode == .calendar { commands = load(&state) }
                let when = CalendarMath.dayTitle(appointment.startsAt, in: state.timeZone)
                state.toast = .info((isNew ? "Booked " : "Changed ") + when + " " + describe(appointment, in: state.timeZone) + ".")
            } else {
                state.toast = .info("\(TerminalText.sanitize(appointment.patientName)): \(CalendarMath.clock(appointment.startsAt, in: state.timeZone)) "
                    + appointment.status.label + ".")
            }
            return commands
        case .appointmentSaveFailed(let failure):
            guard case .booking(var form) = state.overlay else { return [] }
            form.busy = false
            defer { if case .booking = state.overlay { state.overlay = .booking(form) } }
            if failure.code == "appointment_conflict" {
                if let day = CalendarMath.day(form.date.text, in: state.timeZone), let minute = CalendarMath.minuteOfDay(form.time.text),
                   let length = Int(form.minutes.text.trimmingCharacters(in: .whitespaces)) {
                    let starts = CalendarMath.instant(day: day, minute: minute, in: state.timeZone)
                    form.clashes = clashes(state, id: form.appointmentID, starts: starts, ends: starts.addingTimeInterval(Double(length) * 60))
                    state.calendar.clashes = Set(form.clashes.map(\.id))
                }
                form.error = form.clashes.isEmpty ? failure.message
                    : "Clashes with " + form.clashes.map { describe($0, in: state.timeZone) }.joined(separator: ", ")
                form.focus = 2
                return []
            }
            let fieldMap = ["patient_id": "patient", "starts_at": "time", "ends_at": "minutes", "reason": "reason"]
            form.fieldErrors = Dictionary(failure.fieldErrors.compactMap { key, value in fieldMap[key].map { ($0, value) } },
                                          uniquingKeysWith: { first, _ in first })
            form.error = failure.message
            if failure.code == "subscription_inactive" { return [.refreshUser] }
            return Results.expireIfNeeded(&state, failure) ?? []
        case .appointmentUpdateFailed(let id, let failure):
            let change = state.calendar.pending.removeValue(forKey: id)
            if case .booking(let form) = state.overlay, form.appointmentID == id, form.busy {
                return handle(&state, .appointmentSaveFailed(failure))
            }
            if failure.code == "appointment_conflict", let starts = change?.startsAt, let ends = change?.endsAt {
                state.calendar.clashes = Set(clashes(state, id: id, starts: starts, ends: ends).map(\.id))
            }
            if failure.code == "subscription_inactive" {
                state.toast = .error("Not changed: " + failure.message)
                return [.refreshUser]
            }
            return Results.expireIfNeeded(&state, failure) ?? {
                state.toast = .error("Not changed: " + failure.message)
                return []
            }()
        case .bookingSearchDebounced(let generation):
            guard case .booking(let form) = state.overlay, form.generation == generation else { return [] }
            return [.searchBookingPatients(generation: generation, query: form.patient.text.trimmingCharacters(in: .whitespaces))]
        case .bookingPatientsLoaded(let generation, let items):
            guard case .booking(var form) = state.overlay, form.generation == generation else { return [] }
            form.matches = items
            form.matchIndex = 0
            if items.isEmpty { form.fieldErrors["patient"] = "no patient matches: add them first (n on the patient list)" }
            state.overlay = .booking(form)
            return []
        default:
            return nil
        }
    }
}
