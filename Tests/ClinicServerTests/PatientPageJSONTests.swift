import ClinicAPI
@testable import ClinicServer
@testable import ClinicStore
import Foundation
import HTTPTypes
@_spi(Generated) import OpenAPIRuntime
import Testing

/// The patient list's own JSON writer against the generated encoder (plus the explicit-nulls pass),
/// which is what the contract's OpenAPI document makes of the same records.
@Suite struct PatientPageJSONTests {
    static let awkward = [
        "", "Amara Ó Briain", "李 民", "प्रिया López", "Chloé \"Clo\" Østergaard", "back\\slash", "tab\there", "line\nbreak\r\n",
        "nul\u{0}bell\u{7}esc\u{1B}[31m", "\u{1F}\u{7F}\u{85}", "emoji 🩺👩🏽‍⚕️", "sep\u{2028}\u{2029}", "slash / and </script>", "ß∑≈",
        String(repeating: "long ", count: 300),
    ]

    static func randomText(_ generator: inout SeededGenerator) -> String {
        if Bool.random(using: &generator) { return awkward.randomElement(using: &generator)! }
        let scalars = (0..<Int.random(in: 0...24, using: &generator)).compactMap { _ -> Character? in
            // Mostly ASCII (controls included), some Latin-1, some from far planes.
            let ranges: [ClosedRange<UInt32>] = [0...0x7F, 0x80...0x2FF, 0x900...0x97F, 0x4E00...0x4FFF, 0x1F300...0x1F64F]
            let range = ranges.randomElement(using: &generator)!
            return Unicode.Scalar(UInt32.random(in: range, using: &generator)).map(Character.init)
        }
        return String(scalars)
    }

    static func randomPatient(_ generator: inout SeededGenerator) -> PatientRecord {
        func optional() -> SQLValue { Bool.random(using: &generator) ? .null : .text(randomText(&generator)) }
        // From before 1970 to the year 9999, with and without milliseconds.
        let instants: [Int64] = [0, -1, 1, 999, 1_000, -86_400_001, 1_795_600_000_123, 253_402_300_799_999,
                                 Int64.random(in: -2_208_988_800_000...4_102_444_800_000, using: &generator)]
        return try! PatientRecord(row: SQLRow(values: [
            "id": .text(String(format: "%024x", UInt64.random(in: 0...UInt64.max >> 8, using: &generator))),
            "clinic_id": .text("c"), "name": .text(randomText(&generator)),
            "phone_number": optional(), "address": optional(), "notes": optional(), "date_of_birth": optional(), "sex": optional(),
            "created_at": .int(instants.randomElement(using: &generator)!), "updated_at": .int(instants.randomElement(using: &generator)!),
        ]))
    }

    /// What the generated route answers for a page: the runtime's JSON encoder, then the nulls.
    static func generatedBytes(_ page: Page<PatientRecord>) async throws -> [UInt8] {
        let value = Components.Schemas.PatientPage(items: page.items.map(Components.Schemas.Patient.init), nextCursor: page.next?.encoded)
        var headers = HTTPFields()
        let body = try Converter(configuration: .clinic).setResponseBodyAsJSON(value, headerFields: &headers,
                                                                               contentType: "application/json; charset=utf-8")
        let bytes = try await [UInt8](collecting: body, upTo: 64 << 20)
        return ExplicitNullsMiddleware.fill(bytes, shape: ExplicitNullsMiddleware.shapes["listPatients"]!)
    }

    static func parsed(_ bytes: [UInt8]) throws -> NSDictionary {
        try #require(try JSONSerialization.jsonObject(with: Data(bytes), options: [.fragmentsAllowed]) as? NSDictionary)
    }

