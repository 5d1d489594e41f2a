import Foundation
import Logging
import NIOCore
import PostgresNIO

/// PostgreSQL through PostgresNIO's connection pool. `run()` must be running (the server adds it
/// to its service group; tests start it in a task).
public final class PostgresDatabase: SQLDatabase {
    public static let maximumConnections = 16
    public let dialect = SQLDialect.postgres
    public let client: PostgresClient
    private let runTask: Task<Void, Never>
    private let logger: Logger

    /// Parses `postgres://user:pass@host:port/db` (`sslmode=disable|prefer|require` in the query).
    public static func configuration(url: String) throws -> PostgresClient.Configuration {
        guard let components = URLComponents(string: url),
              let scheme = components.scheme, scheme == "postgres" || scheme == "postgresql"
        else { throw StoreError.badURL("expected postgres://user:password@host:port/database") }
        guard let user = components.user, !user.isEmpty else { throw StoreError.badURL("no user name") }
        let database = components.path.hasPrefix("/") ? String(components.path.dropFirst()) : components.path
        let mode = components.queryItems?.first(where: { $0.name == "sslmode" })?.value ?? "disable"
        let tls: PostgresClient.Configuration.TLS
        switch mode {
        case "disable": tls = .disable
        case "prefer": tls = .prefer(.makeClientConfiguration())
        case "require", "verify-full": tls = .require(.makeClientConfiguration())
        default: throw StoreError.badURL("sslmode must be disable, prefer or require")
        }
        var configuration = PostgresClient.Configuration(
            host: components.host ?? "127.0.0.1", port: components.port ?? 5432,
            username: user, password: components.password, database: database.isEmpty ? nil : database, tls: tls)
        configuration.options.maximumConnections = Self.maximumConnections
        // No keep-alive pings and a short idle timeout. PostgresNIO 1.33's pool schedules an idle
        // timer and a keep-alive timer each time a connection is released, and a superseded timer
        // stays in memory until its whole duration has passed (60 s, 30 s by default): ~800 bytes
        // per query, which took the server from 45 to 346 MiB in `make bench-server`. With no
        // keep-alive and 5 s of idleness the timers held are those of the last 5 s (a few MiB at
        // a thousand queries a second) and their memory is reused after (PostgresPoolTests).
        // Not a fixed pool (minimum connections > 0): when PostgreSQL refuses connections ("too
        // many clients") that pool trips a precondition in PostgresNIO and crashes the process.
        // The cost: after 5 s without requests the next one opens a connection (milliseconds on a
        // local network); a connection that died while idle is found by its next query (a 503 the
        // clients retry).
        configuration.options.connectionIdleTimeout = .seconds(5)
        configuration.options.keepAliveBehavior = nil
        configuration.options.connectTimeout = .seconds(5)
        return configuration
    }

    let inFlight = InFlightQueries()

    public init(url: String, logger: Logger) throws {
        let client = PostgresClient(configuration: try Self.configuration(url: url), backgroundLogger: logger)
        self.client = client
        self.logger = logger
        self.runTask = Task { await client.run() }
    }

    public func query(_ sql: String, _ binds: [SQLValue]) async throws -> [SQLRow] {
        do {
            // One statement on a connection of its own: the same guarded path as a transaction's.
            return try await client.withConnection { connection in
                try await PostgresTransaction(connection: connection, logger: self.logger, inFlight: self.inFlight).query(sql, binds)
            }
        } catch {
            throw Self.classify(error)
        }
    }

    public func transaction<T: Sendable>(_ body: @Sendable (any SQLExecutor) async throws -> T) async throws -> T {
        do {
            return try await client.withConnection { connection in
                let tx = PostgresTransaction(connection: connection, logger: self.logger, inFlight: self.inFlight)
                _ = try await tx.query("BEGIN", [])
                do {
                    let result = try await body(tx)
                    _ = try await tx.query("COMMIT", [])
                    return result
                } catch {
                    _ = try? await tx.query("ROLLBACK", [])
                    throw error
                }
            }
        } catch {
            throw Self.classify(error)
        }
    }

