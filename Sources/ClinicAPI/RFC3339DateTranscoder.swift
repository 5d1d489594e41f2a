import Foundation
import OpenAPIRuntime

/// RFC 3339 in UTC: writes whole seconds (milliseconds when there are any) with `Z`; reads
/// fractional seconds, numeric offsets and FastAPI's naive timestamps (meaning UTC). Formatting is
/// integer arithmetic: Foundation's ISO 8601 formatter was a hot spot in list responses.
public struct RFC3339DateTranscoder: DateTranscoder {
    public init() {}

    public func encode(_ date: Date) throws -> String {
        Self.format(date)
    }

    public func decode(_ string: String) throws -> Date {
        guard let date = Self.parse(string) else {
            throw DecodingError.dataCorrupted(.init(codingPath: [], debugDescription: "Expected an RFC 3339 timestamp, got '\(string.prefix(40))'"))
        }
        return date
    }

    public static func format(_ date: Date) -> String {
        format(millis: Int64((date.timeIntervalSince1970 * 1000).rounded()))
    }

    /// The same text from milliseconds since 1970 (how the store keeps time).
    public static func format(millis: Int64) -> String {
        String(decoding: utf8(millis: millis), as: UTF8.self)
    }

    /// The text's bytes (JSON writers put them straight into their buffer).
    public static func utf8(millis totalMillis: Int64) -> [UInt8] {
        var days = totalMillis >= 0 ? totalMillis / 86_400_000 : (totalMillis - 86_399_999) / 86_400_000
        let millisOfDay = totalMillis - days * 86_400_000
        // Civil date from days since 1970 (Howard Hinnant's algorithm).
        days += 719_468
        let era = (days >= 0 ? days : days - 146_096) / 146_097
        let dayOfEra = days - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        var bytes: [UInt8] = []
        bytes.reserveCapacity(24)
        func digits(_ value: Int64, _ count: Int) {
            var divisor: Int64 = 1
            for _ in 1..<count { divisor *= 10 }
            var rest = value
            while divisor > 0 {
                bytes.append(UInt8(48 + (rest / divisor) % 10))
                rest %= divisor
                divisor /= 10
            }
        }
        digits(year, 4); bytes.append(45); digits(month, 2); bytes.append(45); digits(day, 2); bytes.append(84)
        digits(millisOfDay / 3_600_000, 2); bytes.append(58); digits(millisOfDay / 60_000 % 60, 2); bytes.append(58)
        digits(millisOfDay / 1000 % 60, 2)
        if millisOfDay % 1000 != 0 {
            bytes.append(46)
            digits(millisOfDay % 1000, 3)
        }
        bytes.append(90)
        return bytes
    }

    /// `YYYY-MM-DDTHH:MM:SS[.fraction][Z|±HH:MM]`; no zone means UTC.
    public static func parse(_ string: String) -> Date? {
        let b = Array(string.utf8)
        guard b.count >= 19, b.count <= 40 else { return nil }
        func number(_ from: Int, _ count: Int) -> Int64? {
            var value: Int64 = 0
            for i in from..<(from + count) {
                guard i < b.count, (48...57).contains(b[i]) else { return nil }
                value = value * 10 + Int64(b[i] - 48)
            }
            return value
        }
        guard let year = number(0, 4), b[4] == 45, let month = number(5, 2), b[7] == 45, let day = number(8, 2),
              b[10] == 84 || b[10] == 116 || b[10] == 32, let hour = number(11, 2), b[13] == 58, let minute = number(14, 2),
              b[16] == 58, let second = number(17, 2),
              (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60, second < 61
        else { return nil }
        var index = 19
        var fraction = 0.0
        if index < b.count && b[index] == 46 {
            index += 1
            var scale = 0.1
            let start = index
            while index < b.count && (48...57).contains(b[index]) {
                fraction += Double(b[index] - 48) * scale
                scale /= 10
                index += 1
            }
            if index == start { return nil }
        }
        var offsetSeconds: Int64 = 0
        if index < b.count {
            switch b[index] {
            case 90, 122:
                index += 1
            case 43, 45:
                guard let hours = number(index + 1, 2), index + 3 < b.count, b[index + 3] == 58, let minutes = number(index + 4, 2)
                else { return nil }
                offsetSeconds = (hours * 3600 + minutes * 60) * (b[index] == 43 ? 1 : -1)
                index += 6
            default:
                return nil
            }
        }
        guard index == b.count else { return nil }
        // Days since 1970 from the civil date (Howard Hinnant's algorithm).
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        let days = era * 146_097 + dayOfEra - 719_468
        let seconds = days * 86_400 + hour * 3600 + minute * 60 + second - offsetSeconds
        return Date(timeIntervalSince1970: Double(seconds) + fraction)
    }
}

extension OpenAPIRuntime.Configuration {
    /// The configuration both the server and the client use.
    public static let clinic = OpenAPIRuntime.Configuration(dateTranscoder: RFC3339DateTranscoder(),
                                                            jsonEncodingOptions: [.withoutEscapingSlashes])
}
