import ClinicAPI
import ClinicClient
import ClinicHTTP
import ClinicServer
import Foundation
import Logging
import Testing

/// Our server, in this process on a free loopback port.
func startServer(_ configure: (inout ServerConfiguration) -> Void = { _ in }) async throws -> RunningServer {
    var configuration = ServerConfiguration()
    configuration.port = 0
    configuration.bcryptCost = 4
    let directory = NSTemporaryDirectory() + "clinic-client-test-" + UUID().uuidString
    configuration.dataDirectory = directory
    configuration.databaseURL = "sqlite://\(directory)/clinic.sqlite"
    configure(&configuration)
    var logger = Logger(label: "test")
    logger.logLevel = .critical
    return try await ClinicServerApp.start(configuration: configuration, logger: logger)
}

/// The client's own default timeout (30 s) unless a test needs a short one: with every suite running
/// at once on two cores in a debug build, a first request once took over 10 s on a fresh machine.
/// Runs `body` against a real server and always stops it, awaited (never a stop left running in a
/// detached task while the next test starts).
func withRunningServer(configure: (inout ServerConfiguration) -> Void = { _ in }, _ body: (RunningServer) async throws -> Void) async throws {
    let server = try await startServer(configure)
    do {
        try await body(server)
    } catch {
        await server.stop()
        throw error
    }
    await server.stop()
}

func makeClient(_ base: String, session: StoredSession? = nil, file: SessionFile? = nil,
                timeout: Duration = CurlHTTPClient.Options().timeout) -> ClinicAPIClient {
    var options = CurlHTTPClient.Options()
    options.timeout = timeout
    return ClinicAPIClient(serverURL: URL(string: base)!, http: CurlHTTPClient(options: options), session: session, sessionFile: file)
}

func failure(_ body: () async throws -> Void) async -> APIFailure? {
    do {
        try await body()
        return nil
    } catch {
        return error as? APIFailure
    }
}

@Suite struct APIClientTests {
    @Test func test_registerLoginAndCRUD_throughTheGeneratedClientOverLibcurl() async throws {
        try await withRunningServer { server in
            let sessionPath = NSTemporaryDirectory() + "session-\(UUID().uuidString).json"
            let client = makeClient(server.baseURL, file: SessionFile(path: sessionPath))
            let user = try await client.register(name: "Dr Ana", email: "ana-\(UUID().uuidString.prefix(8))@example.org", password: "password1")
            #expect(user.plan == .basic && user.status == .trialing)
            // The session file keeps tokens and the plan, readable by its owner only.
            let attributes = try FileManager.default.attributesOfItem(atPath: sessionPath)
            #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
            #expect(SessionFile(path: sessionPath).load()?.user.plan == .basic)

            var draft = PatientDraft()
            draft.name = "Zoë Müller"
            draft.phoneNumber = "+49 30 1234567"
            draft.sex = "female"
            let patient = try await client.savePatient(id: nil, draft: draft)
            #expect(patient.name == "Zoë Müller" && patient.address == nil)
            let found = try await client.patients(query: "zoe", cursor: nil)
            #expect(found.items.map(\.id) == [patient.id])
            let note = try await client.saveNote(patientID: patient.id, noteID: nil, content: "First visit")
            let amended = try await client.saveNote(patientID: patient.id, noteID: note.id, content: "First visit (amended)")
            #expect(amended.version == 2)
            #expect(try await client.noteVersions(patientID: patient.id, noteID: note.id).map(\.content) == ["First visit", "First visit (amended)"])
            #expect(try await client.notes(patientID: patient.id, cursor: nil).items.map(\.content) == ["First visit (amended)"])
            draft.dateOfBirth = "1990-02-30"
            let invalid = await failure { _ = try await client.savePatient(id: patient.id, draft: draft) }
            #expect(invalid?.status == 422)
            #expect(invalid?.fieldErrors["date_of_birth"] != nil)
            try await client.deletePatient(id: patient.id)
            let gone = await failure { _ = try await client.notes(patientID: patient.id, cursor: nil) }
            #expect(gone?.status == 404 && gone?.kind == .rejected)
        }
    }

