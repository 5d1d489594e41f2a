import ClinicStore
import Foundation
import Testing

@Suite struct AccountTests {
    /// The bearer token is read with the blanks around it trimmed (spaces, tabs), the scheme in any
    /// case; a token with anything else added, or none, is refused.
    @Test(arguments: StoreKind.available)
    func test_bearerToken_isTrimmed_andAnythingElseRefused(kind: StoreKind) async throws {
        try await withServer(kind) { server in
            let doctor = try await server.registerDoctor()
            for header in ["Bearer \(doctor.token)", "Bearer   \(doctor.token)  ", "bearer \(doctor.token)\t", "BEARER \t\(doctor.token)"] {
                let reply = try await server.call("GET", "/api/users/me", headers: [("Authorization", header)])
                #expect(reply.status == 200, "\(header.debugDescription): \(reply.status)")
            }
            for header in ["Bearer \(doctor.token)x", "Bearer \(doctor.token) x", "Bearer    ", "Bearer", "Basic \(doctor.token)"] {
                let reply = try await server.call("GET", "/api/users/me", headers: [("Authorization", header)])
                #expect(reply.status == 401, "\(header.debugDescription): \(reply.status)")
            }
        }
    }

    @Test(arguments: StoreKind.available)
    func test_register_startsA90DayBasicTrial_andReturnsTokens(kind: StoreKind) async throws {
        try await withServer(kind) { server in
            let reply = try await server.call("POST", "/api/users/register",
                                              json: ["username": "Dr Ana Ruiz", "email": "Ana.Ruiz@Example.org", "password": "s3cret-pass"])
            #expect(reply.status == 201)
            let body = try reply.object()
            let user = try #require(body["user"] as? [String: Any])
            #expect(user["plan"] as? String == "basic")
            #expect(user["status"] as? String == "trialing")
            #expect(body["token_type"] as? String == "bearer")
            #expect((body["expires_in"] as? Int ?? 0) > 0)
            #expect(user["password_hash"] == nil && user["hashed_password"] == nil)
            let trialEnds = try #require(ISO8601DateFormatter.flexible(user["trial_ends_at"] as? String))
            let days = trialEnds.timeIntervalSinceNow / 86_400
            #expect(days > 89.9 && days <= 90.01)
            let me = try await server.call("GET", "/api/users/me", token: body["access_token"] as? String)
            #expect(me.status == 200)
            #expect(try me.object()["email"] as? String == "Ana.Ruiz@Example.org")
        }
    }

    @Test(arguments: StoreKind.available)
    func test_emailIsUnique_caseInsensitively(kind: StoreKind) async throws {
        try await withServer(kind) { server in
            let first = try await server.call("POST", "/api/users/register", json: ["username": "A", "email": "dup@example.org", "password": "password1"])
            #expect(first.status == 201)
            let second = try await server.call("POST", "/api/users/register", json: ["username": "B", "email": "DUP@Example.ORG", "password": "password2"])
            #expect(second.status == 409)
            #expect(try second.object()["code"] as? String == "email_taken")
            // Login works with any case of the email.
            let login = try await server.form("/api/token", [("username", "Dup@example.org"), ("password", "password1")])
            #expect(login.status == 200)
        }
    }

    @Test(arguments: StoreKind.available)
    func test_login_wrongPassword_is401_andRepeatedFailuresAre429WithRetryAfter(kind: StoreKind) async throws {
        try await withServer(kind, configure: { $0.loginThrottle.pairLimit = 3 }) { server in
            let doctor = try await server.registerDoctor()
            for _ in 0..<3 {
                let reply = try await server.form("/api/token", [("username", doctor.email), ("password", "wrong password")])
                #expect(reply.status == 401)
                #expect(reply.header("www-authenticate") == "Bearer")
            }
            let throttled = try await server.form("/api/token", [("username", doctor.email), ("password", doctor.password)])
            #expect(throttled.status == 429)
            let retryAfter = try #require(Int(throttled.header("retry-after") ?? ""))
            #expect(retryAfter > 0 && retryAfter <= 900)
            #expect(throttled.isContractError)
            // Another doctor is not throttled by it.
            let other = try await server.registerDoctor()
            #expect(try await server.form("/api/token", [("username", other.email), ("password", other.password)]).status == 200)
        }
    }

