import ClinicAPI
import ClinicStore
import Crypto
import Foundation
import HummingbirdBcrypt
import JWTKit
import NIOPosix

/// Claims of an access token. `plan`/`status` are informational for clients: authorization
/// always reads the database.
struct AccessClaims: JWTPayload {
    var sub: SubjectClaim
    var exp: ExpirationClaim
    var iat: IssuedAtClaim
    var plan: String
    var status: String

    func verify(using algorithm: some JWTAlgorithm) async throws {
        try exp.verifyNotExpired()
    }
}

/// Passwords, tokens, and the question every route asks: who is this, and may they do it?
struct AuthService: Sendable {
    let store: ClinicStore
    let keys: JWTKeyCollection
    let configuration: ServerConfiguration
    let throttle: LoginThrottlePolicy
    /// Verified against when the email is unknown, so a wrong email costs as long as a wrong password.
    let decoyHash: String

    /// A well-formed bcrypt hash at `cost` that no password matches. Verifying against it costs what
    /// verifying a real account's hash costs (the cost is written in the string), from the first
    /// request on, and nothing is computed at start (a bcrypt at cost 12 is a quarter second).
    static func decoy(cost: UInt8) -> String {
        "$2b$" + String(format: "%02d", cost) + "$" + "Jm4YsvXkQb1v0r5sWqk2Fe" + "Ht0oNn3c6cH2Ylg9y1cZ2sXmJm3zQ7e"
    }

    static func make(store: ClinicStore, configuration: ServerConfiguration, secret: String) async -> AuthService {
        let keys = JWTKeyCollection()
        await keys.add(hmac: HMACKey(from: secret), digestAlgorithm: .sha256)
        return AuthService(store: store, keys: keys, configuration: configuration,
                           throttle: configuration.loginThrottle,
                           decoyHash: decoy(cost: configuration.bcryptCost))
    }

    // bcrypt is deliberately slow: keep it off the event loops (and off NIO's thread pool, which
    // the SQLite driver needs for every query).
    func hashPassword(_ password: String) async throws -> String {
        let cost = configuration.bcryptCost
        return await Self.offloaded { Bcrypt.hash(password, cost: cost) }
    }

    func verifyPassword(_ password: String, hash: String) async throws -> Bool {
        await Self.offloaded { Bcrypt.verify(password, hash: hash) }
    }

    static func offloaded<T: Sendable>(_ work: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { continuation in
            DispatchQueue.global(qos: .userInitiated).async { continuation.resume(returning: work()) }
        }
    }

    /// New tokens for a caller; signing in (or refreshing) is also when "last seen" moves.
    func issueTokens(for caller: CallerRecord, family: String? = nil) async throws -> Components.Schemas.TokenResponse {
        let now = Date()
        let claims = AccessClaims(sub: .init(value: caller.user.id),
                                  exp: .init(value: now.addingTimeInterval(Double(configuration.accessTokenSeconds))),
                                  iat: .init(value: now), plan: caller.clinic.plan, status: caller.clinic.status)
        let access = try await keys.sign(claims)
        let refresh = Self.randomToken()
        try await store.insertRefreshToken(hash: Self.sha256(refresh), userId: caller.user.id, family: family ?? RecordID.make(),
                                           expiresAt: Clock.millis(now) + Int64(configuration.refreshTokenSeconds) * 1000,
                                           now: Clock.millis(now))
        try await store.touchLastSeen(userId: caller.user.id, now: Clock.millis(now))
        return .init(user: .init(caller), accessToken: access, refreshToken: refresh, tokenType: .bearer,
                     expiresIn: configuration.accessTokenSeconds)
    }

    /// The account an access token names, once its signature and expiry are checked.
    func verifiedSubject(_ token: String?) async throws -> String {
        guard let token, !token.isEmpty, token.utf8.count < 4096 else { throw APIError.unauthorized }
        do {
            return try await keys.verify(token, as: AccessClaims.self).sub.value
        } catch {
            throw APIError(.unauthorized, "Invalid or expired token", code: "invalid_token", headers: [.wwwAuthenticate: "Bearer"])
        }
    }

    static let deactivated = APIError(.unauthorized, "This account has been deactivated by the clinic's owner", code: "account_deactivated",
                                      headers: [.wwwAuthenticate: "Bearer"])

    /// The caller and their clinic, as the database knows them now (a lapsed subscription already
    /// turned inactive, a deactivated account refused: role, plan and status are read on every request).
    func authenticate() async throws -> CallerRecord {
        if let caller = RequestScope.caller { return caller }
        let subject: String
        if let verified = RequestScope.verifiedUserId {
            subject = verified
        } else {
            subject = try await verifiedSubject(RequestScope.bearerToken)
        }
        let now = Clock.nowMillis()
        guard let caller = try await store.caller(userId: subject, now: now) else {
            throw APIError(.unauthorized, "Account no longer exists", code: "invalid_token", headers: [.wwwAuthenticate: "Bearer"])
        }
        guard caller.user.active else { throw Self.deactivated }
        // "Last seen" for the owner's staff list: any request counts, not only a sign-in. Written
        // at most once a minute a person; a write that fails (a full disk) is logged, and the
        // request, which asked for something else, goes on.
        if caller.user.lastSeenAt.map({ now - $0 >= Self.lastSeenResolution }) ?? true {
            do {
                try await store.touchLastSeen(userId: caller.user.id, now: now, unlessSince: now - Self.lastSeenResolution)
            } catch {
                RequestScope.logger.warning("could not record when a member was last seen", metadata: ["error": "\(error)"])
            }
        }
        return caller
    }

    static let lastSeenResolution: Int64 = 60_000

    /// `authenticate()` plus the contract's role and plan rules for what the request wants to do.
    func authorize(_ capability: Entitlements.Capability) async throws -> CallerRecord {
        let caller = try await authenticate()
        try check(caller, capability)
        return caller
    }

    /// The role and plan rules alone: for routes that name a record, which answer 404 for another
    /// clinic's before any rule is looked at.
    func check(_ caller: CallerRecord, _ capability: Entitlements.Capability) throws {
        if let denial = Entitlements.denial(plan: caller.plan, status: caller.status, role: caller.role, for: capability) {
            throw APIError(.forbidden, Entitlements.detail(denial, for: capability), code: denial.rawValue)
        }
    }

    static func randomToken(bits: SymmetricKeySize = .bits256) -> String {
        SymmetricKey(size: bits).withUnsafeBytes { Data($0) }.base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    static func sha256(_ text: String) -> String {
        SHA256.hash(data: Data(text.utf8)).map { String(format: "%02x", $0) }.joined()
    }
}

/// The sign-in throttle's keys for one try: hashes, so neither a typed email (up to the 1 MiB a
/// body may hold) nor an address is stored as sent, and every key has the same small size.
struct LoginThrottleKeys: Sendable {
    let pair: String
    let email: String
    let knownAddress: String

    init(email: String, address: String) {
        pair = AuthService.sha256("pair\n\(email)\n\(address)")
        self.email = AuthService.sha256("email\n\(email)")
        knownAddress = AuthService.sha256("known\n\(email)\n\(address)")
    }
}
