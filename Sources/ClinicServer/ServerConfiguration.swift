import ClinicStore
import Crypto
import Foundation

/// Everything the server is told by its environment (names from the contract) or flags.
public struct ServerConfiguration: Sendable {
    public var host: String = "127.0.0.1"
    public var port: Int = 8080
    /// `sqlite:///path/file.sqlite` or `postgres://…`; nil means the SQLite file in `dataDirectory`.
    public var databaseURL: String?
    /// HS256 key for access tokens; nil means generate one and keep it beside the database (loopback only).
    public var jwtSecret: String?
    public var dataDirectory: String = ServerConfiguration.defaultDataDirectory()
    public var publicBaseURL: String?
    public var accessTokenSeconds: Int = 900
    public var refreshTokenSeconds: Int = 30 * 24 * 3600
    public var trialDays: Int = 90
    public var bcryptCost: UInt8 = 12
    /// How failed sign-ins slow further tries (per email and address, and per email).
    public var loginThrottle = LoginThrottlePolicy()
    public var trialSweepSeconds: Int = 3600
    /// Reads of a patient's data are audited. Off only for the benchmark that measures what the
    /// audit costs (CLINIC_BENCHMARK_WITHOUT_READ_AUDIT=1), and never off loopback.
    public var auditReads = true
    /// The patient list's own JSON writer (`PatientListFastPath`); off, every list goes through the
    /// generated route (the differential tests compare the two).
    public var patientListFastPath = true
    /// A connection that sends no complete request for this long is closed (slow or idle clients).
    public var idleTimeoutSeconds: Int = 30
    public var logLevel: String = "info"
    /// The gateway as configured (PAYMENT_GATEWAY); nil means the default: `local` on a loopback
    /// bind, none elsewhere (see `effectivePaymentGateway`).
    public var paymentGateway: PaymentGatewayKind?
    public var stripeWebhookSecret: String?
    public var razorpayWebhookSecret: String?
    /// Stripe's REST API: the secret key, the recurring price Pro is sold at, and the base URL
    /// (https://api.stripe.com; a local fake in tests).
    public var stripeSecretKey: String?
    public var stripePriceID: String?
    public var stripeAPIBase = "https://api.stripe.com"
    /// Razorpay's REST API: key id and secret, and the base URL (https://api.razorpay.com).
    public var razorpayKeyID: String?
    public var razorpayKeySecret: String?
    public var razorpayAPIBase = "https://api.razorpay.com"
    /// Pro's price in minor units (cents) and its currency, shown by `/api/plans`.
    public var proPriceMinor: Int = 2900
    public var currency: String = "USD"
    /// `file:///path` (default: `documents/` in the data directory).
    public var storageURL: String?
    /// For gs:// storage: the service account key file, and the API's address (an emulator's in tests).
    public var googleCredentialsPath: String?
    public var gcsEndpoint = "https://storage.googleapis.com"
    /// `/metrics`: with a token, served to `Authorization: Bearer <token>` only; without one, served
    /// only on a loopback bind (off on public binds).
    public var metricsToken: String?
    /// Requests a minute per client address (0: no limit); loopback clients are exempt unless
    /// `rateLimitLoopback`. Behind a proxy set `trustProxy` to take the address from X-Forwarded-For.
    public var rateLimitPerMinute = 1200
    public var rateLimitLoopback = false
    public var trustProxy = false
    /// Origins allowed to call the API from a browser (the future web dashboard); none by default.
    public var corsAllowedOrigins: [String] = []

    public init() {}

