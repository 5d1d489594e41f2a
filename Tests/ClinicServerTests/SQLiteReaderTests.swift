@testable import ClinicStore
import Foundation
import Logging
import Testing

/// The store's connections run on SQLite's C API with statements kept prepared (`SQLiteQueueConnection`).
/// They must read the same rows the same way as SQLiteNIO, the library's own reading of the same
/// file, kept here as the reference: random rows (Unicode, controls, empty text, extreme integers
/// and doubles, nulls, blobs) read by a reader, by the writer inside a transaction and by SQLiteNIO
/// compare equal, cell by cell.
@Suite struct SQLiteReaderTests {
    static func database() async throws -> (SQLiteDatabase, String) {
        let directory = NSTemporaryDirectory() + "sqlite-reader-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        return (try await SQLiteDatabase.open(path: directory + "/r.sqlite", readers: 2, logger: Logger(label: "test")), directory)
    }

    static func randomText(_ random: inout SeededGenerator) -> String {
        // No NUL: SQLiteNIO reads text as a C string and stops at one (the reader keeps the bytes
        // stored, see the test below); the inputs refuse control characters anyway.
        let pieces = ["", "a", "José", "आदित्य", "王小明", "🩺", "e\u{301}", "\u{7F}", "\n", "\u{1B}[31m", "'", "\"", "\\", "%", "_", " "]
        return (0..<Int.random(in: 0...6, using: &random)).map { _ in pieces.randomElement(using: &random)! }.joined()
    }

    @Test func test_theReaderAndTheWriter_readEveryRowAlike() async throws {
        var random = SeededGenerator("SQLiteReaderTests")
        let (database, directory) = try await Self.database()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try await database.query("CREATE TABLE v (id INTEGER PRIMARY KEY, t TEXT, i INTEGER, d REAL, b BLOB)", [])
        let integers: [Int64] = [0, 1, -1, .max, .min, 1 << 53, -(1 << 53) - 1]
        let doubles: [Double] = [0, -0.0, 1.5, -1e308, 1e-308, .greatestFiniteMagnitude, .leastNonzeroMagnitude, .infinity]
        let rows: [[SQLValue]] = (1...300).map { id in
            let text: SQLValue = Bool.random(using: &random) ? .text(Self.randomText(&random)) : .null
            let integer: SQLValue = Bool.random(using: &random) ? .int(integers.randomElement(using: &random)!) : .null
            let double: SQLValue = Bool.random(using: &random) ? .double(doubles.randomElement(using: &random)!) : .null
            return [.int(Int64(id)), text, integer, double, text]
        }
        try await database.transaction { tx in
            for row in rows {
                try await tx.query("INSERT INTO v (id, t, i, d, b) VALUES ($1, $2, $3, $4, CAST($5 AS BLOB))", row)
            }
        }
        let sql = "SELECT id, t, i, d, b, length(t) AS n, t || '!' AS bang FROM v ORDER BY id"
        let read = try await database.query(sql, [])
        let written = try await database.transaction { tx in try await tx.query(sql, []) }
        let reference = try await SQLiteNIOReference.read(sql, path: database.path)
        #expect(read.count == 300)
        #expect(read.first?.columns.names == reference.first?.columns.names)
        for (mine, theirs) in zip(read, reference) where mine.cells != theirs.cells {
            Issue.record("reader, row \(mine.cells.first.map(String.init(describing:)) ?? "?"): \(mine.cells) != \(theirs.cells)")
        }
        for (mine, theirs) in zip(written, reference) where mine.cells != theirs.cells {
            Issue.record("writer, row \(mine.cells.first.map(String.init(describing:)) ?? "?"): \(mine.cells) != \(theirs.cells)")
        }
        // A kept statement, rebound: each answer is its own binds' (not the last query's).
        for _ in 0..<20 {
            let floor = integers.randomElement(using: &random)!
            let text = Self.randomText(&random)
            let bySQL = "SELECT count(*) AS c FROM v WHERE i > $1 OR t = $2"
            let mine = try await database.query(bySQL, [.int(floor), .text(text)])
            let theirs = try await database.transaction { tx in try await tx.query(bySQL, [.int(floor), .text(text)]) }
            #expect(mine.first?.cells == theirs.first?.cells, "i > \(floor) or t = \(text.debugDescription)")
        }
        await database.close()
    }

