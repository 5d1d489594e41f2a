import ClinicStore
import ClinicWebhooks
import Foundation

/// Verifies a gateway's signature on the raw body and applies the event once. The local
/// checkout goes through here too, with an event it signs like Stripe.
struct PaymentWebhooks: Sendable {
    let store: ClinicStore
    /// nil on a server that takes no Stripe-format events (Razorpay, or no gateway, without STRIPE_WEBHOOK_SECRET).
    let stripeSecret: String?
    let razorpaySecret: String?

    /// Verifies and applies; returns whether the subscription changed because of this delivery.
    func handle(body: [UInt8], stripeSignature: String?, razorpaySignature: String?) async throws -> Bool {
        let now = Clock.nowMillis()
        let event: PaymentEvent
        if let header = stripeSignature {
            // A server with no Stripe-format secret has nothing a Stripe signature could match.
            guard let stripeSecret else { throw WebhookRejection.badSignature }
            try WebhookSignature.verifyStripe(body: body, header: header, secret: stripeSecret, now: now / 1000)
            event = try PaymentEvent.parseStripe(body: body, now: now / 1000)
        } else if let header = razorpaySignature, let razorpaySecret {
            try WebhookSignature.verifyRazorpay(body: body, header: header, secret: razorpaySecret)
            event = try PaymentEvent.parseRazorpay(body: body, now: now / 1000)
        } else {
            throw WebhookRejection.missingSignature
        }
        let change: SubscriptionChange = switch event.effect {
        case .activate(let paidUntil): .activate(paidUntil: paidUntil * 1000)
        case .deactivate: .deactivate
        case .none: .none
        }
        let outcome = try await store.applyPaymentEvent(
            PaymentEventRecord(eventId: event.identity, gateway: event.gateway.rawValue, type: event.type, userId: event.userId,
                               sessionId: event.sessionId, customerId: event.customerId, subscriptionId: event.subscriptionId,
                               createdAt: event.createdAt.map { $0 * 1000 }, change: change),
            now: now)
        RequestScope.logger.info("payment event", metadata: ["event": "\(event.identity)", "type": "\(event.type)",
                                                             "outcome": "\(outcome)", "user_id": "\(event.userId ?? "-")"])
        return outcome == .applied && change != .none
    }
}