    /// Reads the contract's variables (and a few of our own, prefixed CLINIC_ or named after what they set).
    public static func fromEnvironment(_ environment: [String: String] = ProcessInfo.processInfo.environment) throws -> ServerConfiguration {
        var configuration = ServerConfiguration()
        if let host = environment["HOST"], !host.isEmpty { configuration.host = host }
        if let port = environment["PORT"], !port.isEmpty {
            guard let value = Int(port), (0...65535).contains(value) else { throw ConfigurationError("PORT must be a number from 0 to 65535, got '\(port)'") }
            configuration.port = value
        }
        if let url = environment["DATABASE_URL"], !url.isEmpty { configuration.databaseURL = url }
        if let secret = environment["JWT_SECRET"], !secret.isEmpty { configuration.jwtSecret = secret }
        if let directory = environment["CLINIC_DATA_DIR"], !directory.isEmpty { configuration.dataDirectory = directory }
        if let base = environment["PUBLIC_BASE_URL"], !base.isEmpty { configuration.publicBaseURL = base }
        if let cost = environment["BCRYPT_COST"], !cost.isEmpty {
            guard let value = UInt8(cost), (4...31).contains(value) else { throw ConfigurationError("BCRYPT_COST must be 4 to 31") }
            configuration.bcryptCost = value
        }
        if let level = environment["LOG_LEVEL"], !level.isEmpty { configuration.logLevel = level }
        if let gateway = environment["PAYMENT_GATEWAY"], !gateway.isEmpty {
            guard let kind = PaymentGatewayKind(rawValue: gateway) else {
                throw ConfigurationError("PAYMENT_GATEWAY must be local, stripe or razorpay, got '\(gateway)'")
            }
            configuration.paymentGateway = kind
        }
        if let secret = environment["STRIPE_WEBHOOK_SECRET"], !secret.isEmpty { configuration.stripeWebhookSecret = secret }
        if let secret = environment["RAZORPAY_WEBHOOK_SECRET"], !secret.isEmpty { configuration.razorpayWebhookSecret = secret }
        if let key = environment["STRIPE_SECRET_KEY"], !key.isEmpty { configuration.stripeSecretKey = key }
        if let price = environment["STRIPE_PRICE_ID"], !price.isEmpty { configuration.stripePriceID = price }
        if let base = environment["STRIPE_API_BASE"], !base.isEmpty { configuration.stripeAPIBase = base.trimmingCharacters(in: CharacterSet(charactersIn: "/")) }
        if let key = environment["RAZORPAY_KEY_ID"], !key.isEmpty { configuration.razorpayKeyID = key }
        if let secret = environment["RAZORPAY_KEY_SECRET"], !secret.isEmpty { configuration.razorpayKeySecret = secret }
        if let base = environment["RAZORPAY_API_BASE"], !base.isEmpty {
            configuration.razorpayAPIBase = base.trimmingCharacters(in: CharacterSet(charactersIn: "/"))
        }
        if let price = environment["PRO_PRICE_MINOR"], !price.isEmpty {
            guard let value = Int(price), value > 0 else { throw ConfigurationError("PRO_PRICE_MINOR must be a positive whole number") }
            configuration.proPriceMinor = value
        }
        if let currency = environment["CURRENCY"], !currency.isEmpty { configuration.currency = currency.uppercased() }
        if let token = environment["METRICS_TOKEN"], !token.isEmpty {
            guard token.utf8.count >= 16 else { throw ConfigurationError("METRICS_TOKEN must be at least 16 characters") }
            configuration.metricsToken = token
        }
        if let limit = environment["RATE_LIMIT_PER_MINUTE"], !limit.isEmpty {
            guard let value = Int(limit), value >= 0 else { throw ConfigurationError("RATE_LIMIT_PER_MINUTE must be a whole number (0 turns it off)") }
            configuration.rateLimitPerMinute = value
        }
        if let seconds = environment["ACCESS_TOKEN_SECONDS"], !seconds.isEmpty {
            // Short lifetimes are for tests of the refresh path; a day is the most a stolen token should buy.
            guard let value = Int(seconds), (5...86_400).contains(value) else {
                throw ConfigurationError("ACCESS_TOKEN_SECONDS must be a whole number from 5 to 86400")
            }
            configuration.accessTokenSeconds = value
        }
        if let seconds = environment["IDLE_TIMEOUT_SECONDS"], !seconds.isEmpty {
            guard let value = Int(seconds), (1...3600).contains(value) else {
                throw ConfigurationError("IDLE_TIMEOUT_SECONDS must be a whole number from 1 to 3600")
            }
            configuration.idleTimeoutSeconds = value
        }
        if environment["CLINIC_BENCHMARK_WITHOUT_READ_AUDIT"] == "1" { configuration.auditReads = false }
        if environment["CLINIC_BENCHMARK_GENERATED_PATIENT_LIST"] == "1" { configuration.patientListFastPath = false }
        if let trust = environment["TRUST_PROXY"], !trust.isEmpty { configuration.trustProxy = ["1", "true", "yes"].contains(trust.lowercased()) }
        if let storage = environment["STORAGE_URL"], !storage.isEmpty { configuration.storageURL = storage }
        if let path = environment["GOOGLE_APPLICATION_CREDENTIALS"], !path.isEmpty { configuration.googleCredentialsPath = path }
        // Google's client libraries read STORAGE_EMULATOR_HOST; GCS_ENDPOINT is ours. Either points at an emulator.
        if let host = environment["GCS_ENDPOINT"] ?? environment["STORAGE_EMULATOR_HOST"], !host.isEmpty {
            configuration.gcsEndpoint = host.hasPrefix("http") ? host : "http://" + host
        }
        if configuration.storageURL?.hasPrefix("gs://") == true {
            guard configuration.gcsBucket != nil else { throw ConfigurationError("STORAGE_URL=gs:// needs a bucket: gs://my-bucket") }
            guard let path = configuration.googleCredentialsPath else {
                throw ConfigurationError("STORAGE_URL=gs://… needs GOOGLE_APPLICATION_CREDENTIALS (a service account key file)")
            }
            _ = try ServiceAccount.load(path: path)
        }
        if let origins = environment["CORS_ALLOWED_ORIGINS"], !origins.isEmpty {
            configuration.corsAllowedOrigins = origins.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            for origin in configuration.corsAllowedOrigins where !(origin.hasPrefix("https://") || origin.hasPrefix("http://")) || origin.hasSuffix("/") {
                throw ConfigurationError("CORS_ALLOWED_ORIGINS takes origins like https://dashboard.example.org, got '\(origin)'")
            }
        }
        try configuration.checkGateway()
        try configuration.checkPublicBind()
        return configuration
    }

