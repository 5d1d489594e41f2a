import Foundation

/// A checkout at the local gateway (or a record of one opened at Stripe/Razorpay).
public struct PaymentSessionRecord: Sendable, Equatable {
    public var id: String
    public var clinicId: String
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
    /// Recorded, but it names no account or clinic of ours.
    case unknownUser
    /// Recorded, but it would make someone Pro without a checkout this server opened for them
    /// (a session of another account, or none at all): nothing changes.
    case notOurCheckout
    /// Recorded, but older than a change already applied (providers do not deliver in order), or a
    /// renewal of a subscription that has ended: nothing changes.
    case superseded
}

/// What an event does to a subscription. `paidUntil` in milliseconds.
public enum SubscriptionChange: Sendable, Equatable {
    case activate(paidUntil: Int64)
    case deactivate
    case none
}

/// A verified gateway event, as the store applies it.
public struct PaymentEventRecord: Sendable, Equatable {
    public var eventId: String
    /// `stripe` (the local gateway signs like Stripe) or `razorpay`.
    public var gateway: String
    public var type: String
    /// The account the event names (its metadata or client reference); its clinic is the one paid for.
    public var userId: String?
    public var sessionId: String?
    public var customerId: String?
    public var subscriptionId: String?
    /// When the provider made the event (ms): an event older than the last one applied to the clinic changes nothing.
    public var createdAt: Int64?
    public var change: SubscriptionChange

    public init(eventId: String, gateway: String, type: String, userId: String?, sessionId: String?, customerId: String?,
                subscriptionId: String? = nil, createdAt: Int64? = nil, change: SubscriptionChange) {
        self.eventId = eventId
        self.gateway = gateway
        self.type = type
        self.userId = userId
        self.sessionId = sessionId
        self.customerId = customerId
        self.subscriptionId = subscriptionId
        self.createdAt = createdAt
        self.change = change
    }
}

/// Periods for analytics: [start, end) in UTC milliseconds, computed in the clinic's time zone.
public struct AnalyticsPeriod: Sendable, Equatable {
    public var start: Int64
    public var end: Int64

    public init(start: Int64, end: Int64) {
        self.start = start
        self.end = end
    }
}

extension ClinicStore {
    public func createPaymentSession(clinicId: String, plan: String, gateway: String, id: String, now: Int64) async throws -> PaymentSessionRecord {
        try await database.query("""
            INSERT INTO payment_sessions (id, clinic_id, plan, gateway, status, created_at) VALUES ($1, $2, $3, $4, 'open', $5)
            """, [.text(id), .text(clinicId), .text(plan), .text(gateway), .int(now)])
        return PaymentSessionRecord(id: id, clinicId: clinicId, plan: plan, gateway: gateway, status: "open", createdAt: now)
    }

    public func paymentSession(id: String) async throws -> PaymentSessionRecord? {
        try await database.query("SELECT * FROM payment_sessions WHERE id = $1", [.text(id)]).first.map {
            PaymentSessionRecord(id: try $0.string("id"), clinicId: try $0.string("clinic_id"), plan: try $0.string("plan"),
                                 gateway: try $0.string("gateway"), status: try $0.string("status"), createdAt: try $0.int("created_at"))
        }
    }

