import Foundation

/// One line of the audit log: who did what to which patient, and what they were answered.
/// Written in the same transaction as the change it records; for reads, before the answer goes out.
public struct AuditEntry: Sendable, Equatable {
    public var clinicId: String
    public var at: Int64
    public var actorId: String?
    public var actorName: String?
    public var actorRole: String?
    /// `patient.view`, `note.create`, `signin.failure`, … (the contract's list, which is open).
    public var action: String
    /// As the request named it: a refused id of another clinic is kept as sent.
    public var patientId: String?
    /// Only for the clinic's own patients (filled in by the store from the row it touched).
    public var patientName: String?
    public var recordType: String?
    public var recordId: String?
    public var ip: String?
    /// The HTTP status answered.
    public var status: Int

    public init(clinicId: String, at: Int64, actorId: String?, actorName: String?, actorRole: String?, action: String,
                patientId: String? = nil, patientName: String? = nil, recordType: String? = nil, recordId: String? = nil,
                ip: String?, status: Int) {
        self.clinicId = clinicId
        self.at = at
        self.actorId = actorId
        self.actorName = actorName
        self.actorRole = actorRole
        self.action = action
        self.patientId = patientId
        self.patientName = patientName
        self.recordType = recordType
        self.recordId = recordId
        self.ip = ip
        self.status = status
    }

    /// The same entry about a given patient and record (the ids a write only knows once it is done).
    public func about(patient: PatientRecord?, patientId: String? = nil, record: (type: String, id: String)? = nil) -> AuditEntry {
        var entry = self
        if let patient {
            entry.patientId = patient.id
            entry.patientName = patient.name
        } else if let patientId {
            entry.patientId = patientId
        }
        if let record {
            entry.recordType = record.type
            entry.recordId = record.id
        }
        return entry
    }
}

/// A stored audit event.
public struct AuditEventRecord: Sendable, Equatable {
    public var id: String
    public var entry: AuditEntry

    init(row: SQLRow) throws {
        id = try row.string("id")
        entry = AuditEntry(clinicId: try row.string("clinic_id"), at: try row.int("at"), actorId: row.optionalString("actor_id"),
                           actorName: row.optionalString("actor_name"), actorRole: row.optionalString("actor_role"),
                           action: try row.string("action"), patientId: row.optionalString("patient_id"),
                           patientName: row.optionalString("patient_name"), recordType: row.optionalString("record_type"),
                           recordId: row.optionalString("record_id"), ip: row.optionalString("ip"), status: Int(try row.int("status")))
    }
}

/// Which events to list.
public struct AuditFilter: Sendable, Equatable {
    public var patientId: String?
    public var actorId: String?
    public var action: String?
    public var from: Int64?
    public var to: Int64?

    public init(patientId: String? = nil, actorId: String? = nil, action: String? = nil, from: Int64? = nil, to: Int64? = nil) {
        self.patientId = patientId
        self.actorId = actorId
        self.action = action
        self.from = from
        self.to = to
    }
}

extension ClinicStore {
    static func insertAudit(_ entry: AuditEntry, on executor: any SQLExecutor) async throws {
        try await executor.query(insertAuditSQL, binds(entry))
    }

    /// An event's values. Ids come from the request as sent (a refused `/api/patients/%00` is logged
    /// too), so text is stored without NUL, which PostgreSQL refuses in text, and ids at 64 characters.
    static func binds(_ entry: AuditEntry) -> [SQLValue] {
        func text(_ value: String?, limit: Int = 10_000) -> SQLValue {
            // Checked before anything is copied: almost every value is short and has no NUL, and
            // Foundation's `replacingOccurrences` on each was 3% of an audited read.
            guard var value else { return .null }
            if value.utf8.contains(0) { value.unicodeScalars.removeAll { $0 == "\u{0}" } }
            if value.utf8.count > limit { value = String(value.prefix(limit)) }
            return .text(value)
        }
        return [.text(RecordID.make(orderedBy: entry.at)), .text(entry.clinicId), .int(entry.at), text(entry.actorId), text(entry.actorName),
                text(entry.actorRole), .text(entry.action), text(entry.patientId, limit: 64), text(entry.patientName), text(entry.recordType),
                text(entry.recordId, limit: 64), text(entry.ip), .int(Int64(entry.status))]
    }

