import Foundation

/// What registering with an invitation code can run into.
public enum JoinOutcome: Sendable, Equatable {
    case joined(CallerRecord)
    /// Wrong, used, withdrawn, expired, or for another email: one answer for all.
    case invalidCode
    case emailTaken
    /// The clinic's plan no longer has the seat (invited on Pro, which has since lapsed).
    case noSeat
}

/// Thrown inside a transaction to roll it back when an email turns out to be taken.
struct EmailTaken: Error {}
/// Thrown inside a transaction to roll it back when no seat is left for a joining member.
struct SeatTaken: Error {}

extension ClinicStore {
    // MARK: Accounts

    static let callerColumns = """
        SELECT u.*, c.id AS c_id, c.name AS c_name, c.plan AS c_plan, c.status AS c_status, c.trial_ends_at AS c_trial_ends_at,
               c.paid_until AS c_paid_until, c.created_at AS c_created_at
        FROM users u JOIN clinics c ON c.id = u.clinic_id
        """

    static func caller(_ row: SQLRow) throws -> CallerRecord {
        CallerRecord(user: try UserRecord(row: row), clinic: try ClinicRecord(row: row, prefix: "c_"))
    }

    public static func emailKey(_ email: String) -> String {
        email.trimmingCharacters(in: .whitespaces).lowercased()
    }

    /// Registration without an invitation: a clinic named after its founder, on a basic trial, with
    /// the founder as its owner. The clinic's id is the founder's (see migration 8). nil when the
    /// email is taken (compared case-insensitively).
    public func createClinic(ownerName: String, email: String, passwordHash: String, trialEndsAt: Int64, now: Int64) async throws -> CallerRecord? {
        let id = RecordID.make()
        do {
            return try await database.transaction { tx in
                try await tx.query("""
                    INSERT INTO clinics (id, name, plan, status, trial_ends_at, created_at, updated_at)
                    VALUES ($1, $2, 'basic', 'trialing', $3, $4, $4)
                    """, [.text(id), .text(ownerName), .int(trialEndsAt), .int(now)])
                try await Self.insertUser(id: id, clinicId: id, username: ownerName, email: email, passwordHash: passwordHash,
                                          role: .owner, now: now, on: tx)
                guard let row = try await tx.query(Self.callerColumns + " WHERE u.id = $1", [.text(id)]).first else {
                    throw StoreError.corrupt("a new account vanished inside its transaction")
                }
                return try Self.caller(row)
            }
        } catch is EmailTaken {
            return nil
        }
    }

    static func insertUser(id: String, clinicId: String, username: String, email: String, passwordHash: String, role: StaffRole,
                           now: Int64, on tx: any SQLExecutor) async throws {
        let inserted = try await tx.query("""
            INSERT INTO users (id, clinic_id, username, email, email_key, password_hash, role, active, created_at, updated_at)
            VALUES ($1, $2, $3, $4, $5, $6, $7, 1, $8, $8)
            ON CONFLICT (email_key) DO NOTHING RETURNING id
            """, [.text(id), .text(clinicId), .text(username), .text(email), .text(emailKey(email)), .text(passwordHash),
                  .text(role.rawValue), .int(now)])
        if inserted.isEmpty { throw EmailTaken() }
    }

    /// Registration with an invitation code: the invited email joins the inviting clinic with the
    /// invited role, and the code is spent. Any mismatch is `.invalidCode`, never which one.
    public func joinClinic(codeHash: String, username: String, email: String, passwordHash: String, now: Int64,
                           audit: AuditEntry?) async throws -> JoinOutcome {
        do {
            return try await database.transaction { tx in
                guard let row = try await tx.query("""
                    UPDATE invitations SET used_at = $1
                    WHERE code_hash = $2 AND email_key = $3 AND used_at IS NULL AND withdrawn_at IS NULL AND expires_at > $1
                    RETURNING *
                    """, [.int(now), .text(codeHash), .text(Self.emailKey(email))]).first
                else { return .invalidCode }
                let invitation = try InvitationRecord(row: row)
                // The seat held while pending is checked again: the plan may have changed since.
                try await Self.lockClinic(invitation.clinicId, on: tx)
                guard try await Self.seats(clinicId: invitation.clinicId, now: now, on: tx).allows(invitation.role) else {
                    throw SeatTaken()
                }
                let id = RecordID.make()
                try await Self.insertUser(id: id, clinicId: invitation.clinicId, username: username, email: email,
                                          passwordHash: passwordHash, role: invitation.role, now: now, on: tx)
                guard let joined = try await tx.query(Self.callerColumns + " WHERE u.id = $1", [.text(id)]).first else {
                    throw StoreError.corrupt("a new account vanished inside its transaction")
                }
                let caller = try Self.caller(joined)
                if var audit {
                    audit.clinicId = invitation.clinicId
                    audit.actorId = id
                    audit.actorName = username
                    audit.actorRole = invitation.role.rawValue
                    audit.recordType = "invitation"
                    audit.recordId = invitation.id
                    try await Self.insertAudit(audit, on: tx)
                }
                return .joined(caller)
            }
        } catch is EmailTaken {
            return .emailTaken
        } catch is SeatTaken {
            return .noSeat
        }
    }