    /// A lost or refused connection (the database restarting, crashed, out of connections) becomes
    /// `StoreError.unavailable`, which the API answers with 503; every other error passes unchanged
    /// (constraint violations, and the errors our own code throws inside a transaction).
    static func classify(_ error: any Error) -> any Error {
        if let psql = error as? PSQLError {
            switch psql.code {
            case .server:
                let state = psql.serverInfo?[.sqlState] ?? ""
                // 08: connection exception; 57P0x: shutting down, crashed, cannot connect now; 53: out of resources;
                // 40001/40P01: a serialization failure or a deadlock, rolled back whole: the same request
                // again succeeds, so "try again" (503), not a 500.
                guard state.hasPrefix("08") || state.hasPrefix("57P") || state.hasPrefix("53") || state == "40001" || state == "40P01"
                else { return error }
                return StoreError.unavailable("PostgreSQL: \(state)")
            case .tooManyParameters, .invalidCommandTag:
                return error
            default:
                return StoreError.unavailable("PostgreSQL connection: \(psql.code)")
            }
        }
        // The pool's and the channel's own errors (cannot connect, connection reset) come from NIO.
        let type = String(reflecting: Swift.type(of: error))
        if type.hasPrefix("NIO") || type.contains("ConnectionPool") || type.hasPrefix("PostgresNIO") {
            return StoreError.unavailable("PostgreSQL connection: \(type)")
        }
        return error
    }

    public func close() async {
        runTask.cancel()
        // The pool can take its time winding down connections it was re-opening after PostgreSQL
        // restarted under it (the crash check once waited past 10 s for SIGTERM to end the server).
        // The process is ending: wait for it at most 3 seconds.
        let runTask = self.runTask
        let logger = self.logger
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let resume = ResumeOnce(continuation)
            Task {
                await runTask.value
                resume.resume()
            }
            Task {
                try? await Task.sleep(for: .seconds(3))
                if resume.resume() { logger.warning("PostgreSQL pool still closing after 3 s; leaving it to the process exit") }
            }
        }
    }

    static func makeQuery(_ sql: String, _ binds: [SQLValue]) -> PostgresQuery {
        var bindings = PostgresBindings(capacity: binds.count)
        for value in binds {
            switch value {
            case .null: bindings.appendNull()
            case .int(let i): bindings.append(i)
            case .double(let d): bindings.append(d)
            case .text(let s): bindings.append(s)
            }
        }
        return PostgresQuery(unsafeSQL: sql, binds: bindings)
    }

    static func collect(_ rows: PostgresRowSequence) async throws -> [SQLRow] {
        var result: [SQLRow] = []
        var names: SQLColumns?
        for try await row in rows {
            let columns = names ?? SQLColumns(row.map(\.columnName))
            names = columns
            var cells: [SQLValue] = []
            cells.reserveCapacity(columns.names.count)
            for cell in row {
                guard cell.bytes != nil else {
                    cells.append(.null)
                    continue
                }
                switch cell.dataType {
                case .int2, .int4, .int8:
                    cells.append(.int(try cell.decode(Int64.self)))
                case .float4, .float8, .numeric:
                    cells.append(.double(try cell.decode(Double.self)))
                case .bool:
                    cells.append(.int(try cell.decode(Bool.self) ? 1 : 0))
                default:
                    cells.append(.text(try cell.decode(String.self)))
                }
            }
            result.append(SQLRow(columns: columns, cells: cells))
        }
        return result
    }
}

struct PostgresTransaction: SQLExecutor {
    let dialect = SQLDialect.postgres
    let connection: PostgresConnection
    let logger: Logger
    let inFlight: InFlightQueries

    func query(_ sql: String, _ binds: [SQLValue]) async throws -> [SQLRow] {
        let connection = self.connection, logger = self.logger
        return try await inFlight.run(on: connection) {
            try await PostgresDatabase.collect(connection.query(PostgresDatabase.makeQuery(sql, binds), logger: logger))
        }
    }

