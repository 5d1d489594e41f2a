import ClinicAPI
@testable import ClinicTUI
import Foundation
import Testing

extension Fixture {
    static let clinic = Components.Schemas.ClinicRef(id: "aaaaaaaaaaaaaaaaaaaaaaaa", name: "Ruiz Family Practice")

    static func member(_ id: String, _ name: String, _ role: Components.Schemas.Role, active: Bool = true) -> StaffMember {
        StaffMember(id: id, username: name, role: role, active: active)
    }

    /// The owner (Dr Ana Ruiz), a second doctor and the front desk.
    static let staff: [StaffMember] = [
        member("aaaaaaaaaaaaaaaaaaaaaaaa", "Dr Ana Ruiz", .owner),
        member("bbbbbbbbbbbbbbbbbbbbbbbb", "Dr Kofi Mensah", .doctor),
        member("cccccccccccccccccccccccc", "Lena Fischer", .frontDesk),
    ]

    static func staffUser(_ role: Components.Schemas.Role) -> User {
        let member = staff.first { $0.role == role }!
        return User(id: member.id, username: member.username, email: "\(role.rawValue)@example.org", plan: .basic, status: .trialing,
                    trialEndsAt: now.addingTimeInterval(12 * 86_400 - 3600), createdAt: now.addingTimeInterval(-78 * 86_400),
                    role: role, clinic: clinic)
    }

    /// Each doctor's day: Dr Ruiz at 10:00 and 11:15, Dr Mensah at 10:00 (the same time: another calendar)
    /// and a patient of Dr Mensah's who arrived at 09:34.
    static var clinicAppointments: [Appointment] {
        func on(_ appointment: Appointment, _ doctor: StaffMember, arrivedAt: Date? = nil) -> Appointment {
            var copy = appointment
            copy.providerId = doctor.id
            copy.providerName = doctor.username
            if let arrivedAt {
                copy.status = .arrived
                copy.arrivedAt = arrivedAt
            }
            return copy
        }
        return [
            on(appointment(2, patient: 1, from: today(10), minutes: 45, reason: "Follow-up"), staff[0]),
            on(appointment(4, patient: 4, from: today(11, 15), minutes: 30, reason: "New patient"), staff[0]),
            on(appointment(11, patient: 3, from: today(10), minutes: 30, reason: "Vaccination"), staff[1]),
            on(appointment(12, patient: 2, from: today(9, 30), minutes: 30, reason: "Blood test"), staff[1], arrivedAt: today(9, 34)),
        ]
    }

    /// Signed in as `role`: the answers of the first requests arrived.
    static func signedIn(_ role: Components.Schemas.Role, width: Int = 80, height: Int = 24) -> (AppState, [Command]) {
        var state = AppState(width: width, height: height, serverLabel: "clinic.example.org", now: now)
        state.timeZone = TimeZone(identifier: "UTC")!
        var commands = update(&state, .loggedIn(staffUser(role)))
        commands += update(&state, .staffLoaded(staff))
        commands += update(&state, .records(.patientsLoaded(requestID: state.patients.requestID, items: patients, nextCursor: nil, append: false)))
        if state.mode == .calendar {
            commands += update(&state, .calendar(.appointmentsLoaded(requestID: state.calendar.requestID, items: clinicAppointments)))
        }
        return (state, commands)
    }
}

/// The front desk and the clinic's doctors in the terminal (v2 roles): what each sees and may do.
@Suite struct FrontDeskTests {
    static func asksForNotes(_ commands: [Command]) -> Bool {
        commands.contains { if case .loadNotes = $0 { return true } else { return false } }
    }

