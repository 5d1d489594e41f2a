import ClinicAPI
import ClinicHTTP
import Foundation

/// What the client keeps between runs: tokens and the user's last known plan and status.
public struct StoredSession: Codable, Sendable, Equatable {
    public var server: String
    public var accessToken: String
    public var refreshToken: String
    public var user: Components.Schemas.User

    public init(server: String, accessToken: String, refreshToken: String, user: Components.Schemas.User) {
        self.server = server
        self.accessToken = accessToken
        self.refreshToken = refreshToken
        self.user = user
    }
}

/// The session file, `$XDG_STATE_HOME/clinic-os-lite/session.json` (mode 0600).
public struct SessionFile: Sendable {
    public let path: String

    public init(path: String = SessionFile.defaultPath()) {
        self.path = path
    }

    public static func stateDirectory() -> String {
        let environment = ProcessInfo.processInfo.environment
        if let state = environment["XDG_STATE_HOME"], !state.isEmpty { return state + "/clinic-os-lite" }
        return (environment["HOME"] ?? NSTemporaryDirectory()) + "/.local/state/clinic-os-lite"
    }

    public static func defaultPath() -> String { stateDirectory() + "/session.json" }

    public func load() -> StoredSession? {
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        return try? JSONDecoder().decode(StoredSession.self, from: data)
    }

    public func save(_ session: StoredSession) throws {
        try PrivateFile.write(try JSONEncoder().encode(session), to: path)
    }

    public func remove() {
        try? FileManager.default.removeItem(atPath: path)
    }
}

/// Writes files only their owner can read, atomically (a crash leaves the old or the new file).
enum PrivateFile {
    static func write(_ data: Data, to path: String) throws {
        let directory = (path as NSString).deletingLastPathComponent
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let temporary = path + ".tmp-\(getpid())"
        guard FileManager.default.createFile(atPath: temporary, contents: data, attributes: [.posixPermissions: 0o600]) else {
            throw CocoaError(.fileWriteUnknown)
        }
        if rename(temporary, path) != 0 {
            try? FileManager.default.removeItem(atPath: temporary)
            throw CocoaError(.fileWriteUnknown)
        }
    }
}

/// The tokens in use, shared by concurrent requests; one refresh at a time.
actor SessionVault {
    private(set) var session: StoredSession?
    nonisolated let http: CurlHTTPClient
    private let file: SessionFile?
    private let server: String
    private var refreshing: Task<String?, Never>?

    init(session: StoredSession?, file: SessionFile?, server: String, http: CurlHTTPClient) {
        self.http = http
        self.session = session?.server == server ? session : nil
        self.file = file
        self.server = server
    }

    func store(_ tokens: Components.Schemas.TokenResponse) {
        let session = StoredSession(server: server, accessToken: tokens.accessToken, refreshToken: tokens.refreshToken, user: tokens.user)
        self.session = session
        try? file?.save(session)
    }

    func update(user: Components.Schemas.User) {
        guard var session else { return }
        session.user = user
        self.session = session
        try? file?.save(session)
    }

    func clear() {
        session = nil
        file?.remove()
    }

    /// A fresh access token, or nil when the refresh token is refused (log in again). Requests
    /// that failed with the same stale token share one refresh.
    func refresh(using transport: CurlClientTransport, serverURL: URL, staleToken: String) async throws -> String? {
        if let current = session?.accessToken, current != staleToken { return current }
        if let refreshing { return await refreshing.value }
        guard let refreshToken = session?.refreshToken else { return nil }
        let task = Task<String?, Never> {
            let body = try? JSONSerialization.data(withJSONObject: ["refresh_token": refreshToken])
            let url = serverURL.absoluteString.trimmingCharacters(in: CharacterSet(charactersIn: "/")) + "/api/token/refresh"
            guard let response = try? await transport.http.send(.init(method: "POST", url: url,
                                                                      headers: [("Content-Type", "application/json")], body: body)),
                  response.status == 200
            else { return nil }
            guard let tokens = try? ClinicAPIClient.decoder.decode(Components.Schemas.TokenResponse.self, from: response.body) else { return nil }
            self.store(tokens)
            return tokens.accessToken
        }
        refreshing = task
        let token = await task.value
        refreshing = nil
        return token
    }
}
