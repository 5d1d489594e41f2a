import ClinicStore
import Foundation
import Testing

@testable import ClinicServer

/// Clinics and staff (contract v2): invitations, seats, roles, deactivation, a calendar per doctor.
@Suite struct ClinicStaffTests {
    @Test(arguments: StoreKind.available)
    func test_registration_makesAClinic_withItsFounderAsOwner(kind: StoreKind) async throws {
        try await withServer(kind) { server in
            let owner = try await server.registerDoctor(name: "Dr Ada Quist")
            let me = try await server.call("GET", "/api/users/me", token: owner.token).object()
            #expect(me["role"] as? String == "owner")
            let clinicRef = try #require(me["clinic"] as? [String: Any])
            #expect(clinicRef["name"] as? String == "Dr Ada Quist")
            let clinic = try await server.call("GET", "/api/clinic", token: owner.token).object()
            #expect(clinic["plan"] as? String == "basic" && clinic["status"] as? String == "trialing")
            let seats = try #require(clinic["seats"] as? [String: Any])
            #expect(seats["doctors"] as? Int == 1 && seats["front_desk"] as? Int == 0)
            #expect(seats["max_doctors"] as? Int == 1 && seats["max_front_desk"] as? Int == 2)
            let renamed = try await server.call("PATCH", "/api/clinic", token: owner.token, json: ["name": "Quist Family Practice"])
            #expect(renamed.status == 200)
            #expect(try await server.call("GET", "/api/users/me", token: owner.token).object()["clinic"].flatMap { ($0 as? [String: Any])?["name"] as? String }
                    == "Quist Family Practice")
        }
    }

    @Test(arguments: StoreKind.available)
    func test_invitationCodes_workOnce_andEveryWrongOneGetsTheSame422(kind: StoreKind) async throws {
        try await withServer(kind) { server in
            let owner = try await server.registerDoctor()
            let email = "desk-\(UUID().uuidString.prefix(8))@example.org"
            let created = try await server.call("POST", "/api/clinic/invitations", token: owner.token, json: ["email": email, "role": "front_desk"])
            #expect(created.status == 201)
            let code = try #require(try created.object()["code"] as? String)
            // Readable over a phone: no 0/O or 1/l/I, groups of four.
            #expect(code.count == 14 && !code.contains { "0O1lI".contains($0) }, "\(code)")
            #expect(try await server.call("GET", "/api/clinic/invitations", token: owner.token).text.contains(code) == false, "never shown again")
            // Stored hashed: the code is nowhere in the table.
            let stored = try await server.store.database.query("SELECT * FROM invitations", [])
            #expect(!stored.contains { row in row.values.values.contains { $0 == .text(code) || $0 == .text(code.replacingOccurrences(of: "-", with: "")) } })
            func register(_ email: String, _ code: String) async throws -> Reply {
                try await server.call("POST", "/api/users/register",
                                      json: ["username": "Desk Person", "email": email, "password": "correct horse", "invitation_code": code])
            }
            var wrongs: [(String, Reply)] = []
            wrongs.append(("a made-up code", try await register(email, "ABCD-EFGH-JKMN")))
            wrongs.append(("another email", try await register("someone-else@example.org", code)))
            wrongs.append(("garbage", try await register(email, "not a code")))
            let joined = try await register(email, code.lowercased().replacingOccurrences(of: "-", with: " "))
            #expect(joined.status == 201, "case and separators do not matter: \(joined.text)")
            let joinedUser = try #require(try joined.object()["user"] as? [String: Any])
            #expect(joinedUser["role"] as? String == "front_desk")
            #expect((joinedUser["clinic"] as? [String: Any])?["id"] as? String == owner.id)
            wrongs.append(("a used code", try await register("late-\(UUID().uuidString.prefix(6))@example.org", code)))
            // Used, by the very email it was for: still the one 422 (not a second join that fails on the email).
            wrongs.append(("a used code, again by its invitee", try await register(email, code)))
            let usedAt = try await server.store.database.query("SELECT used_at FROM invitations WHERE email_key = $1", [.text(email.lowercased())])
            #expect(usedAt.count == 1 && usedAt.first?.values["used_at"] != nil && usedAt.first?.values["used_at"] != .null, "the join marks the code used")
            // An expired one.
            let expiring = "exp-\(UUID().uuidString.prefix(8))@example.org"
            let expiringCode = try #require(try await server.call("POST", "/api/clinic/invitations", token: owner.token,
                                                                  json: ["email": expiring, "role": "front_desk"]).object()["code"] as? String)
            try await server.store.database.query("UPDATE invitations SET expires_at = $1 WHERE email = $2", [.int(Clock.nowMillis() - 1), .text(expiring)])
            wrongs.append(("an expired code", try await register(expiring, expiringCode)))
            let first = try wrongs.first.map { try $0.1.object()["detail"] as? [[String: Any]] } ?? nil
            for (what, reply) in wrongs {
                #expect(reply.status == 422, "\(what): \(reply.status)")
                let detail = try reply.object()["detail"] as? [[String: Any]]
                #expect(detail?.first?["loc"] as? [String] == ["body", "invitation_code"], "\(what)")
                #expect(detail?.first?["msg"] as? String == first?.first?["msg"] as? String, "\(what): one message for all")
            }
        }
    }

    @Test(arguments: StoreKind.available)
    func test_seats_basicHasTheOwnerAndTwoDesks_proHasNoLimit(kind: StoreKind) async throws {
        try await withServer(kind) { server in
            let owner = try await server.registerDoctor()
            func invite(_ role: String) async throws -> Reply {
                try await server.call("POST", "/api/clinic/invitations", token: owner.token,
                                      json: ["email": "\(role)-\(UUID().uuidString.prefix(8))@example.org", "role": role])
            }
            let doctor = try await invite("doctor")
            #expect(try doctor.status == 403 && (try doctor.object()["code"] as? String) == "pro_required")
            #expect(try await invite("front_desk").status == 201)
            let second = try await invite("front_desk")
            #expect(second.status == 201)
            #expect(try await invite("front_desk").status == 403, "pending invitations hold seats")
            // Withdrawing gives the seat back.
            let secondID = try #require(try second.object()["id"] as? String)
            #expect(try await server.call("DELETE", "/api/clinic/invitations/\(secondID)", token: owner.token).status == 204)
            #expect(try await invite("front_desk").status == 201)
            // An email with an account already.
            let taken = try await server.call("POST", "/api/clinic/invitations", token: owner.token, json: ["email": owner.email, "role": "doctor"])
            #expect(try taken.status == 409 && (try taken.object()["code"] as? String) == "email_taken")
            try await server.makePro(owner)
            for _ in 0..<3 { #expect(try await invite("doctor").status == 201) }
            let seats = try #require(try await server.call("GET", "/api/clinic", token: owner.token).object()["seats"] as? [String: Any])
            #expect(seats["max_doctors"] is NSNull && seats["doctors"] as? Int == 4)
        }
    }

    @Test(arguments: StoreKind.available)
    func test_deactivation_endsAccessFromTheNextRequest_andTheLastOwnerStays(kind: StoreKind) async throws {
        try await withServer(kind) { server in
            let owner = try await server.registerDoctor()
            let desk = try await server.invite(owner, role: "front_desk", name: "Desk Person")
            #expect(try await server.call("GET", "/api/patients", token: desk.token).status == 200)
            let off = try await server.call("PATCH", "/api/clinic/staff/\(desk.id)", token: owner.token, json: ["active": false])
            #expect(try off.status == 200 && (try off.object()["active"] as? Bool) == false)
            // Its access token, still unexpired, is refused from the next request; its refresh token too; and signing in.
            let refused = try await server.call("GET", "/api/patients", token: desk.token)
            #expect(try refused.status == 401 && (try refused.object()["code"] as? String) == "account_deactivated")
            #expect(try await server.call("POST", "/api/token/refresh", json: ["refresh_token": desk.refreshToken]).status == 401)
            #expect(try await server.form("/api/token", [("username", desk.email), ("password", desk.password)]).status == 401)
            // The last owner cannot be demoted or deactivated, by themselves or anyone.
            for change in [["role": "doctor"], ["active": false]] as [[String: Any]] {
                let reply = try await server.call("PATCH", "/api/clinic/staff/\(owner.id)", token: owner.token, json: change)
                #expect(try reply.status == 409 && (try reply.object()["code"] as? String) == "last_owner", "\(change)")
            }
            // With a second owner, the first may step down.
            try await server.makePro(owner)
            let partner = try await server.invite(owner, role: "owner", name: "Dr Partner")
            #expect(try await server.call("PATCH", "/api/clinic/staff/\(owner.id)", token: partner.token, json: ["role": "doctor"]).status == 200)
            // Staff list: every member for everyone; email and last seen for owners only.
            let asOwner = try await server.call("GET", "/api/clinic/staff", token: partner.token).items()
            #expect(asOwner.count == 3 && asOwner.allSatisfy { $0["email"] is String })
            let asDoctor = try await server.call("GET", "/api/clinic/staff", token: owner.token).items()
            #expect(asDoctor.count == 3 && asDoctor.allSatisfy { $0["email"] is NSNull && $0["last_seen_at"] is NSNull })
        }
    }

    /// A role that may not make a request is told 403 `role_forbidden` whatever its body or query
    /// holds (a malformed note from the desk was a 422 about the note's fields, and not logged);
    /// another clinic's patient is still a 404 first; the refusal on a patient is in the audit log.
    @Test(arguments: StoreKind.available)
    func test_aRoleThatMayNot_isTold403_whateverItsBodyHolds(kind: StoreKind) async throws {
        try await withServer(kind) { server in
            let (owner, doctor, desk) = try await server.proClinic(owner: "Dr Here", doctor: "Dr Two", desk: "Desk")
            let patient = try #require(try await server.createPatient(owner, ["name": "Malformed Bodies"])["id"] as? String)
            let elsewhere = try await server.registerDoctor(name: "Dr Elsewhere")
            let theirs = try #require(try await server.createPatient(elsewhere, ["name": "Not Yours"])["id"] as? String)
            let note = "aaaaaaaaaaaaaaaaaaaaaaaa"
            let refusals: [(Doctor, String, String, Any?)] = [
                (desk, "POST", "/api/patients/\(patient)/notes", [String: Any]()),
                (desk, "POST", "/api/patients/\(patient)/notes", ["content": 42]),
                (desk, "PATCH", "/api/patients/\(patient)/notes/\(note)", ["content": [1, 2]]),
                (desk, "GET", "/api/patients/\(patient)/notes?limit=abc&cursor=%%%", nil),
                (desk, "GET", "/api/analytics/appointments?interval=fortnight", nil),
                (desk, "PATCH", "/api/clinic", [String: Any]()),
                (doctor, "POST", "/api/clinic/invitations", ["role": "king"]),
                (doctor, "POST", "/api/payments/create-session", [String: Any]()),
            ]
            for (caller, method, path, json) in refusals {
                let reply = try await server.call(method, path, token: caller.token, json: json)
                #expect(reply.status == 403, "\(method) \(path): \(reply.status) \(reply.text.prefix(160))")
                #expect(try reply.object()["code"] as? String == "role_forbidden", "\(method) \(path)")
            }
            let logged = try await server.store.database.query("""
                SELECT action, status FROM audit_events WHERE clinic_id = $1 AND actor_id = $2 AND patient_id = $3 ORDER BY at, id
                """, [.text(owner.id), .text(desk.id), .text(patient)])
            #expect(try logged.map { "\(try $0.string("action")) \(try $0.int("status"))" } == ["note.create 403", "note.create 403", "note.amend 403", "notes.list 403"])
            // Another clinic's patient: 404 before the role, whatever the body.
            let foreign = try await server.call("POST", "/api/patients/\(theirs)/notes", token: desk.token, json: [String: Any]())
            #expect(foreign.status == 404, "\(foreign.text)")
            // The roles that may are still told what is wrong with the body.
            let malformed = try await server.call("POST", "/api/patients/\(patient)/notes", token: doctor.token, json: [String: Any]())
            #expect(malformed.status == 422)
        }
    }

    /// "Last seen" in the owner's staff list moves with any request, not only a sign-in, and is
    /// written at most once a minute.
    @Test(arguments: StoreKind.available)
    func test_lastSeen_movesWithAnyRequest_atMostOnceAMinute(kind: StoreKind) async throws {
        try await withServer(kind) { server in
            let owner = try await server.registerDoctor()
            let desk = try await server.invite(owner, role: "front_desk", name: "Desk Person")
            func lastSeen() async throws -> Int64? {
                try await server.store.database.query("SELECT last_seen_at FROM users WHERE id = $1", [.text(desk.id)]).first?.optionalInt("last_seen_at")
            }
            func setLastSeen(_ value: Int64) async throws {
                try await server.store.database.query("UPDATE users SET last_seen_at = $1 WHERE id = $2", [.int(value), .text(desk.id)])
            }
            try await setLastSeen(1_000)
            let before = Clock.nowMillis()
            #expect(try await server.call("GET", "/api/patients", token: desk.token).status == 200)
            let seen = try #require(try await lastSeen())
            #expect(seen >= before && seen <= Clock.nowMillis(), "a request is a sighting")
            let listed = try await server.call("GET", "/api/clinic/staff", token: owner.token).items().first { $0["id"] as? String == desk.id }
            #expect(listed?["last_seen_at"] is String)
            // Seen ten seconds ago: the next request writes nothing.
            let recent = Clock.nowMillis() - 10_000
            try await setLastSeen(recent)
            #expect(try await server.call("GET", "/api/patients", token: desk.token).status == 200)
            #expect(try await lastSeen() == recent)
        }
    }

    /// The contract's default provider for the front desk: the clinic's only doctor.
    @Test(arguments: StoreKind.available)
    func test_theFrontDesk_booksForTheOnlyDoctor_withoutNamingThem(kind: StoreKind) async throws {
        try await withServer(kind) { server in
            let owner = try await server.registerDoctor(name: "Dr Only")
            let desk = try await server.invite(owner, role: "front_desk", name: "Desk")
            let patient = try #require(try await server.createPatient(desk, ["name": "Walk In"])["id"] as? String)
            let booked = try await server.call("POST", "/api/appointments", token: desk.token,
                                               json: ["patient_id": patient, "starts_at": "2031-06-02T09:00:00Z", "ends_at": "2031-06-02T09:30:00Z"])
            #expect(booked.status == 201, "\(booked.text)")
            #expect(try booked.object()["provider_id"] as? String == owner.id)
            #expect(try booked.object()["provider_name"] as? String == "Dr Only")
        }
    }

    @Test(arguments: StoreKind.available)
    func test_eachDoctorHasACalendar_twoMayHoldOneSlot_oneMayNot_andTheDeskBooksForEither(kind: StoreKind) async throws {
        try await withServer(kind) { server in
            let (owner, doctor, desk) = try await server.proClinic(owner: "Dr Owner", doctor: "Dr Second", desk: "Desk")
            let patient = try #require(try await server.createPatient(desk, ["name": "Booked Twice"])["id"] as? String)
            let slot = ["patient_id": patient, "starts_at": "2031-05-05T09:00:00Z", "ends_at": "2031-05-05T09:30:00Z"]
            let mine = try await server.call("POST", "/api/appointments", token: owner.token, json: slot)
            #expect(try mine.status == 201 && (try mine.object()["provider_id"] as? String) == owner.id, "a doctor books on their own calendar")
            #expect(try (try mine.object()["provider_name"] as? String) == "Dr Owner")
            let theirs = try await server.call("POST", "/api/appointments", token: doctor.token, json: slot)
            #expect(theirs.status == 201, "another doctor may hold the same slot")
            let clash = try await server.call("POST", "/api/appointments", token: owner.token, json: slot)
            #expect(try clash.status == 409 && (try clash.object()["code"] as? String) == "appointment_conflict")
            // The refused booking is in the audit log, about its patient (its answer named the visit in the way).
            let refused = try await server.store.database.query("""
                SELECT patient_id FROM audit_events WHERE clinic_id = $1 AND actor_id = $2 AND action = 'appointment.create' AND status = 409
                """, [.text(owner.id), .text(owner.id)])
            #expect(refused.count == 1 && (try refused.first?.optionalString("patient_id")) == patient)
            // The desk must name the doctor when there are several…
            let unnamed = try await server.call("POST", "/api/appointments", token: desk.token, json: slot)
            #expect(unnamed.status == 422)
            #expect(try unnamed.object()["detail"].flatMap { ($0 as? [[String: Any]])?.first?["loc"] as? [String] } == ["body", "provider_id"])
            // …and books for either, clashes named per doctor.
            var later = slot
            later["starts_at"] = "2031-05-05T10:00:00Z"
            later["ends_at"] = "2031-05-05T10:30:00Z"
            var forSecond: [String: Any] = later
            forSecond["provider_id"] = doctor.id
            #expect(try await server.call("POST", "/api/appointments", token: desk.token, json: forSecond).status == 201)
            #expect(try await server.call("POST", "/api/appointments", token: desk.token, json: forSecond).status == 409)
            // Each calendar by itself.
            let day = "from=2031-05-05T00:00:00Z&to=2031-05-06T00:00:00Z"
            #expect(try await server.call("GET", "/api/appointments?\(day)&provider_id=\(doctor.id)", token: desk.token).items().count == 2)
            #expect(try await server.call("GET", "/api/appointments?\(day)&provider_id=\(owner.id)", token: desk.token).items().count == 1)
            #expect(try await server.call("GET", "/api/appointments?\(day)", token: desk.token).items().count == 3)
            // Checking in, and back: arrived_at is set and cleared.
            let id = try #require(try mine.object()["id"] as? String)
            let arrived = try await server.call("PATCH", "/api/appointments/\(id)", token: desk.token, json: ["status": "arrived"])
            #expect(try arrived.status == 200 && (try arrived.object()["arrived_at"] as? String) != nil)
            let done = try await server.call("PATCH", "/api/appointments/\(id)", token: owner.token, json: ["status": "completed"])
            #expect(try (try done.object()["arrived_at"] as? String) == (try arrived.object()["arrived_at"] as? String), "kept through completed")
            let undone = try await server.call("PATCH", "/api/appointments/\(id)", token: desk.token, json: ["status": "scheduled"])
            #expect(try undone.object()["arrived_at"] is NSNull)
            // A provider that is not a doctor of the clinic.
            var wrong: [String: Any] = later
            wrong["provider_id"] = desk.id
            wrong["starts_at"] = "2031-05-06T10:00:00Z"
            wrong["ends_at"] = "2031-05-06T10:30:00Z"
            #expect(try await server.call("POST", "/api/appointments", token: desk.token, json: wrong).status == 422)
        }
    }

    @Test(arguments: StoreKind.available)
    func test_notes_carryTheirAuthor_andOnlyTheAuthorAmendsOrDeletes(kind: StoreKind) async throws {
        try await withServer(kind) { server in
            let owner = try await server.registerDoctor(name: "Dr Owner")
            try await server.makePro(owner)
            let doctor = try await server.invite(owner, role: "doctor", name: "Dr Second")
            let patient = try #require(try await server.createPatient(owner, ["name": "Shared Patient"])["id"] as? String)
            let note = try await server.call("POST", "/api/patients/\(patient)/notes", token: owner.token, json: ["content": "Owner's note"])
            #expect(try (try note.object()["author_name"] as? String) == "Dr Owner" && (try note.object()["author_id"] as? String) == owner.id)
            let noteID = try #require(try note.object()["id"] as? String)
            #expect(try await server.call("GET", "/api/patients/\(patient)/notes", token: doctor.token).items().count == 1, "doctors read every note")
            let amend = try await server.call("PATCH", "/api/patients/\(patient)/notes/\(noteID)", token: doctor.token, json: ["content": "changed"])
            #expect(try amend.status == 403 && (try amend.object()["code"] as? String) == "role_forbidden")
            #expect(try await server.call("DELETE", "/api/patients/\(patient)/notes/\(noteID)", token: doctor.token).status == 403)
            #expect(try await server.call("PATCH", "/api/patients/\(patient)/notes/\(noteID)", token: owner.token, json: ["content": "v2"]).status == 200)
            // A document names who uploaded it.
            let upload = try await DocumentTests().upload(server, doctor, patient: patient, DocumentTests.pdf)
            #expect(try (try upload.object()["uploaded_by_name"] as? String) == "Dr Second")
        }
    }

    @Test(arguments: StoreKind.available)
    func test_aDepartedDoctorsAppointments_canStillBeCancelled_butNotBookedAnew(kind: StoreKind) async throws {
        try await withServer(kind) { server in
            let owner = try await server.registerDoctor()
            try await server.makePro(owner)
            let leaving = try await server.invite(owner, role: "doctor", name: "Dr Leaving")
            let desk = try await server.invite(owner, role: "front_desk")
            let patient = try #require(try await server.createPatient(desk, ["name": "Left Behind"])["id"] as? String)
            let booked = try await server.call("POST", "/api/appointments", token: desk.token, json: [
                "patient_id": patient, "provider_id": leaving.id, "starts_at": "2031-06-02T09:00:00Z", "ends_at": "2031-06-02T09:30:00Z"])
            let id = try #require(try booked.object()["id"] as? String)
            #expect(try await server.call("PATCH", "/api/clinic/staff/\(leaving.id)", token: owner.token, json: ["active": false]).status == 200)
            #expect(try await server.call("PATCH", "/api/appointments/\(id)", token: desk.token, json: ["status": "cancelled"]).status == 200)
            let anew = try await server.call("POST", "/api/appointments", token: desk.token, json: [
                "patient_id": patient, "provider_id": leaving.id, "starts_at": "2031-06-03T09:00:00Z", "ends_at": "2031-06-03T09:30:00Z"])
            #expect(anew.status == 422)
            // …and it can be handed to a doctor who is still there.
            #expect(try await server.call("PATCH", "/api/appointments/\(id)", token: desk.token,
                                          json: ["provider_id": owner.id, "status": "scheduled"]).object()["provider_id"] as? String == owner.id)
        }
    }

    @Test(arguments: StoreKind.available)
    func test_anInvitationFromAProClinic_findsNoSeatOnceItLapsed(kind: StoreKind) async throws {
        try await withServer(kind) { server in
            let owner = try await server.registerDoctor()
            try await server.makePro(owner)
            let email = "late-doctor-\(UUID().uuidString.prefix(6))@example.org"
            let code = try #require(try await server.call("POST", "/api/clinic/invitations", token: owner.token,
                                                          json: ["email": email, "role": "doctor"]).object()["code"] as? String)
            try await server.store.setSubscription(clinicId: owner.id, plan: "pro", status: "inactive", trialEndsAt: nil, now: Clock.nowMillis())
            let joined = try await server.call("POST", "/api/users/register",
                                               json: ["username": "Dr Late", "email": email, "password": "correct horse", "invitation_code": code])
            #expect(try joined.status == 403 && (try joined.object()["code"] as? String) == "pro_required", "\(joined.status) \(joined.text)")
            #expect(try await server.store.user(email: email) == nil)
        }
    }

    @Test(arguments: StoreKind.available)
    func test_anInactiveClinic_isTold404_forAnotherClinicsPatient_beforeItsPlan(kind: StoreKind) async throws {
        try await withServer(kind) { server in
            let here = try await server.registerDoctor()
            let there = try await server.registerDoctor()
            let theirs = try #require(try await server.createPatient(there, ["name": "Not Yours"])["id"] as? String)
            try await server.store.setSubscription(clinicId: here.id, plan: "basic", status: "inactive", trialEndsAt: nil, now: Clock.nowMillis())
            let reply = try await server.call("POST", "/api/appointments", token: here.token, json: [
                "patient_id": theirs, "starts_at": "2031-06-02T09:00:00Z", "ends_at": "2031-06-02T09:30:00Z"])
            #expect(reply.status == 404)
        }
    }

    @Test(arguments: StoreKind.available)
    func test_theFrontDesk_cannotTellWhichNoteIdsExist(kind: StoreKind) async throws {
        try await withServer(kind) { server in
            let owner = try await server.registerDoctor()
            let desk = try await server.invite(owner, role: "front_desk")
            let patient = try #require(try await server.createPatient(owner, ["name": "Private Notes"])["id"] as? String)
            let note = try #require(try await server.call("POST", "/api/patients/\(patient)/notes", token: owner.token, json: ["content": "x"])
                .object()["id"] as? String)
            for id in [note, "0123456789abcdef01234567"] {
                #expect(try await server.call("GET", "/api/patients/\(patient)/notes/\(id)", token: desk.token).status == 403)
                #expect(try await server.call("DELETE", "/api/patients/\(patient)/notes/\(id)", token: desk.token).status == 403)
            }
        }
    }

    @Test func test_invitationCodes_areReadable_andNormalised() {
        for _ in 0..<50 {
            let code = InvitationCode.make()
            #expect(code.count == 14 && code.split(separator: "-").map(\.count) == [4, 4, 4])
            #expect(InvitationCode.normalized(code.lowercased()) == code.replacingOccurrences(of: "-", with: ""))
        }
        #expect(InvitationCode.normalized("0OIL-1234-ABCD") == "", "characters that are not in the alphabet")
        #expect(InvitationCode.normalized("ABCD") == "")
    }
}
