import Foundation

/// Versioned schema changes, applied in order at start-up inside one transaction each.
/// `{TERM}` is a text column compared byte-wise (for index range scans on search prefixes).
enum Migrations {
    static let all: [(version: Int, statements: [String])] = [
        (1, [
            """
            CREATE TABLE users (
                id TEXT PRIMARY KEY,
                username TEXT NOT NULL,
                email TEXT NOT NULL,
                email_key TEXT NOT NULL UNIQUE,
                password_hash TEXT NOT NULL,
                plan TEXT NOT NULL,
                status TEXT NOT NULL,
                trial_ends_at BIGINT,
                created_at BIGINT NOT NULL,
                updated_at BIGINT NOT NULL
            )
            """,
            "CREATE INDEX users_trial ON users (status, trial_ends_at)",
            """
            CREATE TABLE refresh_tokens (
                token_hash TEXT PRIMARY KEY,
                user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
                family TEXT NOT NULL,
                expires_at BIGINT NOT NULL,
                used_at BIGINT,
                created_at BIGINT NOT NULL
            )
            """,
            "CREATE INDEX refresh_tokens_family ON refresh_tokens (family)",
            """
            CREATE TABLE patients (
                id TEXT PRIMARY KEY,
                user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
                name TEXT NOT NULL,
                phone_number TEXT,
                address TEXT,
                notes TEXT,
                date_of_birth TEXT,
                sex TEXT,
                created_at BIGINT NOT NULL,
                updated_at BIGINT NOT NULL
            )
            """,
            "CREATE INDEX patients_by_user ON patients (user_id, created_at DESC, id DESC)",
            """
            CREATE TABLE patient_terms (
                user_id TEXT NOT NULL,
                term {TERM} NOT NULL,
                patient_id TEXT NOT NULL REFERENCES patients (id) ON DELETE CASCADE,
                PRIMARY KEY (user_id, term, patient_id)
            )
            """,
            "CREATE INDEX patient_terms_patient ON patient_terms (patient_id)",
            """
            CREATE TABLE clinical_notes (
                id TEXT PRIMARY KEY,
                user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
                patient_id TEXT NOT NULL REFERENCES patients (id) ON DELETE CASCADE,
                content TEXT NOT NULL,
                version BIGINT NOT NULL,
                created_at BIGINT NOT NULL,
                updated_at BIGINT NOT NULL
            )
            """,
            "CREATE INDEX clinical_notes_by_patient ON clinical_notes (patient_id, created_at DESC, id DESC)",
            """
            CREATE TABLE clinical_note_versions (
                note_id TEXT NOT NULL REFERENCES clinical_notes (id) ON DELETE CASCADE,
                version BIGINT NOT NULL,
                content TEXT NOT NULL,
                created_at BIGINT NOT NULL,
                PRIMARY KEY (note_id, version)
            )
            """,
            """
            CREATE TABLE appointments (
                id TEXT PRIMARY KEY,
                user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
                patient_id TEXT NOT NULL REFERENCES patients (id) ON DELETE CASCADE,
                starts_at BIGINT NOT NULL,
                ends_at BIGINT NOT NULL,
                reason TEXT,
                status TEXT NOT NULL,
                created_at BIGINT NOT NULL,
                updated_at BIGINT NOT NULL
            )
            """,
            "CREATE INDEX appointments_by_user ON appointments (user_id, starts_at, id)",
            "CREATE INDEX appointments_by_patient ON appointments (patient_id, starts_at)",
        ]),
        // Search orders candidates inside the index (newest first) and fetches only the page shown.
        (2, [
            "ALTER TABLE patient_terms ADD COLUMN created_at BIGINT NOT NULL DEFAULT 0",
            "UPDATE patient_terms SET created_at = (SELECT p.created_at FROM patients p WHERE p.id = patient_terms.patient_id)",
            "CREATE INDEX patient_terms_search ON patient_terms (user_id, term, created_at, patient_id)",
            "DROP INDEX patient_terms_patient",
            "CREATE INDEX patient_terms_patient ON patient_terms (patient_id, term)",
        ]),
        // Payments: checkout sessions and the gateway events applied (each at most once).
        (3, [
            """
            CREATE TABLE payment_sessions (
                id TEXT PRIMARY KEY,
                user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
                plan TEXT NOT NULL,
                gateway TEXT NOT NULL,
                status TEXT NOT NULL,
                created_at BIGINT NOT NULL,
                completed_at BIGINT
            )
            """,
            """
            CREATE TABLE payment_events (
                event_id TEXT PRIMARY KEY,
                gateway TEXT NOT NULL,
                type TEXT NOT NULL,
                user_id TEXT,
                applied BIGINT NOT NULL,
                received_at BIGINT NOT NULL
            )
            """,
        ]),
        // Documents (Pro): metadata here, bytes in object storage under `storage_key`.
        (4, [
            """
            CREATE TABLE documents (
                id TEXT PRIMARY KEY,
                user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
                patient_id TEXT NOT NULL REFERENCES patients (id) ON DELETE CASCADE,
                file_name TEXT NOT NULL,
                content_type TEXT NOT NULL,
                size_bytes BIGINT NOT NULL,
                storage_key TEXT NOT NULL,
                uploaded_at BIGINT NOT NULL
            )
            """,
            "CREATE INDEX documents_by_patient ON documents (patient_id, uploaded_at DESC, id DESC)",
            "CREATE UNIQUE INDEX documents_by_key ON documents (storage_key)",
        ]),
        // 5: a provider's customer id -> our user, for events that name only the customer
        // (a failed renewal invoice, say).
        (5, [
            """
            CREATE TABLE payment_customers (
                gateway TEXT NOT NULL,
                customer_id TEXT NOT NULL,
                user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
                created_at BIGINT NOT NULL,
                PRIMARY KEY (gateway, customer_id)
            )
            """,
        ]),
        // 7: a paid period that ends (Pro is not forever), and the sign-in throttle and per-address
        // request counts in the database, so every server process on one PostgreSQL shares them.
        (7, [
            "ALTER TABLE users ADD COLUMN paid_until BIGINT",
            "CREATE INDEX users_paid ON users (status, paid_until)",
            """
            CREATE TABLE login_throttle (
                key TEXT PRIMARY KEY,
                failures BIGINT NOT NULL,
                window_started BIGINT NOT NULL,
                next_allowed_at BIGINT NOT NULL
            )
            """,
            "CREATE INDEX login_throttle_age ON login_throttle (window_started)",
            """
            CREATE TABLE login_known_addresses (
                key TEXT PRIMARY KEY,
                seen_at BIGINT NOT NULL
            )
            """,
            """
            CREATE TABLE rate_limit_windows (
                address_key TEXT NOT NULL,
                window_start BIGINT NOT NULL,
                requests BIGINT NOT NULL,
                PRIMARY KEY (address_key, window_start)
            )
            """,
        ]),
        // 8: clinics and staff (contract v2). The clinic becomes the tenant: every account becomes
        // the owner of a clinic of its own, named after it, holding its subscription, and its
        // records move with it. A clinic's id is its founding account's id, here and for clinics
        // registered later, so the records' keys (renamed user_id → clinic_id) need no rewrite and
        // their foreign keys, to the founder's account row (accounts are deactivated, never
        // deleted), still hold on both databases.
        (8, [
            """
            CREATE TABLE clinics (
                id TEXT PRIMARY KEY,
                name TEXT NOT NULL,
                plan TEXT NOT NULL,
                status TEXT NOT NULL,
                trial_ends_at BIGINT,
                paid_until BIGINT,
                created_at BIGINT NOT NULL,
                updated_at BIGINT NOT NULL
            )
            """,
            """
            INSERT INTO clinics (id, name, plan, status, trial_ends_at, paid_until, created_at, updated_at)
            SELECT id, username, plan, status, trial_ends_at, paid_until, created_at, updated_at FROM users
            """,
            "CREATE INDEX clinics_trial ON clinics (status, trial_ends_at)",
            "CREATE INDEX clinics_paid ON clinics (status, paid_until)",
            "ALTER TABLE users ADD COLUMN clinic_id TEXT REFERENCES clinics (id)",
            "UPDATE users SET clinic_id = id",
            "ALTER TABLE users ADD COLUMN role TEXT NOT NULL DEFAULT 'owner'",
            "ALTER TABLE users ADD COLUMN active BIGINT NOT NULL DEFAULT 1",
            "ALTER TABLE users ADD COLUMN last_seen_at BIGINT",
            "CREATE INDEX users_by_clinic ON users (clinic_id, role)",
            "DROP INDEX users_trial",
            "DROP INDEX users_paid",
            "ALTER TABLE users DROP COLUMN plan",
            "ALTER TABLE users DROP COLUMN status",
            "ALTER TABLE users DROP COLUMN trial_ends_at",
            "ALTER TABLE users DROP COLUMN paid_until",
            "ALTER TABLE patients RENAME COLUMN user_id TO clinic_id",
            "ALTER TABLE patient_terms RENAME COLUMN user_id TO clinic_id",
            "ALTER TABLE clinical_notes RENAME COLUMN user_id TO clinic_id",
            "ALTER TABLE appointments RENAME COLUMN user_id TO clinic_id",
            "ALTER TABLE documents RENAME COLUMN user_id TO clinic_id",
            "ALTER TABLE payment_sessions RENAME COLUMN user_id TO clinic_id",
            "ALTER TABLE payment_customers RENAME COLUMN user_id TO clinic_id",
            "ALTER TABLE payment_events RENAME COLUMN user_id TO clinic_id",
            // A calendar per doctor: v1's appointments are the founder's.
            "ALTER TABLE appointments ADD COLUMN provider_id TEXT REFERENCES users (id)",
            "UPDATE appointments SET provider_id = clinic_id",
            "ALTER TABLE appointments ADD COLUMN arrived_at BIGINT",
            "CREATE INDEX appointments_by_provider ON appointments (clinic_id, provider_id, starts_at)",
            "ALTER TABLE clinical_notes ADD COLUMN author_id TEXT REFERENCES users (id)",
            "UPDATE clinical_notes SET author_id = clinic_id",
            "ALTER TABLE documents ADD COLUMN uploaded_by TEXT REFERENCES users (id)",
            "UPDATE documents SET uploaded_by = clinic_id",
            """
            CREATE TABLE invitations (
                id TEXT PRIMARY KEY,
                clinic_id TEXT NOT NULL REFERENCES clinics (id),
                email TEXT NOT NULL,
                email_key TEXT NOT NULL,
                role TEXT NOT NULL,
                code_hash TEXT NOT NULL UNIQUE,
                created_by TEXT NOT NULL,
                created_at BIGINT NOT NULL,
                expires_at BIGINT NOT NULL,
                used_at BIGINT,
                withdrawn_at BIGINT
            )
            """,
            "CREATE INDEX invitations_by_clinic ON invitations (clinic_id, created_at)",
            // Who did what to which patient: appended, never changed (see step 9).
            """
            CREATE TABLE audit_events (
                id TEXT PRIMARY KEY,
                clinic_id TEXT NOT NULL,
                at BIGINT NOT NULL,
                actor_id TEXT,
                actor_name TEXT,
                actor_role TEXT,
                action TEXT NOT NULL,
                patient_id TEXT,
                patient_name TEXT,
                record_type TEXT,
                record_id TEXT,
                ip TEXT,
                status BIGINT NOT NULL
            )
            """,
            "CREATE INDEX audit_by_clinic ON audit_events (clinic_id, at, id)",
            "CREATE INDEX audit_by_patient ON audit_events (clinic_id, patient_id, at, id)",
            "CREATE INDEX audit_by_actor ON audit_events (clinic_id, actor_id, at, id)",
        ]),
        // 10: payment events arrive in any order: the subscription an event is about, and when the
        // last change applied to a clinic was made, so an older one changes nothing.
        (10, [
            "ALTER TABLE payment_events ADD COLUMN subscription_id TEXT",
            "CREATE INDEX payment_events_subscription ON payment_events (gateway, subscription_id)",
            "ALTER TABLE clinics ADD COLUMN subscription_event_at BIGINT",
        ]),
        // A search word of three characters or more reads its matches newest first from here
        // (`ClinicStore.headLength`): equal first characters, then the list's order.
        (11, [
            "CREATE INDEX patient_terms_by_head ON patient_terms (clinic_id, substr(term, 1, 3), created_at, patient_id, term)",
        ]),
    ]