    /// A bad query is an error (and the reader still answers the next one); more distinct queries
    /// than the statement cache holds all answer.
    @Test func test_errors_andMoreQueriesThanTheCacheHolds() async throws {
        let (database, directory) = try await Self.database()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try await database.query("CREATE TABLE w (n INTEGER)", [])
        await #expect(throws: (any Error).self) { try await database.query("SELECT nope FROM w", []) }
        await #expect(throws: (any Error).self) { try await database.query("SELECT n FROM w WHERE n = $1", [.text("x"), .int(1)]) }
        for n in 0..<(SQLiteQueueConnection.statementLimit + 40) {
            let rows = try await database.query("SELECT \(n) AS n", [])
            #expect(rows.first?.cells == [.int(Int64(n))])
        }
        // Text with a NUL in it (stored through a bind with its length) comes back whole.
        try await database.transaction { tx in try await tx.query("INSERT INTO w (n) VALUES ($1)", [.text("a\u{0}b")]) }
        #expect(try await database.query("SELECT n FROM w", []).first?.cells == [.text("a\u{0}b")])
        // Writes are refused on a reader (query_only), so none can slip past the write path.
        // (A statement starting WITH goes to a reader; one that deletes is refused there.)
        await #expect(throws: (any Error).self) { try await database.query("WITH x AS (SELECT 1) DELETE FROM w", []) }
        // Only the first statement of a text runs: a second one after `;` is never executed.
        _ = try await database.query("SELECT 1 AS one; DELETE FROM w", [])
        #expect(try await database.query("SELECT count(*) AS c FROM w", []).first?.cells == [.int(1)])
        await database.close()
    }

    /// A kept statement is planned once: the queries every request makes (the caller's row, a page
    /// of patients after a cursor, a search by one and two words, a count) run a hundred times with
    /// other clinics, cursors and words and, once warm, are never parsed and planned again. `clear_bindings` after each run made
    /// every one of them re-prepare (found by perf: 8% of `/api/users/me`).
    @Test func test_keptStatements_areNotPlannedAgain_whenRebound() async throws {
        let (database, directory) = try await Self.database()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        // Closed whatever happens: an SQLite connection left open stops the test process.
        do {
            try await Self.rebindEveryRequestsQueries(database)
        } catch {
            Issue.record(error)
        }
        await database.close()
    }

    static func rebindEveryRequestsQueries(_ database: SQLiteDatabase) async throws {
        try await Migrations.apply(to: database)
        let store = ClinicStore(database: database)
        var random = SeededGenerator("re-prepare")
        var owners: [CallerRecord] = []
        for index in 0..<2 {
            let owner = try await store.createClinic(ownerName: "Dr \(index)", email: "d\(index)@example.org", passwordHash: "x",
                                                     trialEndsAt: 0, now: 0)
            owners.append(try #require(owner))
        }
        for index in 0..<40 {
            _ = try await store.createPatient(clinicId: owners[index % 2].clinic.id, fields: PatientFields(name: "Ana García \(index)"),
                                              now: Int64(index))
        }
        // Warmed up (a statement's first LIMIT is a new value for it), then a hundred rounds more.
        var warm: [String: Int] = [:]
        for round in 0..<120 {
            if round == 20 { warm = database.readerReprepares() }
            let owner = owners[round % 2]
            let clinic = owner.clinic.id
            // The caller's row, as every request reads it.
            _ = try await store.caller(userId: owner.user.id, now: Int64(round))
            // One page size, as a client asks: a new LIMIT is planned again by SQLite's design (the
            // plan may depend on it), once per size.
            let limit = 7
            let page = try await store.patients(clinicId: clinic, query: nil, limit: limit, after: nil)
            _ = try await store.patients(clinicId: clinic, query: nil, limit: limit, after: page.next)
            _ = try await store.patients(clinicId: clinic, query: ["gar", "ana", "garc an"].randomElement(using: &random)!, limit: limit, after: nil)
            _ = try await database.query("SELECT count(*) AS n FROM patients WHERE clinic_id = $1 AND created_at > $2",
                                         [.text(clinic), .int(Int64(round))])
        }
        let replanned = database.readerReprepares()
        #expect(replanned == warm, "planned again: \(replanned), warm: \(warm)")
        #expect(replanned.values.allSatisfy { $0 <= 2 }, "at most once per reader: \(replanned)")
    }
}
