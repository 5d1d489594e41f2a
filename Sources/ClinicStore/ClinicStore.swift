// Cursors, pages and search terms live in ClinicQuery (pure parsing, fuzzed alone); everyone who
// uses the store uses them.
@_exported import ClinicQuery
import Foundation
import Logging

/// Every query the server makes, written once for SQLite and PostgreSQL. Every read and write of a
/// doctor's records is scoped by `user_id`: another doctor's id simply finds nothing.
public struct ClinicStore: Sendable {
    public let database: any SQLDatabase
    /// Connections in use against the pool's size, for `/metrics`.
    public let poolUsage: PoolUsage

    public init(database: any SQLDatabase, poolSize: Int = 1) {
        let usage = PoolUsage(size: poolSize)
        self.database = MeasuredDatabase(inner: database, usage: usage)
        self.poolUsage = usage
    }

    /// Opens the database named by a `DATABASE_URL` (`sqlite:///path` or `postgres://…`) and migrates it.
    public static func open(url: String, logger: Logger) async throws -> ClinicStore {
        let database: any SQLDatabase
        let poolSize: Int
        if url.hasPrefix("sqlite://") {
            let path = String(url.dropFirst("sqlite://".count))
            guard path.hasPrefix("/") else { throw StoreError.badURL("sqlite URLs take an absolute path: sqlite:///path/to/file.sqlite") }
            database = try await SQLiteDatabase.open(path: path, logger: logger)
            poolSize = 5  // one writer, four readers
        } else if url.hasPrefix("postgres://") || url.hasPrefix("postgresql://") {
            database = try PostgresDatabase(url: url, logger: logger)
            poolSize = PostgresDatabase.maximumConnections
        } else {
            throw StoreError.badURL("expected sqlite:///path or postgres://user:password@host:port/database")
        }
        do {
            try await Migrations.apply(to: database)
        } catch {
            await database.close()
            throw error
        }
        return ClinicStore(database: database, poolSize: poolSize)
    }

    public func close() async { await database.close() }

    public func ping() async throws {
        _ = try await database.query("SELECT 1 AS ok", [])
    }

    // MARK: Users

    /// nil when the email is taken (compared case-insensitively).
    public func createUser(username: String, email: String, passwordHash: String, trialEndsAt: Int64, now: Int64) async throws -> UserRecord? {
        let rows = try await database.query("""
            INSERT INTO users (id, username, email, email_key, password_hash, plan, status, trial_ends_at, created_at, updated_at)
            VALUES ($1, $2, $3, $4, $5, 'basic', 'trialing', $6, $7, $7)
            ON CONFLICT (email_key) DO NOTHING
            RETURNING *
            """, [.text(RecordID.make()), .text(username), .text(email), .text(Self.emailKey(email)),
                  .text(passwordHash), .int(trialEndsAt), .int(now)])
        return try rows.first.map(UserRecord.init(row:))
    }

    public static func emailKey(_ email: String) -> String {
        email.trimmingCharacters(in: .whitespaces).lowercased()
    }

    public func user(email: String) async throws -> UserRecord? {
        try await database.query("SELECT * FROM users WHERE email_key = $1", [.text(Self.emailKey(email))])
            .first.map(UserRecord.init(row:))
    }

    public func user(id: String) async throws -> UserRecord? {
        try await database.query("SELECT * FROM users WHERE id = $1", [.text(id)]).first.map(UserRecord.init(row:))
    }

    /// The user as of now: a trial that has run out becomes `inactive` in the database first.
    public func currentUser(id: String, now: Int64) async throws -> UserRecord? {
        guard let user = try await user(id: id) else { return nil }
        if (user.status == "trialing" && user.trialEndsAt.map { $0 <= now } == true)
            || (user.status == "active" && user.paidUntil.map { $0 <= now } == true) {
            _ = try await expireTrials(now: now, userId: id)
            return try await self.user(id: id)
        }
        return user
    }

