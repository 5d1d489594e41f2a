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
        _ = update(&state, .upgrade(.plansLoaded(Self.plans)))
        #expect(update(&state, .key(.enter)) == [.createCheckout])
        #expect(update(&state, .key(.enter)).isEmpty, "one checkout at a time")
        let url = "http://clinic.example.org/checkout/cs_local_abc123"
        let poll = update(&state, .upgrade(.checkoutCreated(sessionID: "cs_local_abc123", url: url)))
        #expect(poll == [.after(milliseconds: 2000, .upgrade(.pollUpgrade))])
        try expectSnapshot(view(state), "upgrade-checkout-80x24")
        // The address whole on the clipboard (a wrapped one copied from the screen would be broken).
        #expect(update(&state, .key(.character("y"))) == [.copyToClipboard(text: url)])
        #expect(view(state).text.contains("sent to the clipboard"))
        #expect(update(&state, .key(.character("c"))) == [.confirmLocalCheckout(url: url)])
        #expect(update(&state, .upgrade(.localCheckoutConfirmed)) == [.refreshUser])
        // Still basic: polling goes on.
        #expect(update(&state, .upgrade(.pollUpgrade)) == [.refreshUser, .after(milliseconds: 2000, .upgrade(.pollUpgrade))])
        let unlocked = update(&state, .userRefreshed(Fixture.user(status: .active, plan: .pro)))
        #expect(!state.proLocked)
        #expect(unlocked == [.loadDocuments(patientID: Fixture.patients[0].id)], "the open pane loads at once")
        guard case .upgrade(let upgrade) = state.overlay else {
            Issue.record("the upgrade screen closed")
            return
        }
        #expect(upgrade.done)
        #expect(update(&state, .upgrade(.pollUpgrade)).isEmpty, "polling stops once Pro")
    }

    @Test func test_polling_stopsAtItsDeadline() {
        var state = Fixture.mainState()
        _ = update(&state, .key(.character("U")))
        _ = update(&state, .upgrade(.checkoutCreated(sessionID: "s", url: "https://checkout.stripe.com/c/pay/s")))
        // A server's address with a control character in it reaches the clipboard without it.
        _ = update(&state, .key(.escape))
        _ = update(&state, .key(.character("U")))
        _ = update(&state, .upgrade(.checkoutCreated(sessionID: "s", url: "https://checkout.stripe.com/c/pay/s\u{1B}]0;x\u{07}")))
        #expect(update(&state, .key(.character("y"))) == [.copyToClipboard(text: "https://checkout.stripe.com/c/pay/s")])
        _ = update(&state, .upgrade(.checkoutCreated(sessionID: "s", url: "file:///etc/passwd")))
        #expect(update(&state, .key(.character("y"))).isEmpty, "only a web address goes to the clipboard")
        _ = update(&state, .upgrade(.checkoutCreated(sessionID: "s", url: "https://checkout.stripe.com/c/pay/s")))
        _ = update(&state, .tick(Fixture.now.addingTimeInterval(601)))
        #expect(update(&state, .upgrade(.pollUpgrade)).isEmpty)
        #expect(update(&state, .key(.character("c"))) == [.confirmLocalCheckout(url: "https://checkout.stripe.com/c/pay/s")])
    }

    @Test func test_a403_forAProFeature_relocks_andAsksTheServer() {
        var state = Fixture.mainState()
        state.user = Fixture.user(status: .active, plan: .pro)
        let load = update(&state, .key(.character("2")))
        #expect(load == [.loadDocuments(patientID: Fixture.patients[0].id)])
        let correction = update(&state, .documents(.documentsFailed(patientID: Fixture.patients[0].id,
                                                         ClientFailure(kind: .rejected, status: 403, code: "pro_required", message: "Pro needed"))))
        #expect(correction == [.refreshUser])
        #expect(state.proLocked)
        #expect(view(state).text.contains("Documents is a Pro feature"))
    }

    @Test func test_unlockedPanes_listDocuments_andChartGrowth() throws {
        var state = Fixture.mainState(width: 120, height: 40)
        state.user = Fixture.user(status: .active, plan: .pro)
        let load = update(&state, .key(.character("3")))
        #expect(load.count == 1)
        guard case .loadAnalytics(let key, "week", let from, _) = load.first else { Issue.record("no analytics request"); return }
        #expect(RFC3339DateTranscoder.format(from) == "2026-08-31T00:00:00Z", "13 weeks, this one included, from a Monday")
        _ = update(&state, .analytics(.loaded(key: key, growth: Self.growth(13), outcomes: Self.outcomes(13))))
        try expectSnapshot(view(state), "analytics-120x40")
        _ = update(&state, .key(.character("2")))
        _ = update(&state, .documents(.documentsLoaded(patientID: Fixture.patients[0].id, [
            Document(id: "d1", patientId: Fixture.patients[0].id, fileName: "blood\u{1B}[31m report.pdf", contentType: "application/pdf",
                     sizeBytes: 2_500_000, uploadedAt: Fixture.now),
        ])))
        let text = view(state).text
        #expect(text.contains("blood[31m report.pdf") || text.contains("blood report.pdf"))
        #expect(text.contains("PDF") && text.contains("2.4 MiB"))
        #expect(!text.unicodeScalars.contains { $0.value == 0x1B })
    }

    static func growth(_ count: Int) -> [GrowthPoint] {
        (0..<count).map { index in
            GrowthPoint(periodStart: Fixture.now.addingTimeInterval(Double(index - count + 1) * 7 * 86_400), newPatients: [0, 1, 3, 2, 5][index % 5],
                        totalPatients: 100 + index * 2)
        }
    }

    static func outcomes(_ count: Int) -> [OutcomePoint] {
        (0..<count).map { index in
            OutcomePoint(periodStart: Fixture.now.addingTimeInterval(Double(index - count + 1) * 7 * 86_400), scheduled: index == count - 1 ? 6 : 0,
                         completed: [10, 12, 8, 14, 9][index % 5], cancelled: index % 3, noShow: index % 4 == 0 ? 2 : 0)
        }
    }

    @Test func test_analytics_intervalAndRangeKeys_reloadOnlyWhatChanged_andShowNumbers() throws {
        var state = Fixture.mainState()
        state.user = Fixture.user(status: .active, plan: .pro)
        guard case .loadAnalytics(let first, _, _, _) = update(&state, .key(.character("3"))).first else { Issue.record("no load"); return }
        _ = update(&state, .key(.tab))
        let month = update(&state, .key(.character("m")))
        guard case .loadAnalytics(let key, "month", let from, _) = month.first else { Issue.record("no month load"); return }
        #expect(RFC3339DateTranscoder.format(from) == "2025-12-01T00:00:00Z", "twelve months, this one included")
        // The week answer arriving late is dropped; the month answer lands.
        _ = update(&state, .analytics(.loaded(key: first, growth: Self.growth(13), outcomes: Self.outcomes(13))))
        #expect(state.analytics.growth.isEmpty)
        _ = update(&state, .analytics(.loaded(key: key, growth: Self.growth(12), outcomes: Self.outcomes(12))))
        #expect(state.analytics.growth.count == 12)
        #expect(update(&state, .key(.character("m"))).isEmpty, "already shown")
        guard case .loadAnalytics(_, "month", let longer, _) = update(&state, .key(.character("]"))).first else { Issue.record("no range"); return }
        #expect(RFC3339DateTranscoder.format(longer) == "2024-12-01T00:00:00Z")
        _ = update(&state, .key(.character("#")))
        // At 80 columns every column fits, the last (booked) included.
        let table = view(state).text.split(separator: "\n").compactMap { line in line.range(of: "│ ").map { String(line[$0.upperBound...]) } }
        #expect(table.contains { $0.hasPrefix("Period      New  Tot Done  N/S Canc Book") }, "\(table)")
        let rows = table.filter { $0.hasPrefix("Nov 2026") }
        #expect(!rows.isEmpty && rows.allSatisfy { $0.split(separator: " ").count == 8 }, "a label and six numbers: \(rows)")
        // A day range is bounded by what the server accepts (366 days).
        _ = update(&state, .key(.character("d")))
        for _ in 0..<10 { _ = update(&state, .key(.character("]"))) }
        #expect(AnalyticsPane.periods(state.analytics) == 366)
    }

    @Test func test_analytics_inASCII_forTerminalsWithoutUTF8() throws {
        var state = Fixture.mainState()
        state.user = Fixture.user(status: .active, plan: .pro)
        state.asciiOnly = true
        guard case .loadAnalytics(let key, _, _, _) = update(&state, .key(.character("3"))).first else { Issue.record("no load"); return }
        _ = update(&state, .analytics(.loaded(key: key, growth: Self.growth(13), outcomes: Self.outcomes(13))))
        let text = view(state).text
        let pane = text.split(separator: "\n").map { String($0.dropFirst(34)) }.joined(separator: "\n")
        #expect(!pane.contains { "█▓░▒▁▂▃▄▅▆▇".contains($0) })
        #expect(pane.contains("#"))
        try expectSnapshot(view(state), "analytics-ascii-80x24")
    }

    @Test func test_absurdCountsFromAServer_areDrawn_withoutOverflow() throws {
        var state = Fixture.mainState()
        state.user = Fixture.user(status: .active, plan: .pro)
        guard case .loadAnalytics(let key, _, _, _) = update(&state, .key(.character("3"))).first else { Issue.record("no load"); return }
        let hostileGrowth = (0..<4).map { GrowthPoint(periodStart: Fixture.now.addingTimeInterval(Double($0) * 86_400), newPatients: Int.max,
                                                       totalPatients: $0 % 2 == 0 ? Int.min : Int.max) }
        let hostileOutcomes = (0..<4).map { OutcomePoint(periodStart: Fixture.now.addingTimeInterval(Double($0) * 86_400), scheduled: Int.max,
                                                         completed: Int.max, cancelled: -5, noShow: Int.max) }
        _ = update(&state, .analytics(.loaded(key: key, growth: hostileGrowth, outcomes: hostileOutcomes)))
        #expect(view(state).text.contains("New patients: 4000000000"))
        _ = update(&state, .key(.character("#")))
        #expect(!view(state).text.isEmpty)
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
