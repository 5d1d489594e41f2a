import Foundation

public struct DocumentRecord: Sendable, Equatable {
    public var id: String
    public var patientId: String
    public var fileName: String
    public var contentType: String
    public var sizeBytes: Int64
    public var storageKey: String
    public var uploadedAt: Int64

    init(row: SQLRow) throws {
        id = try row.string("id")
        patientId = try row.string("patient_id")
        fileName = try row.string("file_name")
        contentType = try row.string("content_type")
        sizeBytes = try row.int("size_bytes")
        storageKey = try row.string("storage_key")
        uploadedAt = try row.int("uploaded_at")
    }
}

extension ClinicStore {
    /// nil when the patient is not this doctor's.
    public func createDocument(userId: String, patientId: String, id: String, fileName: String, contentType: String,
                               sizeBytes: Int64, storageKey: String, now: Int64) async throws -> DocumentRecord? {
        try await database.query("""
            INSERT INTO documents (id, user_id, patient_id, file_name, content_type, size_bytes, storage_key, uploaded_at)
            SELECT $1, $2, id, $3, $4, $5, $6, $7 FROM patients WHERE id = $8 AND user_id = $2
            RETURNING *
            """, [.text(id), .text(userId), .text(fileName), .text(contentType), .int(sizeBytes), .text(storageKey), .int(now),
                  .text(patientId)]).first.map(DocumentRecord.init(row:))
    }

    public func documents(userId: String, patientId: String) async throws -> [DocumentRecord]? {
        guard try await patient(userId: userId, id: patientId) != nil else { return nil }
        return try await database.query("""
            SELECT * FROM documents WHERE patient_id = $1 AND user_id = $2 ORDER BY uploaded_at DESC, id DESC LIMIT 500
            """, [.text(patientId), .text(userId)]).map(DocumentRecord.init(row:))
    }

    public func document(userId: String, id: String) async throws -> DocumentRecord? {
        try await database.query("SELECT * FROM documents WHERE id = $1 AND user_id = $2", [.text(id), .text(userId)])
            .first.map(DocumentRecord.init(row:))
    }

    /// Deletes the row and returns it, so the caller can delete the stored bytes.
    public func deleteDocument(userId: String, id: String) async throws -> DocumentRecord? {
        try await database.query("DELETE FROM documents WHERE id = $1 AND user_id = $2 RETURNING *", [.text(id), .text(userId)])
            .first.map(DocumentRecord.init(row:))
    }

    /// The storage keys of a patient's documents (read before the patient is deleted).
    public func documentKeys(userId: String, patientId: String) async throws -> [String] {
        try await database.query("SELECT storage_key FROM documents WHERE patient_id = $1 AND user_id = $2",
                                 [.text(patientId), .text(userId)]).map { try $0.string("storage_key") }
    }
}

extension ClinicStore {
    /// The document stored under `key` (for serving a signed download URL, which carries no user).
    public func document(storageKey key: String) async throws -> DocumentRecord? {
        try await database.query("SELECT * FROM documents WHERE storage_key = $1", [.text(key)]).first.map(DocumentRecord.init(row:))
    }
}
