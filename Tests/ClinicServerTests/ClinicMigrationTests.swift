import ClinicAPI
import Foundation
import HummingbirdBcrypt
import Logging
import Testing

@testable import ClinicServer
@testable import ClinicStore

/// Migration 8 on a copy of v1 data: every account becomes the owner of a clinic of its own, its
/// records move with it, nothing is lost, and v1 requests answer as they did.
@Suite struct ClinicMigrationTests {
    /// A database as v1 left it (migrations up to 7), on SQLite or in a database of its own on PostgreSQL.
    static func v1Database(_ kind: StoreKind) async throws -> (url: String, database: any SQLDatabase, cleanup: @Sendable () async -> Void) {
        let logger = Logger(label: "migration-test")
        switch kind {
        case .sqlite:
            let directory = NSTemporaryDirectory() + "clinic-v1-" + UUID().uuidString
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            let database = try await SQLiteDatabase.open(path: directory + "/clinic.sqlite", logger: logger)
            return ("sqlite://\(directory)/clinic.sqlite", database, { try? FileManager.default.removeItem(atPath: directory) })
        case .postgres:
            let shared = try #require(ProcessInfo.processInfo.environment["CLINIC_TEST_POSTGRES_URL"])
            let name = "clinic_v1_" + UUID().uuidString.prefix(8).lowercased()
            let admin = try PostgresDatabase(url: shared, logger: logger)
            try await admin.query("CREATE DATABASE \(name)", [])
            await admin.close()
            let url = String(shared[..<(shared.lastIndex(of: "/") ?? shared.endIndex)]) + "/" + name
            return (url, try PostgresDatabase(url: url, logger: logger), {
                if let admin = try? PostgresDatabase(url: shared, logger: logger) {
                    _ = try? await admin.query("DROP DATABASE \(name) WITH (FORCE)", [])
                    await admin.close()
                }
            })
        }
    }