    /// Marks run-out trials and paid periods that ended unrenewed `inactive` (all of them, or one
    /// user's); returns how many changed.
    @discardableResult
    public func expireTrials(now: Int64, userId: String? = nil) async throws -> Int {
        var sql = """
            UPDATE users SET status = 'inactive', updated_at = $1
            WHERE ((status = 'trialing' AND trial_ends_at <= $1) OR (status = 'active' AND paid_until <= $1))
            """
        var binds: [SQLValue] = [.int(now)]
        if let userId {
            sql += " AND id = $2"
            binds.append(.text(userId))
        }
        return try await database.query(sql + " RETURNING id", binds).count
    }

    public func setSubscription(userId: String, plan: String, status: String, trialEndsAt: Int64?, now: Int64) async throws {
        try await database.query("UPDATE users SET plan = $1, status = $2, trial_ends_at = $3, updated_at = $4 WHERE id = $5",
                                 [.text(plan), .text(status), SQLValue(trialEndsAt), .int(now), .text(userId)])
    }

    // MARK: Refresh tokens (stored as SHA-256 hashes only)

    public func insertRefreshToken(hash: String, userId: String, family: String, expiresAt: Int64, now: Int64) async throws {
        try await database.query("""
            INSERT INTO refresh_tokens (token_hash, user_id, family, expires_at, created_at) VALUES ($1, $2, $3, $4, $5)
            """, [.text(hash), .text(userId), .text(family), .int(expiresAt), .int(now)])
    }

    /// Spends a refresh token. Exactly one of two concurrent uses wins; a second use of a spent
    /// token revokes its whole family.
    public func consumeRefreshToken(hash: String, now: Int64) async throws -> RefreshOutcome {
        try await database.transaction { tx in
            let spent = try await tx.query("""
                UPDATE refresh_tokens SET used_at = $1
                WHERE token_hash = $2 AND used_at IS NULL AND expires_at > $1
                RETURNING user_id, family
                """, [.int(now), .text(hash)])
            if let row = spent.first {
                return .valid(userId: try row.string("user_id"), family: try row.string("family"))
            }
            let known = try await tx.query("SELECT family, used_at FROM refresh_tokens WHERE token_hash = $1", [.text(hash)])
            if let row = known.first, row.optionalInt("used_at") != nil {
                try await tx.query("UPDATE refresh_tokens SET used_at = $1, expires_at = $1 WHERE family = $2",
                                   [.int(now), .text(try row.string("family"))])
                return .reused
            }
            return .invalid
        }
    }

    /// Sign-out: the token's whole family (every rotation of one sign-in) stops working.
    public func revokeRefreshTokenFamily(hash: String, now: Int64) async throws {
        try await database.query("""
            UPDATE refresh_tokens SET used_at = COALESCE(used_at, $1), expires_at = $1
            WHERE family = (SELECT family FROM refresh_tokens WHERE token_hash = $2) AND expires_at > $1
            """, [.int(now), .text(hash)])
    }

    // MARK: Patients

    public func createPatient(userId: String, fields: PatientFields, now: Int64) async throws -> PatientRecord {
        guard let patient = try await importPatients(userId: userId, [(fields, now)]).first else {
            throw StoreError.corrupt("insert returned no row")
        }
        return patient
    }

    /// Many patients in one transaction (imports, demo data, benchmarks). `createdAt` per row lets
    /// an import keep the clinic's own registration dates.
    public func importPatients(userId: String, _ patients: [(fields: PatientFields, createdAt: Int64)]) async throws -> [PatientRecord] {
        try await database.transaction { tx in
            var records: [PatientRecord] = []
            records.reserveCapacity(patients.count)
            for (fields, createdAt) in patients {
                let rows = try await tx.query("""
                    INSERT INTO patients (id, user_id, name, phone_number, address, notes, date_of_birth, sex, created_at, updated_at)
                    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9) RETURNING *
                    """, [.text(RecordID.make()), .text(userId), .text(fields.name ?? ""), SQLValue(fields.phoneNumber ?? nil),
                          SQLValue(fields.address ?? nil), SQLValue(fields.notes ?? nil), SQLValue(fields.dateOfBirth ?? nil),
                          SQLValue(fields.sex ?? nil), .int(createdAt)])
                guard let row = rows.first else { throw StoreError.corrupt("insert returned no row") }
                let patient = try PatientRecord(row: row)
                try await Self.writeTerms(patient, tx: tx)
                records.append(patient)
            }
            return records
        }
    }

