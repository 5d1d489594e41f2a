import ClinicClient
import ClinicHTTP
import ClinicStore
import ClinicWebhooks
import Foundation
import Hummingbird
import Logging
import NIOCore
import Testing

@testable import ClinicServer

/// What a fake provider was asked.
actor RecordedRequests {
    struct Request: Sendable {
        var method: String
        var path: String
        var headers: [String: String]
        var body: String
    }
    private(set) var items: [Request] = []
    func add(_ request: Request) { items.append(request) }
}

/// A stand-in for Stripe's or Razorpay's REST API on loopback (their servers cannot be reached
/// here): it records each request and answers in the provider's wire format.
struct FakeProvider: Sendable {
    let baseURL: String
    let recorded: RecordedRequests
    let task: Task<Void, any Error>

    static func start(status: HTTPResponse.Status, json: String) async throws -> FakeProvider {
        let recorded = RecordedRequests()
        let router = Router()
        router.post("/**") { request, _ -> Response in
            let body = try await request.body.collect(upTo: 1 << 20)
            var headers: [String: String] = [:]
            for field in request.headers { headers[field.name.canonicalName.lowercased()] = field.value }
            await recorded.add(.init(method: "\(request.method)", path: request.uri.path, headers: headers, body: String(buffer: body)))
            return Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: json)))
        }
        let (ports, continuation) = AsyncStream<Int>.makeStream()
        var logger = Logger(label: "fake-provider")
        logger.logLevel = .critical
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
                              onServerRunning: { channel in
                                  continuation.yield(channel.localAddress?.port ?? 0)
                                  continuation.finish()
                              }, logger: logger)
        let task = Task { try await app.runService(gracefulShutdownSignals: []) }
        var port = 0
        for await value in ports { port = value }
        return FakeProvider(baseURL: "http://127.0.0.1:\(port)", recorded: recorded, task: task)
    }

    /// Runs `body` against a fake started for it, stopped (and its server's task awaited) whatever
    /// the body does.
    static func running<T>(status: HTTPResponse.Status, json: String, _ body: (FakeProvider) async throws -> T) async throws -> T {
        let fake = try await start(status: status, json: json)
        let result: Result<T, any Error>
        do { result = .success(try await body(fake)) } catch { result = .failure(error) }
        fake.task.cancel()
        _ = await fake.task.result
        return try result.get()
    }
}

/// Form fields of an application/x-www-form-urlencoded body.
func formFields(_ body: String) -> [String: String] {
    var fields: [String: String] = [:]
    for pair in body.split(separator: "&") {
        let parts = pair.split(separator: "=", maxSplits: 1).map { String($0).removingPercentEncoding ?? String($0) }
        if parts.count == 2 { fields[parts[0]] = parts[1] }
    }
    return fields
}

@Suite struct PaymentGatewayTests {
    static let stripeSession = #"{"id":"cs_test_a1B2c3","object":"checkout.session","mode":"subscription","url":"https://checkout.stripe.com/c/pay/cs_test_a1B2c3"}"#

    func stripe(_ base: String) -> (inout ServerConfiguration) -> Void {
        { configuration in
            configuration.paymentGateway = .stripe
            configuration.stripeSecretKey = "sk_test_clinic"
            configuration.stripePriceID = "price_pro_monthly"
            configuration.stripeAPIBase = base
            configuration.stripeWebhookSecret = PaymentTests.secret
            configuration.publicBaseURL = "https://clinic.example.org"
        }
    }

