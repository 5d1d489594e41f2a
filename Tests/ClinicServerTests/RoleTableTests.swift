import ClinicAPI
import ClinicStore
import Foundation
import Testing

@testable import ClinicServer

/// The contract's role table, row by row, written here from `api-contract.md` (not from the
/// server's own table): every operation of the OpenAPI document × owner, doctor, front desk ×
/// the caller's clinic and another's → the status the contract says, and for every operation
/// that touches a patient's data exactly one audit event. An operation added to the document
/// without a row here fails `test_everyOperationOfTheDocument_hasARow`.
@Suite struct RoleTableTests {
    enum Role: String, CaseIterable, Sendable {
        case owner, doctor
        case frontDesk = "front_desk"
    }

    /// What a case may use: the caller's clinic ("own") and another clinic ("other"), with fresh records.
    struct Clinic: Sendable {
        var owner: Doctor
        var members: [Role: Doctor]
        var patient: String
    }

    struct World: Sendable {
        let server: TestServer
        let own: Clinic
        let other: Clinic

        func member(_ role: Role) -> Doctor { own.members[role] ?? own.owner }

        /// Records created straight in the store (no audit events of their own, no rate limits).
        func newPatient(in clinic: Clinic) async throws -> String {
            try await server.store.createPatient(clinicId: clinic.owner.id, fields: PatientFields(name: "Case Patient"), now: Clock.nowMillis()).id
        }
        func newNote(in clinic: Clinic, patient: String, author: String) async throws -> String {
            guard let note = try await server.store.createNote(clinicId: clinic.owner.id, patientId: patient, authorId: author, content: "x",
                                                               now: Clock.nowMillis())
            else { throw TestFailure("no note") }
            return note.id
        }
        func newAppointment(in clinic: Clinic, patient: String) async throws -> String {
            let start = Clock.nowMillis() + Int64(TestRandom.int(in: 1...1_000_000)) * 3_600_000
            guard case .saved(let appointment) = try await server.store.saveAppointment(
                clinicId: clinic.owner.id, id: nil,
                fields: AppointmentFields(patientId: patient, providerId: clinic.owner.id, startsAt: start, endsAt: start + 1_800_000),
                now: Clock.nowMillis())
            else { throw TestFailure("no appointment") }
            return appointment.id
        }
        func newDocument(in clinic: Clinic, patient: String) async throws -> String {
            let reply = try await DocumentTests().upload(server, clinic.owner, patient: patient, DocumentTests.pdf)
            guard let id = try reply.object()["id"] as? String else { throw TestFailure("no document: \(reply.text)") }
            return id
        }
        func newInvitation(in clinic: Clinic) async throws -> String {
            let reply = try await server.call("POST", "/api/clinic/invitations", token: clinic.owner.token,
                                              json: ["email": "case-\(UUID().uuidString.prefix(8))@example.org", "role": "front_desk"])
            guard let id = try reply.object()["id"] as? String else { throw TestFailure("no invitation: \(reply.text)") }
            return id
        }
        func newMember(in clinic: Clinic) async throws -> String {
            try await server.invite(clinic.owner, role: "front_desk").id
        }
    }

    struct Request: @unchecked Sendable {
        var method: String
        var path: String
        var json: Any?
        var raw: (Data, String)?
        /// The patient the audit event must name (nil: none).
        var patient: String?
        /// The record the route names when it is not a patient (an appointment, a document): another
        /// clinic's is logged by that id, the patient being none of the caller's business.
        var record: String?
    }

    /// One row of the contract's table for one operation.
    struct Row: Sendable {
        /// Roles allowed in the caller's own clinic.
        var allowed: Set<Role>
        /// The answer when allowed (for create-session in a Pro clinic: 409, already Pro).
        var success: Int
        /// The audit action the contract names, for operations that touch a patient's data.
        var audit: String?
        /// Whether the operation names a record, so another clinic's id answers 404 for everyone.
        var namesRecord: Bool
        /// Builds the request for a caller of `role` against `clinic` (own or other), with fresh records.
        var build: @Sendable (World, Role, Clinic) async throws -> Request
    }

    static let all: Set<Role> = [.owner, .doctor, .frontDesk]
    static let clinicians: Set<Role> = [.owner, .doctor]
    static let ownerOnly: Set<Role> = [.owner]

