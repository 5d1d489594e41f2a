import ClinicStore
import Foundation
import HummingbirdBcrypt

/// Operator tasks run from the command line against the configured database.
public enum ClinicAdmin {
    /// An account for staging or demos: created when missing (a new clinic for an owner without
    /// one given, else a member of `clinicId`), or the existing one when the password matches.
    /// `trustExisting` skips that check (a bcrypt each) where the password comes from the same
    /// server's own file (`clinic-server local`), not from a person.
    public static func ensureAccount(store: ClinicStore, configuration: ServerConfiguration, username: String, email: String,
                                     password: String, role: StaffRole = .owner, clinicId: String? = nil,
                                     trustExisting: Bool = false) async throws -> CallerRecord {
        if let existing = try await store.user(email: email) {
            guard trustExisting || Bcrypt.verify(password, hash: existing.passwordHash) else {
                throw ConfigurationError("an account with email \(email) exists with another password")
            }
            guard let caller = try await store.caller(userId: existing.id, now: Clock.nowMillis()) else {
                throw ConfigurationError("the account \(email) has no clinic")
            }
            if let clinicId, caller.clinic.id != clinicId {
                throw ConfigurationError("\(email) belongs to another clinic (\(caller.clinic.name))")
            }
            if caller.user.role != role {
                throw ConfigurationError("\(email) is already a \(caller.user.role.rawValue) (asked: \(role.rawValue))")
            }
            return caller
        }
        guard password.count >= 8 else { throw ConfigurationError("the password must be at least 8 characters") }
        let hash = await AuthService.offloaded { Bcrypt.hash(password, cost: configuration.bcryptCost) }
        let now = Clock.nowMillis()
        if let clinicId {
            guard let clinic = try await store.clinic(id: clinicId) else { throw ConfigurationError("no clinic \(clinicId)") }
            // Logged as the operator's doing: no person of the clinic made this change.
            let audit = AuditEntry(clinicId: clinicId, at: now, actorId: nil, actorName: "clinic-server (operator)", actorRole: nil,
                                   action: "staff.join", patientId: nil, recordType: nil, recordId: nil, ip: nil, status: 201)
            switch try await store.addMember(clinicId: clinicId, username: username, email: email, passwordHash: hash,
                                             role: role, now: now, audit: audit) {
            case .joined(let caller):
                return caller
            case .noSeat:
                throw ConfigurationError("""
                    \(clinic.name) has no \(role == .frontDesk ? "front-desk" : "doctor's") seat left on its plan \
                    (\(clinic.plan), \(clinic.status)): a Basic clinic has its owner and two front desks; more need Pro, active
                    """)
            case .emailTaken, .invalidCode:
                throw ConfigurationError("could not create \(email): the email is taken")
            }
        }
        guard role == .owner else { throw ConfigurationError("a \(role.rawValue) account needs a clinic: give --clinic") }
        guard let caller = try await store.createClinic(ownerName: username, email: email, passwordHash: hash,
                                                        trialEndsAt: now + Int64(configuration.trialDays) * 86_400_000, now: now)
        else { throw ConfigurationError("could not create \(email)") }
        return caller
    }

    /// The clinic named on the command line: its id, or the email of one of its members.
    public static func clinicId(named: String, store: ClinicStore) async throws -> String {
        if RecordID.isWellFormed(named), try await store.clinic(id: named) != nil { return named }
        if let member = try await store.user(email: named) { return member.clinicId }
        throw ConfigurationError("no clinic \(named): give a clinic's id or the email of one of its members")
    }

    /// What a freshly seeded demo clinic is called.
    public static let demoClinicName = "Riverside Family Practice"

    /// The demo clinic's people, beside its owner: a second doctor and the front desk, at emails
    /// made from the owner's (`demo@x` → `demo+doctor@x`, `demo+desk@x`), with the same password.
    public static let demoStaff: [(name: String, role: StaffRole, tag: String)] = [
        ("Dr Lukas Brandt", .doctor, "doctor"), ("Sofia Marino", .frontDesk, "desk"),
    ]

    public static func staffEmail(_ ownerEmail: String, tag: String) -> String {
        guard let at = ownerEmail.firstIndex(of: "@") else { return ownerEmail + "+" + tag }
        return ownerEmail[..<at] + "+" + tag + ownerEmail[at...]
    }

    /// A demo clinic: the owner, a second doctor and a front desk, patients, both calendars busy.
    /// Returns the three accounts (owner first). Patients are added only to a clinic that has none.
    @discardableResult
    public static func seedDemoClinic(store: ClinicStore, configuration: ServerConfiguration, ownerName: String, email: String,
                                      password: String, patients: Int, notesPerPatient: Int = 3, appointments: Bool = true,
                                      timeZone: TimeZone = .current, trustExisting: Bool = false) async throws -> [CallerRecord] {
        var owner = try await ensureAccount(store: store, configuration: configuration, username: ownerName, email: email, password: password,
                                            trustExisting: trustExisting)
        // Two doctors need Pro (a Basic clinic has one): the demo clinic has it, paid for a year,
        // so its documents and analytics show too.
        if owner.clinic.plan != "pro" || owner.clinic.status != "active" {
            let now = Clock.nowMillis()
            try await store.setSubscription(clinicId: owner.clinicId, plan: "pro", status: "active", trialEndsAt: nil,
                                            paidUntil: now + 365 * 86_400_000, now: now)
            owner = try await store.caller(userId: owner.user.id, now: now) ?? owner
        }
        var accounts = [owner]
        for member in demoStaff {
            accounts.append(try await ensureAccount(store: store, configuration: configuration, username: member.name,
                                                    email: staffEmail(email, tag: member.tag), password: password, role: member.role,
                                                    clinicId: owner.clinicId, trustExisting: trustExisting))
        }
        if try await store.patients(clinicId: owner.clinicId, query: nil, limit: 1, after: nil).items.isEmpty {
            // A practice's name, not the owner's, heads the status bar in a demo.
            if owner.clinic.name == ownerName,
               let renamed = try await store.renameClinic(id: owner.clinicId, name: demoClinicName, now: Clock.nowMillis(), audit: nil) {
                for index in accounts.indices { accounts[index].clinic = renamed }
            }
            let providers = accounts.filter { $0.user.role.isClinician }.map(\.user.id)
            try await DemoClinic.seed(store: store, clinicId: owner.clinicId, providers: providers, patients: patients,
                                      notesPerPatient: notesPerPatient, appointments: appointments, timeZone: timeZone)
        }
        return accounts
    }
}
