import ClinicStore
import ClinicWebhooks
import Foundation
import Testing

@testable import ClinicServer
import HummingbirdBcrypt

/// What the README and the contract claim and no test exercised before (issue 16's list).
@Suite struct ClaimTests {
    // The sign-in throttle's defaults: five failures per (email, address) in fifteen minutes, then a
    // wait until the window closes; a right password starts the count over. Time moves by hand.
    @Test(arguments: StoreKind.available)
    func test_throttleDefaults_fiveIn15Minutes_thenItOpens_andASuccessResets(kind: StoreKind) async throws {
        try await withServer(kind) { server in
            let policy = LoginThrottlePolicy()
            #expect(policy.pairLimit == 5 && policy.pairWindow == 15 * 60_000)
            let keys = LoginThrottleKeys(email: "claims-\(UUID().uuidString)@example.org", address: "192.0.2.77")
            let start = Clock.nowMillis()
            func reserve(at time: Int64) async throws -> Int64? {
                try await server.store.reserveLoginAttempt(pairKey: keys.pair, emailKey: keys.email, fromKnownAddress: true, policy: policy, now: time)
            }
            for minute in 0..<5 { #expect(try await reserve(at: start + Int64(minute) * 60_000) == nil, "try \(minute + 1)") }
            let wait = try #require(try await reserve(at: start + 5 * 60_000))
            #expect(wait == 10 * 60_000, "until the window that opened at the first failure closes")
            #expect(try await reserve(at: start + 15 * 60_000 - 1) != nil)
            #expect(try await reserve(at: start + 15 * 60_000) == nil, "a new window")
            for _ in 0..<4 { _ = try await reserve(at: start + 16 * 60_000) }
            try await server.store.loginSucceeded(pairKey: keys.pair, emailKey: keys.email, knownAddressKey: keys.knownAddress, now: start + 16 * 60_000)
            for _ in 0..<5 { #expect(try await reserve(at: start + 16 * 60_000) == nil, "a success starts the count over") }
        }
    }

    // The rate limit from the environment, 0 turning it off, X-Forwarded-For ignored without TRUST_PROXY.
    @Test func test_rateLimit_fromTheEnvironment() throws {
        #expect(try ServerConfiguration.fromEnvironment(["RATE_LIMIT_PER_MINUTE": "30"]).rateLimitPerMinute == 30)
        #expect(try ServerConfiguration.fromEnvironment(["RATE_LIMIT_PER_MINUTE": "0"]).rateLimitPerMinute == 0)
        #expect(throws: ConfigurationError.self) { try ServerConfiguration.fromEnvironment(["RATE_LIMIT_PER_MINUTE": "-1"]) }
        #expect(throws: ConfigurationError.self) { try ServerConfiguration.fromEnvironment(["RATE_LIMIT_PER_MINUTE": "lots"]) }
        #expect(try ServerConfiguration.fromEnvironment([:]).rateLimitPerMinute == 1200)
        // METRICS_TOKEN: 16 characters at least.
        #expect(throws: ConfigurationError.self) { try ServerConfiguration.fromEnvironment(["METRICS_TOKEN": "fifteen-chars-x"]) }
        #expect(try ServerConfiguration.fromEnvironment(["METRICS_TOKEN": "sixteen-chars-xx"]).metricsToken == "sixteen-chars-xx")
    }

    @Test(arguments: StoreKind.available)
    func test_aLimitOfZero_turnsItOff(kind: StoreKind) async throws {
        // More requests than the default limit's burst (1,200 a minute: 300 at once), so that 0 read
        // as "the default" would show; the control is the same run with a limit, which refuses some.
        for (limit, refusesSome) in [(0, false), (40, true)] {
            try await withServer(kind, configure: { $0.rateLimitPerMinute = limit; $0.trustProxy = true }) { server in
                let address = "198.19.\(TestRandom.int(in: 0...255)).\(TestRandom.int(in: 1...254))"
                var statuses = Set<Int>()
                for _ in 0..<400 { statuses.insert(try await server.call("GET", "/api/plans", headers: [("X-Forwarded-For", address)]).status) }
                #expect(statuses == (refusesSome ? [200, 429] : [200]), "limit \(limit)")
            }
        }
    }

    @Test(arguments: StoreKind.available)
    func test_xForwardedFor_isNotTrusted_withoutTrustProxy(kind: StoreKind) async throws {
        // Without TRUST_PROXY the address is the peer's, whatever the header says: changing the header buys no new bucket.
        try await withServer(kind, configure: { $0.rateLimitPerMinute = 1; $0.rateLimitLoopback = true }) { server in
            var statuses: [Int] = []
            for index in 0..<20 {
                statuses.append(try await server.call("GET", "/api/plans", headers: [("X-Forwarded-For", "203.0.113.\(index + 1)")]).status)
            }
            #expect(statuses.contains(429), "\(statuses)")
        }
    }

    // The CLI's create-user (an owner founds a clinic; a member joins one).
    @Test(arguments: StoreKind.available)
    func test_createUser_foundsAClinic_orJoinsOne(kind: StoreKind) async throws {
        try await withServer(kind) { server in
            var configuration = ServerConfiguration()
            configuration.bcryptCost = 4
            let email = "cli-\(UUID().uuidString.prefix(8))@example.org"
            let owner = try await ClinicAdmin.ensureAccount(store: server.store, configuration: configuration, username: "Dr CLI",
                                                            email: email, password: "cli-password")
            #expect(owner.user.role == .owner && owner.clinic.id == owner.user.id)
            let clinic = try await ClinicAdmin.clinicId(named: email, store: server.store)
            let desk = try await ClinicAdmin.ensureAccount(store: server.store, configuration: configuration, username: "CLI Desk",
                                                           email: "desk-" + email, password: "cli-password", role: .frontDesk, clinicId: clinic)
            #expect(desk.clinic.id == owner.clinic.id && desk.user.role == .frontDesk)
            // Signing in works for both.
            for account in [email, "desk-" + email] {
                #expect(try await server.form("/api/token", [("username", account), ("password", "cli-password")]).status == 200)
            }
            await #expect(throws: ConfigurationError.self) {
                try await ClinicAdmin.ensureAccount(store: server.store, configuration: configuration, username: "x", email: email, password: "wrong-password")
            }
            await #expect(throws: ConfigurationError.self) {
                try await ClinicAdmin.ensureAccount(store: server.store, configuration: configuration, username: "x",
                                                    email: "nobody-\(email)", password: "cli-password", role: .doctor)
            }
        }
    }

