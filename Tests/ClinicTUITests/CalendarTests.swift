import ClinicAPI
@testable import ClinicTUI
import Foundation
import Testing

extension Fixture {
    static let utc = TimeZone(identifier: "UTC")!

    /// 2026-11-25 (a Wednesday) at hh:mm UTC.
    static func today(_ hour: Int, _ minute: Int = 0) -> Date {
        Date(timeIntervalSince1970: 1_795_564_800 + Double(hour * 3600 + minute * 60))
    }

    static func appointment(_ index: Int, patient: Int, from start: Date, minutes: Int, reason: String? = nil,
                            status: AppointmentStatus = .scheduled) -> Appointment {
        Appointment(id: String(format: "%024x", 500 + index), patientId: patients[patient].id, patientName: patients[patient].name,
                    startsAt: start, endsAt: start.addingTimeInterval(Double(minutes) * 60), reason: reason, status: status,
                    createdAt: now, updatedAt: now)
    }

    static let appointments: [Appointment] = [
        appointment(1, patient: 0, from: today(9), minutes: 30, reason: "BP review", status: .completed),
        appointment(2, patient: 1, from: today(10), minutes: 45, reason: "Follow-up"),
        appointment(3, patient: 2, from: today(11, 15), minutes: 15, reason: "Vaccination", status: .cancelled),
        appointment(4, patient: 4, from: today(11, 15), minutes: 30, reason: "New patient"),
        appointment(5, patient: 3, from: today(9).addingTimeInterval(86_400), minutes: 20),
        appointment(6, patient: 0, from: today(14).addingTimeInterval(-2 * 86_400), minutes: 30, status: .noShow),
    ]

    /// The calendar opened on today with the fixture's appointments loaded.
    static func calendarState(width: Int = 80, height: Int = 24) -> AppState {
        var state = mainState(width: width, height: height)
        _ = update(&state, .key(.character("t")))
        _ = update(&state, .calendar(.appointmentsLoaded(requestID: state.calendar.requestID, items: appointments)))
        return state
    }
}

