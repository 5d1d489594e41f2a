import ClinicAPI
@testable import ClinicTUI
import Foundation
import Testing

/// The owner's staff and audit screens (v2), and what the others may see of them.
@Suite struct OwnerScreensTests {
    static let invitation = Invitation(id: "dddddddddddddddddddddddd", email: "new.desk@example.org", role: .frontDesk,
                                       createdAt: Fixture.now, expiresAt: Fixture.now.addingTimeInterval(7 * 86_400))

    @Test func test_theOwner_invitesAFrontDesk_andTheCodeIsShownOnce_largeAndAsAQRCode() throws {
        var (state, _) = Fixture.signedIn(.owner)
        #expect(update(&state, .key(.character("S"))) == [.loadStaff, .loadInvitations])
        #expect(state.mode == .staff)
        _ = update(&state, .staffLoaded(Fixture.staff))
        _ = update(&state, .staff(.invitationsLoaded([Self.invitation])))
        var text = view(state).text
        #expect(text.contains("Lena Fischer") && text.contains("front desk") && text.contains("new.desk@example.org"))
        _ = update(&state, .key(.character("i")))
        for character in "mo@example.org" { _ = update(&state, .key(.character(character))) }
        _ = update(&state, .key(.tab))
        _ = update(&state, .key(.right))
        #expect(view(state).text.contains("◂ doctor ▸"))
        #expect(update(&state, .key(.enter)) == [.invite(email: "mo@example.org", role: .doctor)])
        let created = CreatedInvitation(id: "eeeeeeeeeeeeeeeeeeeeeeee", email: "mo@example.org", role: .doctor, code: "K7QM-4XPR-9ZTW",
                                        expiresAt: Fixture.now.addingTimeInterval(7 * 86_400))
        #expect(update(&state, .staff(.invitationCreated(created))) == [.loadInvitations])
        text = view(state).text
        #expect(text.contains("K 7 Q M   4 X P R   9 Z T W"), "spaced to be read over the phone")
        #expect(text.contains("▀") || text.contains("▄") || text.contains("█"), "and a QR code")
        try expectSnapshot(view(state), "staff-invitation-code-80x24")
        _ = update(&state, .key(.escape))
        #expect(!view(state).text.contains("K7QM"), "never shown again")
    }

    /// The staff list as each role has it, at both sizes: the owner sees emails' owners' last seen
    /// and the invitations waiting, a doctor the names and roles only; the audit log wide.
    @Test(arguments: [(80, 24), (120, 40)])
    func test_theStaffAndAuditScreens_perRole(size: (Int, Int)) throws {
        var staff = Fixture.staff
        staff[0].lastSeenAt = Fixture.now.addingTimeInterval(-300)
        staff[1].lastSeenAt = Fixture.now.addingTimeInterval(-3 * 86_400)
        staff.append(Fixture.member("dddddddddddddddddddddddd", "Dr Old Locum", .doctor, active: false))
        var (owner, _) = Fixture.signedIn(.owner, width: size.0, height: size.1)
        _ = update(&owner, .key(.character("S")))
        _ = update(&owner, .staffLoaded(staff))
        _ = update(&owner, .staff(.invitationsLoaded([Self.invitation])))
        var text = view(owner).text
        #expect(text.contains("Last seen") && text.contains("today 09:41") && text.contains("deactivated") && text.contains("new.desk@example.org"))
        try expectSnapshot(view(owner), "staff-owner-\(size.0)x\(size.1)")
        var (doctor, _) = Fixture.signedIn(.doctor, width: size.0, height: size.1)
        _ = update(&doctor, .key(.character("S")))
        _ = update(&doctor, .staffLoaded(Fixture.staff))
        text = view(doctor).text
        #expect(!text.contains("Last seen") && !text.contains("invite") && text.contains("Dr Kofi Mensah"))
        try expectSnapshot(view(doctor), "staff-doctor-\(size.0)x\(size.1)")
        _ = update(&owner, .key(.character("A")))
        let actions: [String] = ["patient.view", "notes.list", "appointment.update", "signin.success"]
        var events: [AuditEvent] = []
        for index in 0..<12 {
            let actor: StaffMember = staff[index % 3]
            let patient: Patient? = index % 4 == 3 ? nil : Fixture.patients[index % 4]
            let at: Date = Fixture.now.addingTimeInterval(Double(-index) * 900)
            events.append(AuditEvent(id: String(format: "%024x", 700 + index), at: at, actorId: actor.id, actorName: actor.username,
                                     actorRole: actor.role.rawValue, action: actions[index % 4], patientId: patient?.id,
                                     patientName: patient?.name, status: index == 5 ? 403 : 200))
        }
        _ = update(&owner, .audit(.loaded(key: owner.audit.key, items: events, nextCursor: nil, append: false)))
        #expect(view(owner).text.contains("Audit log · the whole clinic"))
        try expectSnapshot(view(owner), "audit-clinic-\(size.0)x\(size.1)")
    }

