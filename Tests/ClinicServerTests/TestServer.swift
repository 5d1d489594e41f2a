import ClinicClient
import ClinicHTTP
import ClinicServer
import ClinicStore
import Foundation
import Logging
import Testing

/// The two databases every HTTP-level test runs against.
enum StoreKind: String, CaseIterable, CustomTestStringConvertible, Sendable {
    case sqlite
    case postgres

    var testDescription: String { rawValue }

    /// SQLite always; PostgreSQL when `make test` started a cluster (CLINIC_TEST_POSTGRES_URL).
    /// With CLINIC_REQUIRE_POSTGRES=1 a missing cluster fails the tests instead of skipping them;
    /// without either, the PostgreSQL half is left out and said so, loudly, once.
    static let available: [StoreKind] = {
        let environment = ProcessInfo.processInfo.environment
        if environment["CLINIC_TEST_POSTGRES_URL"] != nil || environment["CLINIC_REQUIRE_POSTGRES"] == "1" {
            return [.sqlite, .postgres]
        }
        FileHandle.standardError.write(Data("""

            ⚠ PostgreSQL is not available (no CLINIC_TEST_POSTGRES_URL): every HTTP test runs on SQLite only and the
              PostgreSQL-only tests are skipped. `make test` runs both (scripts/with-postgres.sh swift test).

            """.utf8))
        return [.sqlite]
    }()

    static var postgresAvailable: Bool { available.contains(.postgres) }
}

struct TestFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// A PostgreSQL database of a test's own in the test cluster (for a test that changes what every
/// other test relies on: migration rows, say), dropped afterwards.
struct OwnPostgresDatabase: Sendable {
    let url: String
    let name: String
    let shared: String

    static func create() async throws -> OwnPostgresDatabase {
        guard let shared = ProcessInfo.processInfo.environment["CLINIC_TEST_POSTGRES_URL"] else {
            throw TestFailure("CLINIC_TEST_POSTGRES_URL is not set: run the tests with `make test`")
        }
        let name = "clinic_own_" + UUID().uuidString.prefix(8).lowercased()
        let admin = try PostgresDatabase(url: shared, logger: Logger(label: "test"))
        try await admin.query("CREATE DATABASE \(name)", [])
        await admin.close()
        let url = String(shared[..<(shared.lastIndex(of: "/") ?? shared.endIndex)]) + "/" + name
        return OwnPostgresDatabase(url: url, name: name, shared: shared)
    }

    func drop() async {
        guard let admin = try? PostgresDatabase(url: shared, logger: Logger(label: "test")) else { return }
        _ = try? await admin.query("DROP DATABASE \(name) WITH (FORCE)", [])
        await admin.close()
    }
}

/// A real server in this process on a free loopback port, and a libcurl client for it.
struct TestServer: Sendable {
    let running: RunningServer
    /// A long timeout: the whole suite runs at once on two cores, and these tests check answers, not speed.
    let http: CurlHTTPClient = {
        var options = CurlHTTPClient.Options()
        options.timeout = .seconds(120)
        return CurlHTTPClient(options: options)
    }()
    let directory: String

    var store: ClinicStore { running.store }
    var baseURL: String { running.baseURL }

    /// `logger`: where the server logs (a test that reads its warnings); by default nothing below critical.
    static func start(_ kind: StoreKind, configure: (inout ServerConfiguration) -> Void = { _ in },
                      logger given: Logger? = nil) async throws -> TestServer {
        var configuration = ServerConfiguration()
        configuration.port = 0
        configuration.bcryptCost = 4
        let directory = NSTemporaryDirectory() + "clinic-test-" + UUID().uuidString
        configuration.dataDirectory = directory
        switch kind {
        case .sqlite:
            configuration.databaseURL = "sqlite://\(directory)/clinic.sqlite"
        case .postgres:
            guard let url = ProcessInfo.processInfo.environment["CLINIC_TEST_POSTGRES_URL"] else {
                throw TestFailure("CLINIC_TEST_POSTGRES_URL is not set: run the tests with `make test`")
            }
            configuration.databaseURL = url
        }
        configure(&configuration)
        var logger = Logger(label: "clinic-test")
        logger.logLevel = .critical
        if let given { logger = given }
        let running = try await ClinicServerApp.start(configuration: configuration, logger: logger)
        return TestServer(running: running, directory: directory)
    }

