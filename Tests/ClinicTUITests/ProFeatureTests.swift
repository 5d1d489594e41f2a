import ClinicAPI
@testable import ClinicTUI
import Foundation
import Testing

@Suite struct ProFeatureTests {
    static let plans: [PlanOffer] = [
        PlanOffer(id: .basic, name: "Basic", priceMinor: 0, currency: "USD", interval: "90-day trial", features: ["Patients", "Notes"]),
        PlanOffer(id: .pro, name: "Pro", priceMinor: 2900, currency: "USD", interval: "month", features: ["Documents", "Analytics"]),
    ]

    @Test func test_lockedPanes_makeNoRequest_andShowTheWayToUpgrade() throws {
        var state = Fixture.mainState()
        #expect(state.proLocked)
        #expect(update(&state, .key(.character("2"))).isEmpty)
        try expectSnapshot(view(state), "documents-locked-80x24")
        #expect(update(&state, .key(.character("3"))).isEmpty)
        #expect(view(state).text.contains("Press U to upgrade"))
    }

    @Test func test_upgrade_fromPlansToCheckoutToPro_unlocksWithoutRestart() throws {
        var state = Fixture.mainState()
        _ = update(&state, .key(.character("2")))
        #expect(update(&state, .key(.character("U"))) == [.loadPlans])
        _ = update(&state, .plansLoaded(Self.plans))
        #expect(update(&state, .key(.enter)) == [.createCheckout])
        #expect(update(&state, .key(.enter)).isEmpty, "one checkout at a time")
        let url = "http://clinic.example.org/checkout/cs_local_abc123"
        let poll = update(&state, .checkoutCreated(sessionID: "cs_local_abc123", url: url))
        #expect(poll == [.after(milliseconds: 2000, .pollUpgrade)])
        try expectSnapshot(view(state), "upgrade-checkout-80x24")
        #expect(update(&state, .key(.character("c"))) == [.confirmLocalCheckout(url: url)])
        #expect(update(&state, .localCheckoutConfirmed) == [.refreshUser])
        // Still basic: polling goes on.
        #expect(update(&state, .pollUpgrade) == [.refreshUser, .after(milliseconds: 2000, .pollUpgrade)])
        let unlocked = update(&state, .userRefreshed(Fixture.user(status: .active, plan: .pro)))
        #expect(!state.proLocked)
        #expect(unlocked == [.loadDocuments(patientID: Fixture.patients[0].id)], "the open pane loads at once")
        guard case .upgrade(let upgrade) = state.overlay else {
            Issue.record("the upgrade screen closed")
            return
        }
        #expect(upgrade.done)
        #expect(update(&state, .pollUpgrade).isEmpty, "polling stops once Pro")
    }

    @Test func test_polling_stopsAtItsDeadline() {
        var state = Fixture.mainState()
        _ = update(&state, .key(.character("U")))
        _ = update(&state, .checkoutCreated(sessionID: "s", url: "https://checkout.stripe.com/c/pay/s"))
        _ = update(&state, .tick(Fixture.now.addingTimeInterval(601)))
        #expect(update(&state, .pollUpgrade).isEmpty)
        #expect(update(&state, .key(.character("c"))) == [.confirmLocalCheckout(url: "https://checkout.stripe.com/c/pay/s")])
    }

    @Test func test_a403_forAProFeature_relocks_andAsksTheServer() {
        var state = Fixture.mainState()
        state.user = Fixture.user(status: .active, plan: .pro)
        let load = update(&state, .key(.character("2")))
        #expect(load == [.loadDocuments(patientID: Fixture.patients[0].id)])
        let correction = update(&state, .documentsFailed(patientID: Fixture.patients[0].id,
                                                         ClientFailure(kind: .rejected, status: 403, code: "pro_required", message: "Pro needed")))
        #expect(correction == [.refreshUser])
        #expect(state.proLocked)
        #expect(view(state).text.contains("Documents is a Pro feature"))
    }

    @Test func test_unlockedPanes_listDocuments_andChartGrowth() throws {
        var state = Fixture.mainState(width: 120, height: 40)
        state.user = Fixture.user(status: .active, plan: .pro)
        _ = update(&state, .key(.character("3")))
        let points = (0..<30).map { day in
            GrowthPoint(periodStart: Fixture.now.addingTimeInterval(Double(day - 30) * 86_400), newPatients: [0, 1, 3, 2, 5][day % 5],
                        totalPatients: 100 + day)
        }
        _ = update(&state, .growthLoaded(points))
        try expectSnapshot(view(state), "analytics-120x40")
        _ = update(&state, .key(.character("2")))
        _ = update(&state, .documentsLoaded(patientID: Fixture.patients[0].id, [
            Document(id: "d1", patientId: Fixture.patients[0].id, fileName: "blood\u{1B}[31m report.pdf", contentType: "application/pdf",
                     sizeBytes: 2_500_000, uploadedAt: Fixture.now),
        ]))
        let text = view(state).text
        #expect(text.contains("blood[31m report.pdf") || text.contains("blood report.pdf"))
        #expect(text.contains("PDF") && text.contains("2.4 MiB"))
        #expect(!text.unicodeScalars.contains { $0.value == 0x1B })
    }

    @Test func test_trialEndingSoon_andInactive_showABanner() {
        var state = Fixture.mainState()
        state.user = User(id: "u", username: "Dr A", email: "a@b.co", plan: .basic, status: .trialing,
                          trialEndsAt: Fixture.now.addingTimeInterval(5 * 86_400), createdAt: Fixture.now)
        #expect(view(state).text.contains("Your trial ends in 5 days. Press U to upgrade."))
        state.user = Fixture.user(status: .inactive)
        #expect(view(state).text.contains("Subscription inactive: records are read-only. Press U to upgrade."))
        state.user = Fixture.user()
        #expect(!view(state).text.contains("Press U to upgrade."), "12 days left: no banner yet")
    }
}
