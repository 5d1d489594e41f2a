import ClinicHTTP
import ClinicAPI
import ClinicStore
import ClinicWebhooks
import Foundation
import Hummingbird
import HummingbirdCore
import Logging
import NIOConcurrencyHelpers
import NIOCore
import OpenAPIHummingbird
import OpenAPIRuntime
import ServiceLifecycle

/// Builds and runs the server: the executable, the tests and the terminal client's embedded
/// mode all start it through here.
public enum ClinicServerApp {
    /// The Hummingbird application for an opened store.
    public static func buildApplication(
        configuration: ServerConfiguration, store: ClinicStore, logger: Logger,
        onServerRunning: @escaping @Sendable (any Channel) async -> Void = { _ in }
    ) async throws -> some ApplicationProtocol {
        try configuration.checkPublicBind()
        let secret = try configuration.resolveJWTSecret()
        let auth = await AuthService.make(store: store, configuration: configuration, secret: secret)
        let router = Router(context: ClinicRequestContext.self)
        let metrics = ServerMetrics()
        let origin = ClientOrigin(trustProxy: configuration.trustProxy)
        router.add(middleware: AccessLogMiddleware())
        router.add(middleware: MetricsMiddleware(metrics: metrics))
        router.add(middleware: SecurityHeadersMiddleware())
        if !configuration.corsAllowedOrigins.isEmpty {
            router.add(middleware: CORSAllowListMiddleware(allowed: Set(configuration.corsAllowedOrigins)))
        }
        router.add(middleware: ErrorMiddleware())
        router.add(middleware: RequestScopeMiddleware(origin: origin))
        if configuration.rateLimitPerMinute > 0 {
            // Several processes on one PostgreSQL (Cloud Run instances) share the count; SQLite is one process.
            let limiter: any RequestLimiter = store.database.dialect == .postgres
                ? SharedRateLimiter(store: store, perMinute: configuration.rateLimitPerMinute)
                : RateLimiter(perMinute: configuration.rateLimitPerMinute)
            router.add(middleware: RateLimitMiddleware(limiter: limiter, origin: origin, includeLoopback: configuration.rateLimitLoopback,
                                                       metrics: metrics))
        }
        router.add(middleware: AuthenticationMiddleware(auth: auth))
        router.add(middleware: BodyLimitMiddleware(maximumBytes: 1 << 20, streamedUploadBytes: 20 * 1024 * 1024 + 64 * 1024))
        // Stripe, and the local checkout that signs like Stripe, need the Stripe-format secret (on
        // loopback one is made and kept); a Razorpay server (or one with no gateway) takes Stripe
        // events only if STRIPE_WEBHOOK_SECRET is set, and must start without it.
        let stripeSecret: String?
        switch configuration.effectivePaymentGateway {
        case .stripe, .local:
            stripeSecret = try configuration.resolveStripeWebhookSecret()
        case .razorpay, nil:
            stripeSecret = configuration.stripeWebhookSecret
        }
        let webhooks = PaymentWebhooks(store: store, stripeSecret: stripeSecret, razorpaySecret: configuration.razorpayWebhookSecret)
        // File links are signed with a key of their own, derived from the server's secret: a leaked
        // link key cannot sign access tokens, nor the other way round.
        let storage = LocalFileStorage(root: try configuration.resolvedStorageDirectory(), secret: Self.derivedKey(secret, purpose: "file links"))
        var documents: any DocumentStorage = storage
        if let bucket = configuration.gcsBucket {
            guard let path = configuration.googleCredentialsPath else {
                throw ConfigurationError("STORAGE_URL=gs://… needs GOOGLE_APPLICATION_CREDENTIALS (a service account key file)")
            }
            documents = GoogleCloudStorage(bucket: bucket, endpoint: configuration.gcsEndpoint, account: try ServiceAccount.load(path: path),
                                           stagingDirectory: try configuration.resolvedStorageDirectory())
        }
        if !configuration.auditReads {
            logger.warning("reads of patients' records are NOT audited (CLINIC_BENCHMARK_WITHOUT_READ_AUDIT: benchmarks only)")
        }
        let gatewayKind = configuration.effectivePaymentGateway
        if gatewayKind == .local && !configuration.isLoopback {
            logger.warning("PAYMENT_GATEWAY=local on a public bind: anyone signed in can make their clinic Pro without paying (a staging demo only)")
        } else if gatewayKind == nil {
            logger.notice("no payment gateway on \(configuration.host): upgrades answer 503 until PAYMENT_GATEWAY is set")
        }
        let boundPort = NIOLockedValueBox<Int?>(nil)
        let handler = ClinicAPIHandler(store: store, auth: auth, configuration: configuration, webhooks: webhooks, storage: documents,
                                       gatewayKind: gatewayKind, gateway: try makeGateway(configuration), metrics: metrics,
                                       boundPort: boundPort)
        if configuration.patientListFastPath {
            router.add(middleware: PatientListFastPath(handler: handler))
        }
        try handler.registerHandlers(on: router, serverURL: Servers.Server1.url(), configuration: .clinic,
                                     middlewares: [ExplicitNullsMiddleware(), RoleRuleMiddleware(handler: handler), DeclaredPartTypeMiddleware()])
        let files = SignedFileRoute(store: store, storage: storage)
        router.get("/files/:key") { request, context in
            try await files.response(key: context.parameters.get("key") ?? "", expires: request.uri.queryParameters.get("expires"),
                                     signature: request.uri.queryParameters.get("signature"), range: request.headers[.range])
        }
        // Prometheus: behind a token; without one only on a loopback bind, and then only to requests
        // that did not come through a proxy (behind a local proxy every client looks local).
        if configuration.metricsToken != nil || configuration.isLoopback {
            let token = configuration.metricsToken
            router.get("/metrics") { request, _ -> Response in
                if let token {
                    let given = request.headers[.authorization] ?? ""
                    guard WebhookSignature.constantTimeEqual(given, "Bearer " + token) else {
                        throw APIError(.unauthorized, "A metrics token is required", code: "unauthorized")
                    }
                } else if ClientOrigin.isForwarded(request) {
                    throw APIError(.unauthorized, "Behind a proxy /metrics needs METRICS_TOKEN", code: "unauthorized")
                }
                metrics.databasePool(size: store.poolUsage.size, inUse: store.poolUsage.inUse)
                var headers = HTTPFields()
                headers[.contentType] = "text/plain; version=0.0.4; charset=utf-8"
                return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: metrics.registry.emitToBuffer())))
            }
        }
        // Where Stripe and Razorpay send the doctor back after paying (or not): plain pages, no data.
        router.get("/checkout/done") { _, _ in
            Self.page("Payment received", "Thank you. Clinic OS Lite turns Pro as soon as the payment provider confirms it (a few seconds); "
                + "your terminal unlocks by itself. You can close this page.")
        }
        router.get("/checkout/cancelled") { _, _ in
            Self.page("Payment not made", "Nothing was charged. You can start the upgrade again from Clinic OS Lite at any time.")
        }
        // Slow clients: a connection that sends no complete request (headers included) for 30 s is
        // closed, a request body must keep coming (16 KiB each such period), headers are capped at
        // 32 KiB, and a client that stops reading is dropped after 60 s.
        let http1 = HTTP1Channel.Configuration(
            additionalChannelHandlers: [ConnectionGuard(stallLimit: .seconds(60), bodyWindow: .seconds(Int64(configuration.idleTimeoutSeconds)))],
            idleTimeout: .seconds(Int64(configuration.idleTimeoutSeconds)),
            httpDecoderConfiguration: .init(maxHeaderFieldSize: 8 * 1024, maxHeaderListSize: 32 * 1024, maxHeaderFieldCount: 100))
        return Application(
            router: router,
            server: .http1(configuration: http1),
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: nil),
            onServerRunning: { channel in
                boundPort.withLockedValue { $0 = channel.localAddress?.port }
                await onServerRunning(channel)
            },
            logger: logger)
    }

    /// A key for one purpose derived from the server's secret (HMAC-SHA256 of the purpose).
    static func derivedKey(_ secret: String, purpose: String) -> String {
        WebhookSignature.hmacHex(secret: secret, message: Array("clinic-os-lite \(purpose)".utf8))
    }

    static func makeGateway(_ configuration: ServerConfiguration) throws -> (any PaymentGateway)? {
        try configuration.checkGateway()
        var options = CurlHTTPClient.Options()
        options.timeout = .seconds(20)
        switch configuration.effectivePaymentGateway {
        case .stripe:
            return StripeCheckout(apiBase: configuration.stripeAPIBase, secretKey: configuration.stripeSecretKey ?? "",
                                  priceID: configuration.stripePriceID ?? "", http: CurlHTTPClient(options: options))
        case .razorpay:
            return RazorpayPaymentLinks(apiBase: configuration.razorpayAPIBase, keyID: configuration.razorpayKeyID ?? "",
                                        keySecret: configuration.razorpayKeySecret ?? "", amountMinor: configuration.proPriceMinor,
                                        currency: configuration.currency, http: CurlHTTPClient(options: options))
        case .local, nil:
            return nil
        }
    }

    static func page(_ title: String, _ text: String) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "text/html; charset=utf-8"
        let html = "<!doctype html><meta charset=utf-8><title>\(title)</title><h1>\(title)</h1><p>\(text)</p>"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: html)))
    }

    /// Starts the server in this process and returns once it listens (port 0 picks a free one).
    public static func start(configuration: ServerConfiguration, logger: Logger) async throws -> RunningServer {
        let store = try await ClinicStore.open(url: configuration.resolvedDatabaseURL, logger: logger)
        let (ports, portContinuation) = AsyncStream<Int>.makeStream()
        let app: any ApplicationProtocol
        do {
            app = try await buildApplication(configuration: configuration, store: store, logger: logger) { channel in
                portContinuation.yield(channel.localAddress?.port ?? configuration.port)
                portContinuation.finish()
            }
        } catch {
            await store.close()
            throw error
        }
        let sweeper = TrialSweeper(store: store, interval: .seconds(configuration.trialSweepSeconds), policy: configuration.loginThrottle, logger: logger)
        let group = ServiceGroup(configuration: .init(services: [app, sweeper], gracefulShutdownSignals: [], logger: logger))
        let task = Task {
            defer { portContinuation.finish() }
            try await group.run()
        }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next() else {
            try await task.value
            await store.close()
            throw ConfigurationError("the server stopped before it listened on \(configuration.host):\(configuration.port)")
        }
        return RunningServer(host: configuration.host, port: port, store: store, group: group, task: task)
    }

    /// Runs until SIGTERM or SIGINT, then finishes in-flight requests and closes the database.
    /// `onListening` is told the port once the server listens (port 0 picks a free one).
    public static func run(configuration: ServerConfiguration, logger: Logger,
                           onListening: @escaping @Sendable (Int) -> Void = { _ in }) async throws {
        let store = try await ClinicStore.open(url: configuration.resolvedDatabaseURL, logger: logger)
        do {
            let app = try await buildApplication(configuration: configuration, store: store, logger: logger) { channel in
                logger.info("listening", metadata: ["address": "\(channel.localAddress?.description ?? "?")",
                                                    "database": "\(store.database.dialect.rawValue)"])
                onListening(channel.localAddress?.port ?? configuration.port)
            }
            let sweeper = TrialSweeper(store: store, interval: .seconds(configuration.trialSweepSeconds), policy: configuration.loginThrottle, logger: logger)
            var groupConfiguration = ServiceGroupConfiguration(services: [app, sweeper], gracefulShutdownSignals: [.sigterm, .sigint],
                                                               logger: logger)
            // In-flight requests get 8 s to finish (Cloud Run kills at 10 s); then they are cancelled.
            // (A PostgreSQL query stuck after the database crashed once held SIGTERM: see InFlightQueries.)
            groupConfiguration.maximumGracefulShutdownDuration = .seconds(8)
            let group = ServiceGroup(configuration: groupConfiguration)
            try await group.run()
        } catch {
            await store.close()
            throw error
        }
        await store.close()
    }
}