    @Test func test_deactivating_asksFirst_andTheLastOwnerIsProtected_withTheReason() {
        var (state, _) = Fixture.signedIn(.owner)
        _ = update(&state, .key(.character("S")))
        _ = update(&state, .staffLoaded(Fixture.staff))
        _ = update(&state, .key(.character("j")))
        _ = update(&state, .key(.character("x")))
        #expect(view(state).text.contains("Deactivate Dr Kofi Mensah?"))
        #expect(update(&state, .key(.character("n"))).isEmpty, "n sends nothing")
        _ = update(&state, .key(.character("x")))
        #expect(update(&state, .key(.character("y"))) == [.updateStaffMember(id: Fixture.staff[1].id, role: nil, active: false)])
        var gone = Fixture.staff[1]
        gone.active = false
        _ = update(&state, .staff(.staffMemberChanged(gone)))
        #expect(state.doctors.map(\.id) == [Fixture.staff[0].id], "a deactivated doctor is offered no more bookings")
        // The owner demoting themselves: the server's 409 last_owner said in the clinic's words.
        _ = update(&state, .key(.character("k")))
        _ = update(&state, .key(.character("R")))
        #expect(update(&state, .key(.character("y"))) == [.updateStaffMember(id: Fixture.staff[0].id, role: .doctor, active: nil)])
        _ = update(&state, .staff(.staffChangeFailed(APIFailure(kind: .rejected, status: 409, code: "last_owner", message: "last owner"))))
        #expect(state.toast == .error("Not changed: the clinic needs an active owner. Make someone else owner first."))
    }

    @Test func test_theAuditLog_forOnePatient_fromTheRecords_withEndlessScroll() throws {
        var (state, _) = Fixture.signedIn(.owner)
        let patient = Fixture.patients[0]
        let commands = update(&state, .key(.character("A")))
        #expect(commands == [.loadAudit(key: state.audit.key, query: AuditQuery(patientID: patient.id), cursor: nil)])
        var events: [AuditEvent] = []
        for index in 0..<30 {
            let actor: StaffMember = Fixture.staff[index % 3]
            let refused: Bool = index % 3 == 2
            let at: Date = Fixture.now.addingTimeInterval(Double(-index) * 600)
            events.append(AuditEvent(id: String(format: "%024x", 900 + index), at: at, actorId: actor.id, actorName: actor.username,
                                     actorRole: actor.role.rawValue, action: refused ? "notes.list" : "patient.view",
                                     patientId: patient.id, patientName: patient.name, status: refused ? 403 : 200))
        }
        _ = update(&state, .audit(.loaded(key: state.audit.key, items: events, nextCursor: "page2", append: false)))
        let text = view(state).text
        #expect(text.contains("who opened José Álvarez-Núñez's record"))
        #expect(text.contains("Lena Fischer (desk)") && text.contains("read the notes — refused (403)"))
        try expectSnapshot(view(state), "audit-patient-80x24")
        var more: [Command] = []
        for _ in 0..<26 { more += update(&state, .key(.character("j"))) }
        #expect(more == [.loadAudit(key: state.audit.key, query: AuditQuery(patientID: patient.id), cursor: "page2")], "the next page once, near the end")
        // A late answer to the first request is not mixed in.
        _ = update(&state, .audit(.loaded(key: "stale", items: [], nextCursor: nil, append: false)))
        #expect(state.audit.events.count == 30)
        #expect(update(&state, .key(.character("f"))).first == .loadAudit(key: state.audit.key, query: AuditQuery(), cursor: nil))
        #expect(state.audit.events.isEmpty && state.audit.filter.isEmpty)
    }

