import Foundation

/// How failed sign-ins slow down further tries. Two counters: one per (email, address), which
/// refuses outright past its limit, and one per email across every address, which only spaces
/// tries out with a delay that grows to a cap, and which an address the account has signed in
/// from before does not feel: an attacker elsewhere can slow guessing of a doctor's password but
/// cannot lock the doctor out of their own clinic.
public struct LoginThrottlePolicy: Sendable, Equatable {
    /// Failures per (email, address) inside `pairWindow` before 429.
    public var pairLimit: Int64 = 5
    public var pairWindow: Int64 = 15 * 60_000
    /// Failures per email, from anywhere, inside `emailWindow` before tries are spaced out.
    public var emailFreeFailures: Int64 = 10
    public var emailWindow: Int64 = 60 * 60_000
    /// The spacing doubles from `emailFirstDelay` (one second) with each further failure, up to this.
    public var emailMaximumDelay: Int64 = 60_000
    /// How long an address that signed in stays known.
    public var knownAddressAge: Int64 = 90 * 86_400_000
    /// The first spacing once an email's free failures are used up.
    public var emailFirstDelay: Int64 = 1000

    public init() {}

    /// Milliseconds before the next try for an email that has failed `failures` times in its window.
    public func emailDelay(afterFailures failures: Int64) -> Int64 {
        guard failures > emailFreeFailures else { return 0 }
        let doublings = min(failures - emailFreeFailures - 1, 20)
        return min(emailMaximumDelay, emailFirstDelay << doublings)
    }
}

extension ClinicStore {
    /// Counts a sign-in try before the password is checked, so parallel tries cannot all slip
    /// under the limit. Returns the milliseconds to wait (nothing counted), or nil when the try
    /// may go ahead. Keys are hashes made by the caller (never the typed email itself).
    public func reserveLoginAttempt(pairKey: String, emailKey: String, fromKnownAddress: Bool, policy: LoginThrottlePolicy,
                                    now: Int64) async throws -> Int64? {
        try await database.transaction { tx in
            // Both rows are made and locked one at a time in the keys' order, the same in every
            // transaction: one statement locking both would lock them in the order it finds them
            // (on PostgreSQL a bitmap scan's, which moves as rows are updated), and a hundred
            // parallel tries then deadlocked now and then (40P01, a 500).
            let keys = [pairKey, emailKey].sorted()
            for key in keys {
                try await tx.query("""
                    INSERT INTO login_throttle (key, failures, window_started, next_allowed_at) VALUES ($1, 0, $2, 0)
                    ON CONFLICT (key) DO NOTHING
                    """, [.text(key), .int(now)])
            }
            let lock = tx.dialect == .postgres ? " FOR UPDATE" : ""
            var rows: [String: (failures: Int64, started: Int64, nextAllowed: Int64)] = [:]
            for key in keys {
                for row in try await tx.query("SELECT * FROM login_throttle WHERE key = $1" + lock, [.text(key)]) {
                    rows[try row.string("key")] = (try row.int("failures"), try row.int("window_started"), try row.int("next_allowed_at"))
                }
            }
            var pair = rows[pairKey] ?? (0, now, 0)
            var email = rows[emailKey] ?? (0, now, 0)
            if pair.started <= now - policy.pairWindow { pair = (0, now, 0) }
            if email.started <= now - policy.emailWindow { email = (0, now, 0) }
            if pair.failures >= policy.pairLimit { return max(1000, pair.started + policy.pairWindow - now) }
            if !fromKnownAddress, email.nextAllowed > now { return email.nextAllowed - now }
            pair.failures += 1
            email.failures += 1
            email.nextAllowed = now + policy.emailDelay(afterFailures: email.failures)
            for (key, counter) in [(pairKey, pair), (emailKey, email)].sorted(by: { $0.0 < $1.0 }) {
                try await tx.query("UPDATE login_throttle SET failures = $1, window_started = $2, next_allowed_at = $3 WHERE key = $4",
                                   [.int(counter.failures), .int(counter.started), .int(counter.nextAllowed), .text(key)])
            }
            return nil
        }
    }

    /// A right password: the counters start over and the address is known from now on.
    public func loginSucceeded(pairKey: String, emailKey: String, knownAddressKey: String, now: Int64) async throws {
        try await database.transaction { tx in
            for key in [pairKey, emailKey].sorted() {  // the order every throttle transaction locks them in
                try await tx.query("DELETE FROM login_throttle WHERE key = $1", [.text(key)])
            }
            try await tx.query("""
                INSERT INTO login_known_addresses (key, seen_at) VALUES ($1, $2)
                ON CONFLICT (key) DO UPDATE SET seen_at = $2
                """, [.text(knownAddressKey), .int(now)])
        }
    }

    public func isKnownLoginAddress(key: String, policy: LoginThrottlePolicy, now: Int64) async throws -> Bool {
        try await !database.query("SELECT key FROM login_known_addresses WHERE key = $1 AND seen_at > $2",
                                  [.text(key), .int(now - policy.knownAddressAge)]).isEmpty
    }

    /// Forgets counters whose windows have closed and addresses not seen for long, so a spray of
    /// made-up emails cannot grow the tables without end.
    @discardableResult
    public func sweepThrottles(policy: LoginThrottlePolicy, now: Int64) async throws -> Int {
        let window = max(policy.pairWindow, policy.emailWindow)
        let throttled = try await database.query("DELETE FROM login_throttle WHERE window_started < $1 AND next_allowed_at < $2 RETURNING key",
                                                 [.int(now - window), .int(now)]).count
        let addresses = try await database.query("DELETE FROM login_known_addresses WHERE seen_at < $1 RETURNING key",
                                                 [.int(now - policy.knownAddressAge)]).count
        let windows = try await database.query("DELETE FROM rate_limit_windows WHERE window_start < $1 RETURNING address_key",
                                               [.int(now - 120_000)]).count
        return throttled + addresses + windows
    }

    /// Adds one request to an address's count for the minute starting at `windowStart`, and returns
    /// it with the previous minute's, shared by every server process on the database. Not worth an
    /// fsync: a count lost in a crash only lets a few more requests through.
    public func countRequest(addressKey: String, windowStart: Int64) async throws -> (current: Int64, previous: Int64) {
        try await database.transaction { tx in
            if tx.dialect == .postgres { try await tx.query("SET LOCAL synchronous_commit = off", []) }
            let rows = try await tx.query("""
                INSERT INTO rate_limit_windows (address_key, window_start, requests) VALUES ($1, $2, 1)
                ON CONFLICT (address_key, window_start) DO UPDATE SET requests = rate_limit_windows.requests + 1
                RETURNING requests
                """, [.text(addressKey), .int(windowStart)])
            let previous = try await tx.query("SELECT requests FROM rate_limit_windows WHERE address_key = $1 AND window_start = $2",
                                              [.text(addressKey), .int(windowStart - 60_000)])
            return (try rows.first?.int("requests") ?? 1, try previous.first?.int("requests") ?? 0)
        }
    }
}