@Suite struct CalendarTests {
    @Test func test_t_opensTodaysAgenda_onTheCurrentSlot_andLoadsTheWeek() {
        var state = Fixture.mainState()
        let commands = update(&state, .key(.character("t")))
        #expect(state.mode == .calendar)
        #expect(state.calendar.span == .day)
        #expect(state.calendar.day == Fixture.today(0))
        #expect(state.calendar.minute == 9 * 60 + 45)  // now is 09:46
        // The week (Monday 23 Nov to Monday 30 Nov) is fetched once for day and week views.
        #expect(commands == [.loadAppointments(requestID: state.calendar.requestID, from: Fixture.today(0).addingTimeInterval(-2 * 86_400),
                                               to: Fixture.today(0).addingTimeInterval(5 * 86_400))])
        _ = update(&state, .calendar(.appointmentsLoaded(requestID: state.calendar.requestID, items: Fixture.appointments)))
        #expect(update(&state, .key(.character("l"))).isEmpty, "the next day is in the loaded week")
        #expect(update(&state, .key(.character("w"))).isEmpty)
        let month = update(&state, .key(.character("m")))
        #expect(month.count == 1, "the month grid is wider than the week")
        _ = update(&state, .key(.escape))
        _ = update(&state, .key(.escape))
        #expect(state.mode == .records)
    }

    @Test func test_staleAnswers_doNotOverwriteTheCalendar() {
        var state = Fixture.mainState()
        _ = update(&state, .key(.character("t")))
        let first = state.calendar.requestID
        _ = update(&state, .key(.character("r")))
        _ = update(&state, .calendar(.appointmentsLoaded(requestID: first, items: Fixture.appointments)))
        #expect(state.calendar.appointments.isEmpty)
        _ = update(&state, .calendar(.appointmentsLoaded(requestID: state.calendar.requestID, items: Array(Fixture.appointments.prefix(1)))))
        #expect(state.calendar.appointments.count == 1)
    }

    @Test func test_booking_fromAFreeSlot_searchesThePatientInline_andSendsUTC() throws {
        var state = Fixture.calendarState()
        state.timeZone = TimeZone(identifier: "Asia/Kolkata")!  // UTC+5:30: what is typed is local time
        state.calendar.day = CalendarMath.startOfDay(Fixture.now, in: state.timeZone)
        state.calendar.minute = 14 * 60
        _ = update(&state, .key(.enter))
        guard case .booking(var form) = state.overlay else { Issue.record("no booking form"); return }
        #expect(form.date.text == "2026-11-25")
        #expect(form.time.text == "14:00")
        #expect(form.focus == .patient)
        var searches: [Int] = []
        for character in "gra" {
            for command in update(&state, .key(.character(character))) {
                if case .after(_, .calendar(.bookingSearchDebounced(let generation))) = command { searches.append(generation) }
            }
        }
        #expect(searches.count == 3)
        #expect(update(&state, .calendar(.bookingSearchDebounced(generation: searches[0]))).isEmpty)
        #expect(update(&state, .calendar(.bookingSearchDebounced(generation: searches[2]))) == [.searchBookingPatients(generation: searches[2], query: "gra")])
        _ = update(&state, .calendar(.bookingPatientsLoaded(generation: searches[2], [Fixture.patients[3], Fixture.patients[4]])))
        _ = update(&state, .key(.down))
        _ = update(&state, .key(.enter))
        guard case .booking(let picked) = state.overlay else { Issue.record("form closed"); return }
        form = picked
        #expect(form.patientID == Fixture.patients[4].id)
        #expect(form.focus == .date)
        _ = update(&state, .key(.tab))
        _ = update(&state, .key(.tab))
        for _ in 0..<3 { _ = update(&state, .key(.backspace)) }
        for character in "30" { _ = update(&state, .key(.character(character))) }
        _ = update(&state, .key(.tab))
        for character in "Flu jab" { _ = update(&state, .key(.character(character))) }
        // 14:00 in Kolkata has passed (it is 15:16 there): said once, with the focus left where it was.
        #expect(update(&state, .key(.control("s"))).isEmpty)
        guard case .booking(let warned) = state.overlay else { Issue.record("form closed"); return }
        #expect(warned.error?.contains("is in the past") == true)
        #expect(warned.focus == .reason)
        let commands = update(&state, .key(.control("s")))
        // 14:00 in Kolkata is 08:30 UTC.
        #expect(commands == [.createAppointment(AppointmentChange(patientID: Fixture.patients[4].id, startsAt: Fixture.today(8, 30),
                                                                  endsAt: Fixture.today(9), reason: "Flu jab"))])
    }

    @Test func test_badFields_areNamed_andNothingIsSent() {
        var state = Fixture.calendarState()
        _ = update(&state, .key(.character("b")))
        _ = update(&state, .key(.control("u")))  // the list's patient, offered, taken away
        guard case .booking(var form) = state.overlay else { Issue.record("no form"); return }
        form.date = LineField("2026-02-30", maxLength: 10)
        form.time = LineField("25:00", maxLength: 5)
        form.minutes = LineField("0", maxLength: 3)
        state.overlay = .booking(form)
        #expect(update(&state, .key(.control("s"))).isEmpty)
        guard case .booking(let checked) = state.overlay else { Issue.record("form closed"); return }
        #expect(Set(checked.fieldErrors.keys) == [.patient, .date, .time, .minutes])
        #expect(checked.focus == .patient)
    }

    @Test func test_aConflict_keepsTheForm_andNamesTheClashingAppointment() throws {
        var state = Fixture.calendarState()
        _ = update(&state, .key(.character("b")))
        guard case .booking(var form) = state.overlay else { Issue.record("no form"); return }
        form.patientID = Fixture.patients[0].id
        form.patientName = Fixture.patients[0].name
        form.time = LineField("10:30", maxLength: 5)
        form.minutes = LineField("30", maxLength: 3)
        form.reason = LineField("Dressing change", maxLength: 500)
        state.overlay = .booking(form)
        let sent = update(&state, .key(.control("s")))
        #expect(sent.count == 1)
        _ = update(&state, .calendar(.appointmentSaveFailed(APIFailure(kind: .rejected, status: 409, code: "appointment_conflict",
                                                              message: "Overlaps another appointment"))))
        guard case .booking(let after) = state.overlay else { Issue.record("the form closed on a conflict"); return }
        #expect(after.reason.text == "Dressing change")
        #expect(after.time.text == "10:30")
        #expect(!after.busy)
        #expect(after.clashes.map(\.id) == [Fixture.appointments[1].id])
        #expect(after.error?.contains("10:00–10:45 आदित्य शर्मा (Follow-up)") == true)
        #expect(state.calendar.clashes == [Fixture.appointments[1].id])
        try expectSnapshot(view(state), "booking-conflict-80x24")
        // Moved to a free time it books, and the calendar shows it on its slot.
        var retry = after
        retry.time = LineField("12:00", maxLength: 5)
        state.overlay = .booking(retry)
        #expect(update(&state, .key(.control("s"))).count == 1)
        let booked = Fixture.appointment(9, patient: 0, from: Fixture.today(12), minutes: 30, reason: "Dressing change")
        _ = update(&state, .calendar(.appointmentSaved(booked, isNew: true)))
        #expect(state.overlay == nil)
        #expect(state.calendar.clashes.isEmpty)
        #expect(state.calendar.appointments.contains(booked))
        #expect(state.calendar.minute == 12 * 60)
        #expect(CalendarScreen.selected(state)?.id == booked.id)
    }

    @Test func test_statusChanges_needTheMenuOrAQuestion_andSayHowToUndo() {
        var state = Fixture.calendarState()
        state.calendar.minute = 10 * 60 + 30  // inside 10:00–10:45
        let id = Fixture.appointments[1].id
        // `c` opens the calendar from the records: here it changes nothing, and says what does.
        #expect(update(&state, .key(.character("c"))).isEmpty)
        if case .info(let text) = state.toast { #expect(text.contains("s (c completed")) } else { Issue.record("no hint") }
        // Checking in is one key (and undone with u).
        #expect(update(&state, .key(.character("i"))) == [.updateAppointment(id: id, AppointmentChange(status: .arrived))])
        #expect(update(&state, .key(.character("i"))).isEmpty, "one change at a time per appointment")
        var arrived = Fixture.appointments[1]
        arrived.status = .arrived
        _ = update(&state, .calendar(.appointmentSaved(arrived, isNew: false)))
        #expect(state.toast == .info("Checked in 10:00 आदित्य शर्मा — u to undo"))
        #expect(update(&state, .key(.character("u"))) == [.updateAppointment(id: id, AppointmentChange(status: .scheduled))])
        _ = update(&state, .calendar(.appointmentSaved(Fixture.appointments[1], isNew: false)))
        // Cancel asks first: n sends nothing, y sends it.
        #expect(update(&state, .key(.character("x"))).isEmpty)
        guard case .statusMenu(let menu) = state.overlay else { Issue.record("no question"); return }
        #expect(menu.confirming == .cancelled)
        #expect(view(state).text.contains("Cancel 10:00–10:45 आदित्य शर्मा (Follow-up)?"))
        #expect(update(&state, .key(.character("n"))).isEmpty)
        #expect(state.overlay == nil)
        _ = update(&state, .key(.character("x")))
        #expect(update(&state, .key(.character("y"))) == [.updateAppointment(id: id, AppointmentChange(status: .cancelled))])
        var cancelled = Fixture.appointments[1]
        cancelled.status = .cancelled
        _ = update(&state, .calendar(.appointmentSaved(cancelled, isNew: false)))
        #expect(state.toast == .info("Cancelled 10:00 आदित्य शर्मा — u to undo"))
        // The menu lists every status; completed is `s` then `c`.
        _ = update(&state, .key(.character("s")))
        #expect(view(state).text.contains("c  completed (seen)"))
        // From the menu too, a no-show asks first; n goes back to the list.
        #expect(update(&state, .key(.character("o"))).isEmpty)
        #expect(view(state).text.contains("Mark as no-show: 10:00–10:45"))
        #expect(update(&state, .key(.character("n"))).isEmpty)
        #expect(view(state).text.contains("c  completed (seen)"))
        #expect(update(&state, .key(.character("c"))) == [.updateAppointment(id: id, AppointmentChange(status: .completed))])
        // A free slot has nothing to act on.
        state.calendar.minute = 8 * 60
        #expect(update(&state, .key(.character("x"))).isEmpty)
        #expect(state.overlay == nil)
    }

    @Test func test_aRefusedMove_leavesTheSelectionOnTheAppointmentItWasMeantFor() {
        var state = Fixture.calendarState()
        // 10:45–11:15 is taken: moving 10:00–10:45 later by a slot clashes with it.
        let blocking = Fixture.appointment(8, patient: 2, from: Fixture.today(10, 45), minutes: 30, reason: "Dressing")
        _ = update(&state, .calendar(.appointmentsLoaded(requestID: state.calendar.requestID, items: Fixture.appointments + [blocking])))
        state.calendar.minute = 10 * 60 + 30
        let id = Fixture.appointments[1].id
        let moved = update(&state, .key(.character("J")))
        #expect(moved == [.updateAppointment(id: id, AppointmentChange(startsAt: Fixture.today(10, 15), endsAt: Fixture.today(11)))])
        #expect(state.calendar.minute == 10 * 60 + 30, "the selection waits for the server")
        _ = update(&state, .calendar(.appointmentUpdateFailed(id: id, APIFailure(kind: .rejected, status: 409, code: "appointment_conflict",
                                                                         message: "Overlaps the appointment of 王小明 from 2026-11-25T10:45"))))
        #expect(state.toast == .error("Not moved: 10:45–11:15 王小明 (Dressing) is there."))
        #expect(state.calendar.minute == 10 * 60 + 30)
        #expect(CalendarScreen.selected(state)?.id == id, "the next key still acts on the appointment meant")
        // Agreed, the selection follows the appointment and the message says where it went.
        _ = update(&state, .key(.character("J")))
        var later = Fixture.appointments[1]
        later.startsAt = Fixture.today(10, 15)
        later.endsAt = Fixture.today(11)
        _ = update(&state, .calendar(.appointmentSaved(later, isNew: false)))
        #expect(state.toast == .info("Moved आदित्य शर्मा to 10:15–11:00 — u to undo."))
        #expect(CalendarScreen.selected(state)?.id == id)
        // Resizing says the new span.
        let longer = update(&state, .key(.character("+")))
        #expect(longer == [.updateAppointment(id: id, AppointmentChange(startsAt: Fixture.today(10, 15), endsAt: Fixture.today(11, 15)))])
    }

    /// `u` takes back the last change, whatever it was: a check-in, then another visit moved, then
    /// `u` moves that visit back and leaves the check-in alone (it reached past the move to the
    /// check-in, on a visit off the screen).
    @Test func test_undo_takesBackTheLastChange_notAnOlderOne() {
        var state = Fixture.calendarState()
        state.calendar.minute = 10 * 60
        let visit = Fixture.appointments[1]  // 10:00–10:45
        #expect(update(&state, .key(.character("i"))) == [.updateAppointment(id: visit.id, AppointmentChange(status: .arrived))])
        var arrived = visit
        arrived.status = .arrived
        _ = update(&state, .calendar(.appointmentSaved(arrived, isNew: false)))
        // Another visit, 11:15–11:45, moved a slot later.
        state.calendar.minute = 11 * 60 + 15
        let other = Fixture.appointments[3]
        #expect(update(&state, .key(.character("J"))) == [.updateAppointment(id: other.id, AppointmentChange(startsAt: Fixture.today(11, 30),
                                                                                                           endsAt: Fixture.today(12)))])
        var moved = other
        moved.startsAt = Fixture.today(11, 30)
        moved.endsAt = Fixture.today(12)
        _ = update(&state, .calendar(.appointmentSaved(moved, isNew: false)))
        #expect(update(&state, .key(.character("u"))) == [.updateAppointment(id: other.id, AppointmentChange(startsAt: other.startsAt,
                                                                                                           endsAt: other.endsAt))])
        _ = update(&state, .calendar(.appointmentSaved(other, isNew: false)))
        #expect(state.toast == .info("Moved Grace Hopper to 11:15–11:45 (undone)."))
        // The undo is not itself undone, and the check-in before it is out of reach.
        #expect(update(&state, .key(.character("u"))).isEmpty)
        #expect(state.toast == .info("Nothing to undo."))
        #expect(state.calendar.appointments.first { $0.id == visit.id }?.status == .arrived)
    }

    @Test func test_inactiveSubscription_readsTheCalendar_butCannotBook() {
        var state = Fixture.calendarState()
        state.user = Fixture.user(status: .inactive)
        #expect(update(&state, .key(.character("b"))).isEmpty)
        #expect(state.overlay == nil)
        if case .error(let text) = state.toast { #expect(text.contains("read-only")) } else { Issue.record("no explanation") }
        state.calendar.minute = 10 * 60
        #expect(update(&state, .key(.character("i"))).isEmpty)
        #expect(update(&state, .key(.character("w"))).isEmpty, "reading still works")
    }

    @Test func test_dayView_coversTheWorkingDay_andStretchesForEarlyAppointments() {
        let tz = Fixture.utc
        let day = Fixture.today(0)
        let slots = CalendarMath.slots(day: day, appointments: [], hours: WorkingHours(), in: tz)
        #expect(slots.first == 8 * 60 && slots.last == 17 * 60 + 45 && slots.count == 40)
        let early = Fixture.appointment(1, patient: 0, from: Fixture.today(6, 50), minutes: 20)
        let stretched = CalendarMath.slots(day: day, appointments: [early], hours: WorkingHours(), in: tz)
        #expect(stretched.first == 6 * 60 + 45)
        #expect(WorkingHours(hours: "07:30-19:00", slotMinutes: 10) == WorkingHours(startMinute: 450, endMinute: 1140, slotMinutes: 10))
        #expect(WorkingHours(hours: "19:00-07:00", slotMinutes: 15) == nil)
        #expect(WorkingHours(hours: "08:00-18:00", slotMinutes: 7) == nil)
    }

    @Test func test_wallClockTimes_holdAcrossDaylightSavingChanges() {
        let newYork = TimeZone(identifier: "America/New_York")!
        // 1 Nov 2026: clocks go back at 02:00. 10:00 that day is EST (UTC-5).
        let fallBack = CalendarMath.day("2026-11-01", in: newYork)!
        #expect(RFC3339DateTranscoder.format(CalendarMath.instant(day: fallBack, minute: 600, in: newYork)) == "2026-11-01T15:00:00Z")
        #expect(CalendarMath.addDays(1, to: fallBack, in: newYork).timeIntervalSince(fallBack) == 25 * 3600)
        // 8 Mar 2026: clocks go forward. 10:00 is EDT (UTC-4).
        let springForward = CalendarMath.day("2026-03-08", in: newYork)!
        #expect(RFC3339DateTranscoder.format(CalendarMath.instant(day: springForward, minute: 600, in: newYork)) == "2026-03-08T14:00:00Z")
        #expect(CalendarMath.minute(of: CalendarMath.instant(day: springForward, minute: 600, in: newYork), in: newYork) == 600)
    }

    @Test func test_monthGrid_startsOnMonday_andHandlesLeapFebruary() {
        let tz = Fixture.utc
        let grid = CalendarMath.monthGrid(CalendarMath.day("2028-02-29", in: tz)!, in: tz)
        #expect(CalendarMath.isoDay(grid.lowerBound, in: tz) == "2028-01-31")  // 1 Feb 2028 is a Tuesday
        #expect(CalendarMath.isoDay(grid.upperBound, in: tz) == "2028-03-13")
        #expect(CalendarMath.day("2027-02-29", in: tz) == nil)
        #expect(CalendarMath.isoDay(CalendarMath.weekStart(Fixture.today(0), in: tz), in: tz) == "2026-11-23")
        #expect(CalendarMath.minuteOfDay("9:05") == 545)
        #expect(CalendarMath.minuteOfDay("24:00") == nil)
        #expect(CalendarMath.minuteOfDay("9:5") == nil)
    }

    @Test func test_patientPane_showsTheNextAndTheLastAppointment() {
        var state = Fixture.mainState()
        #expect(state.timeline.appointments.isEmpty)
        let mine = Fixture.appointments.filter { $0.patientId == Fixture.patients[0].id }
        _ = update(&state, .calendar(.patientAppointmentsLoaded(patientID: Fixture.patients[0].id, mine + [
            Fixture.appointment(7, patient: 0, from: Fixture.today(15).addingTimeInterval(6 * 86_400), minutes: 30),
        ])))
        let text = PatientAppointmentsLine.text(state.timeline.appointments, now: state.now, in: state.timeZone)
        #expect(text == "Next: Tue 1 Dec 15:00 · Last: Wed 25 Nov 09:00 completed")
        #expect(view(state).text.contains("Next: Tue 1 Dec 15:00"))
        // Another patient's answer does not land here.
        _ = update(&state, .calendar(.patientAppointmentsLoaded(patientID: Fixture.patients[1].id, [])))
        #expect(state.timeline.appointments.count == 3)
    }

    @Test(arguments: [(80, 24), (120, 40)])
    func test_dayWeekMonth_snapshots(size: (Int, Int)) throws {
        var state = Fixture.calendarState(width: size.0, height: size.1)
        state.calendar.minute = 10 * 60
        _ = update(&state, .key(.character("k")))
        try expectSnapshot(view(state), "calendar-day-\(size.0)x\(size.1)")
        _ = update(&state, .key(.character("w")))
        try expectSnapshot(view(state), "calendar-week-\(size.0)x\(size.1)")
        _ = update(&state, .key(.character("m")))
        _ = update(&state, .calendar(.appointmentsLoaded(requestID: state.calendar.requestID, items: Fixture.appointments)))
        try expectSnapshot(view(state), "calendar-month-\(size.0)x\(size.1)")
    }

    @Test func test_everyCalendarScreen_fitsTheTerminal_inMonochromeSizes() {
        for (width, height) in [(40, 10), (80, 24), (132, 43)] {
            var state = Fixture.calendarState(width: width, height: height)
            for key in ["d", "w", "m", "b"] {
                _ = update(&state, .key(.character(Character(key))))
                for line in view(state).text.split(separator: "\n", omittingEmptySubsequences: false) {
                    #expect(TerminalText.width(String(line)) <= width, "\(key) at \(width)x\(height): \(line)")
                }
            }
        }
    }
}