    /// A note with its own timestamp (imports and demo data).
    public func importNote(userId: String, patientId: String, content: String, createdAt: Int64) async throws {
        try await database.query("""
            INSERT INTO clinical_notes (id, user_id, patient_id, content, version, created_at, updated_at)
            VALUES ($1, $2, $3, $4, 1, $5, $5)
            """, [.text(RecordID.make()), .text(userId), .text(patientId), .text(content), .int(createdAt)])
    }

    static func writeTerms(_ patient: PatientRecord, tx: any SQLExecutor) async throws {
        try await tx.query("DELETE FROM patient_terms WHERE patient_id = $1", [.text(patient.id)])
        let terms = SearchTerms.terms(name: patient.name, phone: patient.phoneNumber).sorted()
        guard !terms.isEmpty else { return }
        // One multi-row insert: ($1, $2, $3, $4), ($1, $5, $3, $4), …
        var sql = "INSERT INTO patient_terms (user_id, term, patient_id, created_at) VALUES "
        var binds: [SQLValue] = [.text(patient.userId)]
        for (index, term) in terms.enumerated() {
            binds.append(.text(term))
            if index == 0 {
                binds.append(.text(patient.id))
                binds.append(.int(patient.createdAt))
                sql += "($1, $2, $3, $4)"
            } else {
                sql += ", ($1, $\(binds.count), $3, $4)"
            }
        }
        try await tx.query(sql, binds)
    }

    /// Brings every patient's search terms up to today's `SearchTerms` (a migration step): 500
    /// patients at a time, by id, comparing the terms stored with those computed and rewriting only
    /// the patients whose terms differ (a change of folding touches few names; rewriting all of a
    /// 100,000-patient clinic's 1.2 million terms took minutes). On PostgreSQL each batch's rows are
    /// locked first, so an edit made meanwhile by another server process waits, then writes its
    /// own terms after ours. Returns the number of patients rewritten.
    @discardableResult
    static func rebuildSearchTerms(tx: any SQLExecutor, batchSize: Int = 500) async throws -> Int {
        let lock = tx.dialect == .postgres ? " FOR NO KEY UPDATE" : ""
        var after = ""
        var rewritten = 0
        while true {
            let rows = try await tx.query(
                "SELECT * FROM patients WHERE id > $1 ORDER BY id LIMIT $2\(lock)", [.text(after), .int(Int64(batchSize))])
            guard let last = rows.last else { return rewritten }
            after = try last.string("id")
            let patients = try rows.map(PatientRecord.init(row:))
            let placeholders = (1...patients.count).map { "$\($0)" }.joined(separator: ", ")
            var stored: [String: Set<String>] = [:]
            for row in try await tx.query("SELECT patient_id, term FROM patient_terms WHERE patient_id IN (\(placeholders))",
                                          patients.map { .text($0.id) }) {
                stored[try row.string("patient_id"), default: []].insert(try row.string("term"))
            }
            for patient in patients where stored[patient.id, default: []] != SearchTerms.terms(name: patient.name, phone: patient.phoneNumber) {
                try await writeTerms(patient, tx: tx)
                rewritten += 1
            }
        }
    }

    public func patient(userId: String, id: String) async throws -> PatientRecord? {
        try await database.query("SELECT * FROM patients WHERE id = $1 AND user_id = $2", [.text(id), .text(userId)])
            .first.map(PatientRecord.init(row:))
    }

    public func updatePatient(userId: String, id: String, fields: PatientFields, now: Int64) async throws -> PatientRecord? {
        try await database.transaction { tx in
            guard let row = try await tx.query("SELECT * FROM patients WHERE id = $1 AND user_id = $2",
                                                [.text(id), .text(userId)]).first
            else { return nil }
            var patient = try PatientRecord(row: row)
            if let name = fields.name { patient.name = name }
            if let phone = fields.phoneNumber { patient.phoneNumber = phone }
            if let address = fields.address { patient.address = address }
            if let notes = fields.notes { patient.notes = notes }
            if let dateOfBirth = fields.dateOfBirth { patient.dateOfBirth = dateOfBirth }
            if let sex = fields.sex { patient.sex = sex }
            patient.updatedAt = max(now, patient.updatedAt)
            try await tx.query("""
                UPDATE patients SET name = $1, phone_number = $2, address = $3, notes = $4, date_of_birth = $5, sex = $6,
                updated_at = $7 WHERE id = $8 AND user_id = $9
                """, [.text(patient.name), SQLValue(patient.phoneNumber), SQLValue(patient.address), SQLValue(patient.notes),
                      SQLValue(patient.dateOfBirth), SQLValue(patient.sex), .int(patient.updatedAt), .text(id), .text(userId)])
            if fields.name != nil || fields.phoneNumber != nil {
                try await Self.writeTerms(patient, tx: tx)
            }
            return patient
        }
    }

