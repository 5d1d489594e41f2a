import ClinicAPI
import ClinicStore
import Foundation
import Logging
import NIOConcurrencyHelpers
import OpenAPIRuntime

/// Implements the generated `APIProtocol`; one extension per resource.
struct ClinicAPIHandler: APIProtocol {
    let store: ClinicStore
    let auth: AuthService
    let configuration: ServerConfiguration
    let webhooks: PaymentWebhooks
    let storage: any DocumentStorage
    /// The gateway that runs (nil: none configured on a public bind).
    let gatewayKind: PaymentGatewayKind?
    /// The provider's client; nil for the local gateway (this server's own checkout page) and for none.
    let gateway: (any PaymentGateway)?
    let metrics: ServerMetrics
    /// The port the server listens on, known once it does (a loopback server on port 0).
    let boundPort: NIOLockedValueBox<Int?>

    var now: Int64 { Clock.nowMillis() }

    /// Where links handed to clients point: PUBLIC_BASE_URL, or this loopback server itself.
    var linkBase: String { configuration.linkBase(boundPort: boundPort.withLockedValue { $0 }) }
}

// MARK: Operations

extension ClinicAPIHandler {
    func healthz(_ input: Operations.Healthz.Input) async throws -> Operations.Healthz.Output {
        .ok(.init(body: .json(.init(status: "ok"))))
    }

    func readyz(_ input: Operations.Readyz.Input) async throws -> Operations.Readyz.Output {
        do {
            try await store.ping()
            return .ok(.init(body: .json(.init(status: "ready"))))
        } catch {
            RequestScope.logger.warning("readiness check failed", metadata: ["error": "\(String(reflecting: type(of: error)))"])
            return .serviceUnavailable(.init(body: .json(.init(detail: "database unavailable", code: "database_unavailable"))))
        }
    }

    func openapiDocument(_ input: Operations.OpenapiDocument.Input) async throws -> Operations.OpenapiDocument.Output {
        guard let document = ContractDocument.yaml() else { throw APIError(.notFound, "OpenAPI document not bundled", code: "not_found") }
        return .ok(.init(body: .yaml(HTTPBody(document))))
    }
}

// MARK: Accounts

extension ClinicAPIHandler {
    func registerUser(_ input: Operations.RegisterUser.Input) async throws -> Operations.RegisterUser.Output {
        guard case .json(let body) = input.body else { throw APIError(.unsupportedMediaType, "expected application/json") }
        let username = body.username.trimmingCharacters(in: .whitespacesAndNewlines)
        let email = body.email.trimmingCharacters(in: .whitespacesAndNewlines)
        var validator = Validator()
        validator.check((1...100).contains(username.unicodeScalars.count) && !InputRules.hasNUL(username),
                        ["body", "username"], "username must be 1 to 100 characters, without NUL characters")
        validator.check(InputRules.isEmail(email), ["body", "email"], "value is not a valid email address")
        validator.check(body.password.count >= 8, ["body", "password"], "password must be at least 8 characters", type: "string_too_short")
        validator.check(body.password.utf8.count <= 256, ["body", "password"], "password must be at most 256 bytes", type: "string_too_long")
        let code = body.invitationCode.map(InvitationCode.normalized)
        if let code { validator.check(!code.isEmpty, ["body", "invitation_code"], InvitationCode.refusal) }
        try validator.finish()
        let hash = try await auth.hashPassword(body.password)
        let now = self.now
        let caller: CallerRecord
        if let code {
            let audit = AuditEntry(clinicId: "", at: now, actorId: nil, actorName: nil, actorRole: nil, action: AuditAction.staffJoin.rawValue,
                                   ip: RequestScope.clientAddress, status: 201)
            switch try await store.joinClinic(codeHash: InvitationCode.hash(code), username: username, email: email, passwordHash: hash,
                                              now: now, audit: audit) {
            case .joined(let joined): caller = joined
            case .invalidCode: throw APIError.invalid(["body", "invitation_code"], InvitationCode.refusal)
            case .emailTaken: throw APIError(.conflict, "An account with this email already exists", code: "email_taken")
            case .noSeat:
                throw APIError(.forbidden, "The clinic's plan has no seat left for this invitation: ask the clinic to upgrade", code: "pro_required")
            }
        } else {
            guard let created = try await store.createClinic(ownerName: username, email: email, passwordHash: hash,
                                                             trialEndsAt: now + Int64(configuration.trialDays) * 86_400_000, now: now)
            else { throw APIError(.conflict, "An account with this email already exists", code: "email_taken") }
            caller = created
        }
        RequestScope.logger.info("account registered", metadata: ["user_id": "\(caller.userId)", "clinic_id": "\(caller.clinicId)"])
        // The address an account was made from is one it signs in from.
        let keys = LoginThrottleKeys(email: ClinicStore.emailKey(email), address: RequestScope.clientAddress)
        try await store.loginSucceeded(pairKey: keys.pair, emailKey: keys.email, knownAddressKey: keys.knownAddress, now: now)
        return .created(.init(body: .json(try await auth.issueTokens(for: caller))))
    }

