import Foundation
import Logging
import NIOCore
import NIOPosix
import SQLiteNIO

/// SQLite in WAL mode: one writer connection behind an async gate (SQLite allows one writer at a
/// time anyway, and `BEGIN IMMEDIATE` then never meets SQLITE_BUSY), and a few reader connections
/// that run in parallel with it.
public final class SQLiteDatabase: SQLDatabase {
    public let dialect = SQLDialect.sqlite
    public let path: String
    private let writer: SQLiteConnection
    private let readers: [SQLiteConnection]
    private let writeGate = AsyncGate()
    private let logger: Logger

    public static func open(path: String, readers readerCount: Int = 4, logger: Logger) async throws -> SQLiteDatabase {
        let directory = (path as NSString).deletingLastPathComponent
        if !directory.isEmpty {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true,
                                                    attributes: [.posixPermissions: 0o700])
        }
        func connect() async throws -> SQLiteConnection {
            let connection = try await SQLiteConnection.open(
                storage: .file(path: path), threadPool: .singleton, logger: logger,
                on: MultiThreadedEventLoopGroup.singleton.any())
            // FULL: a commit is on disk before the client hears 2xx (a clinic cannot lose a note).
            do {
                for pragma in ["PRAGMA busy_timeout = 5000", "PRAGMA foreign_keys = ON", "PRAGMA synchronous = FULL"] {
                    _ = try await connection.query(pragma, [])
                }
            } catch {
                // A connection must be closed before it is released (SQLiteNIO traps otherwise).
                try? await connection.close()
                throw error
            }
            return connection
        }
        var opened: [SQLiteConnection] = []
        let writer: SQLiteConnection
        var readers: [SQLiteConnection] = []
        do {
            writer = try await connect()
            opened.append(writer)
            _ = try await writer.query("PRAGMA journal_mode = WAL", [])
            for _ in 0..<max(1, readerCount) {
                let reader = try await connect()
                opened.append(reader)
                _ = try await reader.query("PRAGMA query_only = ON", [])
                readers.append(reader)
            }
        } catch {
            for connection in opened { try? await connection.close() }
            throw StoreError.unavailable("cannot open \(path) as a SQLite database: \(error)")
        }
        // The database holds patients' records: only its owner may read it.
        chmod(path, 0o600)
        return SQLiteDatabase(path: path, writer: writer, readers: readers, logger: logger)
    }

    private init(path: String, writer: SQLiteConnection, readers: [SQLiteConnection], logger: Logger) {
        self.path = path
        self.writer = writer
        self.readers = readers
        self.logger = logger
    }

    public func query(_ sql: String, _ binds: [SQLValue]) async throws -> [SQLRow] {
        if Self.isReadOnly(sql) {
            let reader = readers[Int.random(in: 0..<readers.count)]
            return try await Self.run(sql, binds, on: reader, logger: logger)
        }
        return try await writeGate.holding {
            try await Self.run(sql, binds, on: self.writer, logger: self.logger)
        }
    }

    public func transaction<T: Sendable>(_ body: @Sendable (any SQLExecutor) async throws -> T) async throws -> T {
        try await writeGate.holding {
            let tx = SQLiteTransaction(connection: self.writer, logger: self.logger)
            _ = try await self.writer.query("BEGIN IMMEDIATE", [])
            do {
                let result = try await body(tx)
                _ = try await self.writer.query("COMMIT", [])
                return result
            } catch {
                _ = try? await self.writer.query("ROLLBACK", [])
                throw error
            }
        }
    }

    public func close() async {
        for connection in readers + [writer] {
            try? await connection.close()
        }
    }

    static func isReadOnly(_ sql: String) -> Bool {
        let head = sql.drop(while: { $0.isWhitespace }).prefix(6).uppercased()
        return head.hasPrefix("SELECT") || head.hasPrefix("WITH")
    }

    static func run(_ sql: String, _ binds: [SQLValue], on connection: SQLiteConnection, logger: Logger) async throws -> [SQLRow] {
        let sqliteBinds: [SQLiteData] = binds.map {
            switch $0 {
            case .null: return .null
            case .int(let i): return .integer(Int(i))
            case .double(let d): return .float(d)
            case .text(let s): return .text(s)
            }
        }
        let rows = try await connection.query(positionalPlaceholders(sql), sqliteBinds)
        return rows.map { row in
            var values: [String: SQLValue] = [:]
            values.reserveCapacity(row.columns.count)
            for column in row.columns {
                switch column.data {
                case .null: values[column.name] = .null
                case .integer(let i): values[column.name] = .int(Int64(i))
                case .float(let d): values[column.name] = .double(d)
                case .text(let s): values[column.name] = .text(s)
                case .blob(let b): values[column.name] = .text(String(buffer: b))
                }
            }
            return SQLRow(values: values)
        }
    }
}

/// The writer connection inside `BEGIN IMMEDIATE`: every statement goes to it, reads included.
struct SQLiteTransaction: SQLExecutor {
    let dialect = SQLDialect.sqlite
    let connection: SQLiteConnection
    let logger: Logger

    func query(_ sql: String, _ binds: [SQLValue]) async throws -> [SQLRow] {
        try await SQLiteDatabase.run(sql, binds, on: connection, logger: logger)
    }

    func transaction<T: Sendable>(_ body: @Sendable (any SQLExecutor) async throws -> T) async throws -> T {
        try await body(self)
    }
}

/// A first-come, first-served async lock.
actor AsyncGate {
    private var busy = false
    private var waiters: [CheckedContinuation<Void, Never>] = []

    func acquire() async {
        if !busy {
            busy = true
            return
        }
        await withCheckedContinuation { waiters.append($0) }
    }

    func release() {
        if waiters.isEmpty {
            busy = false
        } else {
            waiters.removeFirst().resume()
        }
    }

    nonisolated func holding<T: Sendable>(_ body: @Sendable () async throws -> T) async throws -> T {
        await acquire()
        do {
            let result = try await body()
            await release()
            return result
        } catch {
            await release()
            throw error
        }
    }
}

/// `$3` → `?3`: SQLite reads `$name` as a named parameter numbered by first appearance, while
/// `?NNN` is numbered explicitly, so the PostgreSQL spelling keeps its meaning exactly.
func positionalPlaceholders(_ sql: String) -> String {
    guard sql.contains("$") else { return sql }
    var out = ""
    out.reserveCapacity(sql.utf8.count)
    var previous: Character = " "
    for character in sql {
        if previous == "$", !character.isNumber {
            out.append("$")
        }
        if character == "$" {
            previous = character
            continue
        }
        if previous == "$" { out.append("?") }
        out.append(character)
        previous = character
    }
    if previous == "$" { out.append("$") }
    return out
}
