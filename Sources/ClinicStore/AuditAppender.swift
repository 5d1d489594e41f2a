/// Writes the audit events of reads (and refusals, and sign-ins) that arrive together as one
/// multi-row INSERT in one transaction, instead of one transaction each. Each caller still returns
/// only once its event is committed (no log, no answer); what batching saves is the per-event
/// transaction: the savepoint, the statement and its thread hops, and on PostgreSQL the commit
/// round trip. While one batch commits, the next gathers. On SQLite a batch of these alone is
/// committed without waiting for its fsync (`appendSyncedLater`): see `WALSyncer`.
actor AuditAppender {
    private let database: any SQLDatabase
    private var waiting: [(entry: AuditEntry, continuation: CheckedContinuation<Void, any Error>)] = []
    private var draining = false
    /// 13 values a row: 400 rows stay far under SQLite's and PostgreSQL's limits on bound values.
    static let maximumBatch = 400

    init(database: any SQLDatabase) {
        self.database = database
    }

    func append(_ entry: AuditEntry) async throws {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            waiting.append((entry, continuation))
            if !draining {
                draining = true
                Task { await self.drain() }
            }
        }
    }

    private func drain() async {
        while !waiting.isEmpty {
            let batch = Array(waiting.prefix(Self.maximumBatch))
            waiting.removeFirst(batch.count)
            do {
                try await database.appendSyncedLater(ClinicStore.auditInserts(batch.map(\.entry), dialect: database.dialect))
                for item in batch { item.continuation.resume() }
            } catch {
                // One event the database refuses must not fail the others (other clinics' requests
                // among them): each is tried on its own, and only the one that fails says so.
                for item in batch {
                    do {
                        try await ClinicStore.insertAudit(item.entry, on: database)
                        item.continuation.resume()
                    } catch {
                        item.continuation.resume(throwing: error)
                    }
                }
            }
        }
        draining = false
    }
}