    /// Deletes the patient with its notes, appointments and documents (by foreign-key cascade).
    public func deletePatient(userId: String, id: String) async throws -> Bool {
        try await !database.query("DELETE FROM patients WHERE id = $1 AND user_id = $2 RETURNING id",
                                  [.text(id), .text(userId)]).isEmpty
    }

    /// Newest first. `query` filters by name word prefixes or phone digits (see `SearchTerms`).
    public func patients(userId: String, query: String?, limit: Int, after cursor: PageCursor?) async throws -> Page<PatientRecord> {
        let prefixes = SearchTerms.prefixes(query: query ?? "")
        if prefixes?.isEmpty == true { return Page(items: [], next: nil) }
        var binds: [SQLValue] = [.text(userId)]
        let sql: String
        if let prefixes {
            // Each word is a range of the search index, already newest first; several words
            // intersect (two ranges of ~2,500 entries: 0.9 ms, where probing per candidate took 14).
            var cursorCondition = ""
            if let cursor {
                binds += [.int(cursor.key), .text(cursor.id)]
                cursorCondition = " AND (created_at < $2 OR (created_at = $2 AND patient_id < $3))"
            }
            var arms: [String] = []
            for prefix in prefixes {
                binds += [.text(prefix), .text(prefix + SearchTerms.ceiling)]
                arms.append("SELECT patient_id, created_at FROM patient_terms WHERE user_id = $1 AND term >= $\(binds.count - 1)"
                            + " AND term < $\(binds.count)" + cursorCondition)
            }
            binds.append(.int(Int64(limit + 1)))
            // One word: GROUP BY removes a patient matched twice (one temporary b-tree, where DISTINCT
            // and ORDER BY took two); several: INTERSECT already does.
            let inner = arms.count == 1
                ? arms[0] + " GROUP BY created_at, patient_id ORDER BY created_at DESC, patient_id DESC LIMIT $\(binds.count)"
                : arms.joined(separator: " INTERSECT ") + " ORDER BY created_at DESC, patient_id DESC LIMIT $\(binds.count)"
            sql = "SELECT p.* FROM (\(inner)) c JOIN patients p ON p.id = c.patient_id ORDER BY c.created_at DESC, c.patient_id DESC"
        } else {
            var plain = "SELECT * FROM patients WHERE user_id = $1"
            if let cursor {
                binds += [.int(cursor.key), .text(cursor.id)]
                plain += " AND (created_at < $2 OR (created_at = $2 AND id < $3))"
            }
            binds.append(.int(Int64(limit + 1)))
            sql = plain + " ORDER BY created_at DESC, id DESC LIMIT $\(binds.count)"
        }
        let records = try await database.query(sql, binds).map(PatientRecord.init(row:))
        return Self.page(records, limit: limit) { PageCursor(key: $0.createdAt, id: $0.id) }
    }

    static func page<T>(_ records: [T], limit: Int, cursor: (T) -> PageCursor) -> Page<T> {
        if records.count > limit {
            let items = Array(records.prefix(limit))
            return Page(items: items, next: items.last.map(cursor))
        }
        return Page(items: records, next: nil)
    }

    // MARK: Clinical notes

    /// nil when the patient is not this doctor's.
    public func createNote(userId: String, patientId: String, content: String, now: Int64) async throws -> NoteRecord? {
        try await database.query("""
            INSERT INTO clinical_notes (id, user_id, patient_id, content, version, created_at, updated_at)
            SELECT $1, $2, id, $3, 1, $4, $4 FROM patients WHERE id = $5 AND user_id = $2
            RETURNING *
            """, [.text(RecordID.make()), .text(userId), .text(content), .int(now), .text(patientId)])
            .first.map(NoteRecord.init(row:))
    }