@Suite struct PeriodicRefreshTests {
    @Test func test_thePlanIsRechecked_everyFiveMinutes_andTheCalendarEveryMinute() {
        var state = Fixture.calendarState()
        #expect(update(&state, .tick(Fixture.now.addingTimeInterval(30))).isEmpty)
        let minute = update(&state, .tick(Fixture.now.addingTimeInterval(61)))
        #expect(minute == [.loadAppointments(requestID: state.calendar.requestID, from: Fixture.today(0).addingTimeInterval(-2 * 86_400),
                                             to: Fixture.today(0).addingTimeInterval(5 * 86_400))])
        #expect(update(&state, .tick(Fixture.now.addingTimeInterval(62))).isEmpty, "one request at a time")
        _ = update(&state, .calendar(.appointmentsLoaded(requestID: state.calendar.requestID, items: Fixture.appointments)))
        let five = update(&state, .tick(Fixture.now.addingTimeInterval(301)))
        #expect(five.contains(.refreshUser))
        // Not while a booking is being typed: the answer could move the slot under the receptionist.
        _ = update(&state, .key(.character("b")))
        #expect(update(&state, .tick(Fixture.now.addingTimeInterval(500))).isEmpty)
    }
}

@Suite struct MouseTests {
    @Test func test_clicks_selectPatientsAndPanes() {
        var state = Fixture.mainState()
        let commands = update(&state, .key(.click(x: 5, y: 4)))
        #expect(state.patients.selected == 2)
        #expect(commands.contains(.loadNotes(patientID: Fixture.patients[2].id, cursor: nil)))
        _ = update(&state, .key(.click(x: 50, y: 10)))
        #expect(state.focus == .timeline)
        _ = update(&state, .key(.click(x: 3, y: 1)))
        #expect(state.patients.searchFocused)
        // Below the list, on the key bar, or under a dialog: nothing happens.
        _ = update(&state, .key(.escape))
        #expect(update(&state, .key(.click(x: 5, y: 15))).isEmpty)
        #expect(state.patients.selected == 2)
        _ = update(&state, .key(.character("?")))
        _ = update(&state, .key(.click(x: 5, y: 2)))
        #expect(state.patients.selected == 2)
    }