    @Test(arguments: StoreKind.available)
    func test_stripe_opensARealCheckoutSession_andItsEventsFindTheUser(kind: StoreKind) async throws {
        try await FakeProvider.running(status: .ok, json: Self.stripeSession) { fake in
            try await withServer(kind, configure: stripe(fake.baseURL)) { server in
                let doctor = try await server.registerDoctor()
                let reply = try await server.call("POST", "/api/payments/create-session", token: doctor.token, json: ["plan": "pro"])
                #expect(reply.status == 200, "\(reply.text)")
                #expect(try reply.object()["session_id"] as? String == "cs_test_a1B2c3")
                #expect(try reply.object()["checkout_url"] as? String == "https://checkout.stripe.com/c/pay/cs_test_a1B2c3")
                let sent = try #require(await fake.recorded.items.first)
                #expect(sent.path == "/v1/checkout/sessions")
                #expect(sent.headers["authorization"] == "Bearer sk_test_clinic")
                #expect(sent.headers["content-type"] == "application/x-www-form-urlencoded")
                #expect(sent.headers["idempotency-key"]?.isEmpty == false)
                let form = formFields(sent.body)
                #expect(form["mode"] == "subscription")
                #expect(form["line_items[0][price]"] == "price_pro_monthly" && form["line_items[0][quantity]"] == "1")
                #expect(form["client_reference_id"] == doctor.id && form["metadata[user_id]"] == doctor.id)
                #expect(form["subscription_data[metadata][user_id]"] == doctor.id)
                #expect(form["customer_email"] == doctor.email)
                #expect(form["success_url"] == "https://clinic.example.org/checkout/done?session_id={CHECKOUT_SESSION_ID}")
                #expect(try await server.call("GET", "/checkout/done").text.contains("Payment received"))

                // Completed: Pro, and the customer is remembered...
                let completed = try JSONSerialization.data(withJSONObject: [
                    "id": "evt_\(UUID().uuidString)", "type": "checkout.session.completed", "object": "event",
                    "data": ["object": ["id": "cs_test_a1B2c3", "object": "checkout.session", "client_reference_id": doctor.id,
                                        "customer": "cus_Clinic1", "metadata": ["user_id": doctor.id]]],
                ])
                #expect(try await PaymentTests().deliver(server, completed, signature: PaymentTests.sign(completed)).status == 200)
                #expect(try await server.call("GET", "/api/users/me", token: doctor.token).object()["plan"] as? String == "pro")
                // ...so a failed renewal that names only the customer finds the doctor.
                let failed = try JSONSerialization.data(withJSONObject: [
                    "id": "evt_\(UUID().uuidString)", "type": "invoice.payment_failed", "object": "event",
                    "data": ["object": ["id": "in_1", "object": "invoice", "customer": "cus_Clinic1"]],
                ])
                let applied = try await PaymentTests().deliver(server, failed, signature: PaymentTests.sign(failed))
                #expect(try applied.object()["applied"] as? Bool == true)
                #expect(try await server.call("GET", "/api/users/me", token: doctor.token).object()["status"] as? String == "inactive")
            }
        }
    }

    @Test(arguments: StoreKind.available)
    func test_stripeRefusal_isA502InItsWords_andUnreachableA503(kind: StoreKind) async throws {
        try await FakeProvider.running(status: .badRequest,
                                                json: #"{"error":{"message":"No such price: 'price_pro_monthly'","type":"invalid_request_error"}}"#) { fake in
            try await withServer(kind, configure: stripe(fake.baseURL)) { server in
                let doctor = try await server.registerDoctor()
                let refused = try await server.call("POST", "/api/payments/create-session", token: doctor.token, json: ["plan": "pro"])
                #expect(refused.status == 502)
                #expect(try refused.object()["code"] as? String == "gateway_error")
                #expect(try (refused.object()["detail"] as? String)?.contains("No such price") == true)
            }
            try await withServer(kind, configure: stripe("http://127.0.0.1:9")) { server in
                let doctor = try await server.registerDoctor()
                let down = try await server.call("POST", "/api/payments/create-session", token: doctor.token, json: ["plan": "pro"])
                #expect(down.status == 503)
                #expect(try down.object()["code"] as? String == "gateway_unavailable")
            }
        }
    }