    /// Steps that need Swift rather than SQL, numbered with the SQL migrations above and recorded
    /// in the same table, so each runs once per database, in version order, inside the migration
    /// transaction. When `SearchTerms` changes what it stores, add a step that rebuilds the terms:
    /// a search folds the query with today's code, so terms written by older code would miss.
    static let dataSteps: [(version: Int, run: @Sendable (any SQLExecutor) async throws -> Void)] = [
        // SearchTerms splits names on code points before folding and drops a mark that starts a
        // word (found by the query fuzzer, 2026-11): names stored before could not be found by
        // the words a doctor types for them.
        (6, { tx in try await ClinicStore.rebuildSearchTerms(tx: tx) }),
        // The audit log refuses UPDATE and DELETE from any path: a trigger on each database (its
        // own syntax on each).
        (9, { tx in
            switch tx.dialect {
            case .sqlite:
                for verb in ["UPDATE", "DELETE"] {
                    try await tx.query("""
                        CREATE TRIGGER audit_events_no_\(verb.lowercased()) BEFORE \(verb) ON audit_events
                        BEGIN SELECT RAISE(ABORT, 'audit events are never changed or deleted'); END
                        """, [])
                }
            case .postgres:
                try await tx.query("""
                    CREATE FUNCTION audit_events_refuse() RETURNS trigger LANGUAGE plpgsql AS $$
                    BEGIN RAISE EXCEPTION 'audit events are never changed or deleted'; END $$
                    """, [])
                try await tx.query("""
                    CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON audit_events
                    FOR EACH STATEMENT EXECUTE FUNCTION audit_events_refuse()
                    """, [])
            }
        }),
        // Pro bought before paid dates were kept (migration 7 added the column empty) would never
        // lapse: such a clinic gets a month and the grace from the migration on, as a payment
        // today would give it. Its gateway's next renewal moves the date on; none ends it.
        (12, { tx in
            try await tx.query("UPDATE clinics SET paid_until = $1 WHERE plan = 'pro' AND status = 'active' AND paid_until IS NULL",
                               [.int(Clock.nowMillis() + (31 + 3) * 86_400_000)])  // PaymentEvent's month and grace
        }),
    ]

