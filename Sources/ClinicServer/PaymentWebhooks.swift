import ClinicStore
import Crypto
import Foundation

/// Verifies a gateway's signature on the raw body and applies the event once. The local
/// checkout goes through here too, with an event it signs like Stripe.
struct PaymentWebhooks: Sendable {
    let store: ClinicStore
    let stripeSecret: String
    let razorpaySecret: String?
    /// Stripe's tolerance for the signed timestamp.
    static let tolerance: Int64 = 300

    enum Rejection: Error, Equatable {
        case missingSignature, badSignature, staleSignature, malformed
    }

    /// Stripe: `Stripe-Signature: t=<unix>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`.
    static func verifyStripe(body: [UInt8], header: String, secret: String, now: Int64) throws {
        var timestamp: Int64?
        var signatures: [String] = []
        for part in header.split(separator: ",") {
            let pair = part.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard pair.count == 2 else { continue }
            if pair[0] == "t" { timestamp = Int64(pair[1]) }
            if pair[0] == "v1" { signatures.append(pair[1].lowercased()) }
        }
        guard let timestamp, !signatures.isEmpty else { throw Rejection.badSignature }
        guard abs(now - timestamp) <= tolerance else { throw Rejection.staleSignature }
        let expected = hmacHex(secret: secret, message: Array("\(timestamp).".utf8) + body)
        guard signatures.contains(where: { constantTimeEqual($0, expected) }) else { throw Rejection.badSignature }
    }

    /// Razorpay: `X-Razorpay-Signature: <hex HMAC-SHA256(secret, body)>`.
    static func verifyRazorpay(body: [UInt8], header: String, secret: String) throws {
        guard constantTimeEqual(header.lowercased(), hmacHex(secret: secret, message: body)) else { throw Rejection.badSignature }
    }

    static func hmacHex(secret: String, message: [UInt8]) -> String {
        let code = HMAC<SHA256>.authenticationCode(for: message, using: SymmetricKey(data: Data(secret.utf8)))
        return code.map { String(format: "%02x", $0) }.joined()
    }

    static func stripeSignatureHeader(body: [UInt8], secret: String, timestamp: Int64) -> String {
        "t=\(timestamp),v1=" + hmacHex(secret: secret, message: Array("\(timestamp).".utf8) + body)
    }

    /// Compares without stopping at the first difference (no timing hint of how much matched).
    static func constantTimeEqual(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8), y = Array(b.utf8)
        guard x.count == y.count else { return false }
        var difference: UInt8 = 0
        for index in x.indices { difference |= x[index] ^ y[index] }
        return difference == 0
    }

    /// What an event does to the subscription: (plan, status), or nil to ignore it.
    static func effect(gateway: String, type: String) -> (plan: String?, status: String)? {
        switch (gateway, type) {
        case ("stripe", "checkout.session.completed"): return ("pro", "active")
        case ("stripe", "customer.subscription.deleted"), ("stripe", "invoice.payment_failed"): return (nil, "inactive")
        case ("razorpay", "payment_link.paid"), ("razorpay", "subscription.activated"), ("razorpay", "subscription.charged"):
            return ("pro", "active")
        case ("razorpay", "subscription.cancelled"), ("razorpay", "subscription.halted"), ("razorpay", "payment.failed"):
            return (nil, "inactive")
        default: return nil
        }
    }

    /// Verifies and applies; returns whether the subscription changed because of this delivery.
    func handle(body: [UInt8], stripeSignature: String?, razorpaySignature: String?, razorpayEventId: String?) async throws -> Bool {
        let now = Clock.nowMillis()
        let kind: String
        if let header = stripeSignature {
            try Self.verifyStripe(body: body, header: header, secret: stripeSecret, now: now / 1000)
            kind = "stripe"
        } else if let header = razorpaySignature, let razorpaySecret {
            try Self.verifyRazorpay(body: body, header: header, secret: razorpaySecret)
            kind = "razorpay"
        } else {
            throw Rejection.missingSignature
        }
        guard let event = try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any],
              let type = event["type"] as? String ?? event["event"] as? String
        else { throw Rejection.malformed }
        let eventId: String
        var userId: String?
        var sessionId: String?
        var customerId: String?
        if kind == "stripe" {
            guard let id = event["id"] as? String else { throw Rejection.malformed }
            eventId = "stripe:" + id
            let object = (event["data"] as? [String: Any])?["object"] as? [String: Any] ?? [:]
            // The user is named by the checkout (client_reference_id), by metadata we put on the session and the
            // subscription, or on an invoice by its subscription's metadata; failing those, by the customer.
            let subscriptionDetails = object["subscription_details"] as? [String: Any]
                ?? ((object["parent"] as? [String: Any])?["subscription_details"] as? [String: Any])
            userId = object["client_reference_id"] as? String ?? (object["metadata"] as? [String: Any])?["user_id"] as? String
                ?? (subscriptionDetails?["metadata"] as? [String: Any])?["user_id"] as? String
            customerId = object["customer"] as? String
            if type == "checkout.session.completed" { sessionId = object["id"] as? String }
        } else {
            let payload = event["payload"] as? [String: Any] ?? [:]
            var notes: [String: Any]?
            for key in ["payment_link", "subscription", "payment"] {
                if let entity = (payload[key] as? [String: Any])?["entity"] as? [String: Any], let found = entity["notes"] as? [String: Any] {
                    notes = found
                    break
                }
            }
            userId = notes?["user_id"] as? String
            guard let id = razorpayEventId ?? (event["id"] as? String) else { throw Rejection.malformed }
            eventId = "razorpay:" + id
        }
        let effect = Self.effect(gateway: kind, type: type)
        let outcome = try await store.applyPaymentEvent(eventId: eventId, gateway: kind, type: type, userId: userId, sessionId: sessionId,
                                                        customerId: customerId, plan: effect?.plan, status: effect?.status, now: now)
        RequestScope.logger.info("payment event", metadata: ["event": "\(eventId)", "type": "\(type)",
                                                             "outcome": "\(outcome)", "user_id": "\(userId ?? "-")"])
        return outcome == .applied && effect != nil
    }
}