    @Test(arguments: StoreKind.available)
    func test_razorpay_paymentLink_andItsPaidWebhook(kind: StoreKind) async throws {
        try await FakeProvider.running(status: .ok, json: #"{"id":"plink_Clinic1","short_url":"https://rzp.io/i/clinic1","status":"created"}"#) { fake in
            let secret = "razorpay_webhook_secret_0123456789"
            try await withServer(kind, configure: { configuration in
                configuration.paymentGateway = .razorpay
                configuration.razorpayKeyID = "rzp_test_key"
                configuration.razorpayKeySecret = "rzp_test_secret"
                configuration.razorpayAPIBase = fake.baseURL
                configuration.razorpayWebhookSecret = secret
                configuration.currency = "INR"
                configuration.proPriceMinor = 99_900
            }) { server in
                let doctor = try await server.registerDoctor()
                let reply = try await server.call("POST", "/api/payments/create-session", token: doctor.token, json: ["plan": "pro"])
                #expect(reply.status == 200, "\(reply.text)")
                #expect(try reply.object()["checkout_url"] as? String == "https://rzp.io/i/clinic1")
                let sent = try #require(await fake.recorded.items.first)
                #expect(sent.path == "/v1/payment_links")
                #expect(sent.headers["authorization"] == "Basic " + Data("rzp_test_key:rzp_test_secret".utf8).base64EncodedString())
                let body = try #require(try JSONSerialization.jsonObject(with: Data(sent.body.utf8)) as? [String: Any])
                #expect(body["amount"] as? Int == 99_900 && body["currency"] as? String == "INR")
                #expect((body["notes"] as? [String: Any])?["user_id"] as? String == doctor.id)
                let paid = try JSONSerialization.data(withJSONObject: [
                    "entity": "event", "event": "payment_link.paid", "created_at": Int(Date().timeIntervalSince1970),
                    "payload": ["payment_link": ["entity": ["id": "plink_Clinic1", "status": "paid", "notes": ["user_id": doctor.id]]]],
                ])
                let signature = WebhookSignature.hmacHex(secret: secret, message: Array(paid))
                let delivered = try await server.call("POST", "/api/webhooks/payment-status", raw: paid, contentType: "application/json",
                                                      headers: [("X-Razorpay-Signature", signature), ("X-Razorpay-Event-Id", "evt_rzp_1")])
                #expect(delivered.status == 200)
                #expect(try delivered.object()["applied"] as? Bool == true)
                #expect(try await server.call("GET", "/api/users/me", token: doctor.token).object()["plan"] as? String == "pro")
                // Pro for a paid month (and a few days' grace), not forever.
                let paidUntil = try #require(try await server.store.clinic(id: doctor.id)?.paidUntil)
                let month = Int64(34 * 86_400_000)
                #expect(abs(paidUntil - (Clock.nowMillis() + month)) < 60_000)
            }
        }
    }

    @Test func test_aGatewayWithoutItsSecrets_isRefusedAtStart() {
        #expect(throws: ConfigurationError.self) {
            try ServerConfiguration.fromEnvironment(["PAYMENT_GATEWAY": "stripe", "STRIPE_WEBHOOK_SECRET": "whsec_x"])
        }
        let refusal = #expect(throws: ConfigurationError.self) { try ServerConfiguration.fromEnvironment(["PAYMENT_GATEWAY": "razorpay"]) }
        #expect(refusal?.description == "PAYMENT_GATEWAY=razorpay needs RAZORPAY_KEY_ID, RAZORPAY_KEY_SECRET, RAZORPAY_WEBHOOK_SECRET")
    }
}

/// localstripe (PyPI): a stateful fake of Stripe's API that sends Stripe-signed webhooks. It has
/// no Checkout, but it has customers and subscriptions, and cancelling one sends the real
/// `customer.subscription.deleted` event, signed as Stripe signs it.
struct LocalStripe: Sendable {
    let process: Process
    let baseURL: String
    static let key = "sk_test_localstripe"

