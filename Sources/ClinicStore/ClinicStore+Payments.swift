import Foundation

/// A checkout at the local gateway (or a record of one opened at Stripe/Razorpay).
public struct PaymentSessionRecord: Sendable, Equatable {
    public var id: String
    public var userId: String
    public var plan: String
    public var gateway: String
    public var status: String
    public var createdAt: Int64
}

/// What applying a gateway event did.
public enum PaymentEventOutcome: Sendable, Equatable {
    case applied
    /// Seen before (by event id): nothing changes the second time.
    case duplicate
    /// Recorded, but it names no user of ours.
    case unknownUser
}

/// Periods for analytics: [start, end) in UTC milliseconds, computed in the doctor's time zone.
public struct AnalyticsPeriod: Sendable, Equatable {
    public var start: Int64
    public var end: Int64

    public init(start: Int64, end: Int64) {
        self.start = start
        self.end = end
    }
}

extension ClinicStore {
    public func createPaymentSession(userId: String, plan: String, gateway: String, id: String, now: Int64) async throws -> PaymentSessionRecord {
        try await database.query("""
            INSERT INTO payment_sessions (id, user_id, plan, gateway, status, created_at) VALUES ($1, $2, $3, $4, 'open', $5)
            """, [.text(id), .text(userId), .text(plan), .text(gateway), .int(now)])
        return PaymentSessionRecord(id: id, userId: userId, plan: plan, gateway: gateway, status: "open", createdAt: now)
    }

    public func paymentSession(id: String) async throws -> PaymentSessionRecord? {
        try await database.query("SELECT * FROM payment_sessions WHERE id = $1", [.text(id)]).first.map {
            PaymentSessionRecord(id: try $0.string("id"), userId: try $0.string("user_id"), plan: try $0.string("plan"),
                                 gateway: try $0.string("gateway"), status: try $0.string("status"), createdAt: try $0.int("created_at"))
        }
    }

    /// Records the event and changes the user's subscription in one transaction, once per event id:
    /// a repeated or concurrent delivery of the same event changes nothing.
    /// An event naming only the provider's customer (a renewal invoice) finds the user through the
    /// customer id remembered from the checkout that created it.
    public func applyPaymentEvent(eventId: String, gateway: String, type: String, userId: String?, sessionId: String?,
                                  customerId: String? = nil, plan: String?, status: String?, now: Int64) async throws -> PaymentEventOutcome {
        try await database.transaction { tx in
            var knownUser: String?
            if let userId, try await !tx.query("SELECT id FROM users WHERE id = $1", [.text(userId)]).isEmpty { knownUser = userId }
            if knownUser == nil, let customerId {
                knownUser = try await tx.query("SELECT user_id FROM payment_customers WHERE gateway = $1 AND customer_id = $2",
                                               [.text(gateway), .text(customerId)]).first.map { try $0.string("user_id") }
            }
            let inserted = try await tx.query("""
                INSERT INTO payment_events (event_id, gateway, type, user_id, applied, received_at) VALUES ($1, $2, $3, $4, $5, $6)
                ON CONFLICT (event_id) DO NOTHING RETURNING event_id
                """, [.text(eventId), .text(gateway), .text(type), SQLValue(knownUser), .int(knownUser != nil && status != nil ? 1 : 0), .int(now)])
            if inserted.isEmpty { return .duplicate }
            guard let knownUser else { return .unknownUser }
            if let customerId {
                try await tx.query("""
                    INSERT INTO payment_customers (gateway, customer_id, user_id, created_at) VALUES ($1, $2, $3, $4)
                    ON CONFLICT (gateway, customer_id) DO NOTHING
                    """, [.text(gateway), .text(customerId), .text(knownUser), .int(now)])
            }
            if let status {
                // Becoming active ends the trial; becoming inactive keeps the plan for the record.
                try await tx.query("""
                    UPDATE users SET plan = COALESCE($1, plan), status = $2,
                    trial_ends_at = CASE WHEN $2 = 'active' THEN NULL ELSE trial_ends_at END, updated_at = $3 WHERE id = $4
                    """, [SQLValue(plan), .text(status), .int(now), .text(knownUser)])
            }
            if let sessionId {
                try await tx.query("UPDATE payment_sessions SET status = 'complete', completed_at = $1 WHERE id = $2 AND user_id = $3",
                                   [.int(now), .text(sessionId), .text(knownUser)])
            }
            return .applied
        }
    }

    /// `WITH periods(start, end) AS (VALUES …)` bound as parameters after `$1` (the user id).
    static func periodsCTE(_ periods: [AnalyticsPeriod], binds: inout [SQLValue]) -> String {
        var values: [String] = []
        for period in periods {
            binds.append(.int(period.start))
            binds.append(.int(period.end))
            values.append("(CAST($\(binds.count - 1) AS BIGINT), CAST($\(binds.count) AS BIGINT))")
        }
        return "WITH periods (period_start, period_end) AS (VALUES " + values.joined(separator: ", ") + ")"
    }

    /// New patients per period and the total registered before the first, grouped by the database.
    public func patientGrowth(userId: String, periods: [AnalyticsPeriod]) async throws -> (before: Int64, counts: [Int64]) {
        guard let first = periods.first else { return (0, []) }
        var binds: [SQLValue] = [.text(userId)]
        let cte = Self.periodsCTE(periods, binds: &binds)
        let rows = try await database.query(cte + """
             SELECT periods.period_start AS period_start, COUNT(p.id) AS n FROM periods
             LEFT JOIN patients p ON p.user_id = $1 AND p.created_at >= periods.period_start AND p.created_at < periods.period_end
             GROUP BY periods.period_start ORDER BY periods.period_start
            """, binds)
        let before = try await database.query("SELECT COUNT(*) AS n FROM patients WHERE user_id = $1 AND created_at < $2",
                                              [.text(userId), .int(first.start)]).first?.int("n") ?? 0
        var byStart: [Int64: Int64] = [:]
        for row in rows { byStart[try row.int("period_start")] = try row.int("n") }
        return (before, periods.map { byStart[$0.start] ?? 0 })
    }

    /// Appointments starting in each period, by status.
    public func appointmentOutcomes(userId: String, periods: [AnalyticsPeriod]) async throws -> [[String: Int64]] {
        var binds: [SQLValue] = [.text(userId)]
        let cte = Self.periodsCTE(periods, binds: &binds)
        let rows = try await database.query(cte + """
             SELECT periods.period_start AS period_start,
               SUM(CASE WHEN a.status = 'scheduled' THEN 1 ELSE 0 END) AS scheduled,
               SUM(CASE WHEN a.status = 'completed' THEN 1 ELSE 0 END) AS completed,
               SUM(CASE WHEN a.status = 'cancelled' THEN 1 ELSE 0 END) AS cancelled,
               SUM(CASE WHEN a.status = 'no_show' THEN 1 ELSE 0 END) AS no_show
             FROM periods
             LEFT JOIN appointments a ON a.user_id = $1 AND a.starts_at >= periods.period_start AND a.starts_at < periods.period_end
             GROUP BY periods.period_start ORDER BY periods.period_start
            """, binds)
        var byStart: [Int64: [String: Int64]] = [:]
        for row in rows {
            byStart[try row.int("period_start")] = ["scheduled": row.optionalInt("scheduled") ?? 0, "completed": row.optionalInt("completed") ?? 0,
                                                     "cancelled": row.optionalInt("cancelled") ?? 0, "no_show": row.optionalInt("no_show") ?? 0]
        }
        return periods.map { byStart[$0.start] ?? [:] }
    }
}
