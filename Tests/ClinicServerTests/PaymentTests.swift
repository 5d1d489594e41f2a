import ClinicStore
import ClinicWebhooks
import Crypto
import Foundation
import Testing

@testable import ClinicServer

@Suite struct PaymentTests {
    static let secret = "whsec_test_secret_for_clinic_os_lite_0123"

    static func stripeEvent(id: String, type: String, userId: String, session: String) -> Data {
        let event: [String: Any] = ["id": id, "type": type, "object": "event", "created": Int(Date().timeIntervalSince1970),
                                    "data": ["object": ["id": session, "client_reference_id": userId, "metadata": ["user_id": userId]]]]
        return try! JSONSerialization.data(withJSONObject: event)
    }

    /// A Stripe checkout this server opened for the doctor (as create-session records it).
    static func openSession(_ server: TestServer, for doctor: Doctor) async throws -> String {
        let id = "cs_test_" + UUID().uuidString.replacingOccurrences(of: "-", with: "")
        _ = try await server.store.createPaymentSession(clinicId: doctor.id, plan: "pro", gateway: "stripe", id: id, now: Clock.nowMillis())
        return id
    }

    static func sign(_ body: Data, at timestamp: Int64 = Int64(Date().timeIntervalSince1970), secret: String = secret) -> String {
        WebhookSignature.stripeHeader(body: Array(body), secret: secret, timestamp: timestamp)
    }

    func deliver(_ server: TestServer, _ body: Data, signature: String?) async throws -> Reply {
        try await server.call("POST", "/api/webhooks/payment-status", raw: body, contentType: "application/json",
                              headers: signature.map { [("Stripe-Signature", $0)] } ?? [])
    }

    @Test(arguments: StoreKind.available)
    func test_stripeSignature_rightWrongMissingStaleAltered(kind: StoreKind) async throws {
        try await withServer(kind, configure: { $0.stripeWebhookSecret = Self.secret }) { server in
            let doctor = try await server.registerDoctor()
            let body = Self.stripeEvent(id: "evt_\(UUID().uuidString)", type: "checkout.session.completed", userId: doctor.id,
                                        session: try await Self.openSession(server, for: doctor))
            var altered = body
            altered[altered.count / 2] ^= 0x01
            let now = Int64(Date().timeIntervalSince1970)
            for (name, payload, signature) in [("missing", body, nil as String?), ("wrong secret", body, Self.sign(body, secret: "whsec_other")),
                                               ("stale", body, Self.sign(body, at: now - 400)), ("future", body, Self.sign(body, at: now + 400)),
                                               ("altered body", altered, Self.sign(body)), ("garbage header", body, "v1=abc")] {
                let reply = try await deliver(server, payload, signature: signature)
                #expect(reply.status == 400, "\(name)")
                #expect(reply.isContractError, "\(name)")
            }
            #expect(try await server.store.clinic(id: doctor.id)?.plan == "basic", "nothing changed")
            let good = try await deliver(server, body, signature: Self.sign(body))
            #expect(good.status == 200)
            #expect(try good.object()["applied"] as? Bool == true)
            let clinic = try await server.store.clinic(id: doctor.id)
            #expect(clinic?.plan == "pro" && clinic?.status == "active" && clinic?.trialEndsAt == nil)
            // The very next request sees Pro.
            #expect(try await server.call("GET", "/api/analytics/patient-growth", token: doctor.token).status == 200)
            // A replay of the same event changes nothing (and is still a 200).
            let replay = try await deliver(server, body, signature: Self.sign(body))
            let replayApplied = try replay.object()["applied"] as? Bool
            #expect(replay.status == 200 && replayApplied == false)
        }
    }

