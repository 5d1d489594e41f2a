import Foundation

/// How patient search finds names and phone numbers through an index instead of a scan.
///
/// A patient is stored with one term per folded name word (case, accents and width removed) and
/// one per suffix of the phone's digits (prefixed `#`), so that "any word prefix" and "phone digits
/// anywhere" both become range scans of `patient_terms (user_id, term)`.
public enum SearchTerms {
    static let phonePrefix = "#"
    static let minimumPhoneDigits = 3
    /// Above every character: `term < prefix + ceiling` bounds a prefix range (byte-wise compare).
    static let ceiling = "\u{10FFFF}"

    public static func fold(_ text: String) -> String {
        text.folding(options: [.caseInsensitive, .diacriticInsensitive, .widthInsensitive], locale: nil).lowercased()
    }

    /// Words of a name: runs of letters, digits and their combining marks (so Devanagari vowel
    /// signs stay inside their word).
    public static func words(_ text: String) -> [String] {
        fold(text).split(whereSeparator: { character in
            !(character.isLetter || character.isNumber || character.unicodeScalars.contains {
                switch $0.properties.generalCategory {
                case .nonspacingMark, .spacingMark, .enclosingMark: return true
                default: return false
                }
            })
        }).map(String.init)
    }

    public static func digits(_ text: String) -> String {
        String(text.unicodeScalars.filter { $0.properties.numericType == .decimal && $0.isASCII }.map(Character.init))
    }

    /// Every term stored for a patient.
    public static func terms(name: String, phone: String?) -> Set<String> {
        var terms = Set(words(name).map { String($0.prefix(64)) })
        let phoneDigits = digits(phone ?? "")
        if phoneDigits.count >= minimumPhoneDigits {
            var suffix = Substring(phoneDigits)
            while suffix.count >= minimumPhoneDigits {
                terms.insert(phonePrefix + suffix)
                suffix = suffix.dropFirst()
            }
        }
        return terms
    }

    /// The prefixes a query `q` must all match (one term each); nil for "no filter" (blank `q`),
    /// empty when `q` has nothing searchable in it (so nothing matches).
    public static func prefixes(query: String) -> [String]? {
        let trimmed = query.trimmingCharacters(in: .whitespacesAndNewlines)
        if trimmed.isEmpty { return nil }
        let isPhone = trimmed.allSatisfy { $0.isNumber || " +-().".contains($0) }
        if isPhone {
            let phoneDigits = digits(trimmed)
            if phoneDigits.count >= minimumPhoneDigits { return [phonePrefix + phoneDigits] }
        }
        let queryWords = words(trimmed).prefix(6).map { String($0.prefix(64)) }
        return Array(queryWords)
    }
}
