import Foundation
import VaporCSQLite

/// A connection on SQLite's C API with a serial queue of its own: the store's readers and its one
/// writer. Each SQL text is prepared once and kept (reset and rebound for the next query: preparing
/// was 6.5% of a page of patients), rows become `SQLRow`s directly, and a query is one hop to the
/// connection's queue and one back (SQLiteNIO's path was a thread-pool hop, an event-loop future and
/// a fresh prepare per statement: a third of an audited read's CPU went to the audit's five
/// statements through it). It is the same SQLite library SQLiteNIO links (`VaporCSQLite`): two
/// copies of SQLite in one process would not see each other's POSIX locks on the file and could
/// corrupt it.
final class SQLiteQueueConnection: @unchecked Sendable {
    enum Access {
        /// `query_only`: a statement that would write is refused, so none slips past the write path.
        case reader
        /// Creates the file, puts it in WAL mode and commits with `synchronous = FULL` (a commit is
        /// on disk before the client hears 2xx: a clinic cannot lose a note). Only a batch of the
        /// audit events of reads commits otherwise (`SQLiteDatabase.appendSyncedLater`).
        case writer
    }

    /// Prepared statements kept per connection; past this many (SQL built with a varying number
    /// of placeholders), all are finalized and the cache starts again.
    static let statementLimit = 256

    // Everything below is touched only on `queue`.
    private var handle: OpaquePointer?
    private var statements: [String: OpaquePointer] = [:]
    private let queue: DispatchQueue

    init(path: String, label: String, access: Access) throws {
        queue = DispatchQueue(label: label)
        var opened: OpaquePointer?
        // NOMUTEX: one serial queue is the only user of this connection.
        let flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | (access == .writer ? SQLITE_OPEN_CREATE : 0)
        let status = sqlite_nio_sqlite3_open_v2(path, &opened, flags, nil)
        guard status == SQLITE_OK, let opened else {
            let message = opened.map { String(cString: sqlite_nio_sqlite3_errmsg($0)) } ?? "status \(status)"
            if let opened { sqlite_nio_sqlite3_close_v2(opened) }
            throw SQLiteFailure(code: status, message: "cannot open \(path): \(message)")
        }
        handle = opened
        let pragmas = switch access {
        case .reader: ["PRAGMA busy_timeout = 5000", "PRAGMA foreign_keys = ON", "PRAGMA query_only = ON"]
        case .writer: ["PRAGMA busy_timeout = 5000", "PRAGMA foreign_keys = ON", "PRAGMA journal_mode = WAL", "PRAGMA synchronous = FULL"]
        }
        do {
            for pragma in pragmas {
                let answer = try run(pragma, [], cached: false)
                // WAL or nothing: readers beside the writer, and the background sync of read events, need it.
                if pragma.hasPrefix("PRAGMA journal_mode"), answer.first?.cells.first != .text("wal") {
                    throw SQLiteFailure(code: SQLITE_ERROR, message: "\(path) cannot be put in WAL mode (\(answer.first?.cells.first.map { "\($0)" } ?? "no answer"))")
                }
            }
        } catch {
            sqlite_nio_sqlite3_close_v2(opened)
            handle = nil
            throw error
        }
    }

    /// How many times the kept statements were parsed and planned again since they were prepared
    /// (a schema change, or a bound value the plan depended on): what the tests hold at zero.
    func reprepareCounts() -> [String: Int] {
        queue.sync {
            statements.mapValues { Int(sqlite_nio_sqlite3_stmt_status($0, SQLITE_STMTSTATUS_REPREPARE, 0)) }.filter { $0.value > 0 }
        }
    }

    /// `cached: false` for a statement run once (`VACUUM INTO` a path): not kept.
    func query(_ sql: String, _ binds: [SQLValue], cached: Bool = true) async throws -> [SQLRow] {
        try await withCheckedThrowingContinuation { continuation in
            queue.async {
                continuation.resume(with: Result { try self.run(sql, binds, cached: cached) })
            }
        }
    }

