import Crypto
import Foundation

/// Invitation codes: read out over a phone or typed from a screen, so letters and digits that look
/// or sound alike (0/O, 1/l/I) are left out; twelve characters in groups of four (about 59 bits),
/// single use, stored only as a hash.
enum InvitationCode {
    static let alphabet = Array("ABCDEFGHJKMNPQRSTUVWXYZ23456789")
    static let length = 12
    /// How long an invitation stays open.
    static let lifetime: Int64 = 7 * 86_400_000

    /// One answer for a wrong, used, withdrawn, expired or other-email code: which it was is the inviter's business.
    static let refusal = "This invitation code is not valid for this email (it may be mistyped, used, withdrawn or expired): ask the clinic for a new one"

    static func make() -> String {
        var generator = SystemRandomNumberGenerator()
        let characters = (0..<length).map { _ in alphabet[Int.random(in: 0..<alphabet.count, using: &generator)] }
        return stride(from: 0, to: length, by: 4).map { String(characters[$0..<min($0 + 4, length)]) }.joined(separator: "-")
    }

    /// What was typed, as compared: upper case, without spaces or dashes; empty when it cannot be a code.
    static func normalized(_ typed: String) -> String {
        let kept = typed.uppercased().filter { !$0.isWhitespace && $0 != "-" }
        guard kept.count == length, kept.allSatisfy({ alphabet.contains($0) }) else { return "" }
        return kept
    }

    static func hash(_ normalized: String) -> String {
        SHA256.hash(data: Data("invitation\n\(normalized)".utf8)).map { String(format: "%02x", $0) }.joined()
    }
}
