import ClinicAPI
@testable import ClinicClient
import Foundation
import Testing

/// The client must work against a FastAPI server that honours the contract: 24-hex ids, naive or
/// fractional timestamps, `{"detail": "…"}` without `code`, FastAPI's 422 list, extra fields.
@Suite struct FastAPICompatibilityTests {
    static let user = #"{"id":"65f1a2b3c4d5e6f708192a3b","username":"Dr Staging","email":"s@example.org","plan":"basic","status":"trialing","trial_ends_at":"2027-01-01T00:00:00.000000","created_at":"2026-10-01T09:30:00","extra_field":{"nested":true}}"#
    static let token = #"{"user":\#(user),"access_token":"a.b.c","refresh_token":"r1","token_type":"bearer","expires_in":1800}"#

    @Test func test_fastAPIShapes_decode() async throws {
        let patients = #"{"items":[{"id":"65f1a2b3c4d5e6f708192a3c","name":"Ravi Iyer","phone_number":null,"address":null,"notes":null,"date_of_birth":null,"sex":null,"created_at":"2026-11-24T10:00:00","updated_at":"2026-11-24T10:00:00.123456","user_id":"65f1a2b3c4d5e6f708192a3b"}],"next_cursor":null}"#
        let fake = try FakeServer(routes: ["/api/token": .respond(status: 200, body: Self.token),
                                           "/api/patients": .respond(status: 200, body: patients)])
        defer { fake.stop() }
        let client = makeClient("http://127.0.0.1:\(fake.port)")
        let user = try await client.login(email: "s@example.org", password: "password1")
        #expect(user.id == "65f1a2b3c4d5e6f708192a3b")
        #expect(user.trialEndsAt != nil)
        let page = try await client.patients(query: "ravi", cursor: nil)
        #expect(page.items.first?.name == "Ravi Iyer")
        #expect(fake.requests.contains { $0.hasPrefix("GET /api/patients?") && $0.contains("q=ravi") })
    }

    @Test func test_fastAPIErrors_detailOnly_and422List() async throws {
        let fake = try FakeServer(routes: [
            "/api/token": .respond(status: 401, body: #"{"detail":"Incorrect username or password"}"#, headers: ["WWW-Authenticate": "Bearer"]),
            "/api/users/register": .respond(status: 422, body: #"{"detail":[{"loc":["body","email"],"msg":"value is not a valid email address","type":"value_error.email"}]}"#),
        ])
        defer { fake.stop() }
        let client = makeClient("http://127.0.0.1:\(fake.port)")
        let login = await failure { _ = try await client.login(email: "x@y.z", password: "password1") }
        #expect(login?.message == "Incorrect username or password" && login?.code == nil && login?.status == 401, "\(String(describing: login))")
        let register = await failure { _ = try await client.register(name: "A", email: "bad", password: "password1") }
        #expect(register?.status == 422)
        #expect(register?.fieldErrors["email"] == "value is not a valid email address")
    }

    @Test func test_serverErrors_slowAnswers_andDroppedConnections() async throws {
        let fake = try FakeServer(routes: [
            "/api/token": .respond(status: 200, body: Self.token),
            "/api/patients": .respond(status: 503, body: "<html>Service Unavailable</html>"),
            "/api/plans": .respond(status: 503, body: #"{"detail":"Payment gateway unreachable","code":"gateway_unavailable"}"#),
            "/api/users/me": .delay(seconds: 3, then: 200, body: Self.user),
            "/api/patients/65f1a2b3c4d5e6f708192a3c/notes": .drop,
        ])
        defer { fake.stop() }
        let client = makeClient("http://127.0.0.1:\(fake.port)", timeout: .seconds(1))
        _ = try await client.login(email: "s@example.org", password: "password1")
        let unavailable = await failure { _ = try await client.patients(query: "", cursor: nil) }
        // A proxy's page while the server restarts counts as no answer (saves are kept and retried)…
        #expect(unavailable?.status == 503 && unavailable?.kind == .unreachable)
        // …the application's own 503 (with the contract's body) is an error to show.
        let gateway = await failure { _ = try await client.plans() }
        #expect(gateway?.status == 503 && gateway?.kind == .rejected && gateway?.message == "Payment gateway unreachable")
        let slow = await failure { _ = try await client.currentUser() }
        #expect(slow?.kind == .unreachable)
        let dropped = await failure { _ = try await client.notes(patientID: "65f1a2b3c4d5e6f708192a3c", cursor: nil) }
        #expect(dropped?.kind == .unreachable)
    }

    @Test func test_cancellation_abortsTheTransfer() async throws {
        let fake = try FakeServer(routes: ["/api/token": .delay(seconds: 8, then: 200, body: Self.token)])
        defer { fake.stop() }
        let client = makeClient("http://127.0.0.1:\(fake.port)")
        let started = ContinuousClock.now
        let task = Task { await failure { _ = try await client.login(email: "s@example.org", password: "password1") } }
        try await Task.sleep(for: .milliseconds(300))
        task.cancel()
        let result = await task.value
        #expect(result?.kind == .cancelled)
        // libcurl sees the abort in its progress callback (about once a second; later on a loaded machine).
        #expect(ContinuousClock.now - started < .seconds(6))
    }
}

@Suite struct ErrorWordsTests {
    @Test func test_errorAnswersWithoutADetail_stillHaveWords() {
        // uvicorn's plain-text 500, a proxy's HTML page, an empty body, a detail that is only an escape.
        #expect(FailureMiddleware.failure(status: 500, body: Data("Internal Server Error".utf8), retryAfter: nil).message
                == "Internal Server Error (500)")
        #expect(FailureMiddleware.failure(status: 500, body: Data("<html><body>oops</body></html>".utf8), retryAfter: nil).message
                == "The server failed (500)")
        #expect(FailureMiddleware.failure(status: 404, body: Data(), retryAfter: nil).message == "Not found (404)")
        #expect(FailureMiddleware.failure(status: 400, body: Data(#"{"detail":"\u001b[2J"}"#.utf8), retryAfter: nil).message
                == "The server did not accept the request (400)")
        #expect(FailureMiddleware.failure(status: 429, body: Data(), retryAfter: "7").message == "Too many requests (retry in 7 s)")
    }
}
