import Foundation

/// What `clinic-server local` tells the `clinic` that started it, one JSON line each on its standard
/// output: first where it logs (so a failure can be pointed at), then, once it serves, where and as whom
/// to sign in. The password goes over that private pipe, never on a command line.
public struct LocalServerHandshake: Codable, Sendable, Equatable {
    public var log: String?
    public var url: String?
    public var email: String?
    public var password: String?
    /// Names the database, so drafts kept on this computer stay with the data they were written for.
    public var database: String?

    public init(log: String? = nil, url: String? = nil, email: String? = nil, password: String? = nil, database: String? = nil) {
        self.log = log
        self.url = url
        self.email = email
        self.password = password
        self.database = database
    }
}