    /// Every operation, open ones included (`nil`: it needs no sign-in, and has no row of roles).
    static let rows: [String: Row?] = [
        "healthz": nil, "readyz": nil, "openapiDocument": nil, "registerUser": nil, "login": nil, "refreshToken": nil, "revokeToken": nil,
        "listPlans": nil, "paymentWebhook": nil, "localCheckoutPage": nil, "localCheckoutConfirm": nil,
        "getCurrentUser": Row(allowed: all, success: 200, audit: nil, namesRecord: false) { _, _, _ in Request(method: "GET", path: "/api/users/me") },
        "listPatients": Row(allowed: all, success: 200, audit: "patients.list", namesRecord: false) { _, _, _ in
            Request(method: "GET", path: "/api/patients?q=case")
        },
        "createPatient": Row(allowed: all, success: 201, audit: "patient.create", namesRecord: false) { _, _, _ in
            Request(method: "POST", path: "/api/patients", json: ["name": "Created In A Case"])
        },
        "getPatient": Row(allowed: all, success: 200, audit: "patient.view", namesRecord: true) { world, _, clinic in
            let id = try await world.newPatient(in: clinic)
            return Request(method: "GET", path: "/api/patients/\(id)", patient: id)
        },
        "updatePatient": Row(allowed: all, success: 200, audit: "patient.update", namesRecord: true) { world, _, clinic in
            let id = try await world.newPatient(in: clinic)
            return Request(method: "PATCH", path: "/api/patients/\(id)", json: ["phone_number": "+44 20 7946 0000"], patient: id)
        },
        "deletePatient": Row(allowed: clinicians, success: 204, audit: "patient.delete", namesRecord: true) { world, _, clinic in
            let id = try await world.newPatient(in: clinic)
            return Request(method: "DELETE", path: "/api/patients/\(id)", patient: id)
        },
        "listNotes": Row(allowed: clinicians, success: 200, audit: "notes.list", namesRecord: true) { world, _, clinic in
            let id = try await world.newPatient(in: clinic)
            return Request(method: "GET", path: "/api/patients/\(id)/notes", patient: id)
        },
        "createNote": Row(allowed: clinicians, success: 201, audit: "note.create", namesRecord: true) { world, _, clinic in
            let id = try await world.newPatient(in: clinic)
            return Request(method: "POST", path: "/api/patients/\(id)/notes", json: ["content": "A case note"], patient: id)
        },
        "getNote": Row(allowed: clinicians, success: 200, audit: "note.view", namesRecord: true) { world, _, clinic in
            let id = try await world.newPatient(in: clinic)
            let note = try await world.newNote(in: clinic, patient: id, author: clinic.owner.id)
            return Request(method: "GET", path: "/api/patients/\(id)/notes/\(note)", patient: id)
        },
        "listNoteVersions": Row(allowed: clinicians, success: 200, audit: "note.view", namesRecord: true) { world, _, clinic in
            let id = try await world.newPatient(in: clinic)
            let note = try await world.newNote(in: clinic, patient: id, author: clinic.owner.id)
            return Request(method: "GET", path: "/api/patients/\(id)/notes/\(note)/versions", patient: id)
        },
        // Amend and delete: the note's author only (here each caller's own note).
        "amendNote": Row(allowed: clinicians, success: 200, audit: "note.amend", namesRecord: true) { world, role, clinic in
            let id = try await world.newPatient(in: clinic)
            let author = clinic.owner.id == world.own.owner.id ? world.member(role).id : clinic.owner.id
            let note = try await world.newNote(in: clinic, patient: id, author: author)
            return Request(method: "PATCH", path: "/api/patients/\(id)/notes/\(note)", json: ["content": "amended"], patient: id)
        },
        "deleteNote": Row(allowed: clinicians, success: 204, audit: "note.delete", namesRecord: true) { world, role, clinic in
            let id = try await world.newPatient(in: clinic)
            let author = clinic.owner.id == world.own.owner.id ? world.member(role).id : clinic.owner.id
            let note = try await world.newNote(in: clinic, patient: id, author: author)
            return Request(method: "DELETE", path: "/api/patients/\(id)/notes/\(note)", patient: id)
        },
        "listAppointments": Row(allowed: all, success: 200, audit: "appointments.list", namesRecord: false) { _, _, _ in
            Request(method: "GET", path: "/api/appointments")
        },
        "createAppointment": Row(allowed: all, success: 201, audit: "appointment.create", namesRecord: true) { world, _, clinic in
            let id = try await world.newPatient(in: clinic)
            let start = Date().addingTimeInterval(Double(TestRandom.int(in: 1...1_000_000)) * 3600)
            return Request(method: "POST", path: "/api/appointments",
                           json: ["patient_id": id, "provider_id": world.own.owner.id, "starts_at": RFC3339DateTranscoder.format(start),
                                  "ends_at": RFC3339DateTranscoder.format(start.addingTimeInterval(1800))], patient: id)
        },
        "getAppointment": Row(allowed: all, success: 200, audit: "appointment.view", namesRecord: true) { world, _, clinic in
            let id = try await world.newPatient(in: clinic)
            let appointment = try await world.newAppointment(in: clinic, patient: id)
            return Request(method: "GET", path: "/api/appointments/\(appointment)", patient: id, record: appointment)
        },
        "updateAppointment": Row(allowed: all, success: 200, audit: "appointment.update", namesRecord: true) { world, _, clinic in
            let id = try await world.newPatient(in: clinic)
            let appointment = try await world.newAppointment(in: clinic, patient: id)
            return Request(method: "PATCH", path: "/api/appointments/\(appointment)", json: ["status": "arrived"], patient: id, record: appointment)
        },
        "deleteAppointment": Row(allowed: all, success: 204, audit: "appointment.delete", namesRecord: true) { world, _, clinic in
            let id = try await world.newPatient(in: clinic)
            let appointment = try await world.newAppointment(in: clinic, patient: id)
            return Request(method: "DELETE", path: "/api/appointments/\(appointment)", patient: id, record: appointment)
        },
        "listDocuments": Row(allowed: all, success: 200, audit: "document.list", namesRecord: true) { world, _, clinic in
            let id = try await world.newPatient(in: clinic)
            return Request(method: "GET", path: "/api/patients/\(id)/documents", patient: id)
        },
        "uploadDocument": Row(allowed: all, success: 201, audit: "document.upload", namesRecord: true) { world, _, clinic in
            let id = try await world.newPatient(in: clinic)
            return Request(method: "POST", path: "/api/patients/\(id)/documents",
                           raw: DocumentTests.multipart(DocumentTests.pdf, filename: "case.pdf", contentType: "application/pdf"), patient: id)
        },
        "documentDownloadURL": Row(allowed: clinicians, success: 200, audit: "document.download", namesRecord: true) { world, _, clinic in
            let id = try await world.newPatient(in: clinic)
            let document = try await world.newDocument(in: clinic, patient: id)
            return Request(method: "GET", path: "/api/documents/\(document)/download-url", patient: id, record: document)
        },
        "deleteDocument": Row(allowed: clinicians, success: 204, audit: "document.delete", namesRecord: true) { world, _, clinic in
            let id = try await world.newPatient(in: clinic)
            let document = try await world.newDocument(in: clinic, patient: id)
            return Request(method: "DELETE", path: "/api/documents/\(document)", patient: id, record: document)
        },
        "patientGrowth": Row(allowed: clinicians, success: 200, audit: nil, namesRecord: false) { _, _, _ in
            Request(method: "GET", path: "/api/analytics/patient-growth")
        },
        "appointmentOutcomes": Row(allowed: clinicians, success: 200, audit: nil, namesRecord: false) { _, _, _ in
            Request(method: "GET", path: "/api/analytics/appointments")
        },
        "createPaymentSession": Row(allowed: ownerOnly, success: 409, audit: nil, namesRecord: false) { _, _, _ in
            Request(method: "POST", path: "/api/payments/create-session", json: ["plan": "pro"])
        },
        "getClinic": Row(allowed: all, success: 200, audit: nil, namesRecord: false) { _, _, _ in Request(method: "GET", path: "/api/clinic") },
        "renameClinic": Row(allowed: ownerOnly, success: 200, audit: nil, namesRecord: false) { _, _, _ in
            Request(method: "PATCH", path: "/api/clinic", json: ["name": "Renamed In A Case"])
        },
        "listStaff": Row(allowed: all, success: 200, audit: nil, namesRecord: false) { _, _, _ in Request(method: "GET", path: "/api/clinic/staff") },
        "updateStaffMember": Row(allowed: ownerOnly, success: 200, audit: nil, namesRecord: true) { world, _, clinic in
            Request(method: "PATCH", path: "/api/clinic/staff/\(try await world.newMember(in: clinic))", json: ["role": "doctor"])
        },
        "listInvitations": Row(allowed: ownerOnly, success: 200, audit: nil, namesRecord: false) { _, _, _ in
            Request(method: "GET", path: "/api/clinic/invitations")
        },
        "createInvitation": Row(allowed: ownerOnly, success: 201, audit: nil, namesRecord: false) { _, _, _ in
            Request(method: "POST", path: "/api/clinic/invitations", json: ["email": "new-\(UUID().uuidString.prefix(8))@example.org", "role": "doctor"])
        },
        "withdrawInvitation": Row(allowed: ownerOnly, success: 204, audit: nil, namesRecord: true) { world, _, clinic in
            Request(method: "DELETE", path: "/api/clinic/invitations/\(try await world.newInvitation(in: clinic))")
        },
        "listAuditEvents": Row(allowed: ownerOnly, success: 200, audit: nil, namesRecord: false) { _, _, _ in
            Request(method: "GET", path: "/api/audit")
        },
    ]

