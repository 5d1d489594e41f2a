import ClinicStore
import Foundation
import Logging
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

    @Test func test_queries_doNotAccumulateMemory() async throws {
        guard StoreKind.available.contains(.postgres) else { return }
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
}