    public func note(userId: String, patientId: String, id: String) async throws -> NoteRecord? {
        try await database.query("SELECT * FROM clinical_notes WHERE id = $1 AND patient_id = $2 AND user_id = $3",
                                 [.text(id), .text(patientId), .text(userId)]).first.map(NoteRecord.init(row:))
    }

    /// Newest first; nil when the patient is not this doctor's.
    public func notes(userId: String, patientId: String, limit: Int, after cursor: PageCursor?) async throws -> Page<NoteRecord>? {
        guard try await patient(userId: userId, id: patientId) != nil else { return nil }
        var sql = "SELECT * FROM clinical_notes WHERE patient_id = $1 AND user_id = $2"
        var binds: [SQLValue] = [.text(patientId), .text(userId)]
        if let cursor {
            binds += [.int(cursor.key), .text(cursor.id)]
            sql += " AND (created_at < $3 OR (created_at = $3 AND id < $4))"
        }
        binds.append(.int(Int64(limit + 1)))
        sql += " ORDER BY created_at DESC, id DESC LIMIT $\(binds.count)"
        let records = try await database.query(sql, binds).map(NoteRecord.init(row:))
        return Self.page(records, limit: limit) { PageCursor(key: $0.createdAt, id: $0.id) }
    }

    /// Replaces the text, keeping the previous one as a version.
    public func amendNote(userId: String, patientId: String, id: String, content: String, now: Int64) async throws -> NoteRecord? {
        try await database.transaction { tx in
            guard let row = try await tx.query("SELECT * FROM clinical_notes WHERE id = $1 AND patient_id = $2 AND user_id = $3",
                                                [.text(id), .text(patientId), .text(userId)]).first
            else { return nil }
            let current = try NoteRecord(row: row)
            try await tx.query("INSERT INTO clinical_note_versions (note_id, version, content, created_at) VALUES ($1, $2, $3, $4)",
                               [.text(id), .int(current.version), .text(current.content), .int(current.updatedAt)])
            return try await tx.query("""
                UPDATE clinical_notes SET content = $1, version = version + 1, updated_at = $2 WHERE id = $3 RETURNING *
                """, [.text(content), .int(max(now, current.updatedAt)), .text(id)]).first.map(NoteRecord.init(row:))
        }
    }

    public func noteVersions(userId: String, noteId: String) async throws -> [NoteVersionRecord] {
        try await database.query("""
            SELECT v.version, v.content, v.created_at FROM clinical_note_versions v
            JOIN clinical_notes n ON n.id = v.note_id WHERE v.note_id = $1 AND n.user_id = $2 ORDER BY v.version
            """, [.text(noteId), .text(userId)]).map {
            NoteVersionRecord(version: try $0.int("version"), content: try $0.string("content"), createdAt: try $0.int("created_at"))
        }
    }

    public func deleteNote(userId: String, patientId: String, id: String) async throws -> Bool {
        try await !database.query("DELETE FROM clinical_notes WHERE id = $1 AND patient_id = $2 AND user_id = $3 RETURNING id",
                                  [.text(id), .text(patientId), .text(userId)]).isEmpty
    }

    // MARK: Appointments

    static let appointmentColumns = """
        SELECT a.id, a.patient_id, p.name AS patient_name, a.starts_at, a.ends_at, a.reason, a.status, a.created_at, a.updated_at
        FROM appointments a JOIN patients p ON p.id = a.patient_id
        """

    public func appointment(userId: String, id: String) async throws -> AppointmentRecord? {
        try await Self.appointment(userId: userId, id: id, on: database)
    }

    static func appointment(userId: String, id: String, on executor: any SQLExecutor) async throws -> AppointmentRecord? {
        try await executor.query(appointmentColumns + " WHERE a.id = $1 AND a.user_id = $2", [.text(id), .text(userId)])
            .first.map(AppointmentRecord.init(row:))
    }

