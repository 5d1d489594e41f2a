import ClinicAPI
import ClinicQuery
import Foundation
import FuzzHarness

/// The server's parsing of what a client sends in a query: page cursors, search text and
/// timestamps. Beyond "does not crash", each checks a property the server relies on.
enum QueryParsingFuzz {
    static func run(_ input: Data) {
        let text = String(decoding: input, as: UTF8.self)

        // A cursor that parses is one this server could have made: it round-trips exactly.
        if let cursor = PageCursor(encoded: text) {
            guard PageCursor(encoded: cursor.encoded) == cursor else { FuzzHarness.violated("cursor does not round-trip", input) }
        }

        // Searching for a patient's own name finds them: every prefix the query becomes selects
        // one of the name's stored terms by the byte range the database scans.
        if let prefixes = SearchTerms.prefixes(query: text) {
            guard prefixes.count <= 6, prefixes.allSatisfy({ !$0.isEmpty }) else { FuzzHarness.violated("prefix bounds", input) }
            if prefixes.first?.hasPrefix(SearchTerms.phonePrefix) != true {
                let terms = SearchTerms.terms(name: text, phone: nil)
                for prefix in prefixes {
                    let low = Array(prefix.utf8), high = Array((prefix + SearchTerms.ceiling).utf8)
                    let found = terms.contains { term in
                        let bytes = Array(term.utf8)
                        return !bytes.lexicographicallyPrecedes(low) && bytes.lexicographicallyPrecedes(high)
                    }
                    guard found else { FuzzHarness.violated("name not found by itself (prefix \(prefix.debugDescription))", input) }
                }
            }
        }
        // Phone digits anywhere in the number find it.
        let digits = SearchTerms.digits(text)
        if digits.count >= SearchTerms.minimumPhoneDigits, let prefixes = SearchTerms.prefixes(query: digits) {
            let terms = SearchTerms.terms(name: "x", phone: text)
            guard prefixes.count == 1, terms.contains(prefixes[0]) else { FuzzHarness.violated("phone not found by its digits", input) }
        }

        // Timestamps (query `from`/`to`, every body date): what parses formats back to the same instant.
        if let date = RFC3339DateTranscoder.parse(text) {
            let formatted = RFC3339DateTranscoder.format(date)
            guard let again = RFC3339DateTranscoder.parse(formatted),
                  abs(again.timeIntervalSince1970 - date.timeIntervalSince1970) < 0.001
            else { FuzzHarness.violated("timestamp does not round-trip via \(formatted)", input) }
        }
    }
}

@main struct QueryParsingFuzzer {
    static func main() {
        FuzzHarness.main(QueryParsingFuzz.run, fuzzer: { start, count in
            QueryParsingFuzz.run(FuzzHarness.data(start, count))
            return 0
        })
    }
}
