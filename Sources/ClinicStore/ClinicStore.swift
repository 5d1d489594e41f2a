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

    let auditAppender: AuditAppender

    public init(database: any SQLDatabase, poolSize: Int = 1) {
        let usage = PoolUsage(size: poolSize)
        self.database = MeasuredDatabase(inner: database, usage: usage)
        self.poolUsage = usage
        self.auditAppender = AuditAppender(database: self.database)
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

    /// A new patient, and its audit event in the same transaction.
    public func createPatient(clinicId: String, fields: PatientFields, now: Int64, audit: AuditEntry? = nil) async throws -> PatientRecord {
        guard let patient = try await importPatients(clinicId: clinicId, [(fields, now)], audit: audit).first else {
            throw StoreError.corrupt("insert returned no row")
        }
        return patient
    }

    /// Many patients in one transaction (imports, demo data, benchmarks). `createdAt` per row lets
    /// an import keep the clinic's own registration dates. `audit` is recorded for each.
    public func importPatients(clinicId: String, _ patients: [(fields: PatientFields, createdAt: Int64)],
                               audit: AuditEntry? = nil) async throws -> [PatientRecord] {
        try await database.transaction { tx in
            var records: [PatientRecord] = []
            records.reserveCapacity(patients.count)
            for (fields, createdAt) in patients {
                let rows = try await tx.query("""
                    INSERT INTO patients (id, clinic_id, name, phone_number, address, notes, date_of_birth, sex, created_at, updated_at)
                    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9) RETURNING *
                    """, [.text(RecordID.make()), .text(clinicId), .text(fields.name ?? ""), SQLValue(fields.phoneNumber ?? nil),
                          SQLValue(fields.address ?? nil), SQLValue(fields.notes ?? nil), SQLValue(fields.dateOfBirth ?? nil),
                          SQLValue(fields.sex ?? nil), .int(createdAt)])
                guard let row = rows.first else { throw StoreError.corrupt("insert returned no row") }
                let patient = try PatientRecord(row: row)
                try await Self.writeTerms(patient, tx: tx)
                if let audit { try await Self.insertAudit(audit.about(patient: patient, record: ("patient", patient.id)), on: tx) }
                records.append(patient)
            }
            return records
        }
    }

    /// Notes with their own authors and timestamps, in one transaction (imports and demo data).
    public func importNotes(clinicId: String, _ notes: [(patientId: String, authorId: String, content: String, createdAt: Int64)]) async throws {
        guard !notes.isEmpty else { return }
        try await database.transaction { tx in
            for note in notes {
                try await tx.query("""
                    INSERT INTO clinical_notes (id, clinic_id, patient_id, author_id, content, version, created_at, updated_at)
                    VALUES ($1, $2, $3, $4, $5, 1, $6, $6)
                    """, [.text(RecordID.make()), .text(clinicId), .text(note.patientId), .text(note.authorId), .text(note.content),
                          .int(note.createdAt)])
            }
        }
    }

    /// `tenantColumn`: `user_id` before migration 8 renamed it (migration 6 runs on either schema).
    static func writeTerms(_ patient: PatientRecord, tx: any SQLExecutor, tenantColumn: String = "clinic_id") async throws {
        try await tx.query("DELETE FROM patient_terms WHERE patient_id = $1", [.text(patient.id)])
        let terms = SearchTerms.terms(name: patient.name, phone: patient.phoneNumber).sorted()
        guard !terms.isEmpty else { return }
        // One multi-row insert: ($1, $2, $3, $4), ($1, $5, $3, $4), …
        var sql = "INSERT INTO patient_terms (\(tenantColumn), term, patient_id, created_at) VALUES "
        var binds: [SQLValue] = [.text(patient.clinicId)]
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
        let tenantColumn = try await hasColumn("patients", "clinic_id", tx: tx) ? "clinic_id" : "user_id"
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
                try await writeTerms(patient, tx: tx, tenantColumn: tenantColumn)
                rewritten += 1
            }
        }
    }

    /// Whether a table has a column (a migration step that can meet the schema before or after another step).
    static func hasColumn(_ table: String, _ column: String, tx: any SQLExecutor) async throws -> Bool {
        switch tx.dialect {
        case .sqlite:
            return try await tx.query("SELECT name FROM pragma_table_info($1)", [.text(table)]).contains { $0.optionalString("name") == column }
        case .postgres:
            return try await !tx.query("SELECT column_name FROM information_schema.columns WHERE table_name = $1 AND column_name = $2",
                                       [.text(table), .text(column)]).isEmpty
        }
    }

    public func patient(clinicId: String, id: String) async throws -> PatientRecord? {
        try await database.query("SELECT * FROM patients WHERE id = $1 AND clinic_id = $2", [.text(id), .text(clinicId)])
            .first.map(PatientRecord.init(row:))
    }

    public func updatePatient(clinicId: String, id: String, fields: PatientFields, now: Int64, audit: AuditEntry? = nil) async throws -> PatientRecord? {
        try await database.transaction { tx in
            guard let row = try await tx.query("SELECT * FROM patients WHERE id = $1 AND clinic_id = $2",
                                                [.text(id), .text(clinicId)]).first
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
                updated_at = $7 WHERE id = $8 AND clinic_id = $9
                """, [.text(patient.name), SQLValue(patient.phoneNumber), SQLValue(patient.address), SQLValue(patient.notes),
                      SQLValue(patient.dateOfBirth), SQLValue(patient.sex), .int(patient.updatedAt), .text(id), .text(clinicId)])
            if fields.name != nil || fields.phoneNumber != nil {
                try await Self.writeTerms(patient, tx: tx)
            }
            if let audit { try await Self.insertAudit(audit.about(patient: patient, record: ("patient", patient.id)), on: tx) }
            return patient
        }
    }

    /// Deletes the patient with its notes, appointments and documents (by foreign-key cascade).
    /// The audit event keeps the patient's id and name (events have no foreign keys).
    public func deletePatient(clinicId: String, id: String, audit: AuditEntry? = nil) async throws -> Bool {
        try await database.transaction { tx in
            guard let row = try await tx.query("DELETE FROM patients WHERE id = $1 AND clinic_id = $2 RETURNING *",
                                               [.text(id), .text(clinicId)]).first
            else { return false }
            let patient = try PatientRecord(row: row)
            if let audit { try await Self.insertAudit(audit.about(patient: patient, record: ("patient", patient.id)), on: tx) }
            return true
        }
    }

    /// The characters of a term the search index leads with. Migration 11's expression index is
    /// written with this number: another needs a new index, or the search silently stops using it.
    /// Both databases count characters, not bytes, in `substr`.
    static let headLength = 3

    /// Newest first. `query` filters by name word prefixes or phone digits (see `SearchTerms`).
    public func patients(clinicId: String, query: String?, limit: Int, after cursor: PageCursor?) async throws -> Page<PatientRecord> {
        let prefixes = SearchTerms.prefixes(query: query ?? "")
        if prefixes?.isEmpty == true { return Page(items: [], next: nil) }
        var binds: [SQLValue] = [.text(clinicId)]
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
                let low = binds.count - 1, high = binds.count
                // Three characters or more: the index by a term's first three (`patient_terms_by_head`)
                // holds the word's matches newest first, so a page is read in order and the scan stops
                // at the limit, where a range of terms had every match sorted (`gar` over 100k: 265 →
                // 116 µs). A longer, rarer word scans its head's entries until the page is full: never
                // more than its first three characters alone. Of several words, each is read whole
                // for the intersection, so only a word of exactly three (whose range is its head) takes
                // the index there. Shorter words keep the range.
                let characters = prefix.unicodeScalars.count
                let byHead = prefixes.count == 1 ? characters >= Self.headLength : characters == Self.headLength
                let head = byHead ? " AND substr(term, 1, \(Self.headLength)) = substr($\(low), 1, \(Self.headLength))" : ""
                arms.append("SELECT patient_id, created_at FROM patient_terms WHERE clinic_id = $1\(head) AND term >= $\(low)"
                            + " AND term < $\(high)" + cursorCondition)
            }
            binds.append(.int(Int64(limit + 1)))
            // One word: GROUP BY removes a patient matched twice (one temporary b-tree, where DISTINCT
            // and ORDER BY took two); several: INTERSECT already does.
            let inner = arms.count == 1
                ? arms[0] + " GROUP BY created_at, patient_id ORDER BY created_at DESC, patient_id DESC LIMIT $\(binds.count)"
                : arms.joined(separator: " INTERSECT ") + " ORDER BY created_at DESC, patient_id DESC LIMIT $\(binds.count)"
            sql = "SELECT p.* FROM (\(inner)) c JOIN patients p ON p.id = c.patient_id ORDER BY c.created_at DESC, c.patient_id DESC"
        } else {
            var plain = "SELECT * FROM patients WHERE clinic_id = $1"
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

    static let noteColumns = "SELECT n.*, u.username AS author_name FROM clinical_notes n LEFT JOIN users u ON u.id = n.author_id"

    /// nil when the patient is not this clinic's.
    public func createNote(clinicId: String, patientId: String, authorId: String, content: String, now: Int64,
                           audit: AuditEntry? = nil) async throws -> NoteRecord? {
        try await database.transaction { tx in
            guard let patient = try await tx.query("SELECT * FROM patients WHERE id = $1 AND clinic_id = $2",
                                                   [.text(patientId), .text(clinicId)]).first.map(PatientRecord.init(row:))
            else { return nil }
            let id = RecordID.make()
            try await tx.query("""
                INSERT INTO clinical_notes (id, clinic_id, patient_id, author_id, content, version, created_at, updated_at)
                VALUES ($1, $2, $3, $4, $5, 1, $6, $6)
                """, [.text(id), .text(clinicId), .text(patientId), .text(authorId), .text(content), .int(now)])
            if let audit { try await Self.insertAudit(audit.about(patient: patient, record: ("note", id)), on: tx) }
            return try await tx.query(Self.noteColumns + " WHERE n.id = $1", [.text(id)]).first.map(NoteRecord.init(row:))
        }
    }

    public func note(clinicId: String, patientId: String, id: String) async throws -> NoteRecord? {
        try await database.query(Self.noteColumns + " WHERE n.id = $1 AND n.patient_id = $2 AND n.clinic_id = $3",
                                 [.text(id), .text(patientId), .text(clinicId)]).first.map(NoteRecord.init(row:))
    }

    /// Newest first.
    public func notes(clinicId: String, patientId: String, limit: Int, after cursor: PageCursor?) async throws -> Page<NoteRecord> {
        var sql = Self.noteColumns + " WHERE n.patient_id = $1 AND n.clinic_id = $2"
        var binds: [SQLValue] = [.text(patientId), .text(clinicId)]
        if let cursor {
            binds += [.int(cursor.key), .text(cursor.id)]
            sql += " AND (n.created_at < $3 OR (n.created_at = $3 AND n.id < $4))"
        }
        binds.append(.int(Int64(limit + 1)))
        sql += " ORDER BY n.created_at DESC, n.id DESC LIMIT $\(binds.count)"
        let records = try await database.query(sql, binds).map(NoteRecord.init(row:))
        return Self.page(records, limit: limit) { PageCursor(key: $0.createdAt, id: $0.id) }
    }

    /// Replaces the text, keeping the previous one as a version. Only the note's author may.
    public func amendNote(clinicId: String, patientId: String, id: String, authorId: String, content: String, now: Int64,
                          audit: AuditEntry? = nil) async throws -> NoteWriteResult {
        try await database.transaction { tx in
            guard let row = try await tx.query(Self.noteColumns + " WHERE n.id = $1 AND n.patient_id = $2 AND n.clinic_id = $3",
                                                [.text(id), .text(patientId), .text(clinicId)]).first
            else { return .notFound }
            let current = try NoteRecord(row: row)
            guard current.authorId == authorId else { return .notAuthor(current) }
            try await tx.query("INSERT INTO clinical_note_versions (note_id, version, content, created_at) VALUES ($1, $2, $3, $4)",
                               [.text(id), .int(current.version), .text(current.content), .int(current.updatedAt)])
            try await tx.query("UPDATE clinical_notes SET content = $1, version = version + 1, updated_at = $2 WHERE id = $3",
                               [.text(content), .int(max(now, current.updatedAt)), .text(id)])
            if let audit {
                let patient = try await tx.query("SELECT * FROM patients WHERE id = $1", [.text(patientId)]).first.map(PatientRecord.init(row:))
                try await Self.insertAudit(audit.about(patient: patient, patientId: patientId, record: ("note", id)), on: tx)
            }
            guard let saved = try await tx.query(Self.noteColumns + " WHERE n.id = $1", [.text(id)]).first.map(NoteRecord.init(row:)) else {
                throw StoreError.corrupt("a note vanished inside its transaction")
            }
            return .saved(saved)
        }
    }

    public func noteVersions(clinicId: String, noteId: String) async throws -> [NoteVersionRecord] {
        try await database.query("""
            SELECT v.version, v.content, v.created_at FROM clinical_note_versions v
            JOIN clinical_notes n ON n.id = v.note_id WHERE v.note_id = $1 AND n.clinic_id = $2 ORDER BY v.version
            """, [.text(noteId), .text(clinicId)]).map {
            NoteVersionRecord(version: try $0.int("version"), content: try $0.string("content"), createdAt: try $0.int("created_at"))
        }
    }

    /// Only the note's author may delete it.
    public func deleteNote(clinicId: String, patientId: String, id: String, authorId: String, audit: AuditEntry? = nil) async throws -> NoteWriteResult {
        try await database.transaction { tx in
            guard let row = try await tx.query(Self.noteColumns + " WHERE n.id = $1 AND n.patient_id = $2 AND n.clinic_id = $3",
                                                [.text(id), .text(patientId), .text(clinicId)]).first
            else { return .notFound }
            let note = try NoteRecord(row: row)
            guard note.authorId == authorId else { return .notAuthor(note) }
            try await tx.query("DELETE FROM clinical_notes WHERE id = $1", [.text(id)])
            if let audit {
                let patient = try await tx.query("SELECT * FROM patients WHERE id = $1", [.text(patientId)]).first.map(PatientRecord.init(row:))
                try await Self.insertAudit(audit.about(patient: patient, patientId: patientId, record: ("note", id)), on: tx)
            }
            return .saved(note)
        }
    }

    // MARK: Appointments

    static let appointmentColumns = """
        SELECT a.id, a.patient_id, p.name AS patient_name, a.provider_id, u.username AS provider_name, a.starts_at, a.ends_at,
               a.reason, a.status, a.arrived_at, a.created_at, a.updated_at
        FROM appointments a JOIN patients p ON p.id = a.patient_id JOIN users u ON u.id = a.provider_id
        """

    public func appointment(clinicId: String, id: String) async throws -> AppointmentRecord? {
        try await Self.appointment(clinicId: clinicId, id: id, on: database)
    }

    static func appointment(clinicId: String, id: String, on executor: any SQLExecutor) async throws -> AppointmentRecord? {
        try await executor.query(appointmentColumns + " WHERE a.id = $1 AND a.clinic_id = $2", [.text(id), .text(clinicId)])
            .first.map(AppointmentRecord.init(row:))
    }

    /// Ordered by start. Returns those overlapping [from, to) when given; one doctor's when `providerId`.
    public func appointments(clinicId: String, from: Int64?, to: Int64?, patientId: String?, providerId: String? = nil, limit: Int,
                             after cursor: PageCursor?) async throws -> Page<AppointmentRecord> {
        var sql = Self.appointmentColumns + " WHERE a.clinic_id = $1"
        var binds: [SQLValue] = [.text(clinicId)]
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
        if let providerId {
            binds.append(.text(providerId))
            sql += " AND a.provider_id = $\(binds.count)"
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

    /// Books or moves an appointment on a doctor's calendar. The overlap check (per doctor) and the
    /// write share one transaction that holds the doctor's row, so two bookings racing for one of
    /// their slots cannot both succeed; two doctors may hold the same slot. `arrived_at` is set when
    /// the status becomes `arrived`, kept through `completed`, and cleared otherwise.
    public func saveAppointment(clinicId: String, id: String?, fields: AppointmentFields, now: Int64,
                                audit: AuditEntry? = nil) async throws -> AppointmentWriteResult {
        try await database.transaction { tx in
            var patientId = fields.patientId
            var providerId = fields.providerId
            var startsAt = fields.startsAt ?? 0
            var endsAt = fields.endsAt ?? 0
            var reason = fields.reason ?? nil
            var status = fields.status ?? "scheduled"
            var arrivedAt: Int64? = status == "arrived" ? now : nil
            if let id {
                guard let existing = try await Self.appointment(clinicId: clinicId, id: id, on: tx) else { return .notFound }
                patientId = fields.patientId ?? existing.patientId
                providerId = fields.providerId ?? existing.providerId
                startsAt = fields.startsAt ?? existing.startsAt
                endsAt = fields.endsAt ?? existing.endsAt
                reason = fields.reason ?? existing.reason
                status = fields.status ?? existing.status
                switch status {
                case "arrived": arrivedAt = existing.status == "arrived" ? existing.arrivedAt : now
                case "completed": arrivedAt = existing.arrivedAt
                default: arrivedAt = nil
                }
            }
            // A new booking, or a move to another doctor, needs an active doctor of the clinic; an
            // appointment already on the calendar of a doctor who has since left can still be
            // cancelled, checked in or moved in time. The row is held so two bookings for one doctor's slot serialise.
            guard let providerId else { return .providerNotFound }
            let lock = tx.dialect == .postgres ? " FOR UPDATE" : ""
            let mustBeActive = id == nil || fields.providerId != nil
            let provider = try await tx.query("SELECT id FROM users WHERE id = $1 AND clinic_id = $2"
                                              + (mustBeActive ? " AND active = 1 AND role <> 'front_desk'" : "") + lock,
                                              [.text(providerId), .text(clinicId)])
            if provider.isEmpty { return .providerNotFound }
            guard let patientId,
                  let patient = try await tx.query("SELECT * FROM patients WHERE id = $1 AND clinic_id = $2",
                                                   [.text(patientId), .text(clinicId)]).first.map(PatientRecord.init(row:))
            else { return .patientNotFound }
            if status != "cancelled" {
                // Half-open intervals: one that ends as the next starts does not clash.
                let clash = try await tx.query(Self.appointmentColumns + """
                     WHERE a.clinic_id = $1 AND a.provider_id = $2 AND a.status <> 'cancelled' AND a.starts_at < $3 AND a.ends_at > $4
                     AND a.id <> $5 ORDER BY a.starts_at LIMIT 1
                    """, [.text(clinicId), .text(providerId), .int(endsAt), .int(startsAt), .text(id ?? "")])
                if let row = clash.first { return .conflict(try AppointmentRecord(row: row)) }
            }
            let appointmentId = id ?? RecordID.make()
            if id == nil {
                try await tx.query("""
                    INSERT INTO appointments (id, clinic_id, patient_id, provider_id, starts_at, ends_at, reason, status, arrived_at,
                                              created_at, updated_at)
                    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10)
                    """, [.text(appointmentId), .text(clinicId), .text(patientId), .text(providerId), .int(startsAt), .int(endsAt),
                          SQLValue(reason), .text(status), SQLValue(arrivedAt), .int(now)])
            } else {
                try await tx.query("""
                    UPDATE appointments SET patient_id = $1, provider_id = $2, starts_at = $3, ends_at = $4, reason = $5, status = $6,
                    arrived_at = $7, updated_at = $8 WHERE id = $9 AND clinic_id = $10
                    """, [.text(patientId), .text(providerId), .int(startsAt), .int(endsAt), SQLValue(reason), .text(status),
                          SQLValue(arrivedAt), .int(now), .text(appointmentId), .text(clinicId)])
            }
            guard let saved = try await Self.appointment(clinicId: clinicId, id: appointmentId, on: tx) else {
                throw StoreError.corrupt("appointment vanished inside its transaction")
            }
            if let audit { try await Self.insertAudit(audit.about(patient: patient, record: ("appointment", appointmentId)), on: tx) }
            return .saved(saved)
        }
    }

    /// Appointments written as given, in one transaction, without the overlap check (imports and
    /// demo data, which come without clashes).
    public func importAppointments(clinicId: String, _ appointments: [(fields: AppointmentFields, arrivedAt: Int64?)], now: Int64) async throws {
        guard !appointments.isEmpty else { return }
        try await database.transaction { tx in
            for (fields, arrivedAt) in appointments {
                try await tx.query("""
                    INSERT INTO appointments (id, clinic_id, patient_id, provider_id, starts_at, ends_at, reason, status, arrived_at,
                                              created_at, updated_at)
                    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10)
                    """, [.text(RecordID.make()), .text(clinicId), SQLValue(fields.patientId), SQLValue(fields.providerId),
                          .int(fields.startsAt ?? 0), .int(fields.endsAt ?? 0), SQLValue(fields.reason ?? nil),
                          .text(fields.status ?? "scheduled"), SQLValue(arrivedAt), .int(min(now, fields.startsAt ?? now))])
            }
        }
    }

    public func deleteAppointment(clinicId: String, id: String, audit: AuditEntry? = nil) async throws -> Bool {
        try await database.transaction { tx in
            guard let appointment = try await Self.appointment(clinicId: clinicId, id: id, on: tx) else { return false }
            try await tx.query("DELETE FROM appointments WHERE id = $1 AND clinic_id = $2", [.text(id), .text(clinicId)])
            if let audit {
                var entry = audit.about(patient: nil, patientId: appointment.patientId, record: ("appointment", id))
                entry.patientName = appointment.patientName
                try await Self.insertAudit(entry, on: tx)
            }
            return true
        }
    }
}