    func transaction<T: Sendable>(_ body: @Sendable (any SQLExecutor) async throws -> T) async throws -> T {
        try await body(self)
    }
}

/// Resumes a continuation from whichever of several tasks comes first.
final class ResumeOnce: @unchecked Sendable {
    private let lock = NSLock()
    private var continuation: CheckedContinuation<Void, Never>?

    init(_ continuation: CheckedContinuation<Void, Never>) { self.continuation = continuation }

    /// True for the call that resumed it.
    @discardableResult
    func resume() -> Bool {
        lock.lock()
        let pending = continuation
        continuation = nil
        lock.unlock()
        pending?.resume()
        return pending != nil
    }
}

/// Ends the queries in flight on a connection when that connection closes.
///
/// PostgresNIO 1.33 hands a query to the connection's channel without a write promise. When the
/// channel has just closed (PostgreSQL killed, the pool not yet told) its handlers are gone, the
/// write is dropped, and the query's own promise is never completed; the waiting task and that
/// promise hold each other, so the call waits forever and cancellation cannot end it. That held
/// SIGTERM in 1 crash run of 4 to 8. Each query here runs in a task of its own while its caller
/// waits on a stream that the connection's close also answers, a second later (one close callback per
/// connection, not per query, so a long-lived connection gathers nothing). A query dropped that
/// way stays suspended until the process ends: a few hundred bytes, after a database crash only.
final class InFlightQueries: @unchecked Sendable {
    private struct Watched {
        var next = 0
        var waiters: [Int: @Sendable () -> Void] = [:]
    }
    private let lock = NSLock()
    private var connections: [PostgresConnection.ID: Watched] = [:]

    /// Connections watched now (for tests: closed ones are forgotten).
    var watchedConnections: Int { lock.withLock { connections.count } }

    func run<T: Sendable>(on connection: PostgresConnection, _ body: @escaping @Sendable () async throws -> T) async throws -> T {
        // The first answer wins: the query's own, or the close's.
        let (stream, continuation) = AsyncStream<Result<T, any Error>>.makeStream(bufferingPolicy: .bufferingOldest(1))
        let eventLoop = connection.eventLoop
        let closed: @Sendable () -> Void = {
            // A query the connection had received ends by itself when it closes (with its result,
            // or PostgresNIO's error): give it a second before calling it lost, so a COMMIT that
            // made it is not reported as failed.
            eventLoop.scheduleTask(in: .seconds(1)) {
                continuation.yield(.failure(StoreError.unavailable("PostgreSQL connection closed during a query")))
                continuation.finish()
            }
        }
        let key = watch(connection, closed)
        let work = Task {
            let result: Result<T, any Error>
            do { result = .success(try await body()) } catch { result = .failure(error) }
            self.forget(connection.id, key)
            continuation.yield(result)
            continuation.finish()
        }
        return try await withTaskCancellationHandler {
            var iterator = stream.makeAsyncIterator()
            guard let first = await iterator.next() else { throw CancellationError() }
            return try first.get()
        } onCancel: {
            work.cancel()
        }
    }

    private func watch(_ connection: PostgresConnection, _ closed: @escaping @Sendable () -> Void) -> Int {
        let (key, isNew) = lock.withLock { () -> (Int, Bool) in
            let isNew = connections[connection.id] == nil
            var watched = connections[connection.id] ?? Watched()
            let key = watched.next
            watched.next += 1
            watched.waiters[key] = closed
            connections[connection.id] = watched
            return (key, isNew)
        }
        if isNew {
            let id = connection.id
            connection.closeFuture.whenComplete { _ in
                let waiters = self.lock.withLock { self.connections.removeValue(forKey: id)?.waiters.values.map { $0 } ?? [] }
                for waiter in waiters { waiter() }
            }
        }
        return key
    }

    private func forget(_ id: PostgresConnection.ID, _ key: Int) {
        lock.withLock { _ = connections[id]?.waiters.removeValue(forKey: key) }
    }
}
