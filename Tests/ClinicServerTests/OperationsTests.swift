import ClinicStore
import Foundation
import Testing

@Suite struct OperationsTests {
    @Test(arguments: StoreKind.available)
    func test_health_readiness_andTheServedContract(kind: StoreKind) async throws {
        try await withServer(kind) { server in
            #expect(try await server.call("GET", "/healthz").status == 200)
            #expect(try await server.call("GET", "/readyz").status == 200)
            let document = try await server.call("GET", "/openapi.yaml")
            #expect(document.status == 200)
            #expect(document.text.hasPrefix("openapi:"))
            for path in ["/api/users/register", "/api/token", "/api/patients/{id}/notes/{note_id}", "/api/appointments/{id}"] {
                #expect(document.text.contains("\(path):"), "\(path) missing from the served document")
            }
        }
    }

    @Test(arguments: StoreKind.available)
    func test_readyz_is503_whenTheDatabaseIsGone(kind: StoreKind) async throws {
        let server = try await TestServer.start(kind)
        await server.store.close()
        do {
            let reply = try await server.call("GET", "/readyz")
            #expect(reply.status == 503)
            #expect(reply.isContractError)
            #expect(try await server.call("GET", "/healthz").status == 200)
        } catch {
            Issue.record(error)
        }
        await server.stop()
    }

    @Test func test_nonLoopbackWithoutSecret_isRefused_andLoopbackKeepsItsSecret() throws {
        var configuration = ServerConfigurationFixture.make()
        configuration.host = "0.0.0.0"
        #expect(throws: (any Error).self) { try configuration.resolveJWTSecret() }
        configuration.host = "127.0.0.1"
        let first = try configuration.resolveJWTSecret()
        let second = try configuration.resolveJWTSecret()
        #expect(first == second && first.utf8.count >= 32)
        let path = configuration.dataDirectory + "/jwt-secret"
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
        configuration.jwtSecret = "short"
        #expect(throws: (any Error).self) { try configuration.resolveJWTSecret() }
    }

    @Test func test_sqliteFile_isPrivate() async throws {
        let server = try await TestServer.start(.sqlite)
        let attributes = try FileManager.default.attributesOfItem(atPath: server.directory + "/clinic.sqlite")
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
        await server.stop()
    }
}

import ClinicServer

enum ServerConfigurationFixture {
    static func make() -> ServerConfiguration {
        var configuration = ServerConfiguration()
        configuration.dataDirectory = NSTemporaryDirectory() + "clinic-config-" + UUID().uuidString
        configuration.databaseURL = nil
        return configuration
    }
}

@Suite struct StartupFailureTests {
    @Test func test_aCorruptDatabaseFile_isAClearError_notACrash() async throws {
        let directory = NSTemporaryDirectory() + "clinic-corrupt-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        FileManager.default.createFile(atPath: directory + "/clinic.sqlite", contents: Data(repeating: 0x42, count: 4096))
        await #expect(throws: StoreError.self) {
            var configuration = ServerConfiguration()
            configuration.port = 0
            configuration.dataDirectory = directory
            configuration.databaseURL = "sqlite://\(directory)/clinic.sqlite"
            _ = try await ClinicServerApp.start(configuration: configuration, logger: .init(label: "test"))
        }
        await #expect(throws: StoreError.self) { _ = try await ClinicStore.open(url: "mysql://nope", logger: .init(label: "test")) }
        try? FileManager.default.removeItem(atPath: directory)
    }
}

@Suite struct SecurityHeaderTests {
    @Test(arguments: StoreKind.available)
    func test_securityHeaders_onAnswersAndErrors(kind: StoreKind) async throws {
        try await withServer(kind) { server in
            let doctor = try await server.registerDoctor()
            for reply in [try await server.call("GET", "/api/patients", token: doctor.token), try await server.call("GET", "/api/patients"),
                          try await server.call("GET", "/api/nothing")] {
                #expect(reply.header("x-content-type-options") == "nosniff")
                #expect(reply.header("x-frame-options") == "DENY")
                #expect(reply.header("cache-control") == "no-store", "patients' data is never cached")
            }
            #expect(try await server.call("GET", "/checkout/cs_local_x").header("content-security-policy")?.contains("default-src 'none'") == true)
        }
    }

    @Test(arguments: StoreKind.available)
    func test_cors_answersOnlyAllowedOrigins(kind: StoreKind) async throws {
        try await withServer(kind, configure: { $0.corsAllowedOrigins = ["https://dashboard.example.org"] }) { server in
            let preflight = try await server.call("OPTIONS", "/api/patients", headers: [
                ("Origin", "https://dashboard.example.org"), ("Access-Control-Request-Method", "GET")])
            #expect(preflight.status == 204)
            #expect(preflight.header("access-control-allow-origin") == "https://dashboard.example.org")
            #expect(preflight.header("access-control-allow-headers")?.contains("Authorization") == true)
            let other = try await server.call("GET", "/healthz", headers: [("Origin", "https://evil.example")])
            #expect(other.header("access-control-allow-origin") == nil)
            let allowed = try await server.call("GET", "/healthz", headers: [("Origin", "https://dashboard.example.org")])
            #expect(allowed.header("access-control-allow-origin") == "https://dashboard.example.org")
        }
        #expect(throws: ConfigurationError.self) {
            _ = try ServerConfiguration.fromEnvironment(["CORS_ALLOWED_ORIGINS": "*"])
        }
    }
}
