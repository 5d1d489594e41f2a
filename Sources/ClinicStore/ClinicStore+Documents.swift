import Foundation

public struct DocumentRecord: Sendable, Equatable {
    public var id: String
    public var patientId: String
    public var fileName: String
    public var contentType: String
    public var sizeBytes: Int64
    public var storageKey: String
    public var uploadedAt: Int64
    public var uploadedByName: String?

    init(row: SQLRow) throws {
        id = try row.string("id")
        patientId = try row.string("patient_id")
        fileName = try row.string("file_name")
        contentType = try row.string("content_type")
        sizeBytes = try row.int("size_bytes")
        storageKey = try row.string("storage_key")
        uploadedAt = try row.int("uploaded_at")
        uploadedByName = row.optionalString("uploaded_by_name")
    }
}

extension ClinicStore {
    static let documentColumns = "SELECT d.*, u.username AS uploaded_by_name FROM documents d LEFT JOIN users u ON u.id = d.uploaded_by"

    /// nil when the patient is not this clinic's.
    public func createDocument(clinicId: String, patientId: String, id: String, fileName: String, contentType: String,
                               sizeBytes: Int64, storageKey: String, uploadedBy: String, now: Int64,
                               audit: AuditEntry? = nil) async throws -> DocumentRecord? {
        try await database.transaction { tx in
            guard let patient = try await tx.query("SELECT * FROM patients WHERE id = $1 AND clinic_id = $2",
                                                   [.text(patientId), .text(clinicId)]).first.map(PatientRecord.init(row:))
            else { return nil }
            try await tx.query("""
                INSERT INTO documents (id, clinic_id, patient_id, file_name, content_type, size_bytes, storage_key, uploaded_at, uploaded_by)
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
                """, [.text(id), .text(clinicId), .text(patientId), .text(fileName), .text(contentType), .int(sizeBytes), .text(storageKey),
                      .int(now), .text(uploadedBy)])
            if let audit { try await Self.insertAudit(audit.about(patient: patient, record: ("document", id)), on: tx) }
            return try await tx.query(Self.documentColumns + " WHERE d.id = $1", [.text(id)]).first.map(DocumentRecord.init(row:))
        }
    }

    /// Newest first (a patient has few; the most recent 500).
    public func documents(clinicId: String, patientId: String) async throws -> [DocumentRecord] {
        try await database.query(Self.documentColumns + """
             WHERE d.patient_id = $1 AND d.clinic_id = $2 ORDER BY d.uploaded_at DESC, d.id DESC LIMIT 500
            """, [.text(patientId), .text(clinicId)]).map(DocumentRecord.init(row:))
    }

    public func document(clinicId: String, id: String) async throws -> DocumentRecord? {
        try await database.query(Self.documentColumns + " WHERE d.id = $1 AND d.clinic_id = $2", [.text(id), .text(clinicId)])
            .first.map(DocumentRecord.init(row:))
    }

    /// Deletes the row and returns it, so the caller can delete the stored bytes.
    public func deleteDocument(clinicId: String, id: String, audit: AuditEntry? = nil) async throws -> DocumentRecord? {
        try await database.transaction { tx in
            guard let document = try await tx.query(Self.documentColumns + " WHERE d.id = $1 AND d.clinic_id = $2",
                                                    [.text(id), .text(clinicId)]).first.map(DocumentRecord.init(row:))
            else { return nil }
            try await tx.query("DELETE FROM documents WHERE id = $1", [.text(id)])
            if let audit {
                let patient = try await tx.query("SELECT * FROM patients WHERE id = $1", [.text(document.patientId)]).first.map(PatientRecord.init(row:))
                try await Self.insertAudit(audit.about(patient: patient, patientId: document.patientId, record: ("document", id)), on: tx)
            }
            return document
        }
    }

    /// The storage keys of a patient's documents (read before the patient is deleted).
    public func documentKeys(clinicId: String, patientId: String) async throws -> [String] {
        try await database.query("SELECT storage_key FROM documents WHERE patient_id = $1 AND clinic_id = $2",
                                 [.text(patientId), .text(clinicId)]).map { try $0.string("storage_key") }
    }

    /// The document stored under `key` (for serving a signed download URL, which carries no account).
    public func document(storageKey key: String) async throws -> DocumentRecord? {
        try await database.query(Self.documentColumns + " WHERE d.storage_key = $1", [.text(key)]).first.map(DocumentRecord.init(row:))
    }
}