    static func operationIds() throws -> [String] {
        guard let yaml = ContractDocument.yaml().map({ String(decoding: $0, as: UTF8.self) }) else { throw TestFailure("no document") }
        return yaml.split(separator: "\n").compactMap { line in
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            return trimmed.hasPrefix("operationId:") ? trimmed.dropFirst("operationId:".count).trimmingCharacters(in: .whitespaces) : nil
        }
    }

    /// The statuses the document gives an operation (its `responses` keys, `default` aside).
    static func documentedStatuses(_ operationId: String) throws -> Set<Int> {
        guard let yaml = ContractDocument.yaml().map({ String(decoding: $0, as: UTF8.self) }) else { throw TestFailure("no document") }
        let lines = yaml.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
        guard let start = lines.firstIndex(of: "operationId: \(operationId)") else { throw TestFailure("no \(operationId)") }
        var statuses = Set<Int>()
        for line in lines[(start + 1)...] {
            if line.hasPrefix("operationId:") || line.hasPrefix("/") { break }
            if line.count >= 6, line.hasPrefix("\""), let status = Int(line.dropFirst().prefix(3)), line.dropFirst(4).hasPrefix("\":") {
                statuses.insert(status)
            }
        }
        return statuses
    }

    @Test func test_everyOperationOfTheDocument_hasARow_andAPolicy() throws {
        let ids = try Self.operationIds()
        #expect(ids.count >= 40)
        for id in ids {
            #expect(Self.rows.keys.contains(id), "no row for \(id) in the role table test")
            #expect(OperationPolicy.table[id] != nil, "no policy for \(id) in the server")
        }
        #expect(Set(Self.rows.keys) == Set(ids), "rows for operations the document does not have")
    }