    @Test func test_theFrontDesk_startsOnTodaysDesk_andNeverAsksForANote() throws {
        var (state, commands) = Fixture.signedIn(.frontDesk)
        #expect(commands.contains(.loadStaff))
        #expect(state.mode == .calendar && state.calendar.span == .day)
        #expect(state.calendar.providerID == nil, "the desk sees every doctor's day")
        #expect(!Self.asksForNotes(commands))
        // The records: the patient's card, no notes pane, no notes key, no request.
        _ = update(&state, .key(.character("p")))
        var all: [Command] = []
        for key in ["j", "j", "k", "a", "e"] { all += update(&state, .key(.character(Character(key)))) }
        #expect(!Self.asksForNotes(all))
        #expect(!all.contains { if case .loadAnalytics = $0 { return true } else { return false } })
        guard case .patientForm = state.overlay else { Issue.record("e edits the patient's details"); return }
        _ = update(&state, .key(.escape))
        for key in ["l", "a", "e", "1", "3", "h"] { all += update(&state, .key(.character(Character(key)))) }
        #expect(!Self.asksForNotes(all))
        let text = view(state).text
        #expect(!text.contains("note"), "no notes pane and no notes key")
        #expect(text.contains("Born") && text.contains("Visits"))
        #expect(update(&state, .key(.character("d"))).isEmpty && state.overlay == nil, "the desk deletes no patient")
        try expectSnapshot(view(state), "front-desk-records-80x24")
    }

    @Test(arguments: [(80, 24), (120, 40)])
    func test_todaysDesk_showsEveryDoctor_andTheWaitingRoom(size: (Int, Int)) throws {
        var (state, _) = Fixture.signedIn(.frontDesk, width: size.0, height: size.1)
        state.calendar.minute = 10 * 60
        let text = view(state).text
        #expect(text.contains("all doctors (v)"))
        // Whose appointment each row is: named on the row in one list, by the column's head when wide.
        #expect(size.0 < 100 ? text.contains("Ruiz · आदित्य शर्मा") : text.contains("Dr Kofi Mensah"), "whose appointment each row is")
        #expect(text.contains("Waiting: 王小明 (Mensah) 12 min"))
        try expectSnapshot(view(state), "front-desk-day-\(size.0)x\(size.1)")
        // The waiting room counts the minutes; only those cells change.
        let before = view(state)
        _ = update(&state, .tick(Fixture.now.addingTimeInterval(60)))
        let after = view(state)
        #expect(after.text.contains("王小明 (Mensah) 13 min"))
        let changed = (0..<after.height).flatMap { y in (0..<after.width).filter { after[$0, y] != before[$0, y] } }
        #expect(changed.count <= 2, "a minute passing redraws the minutes, not the screen: \(changed.count) cells changed\n\(after.text)")
    }

    /// The desk files a scanned letter to a patient and sees the list (names and dates), but opens
    /// and deletes nothing: no prompt, no request, and the keys are not offered.
    @Test func test_theFrontDesk_uploadsLetters_butNeitherDownloadsNorDeletes() throws {
        var (state, _) = Fixture.signedIn(.frontDesk)
        state.user?.plan = .pro
        state.user?.status = .active
        _ = update(&state, .key(.character("p")))
        #expect(update(&state, .key(.character("2"))) == [.loadDocuments(patientID: Fixture.patients[0].id)])
        _ = update(&state, .documents(.documentsLoaded(patientID: Fixture.patients[0].id, [DocumentsPaneTests.scan])))
        _ = update(&state, .key(.tab))
        let text = view(state).text
        #expect(text.contains("scan.pdf") && text.contains("25 Nov"), "names and dates")
        for key in [Key.enter, .character("o"), .character("x")] {
            #expect(update(&state, .key(key)).isEmpty && state.overlay == nil, "\(key)")
        }
        let offered = KeyTable.keys(for: state).map(\.action)
        #expect(!offered.contains("download") && !offered.contains("delete") && offered.contains("upload"))
        _ = update(&state, .key(.character("u")))
        guard case .filePrompt(let prompt) = state.overlay, case .upload(let patientID, _) = prompt.purpose else {
            Issue.record("u opens the upload prompt")
            return
        }
        #expect(patientID == Fixture.patients[0].id)
        _ = update(&state, .key(.escape))
        try expectSnapshot(view(state), "front-desk-documents-80x24")
    }

