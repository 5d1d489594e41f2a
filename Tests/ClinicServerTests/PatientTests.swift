import ClinicStore
import Foundation
import Logging
import Testing

@Suite struct PatientTests {
    @Test(arguments: StoreKind.available)
    func test_createReadUpdateDelete_withExplicitNulls(kind: StoreKind) async throws {
        try await withServer(kind) { server in
            let doctor = try await server.registerDoctor()
            let created = try await server.call("POST", "/api/patients", token: doctor.token,
                                                json: ["name": "  Grace Hopper ", "date_of_birth": "1906-12-09", "sex": "female"])
            #expect(created.status == 201)
            let patient = try created.object()
            #expect(patient["name"] as? String == "Grace Hopper")
            // Unset optional fields are present as null.
            #expect(patient.keys.contains("phone_number") && patient["phone_number"] is NSNull)
            #expect(patient["address"] is NSNull && patient["notes"] is NSNull)
            let id = try #require(patient["id"] as? String)
            let patched = try await server.call("PATCH", "/api/patients/\(id)", token: doctor.token,
                                                json: ["phone_number": "+44 20 7946 0958", "sex": ""])
            #expect(patched.status == 200)
            let updated = try patched.object()
            #expect(updated["phone_number"] as? String == "+44 20 7946 0958")
            #expect(updated["sex"] is NSNull)
            #expect(updated["date_of_birth"] as? String == "1906-12-09")
            #expect(try await server.call("GET", "/api/patients/\(id)", token: doctor.token).object()["name"] as? String == "Grace Hopper")
            #expect(try await server.call("DELETE", "/api/patients/\(id)", token: doctor.token).status == 204)
            #expect(try await server.call("GET", "/api/patients/\(id)", token: doctor.token).status == 404)
            #expect(try await server.call("DELETE", "/api/patients/\(id)", token: doctor.token).status == 404)
        }
    }

    @Test(arguments: StoreKind.available)
    func test_search_isAccentAndCaseInsensitive_byWordPrefix_orPhoneDigits(kind: StoreKind) async throws {
        try await withServer(kind) { server in
            let doctor = try await server.registerDoctor()
            _ = try await server.createPatient(doctor, ["name": "José Álvarez-Núñez", "phone_number": "+34 912 345 678"])
            _ = try await server.createPatient(doctor, ["name": "Zoë Müller"])
            _ = try await server.createPatient(doctor, ["name": "आदित्य शर्मा", "phone_number": "98765 43210"])
            _ = try await server.createPatient(doctor, ["name": "王小明"])
            _ = try await server.createPatient(doctor, ["name": "Joseph Alvarado"])
            func names(_ q: String) async throws -> Set<String> {
                let escaped = q.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? q
                let reply = try await server.call("GET", "/api/patients?q=\(escaped)", token: doctor.token)
                #expect(reply.status == 200)
                return Set(try reply.items().compactMap { $0["name"] as? String })
            }
            #expect(try await names("josé") == ["José Álvarez-Núñez", "Joseph Alvarado"])
            #expect(try await names("Álvarez") == ["José Álvarez-Núñez"])
            #expect(try await names("JOS") == ["José Álvarez-Núñez", "Joseph Alvarado"])
            #expect(try await names("alvarez") == ["José Álvarez-Núñez"])
            #expect(try await names("nunez") == ["José Álvarez-Núñez"])
            #expect(try await names("alva jos") == ["José Álvarez-Núñez", "Joseph Alvarado"])
            #expect(try await names("zoe mul") == ["Zoë Müller"])
            #expect(try await names("शर्मा") == ["आदित्य शर्मा"])
            #expect(try await names("王") == ["王小明"])
            #expect(try await names("345 678") == ["José Álvarez-Núñez"])
            #expect(try await names("43210") == ["आदित्य शर्मा"])
            #expect(try await names("lvarez") == [])
            #expect(try await names("%") == [])
            #expect(try await names("' OR 1=1 --") == [])
        }
    }

