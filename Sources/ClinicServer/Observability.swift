import ClinicStore
import Foundation
import Hummingbird
import NIOConcurrencyHelpers
import NIOCore
import Prometheus

/// The request context: Hummingbird's basic one plus the peer's address (for per-IP limits).
struct ClinicRequestContext: RequestContext, RemoteAddressRequestContext {
    var coreContext: CoreRequestContextStorage
    let remoteAddress: SocketAddress?

    init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        remoteAddress = source.channel.remoteAddress
    }
}

/// Prometheus metrics: requests by route, method and status with their latency, webhook events
/// by outcome, rate-limited requests, and the database pool.
final class ServerMetrics: Sendable {
    let registry = PrometheusCollectorRegistry()
    static let buckets: [Duration] = [.milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10), .milliseconds(25),
                                      .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1),
                                      .seconds(2.5), .seconds(5)]

    /// Handles by label set, so a request costs one dictionary lookup under a lock rather than a
    /// registry lookup (name and label formatting) per series.
    private let requestSeries = NIOLockedValueBox<[String: (counter: Counter, histogram: DurationHistogram)]>([:])

    func request(route: String, method: String, status: Int, duration: Duration) {
        let key = "\(route) \(method) \(status)"
        let series = requestSeries.withLockedValue { cache in
            if let found = cache[key] { return found }
            let made = (
                counter: registry.makeCounter(descriptor: .init(metricName: "clinic_http_requests", unitName: "total",
                                                                helpText: "HTTP requests answered"),
                                              labels: [("route", route), ("method", method), ("status", String(status))]),
                histogram: registry.makeDurationHistogram(descriptor: .init(metricName: "clinic_http_request_duration", unitName: "seconds",
                                                                            helpText: "Time to answer, by route"),
                                                          labels: [("route", route), ("method", method)], buckets: Self.buckets))
            cache[key] = made
            return made
        }
        series.counter.increment()
        series.histogram.record(duration)
    }

    func webhook(_ outcome: String) {
        registry.makeCounter(descriptor: .init(metricName: "clinic_payment_webhook_events", unitName: "total",
                                               helpText: "Payment webhook deliveries by outcome (applied, duplicate, unknown_user, ignored, rejected)"),
                             labels: [("outcome", outcome)]).increment()
    }

    func rateLimited() {
        registry.makeCounter(descriptor: .init(metricName: "clinic_rate_limited_requests", unitName: "total",
                                               helpText: "Requests refused with 429 by the per-address limit"), labels: []).increment()
    }

    func databasePool(size: Int, inUse: Int) {
        registry.makeGauge(descriptor: .init(metricName: "clinic_database_pool_connections", unitName: "",
                                             helpText: "Database connections: the pool's size and those lent out"),
                           labels: [("state", "size")]).set(Double(size))
        registry.makeGauge(descriptor: .init(metricName: "clinic_database_pool_connections", unitName: "",
                                             helpText: "Database connections: the pool's size and those lent out"),
                           labels: [("state", "in_use")]).set(Double(inUse))
    }
}

/// Counts every answer under its route pattern (`/api/patients/{id}`, never the id itself).
struct MetricsMiddleware<Context: RequestContext>: RouterMiddleware {
    let metrics: ServerMetrics

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let started = ContinuousClock.now
        let response = try await next(request, context)
        let route = context.endpointPath ?? "unmatched"
        metrics.request(route: route, method: request.method.rawValue, status: response.status.code, duration: ContinuousClock.now - started)
        return response
    }
}

/// A limit on requests per client address: `perMinute` a minute, 429 with Retry-After past it.
/// Requests from this machine are exempt unless `includeLoopback` (local load tests are not
/// throttled); a request with forwarding headers nobody trusts never counts as local.
struct RateLimitMiddleware<Context: RequestContext & RemoteAddressRequestContext>: RouterMiddleware {
    let limiter: any RequestLimiter
    let origin: ClientOrigin
    let includeLoopback: Bool
    let metrics: ServerMetrics

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let path = request.uri.path
        guard path != "/healthz", path != "/readyz", path != "/metrics" else { return try await next(request, context) }
        let (address, isLocal) = origin.resolve(request, peer: context.remoteAddress, logger: context.logger)
        if isLocal && !includeLoopback { return try await next(request, context) }
        if let wait = await limiter.take(address) {
            metrics.rateLimited()
            var headers = HTTPFields()
            headers[.retryAfter] = String(wait)
            throw APIError(.tooManyRequests, "Too many requests from your address: try again in \(wait) s", code: "rate_limited",
                           headers: headers)
        }
        return try await next(request, context)
    }
}

/// Counts requests per address; nil when one may go on, else the seconds until it may.
protocol RequestLimiter: Sendable {
    func take(_ address: String) async -> Int?
}

/// A token bucket per address in this process's memory: `perMinute` a minute on average, bursts
/// of up to a quarter of that. Right for one process (SQLite).
final class RateLimiter: RequestLimiter, Sendable {
    struct Bucket {
        var tokens: Double
        var updated: ContinuousClock.Instant
    }
    let perSecond: Double
    let burst: Double
    private let buckets = NIOLockedValueBox<[String: Bucket]>([:])

    init(perMinute: Int) {
        perSecond = Double(perMinute) / 60
        burst = max(10, Double(perMinute) / 4)
    }

    func take(_ address: String) async -> Int? {
        take(address, now: ContinuousClock.now)
    }

    func take(_ key: String, now: ContinuousClock.Instant) -> Int? {
        buckets.withLockedValue { buckets in
            // Idle addresses are forgotten (their buckets would be full anyway).
            if buckets.count > 50_000 {
                buckets = buckets.filter { now - $0.value.updated < .seconds(120) }
            }
            var bucket = buckets[key] ?? Bucket(tokens: burst, updated: now)
            let elapsed = now - bucket.updated
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            bucket.tokens = min(burst, bucket.tokens + seconds * perSecond)
            bucket.updated = now
            defer { buckets[key] = bucket }
            if bucket.tokens >= 1 {
                bucket.tokens -= 1
                return nil
            }
            return max(1, Int(((1 - bucket.tokens) / perSecond).rounded(.up)))
        }
    }
}

/// Counts per address and minute in the database, shared by every server process on it (several
/// Cloud Run instances on one PostgreSQL): N instances do not allow N times the requests. The count
/// slides: the previous minute's weighs in by how much of it still lies within the last sixty
/// seconds, so a client cannot double its rate across a minute's boundary. As in `RateLimiter`, a
/// burst of ten is always allowed. If the database cannot count, the request goes on (the limit is
/// a guard, not a reason to refuse care).
struct SharedRateLimiter: RequestLimiter {
    let store: ClinicStore
    let perMinute: Int

    func take(_ address: String) async -> Int? {
        let now = Clock.nowMillis()
        let windowStart = now - now % 60_000
        let key = AuthService.sha256("rate\n" + address)
        guard let counts = try? await store.countRequest(addressKey: key, windowStart: windowStart) else { return nil }
        let elapsed = Double(now - windowStart) / 60_000
        let estimate = Double(counts.previous) * (1 - elapsed) + Double(counts.current)
        guard estimate > Double(max(perMinute, 10)) else { return nil }
        return max(1, Int((windowStart + 60_000 - now + 999) / 1000))
    }
}