    /// Ordered by start. Returns those overlapping [from, to) when given.
    public func appointments(userId: String, from: Int64?, to: Int64?, patientId: String?, limit: Int,
                             after cursor: PageCursor?) async throws -> Page<AppointmentRecord> {
        var sql = Self.appointmentColumns + " WHERE a.user_id = $1"
        var binds: [SQLValue] = [.text(userId)]
        if let from {
            binds.append(.int(from))
            sql += " AND a.ends_at > $\(binds.count)"
        }
        if let to {
            binds.append(.int(to))
            sql += " AND a.starts_at < $\(binds.count)"
        }
        if let patientId {
            binds.append(.text(patientId))
            sql += " AND a.patient_id = $\(binds.count)"
        }
        if let cursor {
            binds += [.int(cursor.key), .text(cursor.id)]
            sql += " AND (a.starts_at > $\(binds.count - 1) OR (a.starts_at = $\(binds.count - 1) AND a.id > $\(binds.count)))"
        }
        binds.append(.int(Int64(limit + 1)))
        sql += " ORDER BY a.starts_at, a.id LIMIT $\(binds.count)"
        let records = try await database.query(sql, binds).map(AppointmentRecord.init(row:))
        return Self.page(records, limit: limit) { PageCursor(key: $0.startsAt, id: $0.id) }
    }

    /// Books or moves an appointment. The overlap check and the write share one transaction that
    /// holds the doctor's row, so two bookings racing for one slot cannot both succeed.
    public func saveAppointment(userId: String, id: String?, fields: AppointmentFields, now: Int64) async throws -> AppointmentWriteResult {
        try await database.transaction { tx in
            if tx.dialect == .postgres {
                try await tx.query("SELECT id FROM users WHERE id = $1 FOR UPDATE", [.text(userId)])
            }
            var patientId = fields.patientId
            var startsAt = fields.startsAt ?? 0
            var endsAt = fields.endsAt ?? 0
            var reason = fields.reason ?? nil
            var status = fields.status ?? "scheduled"
            if let id {
                guard let existing = try await Self.appointment(userId: userId, id: id, on: tx) else { return .notFound }
                patientId = fields.patientId ?? existing.patientId
                startsAt = fields.startsAt ?? existing.startsAt
                endsAt = fields.endsAt ?? existing.endsAt
                reason = fields.reason ?? existing.reason
                status = fields.status ?? existing.status
            }
            guard let patientId,
                  try await !tx.query("SELECT id FROM patients WHERE id = $1 AND user_id = $2",
                                      [.text(patientId), .text(userId)]).isEmpty
            else { return .patientNotFound }
            if status != "cancelled" {
                // Half-open intervals: one that ends as the next starts does not clash.
                let clash = try await tx.query(Self.appointmentColumns + """
                     WHERE a.user_id = $1 AND a.status <> 'cancelled' AND a.starts_at < $2 AND a.ends_at > $3 AND a.id <> $4
                     ORDER BY a.starts_at LIMIT 1
                    """, [.text(userId), .int(endsAt), .int(startsAt), .text(id ?? "")])
                if let row = clash.first { return .conflict(try AppointmentRecord(row: row)) }
            }
            let appointmentId = id ?? RecordID.make()
            if id == nil {
                try await tx.query("""
                    INSERT INTO appointments (id, user_id, patient_id, starts_at, ends_at, reason, status, created_at, updated_at)
                    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8)
                    """, [.text(appointmentId), .text(userId), .text(patientId), .int(startsAt), .int(endsAt),
                          SQLValue(reason), .text(status), .int(now)])
            } else {
                try await tx.query("""
                    UPDATE appointments SET patient_id = $1, starts_at = $2, ends_at = $3, reason = $4, status = $5, updated_at = $6
                    WHERE id = $7 AND user_id = $8
                    """, [.text(patientId), .int(startsAt), .int(endsAt), SQLValue(reason), .text(status), .int(now),
                          .text(appointmentId), .text(userId)])
            }
            guard let saved = try await Self.appointment(userId: userId, id: appointmentId, on: tx) else {
                throw StoreError.corrupt("appointment vanished inside its transaction")
            }
            return .saved(saved)
        }
    }

    public func deleteAppointment(userId: String, id: String) async throws -> Bool {
        try await !database.query("DELETE FROM appointments WHERE id = $1 AND user_id = $2 RETURNING id",
                                  [.text(id), .text(userId)]).isEmpty
    }
}
