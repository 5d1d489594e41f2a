import ClinicAPI
import ClinicStore
import Foundation

extension ClinicServerApp {
    /// A session for this computer's own account, which `clinic-server local` hands to the `clinic`
    /// that started it: tokens issued as a sign-in issues them, and the sign-in in the audit log
    /// (from "local"), with no password checked: the account's password lives in this same
    /// server's own 0600 file, and a bcrypt per start is time the first frame would wait for.
    public static func localSession(for caller: CallerRecord, server: RunningServer,
                                    configuration: ServerConfiguration) async throws -> Components.Schemas.TokenResponse {
        let auth = await AuthService.make(store: server.store, configuration: configuration, secret: try configuration.resolveJWTSecret())
        let tokens = try await auth.issueTokens(for: caller)
        try await server.store.recordAudit(AuditEntry(clinicId: caller.clinic.id, at: Clock.nowMillis(), actorId: caller.user.id,
                                                      actorName: caller.user.username, actorRole: caller.user.role.rawValue,
                                                      action: AuditAction.signinSuccess.rawValue, ip: "local", status: 200))
        return tokens
    }
}