    /// Statements run one after another in one hop to the queue (a transaction that needs nothing
    /// from the caller in between). If one fails, `onFailure` runs; `finally` runs whatever happened
    /// (and its failure is thrown if nothing failed before).
    func run(together statements: [(sql: String, binds: [SQLValue])], onFailure: String, finally: String) async throws {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            queue.async {
                continuation.resume(with: Result {
                    var failure: (any Error)?
                    do {
                        for statement in statements { _ = try self.run(statement.sql, statement.binds, cached: true) }
                    } catch {
                        _ = try? self.run(onFailure, [], cached: true)
                        failure = error
                    }
                    do {
                        _ = try self.run(finally, [], cached: true)
                    } catch {
                        failure = failure ?? error
                    }
                    if let failure { throw failure }
                })
            }
        }
    }

    deinit { release() }

    func close() { queue.sync { release() } }

    /// Finalizes every kept statement and closes the connection (once).
    private func release() {
        finalizeStatements()
        if let handle { sqlite_nio_sqlite3_close_v2(handle) }
        handle = nil
    }

    private func finalizeStatements() {
        for statement in statements.values { sqlite_nio_sqlite3_finalize(statement) }
        statements = [:]
    }

    private func failure(_ code: Int32) -> SQLiteFailure {
        SQLiteFailure(code: code, message: handle.map { String(cString: sqlite_nio_sqlite3_errmsg($0)) } ?? "closed")
    }

    private func statement(for sql: String, cached: Bool) throws -> OpaquePointer {
        if cached, let statement = statements[sql] { return statement }
        guard let handle else { throw SQLiteFailure(code: SQLITE_MISUSE, message: "the connection is closed") }
        var prepared: OpaquePointer?
        let status = sqlite_nio_sqlite3_prepare_v3(handle, positionalPlaceholders(sql), -1,
                                                   cached ? UInt32(SQLITE_PREPARE_PERSISTENT) : 0, &prepared, nil)
        guard status == SQLITE_OK, let prepared else { throw failure(status) }
        if cached {
            if statements.count >= Self.statementLimit { finalizeStatements() }
            statements[sql] = prepared
        }
        return prepared
    }

    private func run(_ sql: String, _ binds: [SQLValue], cached: Bool) throws -> [SQLRow] {
        let statement = try statement(for: sql, cached: cached)
        // Not `clear_bindings` after a run: it marks a statement whose plan looked at a bound value
        // (`col = ?`, `LIMIT ?`) as expired, and the next run parsed and planned it again (one
        // re-prepare per query, 8% of `/api/users/me`). Every parameter is bound again below instead,
        // those not given as NULL, so no query reads a value bound for the one before it.
        defer {
            if cached { sqlite_nio_sqlite3_reset(statement) } else { sqlite_nio_sqlite3_finalize(statement) }
        }
        let parameters = Int(sqlite_nio_sqlite3_bind_parameter_count(statement))
        if binds.count < parameters {
            for index in (binds.count + 1)...parameters {
                let status = sqlite_nio_sqlite3_bind_null(statement, Int32(index))
                guard status == SQLITE_OK else { throw failure(status) }
            }
        }
        for (offset, value) in binds.enumerated() {
            let index = Int32(offset + 1)
            let status: Int32
            switch value {
            case .null: status = sqlite_nio_sqlite3_bind_null(statement, index)
            case .int(let number): status = sqlite_nio_sqlite3_bind_int64(statement, index, number)
            case .double(let number): status = sqlite_nio_sqlite3_bind_double(statement, index, number)
            case .text(let text):
                status = sqlite_nio_sqlite3_bind_text64(statement, index, text, UInt64(text.utf8.count), sqliteTransient, UInt8(SQLITE_UTF8))
            }
            guard status == SQLITE_OK else { throw failure(status) }
        }
        let count = sqlite_nio_sqlite3_column_count(statement)
        var columns: SQLColumns?
        var rows: [SQLRow] = []
        while true {
            let status = sqlite_nio_sqlite3_step(statement)
            if status == SQLITE_DONE { break }
            guard status == SQLITE_ROW else { throw failure(status) }
            // Names read once per result (a schema change re-prepares the statement and may rename them).
            let names = columns ?? SQLColumns((0..<count).map { String(cString: sqlite_nio_sqlite3_column_name(statement, $0)) })
            columns = names
            var cells: [SQLValue] = []
            cells.reserveCapacity(Int(count))
            for column in 0..<count {
                switch sqlite_nio_sqlite3_column_type(statement, column) {
                case SQLITE_INTEGER: cells.append(.int(sqlite_nio_sqlite3_column_int64(statement, column)))
                case SQLITE_FLOAT: cells.append(.double(sqlite_nio_sqlite3_column_double(statement, column)))
                case SQLITE_NULL: cells.append(.null)
                default:
                    // Text, and a blob read as text (as the SQLiteNIO path did): the bytes SQLite holds.
                    let pointer = sqlite_nio_sqlite3_column_blob(statement, column)
                    let bytes = Int(sqlite_nio_sqlite3_column_bytes(statement, column))
                    if let pointer, bytes > 0 {
                        cells.append(.text(String(decoding: UnsafeRawBufferPointer(start: pointer, count: bytes), as: UTF8.self)))
                    } else {
                        cells.append(.text(""))
                    }
                }
            }
            rows.append(SQLRow(columns: names, cells: cells))
        }
        return rows
    }
}

/// SQLite's "copy the bytes now" destructor for bound text.
private let sqliteTransient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

/// A statement that SQLite refused or failed, with SQLite's own code and words.
struct SQLiteFailure: Error, CustomStringConvertible {
    let code: Int32
    let message: String
    var description: String { "SQLite error \(code): \(message)" }
}