    public static func defaultDataDirectory() -> String {
        let environment = ProcessInfo.processInfo.environment
        if let xdg = environment["XDG_DATA_HOME"], !xdg.isEmpty { return xdg + "/clinic-os-lite" }
        return (environment["HOME"] ?? NSTemporaryDirectory()) + "/.local/share/clinic-os-lite"
    }

    public var resolvedDatabaseURL: String {
        databaseURL ?? "sqlite://" + dataDirectory + "/clinic.sqlite"
    }

    public var isLoopback: Bool {
        host == "127.0.0.1" || host == "::1" || host == "localhost" || host.hasPrefix("127.")
    }

    /// The gateway that runs: the configured one, else the local checkout on a loopback bind only
    /// (on a public bind it would hand out Pro to anyone who can reach the server).
    public var effectivePaymentGateway: PaymentGatewayKind? {
        paymentGateway ?? (isLoopback ? .local : nil)
    }

    /// The origin every link the server hands out is built from: PUBLIC_BASE_URL (required off
    /// loopback), else this loopback server's own address. Never the client's Host header, which
    /// anyone can set.
    public func linkBase(boundPort: Int?) -> String {
        if let publicBaseURL { return publicBaseURL.trimmingCharacters(in: CharacterSet(charactersIn: "/")) }
        let shownHost = host.contains(":") ? "[\(host)]" : host
        return "http://\(shownHost):\(boundPort ?? port)"
    }

    /// What a public bind needs that loopback can do without: a base URL for links, and webhook
    /// secrets long enough not to be guessed. Checked before anything binds.
    public func checkPublicBind() throws {
        if let publicBaseURL {
            guard let url = URL(string: publicBaseURL), url.scheme == "https" || url.scheme == "http", url.host?.isEmpty == false,
                  url.query == nil
            else { throw ConfigurationError("PUBLIC_BASE_URL must be an http(s) URL such as https://clinic.example.org, got '\(publicBaseURL)'") }
        }
        guard !isLoopback else { return }
        guard auditReads else {
            throw ConfigurationError("CLINIC_BENCHMARK_WITHOUT_READ_AUDIT is for benchmarks on loopback only: every read of a patient's record is audited")
        }
        guard publicBaseURL != nil else {
            throw ConfigurationError("PUBLIC_BASE_URL is not set: on \(host) download and checkout links need the address clients use (https://…)")
        }
        for (name, secret) in [("STRIPE_WEBHOOK_SECRET", stripeWebhookSecret), ("RAZORPAY_WEBHOOK_SECRET", razorpayWebhookSecret)] {
            if let secret, secret.utf8.count < 32 {
                throw ConfigurationError("\(name) must be at least 32 bytes long off loopback (it is all that proves a payment)")
            }
        }
    }

