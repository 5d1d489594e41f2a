import Foundation

/// A verified gateway event, read into what it means for a clinic's subscription. Everything here
/// comes from the signed body (never from unsigned headers), so the identity used to apply an event
/// once is covered by the signature.
public struct PaymentEvent: Sendable, Equatable {
    public enum Gateway: String, Sendable {
        case stripe, razorpay
    }

    /// What the event does to the subscription.
    public enum Effect: Sendable, Equatable {
        /// Pro and active until the given unix second (the paid period, plus a grace of a few days).
        case activate(paidUntil: Int64)
        case deactivate
        case none
    }

    public var gateway: Gateway
    /// Applied at most once per identity: Stripe's event id; for Razorpay a hash of the signed body
    /// (its event-id header is not signed).
    public var identity: String
    public var type: String
    /// When the gateway made the event (unix seconds), when it says.
    public var createdAt: Int64?
    /// The account named by the event (client_reference_id, metadata or notes).
    public var userId: String?
    /// The checkout this server opened: a Stripe Checkout Session id or a Razorpay Payment Link id.
    public var sessionId: String?
    public var customerId: String?
    /// The provider's subscription the event is about (Stripe), so a renewal of one that has ended is not applied.
    public var subscriptionId: String?
    public var effect: Effect

    /// A paid month, and the days of grace after a period ends before a renewal must have arrived.
    public static let monthSeconds: Int64 = 31 * 86_400
    public static let graceSeconds: Int64 = 3 * 86_400
    /// Razorpay retries a failed delivery for a day; an older event is a replay.
    public static let razorpayMaximumAge: Int64 = 48 * 3600

    public init(gateway: Gateway, identity: String, type: String, createdAt: Int64? = nil, userId: String? = nil,
                sessionId: String? = nil, customerId: String? = nil, subscriptionId: String? = nil, effect: Effect) {
        self.gateway = gateway
        self.identity = identity
        self.type = type
        self.createdAt = createdAt
        self.userId = userId
        self.sessionId = sessionId
        self.customerId = customerId
        self.subscriptionId = subscriptionId
        self.effect = effect
    }

    /// A Stripe event (the local gateway's too). `now` (unix seconds) stands in for a missing `created`.
    public static func parseStripe(body: [UInt8], now: Int64) throws -> PaymentEvent {
        let event = try object(body)
        guard let id = event.string("id"), let type = event.string("type") else { throw WebhookRejection.malformed }
        let created = event.seconds("created")
        let object = event.dictionary("data")?.dictionary("object") ?? JSONObject([:])
        let subscriptionDetails = object.dictionary("subscription_details") ?? object.dictionary("parent")?.dictionary("subscription_details")
        var parsed = PaymentEvent(gateway: .stripe, identity: "stripe:" + id, type: type, createdAt: created,
                                  userId: object.string("client_reference_id") ?? object.dictionary("metadata")?.string("user_id")
                                      ?? subscriptionDetails?.dictionary("metadata")?.string("user_id"),
                                  customerId: object.string("customer"), effect: .none)
        let objectKind = object.string("object")
        parsed.subscriptionId = objectKind == "subscription" || type.hasPrefix("customer.subscription.")
            ? object.string("id") : object.string("subscription")
        let base = created ?? now
        switch type {
        case "checkout.session.completed":
            parsed.sessionId = object.string("id")
            parsed.effect = .activate(paidUntil: base + monthSeconds + graceSeconds)
        case "invoice.paid", "invoice.payment_succeeded":
            let lines = object.dictionary("lines")?.array("data") ?? []
            let end = lines.compactMap { $0.dictionary("period")?.seconds("end") }.max() ?? object.seconds("period_end")
            parsed.effect = .activate(paidUntil: (end ?? base + monthSeconds) + graceSeconds)
        case "customer.subscription.updated":
            // Only an ending is taken from here. Renewals come as invoice.paid; Stripe does not order
            // its deliveries, and a late "updated: active" must not undo a cancellation.
            let status = object.string("status")
            if status == "canceled" || status == "unpaid" || status == "incomplete_expired" { parsed.effect = .deactivate }
        case "customer.subscription.deleted", "invoice.payment_failed":
            parsed.effect = .deactivate
        default:
            break
        }
        return parsed
    }

    /// A Razorpay event. Refused when `created_at` is missing, older than two days or in the future.
    public static func parseRazorpay(body: [UInt8], now: Int64) throws -> PaymentEvent {
        let event = try object(body)
        guard let type = event.string("event") else { throw WebhookRejection.malformed }
        guard let created = event.seconds("created_at") else { throw WebhookRejection.malformed }
        guard created >= now - razorpayMaximumAge, created <= now + WebhookSignature.stripeTolerance else {
            throw WebhookRejection.staleSignature
        }
        let payload = event.dictionary("payload") ?? JSONObject([:])
        let link = payload.dictionary("payment_link")?.dictionary("entity")
        let subscription = payload.dictionary("subscription")?.dictionary("entity")
        let payment = payload.dictionary("payment")?.dictionary("entity")
        let notes = [link, subscription, payment].lazy.compactMap { $0?.dictionary("notes") }.first
        var parsed = PaymentEvent(gateway: .razorpay, identity: "razorpay:" + WebhookSignature.sha256Hex(body), type: type,
                                  createdAt: created, userId: notes?.string("user_id"),
                                  customerId: subscription?.string("customer_id") ?? payment?.string("customer_id"), effect: .none)
        switch type {
        case "payment_link.paid":
            parsed.sessionId = link?.string("id")
            parsed.effect = .activate(paidUntil: created + monthSeconds + graceSeconds)
        case "subscription.activated", "subscription.charged":
            parsed.effect = .activate(paidUntil: (subscription?.seconds("current_end") ?? created + monthSeconds) + graceSeconds)
        case "subscription.cancelled", "subscription.halted":
            parsed.effect = .deactivate
        default:
            // payment.failed among them: one declined card while paying a link must not end a trial.
            break
        }
        return parsed
    }

    static func object(_ body: [UInt8]) throws -> JSONObject {
        guard body.count <= 1 << 20,
              let value = try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any]
        else { throw WebhookRejection.malformed }
        return JSONObject(value)
    }
}

/// Typed reads of a decoded JSON object that never trap on what the network sent.
struct JSONObject {
    let values: [String: Any]

    init(_ values: [String: Any]) { self.values = values }

    func string(_ key: String) -> String? {
        guard let text = values[key] as? String, !text.isEmpty, text.utf8.count <= 256 else { return nil }
        return text
    }

    func dictionary(_ key: String) -> JSONObject? { (values[key] as? [String: Any]).map(JSONObject.init) }

    func array(_ key: String) -> [JSONObject]? { (values[key] as? [Any])?.compactMap { ($0 as? [String: Any]).map(JSONObject.init) } }

    /// A unix time in seconds: a whole number from 1 to 10^11 (year 5138), else nil.
    func seconds(_ key: String) -> Int64? {
        guard !(values[key] is Bool), let number = values[key] as? NSNumber else { return nil }
        let value = number.doubleValue
        guard value.isFinite, value >= 1, value <= 1e11, value == value.rounded() else { return nil }
        return Int64(value)
    }
}
