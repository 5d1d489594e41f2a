import ClinicStore
import Foundation

/// The contract's rules for what a client may send, shared by every handler.
enum InputRules {
    static let defaultLimit = 50
    static let maximumLimit = 200

    static func limit(_ value: Int?) throws -> Int {
        guard let value else { return defaultLimit }
        guard (1...maximumLimit).contains(value) else {
            throw APIError.invalid(["query", "limit"], "limit must be between 1 and \(maximumLimit)", type: "less_than_equal")
        }
        return value
    }

    /// No cursor is the first page; any cursor given must be a `next_cursor` this server handed out.
    /// An empty one is refused too, not taken for the first page: the generated decoder hands a
    /// value that is not percent-encoded UTF-8 (`%%%`, `%FF`) over as empty, and a client whose
    /// cursor broke on the way must hear so rather than be given page one again.
    static func cursor(_ value: String?) throws -> PageCursor? {
        guard let value else { return nil }
        let fix = "send the next_cursor of the previous page as it came, or no cursor for the first page"
        guard !value.isEmpty else {
            throw APIError.invalid(["query", "cursor"], "cursor is empty or not valid percent-encoded UTF-8: \(fix)")
        }
        guard let cursor = PageCursor(encoded: value) else {
            throw APIError.invalid(["query", "cursor"], "cursor is not one this server handed out: \(fix)")
        }
        return cursor
    }

    /// An id that this server could not have made names nothing: 404 without asking the database.
    static func recordID(_ id: String, _ what: String) throws -> String {
        guard RecordID.isWellFormed(id) else { throw APIError.notFound(what) }
        return id
    }

    /// Free text is stored as it was sent (a note pasted from another system may carry escape
    /// sequences or other control characters; a FastAPI server stores them too): the terminal
    /// strips them when it shows the text. Only NUL is refused, which PostgreSQL cannot store.
    static func hasNUL(_ text: String) -> Bool {
        text.utf8.contains(0)
    }

    /// Control characters have no place in an email address.
    static func hasControlCharacters(_ text: String) -> Bool {
        text.unicodeScalars.contains { $0.properties.generalCategory == .control }
    }

    static func isEmail(_ text: String) -> Bool {
        let parts = text.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, parts[1].contains("."), !parts[1].hasPrefix("."), !parts[1].hasSuffix("."),
              !text.contains(where: { $0.isWhitespace }), text.utf8.count <= 254
        else { return false }
        return !hasControlCharacters(text)
    }

    /// `YYYY-MM-DD`, a real calendar day, not in the future and not before 1900.
    static func isBirthDate(_ text: String) -> Bool {
        let parts = text.split(separator: "-")
        guard text.count == 10, parts.count == 3, let year = Int(parts[0]), let month = Int(parts[1]), let day = Int(parts[2]),
              year >= 1900, (1...12).contains(month), day >= 1
        else { return false }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        guard let date = calendar.date(from: DateComponents(year: year, month: month, day: day)),
              calendar.component(.day, from: date) == day
        else { return false }
        return date <= Date()
    }

    static func isPhone(_ text: String) -> Bool {
        text.count <= 32 && text.allSatisfy { $0.isASCII && ($0.isNumber || " +-().".contains($0)) }
            && text.contains(where: { $0.isNumber })
    }
}