    /// Applies every migration not yet applied, up to `version` (all when nil; tests build a database
    /// as an older release left it).
    static func apply(to database: any SQLExecutor, upTo version: Int? = nil) async throws {
        try await database.transaction { tx in
            if tx.dialect == .postgres {
                // Several processes may start at once against one database: one migrates at a time.
                try await tx.query("SELECT pg_advisory_xact_lock(72640011)", [])
            }
            try await tx.query(
                "CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, applied_at BIGINT NOT NULL)", [])
            let applied = Set(try await tx.query("SELECT version FROM schema_migrations", []).map { try $0.int("version") })
            let steps = all.map { migration in
                (version: migration.version, run: { @Sendable (tx: any SQLExecutor) async throws in
                    for statement in migration.statements {
                        let term = tx.dialect == .postgres ? "TEXT COLLATE \"C\"" : "TEXT"
                        try await tx.query(statement.replacingOccurrences(of: "{TERM}", with: term), [])
                    }
                })
            } + dataSteps
            for step in steps.sorted(by: { $0.version < $1.version })
            where !applied.contains(Int64(step.version)) && step.version <= (version ?? Int.max) {
                try await step.run(tx)
                try await tx.query("INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)",
                                   [.int(Int64(step.version)), .int(Clock.nowMillis())])
            }
        }
    }
}

/// Wall-clock time as stored: milliseconds since 1970 (UTC).
public enum Clock {
    public static func nowMillis() -> Int64 { Int64((Date().timeIntervalSince1970 * 1000).rounded()) }
    public static func millis(_ date: Date) -> Int64 { Int64((date.timeIntervalSince1970 * 1000).rounded()) }
    public static func date(_ millis: Int64) -> Date { Date(timeIntervalSince1970: Double(millis) / 1000) }
}
