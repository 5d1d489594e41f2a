import Foundation

/// The embedded server's account on this computer: one per data directory, its password random
/// and kept beside the database (0600), so `clinic` signs in without asking.
public struct LocalAccount: Codable, Sendable {
    public var name: String
    public var email: String
    public var password: String
    /// The account this server created under `email`: only that one is signed in without its
    /// password. A row of the same email made by anyone else (a registration on a server sharing
    /// the database) is checked by password like any sign-in.
    public var userId: String?

    public static func loadOrCreate(directory: String, demo: Bool) throws -> LocalAccount {
        let path = directory + "/local-account.json"
        if let data = FileManager.default.contents(atPath: path), let account = try? JSONDecoder().decode(LocalAccount.self, from: data) {
            return account
        }
        var generator = SystemRandomNumberGenerator()
        let password = (0..<24).map { _ in String(format: "%02x", UInt8.random(in: 0...255, using: &generator)) }.joined()
        let account = LocalAccount(name: demo ? "Dr Amara Okafor" : (ProcessInfo.processInfo.environment["USER"].map { "Dr \($0)" } ?? "Local Doctor"),
                                   email: demo ? "demo@clinic.local" : "doctor@clinic.local", password: password)
        try account.save(directory: directory)
        return account
    }

    /// Written whole (a temporary file renamed over it), readable by its owner only.
    public func save(directory: String) throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let path = directory + "/local-account.json", partial = path + ".part"
        guard FileManager.default.createFile(atPath: partial, contents: try JSONEncoder().encode(self), attributes: [.posixPermissions: 0o600]),
              rename(partial, path) == 0
        else { throw ConfigurationError("cannot write \(path)") }
    }
}