    /// Staff do not buy the plan: U says who does, the locked pane says it unlocks by itself, and
    /// opening it asks the server whether the owner has upgraded meanwhile (the plan, not the data).
    @Test func test_staff_areNotSoldTheUpgrade_andSeeTheOwnersUpgradeArrive() {
        var (state, _) = Fixture.signedIn(.frontDesk)
        _ = update(&state, .key(.character("p")))
        #expect(update(&state, .key(.character("U"))).isEmpty && state.overlay == nil)
        #expect(state.toast == .info("Only the clinic's owner manages the subscription."))
        #expect(!KeyTable.keys(for: state).contains { $0.key == "U" })
        state.now = state.userCheckedAt.addingTimeInterval(11)
        #expect(update(&state, .key(.character("2"))) == [.refreshUser], "has the owner upgraded?")
        #expect(view(state).text.contains("The clinic's owner can upgrade; it unlocks") && view(state).text.contains("here by itself."))
        _ = update(&state, .key(.character("1")))
        #expect(update(&state, .key(.character("2"))).isEmpty, "not asked again a moment later")
        var pro = Fixture.staffUser(.frontDesk)
        pro.plan = .pro
        pro.status = .active
        #expect(update(&state, .userRefreshed(pro)) == [.loadDocuments(patientID: Fixture.patients[0].id)], "the pane opens by itself")
        // The trial banner names whose trial it is and who can act on it.
        var trial = Fixture.staffUser(.doctor)
        trial.trialEndsAt = state.now.addingTimeInterval(2 * 86_400)
        _ = update(&state, .userRefreshed(trial))
        #expect(MessageLine.banner(state) == "The clinic's trial ends in 2 days. The clinic's owner can upgrade.")
    }

    @Test func test_checkIn_isOneKey_andUndoable() {
        var (state, _) = Fixture.signedIn(.frontDesk)
        state.calendar.providerID = Fixture.staff[0].id
        state.calendar.minute = 11 * 60 + 15
        let grace = Fixture.clinicAppointments[1]
        #expect(update(&state, .key(.character("i"))) == [.updateAppointment(id: grace.id, AppointmentChange(status: .arrived))])
        var arrived = grace
        arrived.status = .arrived
        arrived.arrivedAt = Fixture.now
        _ = update(&state, .calendar(.appointmentSaved(arrived, isNew: false)))
        #expect(view(state).text.contains("Waiting: Grace Hopper (Ruiz) 0 min"))
        #expect(update(&state, .key(.character("u"))) == [.updateAppointment(id: grace.id, AppointmentChange(status: .scheduled))])
    }

    /// Two doctors' visits at 10:00 in the desk's one list: the row acts on one of them, and still
    /// on the same one after its answer comes back (the answer used to move it in the list, and the
    /// row, and the next key, went to the other patient).
    @Test func test_aSharedSlot_keepsActingOnTheSameVisit_afterAnAnswer() {
        var (state, _) = Fixture.signedIn(.frontDesk)
        state.calendar.minute = 10 * 60
        guard let first = CalendarScreen.selected(state) else { Issue.record("a visit at 10:00"); return }
        let atTen = state.calendar.shown.filter { $0.startsAt == first.startsAt }
        #expect(atTen.count == 2, "two doctors at 10:00")
        #expect(update(&state, .key(.character("i"))) == [.updateAppointment(id: first.id, AppointmentChange(status: .arrived))])
        var arrived = first
        arrived.status = .arrived
        arrived.arrivedAt = Fixture.now
        _ = update(&state, .calendar(.appointmentSaved(arrived, isNew: false)))
        #expect(CalendarScreen.selected(state)?.id == first.id)
        #expect(update(&state, .key(.character("u"))) == [.updateAppointment(id: first.id, AppointmentChange(status: .scheduled))])
        // The same answer in any order of the list: the row's visit does not depend on it.
        state.calendar.appointments.reverse()
        #expect(CalendarScreen.selected(state)?.id == first.id)
    }