    /// The appender's batch as statements. PostgreSQL: one multi-row INSERT (one round trip).
    /// SQLite: the one-row INSERT once per event, all sent to the writer in one hop: the same kept
    /// statement each time, where a multi-row text for each batch size would fill the statement
    /// cache with up to 400 large statements and flush it.
    static func auditInserts(_ entries: [AuditEntry], dialect: SQLDialect) -> [(sql: String, binds: [SQLValue])] {
        switch dialect {
        case .sqlite: entries.map { (insertAuditSQL, binds($0)) }
        case .postgres: entries.isEmpty ? [] : [insertAudits(entries)]
        }
    }

    static let insertAuditSQL = """
        INSERT INTO audit_events (id, clinic_id, at, actor_id, actor_name, actor_role, action, patient_id, patient_name,
                                  record_type, record_id, ip, status)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
        """

    /// Several events in one statement: its SQL and values.
    static func insertAudits(_ entries: [AuditEntry]) -> (sql: String, binds: [SQLValue]) {
        var sql = """
            INSERT INTO audit_events (id, clinic_id, at, actor_id, actor_name, actor_role, action, patient_id, patient_name,
                                      record_type, record_id, ip, status)
            VALUES
            """
        var binds: [SQLValue] = []
        binds.reserveCapacity(entries.count * 13)
        for (index, entry) in entries.enumerated() {
            let base = index * 13
            sql += (index == 0 ? " (" : ", (") + (1...13).map { "$\(base + $0)" }.joined(separator: ", ") + ")"
            binds += Self.binds(entry)
        }
        return (sql, binds)
    }

    /// Records an event on its own (a read, a refusal, a sign-in): durable before it returns.
    /// Events arriving together are written together (`AuditAppender`).
    public func recordAudit(_ entry: AuditEntry) async throws {
        try await auditAppender.append(entry)
    }

    /// Newest first, filtered, a page at a time.
    public func auditEvents(clinicId: String, filter: AuditFilter, limit: Int, after cursor: PageCursor?) async throws -> Page<AuditEventRecord> {
        var sql = "SELECT * FROM audit_events WHERE clinic_id = $1"
        var binds: [SQLValue] = [.text(clinicId)]
        func add(_ condition: String, _ value: SQLValue) {
            binds.append(value)
            sql += " AND " + condition.replacingOccurrences(of: "?", with: "$\(binds.count)")
        }
        if let patientId = filter.patientId { add("patient_id = ?", .text(patientId)) }
        if let actorId = filter.actorId { add("actor_id = ?", .text(actorId)) }
        if let action = filter.action { add("action = ?", .text(action)) }
        if let from = filter.from { add("at >= ?", .int(from)) }
        if let to = filter.to { add("at < ?", .int(to)) }
        if let cursor {
            binds += [.int(cursor.key), .text(cursor.id)]
            sql += " AND (at < $\(binds.count - 1) OR (at = $\(binds.count - 1) AND id < $\(binds.count)))"
        }
        binds.append(.int(Int64(limit + 1)))
        sql += " ORDER BY at DESC, id DESC LIMIT $\(binds.count)"
        let records = try await database.query(sql, binds).map(AuditEventRecord.init(row:))
        return Self.page(records, limit: limit) { PageCursor(key: $0.entry.at, id: $0.id) }
    }

    /// Oldest first from `after` (exclusive), for exports: a page of a clinic's events in [from, to).
    public func auditEventsInOrder(clinicId: String, from: Int64, to: Int64, after cursor: PageCursor?, limit: Int) async throws -> [AuditEventRecord] {
        var sql = "SELECT * FROM audit_events WHERE clinic_id = $1 AND at >= $2 AND at < $3"
        var binds: [SQLValue] = [.text(clinicId), .int(from), .int(to)]
        if let cursor {
            binds += [.int(cursor.key), .text(cursor.id)]
            sql += " AND (at > $4 OR (at = $4 AND id > $5))"
        }
        binds.append(.int(Int64(limit)))
        sql += " ORDER BY at, id LIMIT $\(binds.count)"
        return try await database.query(sql, binds).map(AuditEventRecord.init(row:))
    }
}
