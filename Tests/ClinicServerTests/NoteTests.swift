import Foundation
import Testing

@Suite struct NoteTests {
    @Test(arguments: StoreKind.available)
    func test_notes_newestFirst_amendKeepsVersions(kind: StoreKind) async throws {
        try await withServer(kind) { server in
            let doctor = try await server.registerDoctor()
            let patient = try await server.createPatient(doctor, ["name": "Timeline Patient"])
            let id = try #require(patient["id"] as? String)
            var noteIds: [String] = []
            for text in ["first visit", "second visit", "third visit"] {
                let reply = try await server.call("POST", "/api/patients/\(id)/notes", token: doctor.token, json: ["content": text])
                #expect(reply.status == 201)
                let note = try reply.object()
                #expect(note["version"] as? Int == 1)
                #expect(note["patient_id"] as? String == id)
                noteIds.append(try #require(note["id"] as? String))
                try await Task.sleep(for: .milliseconds(3))
            }
            let list = try await server.call("GET", "/api/patients/\(id)/notes", token: doctor.token)
            #expect(try list.items().compactMap { $0["content"] as? String } == ["third visit", "second visit", "first visit"])
            let amended = try await server.call("PATCH", "/api/patients/\(id)/notes/\(noteIds[0])", token: doctor.token,
                                                json: ["content": "first visit (corrected: BP 120/80)"])
            #expect(amended.status == 200)
            #expect(try amended.object()["version"] as? Int == 2)
            let again = try await server.call("PATCH", "/api/patients/\(id)/notes/\(noteIds[0])", token: doctor.token, json: ["content": "v3"])
            #expect(try again.object()["version"] as? Int == 3)
            let versions = try await server.store.noteVersions(clinicId: doctor.id, noteId: noteIds[0])
            #expect(versions.map(\.content) == ["first visit", "first visit (corrected: BP 120/80)"])
            #expect(versions.map(\.version) == [1, 2])
            // …and read back through the API, the current text last; refused to another clinic (404).
            let history = try await server.call("GET", "/api/patients/\(id)/notes/\(noteIds[0])/versions", token: doctor.token)
            #expect(history.status == 200)
            #expect(try history.items().compactMap { $0["content"] as? String } == ["first visit", "first visit (corrected: BP 120/80)", "v3"])
            #expect(try history.items().compactMap { $0["version"] as? Int } == [1, 2, 3])
            let stranger = try await server.registerDoctor()
            #expect(try await server.call("GET", "/api/patients/\(id)/notes/\(noteIds[0])/versions", token: stranger.token).status == 404)
            let unamended = try await server.call("GET", "/api/patients/\(id)/notes/\(noteIds[2])/versions", token: doctor.token)
            #expect(try unamended.items().compactMap { $0["content"] as? String } == ["third visit"])
            #expect(try await server.call("DELETE", "/api/patients/\(id)/notes/\(noteIds[1])", token: doctor.token).status == 204)
            #expect(try await server.call("GET", "/api/patients/\(id)/notes", token: doctor.token).items().count == 2)
        }
    }

    @Test(arguments: StoreKind.available)
    func test_noteLength_limits(kind: StoreKind) async throws {
        try await withServer(kind) { server in
            let doctor = try await server.registerDoctor()
            let patient = try await server.createPatient(doctor, ["name": "Long Notes"])
            let id = try #require(patient["id"] as? String)
            let longest = String(repeating: "é", count: 20_000)
            #expect(try await server.call("POST", "/api/patients/\(id)/notes", token: doctor.token, json: ["content": longest]).status == 201)
            let tooLong = try await server.call("POST", "/api/patients/\(id)/notes", token: doctor.token, json: ["content": longest + "x"])
            #expect(tooLong.status == 422)
            let detail = try #require(try tooLong.object()["detail"] as? [[String: Any]])
            #expect(detail.first?["loc"] as? [String] == ["body", "content"])
            #expect(try await server.call("POST", "/api/patients/\(id)/notes", token: doctor.token, json: ["content": "  \n "]).status == 422)
            #expect(try await server.call("POST", "/api/patients/\(id)/notes", token: doctor.token,
                                          json: ["content": "line one\nline two\ttabbed"]).status == 201)
            // Text pasted from another system is kept as it came (the terminal strips what it would act on); NUL is refused.
            let pasted = "escape \u{1B}[2J sequence, bell \u{7}, delete \u{7F}, \u{1} start of heading"
            let kept = try await server.call("POST", "/api/patients/\(id)/notes", token: doctor.token, json: ["content": pasted])
            #expect(kept.status == 201)
            #expect(try kept.object()["content"] as? String == pasted)
            #expect(try await server.call("POST", "/api/patients/\(id)/notes", token: doctor.token,
                                          json: ["content": "nul \u{0} byte"]).status == 422)
        }
    }
}