    @Test func test_booking_asksForTheDoctor_defaultingToTheCalendarShown() {
        var (state, _) = Fixture.signedIn(.frontDesk)
        // v: all doctors → Dr Ruiz → Dr Mensah.
        _ = update(&state, .key(.character("v")))
        _ = update(&state, .key(.character("v")))
        #expect(state.calendar.providerID == Fixture.staff[1].id)
        #expect(view(state).text.contains("Dr Kofi Mensah (v)"))
        state.calendar.minute = 14 * 60
        _ = update(&state, .key(.enter))
        guard case .booking(var form) = state.overlay else { Issue.record("no form"); return }
        #expect(form.fields == [.patient, .doctor, .date, .time, .minutes, .reason])
        #expect(form.doctor?.id == Fixture.staff[1].id)
        form.pick(Fixture.patients[0])
        form.focus = .doctor
        state.overlay = .booking(form)
        _ = update(&state, .key(.left))
        guard case .booking(let changed) = state.overlay else { Issue.record("form closed"); return }
        #expect(changed.doctor?.id == Fixture.staff[0].id)
        #expect(view(state).text.contains("◂ Dr Ana Ruiz ▸"))
        let sent = update(&state, .key(.control("s")))
        #expect(sent == [.createAppointment(AppointmentChange(patientID: Fixture.patients[0].id, providerID: Fixture.staff[0].id,
                                                              startsAt: Fixture.today(14), endsAt: Fixture.today(14, 15)))])
        // Dr Ruiz's day is not the one shown: the server's clash is said in the terminal's times,
        // without its raw UTC times and id.
        let message = "Overlaps the appointment of Zoë Müller with Dr Ana Ruiz from 2026-11-25T14:00:00Z to 2026-11-25T14:30:00Z "
            + "(id 0000000000000000000001f6)"
        _ = update(&state, .calendar(.appointmentSaveFailed(APIFailure(kind: .rejected, status: 409, code: "appointment_conflict", message: message))))
        guard case .booking(let refused) = state.overlay else { Issue.record("the form stays open"); return }
        #expect(refused.error == "Clashes with 14:00–14:30 Zoë Müller (Dr Ana Ruiz, Wed 25 Nov 2026)")
        #expect(CalendarScreen.clashInWords("Time slot taken", in: .gmt) == "Time slot taken", "another server's words as they came")
    }

    @Test func test_aDoctor_opensOnTheirOwnCalendar_andTheNotesShowTheirAuthor() {
        var (state, commands) = Fixture.signedIn(.doctor)
        #expect(state.mode == .records)
        #expect(Self.asksForNotes(commands))
        #expect(state.calendar.providerID == Fixture.staff[1].id)
        var note = Fixture.notes[1]
        note.authorId = Fixture.staff[0].id
        note.authorName = "Dr Ana Ruiz"
        _ = update(&state, .records(.notesLoaded(patientID: Fixture.patients[0].id, items: [note], nextCursor: nil, append: false)))
        #expect(view(state).text.contains("· Dr Ana Ruiz"))
        // Amend is offered on one's own notes only: another doctor's note is not opened to amend.
        var own = Fixture.notes[2]
        own.authorId = Fixture.staff[1].id
        own.authorName = "Dr Kofi Mensah"
        var timeline = state
        _ = update(&timeline, .records(.notesLoaded(patientID: Fixture.patients[0].id, items: [note, own], nextCursor: nil, append: false)))
        _ = update(&timeline, .key(.tab))
        #expect(!KeyTable.keys(for: timeline).contains { $0.key == "e/Enter" })
        #expect(update(&timeline, .key(.character("e"))).isEmpty && timeline.overlay == nil)
        #expect(timeline.toast == .info("Only Dr Ana Ruiz can amend this note: a adds one of your own."))
        _ = update(&timeline, .key(.character("j")))
        #expect(KeyTable.keys(for: timeline).contains { $0.key == "e/Enter" })
        _ = update(&timeline, .key(.character("e")))
        guard case .noteEditor = timeline.overlay else { Issue.record("one's own note opens to amend"); return }
        _ = update(&state, .key(.character("c")))
        #expect(view(state).text.contains("Vaccination") && !view(state).text.contains("Follow-up") || state.calendar.shown.allSatisfy {
            $0.providerId == Fixture.staff[1].id
        })
    }

    @Test func test_aRoleForbiddenAnswer_closesTheNotesPane_andTheyAreNotAskedForAgain() {
        var (state, _) = Fixture.signedIn(.doctor)
        let patient = Fixture.patients[0].id
        let refresh = update(&state, .records(.notesFailed(patientID: patient, APIFailure(kind: .rejected, status: 403, code: "role_forbidden",
                                                                                 message: "Clinical notes are for the clinic's doctors"))))
        #expect(refresh == [.refreshUser])
        if case .error(let text) = state.toast { #expect(text.contains("no longer sees them")) } else { Issue.record("not said") }
        #expect(!Self.asksForNotes(update(&state, .key(.character("j")))))
        #expect(view(state).text.contains("Visits"))
    }

    @Test func test_aV1Server_keepsEverything_asBefore() {
        var state = Fixture.mainState()
        #expect(state.user?.role == nil)
        #expect(state.seesNotes && state.roleAllows(.analytics) && state.roleAllows(.deletePatients))
        let commands = update(&state, .loggedIn(Fixture.user()))
        #expect(!commands.contains(.loadStaff), "a v1 server is not asked for a staff list")
    }

    @Test func test_registering_withAnInvitationCode_readOverThePhone() {
        var state = AppState(width: 80, height: 24, serverLabel: "clinic.example.org", now: Fixture.now)
        _ = update(&state, .key(.control("r")))
        #expect(state.login.fields == [.name, .email, .password, .invitation])
        for (text, last) in [("Lena Fischer", false), ("lena@example.org", false), ("desk-password", false), ("K7QM-4XPR 9ZTW", true)] {
            for character in text { _ = update(&state, .key(.character(character))) }
            if !last { _ = update(&state, .key(.tab)) }
        }
        #expect(view(state).text.contains("Invitation"))
        let commands = update(&state, .key(.enter))
        #expect(commands == [.register(name: "Lena Fischer", email: "lena@example.org", password: "desk-password", invitationCode: "K7QM4XPR9ZTW")])
        // A wrong code is said at its field, everything typed kept.
        _ = update(&state, .authFailed(APIFailure(kind: .rejected, status: 422, message: "invalid", fieldErrors: [
            "invitation_code": "This invitation code is not valid: ask the clinic's owner for a new one.",
        ])))
        #expect(view(state).text.contains("↳ This invitation code is not valid"))
        #expect(state.login.name.text == "Lena Fischer" && state.login.invitation.text == "K7QM-4XPR 9ZTW")
    }

    @Test func test_twoPatientsOfOneName_areToldApart_whereOneIsChosen() {
        var state = Fixture.calendarState()
        let twin = Fixture.patient(7, name: "José Álvarez-Núñez", phone: "+34 912 345 679")
        _ = update(&state, .key(.character("b")))
        for character in "jose" { _ = update(&state, .key(.character(character))) }
        guard case .booking(let form) = state.overlay else { Issue.record("no form"); return }
        _ = update(&state, .calendar(.bookingPatientsLoaded(generation: form.generation, [Fixture.patients[0], twin])))
        let text = view(state).text
        #expect(text.contains("born 1980-02-11 · +34 912 345 678"))
        #expect(text.contains("born 1980-08-17 · +34 912 345 679"))
        // The delete dialog says which one.
        _ = update(&state, .key(.escape))
        _ = update(&state, .key(.escape))
        _ = update(&state, .key(.character("p")))
        _ = update(&state, .key(.character("d")))
        #expect(view(state).text.contains("born 1980-02-11 · +34 912 345 678"))
    }
}

