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
        _ = update(&state, .invitationsLoaded([Self.invitation]))
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
        #expect(update(&state, .invitationCreated(created)) == [.loadInvitations])
        text = view(state).text
        #expect(text.contains("K 7 Q M   4 X P R   9 Z T W"), "spaced to be read over the phone")
        #expect(text.contains("▀") || text.contains("▄") || text.contains("█"), "and a QR code")
        try expectSnapshot(view(state), "staff-invitation-code-80x24")
        _ = update(&state, .key(.escape))
        #expect(!view(state).text.contains("K7QM"), "never shown again")
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
        _ = update(&state, .staffMemberChanged(gone))
        #expect(state.doctors.map(\.id) == [Fixture.staff[0].id], "a deactivated doctor is offered no more bookings")
        // The owner demoting themselves: the server's 409 last_owner said in the clinic's words.
        _ = update(&state, .key(.character("k")))
        _ = update(&state, .key(.character("R")))
        #expect(update(&state, .key(.character("y"))) == [.updateStaffMember(id: Fixture.staff[0].id, role: .doctor, active: nil)])
        _ = update(&state, .staffChangeFailed(APIFailure(kind: .rejected, status: 409, code: "last_owner", message: "last owner")))
        #expect(state.toast == .error("Not changed: the clinic needs an active owner. Make someone else owner first."))
    }

    @Test func test_theAuditLog_forOnePatient_fromTheRecords_withEndlessScroll() throws {
        var (state, _) = Fixture.signedIn(.owner)
        let patient = Fixture.patients[0]
        let commands = update(&state, .key(.character("A")))
        #expect(commands == [.loadAudit(key: state.audit.key, patientID: patient.id, cursor: nil)])
        var events: [AuditEvent] = []
        for index in 0..<30 {
            let actor: StaffMember = Fixture.staff[index % 3]
            let refused: Bool = index % 3 == 2
            let at: Date = Fixture.now.addingTimeInterval(Double(-index) * 600)
            events.append(AuditEvent(id: String(format: "%024x", 900 + index), at: at, actorId: actor.id, actorName: actor.username,
                                     actorRole: actor.role.rawValue, action: refused ? "notes.list" : "patient.view",
                                     patientId: patient.id, patientName: patient.name, status: refused ? 403 : 200))
        }
        _ = update(&state, .auditLoaded(key: state.audit.key, items: events, nextCursor: "page2", append: false))
        let text = view(state).text
        #expect(text.contains("who opened José Álvarez-Núñez's record"))
        #expect(text.contains("Lena Fischer (desk)") && text.contains("read the notes — refused (403)"))
        try expectSnapshot(view(state), "audit-patient-80x24")
        var more: [Command] = []
        for _ in 0..<26 { more += update(&state, .key(.character("j"))) }
        #expect(more == [.loadAudit(key: state.audit.key, patientID: patient.id, cursor: "page2")], "the next page once, near the end")
        // A late answer to the first request is not mixed in.
        _ = update(&state, .auditLoaded(key: "stale", items: [], nextCursor: nil, append: false))
        #expect(state.audit.events.count == 30)
        #expect(update(&state, .key(.character("f"))).first == .loadAudit(key: "all|", patientID: nil, cursor: nil))
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
