import ClinicAPI
import ClinicStore
import Foundation
import Testing

@Suite struct PlanRuleTests {
    @Test func test_entitlements_followTheContract() {
        typealias E = Entitlements
        for plan in Components.Schemas.Plan.allCases {
            for status in Components.Schemas.SubscriptionStatus.allCases {
                for role in [nil] + Components.Schemas.Role.allCases.map(Optional.some) {
                    #expect(E.denial(plan: plan, status: status, role: role, for: .readPatients) == nil)
                    #expect(E.denial(plan: plan, status: status, role: role, for: .writePatients) == (status == .inactive ? .subscriptionInactive : nil))
                    let proDenial: E.Denial? = role == .frontDesk ? .roleForbidden : (plan == .pro && status == .active ? nil : .proRequired)
                    #expect(E.denial(plan: plan, status: status, role: role, for: .analytics) == proDenial)
                    #expect(E.denial(plan: plan, status: status, role: role, for: .readNotes) == (role == .frontDesk ? .roleForbidden : nil))
                    // The owner may always pay, and always withdraw access (an inactive clinic too).
                    #expect(E.denial(plan: plan, status: status, role: role, for: .billing) == (role == nil || role == .owner ? nil : .roleForbidden))
                    #expect(E.denial(plan: plan, status: status, role: role, for: .overseeStaff) == (role == nil || role == .owner ? nil : .roleForbidden))
                }
            }
        }
    }

    @Test(arguments: StoreKind.available)
    func test_expiredTrial_isInactive_readsWork_writesAre403(kind: StoreKind) async throws {
        try await withServer(kind) { server in
            let doctor = try await server.registerDoctor()
            let patient = try await server.createPatient(doctor, ["name": "Before Expiry"])
            // The trial ended a minute ago (set in the database, as time passing would).
            try await server.store.setSubscription(clinicId: doctor.id, plan: "basic", status: "trialing",
                                                   trialEndsAt: Clock.nowMillis() - 60_000, now: Clock.nowMillis())
            let me = try await server.call("GET", "/api/users/me", token: doctor.token)
            #expect(try me.object()["status"] as? String == "inactive")
            #expect(try await server.store.clinic(id: doctor.id)?.status == "inactive")
            let list = try await server.call("GET", "/api/patients", token: doctor.token)
            #expect(list.status == 200)
            #expect(try list.items().count == 1)
            let write = try await server.call("POST", "/api/patients", token: doctor.token, json: ["name": "After Expiry"])
            #expect(write.status == 403)
            #expect(try write.object()["code"] as? String == "subscription_inactive")
            let id = try #require(patient["id"] as? String)
            let note = try await server.call("POST", "/api/patients/\(id)/notes", token: doctor.token, json: ["content": "x"])
            #expect(note.status == 403)
            #expect(try await server.call("DELETE", "/api/patients/\(id)", token: doctor.token).status == 403)
        }
    }

    @Test(arguments: StoreKind.available)
    func test_cancellationTakesEffectOnTheNextRequest_notAtTokenExpiry(kind: StoreKind) async throws {
        try await withServer(kind) { server in
            let doctor = try await server.registerDoctor()
            #expect(try await server.call("POST", "/api/patients", token: doctor.token, json: ["name": "A"]).status == 201)
            try await server.store.setSubscription(clinicId: doctor.id, plan: "pro", status: "inactive", trialEndsAt: nil, now: Clock.nowMillis())
            let reply = try await server.call("POST", "/api/patients", token: doctor.token, json: ["name": "B"])
            #expect(reply.status == 403)
            #expect(try reply.object()["code"] as? String == "subscription_inactive")
        }
    }

    @Test(arguments: StoreKind.available)
    func test_sweep_marksRunOutTrialsInactive_andLeavesOthers(kind: StoreKind) async throws {
        try await withServer(kind) { server in
            let expired = try await server.registerDoctor()
            let current = try await server.registerDoctor()
            try await server.store.setSubscription(clinicId: expired.id, plan: "basic", status: "trialing",
                                                   trialEndsAt: Clock.nowMillis() - 1, now: Clock.nowMillis())
            // (On the shared PostgreSQL database another test's server may sweep first, so the
            // count is not asserted; the outcome is.)
            try await server.store.expireLapsedSubscriptions(now: Clock.nowMillis())
            #expect(try await server.store.clinic(id: expired.id)?.status == "inactive")
            #expect(try await server.store.clinic(id: current.id)?.status == "trialing")
        }
    }
}