    @Test func test_clicks_pickSlotsDaysAndViews_inTheCalendar() {
        var state = Fixture.calendarState()
        state.calendar.scroll = 0
        _ = update(&state, .key(.click(x: 20, y: 3 + 8)))  // the ninth row: 10:00
        #expect(state.calendar.minute == 10 * 60)
        #expect(CalendarScreen.selected(state)?.id == Fixture.appointments[1].id)
        _ = update(&state, .key(.click(x: 80 - 21 + 7, y: 1)))  // "w Week"
        #expect(state.calendar.span == .week)
        _ = update(&state, .key(.click(x: 4 * 11 + 2, y: 5)))  // Friday's column
        #expect(CalendarMath.isoDay(state.calendar.day, in: state.timeZone) == "2026-11-27")
        _ = update(&state, .key(.click(x: 80 - 21 + 14, y: 1)))  // "m Month"
        #expect(state.calendar.span == .month)
        let cellHeight = (24 - 5) / 6
        _ = update(&state, .key(.click(x: 1 * 11 + 1, y: 3 + 4 * cellHeight)))  // 5th week, Tuesday: 24 Nov
        #expect(CalendarMath.isoDay(state.calendar.day, in: state.timeZone) == "2026-11-24")
        _ = update(&state, .key(.click(x: 1 * 11 + 1, y: 3 + 4 * cellHeight + 1)))  // again: open the day
        #expect(state.calendar.span == .day)
    }