    @Test(arguments: StoreKind.available)
    func test_searchResults_pageByCursor_everyMatchOnce(kind: StoreKind) async throws {
        try await withServer(kind) { server in
            let doctor = try await server.registerDoctor()
            var matching = Set<String>()
            for index in 0..<55 {
                let name = index % 3 == 0 ? "Other Person \(index)" : "Ana Sofía Test\(index)"
                let patient = try await server.createPatient(doctor, ["name": name])
                if index % 3 != 0 { matching.insert(try #require(patient["id"] as? String)) }
            }
            for query in ["ana", "ana%20sofia", "sofi%20an"] {
                var seen: [String] = []
                var cursor: String?
                repeat {
                    let reply = try await server.call("GET", "/api/patients?q=\(query)&limit=10" + (cursor.map { "&cursor=\($0)" } ?? ""),
                                                      token: doctor.token)
                    let body = try reply.object()
                    let items = body["items"] as? [[String: Any]] ?? []
                    seen += items.compactMap { $0["id"] as? String }
                    // Compared as dates: a time on a whole second is written without ".000".
                    let created = items.compactMap { ISO8601DateFormatter.flexible($0["created_at"] as? String) }
                    #expect(created.count == items.count && created == created.sorted(by: >), "newest first")
                    cursor = body["next_cursor"] as? String
                } while cursor != nil && seen.count < 100
                #expect(seen.count == matching.count && Set(seen) == matching, "\(query): \(seen.count) of \(matching.count)")
            }
        }
    }

    @Test(arguments: StoreKind.available)
    func test_renaming_updatesSearch(kind: StoreKind) async throws {
        try await withServer(kind) { server in
            let doctor = try await server.registerDoctor()
            let patient = try await server.createPatient(doctor, ["name": "Old Name"])
            let id = try #require(patient["id"] as? String)
            _ = try await server.call("PATCH", "/api/patients/\(id)", token: doctor.token, json: ["name": "Nouveau Nom"])
            #expect(try await server.call("GET", "/api/patients?q=old", token: doctor.token).items().isEmpty)
            #expect(try await server.call("GET", "/api/patients?q=nouv", token: doctor.token).items().count == 1)
        }
    }

    /// Terms written by older search code are written again once, at start-up (migration 6), and
    /// a doctor finds the patient by the words of today's code.
    @Test(arguments: StoreKind.available)
    func test_searchTermsFromOlderCode_areRebuiltAtStartUp(kind: StoreKind) async throws {
        // It takes a migration back: on PostgreSQL in a database of its own, not the one other tests share.
        let own = kind == .postgres ? try await OwnPostgresDatabase.create() : nil
        try await withCleanup({ await own?.drop() }) {
        try await withServer(kind, configure: { if let own { $0.databaseURL = own.url } }) { server in
            let doctor = try await server.registerDoctor()
            let other = try await server.registerDoctor()
            let patient = try await server.createPatient(doctor, ["name": "Zoë Ångström", "phone_number": "+46 8 555 0199"])
            let id = try #require(patient["id"] as? String)
            let neighbour = try await server.createPatient(other, ["name": "Kwame Mensah"])
            let neighbourID = try #require(neighbour["id"] as? String)
            // As an older version would have left them: a term today's code does not write, the
            // right ones missing, and the step not yet applied.
            try await server.store.database.query("DELETE FROM patient_terms WHERE patient_id = $1", [.text(id)])
            try await server.store.database.query(
                "INSERT INTO patient_terms (clinic_id, term, patient_id, created_at) VALUES ($1, 'stale', $2, 0)",
                [.text(doctor.id), .text(id)])
            try await server.store.database.query("DELETE FROM schema_migrations WHERE version = 6", [])
            #expect(try await server.call("GET", "/api/patients?q=zoe", token: doctor.token).items().isEmpty)
            #expect(try await server.call("GET", "/api/patients?q=stale", token: doctor.token).items().count == 1)

            // A second process starting on the same database migrates it.
            let url = kind == .sqlite ? "sqlite://\(server.directory)/clinic.sqlite" : try #require(own?.url)
            let second = try await ClinicStore.open(url: url, logger: Logger(label: "test"))
            await second.close()

            for query in ["zoe", "ANGST", "zoë ång", "0199", "5550199"] {
                let found = try await server.call("GET", "/api/patients?q=\(query.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)",
                                                  token: doctor.token).items()
                #expect(found.map { $0["id"] as? String } == [id], "q=\(query)")
            }
            #expect(try await server.call("GET", "/api/patients?q=stale", token: doctor.token).items().isEmpty)
            let neighbours = try await server.call("GET", "/api/patients?q=mensah", token: other.token).items()
            #expect(neighbours.map { $0["id"] as? String } == [neighbourID], "another doctor's terms are rebuilt as theirs")
            #expect(try await server.call("GET", "/api/patients?q=mensah", token: doctor.token).items().isEmpty)
        }
        }
    }

    @Test(arguments: StoreKind.available)
    func test_pagination_returnsEveryRowOnce_whileOthersAreInserted(kind: StoreKind) async throws {
        try await withServer(kind) { server in
            let doctor = try await server.registerDoctor()
            var original = Set<String>()
            for index in 0..<130 {
                let patient = try await server.createPatient(doctor, ["name": "Patient \(index)"])
                original.insert(try #require(patient["id"] as? String))
            }
            var seen: [String] = []
            var cursor: String?
            var pages = 0
            repeat {
                let path = "/api/patients?limit=40" + (cursor.map { "&cursor=\($0)" } ?? "")
                let reply = try await server.call("GET", path, token: doctor.token)
                #expect(reply.status == 200)
                let body = try reply.object()
                seen += (body["items"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String }
                cursor = body["next_cursor"] as? String
                pages += 1
                // Someone at the front desk keeps adding patients while we page.
                _ = try await server.createPatient(doctor, ["name": "Walk-in \(pages)"])
            } while cursor != nil && pages < 20
            #expect(Set(seen).isSuperset(of: original))
            #expect(seen.count == Set(seen).count, "a row came twice")
            #expect(seen.filter { original.contains($0) }.count == 130)
            #expect(pages == 4)
        }
    }

    @Test(arguments: StoreKind.available)
    func test_deletingAPatient_removesItsNotesAndAppointments(kind: StoreKind) async throws {
        try await withServer(kind) { server in
            let doctor = try await server.registerDoctor()
            let patient = try await server.createPatient(doctor, ["name": "Leaving Patient"])
            let id = try #require(patient["id"] as? String)
            let note = try await server.call("POST", "/api/patients/\(id)/notes", token: doctor.token, json: ["content": "note"])
            let noteId = try #require(try note.object()["id"] as? String)
            let appointment = try await server.call("POST", "/api/appointments", token: doctor.token, json: [
                "patient_id": id, "starts_at": "2030-05-01T10:00:00Z", "ends_at": "2030-05-01T10:15:00Z"])
            let appointmentId = try #require(try appointment.object()["id"] as? String)
            #expect(try await server.call("DELETE", "/api/patients/\(id)", token: doctor.token).status == 204)
            #expect(try await server.call("GET", "/api/patients/\(id)/notes/\(noteId)", token: doctor.token).status == 404)
            #expect(try await server.call("GET", "/api/appointments/\(appointmentId)", token: doctor.token).status == 404)
            let rows = try await server.store.database.query("SELECT COUNT(*) AS n FROM clinical_notes WHERE patient_id = $1", [.text(id)])
            #expect(try rows.first?.int("n") == 0)
            let terms = try await server.store.database.query("SELECT COUNT(*) AS n FROM patient_terms WHERE patient_id = $1", [.text(id)])
            #expect(try terms.first?.int("n") == 0)
        }
    }
}
