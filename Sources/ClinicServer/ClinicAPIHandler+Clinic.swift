import ClinicAPI
import ClinicStore
import Foundation

// MARK: The clinic, its staff and invitations (v2)

extension ClinicAPIHandler {
    func getClinic(_ input: Operations.GetClinic.Input) async throws -> Operations.GetClinic.Output {
        let caller = try await auth.authenticate()
        try allow(caller, Operations.GetClinic.id)
        return .ok(.init(body: .json(.init(caller.clinic, seats: try await store.seats(clinicId: caller.clinicId, now: now)))))
    }

    func renameClinic(_ input: Operations.RenameClinic.Input) async throws -> Operations.RenameClinic.Output {
        guard case .json(let body) = input.body else { throw APIError(.unsupportedMediaType, "expected application/json") }
        let caller = try await auth.authenticate()
        try allow(caller, Operations.RenameClinic.id)
        let name = body.name.trimmingCharacters(in: .whitespacesAndNewlines)
        guard (1...100).contains(name.unicodeScalars.count), !InputRules.hasNUL(name) else {
            throw APIError.invalid(["body", "name"], "name must be 1 to 100 characters, without NUL characters")
        }
        guard let clinic = try await store.renameClinic(id: caller.clinicId, name: name, now: now,
                                                        audit: auditEntry(caller, .clinicUpdate, status: 200, record: ("clinic", caller.clinicId)))
        else { throw APIError.notFound("Clinic") }
        return .ok(.init(body: .json(.init(clinic, seats: try await store.seats(clinicId: caller.clinicId, now: now)))))
    }

    func listStaff(_ input: Operations.ListStaff.Input) async throws -> Operations.ListStaff.Output {
        let caller = try await auth.authenticate()
        try allow(caller, Operations.ListStaff.id)
        let owner = caller.user.role == .owner
        let members = try await store.staff(clinicId: caller.clinicId).map { Components.Schemas.StaffMember($0, seenByOwner: owner) }
        return .ok(.init(body: .json(.init(items: members, nextCursor: nil))))
    }

    func updateStaffMember(_ input: Operations.UpdateStaffMember.Input) async throws -> Operations.UpdateStaffMember.Output {
        guard case .json(let body) = input.body else { throw APIError(.unsupportedMediaType, "expected application/json") }
        let caller = try await auth.authenticate()
        let memberId = try InputRules.recordID(input.path.id, "Staff member")
        // Another clinic's member is 404 before any rule is looked at.
        guard try await store.staff(clinicId: caller.clinicId).contains(where: { $0.id == memberId }) else {
            throw APIError.notFound("Staff member")
        }
        // Deactivating is always the owner's to do (an inactive clinic too); anything else is a change.
        let onlyDeactivates = body.role == nil && body.active == false
        try auth.check(caller, onlyDeactivates ? .overseeStaff : (OperationPolicy.of(Operations.UpdateStaffMember.id).capability ?? .manageStaff))
        guard body.role != nil || body.active != nil else {
            throw APIError.invalid(["body"], "Send role, active, or both", type: "missing")
        }
        let role = body.role.flatMap { StaffRole(rawValue: $0.rawValue) }
        switch try await store.updateStaff(clinicId: caller.clinicId, memberId: memberId, role: role, active: body.active, now: now,
                                           audit: auditEntry(caller, .staffUpdate, status: 200)) {
        case .changed(let member):
            return .ok(.init(body: .json(.init(member, seenByOwner: true))))
        case .notFound:
            throw APIError.notFound("Staff member")
        case .lastOwner:
            throw APIError(.conflict, "The clinic must keep an active owner: make someone else an owner first", code: "last_owner")
        case .noSeat:
            throw APIError(.forbidden, "The clinic's plan has no seat for this: more doctors or staff need Pro", code: "pro_required")
        }
    }

    func listInvitations(_ input: Operations.ListInvitations.Input) async throws -> Operations.ListInvitations.Output {
        let caller = try await auth.authenticate()
        try allow(caller, Operations.ListInvitations.id)
        let pending = try await store.invitations(clinicId: caller.clinicId, now: now).map(Components.Schemas.Invitation.init)
        return .ok(.init(body: .json(.init(items: pending, nextCursor: nil))))
    }

    func createInvitation(_ input: Operations.CreateInvitation.Input) async throws -> Operations.CreateInvitation.Output {
        guard case .json(let body) = input.body else { throw APIError(.unsupportedMediaType, "expected application/json") }
        let caller = try await auth.authenticate()
        try allow(caller, Operations.CreateInvitation.id)
        let email = body.email.trimmingCharacters(in: .whitespacesAndNewlines)
        guard InputRules.isEmail(email) else { throw APIError.invalid(["body", "email"], "value is not a valid email address") }
        let role = StaffRole(rawValue: body.role.rawValue) ?? .frontDesk
        let code = InvitationCode.make()
        let expiresAt = now + InvitationCode.lifetime
        switch try await store.createInvitation(clinicId: caller.clinicId, email: email, role: role,
                                                codeHash: InvitationCode.hash(InvitationCode.normalized(code)), createdBy: caller.userId,
                                                now: now, expiresAt: expiresAt, audit: auditEntry(caller, .staffInvite, status: 201)) {
        case .created(let invitation):
            return .created(.init(body: .json(.init(id: invitation.id, email: invitation.email, role: body.role, code: code,
                                                    expiresAt: Clock.date(invitation.expiresAt)))))
        case .emailTaken:
            throw APIError(.conflict, "An account with this email already exists", code: "email_taken")
        case .noSeat:
            throw APIError(.forbidden, role == .frontDesk
                ? "On Basic a clinic has up to two front-desk accounts (pending invitations count): more need Pro"
                : "On Basic the owner is the clinic's only doctor: more doctors need Pro", code: "pro_required")
        }
    }

    func withdrawInvitation(_ input: Operations.WithdrawInvitation.Input) async throws -> Operations.WithdrawInvitation.Output {
        let caller = try await auth.authenticate()
        let id = try InputRules.recordID(input.path.id, "Invitation")
        guard try await store.invitations(clinicId: caller.clinicId, now: now).contains(where: { $0.id == id }) else {
            throw APIError.notFound("Invitation")
        }
        try allow(caller, Operations.WithdrawInvitation.id)
        guard try await store.withdrawInvitation(clinicId: caller.clinicId, id: id, now: now,
                                                 audit: auditEntry(caller, .staffWithdraw, status: 204))
        else { throw APIError.notFound("Invitation") }
        return .noContent(.init())
    }

    func listAuditEvents(_ input: Operations.ListAuditEvents.Input) async throws -> Operations.ListAuditEvents.Output {
        let caller = try await auth.authenticate()
        try allow(caller, Operations.ListAuditEvents.id)
        let limit = try InputRules.limit(input.query.limit)
        let cursor = try InputRules.cursor(input.query.cursor)
        let filter = AuditFilter(patientId: input.query.patientId.map { String($0.prefix(64)) },
                                 actorId: input.query.actorId.map { String($0.prefix(64)) },
                                 action: input.query.action.map { String($0.prefix(64)) },
                                 from: input.query.from.map(Clock.millis), to: input.query.to.map(Clock.millis))
        let page = try await store.auditEvents(clinicId: caller.clinicId, filter: filter, limit: limit, after: cursor)
        return .ok(.init(body: .json(.init(items: page.items.map(Components.Schemas.AuditEvent.init), nextCursor: page.next?.encoded))))
    }
}