    @Test func test_movingWithinThePage_movesTheHighlight_notTheList() {
        var state = Fixture.mainState(width: 80, height: 10)  // 5 patient rows with "more" below
        state.patients.items = (0..<40).map { Fixture.patient($0 + 10, name: "Patient \($0)") }
        for _ in 0..<8 { _ = update(&state, .key(.character("j"))) }
        let scrolled = PatientListView.scroll(state)
        #expect(scrolled > 0)
        _ = update(&state, .key(.character("k")))
        #expect(PatientListView.scroll(state) == scrolled, "one step up inside the page keeps the list still")
    }
}

@Suite struct PatientAppointmentsWindowTests {
    @Test func test_thePatientsVisits_areAskedWithinTheContractsSpan() {
        let window = PatientAppointmentsLine.window(around: Fixture.now)
        #expect(window.upperBound.timeIntervalSince(window.lowerBound) <= 366 * 86_400, "the server refuses a longer span (422)")
        #expect(window.contains(Fixture.now.addingTimeInterval(-150 * 86_400)) && window.contains(Fixture.now.addingTimeInterval(150 * 86_400)))
    }

    /// Enter on a slot whose only visit was cancelled books the slot (the cancelled visit stays as it
    /// was), and the patient selected in the list is offered; typing replaces the offer.
    @Test func test_enterOnACancelledSlot_books_offeringTheListsPatient() throws {
        var state = Fixture.mainState()
        // The first row of a fresh list is nobody's choice: not offered.
        _ = update(&state, .key(.character("t")))
        _ = update(&state, .calendar(.appointmentsLoaded(requestID: state.calendar.requestID, items: [])))
        _ = update(&state, .key(.enter))
        guard case .booking(let unoffered) = state.overlay else { Issue.record("no booking form"); return }
        #expect(unoffered.patientID == nil && unoffered.patient.text.isEmpty)
        _ = update(&state, .key(.escape))
        _ = update(&state, .key(.escape))
        #expect(state.mode == .records)
        // A patient moved to in the list is.
        _ = update(&state, .key(.character("j")))
        let offered = try #require(state.selectedPatient)
        #expect(state.patients.chosenID == offered.id)
        _ = update(&state, .key(.character("t")))
        let cancelled = Fixture.appointment(7, patient: 3, from: Fixture.today(13), minutes: 30, status: .cancelled)
        _ = update(&state, .calendar(.appointmentsLoaded(requestID: state.calendar.requestID, items: [cancelled])))
        state.calendar.minute = 13 * 60
        _ = update(&state, .key(.enter))
        guard case .booking(let form) = state.overlay else { Issue.record("no booking form"); return }
        #expect(form.appointmentID == nil, "the cancelled visit is not what Enter edits")
        #expect(form.time.text == "13:00")
        #expect(form.patientID == offered.id)
        #expect(form.focus == .patient, "the offered name is seen before anything else is typed")
        #expect(view(state).text.contains("from the list (type to change)"))
        _ = update(&state, .key(.character("g")))
        guard case .booking(let typed) = state.overlay else { Issue.record("form closed"); return }
        #expect(typed.patient.text == "g")
        #expect(typed.patientID == nil)
        // A live visit in the slot is still what Enter opens.
        _ = update(&state, .key(.escape))
        #expect(state.overlay == nil)
        let live = Fixture.appointment(8, patient: 3, from: Fixture.today(13), minutes: 30)
        _ = update(&state, .calendar(.appointmentsLoaded(requestID: state.calendar.requestID, items: [cancelled, live])))
        _ = update(&state, .key(.enter))
        guard case .booking(let editing) = state.overlay else { Issue.record("no form"); return }
        #expect(editing.appointmentID == live.id)
    }

