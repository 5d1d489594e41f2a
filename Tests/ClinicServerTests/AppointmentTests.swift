import Foundation
import Testing

@Suite struct AppointmentTests {
    @Test(arguments: StoreKind.available)
    func test_overlapRule_edges(kind: StoreKind) async throws {
        try await withServer(kind) { server in
            let doctor = try await server.registerDoctor()
            let patient = try await server.createPatient(doctor, ["name": "Booked Patient"])
            let pid = try #require(patient["id"] as? String)
            func book(_ start: String, _ end: String, status: String? = nil) async throws -> Reply {
                var body: [String: Any] = ["patient_id": pid, "starts_at": start, "ends_at": end, "reason": "check-up"]
                if let status { body["status"] = status }
                return try await server.call("POST", "/api/appointments", token: doctor.token, json: body)
            }
            let base = try await book("2030-06-03T09:00:00Z", "2030-06-03T09:30:00Z")
            #expect(base.status == 201)
            #expect(try base.object()["patient_name"] as? String == "Booked Patient")
            // Touching ends are fine, before and after.
            #expect(try await book("2030-06-03T08:30:00Z", "2030-06-03T09:00:00Z").status == 201)
            #expect(try await book("2030-06-03T09:30:00Z", "2030-06-03T10:00:00Z").status == 201)
            // Any overlap is a conflict naming the clash.
            for (start, end) in [("2030-06-03T09:29:00Z", "2030-06-03T09:45:00Z"), ("2030-06-03T08:59:59Z", "2030-06-03T09:00:01Z"),
                                 ("2030-06-03T09:10:00Z", "2030-06-03T09:20:00Z"), ("2030-06-03T08:00:00Z", "2030-06-03T11:00:00Z")] {
                let clash = try await book(start, end)
                #expect(clash.status == 409, "\(start)-\(end)")
                #expect(try clash.object()["code"] as? String == "appointment_conflict")
            }
            // A cancelled appointment does not block the slot, and can itself be booked over anything.
            let cancelled = try await book("2030-06-03T12:00:00Z", "2030-06-03T12:30:00Z", status: "cancelled")
            #expect(cancelled.status == 201)
            #expect(try await book("2030-06-03T12:00:00Z", "2030-06-03T12:30:00Z").status == 201)
            #expect(try await book("2030-06-03T09:00:00Z", "2030-06-03T09:30:00Z", status: "cancelled").status == 201)
            // ends_at <= starts_at is 422.
            #expect(try await book("2030-06-03T15:00:00Z", "2030-06-03T15:00:00Z").status == 422)
            #expect(try await book("2030-06-03T15:00:00Z", "2030-06-03T14:00:00Z").status == 422)
            // Another doctor's calendar is separate.
            let other = try await server.registerDoctor()
            let otherPatient = try await server.createPatient(other, ["name": "Other"])
            let otherBooking = try await server.call("POST", "/api/appointments", token: other.token, json: [
                "patient_id": otherPatient["id"] as? String ?? "", "starts_at": "2030-06-03T09:00:00Z", "ends_at": "2030-06-03T09:30:00Z"])
            #expect(otherBooking.status == 201)
        }
    }