    static func world(_ server: TestServer) async throws -> World {
        func clinic(_ name: String) async throws -> Clinic {
            let owner = try await server.registerDoctor(name: "Dr \(name)")
            try await server.makePro(owner)
            let doctor = try await server.invite(owner, role: "doctor", name: "Dr \(name) Two")
            let desk = try await server.invite(owner, role: "front_desk", name: "\(name) Desk")
            let patient = try #require(try await server.createPatient(owner, ["name": "\(name) Patient"])["id"] as? String)
            return Clinic(owner: owner, members: [.owner: owner, .doctor: doctor, .frontDesk: desk], patient: patient)
        }
        return World(server: server, own: try await clinic("Own"), other: try await clinic("Other"))
    }

    func send(_ server: TestServer, _ request: Request, as caller: Doctor) async throws -> Reply {
        if let (body, type) = request.raw {
            return try await server.call(request.method, request.path, token: caller.token, raw: body, contentType: type)
        }
        return try await server.call(request.method, request.path, token: caller.token, json: request.json)
    }

    /// Every event of an actor in a clinic, whatever its action.
    func eventCount(_ server: TestServer, clinic: String, actor: String) async throws -> Int64 {
        try await server.store.database.query("SELECT COUNT(*) AS n FROM audit_events WHERE clinic_id = $1 AND actor_id = $2",
                                              [.text(clinic), .text(actor)]).first?.int("n") ?? -1
    }