    @Test(arguments: StoreKind.available)
    func test_refresh_rotates_andASpentTokenIsRefused_andRevokesItsFamily(kind: StoreKind) async throws {
        try await withServer(kind) { server in
            let doctor = try await server.registerDoctor()
            let first = try await server.call("POST", "/api/token/refresh", json: ["refresh_token": doctor.refreshToken])
            #expect(first.status == 200)
            let rotated = try #require(try first.object()["refresh_token"] as? String)
            #expect(rotated != doctor.refreshToken)
            // The spent token is refused…
            let replay = try await server.call("POST", "/api/token/refresh", json: ["refresh_token": doctor.refreshToken])
            #expect(replay.status == 401)
            // …and its replay revoked the token that replaced it (the family may be stolen).
            let afterTheft = try await server.call("POST", "/api/token/refresh", json: ["refresh_token": rotated])
            #expect(afterTheft.status == 401)
            let garbage = try await server.call("POST", "/api/token/refresh", json: ["refresh_token": "not-a-token"])
            #expect(garbage.status == 401)
        }
    }

    @Test(arguments: StoreKind.available)
    func test_refresh_usedTwiceConcurrently_succeedsOnce(kind: StoreKind) async throws {
        try await withServer(kind) { server in
            let doctor = try await server.registerDoctor()
            async let a = server.call("POST", "/api/token/refresh", json: ["refresh_token": doctor.refreshToken])
            async let b = server.call("POST", "/api/token/refresh", json: ["refresh_token": doctor.refreshToken])
            let statuses = try await [a.status, b.status].sorted()
            #expect(statuses == [200, 401])
        }
    }

    @Test(arguments: StoreKind.available)
    func test_badTokens_are401(kind: StoreKind) async throws {
        try await withServer(kind) { server in
            let doctor = try await server.registerDoctor()
            let parts = doctor.token.split(separator: ".")
            // alg: none with the same claims and no signature.
            let noneHeader = Data(#"{"alg":"none","typ":"JWT"}"#.utf8).base64URL
            let forgedNone = "\(noneHeader).\(parts[1])."
            // Same header, claims edited to another user, old signature.
            var claims = try #require(try JSONSerialization.jsonObject(with: Data(base64URL: String(parts[1])) ?? Data()) as? [String: Any])
            claims["sub"] = "000000000000000000000000"
            let tampered = "\(parts[0]).\(try JSONSerialization.data(withJSONObject: claims).base64URL).\(parts[2])"
            for token in ["", "garbage", forgedNone, tampered, String(repeating: "a", count: 5000)] {
                let reply = try await server.call("GET", "/api/users/me", token: token)
                #expect(reply.status == 401, "token \(token.prefix(20))")
                #expect(reply.isContractError)
            }
            #expect(try await server.call("GET", "/api/users/me").status == 401)
            #expect(try await server.call("GET", "/api/users/me", token: doctor.token).status == 200)
        }
    }

    @Test(arguments: StoreKind.available)
    func test_expiredAccessToken_is401(kind: StoreKind) async throws {
        try await withServer(kind, configure: { $0.accessTokenSeconds = 1 }) { server in
            let doctor = try await server.registerDoctor()
            try await Task.sleep(for: .milliseconds(2100))
            let reply = try await server.call("GET", "/api/users/me", token: doctor.token)
            #expect(reply.status == 401)
            #expect(try reply.object()["code"] as? String == "invalid_token")
        }
    }
}

extension ISO8601DateFormatter {
    static func flexible(_ text: String?) -> Date? {
        guard let text else { return nil }
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let date = formatter.date(from: text) { return date }
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.date(from: text)
    }
}

extension Data {
    var base64URL: String {
        base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    init?(base64URL: String) {
        var text = base64URL.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while text.count % 4 != 0 { text += "=" }
        self.init(base64Encoded: text)
    }
}
