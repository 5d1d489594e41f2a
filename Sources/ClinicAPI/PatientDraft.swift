import Foundation

/// The patient fields the form edits (strings as typed).
public struct PatientDraft: Equatable, Sendable {
    public var name = ""
    public var phoneNumber = ""
    public var dateOfBirth = ""
    public var sex = ""
    public var address = ""
    public var notes = ""

    public init() {}

    public init(_ patient: Components.Schemas.Patient) {
        name = patient.name
        phoneNumber = patient.phoneNumber ?? ""
        dateOfBirth = patient.dateOfBirth ?? ""
        sex = patient.sex ?? ""
        address = patient.address ?? ""
        notes = patient.notes ?? ""
    }
}