    func auditCount(_ server: TestServer, clinic: String, action: String, actor: String) async throws -> Int64 {
        try await server.store.database.query("SELECT COUNT(*) AS n FROM audit_events WHERE clinic_id = $1 AND action = $2 AND actor_id = $3",
                                              [.text(clinic), .text(action), .text(actor)]).first?.int("n") ?? -1
    }

    @Test(arguments: StoreKind.available)
    func test_theRoleTable_ownClinicAndAnother(kind: StoreKind) async throws {
        try await withServer(kind) { server in
            let world = try await Self.world(server)
            for id in try Self.operationIds() {
                guard let row = Self.rows[id] ?? nil else { continue }
                for role in Role.allCases {
                    let caller = world.member(role)
                    // The caller's own clinic: the contract's status, and for refusals its code.
                    let own = try await row.build(world, role, world.own)
                    let before = try await row.audit.asyncMap { try await auditCount(server, clinic: world.own.owner.id, action: $0, actor: caller.id) }
                    let eventsBefore = try await eventCount(server, clinic: world.own.owner.id, actor: caller.id)
                    let documented = try Self.documentedStatuses(id)
                    let reply = try await send(server, own, as: caller)
                    #expect(documented.contains(reply.status), "\(id) as \(role.rawValue): \(reply.status) is not in the document's responses \(documented.sorted())")
                    // Exactly one event of any action for an operation on a patient's data (allowed or
                    // refused) and for a staff change made; none for anything else.
                    let eventsAfter = try await eventCount(server, clinic: world.own.owner.id, actor: caller.id)
                    let staffChange = OperationPolicy.of(id).audit != nil && row.allowed.contains(role)
                    #expect(eventsAfter - eventsBefore == (row.audit != nil || staffChange ? 1 : 0),
                            "\(id) as \(role.rawValue): \(eventsAfter - eventsBefore) events")
                    if row.allowed.contains(role) {
                        #expect(reply.status == row.success, "\(id) as \(role.rawValue): \(reply.status) \(reply.text.prefix(160))")
                    } else {
                        #expect(reply.status == 403, "\(id) as \(role.rawValue): \(reply.status) \(reply.text.prefix(160))")
                        #expect(try reply.object()["code"] as? String == "role_forbidden", "\(id) as \(role.rawValue)")
                    }
                    // Exactly one event, allowed or refused, about the patient named.
                    if let action = row.audit, let before {
                        let after = try await auditCount(server, clinic: world.own.owner.id, action: action, actor: caller.id)
                        #expect(after == before + 1, "\(id) as \(role.rawValue): \(after - before) events")
                        let last = try await server.store.auditEvents(clinicId: world.own.owner.id,
                                                                      filter: AuditFilter(actorId: caller.id, action: action), limit: 1, after: nil)
                        #expect(last.items.first?.entry.status == reply.status, "\(id) as \(role.rawValue): the status answered")
                        if let patient = own.patient {
                            #expect(last.items.first?.entry.patientId == patient, "\(id) as \(role.rawValue): the patient")
                        }
                    }
                    // Another clinic's record: 404 for every role, before any rule; logged in the caller's clinic.
                    if row.namesRecord {
                        let foreign = try await row.build(world, role, world.other)
                        let foreignBefore = try await eventCount(server, clinic: world.own.owner.id, actor: caller.id)
                        let refused = try await send(server, foreign, as: caller)
                        #expect(refused.status == 404, "\(id) as \(role.rawValue) on another clinic: \(refused.status) \(refused.text.prefix(160))")
                        #expect(documented.contains(404), "\(id): 404 is not in the document's responses")
                        let foreignAfter = try await eventCount(server, clinic: world.own.owner.id, actor: caller.id)
                        #expect(foreignAfter - foreignBefore == (row.audit == nil ? 0 : 1), "\(id) as \(role.rawValue) on another clinic: \(foreignAfter - foreignBefore) events")
                        if let action = row.audit, let patient = foreign.patient {
                            // Logged by the id as sent: the patient's, or the record's when the route names another record.
                            let filter = foreign.record == nil ? AuditFilter(patientId: patient, actorId: caller.id, action: action)
                                                               : AuditFilter(actorId: caller.id, action: action)
                            let logged = try await server.store.auditEvents(clinicId: world.own.owner.id, filter: filter, limit: 1, after: nil)
                            let event = logged.items.first?.entry
                            #expect(event?.status == 404 && event?.patientName == nil && (foreign.record == nil || event?.recordId == foreign.record),
                                    "\(id) as \(role.rawValue): the refusal is logged, without the other clinic's patient's name")
                            #expect(foreign.record == nil || event?.patientId == nil, "\(id): another clinic's patient id is not revealed")
                            let leaked = try await server.store.auditEvents(clinicId: world.other.owner.id,
                                                                            filter: AuditFilter(actorId: caller.id), limit: 1, after: nil)
                            #expect(leaked.items.isEmpty, "nothing lands in the other clinic's log")
                        }
                    }
                }
            }
        }
    }

    @Test(arguments: StoreKind.available)
    func test_theAuditLog_neverHoldsTheSearchText_andCannotBeChanged(kind: StoreKind) async throws {
        try await withServer(kind) { server in
            let owner = try await server.registerDoctor()
            _ = try await server.createPatient(owner, ["name": "Xanthippe Quarrington"])
            #expect(try await server.call("GET", "/api/patients?q=xanthippe", token: owner.token).items().count == 1)
            let rows = try await server.store.database.query("SELECT * FROM audit_events WHERE clinic_id = $1", [.text(owner.id)])
            #expect(rows.contains { $0.optionalString("action") == "patients.list" })
            #expect(!rows.contains { row in row.values.values.contains { value in
                if case .text(let text) = value { return text.lowercased().contains("xanthippe") && row.optionalString("action") == "patients.list" }
                return false
            } }, "the search text is not stored")
            await #expect(throws: (any Error).self) { try await server.store.database.query("UPDATE audit_events SET action = 'x'", []) }
            await #expect(throws: (any Error).self) { try await server.store.database.query("DELETE FROM audit_events", []) }
            #expect(try await server.store.database.query("SELECT COUNT(*) AS n FROM audit_events WHERE clinic_id = $1", [.text(owner.id)])
                .first?.int("n") == Int64(rows.count))
            // The owner reads it, newest first, filtered.
            let page = try await server.call("GET", "/api/audit?action=patient.create", token: owner.token)
            #expect(try page.status == 200 && (try page.items().first?["patient_name"] as? String) == "Xanthippe Quarrington")
            let signIns = try await server.call("GET", "/api/audit?action=signin.success", token: owner.token).items()
            #expect(signIns.isEmpty, "registration is not a sign-in")
            _ = try await server.form("/api/token", [("username", owner.email), ("password", "wrong password")])
            _ = try await server.form("/api/token", [("username", owner.email), ("password", owner.password)])
            // Throttled tries check no password and are not logged: the log cannot be filled at the rate limit's pace.
            let other = try await server.registerDoctor()
            var answered: [Int] = []
            for _ in 0..<12 { answered.append(try await server.form("/api/token", [("username", other.email), ("password", "guess")]).status) }
            let failures = try await server.store.database.query(
                "SELECT COUNT(*) AS n FROM audit_events WHERE clinic_id = $1 AND action = 'signin.failure'", [.text(other.id)]).first?.int("n")
            #expect(failures == Int64(answered.filter { $0 == 401 }.count) && answered.contains(429), "\(answered)")
            let actions = try await server.call("GET", "/api/audit", token: owner.token).items().compactMap { $0["action"] as? String }
            #expect(Array(actions.prefix(2)) == ["signin.success", "signin.failure"], "\(actions)")
        }
    }
}

extension Optional {
    func asyncMap<T>(_ transform: (Wrapped) async throws -> T) async rethrows -> T? {
        guard let self else { return nil }
        return try await transform(self)
    }
}
