import Foundation

/// An account as stored: a person in one clinic, with a role. `passwordHash` never leaves the server.
public struct UserRecord: Sendable, Equatable {
    public var id: String
    public var clinicId: String
    public var username: String
    public var email: String
    public var passwordHash: String
    public var role: StaffRole
    /// Deactivated accounts cannot sign in, and their tokens stop working.
    public var active: Bool
    public var lastSeenAt: Int64?
    public var createdAt: Int64

    init(row: SQLRow) throws {
        id = try row.string("id")
        clinicId = try row.string("clinic_id")
        username = try row.string("username")
        email = try row.string("email")
        passwordHash = try row.string("password_hash")
        role = StaffRole(rawValue: try row.string("role")) ?? .frontDesk
        active = (row.optionalInt("active") ?? 0) != 0
        lastSeenAt = row.optionalInt("last_seen_at")
        createdAt = try row.int("created_at")
    }
}

public struct PatientRecord: Sendable, Equatable {
    public var id: String
    public var clinicId: String
    public var name: String
    public var phoneNumber: String?
    public var address: String?
    public var notes: String?
    public var dateOfBirth: String?
    public var sex: String?
    public var createdAt: Int64
    public var updatedAt: Int64

    init(row: SQLRow) throws {
        id = try row.string("id")
        // `user_id` in a schema older than migration 8 (migration 6 reads patients before the rename).
        clinicId = try row.optionalString("clinic_id") ?? row.string("user_id")
        name = try row.string("name")
        phoneNumber = row.optionalString("phone_number")
        address = row.optionalString("address")
        notes = row.optionalString("notes")
        dateOfBirth = row.optionalString("date_of_birth")
        sex = row.optionalString("sex")
        createdAt = try row.int("created_at")
        updatedAt = try row.int("updated_at")
    }
}

/// The fields a doctor writes on a patient. In an update, nil leaves a field as it is and
/// `.some(nil)` clears it.
public struct PatientFields: Sendable {
    public var name: String?
    public var phoneNumber: String??
    public var address: String??
    public var notes: String??
    public var dateOfBirth: String??
    public var sex: String??

    public init(name: String? = nil, phoneNumber: String?? = nil, address: String?? = nil,
                notes: String?? = nil, dateOfBirth: String?? = nil, sex: String?? = nil) {
        self.name = name
        self.phoneNumber = phoneNumber
        self.address = address
        self.notes = notes
        self.dateOfBirth = dateOfBirth
        self.sex = sex
    }
}

public struct NoteRecord: Sendable, Equatable {
    public var id: String
    public var patientId: String
    public var content: String
    public var version: Int64
    public var createdAt: Int64
    public var updatedAt: Int64
    public var authorId: String?
    public var authorName: String?

    init(row: SQLRow) throws {
        id = try row.string("id")
        patientId = try row.string("patient_id")
        content = try row.string("content")
        version = try row.int("version")
        createdAt = try row.int("created_at")
        updatedAt = try row.int("updated_at")
        authorId = row.optionalString("author_id")
        authorName = row.optionalString("author_name")
    }
}

public struct NoteVersionRecord: Sendable, Equatable {
    public var version: Int64
    public var content: String
    public var createdAt: Int64
}

public struct AppointmentRecord: Sendable, Equatable {
    public var id: String
    public var patientId: String
    public var patientName: String
    public var providerId: String
    public var providerName: String
    public var startsAt: Int64
    public var endsAt: Int64
    public var reason: String?
    public var status: String
    /// When the patient was checked in (kept through `completed`).
    public var arrivedAt: Int64?
    public var createdAt: Int64
    public var updatedAt: Int64

    init(row: SQLRow) throws {
        id = try row.string("id")
        patientId = try row.string("patient_id")
        patientName = try row.string("patient_name")
        providerId = try row.string("provider_id")
        providerName = try row.string("provider_name")
        startsAt = try row.int("starts_at")
        endsAt = try row.int("ends_at")
        reason = row.optionalString("reason")
        status = try row.string("status")
        arrivedAt = row.optionalInt("arrived_at")
        createdAt = try row.int("created_at")
        updatedAt = try row.int("updated_at")
    }
}

public struct AppointmentFields: Sendable {
    public var patientId: String?
    public var providerId: String?
    public var startsAt: Int64?
    public var endsAt: Int64?
    public var reason: String??
    public var status: String?

    public init(patientId: String? = nil, providerId: String? = nil, startsAt: Int64? = nil, endsAt: Int64? = nil,
                reason: String?? = nil, status: String? = nil) {
        self.patientId = patientId
        self.providerId = providerId
        self.startsAt = startsAt
        self.endsAt = endsAt
        self.reason = reason
        self.status = status
    }
}

/// What booking or moving an appointment can run into.
public enum AppointmentWriteResult: Sendable {
    case saved(AppointmentRecord)
    case patientNotFound
    /// The provider is not an active doctor (or owner) of the clinic.
    case providerNotFound
    case notFound
    case conflict(AppointmentRecord)
}

/// What amending or deleting a note can run into.
public enum NoteWriteResult: Sendable, Equatable {
    case saved(NoteRecord)
    case notFound
    /// Only a note's author amends or deletes it.
    case notAuthor(NoteRecord)
}

public enum RefreshOutcome: Sendable, Equatable {
    case valid(userId: String, family: String)
    /// A token already spent was shown again: the whole family is revoked (it may be stolen).
    case reused
    case invalid
}

/// Opaque record ids: 24 lowercase hex digits, like the FastAPI server's ObjectIds.
public enum RecordID {
    private static let hexDigits = Array("0123456789abcdef".utf8)

    public static func make() -> String {
        make(leading: nil)
    }

    /// An id whose first 12 digits are `milliseconds` (so ids made later sort later) and the rest
    /// random: for the audit log, whose primary-key index grows by one entry per request. Random
    /// ids put each new entry on a different page of that index, and every such page is written
    /// to the WAL again at each commit; ids in time order land on the same few pages at its end.
    public static func make(orderedBy milliseconds: Int64) -> String {
        make(leading: UInt64(clamping: milliseconds) & 0xFFFF_FFFF_FFFF)
    }

    private static func make(leading: UInt64?) -> String {
        // Two draws, not one a byte (each draw is a `getrandom` system call: 1.2% of an audited
        // read), written digit by digit (`String(format:)` was 1.8% of a search): 12 digits from
        // each word's low 48 bits, most significant first, so that an ordered `leading` reads in order.
        var generator = SystemRandomNumberGenerator()
        let low = generator.next() as UInt64
        let high = leading ?? generator.next() as UInt64
        return String(unsafeUninitializedCapacity: 24) { buffer in
            for index in 0..<24 {
                let word = index < 12 ? high : low
                let nibble = (word >> UInt64(4 * (11 - index % 12))) & 0x0F
                buffer[index] = hexDigits[Int(nibble)]
            }
            return 24
        }
    }

    /// Ids this server could have made; anything else cannot name a record (so it is a 404, not a query).
    public static func isWellFormed(_ id: String) -> Bool {
        id.utf8.count == 24 && id.utf8.allSatisfy { (48...57).contains($0) || (97...102).contains($0) }
    }
}