    /// An operator adding a member directly (`clinic-server create-user`, demo data): no
    /// invitation, but the same seat rule as one, and the change in the audit log (`audit`, its
    /// record filled in here) in the same transaction.
    public func addMember(clinicId: String, username: String, email: String, passwordHash: String, role: StaffRole,
                          now: Int64, audit: AuditEntry?) async throws -> JoinOutcome {
        let id = RecordID.make()
        do {
            return try await database.transaction { tx in
                try await Self.lockClinic(clinicId, on: tx)
                guard try await Self.seats(clinicId: clinicId, now: now, on: tx).allows(role) else { throw SeatTaken() }
                try await Self.insertUser(id: id, clinicId: clinicId, username: username, email: email, passwordHash: passwordHash,
                                          role: role, now: now, on: tx)
                guard let row = try await tx.query(Self.callerColumns + " WHERE u.id = $1", [.text(id)]).first else {
                    throw StoreError.corrupt("a new account vanished inside its transaction")
                }
                if var audit {
                    audit.clinicId = clinicId
                    audit.recordType = "user"
                    audit.recordId = id
                    try await Self.insertAudit(audit, on: tx)
                }
                return .joined(try Self.caller(row))
            }
        } catch is EmailTaken {
            return .emailTaken
        } catch is SeatTaken {
            return .noSeat
        }
    }

    public func user(email: String) async throws -> UserRecord? {
        try await database.query("SELECT * FROM users WHERE email_key = $1", [.text(Self.emailKey(email))])
            .first.map(UserRecord.init(row:))
    }

    public func user(id: String) async throws -> UserRecord? {
        try await database.query("SELECT * FROM users WHERE id = $1", [.text(id)]).first.map(UserRecord.init(row:))
    }

    /// The account and its clinic as of now: a subscription that has lapsed becomes `inactive` in
    /// the database first. Deactivated accounts are returned as they are (the caller refuses them).
    public func caller(userId: String, now: Int64) async throws -> CallerRecord? {
        guard let row = try await database.query(Self.callerColumns + " WHERE u.id = $1", [.text(userId)]).first else { return nil }
        var caller = try Self.caller(row)
        if caller.clinic.hasLapsed(at: now) {
            _ = try await expireLapsedSubscriptions(now: now, clinicId: caller.clinic.id)
            caller.clinic.status = "inactive"
        }
        return caller
    }

    /// Marks clinics whose trial ran out or whose paid period ended unrenewed `inactive` (all of
    /// them, or one clinic's); returns how many changed.
    @discardableResult
    public func expireLapsedSubscriptions(now: Int64, clinicId: String? = nil) async throws -> Int {
        var sql = """
            UPDATE clinics SET status = 'inactive', updated_at = $1
            WHERE ((status = 'trialing' AND trial_ends_at <= $1) OR (status = 'active' AND paid_until <= $1))
            """
        var binds: [SQLValue] = [.int(now)]
        if let clinicId {
            sql += " AND id = $2"
            binds.append(.text(clinicId))
        }
        return try await database.query(sql + " RETURNING id", binds).count
    }

    public func setSubscription(clinicId: String, plan: String, status: String, trialEndsAt: Int64?, paidUntil: Int64? = nil,
                                now: Int64) async throws {
        try await database.query("""
            UPDATE clinics SET plan = $1, status = $2, trial_ends_at = $3, paid_until = COALESCE($4, paid_until), updated_at = $5 WHERE id = $6
            """, [.text(plan), .text(status), SQLValue(trialEndsAt), SQLValue(paidUntil), .int(now), .text(clinicId)])
    }