/// Registering a patient at the desk: every mistake named at once, in words; a patient already
/// registered is found before a second record is made.
@Suite struct PatientFormTests {
    static func type(_ state: inout AppState, _ values: [String]) {
        for (index, value) in values.enumerated() {
            for character in value { _ = update(&state, .key(.character(character))) }
            if index < values.count - 1 { _ = update(&state, .key(.tab)) }
        }
    }

    @Test func test_everyMistake_isNamedOnTheFirstSave_inWords() throws {
        var state = Fixture.mainState()
        _ = update(&state, .key(.character("n")))
        Self.type(&state, ["", "12", "1984-02-30", "female-ish"])
        #expect(update(&state, .key(.control("s"))).isEmpty, "nothing is sent")
        guard case .patientForm(let form) = state.overlay else { Issue.record("form closed"); return }
        #expect(Set(form.fieldErrors.keys) == ["name", "phone_number", "date_of_birth", "sex"])
        #expect(form.focus == .name)
        let text = view(state).text
        #expect(text.contains("4 fields need a correction (marked ↳)."))
        #expect(text.contains("a real date as YYYY-MM-DD") && !text.contains("date_of_birth"))
        #expect(text.contains("Sex           "), "the label does not run into the value")
        try expectSnapshot(view(state), "patient-form-mistakes-80x24")
    }

