import Foundation
import Logging

/// SQLite in WAL mode: one writer connection behind an async gate (SQLite allows one writer at a
/// time anyway, and `BEGIN IMMEDIATE` then never meets SQLITE_BUSY), and a few reader connections
/// that run in parallel with it.
public final class SQLiteDatabase: SQLDatabase {
    public let dialect = SQLDialect.sqlite
    public let path: String
    private let writer: SQLiteQueueConnection
    private let readers: [SQLiteQueueConnection]
    private let committer: GroupCommitter
    private let logger: Logger

    public static func open(path: String, readers readerCount: Int = 4, logger: Logger) async throws -> SQLiteDatabase {
        let directory = (path as NSString).deletingLastPathComponent
        if !directory.isEmpty {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true,
                                                    attributes: [.posixPermissions: 0o700])
        }
        let writer: SQLiteQueueConnection
        var readers: [SQLiteQueueConnection] = []
        do {
            // The writer first: it creates the file and puts it in WAL mode before any reader opens it.
            writer = try SQLiteQueueConnection(path: path, label: "clinic.sqlite.writer", access: .writer)
            for index in 0..<max(1, readerCount) {
                readers.append(try SQLiteQueueConnection(path: path, label: "clinic.sqlite.reader.\(index)", access: .reader))
            }
        } catch {
            for reader in readers { reader.close() }
            throw StoreError.unavailable("cannot open \(path) as a SQLite database: \(error)")
        }
        // The database holds patients' records: only its owner may read it.
        chmod(path, 0o600)
        return SQLiteDatabase(path: path, writer: writer, readers: readers, logger: logger)
    }

    /// How many background syncs of the WAL ran, and waiting for the one under way (for the tests).
    var walSyncs: Int { committer.syncer.completed }
    func settleWALSyncs() { committer.syncer.settle() }

    func holdWALSyncsForTests(seconds: Double) { committer.syncer.holdForTests = seconds }

    /// The writer connection's `synchronous` as SQLite reads it between batches (2 is FULL).
    func writerSynchronous() async throws -> Int64? {
        try await committer.exclusive()
        defer { Task { await committer.leave() } }
        return try await writer.query("PRAGMA synchronous", [], cached: false).first?.int("synchronous")
    }

    /// The readers' kept statements parsed and planned again, by statement (see `SQLiteQueueConnection`).
    func readerReprepares() -> [String: Int] {
        readers.reduce(into: [:]) { all, reader in all.merge(reader.reprepareCounts(), uniquingKeysWith: +) }
    }

    private init(path: String, writer: SQLiteQueueConnection, readers: [SQLiteQueueConnection], logger: Logger) {
        self.path = path
        self.writer = writer
        self.readers = readers
        self.logger = logger
        self.committer = GroupCommitter(writer: writer, syncer: WALSyncer(databasePath: path, logger: logger), logger: logger)
    }

    public func query(_ sql: String, _ binds: [SQLValue]) async throws -> [SQLRow] {
        if Self.isReadOnly(sql) {
            return try await readers[Int.random(in: 0..<readers.count)].query(sql, binds)
        }
        if sql.drop(while: { $0.isWhitespace }).uppercased().hasPrefix("VACUUM") {
            // VACUUM cannot run inside a transaction: alone, between batches.
            try await committer.exclusive()
            defer { Task { await committer.leave() } }
            return try await writer.query(sql, binds, cached: false)
        }
        return try await transaction { tx in try await tx.query(sql, binds) }
    }

    /// Runs in the current write batch (see `GroupCommitter`), inside a savepoint of its own, and
    /// returns only once the batch is committed: an answer is never ahead of the disk.
    public func transaction<T: Sendable>(_ body: @Sendable (any SQLExecutor) async throws -> T) async throws -> T {
        try await committer.turn()
        let tx = SQLiteTransaction(connection: writer)
        let result: T
        do {
            _ = try await writer.query("SAVEPOINT clinic_write", [])
        } catch {
            await committer.poison(error)
            await committer.leave()
            throw error
        }
        do {
            result = try await body(tx)
            _ = try await writer.query("RELEASE clinic_write", [])
        } catch {
            do {
                _ = try await writer.query("ROLLBACK TO clinic_write", [])
                _ = try await writer.query("RELEASE clinic_write", [])
            } catch let rollbackError {
                await committer.poison(rollbackError)
            }
            await committer.leave()
            throw error
        }
        try await committer.joinCommit()
        return result
    }

    /// For the audit events of reads: with no write batch open, the statements go to the writer in
    /// one hop as a transaction committed under `synchronous = NORMAL` (in the WAL, visible to every
    /// connection and kept through a crash of the server, but not yet fsynced), the connection set
    /// back to FULL in the same hop, and the caller is answered without waiting for the fsync, which
    /// `WALSyncer` runs at once. With a batch open they join it, and it commits as usual (FULL).
    public func appendSyncedLater(_ statements: [(sql: String, binds: [SQLValue])]) async throws {
        if try await committer.commitAlone(statements) { return }
        try await transaction { tx in
            for statement in statements { try await tx.query(statement.sql, statement.binds) }
        }
    }

    public func close() async {
        for reader in readers { reader.close() }
        committer.syncer.settle()
        writer.close()
    }

    static func isReadOnly(_ sql: String) -> Bool {
        let head = sql.drop(while: { $0.isWhitespace }).prefix(6).uppercased()
        return head.hasPrefix("SELECT") || head.hasPrefix("WITH")
    }
}