    func login(_ input: Operations.Login.Input) async throws -> Operations.Login.Output {
        guard case .urlEncodedForm(let form) = input.body else { throw APIError(.unsupportedMediaType, "expected a form") }
        let email = ClinicStore.emailKey(String(form.username.prefix(320)))
        let keys = LoginThrottleKeys(email: email, address: RequestScope.clientAddress)
        let now = self.now
        let policy = auth.throttle
        let user = email.utf8.count <= 254 ? try await store.user(email: email) : nil
        /// Sign-ins of an account are in its clinic's audit log; guesses at emails that are nobody's have no clinic to go in.
        func audit(_ action: AuditAction, status: Int) async throws {
            guard let user else { return }
            try await store.recordAudit(AuditEntry(clinicId: user.clinicId, at: now, actorId: user.id, actorName: user.username,
                                                   actorRole: user.role.rawValue, action: action.rawValue, ip: RequestScope.clientAddress,
                                                   status: status))
        }
        let known = try await store.isKnownLoginAddress(key: keys.knownAddress, policy: policy, now: now)
        // Counted before the (slow) password check, so parallel guesses cannot all slip under the limit.
        if let wait = try await store.reserveLoginAttempt(pairKey: keys.pair, emailKey: keys.email, fromKnownAddress: known,
                                                          policy: policy, now: now) {
            // Not logged: no password was checked, and an append-only log must not be fillable at the
            // rate limit's pace by anyone who knows an email (the tries that were checked are logged).
            let seconds = String((wait + 999) / 1000)
            throw APIError(.tooManyRequests, "Too many failed sign-ins: try again in \(seconds) seconds", code: "too_many_attempts",
                           headers: [.retryAfter: seconds])
        }
        let matches = try await auth.verifyPassword(String(form.password.prefix(256)), hash: user?.passwordHash ?? auth.decoyHash)
        guard let user, matches else {
            try await audit(.signinFailure, status: 401)
            throw APIError(.unauthorized, "Incorrect email or password", code: "invalid_credentials", headers: [.wwwAuthenticate: "Bearer"])
        }
        guard user.active else {
            try await audit(.signinFailure, status: 401)
            throw AuthService.deactivated
        }
        try await store.loginSucceeded(pairKey: keys.pair, emailKey: keys.email, knownAddressKey: keys.knownAddress, now: self.now)
        guard let caller = try await store.caller(userId: user.id, now: self.now) else { throw APIError.unauthorized }
        try await audit(.signinSuccess, status: 200)
        return .ok(.init(body: .json(try await auth.issueTokens(for: caller))))
    }

    func refreshToken(_ input: Operations.RefreshToken.Input) async throws -> Operations.RefreshToken.Output {
        guard case .json(let body) = input.body else { throw APIError(.unsupportedMediaType, "expected application/json") }
        let refused = APIError(.unauthorized, "Refresh token is invalid, expired or already used", code: "invalid_refresh_token",
                               headers: [.wwwAuthenticate: "Bearer"])
        guard body.refreshToken.utf8.count <= 512 else { throw refused }
        switch try await store.consumeRefreshToken(hash: AuthService.sha256(body.refreshToken), now: now) {
        case .valid(let userId, let family):
            guard let caller = try await store.caller(userId: userId, now: now), caller.user.active else { throw refused }
            return .ok(.init(body: .json(try await auth.issueTokens(for: caller, family: family))))
        case .reused:
            RequestScope.logger.warning("spent refresh token presented again: its family is revoked")
            throw refused
        case .invalid:
            throw refused
        }
    }

    func revokeToken(_ input: Operations.RevokeToken.Input) async throws -> Operations.RevokeToken.Output {
        guard case .json(let body) = input.body else { throw APIError(.unsupportedMediaType, "expected application/json") }
        if body.refreshToken.utf8.count <= 512 {
            try await store.revokeRefreshTokenFamily(hash: AuthService.sha256(body.refreshToken), now: now)
        }
        return .noContent(.init())
    }

    func getCurrentUser(_ input: Operations.GetCurrentUser.Input) async throws -> Operations.GetCurrentUser.Output {
        .ok(.init(body: .json(.init(try await auth.authenticate()))))
    }

    /// The role and plan rules of an operation (from `OperationPolicy`) for this caller.
    func allow(_ caller: CallerRecord, _ operationId: String) throws {
        if let capability = OperationPolicy.of(operationId).capability { try auth.check(caller, capability) }
    }
}