/// A server started in this process.
public struct RunningServer: Sendable {
    public let host: String
    public let port: Int
    public let store: ClinicStore
    let group: ServiceGroup
    let task: Task<Void, any Error>

    public var baseURL: String { "http://\(host.contains(":") ? "[\(host)]" : host):\(port)" }

    public func stop() async {
        await group.triggerGracefulShutdown()
        _ = try? await task.value
        await store.close()
    }
}

/// Turns run-out trials `inactive` in the database every so often, so reports and other
/// readers of the table see the truth even for doctors who have not been back.
struct TrialSweeper: Service {
    let store: ClinicStore
    let interval: Duration
    let policy: LoginThrottlePolicy
    let logger: Logger

    func run() async throws {
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            do {
                let expired = try await store.expireLapsedSubscriptions(now: Clock.nowMillis())
                if expired > 0 { logger.info("trials expired", metadata: ["count": "\(expired)"]) }
                try await store.sweepThrottles(policy: policy, now: Clock.nowMillis())
            } catch {
                logger.warning("trial sweep failed", metadata: ["error_type": "\(String(reflecting: type(of: error)))"])
            }
            try? await gracefulShutdownSleep(interval)
        }
    }

    private func gracefulShutdownSleep(_ duration: Duration) async throws {
        try await cancelWhenGracefulShutdown {
            try await Task.sleep(for: duration)
        }
    }
}
