import ClinicStore
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

    @Test func test_metrics_needTheirToken_andAreOffOnPublicBindsWithoutOne() async throws {
        try await withServer(.sqlite, configure: { $0.metricsToken = "metrics-token-0123456789" }) { (server: TestServer) async throws in
            #expect(try await server.call("GET", "/metrics").status == 401)
            #expect(try await server.call("GET", "/metrics", headers: [("Authorization", "Bearer wrong-token-000000000")]).status == 401)
            #expect(try await server.call("GET", "/metrics", headers: [("Authorization", "Bearer metrics-token-0123456789")]).status == 200)
        }
        try await withServer(.sqlite, configure: {
            $0.host = "0.0.0.0"
            $0.jwtSecret = String(repeating: "k", count: 40)
            $0.stripeWebhookSecret = "whsec_public_bind_test"
        }) { (server: TestServer) async throws in
            #expect(try await server.call("GET", "/metrics").status == 404)
        }
    }

    @Test func test_perAddressLimit_answers429WithRetryAfter_andKeepsAddressesApart() async throws {
        try await withServer(.sqlite, configure: {
            $0.rateLimitPerMinute = 1  // one token a minute: a slow, loaded test machine cannot refill the bucket mid-test
            $0.rateLimitLoopback = true
            $0.trustProxy = true
        }) { (server: TestServer) async throws in
            var statuses: [Int] = []
            for _ in 0..<20 { statuses.append(try await server.call("GET", "/api/plans", headers: [("X-Forwarded-For", "203.0.113.9")]).status) }
            #expect(statuses.prefix(10).allSatisfy { $0 == 200 }, "a burst (at least 10) goes through")
            #expect(statuses.suffix(8).allSatisfy { $0 == 429 }, "\(statuses)")
            let refused = try await server.call("GET", "/api/plans", headers: [("X-Forwarded-For", "203.0.113.9")])
            #expect(refused.status == 429)
            #expect((1...60).contains(Int(refused.header("retry-after") ?? "") ?? 0))
            #expect(try refused.object()["code"] as? String == "rate_limited")
            // The proxy appends the real address last: a forged first entry does not buy a new bucket.
            #expect(try await server.call("GET", "/api/plans", headers: [("X-Forwarded-For", "198.51.100.1, 203.0.113.9")]).status == 429)
            #expect(try await server.call("GET", "/api/plans", headers: [("X-Forwarded-For", "203.0.113.10")]).status == 200)
            #expect(try await server.call("GET", "/healthz", headers: [("X-Forwarded-For", "203.0.113.9")]).status == 200, "health checks are never limited")
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
