import ClinicAPI
import ClinicStore

/// The stored caller in the contract's terms (the store keeps plain values; the rules take enums).
extension CallerRecord {
    var role: Components.Schemas.Role { Components.Schemas.Role(rawValue: user.role.rawValue) ?? .frontDesk }
    var plan: Components.Schemas.Plan { Components.Schemas.Plan(rawValue: clinic.plan) ?? .basic }
    var status: Components.Schemas.SubscriptionStatus { Components.Schemas.SubscriptionStatus(rawValue: clinic.status) ?? .inactive }
    var clinicId: String { clinic.id }
    var userId: String { user.id }
}