    @Test func test_randomPages_encodeToTheSameJSON_asTheGeneratedEncoder() async throws {
        var generator = SeededGenerator("patient page JSON")
        for round in 0..<300 {
            let items = (0..<Int.random(in: 0...12, using: &generator)).map { _ in Self.randomPatient(&generator) }
            let next = Bool.random(using: &generator)
                ? PageCursor(key: Int64.random(in: 0...4_102_444_800_000, using: &generator), id: String(format: "%024x", round)) : nil
            let page = Page(items: items, next: next)
            let fast = Array(PatientPageJSON.encode(page).readableBytesView)
            let generated = try await Self.generatedBytes(page)
            let fastJSON = try Self.parsed(fast), generatedJSON = try Self.parsed(generated)
            #expect(fastJSON == generatedJSON, "round \(round): \(String(decoding: fast, as: UTF8.self).prefix(300))")
            // Every field of the contract is there, null or not.
            for item in (fastJSON["items"] as? [NSDictionary]) ?? [] {
                #expect(Set(item.allKeys.compactMap { $0 as? String }) == ["id", "name", "phone_number", "address", "notes", "date_of_birth",
                                                                              "sex", "created_at", "updated_at"])
            }
        }
    }

    /// Only queries read exactly as the generated decoder reads them take the fast path.
    @Test func test_theFastPath_takesOnlyQueriesItReadsExactly() {
        typealias Path = PatientListFastPath<ClinicRequestContext>
        #expect(Path.plainQuery(nil) == .init())
        #expect(Path.plainQuery("limit=5&q=gar") == .init(q: "gar", limit: 5))
        #expect(Path.plainQuery("q=Chlo%C3%A9&cursor=abc_-") == .init(q: "Chloé", cursor: "abc_-"))
        for other in ["q=a+b", "limit=", "limit=five", "q=a&q=b", "x=1", "q", "q=%ZZ", "q=a=b", "&", "limit=5&"] {
            #expect(Path.plainQuery(other) == nil, "\(other)")
        }
        #expect(Path.acceptsJSON([]))
        #expect(Path.acceptsJSON(["application/json"]))
        #expect(Path.acceptsJSON(["application/json, */*;q=0.8"]))
        // Anything the generated route might refuse goes there (a review found these taking the fast path).
        for other in ["text/html", "text/html, */*;q=0.8", "application/json-seq", "application/*+json", "application/json, text",
                      "application/json;q=2", "application/json;charset=utf-8", ""] {
            #expect(!Path.acceptsJSON([other]), "\(other)")
        }
    }

    /// The same requests answered by the fast path and by the generated route (an extra query item
    /// sends a request there) give the same JSON and the same errors, and both are audited.
    @Test(arguments: StoreKind.available)
    func test_theFastPath_answersAsTheGeneratedRoute(_ kind: StoreKind) async throws {
        try await withServer(kind) { server in
            let doctor = try await server.registerDoctor()
            for name in ["Chloé \"Clo\" Østergaard", "李 民", "Gary Oak", "Garcia\\Back", "Émile Park"] {
                _ = try await server.createPatient(doctor, ["name": name, "phone_number": "+44 7700 900\(name.count)", "notes": "line\nbreak"])
            }
            let first = try await server.call("GET", "/api/patients?limit=2", token: doctor.token)
            let cursor = try #require(try first.object()["next_cursor"] as? String)
            let queries = ["", "?limit=2", "?limit=2&cursor=\(cursor)", "?q=gar", "?q=Chlo%C3%A9", "?q=%E6%9D%8E", "?limit=0", "?limit=101",
                           "?cursor=not-a-cursor", "?q=" + String(repeating: "a", count: 201)]
            for query in queries {
                let fast = try await server.call("GET", "/api/patients" + query, token: doctor.token)
                let generated = try await server.call("GET", "/api/patients" + (query.isEmpty ? "?" : query + "&") + "via=generated",
                                                      token: doctor.token)
                #expect(fast.status == generated.status, "\(query)")
                #expect(try fast.object() as NSDictionary == generated.object() as NSDictionary, "\(query): \(fast.text.prefix(200))")
                #expect(fast.header("content-type") == generated.header("content-type"), "\(query)")
            }
            // Accept headers, answered by both routes alike (200, or the generated route's 415/422).
            for accept in ["application/json-seq", "application/json, text", "application/json;q=2", "*/*;q=0.5", "application/*", "text/html"] {
                let fast = try await server.call("GET", "/api/patients?limit=2", token: doctor.token, headers: [("Accept", accept)])
                let generated = try await server.call("GET", "/api/patients?limit=2&via=generated", token: doctor.token, headers: [("Accept", accept)])
                #expect(fast.status == generated.status, "Accept: \(accept): \(fast.status) against \(generated.status)")
                #expect(fast.text == generated.text || (try? fast.object() as NSDictionary == generated.object() as NSDictionary) == true,
                        "Accept: \(accept)")
            }
            #expect(try await server.call("GET", "/api/patients").status == 401)
            let events = try await server.store.auditEvents(clinicId: doctor.id, // the founder's id is the clinic's
                                                             filter: .init(), limit: 100, after: nil)
            #expect(events.items.filter { $0.entry.action == AuditAction.patientsList.rawValue && $0.entry.status == 200 }.count == 23,
                    "each page read by either route is in the audit log once: 13 above and 10 of the 12 with Accept headers (the generated route reads the page before it checks the media type, so its 415s were read and are logged; a malformed header is a 422 before any reading)")
        }
    }
}

