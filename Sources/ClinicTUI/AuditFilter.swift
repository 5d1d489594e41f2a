import Foundation

/// What the audit screen shows: one patient, one person, one kind of action and a period, each
/// set from the selected row with a key (the owner points at an event and narrows to it), so no
/// form is needed on a thin client.
public struct AuditFilter: Equatable, Sendable {
    /// A period of whole days ending with today, or any time.
    public enum Period: Int, Equatable, Sendable, CaseIterable {
        case anyTime = 0, day = 1, week = 7, month = 30

        /// `d` steps through them in this order.
        var next: Period {
            let all = Period.allCases
            return all[(all.firstIndex(of: self)! + 1) % all.count]
        }
    }

    public var patientID: String?
    public var patientName: String?
    public var actorID: String?
    public var actorName: String?
    public var action: String?
    public var period = Period.anyTime
    /// How many periods back from the one ending today (`[` earlier, `]` later).
    public var periodsBack = 0

    public init(patientID: String? = nil, patientName: String? = nil) {
        self.patientID = patientID
        self.patientName = patientName
    }

    public var isEmpty: Bool { self == AuditFilter() }

    /// The days it covers, [from, to), in the clinic's time zone; nil for any time.
    public func range(now: Date, in timeZone: TimeZone) -> (from: Date, to: Date)? {
        guard period != .anyTime else { return nil }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        let tomorrow = calendar.date(byAdding: .day, value: 1, to: calendar.startOfDay(for: now)) ?? now
        let days = period.rawValue
        guard let to = calendar.date(byAdding: .day, value: -days * periodsBack, to: tomorrow),
              let from = calendar.date(byAdding: .day, value: -days, to: to)
        else { return nil }
        return (from, to)
    }

    /// The request this filter makes, with its dates worked out.
    public func query(now: Date, in timeZone: TimeZone) -> AuditQuery {
        let range = range(now: now, in: timeZone)
        return AuditQuery(patientID: patientID, actorID: actorID, action: action, from: range?.from, to: range?.to)
    }
}

/// The audit log request's filters, as the API takes them.
public struct AuditQuery: Equatable, Sendable, CustomStringConvertible {
    public var patientID: String?
    public var actorID: String?
    public var action: String?
    public var from: Date?
    public var to: Date?

    public init(patientID: String? = nil, actorID: String? = nil, action: String? = nil, from: Date? = nil, to: Date? = nil) {
        self.patientID = patientID
        self.actorID = actorID
        self.action = action
        self.from = from
        self.to = to
    }

    /// Names the request, so a late answer to another filter is recognised and dropped.
    public var description: String {
        [patientID ?? "all", actorID ?? "anyone", action ?? "any",
         from.map { String(Int64($0.timeIntervalSince1970)) } ?? "-", to.map { String(Int64($0.timeIntervalSince1970)) } ?? "-"]
            .joined(separator: "|")
    }
}
