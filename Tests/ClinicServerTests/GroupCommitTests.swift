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

    /// The audit events of reads are answered without waiting for their fsync, which follows in
    /// the background; the writer is back at `synchronous = FULL` after each such batch, so every
    /// other write is synced by SQLite before its answer, also among batches of read events.
    @Test func test_readEvents_areAnsweredBeforeTheirSync_andEveryOtherWriteStaysFull() async throws {
        let directory = NSTemporaryDirectory() + "group-commit-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let database = try await SQLiteDatabase.open(path: directory + "/t.sqlite", logger: Logger(label: "test"))
        do {
            try await database.query("CREATE TABLE e (n INTEGER PRIMARY KEY)", [])
            #expect(try await database.writerSynchronous() == 2, "the writer starts FULL")
            // Each background fsync held back a second: what returns before it did not wait for it.
            database.holdWALSyncsForTests(seconds: 1)
            let synced = database.walSyncs
            // A read event alone: answered before its fsync (visible to a reader at once), synced after.
            try await database.appendSyncedLater([("INSERT INTO e (n) VALUES (1)", [])])
            #expect(database.walSyncs == synced, "a read event waited for its fsync")
            #expect(try await database.query("SELECT count(*) AS c FROM e", []).first?.int("c") == 1)
            #expect(try await database.writerSynchronous() == 2, "FULL again after a batch of read events")
            database.settleWALSyncs()
            #expect(database.walSyncs > synced, "the WAL was synced after a commit that did not wait for it")
            // A batch that fails is rolled back, and the writer is FULL again all the same.
            await #expect(throws: (any Error).self) {
                try await database.appendSyncedLater([("INSERT INTO e (n) VALUES (2)", []), ("INSERT INTO e (n) VALUES (1)", [])])
            }
            #expect(try await database.query("SELECT count(*) AS c FROM e", []).first?.int("c") == 1, "the failed batch left nothing")
            #expect(try await database.writerSynchronous() == 2, "FULL again after a failed batch of read events")
            // Mixed with ordinary writes: all land, and the writer is FULL between batches.
            database.holdWALSyncsForTests(seconds: 0)
            try await withThrowingTaskGroup(of: Void.self) { group in
                for n in 3...120 {
                    group.addTask {
                        if n % 2 == 0 {
                            try await database.appendSyncedLater([("INSERT INTO e (n) VALUES ($1)", [.int(Int64(n))])])
                        } else {
                            _ = try await database.transaction { tx in try await tx.query("INSERT INTO e (n) VALUES ($1)", [.int(Int64(n))]) }
                        }
                    }
                }
                try await group.waitForAll()
            }
            #expect(try await database.query("SELECT count(*) AS c FROM e", []).first?.int("c") == 119)
            #expect(try await database.writerSynchronous() == 2)
        } catch {
            Issue.record(error)
        }
        await database.close()
    }
}