    /// Scrolled so that a visit began above the first row, the row is marked as its continuation
    /// (its clock is not the visit's start), and the help explains the status marks without cutting keys.
    @Test func test_aVisitBegunAboveTheFirstRow_isMarked_andHelpExplainsTheMarks() throws {
        var state = Fixture.calendarState()
        let slots = CalendarScreen.slots(state)
        let index = try #require(slots.firstIndex(of: 10 * 60 + 30))
        state.calendar.scroll = index
        state.calendar.minute = 10 * 60 + 30
        let firstRow = view(state).lines[3]
        #expect(firstRow.contains("10:30"))
        #expect(firstRow.contains("↑ " + String(Fixture.patients[1].name.prefix(8))), "\(firstRow)")
        #expect(firstRow.contains("10:00–10:45"))
        _ = update(&state, .key(.character("?")))
        let help = view(state).text
        #expect(help.contains("arrived, completed") && help.contains("cancelled, no-show"))
        #expect(help.contains("quit"), "every key fits at 80×24")
        #expect(help.contains("move later/earlier"))
    }
}

/// The compact day (issue 17 item 8): a row per visit and per free stretch, so the front desk sees
/// the whole day at 80×24.
@Suite struct CompactDayTests {
    @Test func test_z_foldsTheDay_toARowPerVisitAndPerFreeStretch() throws {
        var state = Fixture.calendarState()
        let every = CalendarScreen.slots(state)
        _ = update(&state, .key(.character("z")))
        let compact = CalendarScreen.slots(state)
        #expect(compact.count < every.count / 2, "\(compact.count) rows against \(every.count)")
        #expect(compact.count <= CalendarScreen.dayRows(state), "the whole day on one 80×24 screen")
        let text = view(state).text
        for appointment in Fixture.appointments.prefix(4) where appointment.status != .cancelled {
            #expect(text.contains(String(appointment.patientName.prefix(8))), "\(appointment.patientName)")
        }
        #expect(text.contains("free until"))
        #expect(!text.contains("┆"), "no rows for the middle of a visit")
        #expect(text.contains("compact day") == false && text.contains("every slot"), "the key bar offers the way back")
        // j goes from visit to visit; Enter on a visit still opens it.
        state.calendar.minute = 9 * 60
        for _ in 0..<3 { _ = update(&state, .key(.character("j"))) }
        #expect(state.calendar.minute == 10 * 60, "09:00 visit, the free stretch after it, the present slot (09:45), then 10:00")
        #expect(view(state).lines.contains { $0.hasPrefix(" 11:15") }, "every row's clock in full: rows are not evenly spaced")
        _ = update(&state, .key(.enter))
        guard case .booking(let form) = state.overlay else { Issue.record("no form"); return }
        #expect(form.appointmentID == Fixture.appointments[1].id)
        _ = update(&state, .key(.escape))
        _ = update(&state, .key(.character("z")))
        #expect(CalendarScreen.slots(state) == every)
        #expect(state.calendar.minute == 10 * 60, "the selection stays on its visit")
    }
}

