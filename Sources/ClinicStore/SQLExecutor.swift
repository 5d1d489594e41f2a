import Foundation

/// A value bound into, or read out of, a SQL statement; the common ground of SQLite and PostgreSQL.
public enum SQLValue: Sendable, Equatable {
    case null
    case int(Int64)
    case double(Double)
    case text(String)
}

extension SQLValue {
    public init(_ string: String?) { self = string.map { .text($0) } ?? .null }
    public init(_ int: Int64?) { self = int.map { .int($0) } ?? .null }
}

/// The column names of one result, shared by all its rows: a row is its values in column order,
/// so reading a page of rows builds one name table, not a dictionary per row.
public final class SQLColumns: Sendable {
    public let names: [String]
    let positions: [String: Int]

    public init(_ names: [String]) {
        self.names = names
        var positions: [String: Int] = [:]
        positions.reserveCapacity(names.count)
        // A name twice (a join's `id`s): the last one, as a dictionary built in column order had it.
        for (index, name) in names.enumerated() { positions[name] = index }
        self.positions = positions
    }
}

/// One result row, by column name.
public struct SQLRow: Sendable {
    public let columns: SQLColumns
    public let cells: [SQLValue]

    public init(columns: SQLColumns, cells: [SQLValue]) {
        self.columns = columns
        self.cells = cells
    }

    public init(values: [String: SQLValue]) {
        let names = Array(values.keys)
        self.init(columns: SQLColumns(names), cells: names.map { values[$0]! })
    }

    /// The row as a dictionary (tests and diagnostics; the readers below look columns up directly).
    public var values: [String: SQLValue] {
        Dictionary(zip(columns.names, cells), uniquingKeysWith: { _, last in last })
    }

    public subscript(_ column: String) -> SQLValue? {
        columns.positions[column].map { cells[$0] }
    }

    public func string(_ column: String) throws -> String {
        switch self[column] {
        case .text(let s): return s
        case .int(let i): return String(i)
        default: throw StoreError.corrupt("column \(column) is not text")
        }
    }

    public func optionalString(_ column: String) -> String? {
        if case .text(let s) = self[column] { return s }
        return nil
    }

    public func int(_ column: String) throws -> Int64 {
        switch self[column] {
        case .int(let i): return i
        case .double(let d): return Int64(d)
        case .text(let s):
            if let i = Int64(s) { return i }
            throw StoreError.corrupt("column \(column) is not an integer")
        default: throw StoreError.corrupt("column \(column) is not an integer")
        }
    }

    public func optionalInt(_ column: String) -> Int64? {
        switch self[column] {
        case .int(let i): return i
        case .double(let d): return Int64(d)
        default: return nil
        }
    }
}

public enum SQLDialect: String, Sendable {
    case sqlite
    case postgres
}

/// Runs SQL against one database. Statements use `$1`, `$2`… placeholders, numbered in order of
/// first appearance, which both SQLite and PostgreSQL accept.
public protocol SQLExecutor: Sendable {
    var dialect: SQLDialect { get }
    @discardableResult
    func query(_ sql: String, _ binds: [SQLValue]) async throws -> [SQLRow]
    /// Runs `body` in one transaction: committed if it returns, rolled back if it throws.
    func transaction<T: Sendable>(_ body: @Sendable (any SQLExecutor) async throws -> T) async throws -> T
}

/// A database connection (or pool) that can be shut down.
public protocol SQLDatabase: SQLExecutor {
    func close() async
    /// Statements in a transaction of their own, for the audit events of reads: committed (visible,
    /// and kept through a crash of the server) before it returns, but its sync to disk may follow a
    /// moment later instead of being waited for. Stores without such a commit run an ordinary
    /// transaction.
    func appendSyncedLater(_ statements: [(sql: String, binds: [SQLValue])]) async throws
}

extension SQLDatabase {
    public func appendSyncedLater(_ statements: [(sql: String, binds: [SQLValue])]) async throws {
        try await transaction { tx in
            for statement in statements { try await tx.query(statement.sql, statement.binds) }
        }
    }
}

/// Errors the store raises itself (driver errors pass through as they are).
public enum StoreError: Error, CustomStringConvertible {
    case corrupt(String)
    case badURL(String)
    case unavailable(String)
    /// An operation refused as asked (the message says why and what to do).
    case refused(String)

    public var description: String {
        switch self {
        case .corrupt(let s): return "stored data is not as expected: \(s)"
        case .badURL(let s): return "bad DATABASE_URL: \(s)"
        case .unavailable(let s): return "database unavailable: \(s)"
        case .refused(let s): return s
        }
    }
}

/// Counts the queries and transactions under way on a database: what `/metrics` reports as the
/// pool's connections in use (each holds one while it runs).
public final class PoolUsage: Sendable {
    public let size: Int
    private let counter = LockedCounter()

    init(size: Int) { self.size = size }

    public var inUse: Int { counter.value }

    func around<T>(_ body: () async throws -> T) async rethrows -> T {
        counter.add(1)
        defer { counter.add(-1) }
        return try await body()
    }
}

final class LockedCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0
    var value: Int { lock.lock(); defer { lock.unlock() }; return count }
    func add(_ delta: Int) { lock.lock(); count += delta; lock.unlock() }
}

/// A database that reports its use to a `PoolUsage`.
struct MeasuredDatabase: SQLDatabase {
    let inner: any SQLDatabase
    let usage: PoolUsage

    var dialect: SQLDialect { inner.dialect }

    func query(_ sql: String, _ binds: [SQLValue]) async throws -> [SQLRow] {
        try await usage.around { try await inner.query(sql, binds) }
    }

    func transaction<T: Sendable>(_ body: @Sendable (any SQLExecutor) async throws -> T) async throws -> T {
        try await usage.around { try await inner.transaction(body) }
    }

    func appendSyncedLater(_ statements: [(sql: String, binds: [SQLValue])]) async throws {
        try await usage.around { try await inner.appendSyncedLater(statements) }
    }

    func close() async { await inner.close() }
}