    /// When the person was last seen: a sign-in, or a request (at most once a minute).
    /// `unlessSince`: left as it is when already later than this (parallel requests write it once).
    public func touchLastSeen(userId: String, now: Int64, unlessSince: Int64? = nil) async throws {
        try await database.query("UPDATE users SET last_seen_at = $1 WHERE id = $2 AND (last_seen_at IS NULL OR last_seen_at <= $3)",
                                 [.int(now), .text(userId), .int(unlessSince ?? now)])
    }

    // MARK: The clinic

    public func clinic(id: String) async throws -> ClinicRecord? {
        try await database.query("SELECT * FROM clinics WHERE id = $1", [.text(id)]).first.map { try ClinicRecord(row: $0) }
    }

    public func renameClinic(id: String, name: String, now: Int64, audit: AuditEntry?) async throws -> ClinicRecord? {
        try await database.transaction { tx in
            guard let row = try await tx.query("UPDATE clinics SET name = $1, updated_at = $2 WHERE id = $3 RETURNING *",
                                               [.text(name), .int(now), .text(id)]).first
            else { return nil }
            if let audit { try await Self.insertAudit(audit, on: tx) }
            return try ClinicRecord(row: row)
        }
    }

    /// Every member: owners, then doctors, then the front desk; by name within each.
    public func staff(clinicId: String) async throws -> [StaffRecord] {
        let order: [StaffRole: Int] = [.owner: 0, .doctor: 1, .frontDesk: 2]
        return try await database.query("SELECT * FROM users WHERE clinic_id = $1", [.text(clinicId)])
            .map { StaffRecord(try UserRecord(row: $0)) }
            .sorted { (order[$0.role] ?? 3, $0.username.lowercased(), $0.id) < (order[$1.role] ?? 3, $1.username.lowercased(), $1.id) }
    }

    /// The active owners and doctors: whose calendars there are.
    public func providers(clinicId: String) async throws -> [StaffRecord] {
        try await staff(clinicId: clinicId).filter { $0.active && $0.role.isClinician }
    }

    /// Seats taken (active accounts and pending invitations) against the plan's limits.
    public func seats(clinicId: String, now: Int64) async throws -> SeatCount {
        try await Self.seats(clinicId: clinicId, now: now, on: database)
    }

    static func seats(clinicId: String, now: Int64, on executor: any SQLExecutor) async throws -> SeatCount {
        guard let clinic = try await executor.query("SELECT * FROM clinics WHERE id = $1", [.text(clinicId)]).first.map({ try ClinicRecord(row: $0) })
        else { throw StoreError.corrupt("no clinic \(clinicId)") }
        var doctors = 0, frontDesk = 0
        let members = try await executor.query("SELECT role FROM users WHERE clinic_id = $1 AND active = 1", [.text(clinicId)])
        let pending = try await executor.query("""
            SELECT role FROM invitations WHERE clinic_id = $1 AND used_at IS NULL AND withdrawn_at IS NULL AND expires_at > $2
            """, [.text(clinicId), .int(now)])
        for row in members + pending {
            if StaffRole(rawValue: try row.string("role")) == .frontDesk { frontDesk += 1 } else { doctors += 1 }
        }
        return SeatCount(doctors: doctors, frontDesk: frontDesk, plan: clinic.plan, status: clinic.status)
    }

    /// On PostgreSQL, holds the clinic's row until the transaction ends, so two staff changes (or
    /// two invitations racing for the last seat) are decided one after the other. SQLite has one writer.
    static func lockClinic(_ clinicId: String, on tx: any SQLExecutor) async throws {
        if tx.dialect == .postgres {
            try await tx.query("SELECT id FROM clinics WHERE id = $1 FOR UPDATE", [.text(clinicId)])
        }
    }

    // MARK: Invitations