    /// The owner narrows the log from a row: this person, this action, a period moved back and forth,
    /// this patient; each key again widens it, `c` clears all; a late page of an older filter is dropped.
    @Test func test_theAuditLog_isFilteredFromTheSelectedRow_byPersonActionPeriodAndPatient() throws {
        var (state, _) = Fixture.signedIn(.owner)
        state.timeZone = TimeZone(identifier: "Europe/Dublin")!
        _ = update(&state, .key(.escape))
        _ = update(&state, .key(.character("A")))
        _ = update(&state, .key(.character("f")))  // the whole clinic
        #expect(state.audit.filter.isEmpty)
        let desk = Fixture.staff[2], patient = Fixture.patients[1]
        let events = [
            AuditEvent(id: String(format: "%024x", 1), at: Fixture.now, actorId: Fixture.staff[0].id, actorName: Fixture.staff[0].username,
                       actorRole: "owner", action: "notes.list", patientId: Fixture.patients[0].id, patientName: Fixture.patients[0].name, status: 200),
            AuditEvent(id: String(format: "%024x", 2), at: Fixture.now.addingTimeInterval(-60), actorId: desk.id, actorName: desk.username,
                       actorRole: desk.role.rawValue, action: "patient.view", patientId: patient.id, patientName: patient.name, status: 200),
        ]
        _ = update(&state, .audit(.loaded(key: state.audit.key, items: events, nextCursor: "next", append: false)))
        _ = update(&state, .key(.character("j")))
        let byPerson = update(&state, .key(.character("w")))
        #expect(byPerson == [.loadAudit(key: state.audit.key, query: AuditQuery(actorID: desk.id), cursor: nil)])
        let staleKey = "an older filter"
        _ = update(&state, .audit(.loaded(key: staleKey, items: events, nextCursor: nil, append: false)))
        #expect(state.audit.events.isEmpty, "a page for another filter is not shown")
        _ = update(&state, .audit(.loaded(key: state.audit.key, items: [events[1]], nextCursor: nil, append: false)))
        let byAction = update(&state, .key(.character("a")))
        #expect(byAction == [.loadAudit(key: state.audit.key, query: AuditQuery(actorID: desk.id, action: "patient.view"), cursor: nil)])
        _ = update(&state, .audit(.loaded(key: state.audit.key, items: [events[1]], nextCursor: nil, append: false)))
        // Periods: whole days in the clinic's time zone, ending with today (Fixture.now is 25 Nov 09:46 in Dublin).
        let dublin = state.timeZone
        func day(_ text: String) -> Date { CalendarMath.day(text, in: dublin)! }
        let today = update(&state, .key(.character("d")))
        #expect(today == [.loadAudit(key: state.audit.key, query: AuditQuery(actorID: desk.id, action: "patient.view",
                                                                            from: day("2026-11-25"), to: day("2026-11-26")), cursor: nil)])
        #expect(view(state).text.contains("Audit · by Lena Fischer · opened the record · today"))
        // The next page, asked after midnight, is still of the day the filter was set on.
        let todayQuery = state.audit.query
        _ = update(&state, .audit(.loaded(key: state.audit.key, items: Array(repeating: events[1], count: 8), nextCursor: "more", append: false)))
        _ = update(&state, .tick(Fixture.now.addingTimeInterval(86_400)))
        var later: [Command] = []
        for _ in 0..<6 { later += update(&state, .key(.character("j"))) }
        #expect(later == [.loadAudit(key: state.audit.key, query: todayQuery, cursor: "more")])
        state.now = Fixture.now
        _ = update(&state, .key(.character("d")))
        let earlierWeek = update(&state, .key(.character("[")))
        #expect(earlierWeek.first.map { command -> Bool in
            guard case .loadAudit(_, let query, _) = command else { return false }
            return query.from == day("2026-11-12") && query.to == day("2026-11-19")
        } == true, "the seven days before the last seven")
        #expect(view(state).text.contains("· 12–18 Nov"))
        _ = update(&state, .key(.character("]")))
        #expect(update(&state, .key(.character("]"))).isEmpty, "no later than today")
        // This patient, from the row; then everything cleared.
        _ = update(&state, .audit(.loaded(key: state.audit.key, items: [events[1]], nextCursor: nil, append: false)))
        _ = update(&state, .key(.character("f")))
        #expect(state.audit.filter.patientID == patient.id)
        _ = update(&state, .audit(.loaded(key: state.audit.key, items: [events[1]], nextCursor: nil, append: false)))
        #expect(view(state).text.contains("Audit · आदित्य शर्मा · by Lena Fischer · opened the record · 19–25 Nov"))
        try expectSnapshot(view(state), "audit-filtered-80x24")
        let cleared = update(&state, .key(.character("c")))
        #expect(cleared == [.loadAudit(key: state.audit.key, query: AuditQuery(), cursor: nil)] && state.audit.filter.isEmpty)
        // `w` toggles back to everyone.
        _ = update(&state, .audit(.loaded(key: state.audit.key, items: events, nextCursor: nil, append: false)))
        // An event about no patient (a sign-in) gives no patient to filter by: said, nothing asked.
        let signIn = AuditEvent(id: String(format: "%024x", 3), at: Fixture.now, actorId: desk.id, actorName: desk.username,
                                actorRole: desk.role.rawValue, action: "signin.success", status: 200)
        var noPatient = state
        _ = update(&noPatient, .audit(.loaded(key: noPatient.audit.key, items: [signIn], nextCursor: nil, append: false)))
        #expect(update(&noPatient, .key(.character("f"))).isEmpty && noPatient.audit.filter.patientID == nil)
        #expect(noPatient.toast == .info("This event is about no patient: choose one that is."))
        _ = update(&state, .key(.character("w")))
        #expect(state.audit.filter.actorID == Fixture.staff[0].id)
        _ = update(&state, .key(.character("w")))
        #expect(state.audit.filter.actorID == nil)
    }

    /// The owner renames the clinic from the staff screen; a refusal names the field and keeps the text.
    @Test func test_theOwner_renamesTheClinic_fromTheStaffScreen() {
        var (state, _) = Fixture.signedIn(.owner)
        _ = update(&state, .key(.character("S")))
        _ = update(&state, .staffLoaded(Fixture.staff))
        _ = update(&state, .key(.character("N")))
        #expect(state.staffScreen.rename?.name.text == "Ruiz Family Practice", "starts from the current name")
        _ = update(&state, .key(.control("u")))
        for character in "Ruiz & Mensah" { _ = update(&state, .key(.character(character))) }
        #expect(view(state).text.contains("Rename the clinic"))
        #expect(update(&state, .key(.enter)) == [.renameClinic(name: "Ruiz & Mensah")])
        #expect(update(&state, .key(.enter)).isEmpty, "not sent twice while it is on its way")
        _ = update(&state, .staff(.clinicRenameFailed(APIFailure(kind: .rejected, status: 422, code: nil, message: "Invalid request",
                                                          fieldErrors: ["name": "at most 100 characters"]))))
        #expect(state.staffScreen.rename?.error == "Name: at most 100 characters")
        #expect(state.staffScreen.rename?.name.text == "Ruiz & Mensah", "what was typed is kept")
        #expect(update(&state, .key(.enter)) == [.renameClinic(name: "Ruiz & Mensah")])
        _ = update(&state, .staff(.clinicRenamed(name: "Ruiz & Mensah")))
        #expect(state.staffScreen.rename == nil && state.user?.clinic?.name == "Ruiz & Mensah")
        #expect(view(state).lines[0].contains("Ruiz & Mensah"), "the status bar says the new name")
        // A long name gives way, so who is signed in and the plan stay on the bar at 80 columns.
        _ = update(&state, .staff(.clinicRenamed(name: "The Ruiz and Mensah Family Medical Centre of Greater Northshire")))
        #expect(view(state).lines[0].contains("The Ruiz and Mensah Famil…") && view(state).lines[0].contains("│ Dr Ana Ruiz │ basic · trial"))
        _ = update(&state, .staff(.clinicRenamed(name: "Ruiz & Mensah")))
        // An empty name is refused on the spot; Esc leaves the name as it was.
        _ = update(&state, .key(.character("N")))
        _ = update(&state, .key(.control("u")))
        #expect(update(&state, .key(.enter)).isEmpty && state.staffScreen.rename?.error == "The clinic needs a name.")
        _ = update(&state, .key(.escape))
        #expect(state.staffScreen.rename == nil && state.user?.clinic?.name == "Ruiz & Mensah")
        // Nobody else is offered it.
        for role in [MemberRole.doctor, .frontDesk] {
            var (other, _) = Fixture.signedIn(role)
            _ = update(&other, .key(.character("S")))
            _ = update(&other, .key(.character("N")))
            #expect(other.staffScreen.rename == nil, "\(role)")
        }
    }

    /// A press on the staff or audit screen selects the row under it, never a patient hidden behind.
    @Test func test_mousePresses_onTheOwnersScreens_selectTheirRows() {
        var (state, _) = Fixture.signedIn(.owner)
        _ = update(&state, .key(.character("S")))
        _ = update(&state, .staffLoaded(Fixture.staff))
        _ = update(&state, .staff(.invitationsLoaded([Self.invitation])))
        let patient = state.patients.selected
        _ = update(&state, .key(.click(x: 5, y: 6)))
        #expect(state.staffScreen.selected == 2 && view(state).text.contains("Lena Fischer"))
        _ = update(&state, .key(.click(x: 5, y: 9)))
        #expect(state.staffScreen.selected == 3, "the waiting invitation, under its heading")
        _ = update(&state, .key(.click(x: 5, y: 8)))
        #expect(state.staffScreen.selected == 3, "the heading selects nothing")
        #expect(state.patients.selected == patient)
        _ = update(&state, .key(.character("A")))
        let events = (0..<30).map { index in
            AuditEvent(id: String(format: "%024x", 500 + index), at: Fixture.now.addingTimeInterval(Double(-index) * 60),
                       actorId: Fixture.staff[0].id, actorName: Fixture.staff[0].username, actorRole: "owner", action: "signin.success", status: 200)
        }
        _ = update(&state, .audit(.loaded(key: state.audit.key, items: events, nextCursor: "next", append: false)))
        _ = update(&state, .key(.click(x: 10, y: 7)))
        #expect(state.audit.selected == 4)
        #expect(update(&state, .key(.click(x: 10, y: 21))).isEmpty && state.audit.selected == 18, "the last row shown")
        // The list has scrolled to keep the selection mid-screen: the last row is now the 28th event.
        #expect(update(&state, .key(.click(x: 10, y: 21))) == [.loadAudit(key: state.audit.key, query: state.audit.query, cursor: "next")],
                "a press near the end asks for the next page")
        #expect(state.audit.selected == 27)
        #expect(state.patients.selected == patient)
    }

    @Test func test_noOneButTheOwner_isOfferedTheAuditLog_orStaffChanges() {
        for role in [MemberRole.doctor, .frontDesk] {
            var (state, _) = Fixture.signedIn(role)
            #expect(update(&state, .key(.character("A"))).isEmpty, "\(role)")
            #expect(state.mode != .audit)
            #expect(update(&state, .key(.character("S"))) == [.loadStaff], "the staff list, without invitations")
            _ = update(&state, .staffLoaded(Fixture.staff))
            for key in ["i", "x", "R", "a"] { _ = update(&state, .key(.character(Character(key)))) }
            #expect(state.staffScreen.invite == nil && state.staffScreen.pending == nil, "\(role)")
            #expect(!view(state).text.contains("invite"))
        }
    }
}