    /// The owner's tools over libcurl: the clinic renamed, and the audit log narrowed by person,
    /// action and period, each filter reaching the server (an empty period gives nothing).
    @Test func test_renameAndAuditFilters_overLibcurl() async throws {
        try await withRunningServer { server in
            let client = makeClient(server.baseURL)
            let owner = try await client.register(name: "Dr Ana", email: "ana-\(UUID().uuidString.prefix(8))@example.org", password: "password1")
            #expect(try await client.renameClinic(name: "Ruiz & Mensah") == "Ruiz & Mensah")
            let tooLong = await failure { _ = try await client.renameClinic(name: String(repeating: "x", count: 101)) }
            #expect(tooLong?.status == 422 && tooLong?.fieldErrors["name"] != nil)
            var draft = PatientDraft()
            draft.name = "Zoë Müller"
            let patient = try await client.savePatient(id: nil, draft: draft)
            _ = try await client.notes(patientID: patient.id, cursor: nil)
            let everything = try await client.auditEvents(patientID: nil, cursor: nil).items
            #expect(Set(everything.map(\.action)).isSuperset(of: ["clinic.update", "patient.create", "notes.list"]))
            let notes = try await client.auditEvents(patientID: patient.id, actorID: owner.id, action: "notes.list", cursor: nil).items
            #expect(!notes.isEmpty && notes.allSatisfy { $0.action == "notes.list" && $0.patientId == patient.id && $0.actorId == owner.id })
            let now = Date()
            let today = try await client.auditEvents(patientID: nil, from: now.addingTimeInterval(-3600), to: now.addingTimeInterval(3600), cursor: nil)
            #expect(today.items.count == everything.count)
            let yesterday = try await client.auditEvents(patientID: nil, from: now.addingTimeInterval(-2 * 86_400), to: now.addingTimeInterval(-86_400),
                                                         cursor: nil)
            #expect(yesterday.items.isEmpty)
            let nobody = try await client.auditEvents(patientID: nil, actorID: String(repeating: "f", count: 24), cursor: nil)
            #expect(nobody.items.isEmpty)
        }
    }

    @Test func test_expiredAccessToken_isRefreshedOnce_transparently() async throws {
        try await withRunningServer { server in
            let path = NSTemporaryDirectory() + "session-\(UUID().uuidString).json"
            let first = makeClient(server.baseURL, file: SessionFile(path: path))
            _ = try await first.register(name: "Dr B", email: "b-\(UUID().uuidString.prefix(8))@example.org", password: "password1")
            var session = try #require(SessionFile(path: path).load())
            // The access token has gone stale (expired or rotated away); the refresh token is good.
            session.accessToken = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.stale"
            let client = makeClient(server.baseURL, session: session, file: SessionFile(path: path))
            // Two requests at once with the stale token share one refresh (the refresh token rotates).
            async let patients = client.patients(query: "", cursor: nil)
            async let me = client.currentUser()
            _ = try await (patients, me)
            #expect(try await client.patients(query: "", cursor: nil).items.isEmpty)
            let saved = try #require(SessionFile(path: path).load())
            #expect(saved.refreshToken != session.refreshToken, "the rotated refresh token is kept")
            #expect(saved.accessToken != session.accessToken)
        }
    }

    @Test func test_refusedRefresh_isSessionExpired() async throws {
        try await withRunningServer(configure: { $0.accessTokenSeconds = 1 }) { server in
            let email = "c-\(UUID().uuidString.prefix(8))@example.org"
            let client = makeClient(server.baseURL)
            let user = try await client.register(name: "Dr C", email: email, password: "password1")
            // Someone else used the refresh token (and so rotated it away from us).
            let stale = StoredSession(server: URL(string: server.baseURL)!.absoluteString, accessToken: "expired.token.value",
                                      refreshToken: "not-valid-any-more", user: user)
            let other = makeClient(server.baseURL, session: stale)
            let result = await failure { _ = try await other.patients(query: "", cursor: nil) }
            #expect(result?.kind == .sessionExpired)
        }
    }

    @Test func test_wrongPassword_isRejectedWithTheServersWords() async throws {
        try await withRunningServer { server in
            let client = makeClient(server.baseURL)
            let result = await failure { _ = try await client.login(email: "nobody@example.org", password: "whatever1") }
            #expect(result?.status == 401)
            #expect(result?.message == "Incorrect email or password")
        }
    }

    @Test func test_nothingListening_isUnreachable() async throws {
        try await FakeServer.withRefusingPort { port in
            let client = makeClient("http://127.0.0.1:\(port)")
            let result = await failure { _ = try await client.login(email: "a@b.co", password: "password1") }
            #expect(result?.kind == .unreachable, "\(String(describing: result))")
        }
    }
}