    public func createInvitation(clinicId: String, email: String, role: StaffRole, codeHash: String, createdBy: String, now: Int64,
                                 expiresAt: Int64, audit: AuditEntry?) async throws -> InvitationOutcome {
        try await database.transaction { tx in
            try await Self.lockClinic(clinicId, on: tx)
            if try await !tx.query("SELECT id FROM users WHERE email_key = $1", [.text(Self.emailKey(email))]).isEmpty {
                return .emailTaken
            }
            guard try await Self.seats(clinicId: clinicId, now: now, on: tx).allows(role) else { return .noSeat }
            let id = RecordID.make()
            guard let row = try await tx.query("""
                INSERT INTO invitations (id, clinic_id, email, email_key, role, code_hash, created_by, created_at, expires_at)
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING *
                """, [.text(id), .text(clinicId), .text(email), .text(Self.emailKey(email)), .text(role.rawValue), .text(codeHash),
                      .text(createdBy), .int(now), .int(expiresAt)]).first
            else { throw StoreError.corrupt("an invitation vanished inside its transaction") }
            if var audit {
                audit.recordType = "invitation"
                audit.recordId = id
                try await Self.insertAudit(audit, on: tx)
            }
            return .created(try InvitationRecord(row: row))
        }
    }

    /// Pending invitations (not used, withdrawn or expired), newest first.
    public func invitations(clinicId: String, now: Int64) async throws -> [InvitationRecord] {
        try await database.query("""
            SELECT * FROM invitations WHERE clinic_id = $1 AND used_at IS NULL AND withdrawn_at IS NULL AND expires_at > $2
            ORDER BY created_at DESC, id DESC
            """, [.text(clinicId), .int(now)]).map(InvitationRecord.init(row:))
    }

    /// false when there is no such pending invitation in the clinic.
    public func withdrawInvitation(clinicId: String, id: String, now: Int64, audit: AuditEntry?) async throws -> Bool {
        try await database.transaction { tx in
            let withdrawn = try await tx.query("""
                UPDATE invitations SET withdrawn_at = $1
                WHERE id = $2 AND clinic_id = $3 AND used_at IS NULL AND withdrawn_at IS NULL RETURNING id
                """, [.int(now), .text(id), .text(clinicId)])
            guard !withdrawn.isEmpty else { return false }
            if var audit {
                audit.recordType = "invitation"
                audit.recordId = id
                try await Self.insertAudit(audit, on: tx)
            }
            return true
        }
    }

    // MARK: Staff changes

    /// Changes a member's role or active flag. Never leaves the clinic without an active owner; a
    /// member brought back (or made a doctor) needs a seat; a deactivated member's refresh tokens
    /// are revoked at once (their access tokens are refused from the next request, which reads `active`).
    public func updateStaff(clinicId: String, memberId: String, role: StaffRole?, active: Bool?, now: Int64,
                            audit: AuditEntry?) async throws -> StaffChangeOutcome {
        try await database.transaction { tx in
            try await Self.lockClinic(clinicId, on: tx)
            guard let row = try await tx.query("SELECT * FROM users WHERE id = $1 AND clinic_id = $2", [.text(memberId), .text(clinicId)]).first
            else { return .notFound }
            let member = try UserRecord(row: row)
            let newRole = role ?? member.role
            let newActive = active ?? member.active
            let owners = try await tx.query("SELECT id FROM users WHERE clinic_id = $1 AND role = 'owner' AND active = 1 AND id <> $2",
                                            [.text(clinicId), .text(memberId)])
            if owners.isEmpty && !(newRole == .owner && newActive) { return .lastOwner }
            // A seat is needed by a member who takes one they did not hold: brought back, or moved between the desk and the doctors.
            let tookSeat = newActive && (!member.active || newRole.isClinician != member.role.isClinician)
            if tookSeat {
                var seats = try await Self.seats(clinicId: clinicId, now: now, on: tx)
                if member.active {
                    if member.role.isClinician { seats.doctors -= 1 } else { seats.frontDesk -= 1 }
                }
                if !seats.allows(newRole) { return .noSeat }
            }
            guard let updated = try await tx.query("""
                UPDATE users SET role = $1, active = $2, updated_at = $3 WHERE id = $4 RETURNING *
                """, [.text(newRole.rawValue), .int(newActive ? 1 : 0), .int(now), .text(memberId)]).first
            else { throw StoreError.corrupt("a member vanished inside its transaction") }
            if member.active && !newActive {
                try await tx.query("UPDATE refresh_tokens SET used_at = COALESCE(used_at, $1), expires_at = $1 WHERE user_id = $2 AND expires_at > $1",
                                   [.int(now), .text(memberId)])
            }
            if var audit {
                audit.recordType = "user"
                audit.recordId = memberId
                try await Self.insertAudit(audit, on: tx)
            }
            return .changed(StaffRecord(try UserRecord(row: updated)))
        }
    }
}