    @Test(arguments: StoreKind.available)
    func test_cancellationEvents_makeInactive_unknownTypesAndUsersAreIgnored(kind: StoreKind) async throws {
        try await withServer(kind, configure: { $0.stripeWebhookSecret = Self.secret }) { server in
            let doctor = try await server.registerDoctor()
            let session = try await Self.openSession(server, for: doctor)
            for (type, expected) in [("checkout.session.completed", "active"), ("customer.subscription.updated", "active"),
                                     ("invoice.payment_failed", "inactive")] {
                let body = Self.stripeEvent(id: "evt_\(UUID().uuidString)", type: type, userId: doctor.id, session: session)
                #expect(try await deliver(server, body, signature: Self.sign(body)).status == 200)
                #expect(try await server.store.clinic(id: doctor.id)?.status == expected, "\(type)")
            }
            let stranger = Self.stripeEvent(id: "evt_\(UUID().uuidString)", type: "checkout.session.completed", userId: "ffffffffffffffffffffffff",
                                            session: "cs_test_unknown")
            let reply = try await deliver(server, stranger, signature: Self.sign(stranger))
            let strangerApplied = try reply.object()["applied"] as? Bool
            #expect(reply.status == 200 && strangerApplied == false)
        }
    }

    /// Providers deliver in any order: an older event than the last applied changes nothing, nor
    /// does the renewal invoice of a subscription whose end was already applied.
    @Test(arguments: StoreKind.available)
    func test_eventsOutOfOrder_doNotUndoANewerChange(kind: StoreKind) async throws {
        try await withServer(kind, configure: { $0.stripeWebhookSecret = Self.secret }) { server in
            let doctor = try await server.registerDoctor()
            let session = try await Self.openSession(server, for: doctor)
            let now = Int(Date().timeIntervalSince1970)
            func event(_ type: String, created: Int, object: [String: Any]) throws -> Data {
                try JSONSerialization.data(withJSONObject: ["id": "evt_\(UUID().uuidString)", "type": type, "created": created,
                                                            "data": ["object": object]])
            }
            func deliver(_ body: Data) async throws { #expect(try await Self().deliver(server, body, signature: Self.sign(body)).status == 200) }
            try await deliver(try event("checkout.session.completed", created: now - 100,
                                        object: ["id": session, "client_reference_id": doctor.id, "customer": "cus_order"]))
            // The cancellation (newer), then a failed invoice made before it arriving late: still inactive, and…
            try await deliver(try event("customer.subscription.deleted", created: now, object: ["id": "sub_order", "object": "subscription",
                                                                                                  "customer": "cus_order"]))
            #expect(try await server.store.clinic(id: doctor.id)?.status == "inactive")
            // …the subscription's own renewal invoice, delivered after its end, does not bring it back.
            try await deliver(try event("invoice.paid", created: now, object: ["object": "invoice", "customer": "cus_order", "subscription": "sub_order",
                                                                               "lines": ["data": [["period": ["end": now + 30 * 86_400]]]]]))
            #expect(try await server.store.clinic(id: doctor.id)?.status == "inactive")
            // An event older than the last change applied (an invoice paid before the cancellation) changes nothing.
            try await deliver(try event("invoice.paid", created: now - 50, object: ["object": "invoice", "customer": "cus_order",
                                                                                    "subscription": "sub_other"]))
            #expect(try await server.store.clinic(id: doctor.id)?.status == "inactive")
            // A newer renewal of another subscription of the customer's does.
            try await deliver(try event("invoice.paid", created: now + 10, object: ["object": "invoice", "customer": "cus_order",
                                                                                    "subscription": "sub_new"]))
            #expect(try await server.store.clinic(id: doctor.id)?.status == "active")
        }
    }

    @Test(arguments: StoreKind.available)
    func test_sameEventDeliveredTwiceConcurrently_isAppliedOnce(kind: StoreKind) async throws {
        try await withServer(kind, configure: { $0.stripeWebhookSecret = Self.secret }) { server in
            let doctor = try await server.registerDoctor()
            let id = "evt_\(UUID().uuidString)"
            let body = Self.stripeEvent(id: id, type: "checkout.session.completed", userId: doctor.id,
                                        session: try await Self.openSession(server, for: doctor))
            async let first = deliver(server, body, signature: Self.sign(body))
            async let second = deliver(server, body, signature: Self.sign(body))
            let replies = try await [first, second]
            #expect(replies.allSatisfy { $0.status == 200 })
            let applied = try replies.filter { try $0.object()["applied"] as? Bool == true }
            #expect(applied.count == 1)
            let rows = try await server.store.database.query("SELECT COUNT(*) AS n FROM payment_events WHERE event_id = $1", [.text("stripe:" + id)])
            #expect(try rows.first?.int("n") == 1)
        }
    }

    @Test(arguments: StoreKind.available)
    func test_localCheckout_fromSessionToPro_withoutLeavingTheMachine(kind: StoreKind) async throws {
        try await withServer(kind) { server in
            let doctor = try await server.registerDoctor()
            let plans = try await server.call("GET", "/api/plans")
            #expect(plans.status == 200)
            let created = try await server.call("POST", "/api/payments/create-session", token: doctor.token, json: ["plan": "pro"])
            #expect(created.status == 200)
            let checkoutURL = try #require(try created.object()["checkout_url"] as? String)
            #expect(checkoutURL.hasPrefix(server.baseURL + "/checkout/cs_local_"))
            let path = String(checkoutURL.dropFirst(server.baseURL.count))
            let page = try await server.call("GET", path)
            #expect(page.status == 200 && page.text.contains("Confirm payment") && !page.text.contains("<script"))
            let confirmed = try await server.call("POST", path + "/confirm")
            #expect(confirmed.status == 200 && confirmed.text.contains("Pro is active"))
            let me = try await server.call("GET", "/api/users/me", token: doctor.token).object()
            #expect(me["plan"] as? String == "pro" && me["status"] as? String == "active")
            // Confirming again, or paying again, does nothing more.
            #expect(try await server.call("POST", path + "/confirm").status == 200)
            #expect(try await server.call("POST", "/api/payments/create-session", token: doctor.token, json: ["plan": "pro"]).status == 409)
            #expect(try await server.call("GET", "/checkout/cs_local_doesnotexist").status == 404)
            #expect(try await server.call("POST", "/api/payments/create-session", token: doctor.token, json: ["plan": "gold"]).status == 422)
        }
    }

    @Test func test_razorpaySignature() throws {
        let body = Array(#"{"event":"payment_link.paid"}"#.utf8)
        let good = WebhookSignature.hmacHex(secret: "rzp_secret", message: body)
        try WebhookSignature.verifyRazorpay(body: body, header: good, secret: "rzp_secret")
        #expect(throws: WebhookRejection.self) { try WebhookSignature.verifyRazorpay(body: body + [0x20], header: good, secret: "rzp_secret") }
        // HMAC-SHA256 test vector (RFC 4231, case 2).
        #expect(WebhookSignature.hmacHex(secret: "Jefe", message: Array("what do ya want for nothing?".utf8))
                == "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
    }
}

@Suite struct AnalyticsTests {
    @Test(arguments: StoreKind.available)
    func test_planGating_onEveryProRoute(kind: StoreKind) async throws {
        try await withServer(kind) { server in
            let doctor = try await server.registerDoctor()
            for (plan, status, allowed) in [("basic", "trialing", false), ("basic", "active", false), ("pro", "inactive", false), ("pro", "active", true)] {
                try await server.store.setSubscription(clinicId: doctor.id, plan: plan, status: status, trialEndsAt: nil, now: Clock.nowMillis())
                for path in ["/api/analytics/patient-growth", "/api/analytics/appointments?interval=week"] {
                    let reply = try await server.call("GET", path, token: doctor.token)
                    #expect(reply.status == (allowed ? 200 : 403), "\(plan)/\(status) \(path)")
                    if !allowed { #expect(try reply.object()["code"] as? String == "pro_required") }
                }
            }
        }
    }

    static func date(_ text: String) -> Int64 { Clock.millis(ISO8601DateFormatter.flexible(text)!) }

    @Test(arguments: StoreKind.available)
    func test_zeroFill_DST_monthEnds_andLeapDay(kind: StoreKind) async throws {
        try await withServer(kind) { server in
            let doctor = try await server.registerDoctor()
            try await server.store.setSubscription(clinicId: doctor.id, plan: "pro", status: "active", trialEndsAt: nil, now: Clock.nowMillis())
            let created = ["2026-10-20T10:00:00Z", "2026-10-24T23:30:00Z", "2026-10-25T22:30:00Z", "2028-02-29T12:00:00Z", "2028-03-01T00:00:00Z"]
            _ = try await server.store.importPatients(clinicId: doctor.id, created.map { (PatientFields(name: "P \($0)"), Self.date($0)) })
            // Berlin leaves summer time on 25 October 2026: that day has 25 hours.
            let days = try await server.call("GET", "/api/analytics/patient-growth?interval=day&from=2026-10-23T22:00:00Z&to=2026-10-26T23:00:00Z&tz=Europe/Berlin", token: doctor.token)
            #expect(days.status == 200)
            let points = try #require(try days.object()["points"] as? [[String: Any]])
            #expect(points.map { $0["period_start"] as? String } == ["2026-10-23T22:00:00Z", "2026-10-24T22:00:00Z", "2026-10-25T23:00:00Z"])
            // 23:30Z on the 24th is 01:30 on the 25th in Berlin; 22:30Z on the 25th is 23:30 on the 25th.
            #expect(points.map { $0["new_patients"] as? Int } == [0, 2, 0])
            #expect(points.map { $0["total_patients"] as? Int } == [1, 3, 3])
            let months = try await server.call("GET", "/api/analytics/patient-growth?interval=month&from=2028-01-15T00:00:00Z&to=2028-03-31T00:00:00Z", token: doctor.token)
            let monthPoints = try #require(try months.object()["points"] as? [[String: Any]])
            #expect(monthPoints.map { $0["period_start"] as? String } == ["2028-01-01T00:00:00Z", "2028-02-01T00:00:00Z", "2028-03-01T00:00:00Z"])
            #expect(monthPoints.map { $0["new_patients"] as? Int } == [0, 1, 1])
            let weeks = try await server.call("GET", "/api/analytics/appointments?interval=week&from=2026-11-04T00:00:00Z&to=2026-11-20T00:00:00Z", token: doctor.token)
            let weekPoints = try #require(try weeks.object()["points"] as? [[String: Any]])
            #expect(weekPoints.first?["period_start"] as? String == "2026-11-02T00:00:00Z", "weeks start on Monday")
            #expect(weekPoints.allSatisfy { $0["scheduled"] as? Int == 0 && $0["no_show"] as? Int == 0 })
            #expect(try await server.call("GET", "/api/analytics/patient-growth?interval=day&from=2025-01-01T00:00:00Z&to=2026-06-01T00:00:00Z", token: doctor.token).status == 422)
            #expect(try await server.call("GET", "/api/analytics/patient-growth?tz=Mars/Olympus", token: doctor.token).status == 422)
        }
    }

    @Test(arguments: StoreKind.available)
    func test_appointmentOutcomes_countByStatus(kind: StoreKind) async throws {
        try await withServer(kind) { server in
            let doctor = try await server.registerDoctor()
            try await server.store.setSubscription(clinicId: doctor.id, plan: "pro", status: "active", trialEndsAt: nil, now: Clock.nowMillis())
            let pid = try #require(try await server.createPatient(doctor, ["name": "Counted"])["id"] as? String)
            for (start, status) in [("2030-01-07T09:00:00Z", "completed"), ("2030-01-07T10:00:00Z", "no_show"),
                                    ("2030-01-08T09:00:00Z", "cancelled"), ("2030-01-08T09:00:00Z", "scheduled")] {
                let end = start.replacingOccurrences(of: ":00:00Z", with: ":30:00Z")
                #expect(try await server.call("POST", "/api/appointments", token: doctor.token,
                                              json: ["patient_id": pid, "starts_at": start, "ends_at": end, "status": status]).status == 201)
            }
            let reply = try await server.call("GET", "/api/analytics/appointments?interval=day&from=2030-01-07T00:00:00Z&to=2030-01-09T00:00:00Z", token: doctor.token)
            let points = try #require(try reply.object()["points"] as? [[String: Any]])
            #expect(points.count == 2)
            #expect(points[0]["completed"] as? Int == 1 && points[0]["no_show"] as? Int == 1 && points[0]["scheduled"] as? Int == 0)
            #expect(points[1]["cancelled"] as? Int == 1 && points[1]["scheduled"] as? Int == 1)
        }
    }
}
