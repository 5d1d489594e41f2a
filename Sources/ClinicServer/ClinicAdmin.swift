import ClinicStore
import Foundation
import HummingbirdBcrypt

/// Operator tasks run from the command line against the configured database.
public enum ClinicAdmin {
    /// Creates an account (a staging or demo doctor), or returns the existing one when the
    /// email and password match it.
    public static func ensureUser(store: ClinicStore, configuration: ServerConfiguration, username: String, email: String,
                                  password: String) async throws -> UserRecord {
        if let existing = try await store.user(email: email) {
            guard Bcrypt.verify(password, hash: existing.passwordHash) else {
                throw ConfigurationError("an account with email \(email) exists with another password")
            }
            return existing
        }
        guard password.count >= 8 else { throw ConfigurationError("the password must be at least 8 characters") }
        let hash = await AuthService.offloaded { Bcrypt.hash(password, cost: configuration.bcryptCost) }
        let now = Clock.nowMillis()
        guard let user = try await store.createUser(username: username, email: email, passwordHash: hash,
                                                    trialEndsAt: now + Int64(configuration.trialDays) * 86_400_000, now: now)
        else { throw ConfigurationError("could not create \(email)") }
        return user
    }
}
