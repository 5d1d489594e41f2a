import Crypto
import Foundation

/// Why a delivery to the payment webhook was refused (400).
public enum WebhookRejection: Error, Equatable, Sendable {
    case missingSignature, badSignature, staleSignature, malformed
}

/// `Stripe-Signature: t=<unix seconds>,v1=<hex>[,v1=<hex>…]` as read off the wire. Only values
/// that can be what Stripe sends are kept: a timestamp of at most 12 digits (so no arithmetic on
/// it can overflow) and signatures of 64 hex digits.
public struct StripeSignatureHeader: Equatable, Sendable {
    public var timestamp: Int64
    public var signatures: [String]

    public init(timestamp: Int64, signatures: [String]) {
        self.timestamp = timestamp
        self.signatures = signatures
    }

    /// nil when the header has no usable timestamp or no v1 signature.
    public init?(parsing header: String) {
        guard header.utf8.count <= 4096 else { return nil }
        var timestamp: Int64?
        var signatures: [String] = []
        for part in header.split(separator: ",", omittingEmptySubsequences: true) {
            let pair = part.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard pair.count == 2 else { continue }
            switch pair[0] {
            case "t":
                let digits = pair[1]
                guard (1...12).contains(digits.utf8.count), digits.utf8.allSatisfy({ (48...57).contains($0) }) else { return nil }
                timestamp = Int64(digits)
            case "v1":
                let hex = pair[1].lowercased()
                if hex.utf8.count == 64, hex.utf8.allSatisfy(WebhookSignature.isHexDigit) { signatures.append(hex) }
            default:
                continue
            }
        }
        guard let timestamp, !signatures.isEmpty else { return nil }
        self.timestamp = timestamp
        self.signatures = signatures
    }
}

/// HMAC-SHA256 signatures of the payment gateways' webhooks, checked on the raw body.
public enum WebhookSignature {
    /// Stripe's tolerance for the signed timestamp, in seconds, either side of now.
    public static let stripeTolerance: Int64 = 300

    /// Stripe: HMAC-SHA256(secret, "<t>.<body>") in one of the header's v1 values, `t` within the tolerance.
    public static func verifyStripe(body: [UInt8], header: String, secret: String, now: Int64) throws {
        guard let parsed = StripeSignatureHeader(parsing: header) else { throw WebhookRejection.badSignature }
        // Compared, never subtracted: `t` comes from the network.
        guard parsed.timestamp >= now - stripeTolerance, parsed.timestamp <= now + stripeTolerance else {
            throw WebhookRejection.staleSignature
        }
        let expected = hmacHex(secret: secret, message: Array("\(parsed.timestamp).".utf8) + body)
        guard parsed.signatures.contains(where: { constantTimeEqual($0, expected) }) else { throw WebhookRejection.badSignature }
    }

    /// Razorpay: `X-Razorpay-Signature: <hex HMAC-SHA256(secret, body)>`.
    public static func verifyRazorpay(body: [UInt8], header: String, secret: String) throws {
        let given = header.trimmingCharacters(in: .whitespaces).lowercased()
        guard given.utf8.count == 64, constantTimeEqual(given, hmacHex(secret: secret, message: body)) else {
            throw WebhookRejection.badSignature
        }
    }

    public static func hmacHex(secret: String, message: [UInt8]) -> String {
        hex(HMAC<SHA256>.authenticationCode(for: message, using: SymmetricKey(data: Data(secret.utf8))))
    }

    public static func stripeHeader(body: [UInt8], secret: String, timestamp: Int64) -> String {
        "t=\(timestamp),v1=" + hmacHex(secret: secret, message: Array("\(timestamp).".utf8) + body)
    }

    /// Compares without stopping at the first difference (no timing hint of how much matched).
    public static func constantTimeEqual(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8), y = Array(b.utf8)
        guard x.count == y.count else { return false }
        var difference: UInt8 = 0
        for index in x.indices { difference |= x[index] ^ y[index] }
        return difference == 0
    }

    public static func sha256Hex(_ bytes: [UInt8]) -> String { hex(SHA256.hash(data: bytes)) }

    static func hex(_ bytes: some Sequence<UInt8>) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    static func isHexDigit(_ byte: UInt8) -> Bool { (48...57).contains(byte) || (97...102).contains(byte) }
}
