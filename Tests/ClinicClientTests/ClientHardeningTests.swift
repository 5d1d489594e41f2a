import ClinicAPI
import ClinicClient
import ClinicHTTP
import Foundation
import Testing

/// What a server (or anything posing as one) can make the terminal client do: fetch only over
/// http(s), read only so much, and sign out for real (issue 15, items 13 and 14).
@Suite struct ClientHardeningTests {
    static func session(_ base: String) -> StoredSession {
        let user = Components.Schemas.User(id: "65f1a2b3c4d5e6f708192a3b", username: "Dr S", email: "s@example.org", plan: .pro,
                                           status: .active, trialEndsAt: nil, createdAt: Date(timeIntervalSince1970: 1_790_000_000))
        return StoredSession(server: base, accessToken: "access", refreshToken: "refresh-token-1", user: user)
    }

    @Test func test_aDownloadLink_toAFileURL_isNotFetched() async throws {
        for link in ["file:///etc/passwd", "gopher://example.org/x", "dict://127.0.0.1:11211/stats", "ftp://example.org/a.pdf"] {
            let server = try FakeServer(routes: [
                "/api/documents/0123456789abcdef01234567/download-url": .respond(status: 200, body: #"{"url":"\#(link)","expires_at":"2030-01-01T00:00:00Z"}"#),
            ])
            defer { server.stop() }
            let base = "http://127.0.0.1:\(server.port)"
            let client = makeClient(base, session: Self.session(base))
            let folder = NSTemporaryDirectory() + "clinic-scheme-\(UUID().uuidString)"
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(atPath: folder) }
            let refused = await failure {
                _ = try await client.downloadDocument(id: "0123456789abcdef01234567", fileName: "passwd", folder: folder) { _, _ in }
            }
            #expect(refused != nil, "\(link)")
            #expect(try FileManager.default.contentsOfDirectory(atPath: folder).isEmpty, "\(link): nothing written")
        }
        let http = CurlHTTPClient()
        await #expect(throws: TransportError.unsupportedScheme("file")) { _ = try await http.send(.init(method: "GET", url: "file:///etc/passwd")) }
    }

    @Test func test_anAnswerLargerThanTheCap_isStopped() async throws {
        let big = "[" + String(repeating: "\"xxxxxxxxxxxxxxxx\",", count: 600_000) + "\"end\"]"  // about 11.4 MB
        let server = try FakeServer(routes: ["/big": .respond(status: 200, body: big)])
        defer { server.stop() }
        let http = CurlHTTPClient()
        await #expect(throws: TransportError.tooLarge(limit: HTTPExchange.Request.defaultMaximumResponseBytes)) {
            _ = try await http.send(.init(method: "GET", url: "http://127.0.0.1:\(server.port)/big"))
        }
        let allowed = try await http.send(.init(method: "GET", url: "http://127.0.0.1:\(server.port)/big", maximumResponseBytes: 16 << 20))
        #expect(allowed.body.count == big.utf8.count)
    }

    @Test func test_aDownloadOverItsCap_leavesNoHalfFile() async throws {
        let server = try FakeServer(routes: ["/f": .respond(status: 200, body: String(repeating: "d", count: 5000))])
        defer { server.stop() }
        let path = NSTemporaryDirectory() + "clinic-half-\(UUID().uuidString)"
        await #expect(throws: TransportError.tooLarge(limit: 1000)) {
            _ = try await CurlHTTPClient().send(.init(method: "GET", url: "http://127.0.0.1:\(server.port)/f", maximumResponseBytes: 1000,
                                                      responseFile: path))
        }
        #expect(!FileManager.default.fileExists(atPath: path))
    }

    @Test func test_logout_revokesTheRefreshTokenOnTheServer() async throws {
        try await withRunningServer { server in
            let client = makeClient(server.baseURL)
            _ = try await client.register(name: "Dr Leaving", email: "leaving-\(UUID().uuidString.prefix(8))@example.org", password: "password1")
            let fileDirectory = NSTemporaryDirectory() + "clinic-logout-\(UUID().uuidString)"
            defer { try? FileManager.default.removeItem(atPath: fileDirectory) }
            let refreshToken = try #require(await client.storedRefreshToken)
            await client.logout()
            let refresh = try await CurlHTTPClient().send(.init(method: "POST", url: server.baseURL + "/api/token/refresh",
                                                                headers: [("Content-Type", "application/json")],
                                                                body: try JSONSerialization.data(withJSONObject: ["refresh_token": refreshToken])))
            #expect(refresh.status == 401, "the token no longer works anywhere")
            #expect(await client.storedRefreshToken == nil)
        }
    }

    @Test func test_logout_againstAV1Server_withoutRevocation_stillSignsOutHere() async throws {
        let server = try FakeServer(routes: [:])  // every path 404, as FastAPI has no /api/token/revoke
        defer { server.stop() }
        let base = "http://127.0.0.1:\(server.port)"
        let client = makeClient(base, session: Self.session(base))
        await client.logout()
        #expect(await client.storedRefreshToken == nil)
        #expect(server.requests.contains { $0.hasPrefix("POST /api/token/revoke") })
    }
}
