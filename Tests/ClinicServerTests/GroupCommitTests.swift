@testable import ClinicStore
import Foundation
import Logging
import Testing

@Suite struct GroupCommitTests {
    struct Refused: Error {}

    @Test func test_concurrentWrites_shareCommits_andAFailingOneIsRolledBackAlone() async throws {
        let directory = NSTemporaryDirectory() + "group-commit-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let database = try await SQLiteDatabase.open(path: directory + "/t.sqlite", logger: Logger(label: "test"))
        try await database.query("CREATE TABLE t (n INTEGER PRIMARY KEY, twice INTEGER NOT NULL)", [])
        // 200 writers at once, each a two-statement transaction; every 7th fails after its first
        // statement and must leave nothing behind, while the writes batched with it commit.
        let outcomes = await withTaskGroup(of: (Int, Bool).self) { group in
            for n in 1...200 {
                group.addTask {
                    do {
                        try await database.transaction { tx in
                            try await tx.query("INSERT INTO t (n, twice) VALUES ($1, 0)", [.int(Int64(n))])
                            if n % 7 == 0 { throw Refused() }
                            try await tx.query("UPDATE t SET twice = $1 WHERE n = $2", [.int(Int64(2 * n)), .int(Int64(n))])
                        }
                        return (n, true)
                    } catch {
                        return (n, false)
                    }
                }
            }
            var results: [Int: Bool] = [:]
            for await (n, ok) in group { results[n] = ok }
            return results
        }
        #expect(outcomes.count == 200)
        #expect(outcomes.allSatisfy { $0.value == ($0.key % 7 != 0) })
        let rows = try await database.query("SELECT n, twice FROM t ORDER BY n", [])
        let numbers: [Int64] = try rows.map { try $0.int("n") }
        let doubled: [Int64] = try rows.map { try $0.int("twice") }
        let expected: [Int64] = (1...200).filter { $0 % 7 != 0 }.map { Int64($0) }
        #expect(numbers == expected)
        #expect(doubled == expected.map { $0 * 2 }, "each write whole, none half")
        // A plain write statement and VACUUM INTO (which cannot run in a transaction) still work.
        try await database.query("DELETE FROM t WHERE n = 1", [])
        try await database.query("VACUUM INTO $1", [.text(directory + "/copy.sqlite")])
        #expect(FileManager.default.fileExists(atPath: directory + "/copy.sqlite"))
        await database.close()
    }
}
