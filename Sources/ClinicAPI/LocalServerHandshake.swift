import Foundation

/// What `clinic-server local` tells the `clinic` that started it, one JSON line each on its standard
/// output: first where it logs (so a failure can be pointed at), then, once it serves, where it
/// listens and a session for the local account (tokens, over that private pipe: no password travels
/// and none is checked, so no bcrypt stands between start and first data).
public struct LocalServerHandshake: Codable, Sendable, Equatable {
    public var log: String?
    public var url: String?
    public var session: Components.Schemas.TokenResponse?
    /// Names the database, so drafts kept on this computer stay with the data they were written for.
    public var database: String?

    public init(log: String? = nil, url: String? = nil, session: Components.Schemas.TokenResponse? = nil, database: String? = nil) {
        self.log = log
        self.url = url
        self.session = session
        self.database = database
    }
}