    @Test func test_oneLetterForSex_isAccepted_andSentInFull() {
        var form = PatientForm(patient: nil)
        form.values[PatientForm.Field.sex.rawValue] = LineField("F", maxLength: 7)
        #expect(form.draft.sex == "female")
        form.values[PatientForm.Field.sex.rawValue] = LineField("u", maxLength: 7)
        #expect(form.draft.sex == "unknown")
    }

    @Test func test_aPatientAlreadyRegistered_isFoundBeforeASecondRecord_andCanStillBeAdded() {
        var state = Fixture.mainState()
        _ = update(&state, .key(.character("n")))
        Self.type(&state, ["jose alvarez-nunez", "+34 912 345 999", "1980-02-11"])
        #expect(update(&state, .key(.control("s"))) == [.findPossibleDuplicates(name: "jose alvarez-nunez", phone: "34912345999")])
        // The search found José (same name without accents, same birth date) and Grace (another name, another phone).
        #expect(update(&state, .records(.possibleDuplicatesFound([Fixture.patients[0], Fixture.patients[4]]))).isEmpty)
        let text = view(state).text
        #expect(text.contains("Already registered?"))
        #expect(text.contains("José Álvarez-Núñez") && text.contains("born 1980-02-11 · +34 912 345 678"))
        #expect(!text.contains("Grace Hopper  "), "only who may be the same patient")
        let again = update(&state, .key(.control("s")))
        #expect(again.contains { if case .savePatient(nil, _) = $0 { return true } else { return false } }, "a second Ctrl-S adds anyway")
    }

