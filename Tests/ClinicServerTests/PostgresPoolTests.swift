@testable import ClinicStore
import Foundation
import Logging
import PostgresNIO
import Testing

/// The PostgreSQL pool must not hold memory per query for long. PostgresNIO's pool with its default
/// idle and keep-alive timers kept ~800 bytes per query for up to a minute (20,000 queries: +32 MiB
/// in a debug build, and as much again for the next 20,000); with no keep-alive and a 5 s idle
/// timeout, what one burst held is reused by the next once 5 s have passed.
@Suite struct PostgresPoolTests {
    static func residentMiB() -> Double {
        let status = (try? String(contentsOfFile: "/proc/self/status", encoding: .utf8)) ?? ""
        for line in status.split(separator: "\n") where line.hasPrefix("VmRSS:") {
            return Double(line.split(separator: " ").dropFirst().first ?? "0").map { $0 / 1024 } ?? 0
        }
        return 0
    }

    @Test(.enabled(if: StoreKind.postgresAvailable, "needs PostgreSQL: run under scripts/with-postgres.sh"))
    func test_queries_doNotAccumulateMemory() async throws {
        guard let url = ProcessInfo.processInfo.environment["CLINIC_TEST_POSTGRES_URL"] else {
            Issue.record("CLINIC_REQUIRE_POSTGRES=1 but no CLINIC_TEST_POSTGRES_URL")
            return
        }
        let database = try PostgresDatabase(url: url, logger: Logger(label: "pool-test"))
        func run(_ queries: Int) async throws {
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<8 {
                    group.addTask {
                        for _ in 0..<(queries / 8) { _ = try await database.query("SELECT $1::text AS a", [.text("x")]) }
                    }
                }
                try await group.waitForAll()
            }
        }
        try await run(20_000)  // a first burst: its timers run out after the idle timeout
        try await Task.sleep(for: .seconds(7))
        let before = Self.residentMiB()
        try await run(20_000)
        let growth = Self.residentMiB() - before
        #expect(growth < 8, "RSS grew \(growth) MiB over 20,000 queries")
        await database.close()
    }

    /// What held SIGTERM after PostgreSQL was killed: a query given a connection whose channel had
    /// just closed. PostgresNIO drops the write and never answers (checked by hand with the bare
    /// `connection.query`: still waiting after a minute); through `InFlightQueries` it is a 503.
    @Test(.enabled(if: StoreKind.postgresAvailable, "needs PostgreSQL: run under scripts/with-postgres.sh"))
    func test_aQueryOnAConnectionThatHasJustClosed_failsInsteadOfWaitingForever() async throws {
        let url = try #require(ProcessInfo.processInfo.environment["CLINIC_TEST_POSTGRES_URL"])
        let database = try PostgresDatabase(url: url, logger: Logger(label: "pool-test"))
        let outcome: String = try await database.client.withConnection { connection in
            try await connection.close()
            let answer = await Self.within(.seconds(10)) {
                try await database.inFlight.run(on: connection) {
                    try await PostgresDatabase.collect(connection.query("SELECT 1 AS one", logger: Logger(label: "pool-test")))
                }
            }
            switch answer {
            case .none: return "no answer in 10 s"
            case .some(.success): return "rows from a closed connection"
            case .some(.failure(let error)): return PostgresDatabase.classify(error) is StoreError ? "unavailable" : "\(error)"
            }
        }
        #expect(outcome == "unavailable")
        // The closed connection is forgotten; the pool goes on with a new one.
        #expect(database.inFlight.watchedConnections <= 1)
        #expect(try await database.query("SELECT 2 AS two", []).first?.int("two") == 2)
        await database.close()
    }

    /// The result of `body`, or nil when it has not finished in time (it is left running).
    static func within<T: Sendable>(_ limit: Duration, _ body: @escaping @Sendable () async throws -> T) async -> Result<T, any Error>? {
        let (stream, continuation) = AsyncStream<Result<T, any Error>?>.makeStream(bufferingPolicy: .bufferingOldest(1))
        Task {
            do { continuation.yield(.success(try await body())) } catch { continuation.yield(.failure(error)) }
            continuation.finish()
        }
        Task {
            try? await Task.sleep(for: limit)
            continuation.yield(nil)
            continuation.finish()
        }
        var iterator = stream.makeAsyncIterator()
        return await iterator.next() ?? nil
    }
}