    func stop() async {
        await running.stop()
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// Sends a request; `json` is encoded with JSONSerialization, `raw` goes as it is.
    @discardableResult
    func call(_ method: String, _ path: String, token: String? = nil, json: Any? = nil, raw: Data? = nil,
              contentType: String? = nil, headers: [(String, String)] = []) async throws -> Reply {
        var allHeaders = headers
        var body = raw
        if let json {
            body = try JSONSerialization.data(withJSONObject: json)
            allHeaders.append(("Content-Type", contentType ?? "application/json"))
        } else if let contentType {
            allHeaders.append(("Content-Type", contentType))
        }
        if let token { allHeaders.append(("Authorization", "Bearer \(token)")) }
        let response = try await http.send(.init(method: method, url: baseURL + path, headers: allHeaders, body: body))
        return Reply(response: response)
    }

    func form(_ path: String, _ fields: [(String, String)]) async throws -> Reply {
        let allowed = CharacterSet.alphanumerics.union(CharacterSet(charactersIn: "-._~"))
        let body = fields.map { "\($0.0)=\($0.1.addingPercentEncoding(withAllowedCharacters: allowed) ?? "")" }.joined(separator: "&")
        return try await call("POST", path, raw: Data(body.utf8), contentType: "application/x-www-form-urlencoded")
    }

    /// Registers a new doctor with a unique email.
    func registerDoctor(name: String = "Dr Test", password: String = "correct horse") async throws -> Doctor {
        let email = "doctor-\(UUID().uuidString.prefix(12))@example.org"
        let reply = try await call("POST", "/api/users/register", json: ["username": name, "email": email, "password": password])
        guard reply.status == 201 else { throw TestFailure("register answered \(reply.status): \(reply.text)") }
        let object = try reply.object()
        let user = object["user"] as? [String: Any] ?? [:]
        return Doctor(id: user["id"] as? String ?? "", email: email, password: password,
                      token: object["access_token"] as? String ?? "", refreshToken: object["refresh_token"] as? String ?? "")
    }

    /// A member of the owner's clinic, the way a person joins: the owner invites, they register with the code.
    func invite(_ owner: Doctor, role: String, name: String = "Staff Member") async throws -> Doctor {
        let email = "\(role)-\(UUID().uuidString.prefix(12))@example.org"
        let invitation = try await call("POST", "/api/clinic/invitations", token: owner.token, json: ["email": email, "role": role])
        guard invitation.status == 201, let code = try invitation.object()["code"] as? String else {
            throw TestFailure("invitation answered \(invitation.status): \(invitation.text)")
        }
        let reply = try await call("POST", "/api/users/register",
                                   json: ["username": name, "email": email, "password": "correct horse", "invitation_code": code])
        guard reply.status == 201 else { throw TestFailure("register with a code answered \(reply.status): \(reply.text)") }
        let object = try reply.object()
        let user = object["user"] as? [String: Any] ?? [:]
        return Doctor(id: user["id"] as? String ?? "", email: email, password: "correct horse",
                      token: object["access_token"] as? String ?? "", refreshToken: object["refresh_token"] as? String ?? "")
    }

    /// A Pro clinic with its owner, a second doctor and a front desk: the v2 tests' usual cast.
    func proClinic(owner: String, doctor: String, desk: String) async throws -> (owner: Doctor, doctor: Doctor, desk: Doctor) {
        let first = try await registerDoctor(name: owner)
        try await makePro(first)
        return (first, try await invite(first, role: "doctor", name: doctor), try await invite(first, role: "front_desk", name: desk))
    }

    /// The clinic of a founder (its id is theirs) made Pro and active, so seats and Pro features are open.
    func makePro(_ owner: Doctor) async throws {
        try await store.setSubscription(clinicId: owner.id, plan: "pro", status: "active", trialEndsAt: nil, now: Clock.nowMillis())
    }

    func createPatient(_ doctor: Doctor, _ fields: [String: Any]) async throws -> [String: Any] {
        let reply = try await call("POST", "/api/patients", token: doctor.token, json: fields)
        guard reply.status == 201 else { throw TestFailure("create patient answered \(reply.status): \(reply.text)") }
        return try reply.object()
    }
}

struct Doctor: Sendable {
    var id: String
    var email: String
    var password: String
    var token: String
    var refreshToken: String
}

struct Reply: Sendable {
    let response: HTTPExchange.Response

    var status: Int { response.status }
    var text: String { String(decoding: response.body, as: UTF8.self) }

    func object() throws -> [String: Any] {
        guard let object = try JSONSerialization.jsonObject(with: response.body) as? [String: Any] else {
            throw TestFailure("not a JSON object: \(text)")
        }
        return object
    }

    /// The items of a list answer; an answer without them (an error, say) fails the test, it is not an empty list.
    func items() throws -> [[String: Any]] {
        guard status == 200, let items = try object()["items"] as? [[String: Any]] else {
            throw TestFailure("not a list answer (\(status)): \(text.prefix(200))")
        }
        return items
    }

    func header(_ name: String) -> String? { response.header(name) }

    /// The contract's error shape: `detail` is a string (or FastAPI's 422 list).
    var isContractError: Bool {
        guard let object = try? object() else { return false }
        if let detail = object["detail"] as? String { return !detail.isEmpty }
        if let detail = object["detail"] as? [[String: Any]] {
            return !detail.isEmpty && detail.allSatisfy { $0["loc"] is [Any] && $0["msg"] is String && $0["type"] is String }
        }
        return false
    }
}

/// Starts a server for one test and always stops it.
func withServer(_ kind: StoreKind, configure: (inout ServerConfiguration) -> Void = { _ in }, logger: Logger? = nil,
                _ body: (TestServer) async throws -> Void) async throws {
    let server = try await TestServer.start(kind, configure: configure, logger: logger)
    do {
        try await body(server)
    } catch {
        await server.stop()
        throw error
    }
    await server.stop()
}

/// Runs `body`, then `cleanup`, awaited, whether or not `body` throws.
func withCleanup(_ cleanup: () async -> Void, _ body: () async throws -> Void) async throws {
    do {
        try await body()
    } catch {
        await cleanup()
        throw error
    }
    await cleanup()
}

/// What a server logged, kept for a test to read (its warnings, say).
final class CapturedLog: @unchecked Sendable {
    private let lock = NSLock()
    private var entries: [(level: Logger.Level, message: String)] = []

    /// A logger that keeps everything at `level` and above here.
    func logger(level: Logger.Level = .notice) -> Logger {
        var logger = Logger(label: "clinic-test") { _ in CapturingLogHandler(sink: self) }
        logger.logLevel = level
        return logger
    }

    func append(_ level: Logger.Level, _ message: String) {
        lock.lock()
        defer { lock.unlock() }
        entries.append((level, message))
    }

    /// The messages logged at `level` or above.
    func messages(atLeast level: Logger.Level) -> [String] {
        lock.lock()
        defer { lock.unlock() }
        return entries.filter { $0.level >= level }.map(\.message)
    }
}

struct CapturingLogHandler: LogHandler {
    let sink: CapturedLog
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .notice

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        sink.append(event.level, event.message.description)
    }
}
