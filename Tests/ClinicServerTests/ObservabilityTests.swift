import ClinicStore
import HTTPTypes
import Logging
import OpenAPIRuntime
import Foundation
import Testing

@testable import ClinicServer

@Suite struct ObservabilityTests {
    @Test(arguments: StoreKind.available)
    func test_metrics_countRequestsByRoutePattern_webhooksAndThePool(kind: StoreKind) async throws {
        try await withServer(kind) { server in
            let doctor = try await server.registerDoctor()
            for _ in 0..<3 { try await server.call("GET", "/api/patients/\(String(repeating: "a", count: 24))", token: doctor.token) }
            try await server.call("GET", "/api/patients/\(String(repeating: "b", count: 24))", token: doctor.token)
            try await server.call("POST", "/api/webhooks/payment-status", raw: Data("{}".utf8), contentType: "application/json")
            let text = try await server.call("GET", "/metrics").text
            // Ids never become labels: four requests, one series.
            let line = text.split(separator: "\n").first { $0.hasPrefix("clinic_http_requests_total") && $0.contains("status=\"404\"") }
            #expect(line?.hasSuffix(" 4") == true, "\(line ?? "no 404 series")")
            #expect(!text.contains("aaaaaaaaaaaa"), "no ids in labels")
            #expect(text.contains("clinic_http_request_duration_seconds_bucket"))
            #expect(text.contains("clinic_payment_webhook_events_total{outcome=\"rejected\"} 1"))
            #expect(text.contains("clinic_database_pool_connections{state=\"size\"}"))
        }
    }

    @Test(arguments: StoreKind.available)
    func test_metrics_needTheirToken_andAreOffOnPublicBindsWithoutOne(kind: StoreKind) async throws {
        try await withServer(kind, configure: { $0.metricsToken = "metrics-token-0123456789" }) { (server: TestServer) async throws in
            #expect(try await server.call("GET", "/metrics").status == 401)
            #expect(try await server.call("GET", "/metrics", headers: [("Authorization", "Bearer wrong-token-000000000")]).status == 401)
            #expect(try await server.call("GET", "/metrics", headers: [("Authorization", "Bearer metrics-token-0123456789")]).status == 200)
        }
        try await withServer(kind, configure: {
            $0.host = "0.0.0.0"
            $0.jwtSecret = String(repeating: "k", count: 40)
            $0.stripeWebhookSecret = "whsec_public_bind_test_0123456789abcdef"
            $0.publicBaseURL = "https://clinic.example.org"
        }) { (server: TestServer) async throws in
            #expect(try await server.call("GET", "/metrics").status == 404)
        }
    }

    @Test(arguments: StoreKind.available)
    func test_perAddressLimit_answers429WithRetryAfter_andKeepsAddressesApart(kind: StoreKind) async throws {
        try await withServer(kind, configure: {
            $0.rateLimitPerMinute = 1  // one token a minute: a slow, loaded test machine cannot refill the bucket mid-test
            $0.rateLimitLoopback = true
            $0.trustProxy = true
        }) { (server: TestServer) async throws in
            // Addresses of this run's own: on PostgreSQL the counts are shared with every test using the database.
            let address = "203.0.\(TestRandom.int(in: 0...255)).\(TestRandom.int(in: 1...254))"
            let other = "198.18.\(TestRandom.int(in: 0...255)).\(TestRandom.int(in: 1...254))"
            var statuses: [Int] = []
            for _ in 0..<20 { statuses.append(try await server.call("GET", "/api/plans", headers: [("X-Forwarded-For", address)]).status) }
            #expect(statuses.prefix(10).allSatisfy { $0 == 200 }, "a burst (at least 10) goes through")
            #expect(statuses.suffix(8).allSatisfy { $0 == 429 }, "\(statuses)")
            let refused = try await server.call("GET", "/api/plans", headers: [("X-Forwarded-For", address)])
            #expect(refused.status == 429)
            #expect((1...60).contains(Int(refused.header("retry-after") ?? "") ?? 0))
            #expect(try refused.object()["code"] as? String == "rate_limited")
            // The proxy appends the real address last: a forged first entry does not buy a new bucket.
            #expect(try await server.call("GET", "/api/plans", headers: [("X-Forwarded-For", "198.51.100.1, \(address)")]).status == 429)
            #expect(try await server.call("GET", "/api/plans", headers: [("X-Forwarded-For", other)]).status == 200)
            #expect(try await server.call("GET", "/healthz", headers: [("X-Forwarded-For", address)]).status == 200, "health checks are never limited")
            let refusedCount = statuses.filter { $0 == 429 }.count + 2
            #expect(try await server.call("GET", "/metrics").text.contains("clinic_rate_limited_requests_total \(refusedCount)"))
        }
    }

    @Test func test_limiterRefills_atItsRate() {
        let limiter = RateLimiter(perMinute: 120)  // 2 a second, bursts of 30
        let start = ContinuousClock.now
        for _ in 0..<30 { #expect(limiter.take("a", now: start) == nil) }
        #expect(limiter.take("a", now: start) == 1)
        #expect(limiter.take("a", now: start + .milliseconds(600)) == nil, "one more token after half a second")
        #expect(limiter.take("a", now: start + .milliseconds(600)) != nil)
    }
}

/// Which status a failure becomes: the client's fault is a 4xx, the database's a 503, never a 422
/// for a request that was read fine (a lost PostgreSQL connection once came back as "Request could
/// not be read", found by killing PostgreSQL under a writer).
@Suite struct FailureStatusTests {
    static func serverError(read: Bool, _ underlying: any Error) -> ServerError {
        ServerError(operationID: "createNote", request: HTTPRequest(method: .post, scheme: "http", authority: "x", path: "/api/patients/a/notes"),
                    requestBody: nil, requestMetadata: .init(), operationInput: read ? "input" : nil,
                    causeDescription: read ? "User handler threw an error." : "Unknown", underlyingError: underlying)
    }

    @Test func test_theDatabaseGone_is503WithRetryAfter_evenFromInsideAHandler() {
        let logger = Logger(label: "test")
        for error: any Error in [StoreError.unavailable("PostgreSQL connection: serverClosedConnection"),
                                 Self.serverError(read: true, StoreError.unavailable("PostgreSQL: 57P01"))] {
            let answer = ErrorMiddleware<ClinicRequestContext>.apiError(for: error, logger: logger)
            #expect(answer.status == .serviceUnavailable)
            #expect(answer.code == "database_unavailable")
            #expect(answer.headers[.retryAfter] == "2")
        }
    }

    @Test func test_aHandlerFailure_isNotBlamedOnTheRequest() {
        struct Unexpected: Error {}
        let logger = Logger(label: "test")
        #expect(ErrorMiddleware<ClinicRequestContext>.apiError(for: Self.serverError(read: true, Unexpected()), logger: logger).status == .internalServerError)
        // A request that could not be read is still the client's: 422.
        let unread = DecodingError.dataCorrupted(.init(codingPath: [], debugDescription: "bad"))
        #expect(ErrorMiddleware<ClinicRequestContext>.apiError(for: Self.serverError(read: false, unread), logger: logger).status == .unprocessableContent)
    }
}
