import Foundation

/// What to write about an appointment: every field for a booking, only what changes for an update.
public struct AppointmentChange: Equatable, Sendable {
    public var patientID: String?
    /// The doctor whose calendar it is on (v2); nil leaves the server's default or the current one.
    public var providerID: String?
    public var startsAt: Date?
    public var endsAt: Date?
    public var reason: String?
    public var status: Components.Schemas.AppointmentStatus?

    public init(patientID: String? = nil, providerID: String? = nil, startsAt: Date? = nil, endsAt: Date? = nil, reason: String? = nil,
                status: Components.Schemas.AppointmentStatus? = nil) {
        self.patientID = patientID
        self.providerID = providerID
        self.startsAt = startsAt
        self.endsAt = endsAt
        self.reason = reason
        self.status = status
    }
}
