import Foundation
import Testing

/// Another doctor's record is a 404 on every verb, and never appears in a list.
@Suite struct TenancyTests {
    @Test(arguments: StoreKind.available)
    func test_otherDoctorsRecords_are404OnEveryVerb_andNeverListed(kind: StoreKind) async throws {
        try await withServer(kind) { server in
            let owner = try await server.registerDoctor(name: "Dr Owner")
            let intruder = try await server.registerDoctor(name: "Dr Intruder")
            let patient = try await server.createPatient(owner, ["name": "Private Patient", "phone_number": "555 0101"])
            let patientId = try #require(patient["id"] as? String)
            let note = try await server.call("POST", "/api/patients/\(patientId)/notes", token: owner.token, json: ["content": "confidential"])
            let noteId = try #require(try note.object()["id"] as? String)
            let appointment = try await server.call("POST", "/api/appointments", token: owner.token, json: [
                "patient_id": patientId, "starts_at": "2030-01-07T09:00:00Z", "ends_at": "2030-01-07T09:30:00Z"])
            let appointmentId = try #require(try appointment.object()["id"] as? String)
            let intruderPatient = try await server.createPatient(intruder, ["name": "Intruder's Own"])
            let intruderPatientId = try #require(intruderPatient["id"] as? String)

            let attempts: [(String, String, [String: Any]?)] = [
                ("GET", "/api/patients/\(patientId)", nil),
                ("PATCH", "/api/patients/\(patientId)", ["name": "Renamed"]),
                ("DELETE", "/api/patients/\(patientId)", nil),
                ("GET", "/api/patients/\(patientId)/notes", nil),
                ("POST", "/api/patients/\(patientId)/notes", ["content": "injected"]),
                ("GET", "/api/patients/\(patientId)/notes/\(noteId)", nil),
                ("PATCH", "/api/patients/\(patientId)/notes/\(noteId)", ["content": "overwritten"]),
                ("DELETE", "/api/patients/\(patientId)/notes/\(noteId)", nil),
                // The intruder's own patient id with the owner's note id.
                ("GET", "/api/patients/\(intruderPatientId)/notes/\(noteId)", nil),
                ("GET", "/api/appointments/\(appointmentId)", nil),
                ("PATCH", "/api/appointments/\(appointmentId)", ["status": "cancelled"]),
                ("DELETE", "/api/appointments/\(appointmentId)", nil),
                ("POST", "/api/appointments", ["patient_id": patientId, "starts_at": "2030-02-01T09:00:00Z", "ends_at": "2030-02-01T09:30:00Z"]),
                // Moving the intruder's own appointment onto the owner's patient.
            ]
            for (method, path, body) in attempts {
                let reply = try await server.call(method, path, token: intruder.token, json: body)
                #expect(reply.status == 404, "\(method) \(path) answered \(reply.status)")
                #expect(reply.isContractError)
            }
            let own = try await server.call("POST", "/api/appointments", token: intruder.token, json: [
                "patient_id": intruderPatientId, "starts_at": "2030-03-01T09:00:00Z", "ends_at": "2030-03-01T09:30:00Z"])
            let ownId = try #require(try own.object()["id"] as? String)
            let hijack = try await server.call("PATCH", "/api/appointments/\(ownId)", token: intruder.token, json: ["patient_id": patientId])
            #expect(hijack.status == 404)

            // Lists and searches never show the owner's records to the intruder.
            for path in ["/api/patients", "/api/patients?q=private", "/api/patients?q=0101", "/api/appointments",
                         "/api/appointments?patient_id=\(patientId)"] {
                let reply = try await server.call("GET", path, token: intruder.token)
                #expect(reply.status == 200)
                let ids = try reply.items().compactMap { $0["id"] as? String }
                #expect(!ids.contains(patientId) && !ids.contains(appointmentId), "\(path)")
            }
            // Nothing of the owner's changed: the patient (not renamed, not deleted), the notes (none
            // added, the one there neither amended nor deleted), the appointment (not cancelled, not
            // deleted); and the intruder's own appointment still points at the intruder's patient.
            let ownerPatient = try await server.call("GET", "/api/patients/\(patientId)", token: owner.token)
            #expect(try ownerPatient.status == 200 && (try ownerPatient.object()["name"] as? String) == "Private Patient")
            let notes = try await server.call("GET", "/api/patients/\(patientId)/notes", token: owner.token).items()
            #expect(notes.map { $0["content"] as? String } == ["confidential"])
            #expect(notes.first?["version"] as? Int == 1)
            let ownerAppointment = try await server.call("GET", "/api/appointments/\(appointmentId)", token: owner.token)
            #expect(try ownerAppointment.status == 200 && (try ownerAppointment.object()["status"] as? String) == "scheduled")
            #expect(try await server.call("GET", "/api/appointments/\(ownId)", token: intruder.token).object()["patient_id"] as? String
                    == intruderPatientId)
        }
    }
}