/// The writer connection inside `BEGIN IMMEDIATE`: every statement goes to it, reads included.
struct SQLiteTransaction: SQLExecutor {
    let dialect = SQLDialect.sqlite
    let connection: SQLiteQueueConnection

    func query(_ sql: String, _ binds: [SQLValue]) async throws -> [SQLRow] {
        try await connection.query(sql, binds)
    }

    func transaction<T: Sendable>(_ body: @Sendable (any SQLExecutor) async throws -> T) async throws -> T {
        try await body(self)
    }
}

/// Group commit: writers take turns on the one writer connection, but the transaction a turn
/// opens stays open for the next writer waiting, and is committed only when nobody is waiting (or
/// after `maximumBatch` writes). Each write runs in its own savepoint (a failing one is rolled back
/// alone); one COMMIT (one fsync) then makes the batch durable, and every writer in it hears
/// "saved" only after that. Order is arrival order; each write sees the ones before it, exactly as
/// with one transaction at a time.
actor GroupCommitter {
    static let maximumBatch = 128
    private let writer: SQLiteQueueConnection
    let syncer: WALSyncer
    private let logger: Logger
    private var busy = false
    private var open = false
    private var waiters: [CheckedContinuation<Void, Never>] = []
    private var committing: [CheckedContinuation<Void, any Error>] = []
    private var batchSize = 0
    private var poisoned: (any Error)?

    init(writer: SQLiteQueueConnection, syncer: WALSyncer, logger: Logger) {
        self.writer = writer
        self.syncer = syncer
        self.logger = logger
    }

    /// Waits for this writer's turn and makes sure a transaction is open.
    func turn() async throws {
        await acquire()
        if !open {
            do {
                _ = try await writer.query("BEGIN IMMEDIATE", [])
                open = true
            } catch {
                release()
                throw error
            }
        }
        batchSize += 1
    }

    /// With no batch open, `statements` in a transaction of their own, in one hop, committed under
    /// NORMAL and answered before their fsync (see `SQLiteDatabase.appendSyncedLater`). With one
    /// open, the turn is given back and false returned: the caller joins a batch instead.
    func commitAlone(_ statements: [(sql: String, binds: [SQLValue])]) async throws -> Bool {
        await acquire()
        guard !open else {
            handOn()
            return false
        }
        defer { release() }
        try await writer.run(together: [("PRAGMA synchronous = NORMAL", []), ("BEGIN IMMEDIATE", [])] + statements + [("COMMIT", [])],
                             onFailure: "ROLLBACK", finally: "PRAGMA synchronous = FULL")
        syncer.request()
        return true
    }

    /// A turn with no transaction open (for VACUUM): the open batch is committed first.
    func exclusive() async throws {
        await acquire()
        if open { await commit() }
    }

    /// After a successful write: hand the turn on and wait for the batch's COMMIT.
    func joinCommit() async throws {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            committing.append(continuation)
            handOn()
        }
    }

    /// After a failed write (its savepoint rolled back) or an exclusive statement: hand the turn on.
    func leave() {
        handOn()
    }

    /// The transaction can no longer be trusted: the whole batch is rolled back and fails.
    func poison(_ error: any Error) {
        poisoned = poisoned ?? error
    }

    private func acquire() async {
        if busy {
            await withCheckedContinuation { waiters.append($0) }  // the turn is handed over with busy still set
        } else {
            busy = true
        }
    }

    private func release() {
        if waiters.isEmpty {
            busy = false
        } else {
            waiters.removeFirst().resume()
        }
    }

    /// The next writer continues the open batch; with none waiting (or a full batch) it is committed.
    private func handOn() {
        if open && !waiters.isEmpty && batchSize < Self.maximumBatch && poisoned == nil {
            waiters.removeFirst().resume()
            return
        }
        Task { await self.commitAndRelease() }
    }

    private func commitAndRelease() async {
        if open { await commit() }
        release()
    }

    private func commit() async {
        let group = committing
        committing = []
        batchSize = 0
        var failure = poisoned
        if failure == nil {
            do {
                _ = try await writer.query("COMMIT", [])
            } catch {
                failure = error
            }
        }
        if let failure {
            _ = try? await writer.query("ROLLBACK", [])
            logger.error("write batch rolled back", metadata: ["writes": "\(group.count)", "error": "\(failure)"])
        }
        open = false
        poisoned = nil
        for continuation in group {
            if let failure { continuation.resume(throwing: failure) } else { continuation.resume() }
        }
    }
}

/// `$3` → `?3`: SQLite reads `$name` as a named parameter numbered by first appearance, while
/// `?NNN` is numbered explicitly, so the PostgreSQL spelling keeps its meaning exactly.
func positionalPlaceholders(_ sql: String) -> String {
    // Over the UTF-8 bytes (`$` and digits are ASCII, and never inside a multi-byte character):
    // this runs for every statement, and walking Characters was 4% of a patient list's CPU.
    let dollar = UInt8(ascii: "$")
    guard sql.utf8.contains(dollar) else { return sql }
    var out: [UInt8] = []
    out.reserveCapacity(sql.utf8.count)
    var afterDollar = false
    for byte in sql.utf8 {
        if afterDollar {
            afterDollar = false
            out.append((UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) ? UInt8(ascii: "?") : dollar)
        }
        if byte == dollar {
            afterDollar = true
            continue
        }
        out.append(byte)
    }
    if afterDollar { out.append(dollar) }
    return String(decoding: out, as: UTF8.self)
}