    // clinic-server local's sign-in for clinic: a session without a password check (the password is
    // the server's own file's), which works like any other and is in the audit log as from "local";
    // an operator's ensureAccount still checks the password.
    @Test(arguments: StoreKind.available)
    func test_theLocalSession_worksLikeASignIn_andIsAudited(kind: StoreKind) async throws {
        try await withServer(kind) { server in
            var configuration = ServerConfiguration(dataDirectory: server.directory)
            configuration.bcryptCost = 4
            let email = "local-\(UUID().uuidString.prefix(8))@example.org"
            _ = try await ClinicAdmin.ensureAccount(store: server.store, configuration: configuration, username: "Dr Local", email: email,
                                                    password: "local-password")
            await #expect(throws: ConfigurationError.self) {
                try await ClinicAdmin.ensureAccount(store: server.store, configuration: configuration, username: "Dr Local", email: email,
                                                    password: "another-password")
            }
            let caller = try await ClinicAdmin.ensureAccount(store: server.store, configuration: configuration, username: "Dr Local",
                                                             email: email, password: "another-password", trustExisting: true)
            let session = try await ClinicServerApp.localSession(for: caller, server: server.running, configuration: configuration)
            let me = try await server.call("GET", "/api/users/me", token: session.accessToken)
            #expect(try me.status == 200 && (me.object()["email"] as? String) == email)
            let refreshed = try await server.call("POST", "/api/token/refresh", json: ["refresh_token": session.refreshToken])
            #expect(refreshed.status == 200, "the refresh token is a real one")
            let events = try await server.store.auditEvents(clinicId: caller.clinic.id, filter: AuditFilter(action: "signin.success"),
                                                            limit: 5, after: nil)
            let local = events.items.map(\.entry).filter { $0.actorId == caller.user.id && $0.ip == "local" && $0.status == 200 }
            #expect(local.count == 1)
        }
    }

    // The embedded default's account: made on first start and signed in from then on without a
    // password check, but only that account. An account registered under the same email by someone
    // else (a server sharing the database) is not signed in for the doctor: the start refuses.
    @Test(arguments: StoreKind.available)
    func test_theLocalAccount_isOnlyTheOneThisServerMade(kind: StoreKind) async throws {
        try await withServer(kind) { server in
            var configuration = ServerConfiguration(dataDirectory: server.directory + "/local-\(UUID().uuidString.prefix(6))")
            configuration.bcryptCost = 4
            let first = try await ClinicServerApp.localAccountSession(server: server.running, configuration: configuration, demo: false)
            let again = try await ClinicServerApp.localAccountSession(server: server.running, configuration: configuration, demo: false)
            #expect(first.user.id == again.user.id && first.user.email == "doctor@clinic.local")
            let file = try #require(FileManager.default.contents(atPath: configuration.dataDirectory + "/local-account.json"))
            #expect(try JSONDecoder().decode(LocalAccount.self, from: file).userId == first.user.id)
            // Another data directory's account file (a fresh start) meets a row it did not make.
            var other = configuration
            other.dataDirectory = server.directory + "/other-\(UUID().uuidString.prefix(6))"
            await #expect(throws: ConfigurationError.self) {
                try await ClinicServerApp.localAccountSession(server: server.running, configuration: other, demo: false)
            }
        }
    }

    // The decoy an unknown email is checked against is a real bcrypt hash at the server's cost: no
    // password matches it, and checking it takes as long as checking an account's (a malformed one
    // would be refused at once and tell an attacker which emails exist). Compared as a ratio, with
    // a thousandfold margin between a parse failure and a bcrypt.
    @Test func test_theLoginDecoy_costsWhatARealHashCosts() {
        let cost: UInt8 = 10
        let decoy = AuthService.decoy(cost: cost)
        #expect(decoy.hasPrefix("$2b$10$") && decoy.count == 60)
        #expect(!Bcrypt.verify("decoy-password-never-used", hash: decoy) && !Bcrypt.verify("", hash: decoy))
        let real = Bcrypt.hash("a password", cost: cost)
        // Interleaved rounds, the fastest of each kind: a load spike on a shared machine slows one
        // round, not the minimum (the suite runs in parallel).
        func seconds(_ hash: String) -> Double {
            let start = DispatchTime.now().uptimeNanoseconds
            _ = Bcrypt.verify("a wrong password", hash: hash)
            return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        }
        var decoyTime = Double.infinity, realTime = Double.infinity, malformed = Double.infinity
        for _ in 0..<6 {
            decoyTime = min(decoyTime, seconds(decoy))
            realTime = min(realTime, seconds(real))
            malformed = min(malformed, seconds("$2b$10$short"))
        }
        #expect(decoyTime > realTime / 3, "decoy \(decoyTime) s, real \(realTime) s")
        #expect(malformed < realTime / 100, "the comparison can tell a parse failure from a bcrypt: \(malformed) s")
    }

    // JPEG uploads, and the download link's lifetime (five minutes, then refused).
    @Test(arguments: StoreKind.available)
    func test_jpegUploads_andDownloadLinksLastFiveMinutes(kind: StoreKind) async throws {
        try await withServer(kind) { server in
            let (doctor, patient) = try await DocumentTests().proDoctor(server)
            let jpeg: [UInt8] = [0xFF, 0xD8, 0xFF, 0xE0] + Array(repeating: 0x11, count: 300)
            let upload = try await DocumentTests().upload(server, doctor, patient: patient, jpeg, name: "xray.JPG", type: "image/jpeg")
            #expect(try upload.status == 201 && (try upload.object()["content_type"] as? String) == "image/jpeg")
            let id = try #require(try upload.object()["id"] as? String)
            let before = Date()
            let link = try await server.call("GET", "/api/documents/\(id)/download-url", token: doctor.token).object()
            let after = Date()
            let expires = try #require((link["expires_at"] as? String).flatMap(ISO8601DateFormatter().date(from:)))
            // Bounded by the request's own start and end, so a loaded machine's slow answer cannot fail it
            // (the expiry is written in whole seconds, hence the second of slack).
            #expect(expires.timeIntervalSince(before) >= 299 && expires.timeIntervalSince(after) <= 301, "five minutes")
            let url = try #require(link["url"] as? String)
            #expect(try await server.call("GET", String(url.dropFirst(server.baseURL.count))).status == 200)
            // The same link with its time in the past (re-signed, so only the time is wrong) is refused.
            let key = try #require(URLComponents(string: url)?.path.split(separator: "/").last.map(String.init))
            let past = Int64(Date().timeIntervalSince1970) - 1
            let secret = ClinicServerApp.derivedKey(try ServerConfiguration(dataDirectory: server.directory).resolveJWTSecret(), purpose: "file links")
            let expired = "/files/\(key)?expires=\(past)&signature=\(LocalFileStorage.signature(key: key, expires: past, secret: secret))"
            #expect(try await server.call("GET", expired).status == 403)
        }
    }

    // A document delete by a clinic that is not Pro.
    @Test(arguments: StoreKind.available)
    func test_documentDelete_needsPro(kind: StoreKind) async throws {
        try await withServer(kind) { server in
            let (doctor, patient) = try await DocumentTests().proDoctor(server)
            let id = try #require(try await DocumentTests().upload(server, doctor, patient: patient, DocumentTests.pdf).object()["id"] as? String)
            try await server.store.setSubscription(clinicId: doctor.id, plan: "basic", status: "active", trialEndsAt: nil, now: Clock.nowMillis())
            let refused = try await server.call("DELETE", "/api/documents/\(id)", token: doctor.token)
            #expect(try refused.status == 403 && (try refused.object()["code"] as? String) == "pro_required")
            try await server.makePro(doctor)
            #expect(try await server.call("GET", "/api/patients/\(patient)/documents", token: doctor.token).items().count == 1, "still there")
        }
    }

    // An inactive clinic on every write.
    @Test(arguments: StoreKind.available)
    func test_anInactiveClinic_canWriteNothing(kind: StoreKind) async throws {
        try await withServer(kind) { server in
            let doctor = try await server.registerDoctor()
            let patient = try #require(try await server.createPatient(doctor, ["name": "Read Only"])["id"] as? String)
            let note = try #require(try await server.call("POST", "/api/patients/\(patient)/notes", token: doctor.token, json: ["content": "v1"])
                .object()["id"] as? String)
            let appointment = try #require(try await server.call("POST", "/api/appointments", token: doctor.token, json: [
                "patient_id": patient, "starts_at": "2031-01-06T09:00:00Z", "ends_at": "2031-01-06T09:30:00Z"]).object()["id"] as? String)
            try await server.store.setSubscription(clinicId: doctor.id, plan: "basic", status: "inactive", trialEndsAt: nil, now: Clock.nowMillis())
            let writes: [(String, String, [String: Any]?)] = [
                ("POST", "/api/patients", ["name": "New"]),
                ("PATCH", "/api/patients/\(patient)", ["name": "Renamed"]),
                ("DELETE", "/api/patients/\(patient)", nil),
                ("POST", "/api/patients/\(patient)/notes", ["content": "x"]),
                ("PATCH", "/api/patients/\(patient)/notes/\(note)", ["content": "v2"]),
                ("DELETE", "/api/patients/\(patient)/notes/\(note)", nil),
                ("POST", "/api/appointments", ["patient_id": patient, "starts_at": "2031-01-07T09:00:00Z", "ends_at": "2031-01-07T09:30:00Z"]),
                ("PATCH", "/api/appointments/\(appointment)", ["status": "completed"]),
                ("DELETE", "/api/appointments/\(appointment)", nil),
                ("POST", "/api/clinic/invitations", ["email": "x-\(UUID().uuidString.prefix(6))@example.org", "role": "front_desk"]),
                ("PATCH", "/api/clinic", ["name": "Renamed Clinic"]),
            ]
            for (method, path, body) in writes {
                let reply = try await server.call(method, path, token: doctor.token, json: body)
                #expect(try reply.status == 403 && (try reply.object()["code"] as? String) == "subscription_inactive", "\(method) \(path): \(reply.status)")
            }
            // Nothing changed, and reading still works.
            #expect(try await server.call("GET", "/api/patients/\(patient)", token: doctor.token).object()["name"] as? String == "Read Only")
            #expect(try await server.call("GET", "/api/patients/\(patient)/notes", token: doctor.token).items().first?["version"] as? Int == 1)
            #expect(try await server.call("GET", "/api/appointments/\(appointment)", token: doctor.token).object()["status"] as? String == "scheduled")
        }
    }

    // Analytics: appointments by week and month in a time zone, and a clinic with two doctors counts both.
    @Test(arguments: StoreKind.available)
    func test_appointmentAnalytics_weeksAndMonthsInAZone_andBothDoctorsCount(kind: StoreKind) async throws {
        try await withServer(kind) { server in
            let owner = try await server.registerDoctor()
            try await server.makePro(owner)
            let second = try await server.invite(owner, role: "doctor")
            let patient = try #require(try await server.createPatient(owner, ["name": "Counted"])["id"] as? String)
            // Monday 2031-03-03 and Sunday 2031-03-09 23:30 in Auckland (UTC+13): the Sunday one is still week 1 there.
            for (doctor, start, status) in [(owner, "2031-03-02T21:00:00Z", "completed"), (second, "2031-03-02T21:00:00Z", "no_show"),
                                            (second, "2031-03-09T10:30:00Z", "completed"), (owner, "2031-03-09T11:30:00Z", "cancelled")] {
                let booked = try await server.call("POST", "/api/appointments", token: doctor.token, json: [
                    "patient_id": patient, "starts_at": start, "ends_at": start.replacingOccurrences(of: ":00:00Z", with: ":20:00Z")
                        .replacingOccurrences(of: ":30:00Z", with: ":50:00Z")])
                let id = try #require(try booked.object()["id"] as? String, "\(booked.text)")
                #expect(try await server.call("PATCH", "/api/appointments/\(id)", token: doctor.token, json: ["status": status]).status == 200)
            }
            let weeks = try await server.call("GET", "/api/analytics/appointments?interval=week&from=2031-03-03T00:00:00Z&to=2031-03-16T00:00:00Z&tz=Pacific/Auckland",
                                              token: owner.token).object()["points"] as? [[String: Any]]
            let first = try #require(weeks?.first)
            #expect(first["period_start"] as? String == "2031-03-02T11:00:00Z", "Monday 00:00 in Auckland")
            #expect(first["completed"] as? Int == 2 && first["no_show"] as? Int == 1, "both doctors' appointments count: \(first)")
            // 11:30Z on the 9th is 00:30 on Monday the 10th in Auckland: the second week.
            #expect(weeks?.dropFirst().first?["completed"] as? Int == 0 && weeks?.dropFirst().first?["cancelled"] as? Int == 1)
            let months = try await server.call("GET", "/api/analytics/appointments?interval=month&from=2031-03-01T00:00:00Z&to=2031-04-30T00:00:00Z&tz=Pacific/Auckland",
                                               token: owner.token).object()["points"] as? [[String: Any]]
            #expect(months?.count == 2)
            #expect(months?.first?["completed"] as? Int == 2 && months?.first?["no_show"] as? Int == 1 && months?.first?["cancelled"] as? Int == 1)
        }
    }

    // Razorpay: a bad signature over HTTP. The event is one that would make the clinic Pro if it
    // were believed (fresh, for a payment link this server made, for that clinic), so only the
    // signature check stands between it and a free upgrade; the same body signed rightly does it.
    @Test(arguments: StoreKind.available)
    func test_razorpay_badSignature_isA400(kind: StoreKind) async throws {
        let secret = "razorpay_webhook_secret_0123456789abcdef"
        try await withServer(kind, configure: { $0.razorpayWebhookSecret = secret }) { server in
            let doctor = try await server.registerDoctor()
            _ = try await server.store.createPaymentSession(clinicId: doctor.id, plan: "pro", gateway: "razorpay", id: "plink_BAD", now: Clock.nowMillis())
            let body = try JSONSerialization.data(withJSONObject: [
                "entity": "event", "event": "payment_link.paid", "created_at": Int(Date().timeIntervalSince1970),
                "payload": ["payment_link": ["entity": ["id": "plink_BAD", "notes": ["user_id": doctor.id]]]],
            ], options: [.sortedKeys])
            let rightly = WebhookSignature.hmacHex(secret: secret, message: Array(body))
            let otherSecret = WebhookSignature.hmacHex(secret: secret + "x", message: Array(body))
            let flipped = String(rightly.dropLast()) + (rightly.hasSuffix("0") ? "1" : "0")
            for signature in [String(repeating: "0", count: 64), otherSecret, flipped, rightly.uppercased() + "00", "not-hex", ""] {
                let reply = try await server.call("POST", "/api/webhooks/payment-status", raw: body, contentType: "application/json",
                                                  headers: [("X-Razorpay-Signature", signature)])
                #expect(reply.status == 400, "\(signature)")
                #expect(try await server.store.clinic(id: doctor.id)?.plan == "basic", "upgraded by a bad signature: \(signature)")
            }
            let missing = try await server.call("POST", "/api/webhooks/payment-status", raw: body, contentType: "application/json")
            #expect(missing.status == 400)
            #expect(try await server.store.clinic(id: doctor.id)?.plan == "basic")
            // The control: the same event rightly signed is believed.
            let signed = try await server.call("POST", "/api/webhooks/payment-status", raw: body, contentType: "application/json",
                                               headers: [("X-Razorpay-Signature", rightly)])
            #expect(signed.status == 200)
            #expect(try await server.store.clinic(id: doctor.id)?.plan == "pro")
        }
    }
}

extension ServerConfiguration {
    init(dataDirectory: String) {
        self.init()
        self.dataDirectory = dataDirectory
    }
}
