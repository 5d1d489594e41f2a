import Foundation
import Testing

/// Bad input is a 4xx with the contract's error body, never a 5xx, and changes nothing.
@Suite struct BadInputTests {
    @Test(arguments: StoreKind.available)
    func test_badInputs_are4xxWithABody(kind: StoreKind) async throws {
        try await withServer(kind) { server in
            let doctor = try await server.registerDoctor()
            let patient = try await server.createPatient(doctor, ["name": "Target"])
            let pid = try #require(patient["id"] as? String)
            let json = "application/json"
            let deep = String(repeating: "[", count: 5000) + String(repeating: "]", count: 5000)
            let cases: [(String, String, Data?, String?, Int)] = [
                // Registration
                ("POST", "/api/users/register", Data(#"{"username":"A","email":"not-an-email","password":"password1"}"#.utf8), json, 422),
                ("POST", "/api/users/register", Data(#"{"username":"","email":"a@b.co","password":"password1"}"#.utf8), json, 422),
                ("POST", "/api/users/register", Data(#"{"username":"A","email":"a@b.co","password":"short"}"#.utf8), json, 422),
                ("POST", "/api/users/register", Data(#"{"username":"A","email":"a@b.co"}"#.utf8), json, 422),
                ("POST", "/api/users/register", Data(#"{"username":1,"email":"a@b.co","password":"password1"}"#.utf8), json, 422),
                ("POST", "/api/users/register", Data(#"{"username":"nul\u0000","email":"a@b.co","password":"password1"}"#.utf8), json, 422),
                ("POST", "/api/token", Data("username=a@b.co".utf8), "application/x-www-form-urlencoded", 422),
                ("POST", "/api/token", Data(#"{"username":"a@b.co","password":"x"}"#.utf8), json, 415),
                ("POST", "/api/token/refresh", Data("{}".utf8), json, 422),
                // Patients
                ("POST", "/api/patients", Data("{".utf8), json, 422),
                ("POST", "/api/patients", Data([0x7B, 0x22, 0x6E, 0x61, 0x6D, 0x65, 0x22, 0x3A, 0x22, 0xFF, 0xFE, 0x22, 0x7D]), json, 422),
                ("POST", "/api/patients", Data(deep.utf8), json, 422),
                ("POST", "/api/patients", Data("[]".utf8), json, 422),
                ("POST", "/api/patients", Data(#"{"name":null}"#.utf8), json, 422),
                ("POST", "/api/patients", Data(#"{"name":"   "}"#.utf8), json, 422),
                ("POST", "/api/patients", Data(#"{"name":{"$gt":""}}"#.utf8), json, 422),
                ("POST", "/api/patients", Data(#"{"name":"A","date_of_birth":"2021-02-30"}"#.utf8), json, 422),
                ("POST", "/api/patients", Data(#"{"name":"A","date_of_birth":"2999-01-01"}"#.utf8), json, 422),
                ("POST", "/api/patients", Data(#"{"name":"A","phone_number":"call me"}"#.utf8), json, 422),
                ("POST", "/api/patients", Data(#"{"name":"A","sex":"F"}"#.utf8), json, 422),
                ("POST", "/api/patients", Data(#"{"name":"nul\u0000byte"}"#.utf8), json, 422),
                ("POST", "/api/patients", Data(("{\"name\":\"" + String(repeating: "x", count: 201) + "\"}").utf8), json, 422),
                ("POST", "/api/patients", Data(#"{"name":"A"}"#.utf8), "text/plain", 415),
                ("POST", "/api/patients", nil, json, 422),
                ("GET", "/api/patients?limit=0", nil, nil, 422),
                ("GET", "/api/patients?limit=201", nil, nil, 422),
                ("GET", "/api/patients?limit=99999999999999999999", nil, nil, 422),
                ("GET", "/api/patients?limit=abc", nil, nil, 422),
                ("GET", "/api/patients?cursor=%27%3B%20DROP%20TABLE%20patients%3B--", nil, nil, 422),
                ("GET", "/api/patients?cursor=MTIzOi4uLy4uL2V0Yy9wYXNzd2Q", nil, nil, 422),
                ("GET", "/api/patients/../../etc/passwd", nil, nil, 404),
                ("GET", "/api/patients/%27%20OR%201%3D1", nil, nil, 404),
                ("PATCH", "/api/patients/\(pid)", Data(#"{"name":""}"#.utf8), json, 422),
                ("PATCH", "/api/patients/\(pid)", Data(#"{"name":12}"#.utf8), json, 422),
                // Notes
                ("POST", "/api/patients/\(pid)/notes", Data("{}".utf8), json, 422),
                ("POST", "/api/patients/\(pid)/notes", Data(#"{"content":""}"#.utf8), json, 422),
                ("POST", "/api/patients/\(pid)/notes", Data(#"{"content":1e999}"#.utf8), json, 422),
                ("GET", "/api/patients/\(pid)/notes?limit=-1", nil, nil, 422),
                // Appointments
                ("POST", "/api/appointments", Data(#"{"patient_id":"\#(pid)","starts_at":"tomorrow","ends_at":"2030-01-01T10:00:00Z"}"#.utf8), json, 422),
                ("POST", "/api/appointments", Data(#"{"patient_id":"\#(pid)","starts_at":"2030-01-01T10:00:00Z","ends_at":"2030-01-03T10:00:00Z"}"#.utf8), json, 422),
                ("POST", "/api/appointments", Data(#"{"patient_id":"\#(pid)","starts_at":"2030-01-01T10:00:00Z","ends_at":"2030-01-01T10:30:00Z","status":"maybe"}"#.utf8), json, 422),
                ("POST", "/api/appointments", Data(#"{"patient_id":"nope","starts_at":"2030-01-01T10:00:00Z","ends_at":"2030-01-01T10:30:00Z"}"#.utf8), json, 404),
                ("GET", "/api/appointments?from=not-a-date", nil, nil, 422),
                ("GET", "/api/appointments?from=2030-01-01T00:00:00Z&to=2032-01-01T00:00:00Z", nil, nil, 422),
                // Routes and methods
                ("GET", "/api/nothing-here", nil, nil, 404),
                ("PUT", "/api/patients", Data("{}".utf8), json, 404),
            ]
            for (method, path, body, contentType, expected) in cases {
                let reply = try await server.call(method, path, token: doctor.token, raw: body, contentType: contentType)
                #expect(reply.status == expected, "\(method) \(path) \(String(decoding: (body ?? Data()).prefix(60), as: UTF8.self)) → \(reply.status) \(reply.text.prefix(200))")
                #expect(reply.isContractError, "\(method) \(path) body: \(reply.text.prefix(200))")
            }
            // Nothing was created by any of it.
            #expect(try await server.call("GET", "/api/patients", token: doctor.token).items().count == 1)
        }
    }

    @Test(arguments: StoreKind.available)
    func test_oversizedBody_is413(kind: StoreKind) async throws {
        try await withServer(kind) { server in
            let doctor = try await server.registerDoctor()
            let huge = Data(("{\"name\":\"" + String(repeating: "a", count: 10 << 20) + "\"}").utf8)
            let reply = try await server.call("POST", "/api/patients", token: doctor.token, raw: huge, contentType: "application/json")
            #expect(reply.status == 413)
            #expect(reply.isContractError)
            #expect(try await server.call("GET", "/api/patients", token: doctor.token).items().isEmpty)
        }
    }

    @Test(arguments: StoreKind.available)
    func test_hostileStrings_areStoredVerbatim_notInterpreted(kind: StoreKind) async throws {
        try await withServer(kind) { server in
            let doctor = try await server.registerDoctor()
            let hostile = "Robert'); DROP TABLE patients;-- ../../etc/passwd %s %n $1 ${HOME} <script>"
            let created = try await server.createPatient(doctor, ["name": hostile, "address": hostile, "notes": hostile])
            #expect(created["name"] as? String == hostile)
            #expect(try await server.call("GET", "/api/patients?q=robert", token: doctor.token).items().count == 1)
            let pid = try #require(created["id"] as? String)
            // Every other free-text field: a note, its amendment, an appointment's reason, a user's name.
            let note = try await server.call("POST", "/api/patients/\(pid)/notes", token: doctor.token, json: ["content": hostile])
            let noteContent = try note.object()["content"] as? String
            #expect(note.status == 201 && noteContent == hostile)
            let noteID = try #require(try note.object()["id"] as? String)
            let amended = try await server.call("PATCH", "/api/patients/\(pid)/notes/\(noteID)", token: doctor.token,
                                                json: ["content": hostile + " amended"])
            #expect((try amended.object()["content"] as? String) == hostile + " amended")
            let booking = try await server.call("POST", "/api/appointments", token: doctor.token,
                                                json: ["patient_id": pid, "starts_at": "2031-03-03T10:00:00Z", "ends_at": "2031-03-03T10:30:00Z",
                                                       "reason": hostile])
            let reason = try booking.object()["reason"] as? String
            #expect(booking.status == 201 && reason == hostile)
            let other = try await server.registerDoctor(name: "Dr O'Brien; DROP TABLE users;--")
            #expect((try await server.call("GET", "/api/users/me", token: other.token).object()["username"] as? String)
                    == "Dr O'Brien; DROP TABLE users;--")
            // LIKE and regex metacharacters search for themselves (nothing), never for everything.
            for query in ["%", "_", "%25", ".*", "' OR '1'='1", "\\", "*"] {
                let encoded = query.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""
                let found = try await server.call("GET", "/api/patients?q=\(encoded)", token: doctor.token)
                let none = try found.items().isEmpty
                #expect(found.status == 200 && none, "q=\(query) found \(found.text.prefix(120))")
            }
            // The tables are all still there and whole.
            #expect(try await server.call("GET", "/api/patients", token: doctor.token).items().count == 1)
            #expect(try await server.call("GET", "/api/patients/\(pid)/notes", token: doctor.token).items().count == 1)
        }
    }
}