    /// Records the event and changes the subscription in one transaction, once per event id: a
    /// repeated or concurrent delivery of the same event changes nothing.
    ///
    /// Making someone Pro needs a checkout this server opened: the event's session (a Stripe
    /// Checkout Session, the local checkout, a Razorpay Payment Link) must be one of ours, opened
    /// for the account the event names; a renewal names no session and is accepted only for a
    /// customer first seen on such a checkout. Ending a subscription follows the account named or
    /// the customer remembered.
    public func applyPaymentEvent(_ event: PaymentEventRecord, now: Int64) async throws -> PaymentEventOutcome {
        try await database.transaction { tx in
            /// The clinic of the account an event names. Sessions opened before clinics existed named
            /// the doctor, whose id is their clinic's.
            func namedClinic(_ id: String?) async throws -> String? {
                guard let id else { return nil }
                if let clinic = try await tx.query("SELECT clinic_id FROM users WHERE id = $1", [.text(id)]).first {
                    return try clinic.string("clinic_id")
                }
                return try await tx.query("SELECT id FROM clinics WHERE id = $1", [.text(id)]).first.map { try $0.string("id") }
            }
            func customerClinic() async throws -> String? {
                guard let customerId = event.customerId else { return nil }
                return try await tx.query("SELECT clinic_id FROM payment_customers WHERE gateway = $1 AND customer_id = $2",
                                          [.text(event.gateway), .text(customerId)]).first.map { try $0.string("clinic_id") }
            }
            var target: String?
            var outcome = PaymentEventOutcome.applied
            var sessionVerified = false
            switch event.change {
            case .activate:
                if let sessionId = event.sessionId {
                    // The local gateway's checkouts are signed like Stripe's.
                    let gateways = event.gateway == "stripe" ? ["stripe", "local"] : [event.gateway]
                    let session = try await tx.query("SELECT clinic_id FROM payment_sessions WHERE id = $1 AND gateway IN ($2, $3)",
                                                     [.text(sessionId), .text(gateways[0]), .text(gateways.last ?? gateways[0])]).first
                    let named = try await namedClinic(event.userId)
                    if let owner = try session.map({ try $0.string("clinic_id") }), event.userId == nil || named == owner {
                        target = owner
                        sessionVerified = true
                    } else {
                        outcome = .notOurCheckout
                    }
                } else if let mapped = try await customerClinic() {
                    target = mapped
                } else {
                    outcome = .notOurCheckout
                }
            case .deactivate, .none:
                let named = try await namedClinic(event.userId)
                target = named == nil ? try await customerClinic() : named
                if target == nil { outcome = .unknownUser }
            }
            if let clinic = target, event.change != .none {
                // Deliveries come in any order: a change older than the last applied, or the renewal of
                // a subscription whose end was already applied, changes nothing.
                try await Self.lockClinic(clinic, on: tx)
                let last = try await tx.query("SELECT subscription_event_at FROM clinics WHERE id = $1", [.text(clinic)])
                    .first?.optionalInt("subscription_event_at")
                if let created = event.createdAt, let last, created < last { outcome = .superseded }
                if case .activate = event.change, event.sessionId == nil, let subscription = event.subscriptionId,
                   try await !tx.query("""
                       SELECT event_id FROM payment_events WHERE gateway = $1 AND subscription_id = $2 AND type = 'customer.subscription.deleted'
                       """, [.text(event.gateway), .text(subscription)]).isEmpty {
                    outcome = .superseded
                }
            }
            if outcome == .superseded { target = nil }
            let applies = target != nil && event.change != .none
            let inserted = try await tx.query("""
                INSERT INTO payment_events (event_id, gateway, type, clinic_id, subscription_id, applied, received_at)
                VALUES ($1, $2, $3, $4, $5, $6, $7)
                ON CONFLICT (event_id) DO NOTHING RETURNING event_id
                """, [.text(event.eventId), .text(event.gateway), .text(event.type), SQLValue(target), SQLValue(event.subscriptionId),
                      .int(applies ? 1 : 0), .int(now)])
            if inserted.isEmpty { return .duplicate }
            guard let target else { return outcome }
            if applies, let created = event.createdAt {
                try await tx.query("UPDATE clinics SET subscription_event_at = $1 WHERE id = $2 AND COALESCE(subscription_event_at, 0) <= $1",
                                   [.int(created), .text(target)])
            }
            if sessionVerified, let customerId = event.customerId {
                try await tx.query("""
                    INSERT INTO payment_customers (gateway, customer_id, clinic_id, created_at) VALUES ($1, $2, $3, $4)
                    ON CONFLICT (gateway, customer_id) DO NOTHING
                    """, [.text(event.gateway), .text(customerId), .text(target), .int(now)])
            }
            switch event.change {
            case .activate(let paidUntil):
                // Becoming active ends the trial; a later renewal only ever moves the paid date forward.
                try await tx.query("""
                    UPDATE clinics SET plan = 'pro', status = 'active', trial_ends_at = NULL,
                    paid_until = CASE WHEN COALESCE(paid_until, 0) < $1 THEN $1 ELSE paid_until END, updated_at = $2 WHERE id = $3
                    """, [.int(paidUntil), .int(now), .text(target)])
            case .deactivate:
                // The plan stays for the record.
                try await tx.query("UPDATE clinics SET status = 'inactive', updated_at = $1 WHERE id = $2", [.int(now), .text(target)])
            case .none:
                break
            }
            if sessionVerified, let sessionId = event.sessionId {
                try await tx.query("UPDATE payment_sessions SET status = 'complete', completed_at = $1 WHERE id = $2 AND clinic_id = $3",
                                   [.int(now), .text(sessionId), .text(target)])
            }
            return outcome
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
    public func patientGrowth(clinicId: String, periods: [AnalyticsPeriod]) async throws -> (before: Int64, counts: [Int64]) {
        guard let first = periods.first else { return (0, []) }
        var binds: [SQLValue] = [.text(clinicId)]
        let cte = Self.periodsCTE(periods, binds: &binds)
        let rows = try await database.query(cte + """
             SELECT periods.period_start AS period_start, COUNT(p.id) AS n FROM periods
             LEFT JOIN patients p ON p.clinic_id = $1 AND p.created_at >= periods.period_start AND p.created_at < periods.period_end
             GROUP BY periods.period_start ORDER BY periods.period_start
            """, binds)
        let before = try await database.query("SELECT COUNT(*) AS n FROM patients WHERE clinic_id = $1 AND created_at < $2",
                                              [.text(clinicId), .int(first.start)]).first?.int("n") ?? 0
        var byStart: [Int64: Int64] = [:]
        for row in rows { byStart[try row.int("period_start")] = try row.int("n") }
        return (before, periods.map { byStart[$0.start] ?? 0 })
    }

    /// Appointments starting in each period, by status.
    public func appointmentOutcomes(clinicId: String, periods: [AnalyticsPeriod]) async throws -> [[String: Int64]] {
        var binds: [SQLValue] = [.text(clinicId)]
        let cte = Self.periodsCTE(periods, binds: &binds)
        let rows = try await database.query(cte + """
             SELECT periods.period_start AS period_start,
               SUM(CASE WHEN a.status = 'scheduled' THEN 1 ELSE 0 END) AS scheduled,
               SUM(CASE WHEN a.status = 'completed' THEN 1 ELSE 0 END) AS completed,
               SUM(CASE WHEN a.status = 'cancelled' THEN 1 ELSE 0 END) AS cancelled,
               SUM(CASE WHEN a.status = 'no_show' THEN 1 ELSE 0 END) AS no_show,
               SUM(CASE WHEN a.status = 'arrived' THEN 1 ELSE 0 END) AS arrived
             FROM periods
             LEFT JOIN appointments a ON a.clinic_id = $1 AND a.starts_at >= periods.period_start AND a.starts_at < periods.period_end
             GROUP BY periods.period_start ORDER BY periods.period_start
            """, binds)
        var byStart: [Int64: [String: Int64]] = [:]
        for row in rows {
            byStart[try row.int("period_start")] = ["scheduled": row.optionalInt("scheduled") ?? 0, "completed": row.optionalInt("completed") ?? 0,
                                                     "cancelled": row.optionalInt("cancelled") ?? 0, "no_show": row.optionalInt("no_show") ?? 0,
                                                     "arrived": row.optionalInt("arrived") ?? 0]
        }
        return periods.map { byStart[$0.start] ?? [:] }
    }
}