    static func start() async throws -> LocalStripe {
        let http = CurlHTTPClient()
        for _ in 0..<5 {
            let port = TestRandom.int(in: 20_000...59_999)
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            // localstripe keeps its state in /tmp/localstripe.pickle: it loads it at start (unless
            // --from-scratch) and rewrites it on every change. Two runs at once (the SQLite and the
            // PostgreSQL case) would share it, and a file left by another user would fail every write:
            // this one keeps its state in memory only.
            process.arguments = ["python3", "-c", """
                import sys
                import localstripe.resources as resources
                resources.Store.dump_to_disk = lambda self: None
                resources.Store.try_load_from_disk = lambda self: None
                from localstripe.server import start
                sys.argv = ["localstripe", "--from-scratch", "--port", sys.argv[1]]
                start()
                """, "\(port)"]
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            let base = "http://127.0.0.1:\(port)"
            for _ in 0..<100 where process.isRunning {
                if let reply = try? await http.send(.init(method: "GET", url: base + "/v1/customers",
                                                           headers: [("Authorization", "Bearer \(key)")])), reply.status == 200 {
                    return LocalStripe(process: process, baseURL: base)
                }
                try await Task.sleep(for: .milliseconds(100))
            }
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
        throw TestFailure("localstripe did not start: install it with `pip install localstripe` (make test does)")
    }

    func call(_ path: String, _ form: [(String, String)], method: String = "POST") async throws -> [String: Any] {
        let reply = try await CurlHTTPClient().send(.init(method: method, url: baseURL + path, headers: [
            ("Authorization", "Bearer \(Self.key)"), ("Content-Type", "application/x-www-form-urlencoded"),
        ], body: method == "DELETE" ? nil : Data(StripeCheckout.formEncode(form).utf8)))
        guard (200..<300).contains(reply.status) else {
            throw TestFailure("localstripe \(path) answered \(reply.status): \(String(decoding: reply.body, as: UTF8.self))")
        }
        // /_config answers 200 with no body.
        return reply.body.isEmpty ? [:] : (try JSONSerialization.jsonObject(with: reply.body) as? [String: Any] ?? [:])
    }

    /// SIGKILL: aiohttp may take its time over SIGTERM, and nothing of localstripe's needs keeping.
    func stop() {
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }
}

@Suite struct LocalStripeTests {
    @Test(arguments: StoreKind.available)
    func test_aSubscriptionCancelledAtStripe_endsPro_throughItsSignedWebhook(kind: StoreKind) async throws {
        let stripe = try await LocalStripe.start()
        defer { stripe.stop() }
        try await withServer(kind, configure: { configuration in
            configuration.paymentGateway = .stripe
            configuration.stripeSecretKey = LocalStripe.key
            configuration.stripePriceID = "pro-monthly"
            configuration.stripeAPIBase = stripe.baseURL
            configuration.stripeWebhookSecret = PaymentTests.secret
        }) { server in
            let doctor = try await server.registerDoctor()
            _ = try await stripe.call("/_config/webhooks/clinic", [("url", server.baseURL + "/api/webhooks/payment-status"),
                                                                   ("secret", PaymentTests.secret)])
            let token = try await stripe.call("/v1/tokens", [("card[number]", "4242424242424242"), ("card[exp_month]", "12"),
                                                             ("card[exp_year]", "2034"), ("card[cvc]", "123")])
            let customer = try await stripe.call("/v1/customers", [("email", doctor.email), ("source", token["id"] as? String ?? "")])
            let customerID = try #require(customer["id"] as? String)
            let plan = try await stripe.call("/v1/plans", [("id", "pro-monthly"), ("amount", "2900"), ("currency", "usd"), ("interval", "month"),
                                                           ("product[name]", "Clinic OS Lite Pro")])
            #expect(plan["id"] as? String == "pro-monthly")
            // The checkout (which localstripe lacks) completes for that customer: Pro, customer remembered.
            let session = try await PaymentTests.openSession(server, for: doctor)
            let completed = try JSONSerialization.data(withJSONObject: [
                "id": "evt_\(UUID().uuidString)", "type": "checkout.session.completed", "object": "event",
                "data": ["object": ["id": session, "client_reference_id": doctor.id, "customer": customerID]],
            ])
            #expect(try await PaymentTests().deliver(server, completed, signature: PaymentTests.sign(completed)).status == 200)
            #expect(try await server.call("GET", "/api/users/me", token: doctor.token).object()["status"] as? String == "active")
            let subscription = try await stripe.call("/v1/subscriptions", [("customer", customerID), ("items[0][plan]", "pro-monthly")])
            let subscriptionID = try #require(subscription["id"] as? String)
            // Cancelled at Stripe: localstripe signs and delivers customer.subscription.deleted (about a second later).
            _ = try await stripe.call("/v1/subscriptions/\(subscriptionID)", [], method: "DELETE")
            var status: String?
            for _ in 0..<100 {
                status = try await server.call("GET", "/api/users/me", token: doctor.token).object()["status"] as? String
                if status == "inactive" { break }
                try await Task.sleep(for: .milliseconds(100))
            }
            #expect(status == "inactive", "the signed cancellation from localstripe ended Pro")
        }
    }
}