    /// Migration 12: Pro bought before paid dates were kept gets one (a month and the grace from
    /// now), so it lapses unless renewed; a clinic that has one, a trial and an ended Pro keep theirs.
    @Test(arguments: StoreKind.available)
    func test_proWithoutAPaidDate_getsOne_andLapsesUnlessRenewed(kind: StoreKind) async throws {
        let (_, database, cleanup) = try await Self.v1Database(kind)
        try await withCleanup(cleanup) {
            try await Migrations.apply(to: database, upTo: 11)
            let store = ClinicStore(database: database)
            let now = Clock.nowMillis()
            var ids: [String: String] = [:]
            for (name, plan, status, paidUntil) in [("forever", "pro", "active", nil), ("dated", "pro", "active", now + 5 * 86_400_000),
                                                    ("trial", "basic", "trialing", nil), ("ended", "pro", "inactive", nil)] as [(String, String, String, Int64?)] {
                let owner = try #require(try await store.createClinic(ownerName: name, email: "\(name)@example.org", passwordHash: "x",
                                                                      trialEndsAt: now + 86_400_000, now: now))
                try await database.query("UPDATE clinics SET plan = $1, status = $2, paid_until = $3 WHERE id = $4",
                                         [.text(plan), .text(status), SQLValue(paidUntil), .text(owner.clinicId)])
                ids[name] = owner.clinicId
            }
            try await Migrations.apply(to: database)
            func paidUntil(_ name: String) async throws -> Int64? { try await store.clinic(id: ids[name]!)?.paidUntil }
            let given = try #require(try await paidUntil("forever"))
            #expect(abs(given - (now + 34 * 86_400_000)) < 120_000, "a month and the grace from the migration")
            #expect(try await paidUntil("dated") == now + 5 * 86_400_000)
            #expect(try await paidUntil("trial") == nil)
            #expect(try await paidUntil("ended") == nil)
            // And it lapses after that date, as any unrenewed Pro does.
            #expect(try await store.caller(userId: try #require(try await store.user(email: "forever@example.org")).id, now: given + 1)?.clinic.status == "inactive")
            await database.close()
        }
    }

    @Test(arguments: StoreKind.available)
    func test_v1Data_becomesAClinicPerDoctor_withEveryRowKept_andV1RequestsAnswerAsBefore(kind: StoreKind) async throws {
        let (url, database, cleanup) = try await Self.v1Database(kind)
        try await withCleanup(cleanup) {
        try await Migrations.apply(to: database, upTo: 7)
        // Two doctors as v1 stored them: one on Pro with records of every kind, one on a trial.
        let now = Clock.nowMillis()
        let hash = Bcrypt.hash("correct horse", cost: 4)
        let ada = "aaaaaaaaaaaaaaaaaaaaaaa1", bob = "bbbbbbbbbbbbbbbbbbbbbbb2"
        for (id, name, email, plan, status) in [(ada, "Dr Ada Lovelace", "ada@example.org", "pro", "active"),
                                                (bob, "Dr Bob Marley", "bob@example.org", "basic", "trialing")] {
            try await database.query("""
                INSERT INTO users (id, username, email, email_key, password_hash, plan, status, trial_ends_at, paid_until, created_at, updated_at)
                VALUES ($1, $2, $3, $3, $4, $5, $6, $7, $8, $9, $9)
                """, [.text(id), .text(name), .text(email), .text(hash), .text(plan), .text(status),
                      status == "trialing" ? .int(now + 86_400_000) : .null, plan == "pro" ? .int(now + 30 * 86_400_000) : .null, .int(now - 1000)])
        }
        let patient = "ccccccccccccccccccccccc3", note = "ddddddddddddddddddddddd4", appointment = "eeeeeeeeeeeeeeeeeeeeeee5"
        try await database.query("""
            INSERT INTO patients (id, user_id, name, phone_number, created_at, updated_at) VALUES ($1, $2, 'Grace Hopper', '+1 555 0100', $3, $3)
            """, [.text(patient), .text(ada), .int(now - 500)])
        try await database.query("INSERT INTO patient_terms (user_id, term, patient_id, created_at) VALUES ($1, 'grace', $2, $3), ($1, 'hopper', $2, $3)",
                                 [.text(ada), .text(patient), .int(now - 500)])
        try await database.query("""
            INSERT INTO clinical_notes (id, user_id, patient_id, content, version, created_at, updated_at) VALUES ($1, $2, $3, 'v2 text', 2, $4, $4)
            """, [.text(note), .text(ada), .text(patient), .int(now - 400)])
        try await database.query("INSERT INTO clinical_note_versions (note_id, version, content, created_at) VALUES ($1, 1, 'v1 text', $2)",
                                 [.text(note), .int(now - 450)])
        try await database.query("""
            INSERT INTO appointments (id, user_id, patient_id, starts_at, ends_at, reason, status, created_at, updated_at)
            VALUES ($1, $2, $3, $4, $5, 'Review', 'scheduled', $6, $6)
            """, [.text(appointment), .text(ada), .text(patient), .int(now + 3_600_000), .int(now + 5_400_000), .int(now - 300)])
        try await database.query("""
            INSERT INTO documents (id, user_id, patient_id, file_name, content_type, size_bytes, storage_key, uploaded_at)
            VALUES ('fffffffffffffffffffffff6', $1, $2, 'scan.pdf', 'application/pdf', 10, 'key-1', $3)
            """, [.text(ada), .text(patient), .int(now - 200)])
        try await database.query("INSERT INTO payment_sessions (id, user_id, plan, gateway, status, created_at) VALUES ('cs_v1', $1, 'pro', 'stripe', 'complete', $2)",
                                 [.text(ada), .int(now - 100)])
        try await database.query("INSERT INTO payment_customers (gateway, customer_id, user_id, created_at) VALUES ('stripe', 'cus_v1', $1, $2)",
                                 [.text(ada), .int(now - 100)])
        let countsBefore = try await Self.counts(database)
        await database.close()

        // The server of this release opens it: migrations 8 and 9 run.
        var configuration = ServerConfiguration()
        configuration.port = 0
        configuration.bcryptCost = 4
        configuration.databaseURL = url
        configuration.dataDirectory = NSTemporaryDirectory() + "clinic-v1-data-" + UUID().uuidString
        var logger = Logger(label: "migration-test")
        logger.logLevel = .critical
        let running = try await ClinicServerApp.start(configuration: configuration, logger: logger)
        let server = TestServer(running: running, directory: configuration.dataDirectory)
        do {
            #expect(try await Self.counts(server.store.database) == countsBefore, "every row kept")
            // A clinic per doctor, named after them, holding the subscription; each doctor its owner.
            let adaClinic = try #require(try await server.store.clinic(id: ada))
            #expect(adaClinic.name == "Dr Ada Lovelace" && adaClinic.plan == "pro" && adaClinic.status == "active" && adaClinic.paidUntil != nil)
            #expect(try await server.store.clinic(id: bob)?.status == "trialing")
            let adaAccount = try await server.store.user(id: ada)
            #expect(adaAccount?.role == .owner && adaAccount?.clinicId == ada)
            // v1 requests, as a v1 client makes them.
            let login = try await server.form("/api/token", [("username", "ada@example.org"), ("password", "correct horse")])
            #expect(login.status == 200)
            let token = try #require(try login.object()["access_token"] as? String)
            let me = try await server.call("GET", "/api/users/me", token: token).object()
            #expect(me["plan"] as? String == "pro" && me["status"] as? String == "active" && me["username"] as? String == "Dr Ada Lovelace")
            #expect(try await server.call("GET", "/api/patients?q=grace", token: token).items().map { $0["id"] as? String } == [patient])
            let notes = try await server.call("GET", "/api/patients/\(patient)/notes", token: token).items()
            #expect(notes.first?["content"] as? String == "v2 text" && notes.first?["version"] as? Int == 2)
            #expect(notes.first?["author_id"] as? String == ada, "v1 notes are their doctor's")
            let appointments = try await server.call("GET", "/api/appointments", token: token).items()
            #expect(appointments.map { $0["id"] as? String } == [appointment] && appointments.first?["provider_id"] as? String == ada)
            #expect(try await server.call("GET", "/api/patients/\(patient)/documents", token: token).items().count == 1)
            // Amending a v1 note keeps its versions.
            #expect(try await server.call("PATCH", "/api/patients/\(patient)/notes/\(note)", token: token, json: ["content": "v3"])
                .object()["version"] as? Int == 3)
            #expect(try await server.store.noteVersions(clinicId: ada, noteId: note).map(\.content) == ["v1 text", "v2 text"])
            // Tenancy held across the move: Bob sees none of it.
            let bobToken = try #require(try await server.form("/api/token", [("username", "bob@example.org"), ("password", "correct horse")])
                .object()["access_token"] as? String)
            #expect(try await server.call("GET", "/api/patients", token: bobToken).items().isEmpty)
            #expect(try await server.call("GET", "/api/patients/\(patient)", token: bobToken).status == 404)
            // A renewal for the remembered customer finds Ada's clinic.
            _ = try await server.store.applyPaymentEvent(PaymentEventRecord(eventId: "stripe:evt_renewal", gateway: "stripe", type: "invoice.paid",
                                                                            userId: nil, sessionId: nil, customerId: "cus_v1",
                                                                            change: .activate(paidUntil: now + 60 * 86_400_000)), now: now)
            #expect(try await server.store.clinic(id: ada)?.paidUntil == now + 60 * 86_400_000)
        } catch {
            await server.stop()
            throw error
        }
        await server.stop()
        }
    }

    static func counts(_ database: any SQLExecutor) async throws -> [String: Int64] {
        var counts: [String: Int64] = [:]
        for table in ["users", "patients", "patient_terms", "clinical_notes", "clinical_note_versions", "appointments", "documents",
                      "payment_sessions", "payment_customers", "refresh_tokens"] {
            counts[table] = try await database.query("SELECT COUNT(*) AS n FROM \(table)", []).first?.int("n")
        }
        return counts
    }
}
