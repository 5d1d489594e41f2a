import Foundation

/// The contract's rules of who may do what, in one place: the role table of v2 and the plan rules
/// of v1. The server enforces them on every request (after a record of another clinic has already
/// answered 404); the client mirrors them to leave out what a role may not do and to lock Pro
/// panes before asking.
public enum Entitlements {
    public typealias Plan = Components.Schemas.Plan
    public typealias Status = Components.Schemas.SubscriptionStatus
    public typealias Role = Components.Schemas.Role

    /// What a request wants to do.
    public enum Capability: Sendable, CaseIterable {
        /// One's own account: who am I, sign out. Every role, any plan.
        case account
        /// The clinic, its plan and the staff list. Every role, any plan.
        case readClinic
        /// Patients: list, search, read. Allowed even when inactive (nobody is locked out of the records).
        case readPatients
        /// Patients: create and change.
        case writePatients
        case deletePatients
        /// Clinical notes: list and read. Doctors and owners only.
        case readNotes
        /// Clinical notes: write, amend, delete (amend and delete by the author only, checked on the note).
        case writeNotes
        /// Any doctor's calendar: read.
        case readAppointments
        /// Any doctor's calendar: book, change, cancel, check in.
        case writeAppointments
        /// Documents (Pro): list and upload.
        case listDocuments
        case uploadDocuments
        /// Documents (Pro): download links and delete. Not the front desk.
        case downloadDocuments
        case deleteDocuments
        /// Analytics (Pro). Not the front desk.
        case analytics
        /// Upgrading (opening a checkout). The owner, in any status: an inactive clinic paying is the point.
        case billing
        /// Inviting, changing roles, bringing a member back, renaming the clinic (owner; a write).
        case manageStaff
        /// Seeing pending invitations, withdrawing one, deactivating a member (owner; allowed even when inactive).
        case overseeStaff
        /// The audit log (owner).
        case viewAudit
    }

    /// Why a capability is refused; `rawValue` is the contract's machine code.
    public enum Denial: String, Sendable, Error, Equatable {
        case proRequired = "pro_required"
        case subscriptionInactive = "subscription_inactive"
        case roleForbidden = "role_forbidden"
    }

    /// The roles that may use a capability.
    public static func roles(for capability: Capability) -> Set<Role> {
        switch capability {
        case .account, .readClinic, .readPatients, .writePatients, .readAppointments, .writeAppointments, .listDocuments, .uploadDocuments:
            return [.owner, .doctor, .frontDesk]
        case .deletePatients, .readNotes, .writeNotes, .downloadDocuments, .deleteDocuments, .analytics:
            return [.owner, .doctor]
        case .billing, .manageStaff, .overseeStaff, .viewAudit:
            return [.owner]
        }
    }

    /// The refusal, or nil when allowed. `role` nil: a v1 server, which has no roles.
    public static func denial(plan: Plan, status: Status, role: Role?, for capability: Capability) -> Denial? {
        if let role, !roles(for: capability).contains(role) { return .roleForbidden }
        switch capability {
        case .account, .readClinic, .readPatients, .readNotes, .readAppointments, .billing, .overseeStaff, .viewAudit:
            return nil
        case .writePatients, .deletePatients, .writeNotes, .writeAppointments, .manageStaff:
            return status == .inactive ? .subscriptionInactive : nil
        case .listDocuments, .uploadDocuments, .downloadDocuments, .deleteDocuments, .analytics:
            return plan == .pro && status == .active ? nil : .proRequired
        }
    }

    /// What a person is told, in words.
    public static func detail(_ denial: Denial, for capability: Capability) -> String {
        switch denial {
        case .proRequired: return "This feature needs an active Pro subscription."
        case .subscriptionInactive: return "The clinic's subscription is inactive: records are read-only until it is renewed."
        case .roleForbidden:
            switch capability {
            case .readNotes, .writeNotes: return "Clinical notes are for the clinic's doctors."
            case .deletePatients: return "Deleting a patient is for the clinic's doctors."
            case .downloadDocuments, .deleteDocuments: return "Opening and deleting documents is for the clinic's doctors."
            case .analytics: return "Practice analytics are for the clinic's doctors."
            case .billing: return "Only the clinic's owner manages the subscription."
            case .manageStaff, .overseeStaff: return "Only the clinic's owner manages the clinic: its name, staff and invitations."
            case .viewAudit: return "Only the clinic's owner reads the audit log."
            default: return "Your role in the clinic does not allow this."
            }
        }
    }
}
