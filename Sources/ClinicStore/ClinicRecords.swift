import Foundation

/// What an account may do in its clinic, as stored (the contract's `role`).
public enum StaffRole: String, Sendable, CaseIterable {
    /// A doctor who also manages staff, billing and the audit log.
    case owner
    case doctor
    /// Front-desk staff: patients' details and the calendar, never clinical notes.
    case frontDesk = "front_desk"

    /// Owners and doctors see patients and keep calendars.
    public var isClinician: Bool { self != .frontDesk }
}

/// The tenant: a practice, its subscription and its people.
public struct ClinicRecord: Sendable, Equatable {
    public var id: String
    public var name: String
    public var plan: String
    public var status: String
    public var trialEndsAt: Int64?
    /// The end of the paid period (with grace); past it an `active` subscription turns `inactive`.
    public var paidUntil: Int64?
    public var createdAt: Int64

    init(row: SQLRow, prefix: String = "") throws {
        id = try row.string(prefix + "id")
        name = try row.string(prefix + "name")
        plan = try row.string(prefix + "plan")
        status = try row.string(prefix + "status")
        trialEndsAt = row.optionalInt(prefix + "trial_ends_at")
        paidUntil = row.optionalInt(prefix + "paid_until")
        createdAt = try row.int(prefix + "created_at")
    }

    /// Whether the subscription has run out at `now` (a trial past its end, a paid period not renewed).
    public func hasLapsed(at now: Int64) -> Bool {
        (status == "trialing" && trialEndsAt.map { $0 <= now } == true) || (status == "active" && paidUntil.map { $0 <= now } == true)
    }
}

/// The signed-in person and their clinic, as the database knows them now.
public struct CallerRecord: Sendable, Equatable {
    public var user: UserRecord
    public var clinic: ClinicRecord
}

/// A member as the staff list shows them.
public struct StaffRecord: Sendable, Equatable {
    public var id: String
    public var username: String
    public var email: String
    public var role: StaffRole
    public var active: Bool
    public var lastSeenAt: Int64?

    init(_ user: UserRecord) {
        id = user.id
        username = user.username
        email = user.email
        role = user.role
        active = user.active
        lastSeenAt = user.lastSeenAt
    }
}

/// Seats in use (pending invitations included) against the plan's limits (nil: no limit).
public struct SeatCount: Sendable, Equatable {
    public var doctors: Int
    public var frontDesk: Int
    public var maxDoctors: Int?
    public var maxFrontDesk: Int?

    /// Basic: the owner alone among clinicians, and two front-desk accounts. Pro (active): no limit.
    public init(doctors: Int, frontDesk: Int, plan: String, status: String) {
        self.doctors = doctors
        self.frontDesk = frontDesk
        let pro = plan == "pro" && status == "active"
        maxDoctors = pro ? nil : 1
        maxFrontDesk = pro ? nil : 2
    }

    /// Whether one more account of `role` fits.
    public func allows(_ role: StaffRole) -> Bool {
        switch role {
        case .frontDesk: return maxFrontDesk.map { frontDesk < $0 } ?? true
        case .owner, .doctor: return maxDoctors.map { doctors < $0 } ?? true
        }
    }
}

/// An invitation to join a clinic; the code itself is never stored, only its hash.
public struct InvitationRecord: Sendable, Equatable {
    public var id: String
    public var clinicId: String
    public var email: String
    public var role: StaffRole
    public var createdAt: Int64
    public var expiresAt: Int64

    init(row: SQLRow) throws {
        id = try row.string("id")
        clinicId = try row.string("clinic_id")
        email = try row.string("email")
        role = StaffRole(rawValue: try row.string("role")) ?? .frontDesk
        createdAt = try row.int("created_at")
        expiresAt = try row.int("expires_at")
    }
}

/// What creating an invitation can run into.
public enum InvitationOutcome: Sendable, Equatable {
    case created(InvitationRecord)
    /// An account with this email exists (409 `email_taken`).
    case emailTaken
    /// No seat left for the role on the clinic's plan (403 `pro_required`).
    case noSeat
}

/// What a change to a member can run into.
public enum StaffChangeOutcome: Sendable, Equatable {
    case changed(StaffRecord)
    case notFound
    /// It would leave the clinic without an active owner (409 `last_owner`).
    case lastOwner
    /// Bringing a member back, or making them a doctor, needs a seat the plan does not have.
    case noSeat
}