    /// The folder documents are kept in (file://), or for gs:// the folder uploads are staged in.
    public func resolvedStorageDirectory() throws -> String {
        guard let storageURL else { return dataDirectory + "/documents" }
        if storageURL.hasPrefix("file://") {
            let path = String(storageURL.dropFirst("file://".count))
            guard path.hasPrefix("/") else { throw ConfigurationError("STORAGE_URL file URLs take an absolute path: file:///path") }
            return path
        }
        if gcsBucket != nil { return NSTemporaryDirectory() + "clinic-uploads" }
        throw ConfigurationError("STORAGE_URL must be file:///path or gs://bucket, got '\(storageURL)'")
    }

    /// The bucket of a gs:// STORAGE_URL.
    public var gcsBucket: String? {
        guard let storageURL, storageURL.hasPrefix("gs://") else { return nil }
        let bucket = String(storageURL.dropFirst("gs://".count)).trimmingCharacters(in: CharacterSet(charactersIn: "/"))
        return bucket.isEmpty ? nil : bucket
    }

    /// The Stripe-format webhook secret: given, or for the local gateway generated once and kept
    /// beside the JWT secret (the local checkout signs its events with it).
    public func resolveStripeWebhookSecret() throws -> String {
        if let stripeWebhookSecret { return stripeWebhookSecret }
        return try keptSecret(named: "webhook-secret", purpose: "STRIPE_WEBHOOK_SECRET")
    }

    /// The signing key: given, or (on loopback only) generated once and kept with mode 0600
    /// beside the SQLite file, so tokens survive restarts.
    public func resolveJWTSecret() throws -> String {
        if let jwtSecret {
            guard jwtSecret.utf8.count >= 32 else { throw ConfigurationError("JWT_SECRET must be at least 32 bytes long") }
            return jwtSecret
        }
        return try keptSecret(named: "jwt-secret", purpose: "JWT_SECRET")
    }

    /// A secret generated once and kept beside the SQLite file; loopback only.
    func keptSecret(named name: String, purpose: String) throws -> String {
        guard isLoopback else {
            throw ConfigurationError("\(purpose) is not set: refusing to serve on \(host) without it (set \(purpose) to 32+ random bytes)")
        }
        var directory = dataDirectory
        let url = resolvedDatabaseURL
        if url.hasPrefix("sqlite://") {
            directory = (String(url.dropFirst("sqlite://".count)) as NSString).deletingLastPathComponent
        }
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        return try KeptSecretFile(path: directory + "/" + name, purpose: purpose).loadOrCreate()
    }
}

/// A configuration mistake, told in one line before anything binds or opens.
extension ServerConfiguration {
    /// A gateway without the secrets it needs is refused at start, before the port is bound.
    public func checkGateway() throws {
        func missing(_ names: [(String, String?)]) -> [String] { names.filter { $0.1 == nil }.map(\.0) }
        let needed: [String]
        switch effectivePaymentGateway {
        case .stripe:
            needed = missing([("STRIPE_SECRET_KEY", stripeSecretKey), ("STRIPE_PRICE_ID", stripePriceID),
                              ("STRIPE_WEBHOOK_SECRET", stripeWebhookSecret)])
        case .razorpay:
            needed = missing([("RAZORPAY_KEY_ID", razorpayKeyID), ("RAZORPAY_KEY_SECRET", razorpayKeySecret),
                              ("RAZORPAY_WEBHOOK_SECRET", razorpayWebhookSecret)])
        default:
            needed = []
        }
        if !needed.isEmpty {
            throw ConfigurationError("PAYMENT_GATEWAY=\(effectivePaymentGateway?.rawValue ?? "") needs " + needed.joined(separator: ", "))
        }
    }
}

public struct ConfigurationError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// The payment gateways the server can run.
public enum PaymentGatewayKind: String, Sendable, CaseIterable {
    /// Checkout served by this server (development, demos, a staging demo when set explicitly).
    case local
    case stripe
    case razorpay
}
