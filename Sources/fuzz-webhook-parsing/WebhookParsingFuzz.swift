import ClinicWebhooks
import Foundation
import FuzzHarness

/// The payment webhook as an attacker meets it: any `Stripe-Signature` or `X-Razorpay-Signature`
/// header and any body, before and after the signature check. Beyond "does not crash" (a header's
/// timestamp of Int64.min once stopped the server), each checks a property the server relies on.
///
/// Input: the header up to the first newline, the body after it.
enum WebhookParsingFuzz {
    static let secret = "whsec_fuzz_secret_0123456789abcdef0123"
    static let now: Int64 = 1_764_000_000

    static func run(_ input: Data) {
        let bytes = [UInt8](input)
        let split = bytes.firstIndex(of: 0x0A) ?? bytes.count
        let header = String(decoding: bytes[..<split], as: UTF8.self)
        let body = split < bytes.count ? Array(bytes[(split + 1)...]) : []

        // A header that parses holds only what Stripe could have sent.
        if let parsed = StripeSignatureHeader(parsing: header) {
            guard (0...999_999_999_999).contains(parsed.timestamp), !parsed.signatures.isEmpty,
                  parsed.signatures.allSatisfy({ $0.utf8.count == 64 })
            else { FuzzHarness.violated("parsed header out of bounds: \(parsed)", input) }
        }

        // Whatever arrives, the check answers; it accepts only the secret's own signature.
        do {
            try WebhookSignature.verifyStripe(body: body, header: header, secret: secret, now: now)
            let expected = WebhookSignature.stripeHeader(body: body, secret: secret, timestamp: StripeSignatureHeader(parsing: header)?.timestamp ?? -1)
            guard header.contains(String(expected.split(separator: "=").last ?? "")) else {
                FuzzHarness.violated("a header without the right HMAC was accepted", input)
            }
        } catch {}
        do {
            try WebhookSignature.verifyRazorpay(body: body, header: header, secret: secret)
            guard header.lowercased().contains(WebhookSignature.hmacHex(secret: secret, message: body)) else {
                FuzzHarness.violated("a Razorpay signature that is not the HMAC was accepted", input)
            }
        } catch {}

        // What we sign ourselves (the local checkout) verifies; one changed byte does not.
        let timestamp = now - Int64(bytes.first ?? 0)
        let signed = WebhookSignature.stripeHeader(body: body, secret: secret, timestamp: timestamp)
        guard (try? WebhookSignature.verifyStripe(body: body, header: signed, secret: secret, now: now)) != nil else {
            FuzzHarness.violated("our own signature did not verify", input)
        }
        guard (try? WebhookSignature.verifyStripe(body: body + [0x20], header: signed, secret: secret, now: now)) == nil else {
            FuzzHarness.violated("an altered body verified", input)
        }
        let razorpay = WebhookSignature.hmacHex(secret: secret, message: body)
        guard (try? WebhookSignature.verifyRazorpay(body: body, header: razorpay, secret: secret)) != nil,
              (try? WebhookSignature.verifyRazorpay(body: body + [0x20], header: razorpay, secret: secret)) == nil
        else { FuzzHarness.violated("Razorpay signature round trip", input) }

        // Bodies: read into an effect without trapping; a Razorpay event is never stale or from the future.
        for parse in [PaymentEvent.parseStripe, PaymentEvent.parseRazorpay] {
            guard let event = try? parse(body, now) else { continue }
            guard !event.identity.isEmpty, event.identity == (try? parse(body, now))?.identity else {
                FuzzHarness.violated("an event's identity is not stable", input)
            }
            if event.gateway == .razorpay, let created = event.createdAt,
               created < now - PaymentEvent.razorpayMaximumAge || created > now + 300 {
                FuzzHarness.violated("a stale Razorpay event was read", input)
            }
            if case .activate(let until) = event.effect, until <= 0 || until > 200_000_000_000 {
                FuzzHarness.violated("paid-until out of range: \(until)", input)
            }
        }
    }
}

@main struct WebhookParsingFuzzer {
    static func main() {
        FuzzHarness.main(WebhookParsingFuzz.run, fuzzer: { start, count in
            WebhookParsingFuzz.run(FuzzHarness.data(start, count))
            return 0
        })
    }
}