    /// From 100 columns the desk shows a column per doctor: each doctor's visits under their name, Tab
    /// moves between the columns, keys act on the visit in the selected column, and booking from a
    /// free slot there proposes that doctor. At 80 columns it stays one list with the doctor named.
    @Test func test_aWideDesk_hasAColumnPerDoctor() throws {
        var (state, _) = Fixture.signedIn(.frontDesk, width: 120, height: 30)
        #expect(state.mode == .calendar)
        #expect(CalendarScreen.doctorColumns(state)?.map(\.id) == [Fixture.staff[0].id, Fixture.staff[1].id])
        let lines = view(state).lines
        #expect(lines[2].contains("Dr Ana Ruiz") && lines[2].contains("Dr Kofi Mensah"))
        let ten = try #require(lines.first { $0.hasPrefix(" 10:00") })
        let (ruiz, mensah) = (Fixture.patients[1].name, Fixture.patients[3].name)
        let ruizAt = try #require(ten.range(of: String(ruiz.prefix(6)))), mensahAt = try #require(ten.range(of: String(mensah.prefix(6))))
        #expect(ruizAt.lowerBound < mensahAt.lowerBound, "Dr Ruiz's visit in the first column, Dr Mensah's in the second: \(ten)")
        state.calendar.minute = 10 * 60
        #expect(CalendarScreen.selected(state)?.providerId == Fixture.staff[0].id)
        _ = update(&state, .key(.tab))
        #expect(state.calendar.column == 1)
        #expect(CalendarScreen.selected(state)?.providerId == Fixture.staff[1].id, "keys act on the visit in the selected column")
        #expect(KeyTable.keys(for: state).contains { $0.key == "Tab/S-Tab" })
        // A free slot in Dr Mensah's column books with Dr Mensah.
        state.calendar.minute = 11 * 60 + 15
        #expect(CalendarScreen.selected(state) == nil, "Dr Ruiz's 11:15 visit is not in Dr Mensah's column")
        _ = update(&state, .key(.enter))
        guard case .booking(let form) = state.overlay else { Issue.record("no booking form"); return }
        #expect(form.doctors[form.doctorIndex].id == Fixture.staff[1].id)
        _ = update(&state, .key(.escape))
        _ = update(&state, .key(.backTab))
        #expect(state.calendar.column == 0)
        // A click in a column's slot selects that doctor's column and slot.
        let tenRow = try #require(view(state).lines.firstIndex { $0.hasPrefix(" 10:00") })
        _ = update(&state, .key(.click(x: 100, y: tenRow)))
        #expect(state.calendar.column == 1 && state.calendar.minute == 10 * 60)
        _ = update(&state, .key(.click(x: 20, y: tenRow)))
        #expect(state.calendar.column == 0)
        try expectSnapshot(view(state), "desk-columns-120x30")
        // 80 columns: one list, each visit naming its doctor.
        _ = update(&state, .resized(width: 80, height: 24))
        #expect(CalendarScreen.doctorColumns(state) == nil)
        #expect(view(state).text.contains("Mensah · "))
        // Both doctors' 10:00 visits share one row: Tab chooses the other doctor's, the row names it,
        // and the keys act on it; S-Tab goes back.
        state.calendar.minute = 10 * 60
        let first = try #require(CalendarScreen.selected(state))
        #expect(!KeyTable.keys(for: state).contains { $0.key == "Tab/S-Tab" && $0.action == "doctor column" })
        _ = update(&state, .key(.tab))
        let second = try #require(CalendarScreen.selected(state))
        #expect(second.id != first.id && second.providerId != first.providerId)
        let row = try #require(view(state).lines.first { $0.hasPrefix(" 10:00") })
        #expect(row.contains(String(TerminalText.sanitize(second.patientName).prefix(8))) && row.contains("+1 more"), "\(row)")
        #expect(update(&state, .key(.character("i"))) == [.updateAppointment(id: second.id, AppointmentChange(status: .arrived))])
        _ = update(&state, .key(.backTab))
        #expect(CalendarScreen.selected(state)?.id == first.id)
        // A slot with one visit: Tab does nothing there, and help does not offer it.
        state.calendar.minute = 11 * 60 + 15
        #expect(CalendarScreen.slotVisits(state).isEmpty)
        #expect(!CalendarScreen.dayBindings.helpList(state).contains { $0.key == "Tab/S-Tab" })
    }
}