/// What a review of the desk's new screens found, each as it would have hurt.
@Suite struct DeskReviewTests {
    /// A row names the visit its keys act on: at 10:30, where Lee's visit begins inside Ana's, the row
    /// says Lee and `i` checks Lee in (it checked Ana in).
    @Test func test_theRowRead_isTheVisitChanged() throws {
        var state = Fixture.calendarState()
        let ana = Fixture.appointment(20, patient: 0, from: Fixture.today(13), minutes: 60)
        let lee = Fixture.appointment(21, patient: 3, from: Fixture.today(13, 30), minutes: 15)
        _ = update(&state, .calendar(.appointmentsLoaded(requestID: state.calendar.requestID, items: [ana, lee])))
        state.calendar.minute = 13 * 60 + 30
        CalendarScreen.keepSlotInView(&state)
        let row = try #require(view(state).lines.first { $0.hasPrefix("   :30") && $0.contains("13:30–13:45") })
        #expect(row.contains(String(Fixture.patients[3].name.prefix(6))))
        #expect(CalendarScreen.selected(state)?.id == lee.id)
        #expect(update(&state, .key(.character("i"))).contains { if case .updateAppointment(let id, _) = $0 { return id == lee.id } else { return false } })
    }

    /// A visit whose doctor has no column (deactivated since) keeps the desk in one list rather than vanishing.
    @Test func test_aVisitOfADoctorWithoutAColumn_isNotHidden() {
        var (state, _) = Fixture.signedIn(.frontDesk, width: 120, height: 30)
        #expect(CalendarScreen.doctorColumns(state) != nil)
        var orphan = Fixture.appointment(22, patient: 0, from: Fixture.today(15), minutes: 30)
        orphan.providerId = "dddddddddddddddddddddddd"
        orphan.providerName = "Dr Former Locum"
        _ = update(&state, .calendar(.appointmentsLoaded(requestID: state.calendar.requestID, items: Fixture.clinicAppointments + [orphan])))
        #expect(CalendarScreen.doctorColumns(state) == nil)
        // The chosen column is kept within the columns there are.
        _ = update(&state, .calendar(.appointmentsLoaded(requestID: state.calendar.requestID, items: Fixture.clinicAppointments)))
        state.calendar.column = 5
        #expect(CalendarScreen.selectedColumn(state) == 1)
        #expect(view(state).lines[2].contains("▸ Dr Kofi Mensah"))
    }

