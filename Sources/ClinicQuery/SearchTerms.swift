import Foundation

/// How patient search finds names and phone numbers through an index instead of a scan.
///
/// A patient is stored with one term per folded name word (case, accents and width removed) and
/// one per suffix of the phone's digits (prefixed `#`), so that "any word prefix" and "phone digits
/// anywhere" both become range scans of `patient_terms (user_id, term)`.
public enum SearchTerms {
    public static let phonePrefix = "#"
    public static let minimumPhoneDigits = 3
    /// Above every character: `term < prefix + ceiling` bounds a prefix range (byte-wise compare).
    public static let ceiling = "\u{10FFFF}"

    public static func fold(_ text: String) -> String {
        text.folding(options: [.caseInsensitive, .diacriticInsensitive, .widthInsensitive], locale: nil).lowercased()
    }

    /// Words of a name: runs of letters, digits and their combining marks (so Devanagari vowel
    /// signs stay inside their word), each folded on its own. Split on code points before folding,
    /// so a name and a query holding the same word get the same term whatever surrounds it (the
    /// query fuzzer found folding the whole text made a mark after a line break fold differently).
    public static func words(_ text: String) -> [String] {
        var words: [String] = []
        var word = String.UnicodeScalarView()
        func finishWord() {
            guard !word.isEmpty else { return }
            let folded = fold(String(word))
            if !folded.isEmpty { words.append(folded) }
            word = String.UnicodeScalarView()
        }
        for scalar in text.unicodeScalars {
            guard isWordScalar(scalar) else { finishWord(); continue }
            // A mark with nothing to sit on (after a space, at the start) carries nothing to search by.
            if word.isEmpty && isMark(scalar) { continue }
            word.append(scalar)
        }
        finishWord()
        return words
    }

    static func isMark(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.properties.generalCategory {
        case .nonspacingMark, .spacingMark, .enclosingMark: return true
        default: return false
        }
    }

    static func isWordScalar(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter,
             .decimalNumber, .letterNumber, .otherNumber, .nonspacingMark, .spacingMark, .enclosingMark:
            return true
        default:
            return false
        }
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
