import ClinicAPI
@testable import ClinicTUI
import Foundation
import Testing

/// The staff list and the audit log alone: each screen's `handle` and `update` see the app only as
/// a value, change only the screen, and say what they want of the app (leave, a toast, the roster
/// changed, a failure that may be an expired session, a key that is the app's). Then the same
/// through the app's `update`, to check the app carries it out.
struct ScreenComponentTests {
    static let expired = APIFailure(kind: .sessionExpired, status: 401, message: "Session expired")

    @Test func staffScreen_asksTheAppForTheRosterAndToasts_andLeavesItsOwnStateOnly() {
        var (app, _) = Fixture.signedIn(.owner)
        _ = update(&app, .key(.character("S")))
        _ = update(&app, .staffLoaded(Fixture.staff))
        var screen = app.staffScreen
        // Moving is the screen's own; q, ? and A are the app's.
        #expect(screen.handle(.character("j"), in: app) == .none)
        #expect(screen.selected == 1)
        #expect(screen.handle(.character("q"), in: app) == .ask(.notMine))
        #expect(screen.handle(.character("A"), in: app) == .ask(.notMine))
        #expect(screen.handle(.character("p"), in: app) == .ask(.leave(to: .records)))
        // R asks before changing a role; y sends it.
        #expect(screen.handle(.character("R"), in: app) == .none)
        #expect(screen.pending == .role(Fixture.staff[1], .frontDesk))
        #expect(screen.handle(.character("y"), in: app) == .send([.updateStaffMember(id: Fixture.staff[1].id, role: .frontDesk, active: nil)]))
        #expect(screen.busy)
        var changed = Fixture.staff[1]
        changed.role = .frontDesk
        #expect(screen.update(.staffMemberChanged(changed), in: app)
            == .ask(.memberChanged(changed), .toast(.info("Dr Kofi Mensah is now front desk."))))
        #expect(!screen.busy)

        // An expired session: the screen says nothing of its own, and the app asks for a sign-in.
        #expect(screen.update(.staffFailed(Self.expired), in: app) == .ask(.failed(Self.expired)))
        #expect(screen.error == nil)
        _ = update(&app, .staff(.staffFailed(Self.expired)))
        #expect(!app.loggedIn)
        #expect(app.staffScreen.error == nil)

        // Through the app: the roster and the toast change, the screen is written back.
        (app, _) = Fixture.signedIn(.owner)
        _ = update(&app, .key(.character("S")))
        _ = update(&app, .staffLoaded(Fixture.staff))
        _ = update(&app, .key(.character("j")))
        _ = update(&app, .staff(.staffMemberChanged(changed)))
        #expect(app.staff[1].role == .frontDesk)
        #expect(app.toast == .info("Dr Kofi Mensah is now front desk."))
        _ = update(&app, .key(.escape))
        #expect(app.mode == .records)
    }

    @Test func auditScreen_refiltersItself_andLeavesToWhereItWasOpened() {
        var (app, _) = Fixture.signedIn(.owner)
        _ = update(&app, .key(.character("c")))  // the calendar
        #expect(app.mode == .calendar)
        #expect(update(&app, .key(.character("A"))).count == 1)
        #expect(app.mode == .audit && app.audit.returnMode == .calendar)
        let desk = Fixture.staff[2], patient = Fixture.patients[1]
        let event = AuditEvent(id: String(format: "%024x", 1), at: Fixture.now, actorId: desk.id, actorName: desk.username,
                               actorRole: desk.role.rawValue, action: "patient.view", patientId: patient.id, patientName: patient.name, status: 200)
        _ = update(&app, .audit(.loaded(key: app.audit.key, items: [event], nextCursor: nil, append: false)))
        var screen = app.audit
        // w: this person only; the list starts again with one request for it.
        let outcome = screen.handle(.character("w"), in: app)
        #expect(screen.filter.actorID == desk.id && screen.events.isEmpty && screen.loading)
        #expect(outcome == .send([.loadAudit(key: screen.key, query: screen.query, cursor: nil)]))
        #expect(screen.query.actorID == desk.id)
        // An answer to the older request is dropped.
        #expect(screen.update(.loaded(key: app.audit.key, items: [event], nextCursor: nil, append: false), in: app) == .none)
        #expect(screen.events.isEmpty)
        #expect(screen.handle(.character("S"), in: app) == .ask(.notMine))
        #expect(screen.handle(.escape, in: app) == .ask(.leave(to: .calendar)))
        // Through the app: Esc goes back to the calendar it came from.
        _ = update(&app, .key(.escape))
        #expect(app.mode == .calendar)
    }
}