    /// A failed upload brings its prompt back only where it was: not over another patient's screen.
    @Test func test_aFailedUpload_doesNotReopenOverAnotherPatient() {
        var state = DocumentsPaneTests.documentsState()
        _ = update(&state, .key(.character("u")))
        for character in "/tmp/x.pdf" { _ = update(&state, .key(.character(character))) }
        _ = update(&state, .key(.enter))
        _ = update(&state, .key(.character("j")))  // another patient
        #expect(state.documents.patientID == Fixture.patients[1].id)
        _ = update(&state, .documents(.documentUploadFailed(APIFailure(kind: .rejected, status: 413, message: "Payload Too Large"))))
        #expect(state.overlay == nil, "no prompt for the first patient over the second's documents")
        #expect(state.toast == .error("Too large: documents are limited to 20 MiB."))
    }

    /// In the compact day a change of day can leave the selection on a folded slot; the next key moves
    /// from the row shown.
    @Test func test_theCompactDay_movesFromTheRowShown() {
        var state = Fixture.calendarState()
        _ = update(&state, .key(.character("z")))
        state.calendar.minute = 10 * 60 + 15  // inside the 10:00 visit: folded
        _ = update(&state, .key(.character("j")))
        #expect(state.calendar.minute == 10 * 60 + 45, "from 10:00's row to the next row (the free stretch at 10:45), no row skipped")
    }
}
