import ClinicAPI
import ClinicStore
import Foundation

extension ClinicServerApp {
    /// `clinic-server local`'s account, made on first start (with the demo clinic when `demo`, as
    /// `role` there), and a session for it. Its password is checked only when the row under its
    /// email is not the one this server made (its id is kept in local-account.json): an account
    /// registered under that email by someone else is never signed in for the doctor.
    public static func localAccountSession(server: RunningServer, configuration: ServerConfiguration, demo: Bool,
                                           role: StaffRole = .owner) async throws -> Components.Schemas.TokenResponse {
        var account = try LocalAccount.loadOrCreate(directory: configuration.dataDirectory, demo: demo)
        let existing = try await server.store.user(email: account.email)
        let trusted = existing != nil && existing?.id == account.userId
        let caller: CallerRecord, owner: CallerRecord
        if demo {
            let accounts = try await ClinicAdmin.seedDemoClinic(store: server.store, configuration: configuration, ownerName: account.name,
                                                                email: account.email, password: account.password, patients: 200,
                                                                trustExisting: trusted)
            owner = accounts[0]
            caller = accounts.first { $0.user.role == role } ?? owner
        } else {
            owner = try await ClinicAdmin.ensureAccount(store: server.store, configuration: configuration, username: account.name,
                                                        email: account.email, password: account.password, trustExisting: trusted)
            caller = owner
        }
        if account.userId != owner.user.id {
            account.userId = owner.user.id
            try account.save(directory: configuration.dataDirectory)
        }
        return try await localSession(for: caller, server: server, configuration: configuration)
    }

    /// A session for this computer's own account, which `clinic-server local` hands to the `clinic`
    /// that started it: tokens issued as a sign-in issues them, and the sign-in in the audit log
    /// (from "local"), with no password checked: the account's password lives in this same
    /// server's own 0600 file, and a bcrypt per start is time the first frame would wait for.
    public static func localSession(for caller: CallerRecord, server: RunningServer,
                                    configuration: ServerConfiguration) async throws -> Components.Schemas.TokenResponse {
        guard caller.user.active else { throw ConfigurationError("the account \(caller.user.email) is deactivated") }
        let auth = await AuthService.make(store: server.store, configuration: configuration, secret: try configuration.resolveJWTSecret())
        let tokens = try await auth.issueTokens(for: caller)
        try await server.store.recordAudit(AuditEntry(clinicId: caller.clinic.id, at: Clock.nowMillis(), actorId: caller.user.id,
                                                      actorName: caller.user.username, actorRole: caller.user.role.rawValue,
                                                      action: AuditAction.signinSuccess.rawValue, ip: "local", status: 200))
        return tokens
    }
}