    @Test(arguments: StoreKind.available)
    func test_moveOntoAnother_is409_andStatusChangesFreeTheSlot(kind: StoreKind) async throws {
        try await withServer(kind) { server in
            let doctor = try await server.registerDoctor()
            let patient = try await server.createPatient(doctor, ["name": "Mover"])
            let pid = try #require(patient["id"] as? String)
            let first = try await server.call("POST", "/api/appointments", token: doctor.token, json: [
                "patient_id": pid, "starts_at": "2030-07-01T10:00:00+02:00", "ends_at": "2030-07-01T10:30:00+02:00"])
            #expect(try first.object()["starts_at"] as? String == "2030-07-01T08:00:00Z")
            let second = try await server.call("POST", "/api/appointments", token: doctor.token, json: [
                "patient_id": pid, "starts_at": "2030-07-01T09:00:00Z", "ends_at": "2030-07-01T09:30:00Z"])
            let secondId = try #require(try second.object()["id"] as? String)
            let firstId = try #require(try first.object()["id"] as? String)
            let move = try await server.call("PATCH", "/api/appointments/\(secondId)", token: doctor.token,
                                             json: ["starts_at": "2030-07-01T08:15:00Z", "ends_at": "2030-07-01T08:45:00Z"])
            #expect(move.status == 409)
            // Only one end moves: checked against the stored other end.
            let backwards = try await server.call("PATCH", "/api/appointments/\(secondId)", token: doctor.token,
                                                  json: ["ends_at": "2030-07-01T08:59:00Z"])
            #expect(backwards.status == 422)
            #expect(try await server.call("PATCH", "/api/appointments/\(firstId)", token: doctor.token, json: ["status": "cancelled"]).status == 200)
            let retry = try await server.call("PATCH", "/api/appointments/\(secondId)", token: doctor.token,
                                              json: ["starts_at": "2030-07-01T08:15:00Z", "ends_at": "2030-07-01T08:45:00Z"])
            #expect(retry.status == 200)
            #expect(try retry.object()["reason"] is NSNull)
        }
    }

    @Test(arguments: StoreKind.available)
    func test_concurrentBookingsOfOneSlot_onlyOneWins(kind: StoreKind) async throws {
        try await withServer(kind) { server in
            let doctor = try await server.registerDoctor()
            let patient = try await server.createPatient(doctor, ["name": "Race"])
            let pid = try #require(patient["id"] as? String)
            let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
                for _ in 0..<8 {
                    group.addTask {
                        try await server.call("POST", "/api/appointments", token: doctor.token, json: [
                            "patient_id": pid, "starts_at": "2030-08-01T09:00:00Z", "ends_at": "2030-08-01T09:30:00Z"]).status
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(statuses.filter { $0 == 201 }.count == 1)
            #expect(statuses.filter { $0 == 409 }.count == 7)
        }
    }

    @Test(arguments: StoreKind.available)
    func test_list_byRange_andPatient_orderedByStart(kind: StoreKind) async throws {
        try await withServer(kind) { server in
            let doctor = try await server.registerDoctor()
            let a = try #require(try await server.createPatient(doctor, ["name": "A"])["id"] as? String)
            let b = try #require(try await server.createPatient(doctor, ["name": "B"])["id"] as? String)
            for (pid, start, end) in [(b, "2030-09-02T11:00:00Z", "2030-09-02T11:30:00Z"), (a, "2030-09-02T09:00:00Z", "2030-09-02T09:30:00Z"),
                                      (a, "2030-09-05T09:00:00Z", "2030-09-05T09:30:00Z")] {
                #expect(try await server.call("POST", "/api/appointments", token: doctor.token,
                                              json: ["patient_id": pid, "starts_at": start, "ends_at": end]).status == 201)
            }
            let day = try await server.call("GET", "/api/appointments?from=2030-09-02T00:00:00Z&to=2030-09-03T00:00:00Z", token: doctor.token)
            #expect(try day.items().compactMap { $0["starts_at"] as? String } == ["2030-09-02T09:00:00Z", "2030-09-02T11:00:00Z"])
            let onlyA = try await server.call("GET", "/api/appointments?patient_id=\(a)", token: doctor.token)
            #expect(try onlyA.items().count == 2)
            let tooWide = try await server.call("GET", "/api/appointments?from=2030-01-01T00:00:00Z&to=2031-01-03T00:00:00Z", token: doctor.token)
            #expect(tooWide.status == 422)
            let reversed = try await server.call("GET", "/api/appointments?from=2030-09-03T00:00:00Z&to=2030-09-02T00:00:00Z", token: doctor.token)
            #expect(reversed.status == 422)
            let paged = try await server.call("GET", "/api/appointments?limit=2", token: doctor.token)
            let cursor = try #require(try paged.object()["next_cursor"] as? String)
            let rest = try await server.call("GET", "/api/appointments?limit=2&cursor=\(cursor)", token: doctor.token)
            #expect(try rest.items().compactMap { $0["starts_at"] as? String } == ["2030-09-05T09:00:00Z"])
        }
    }
}