/// Audit events of reads are written in batches: each caller returns only once its own event is
/// stored, and none is lost or written twice.
@Suite struct AuditAppenderTests {
    @Test(arguments: StoreKind.available)
    func test_eventsArrivingTogether_areAllStored_beforeTheirCallersReturn(_ kind: StoreKind) async throws {
        try await withServer(kind) { server in
            let doctor = try await server.registerDoctor()
            let store = server.store
            let clinicID = doctor.id
            let count = 900  // more than two batches' worth
            try await withThrowingTaskGroup(of: Void.self) { group in
                for n in 0..<count {
                    group.addTask {
                        try await store.recordAudit(AuditEntry(clinicId: clinicID, at: Clock.nowMillis(), actorId: clinicID, actorName: "reader \(n)",
                                                               actorRole: "doctor", action: "patient.view", patientId: nil, recordType: nil,
                                                               recordId: nil, ip: "127.0.0.1", status: 200))
                        // Returned: so it is already there.
                        // This clinic's rows only: PostgreSQL's database is shared by the runs of one session.
                        let rows = try await store.database.query("SELECT COUNT(*) AS n FROM audit_events WHERE clinic_id = $1 AND actor_name = $2",
                                                                  [.text(clinicID), .text("reader \(n)")])
                        #expect(try rows.first?.int("n") == 1, "reader \(n)")
                    }
                }
                try await group.waitForAll()
            }
            let names = try await store.database.query("SELECT actor_name FROM audit_events WHERE clinic_id = $1 AND actor_name LIKE 'reader %'",
                                                       [.text(clinicID)])
            #expect(Set(try names.map { try $0.string("actor_name") }).count == count)
            #expect(names.count == count)
            // An event the database refuses (PostgreSQL refuses NUL in text; the action is not cleaned, being
            // ours, so a NUL in it stands for any value refused) fails alone: the events
            // batched with it, from other requests, are stored and their callers answered. NUL in an id as
            // sent (`/api/patients/%00`) is stored without it.
            let outcomes = await withTaskGroup(of: (String, Bool).self) { group in
                for n in 0..<60 {
                    group.addTask {
                        let name = n == 30 ? "refused" : "batched \(n)"
                        let entry = AuditEntry(clinicId: clinicID, at: Clock.nowMillis(), actorId: nil, actorName: name, actorRole: "doctor",
                                               action: n == 30 ? "patient.view\u{0}" : "patient.view", patientId: n % 7 == 0 ? "\u{0}abc" : nil,
                                               recordType: nil, recordId: nil, ip: nil, status: 200)
                        do { try await store.recordAudit(entry); return (name, true) } catch { return (name, false) }
                    }
                }
                var results: [String: Bool] = [:]
                for await (name, ok) in group { results[name] = ok }
                return results
            }
            let failed = outcomes.filter { $0.key != "refused" && !$0.value }.map(\.key)
            #expect(failed.isEmpty, "\(failed)")
            #expect(outcomes.count == 60)
            if kind == .postgres { #expect(outcomes["refused"] == false, "the refused event is refused (else this test proves nothing)") }
            let batched = try await store.database.query("SELECT patient_id FROM audit_events WHERE clinic_id = $1 AND actor_name LIKE 'batched %'",
                                                         [.text(clinicID)])
            #expect(batched.count == 59)
            #expect(batched.compactMap { $0.optionalString("patient_id") }.allSatisfy { $0 == "abc" })
        }
    }
}
