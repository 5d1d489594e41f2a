import Foundation

/// Unsaved note texts on disk, one file per draft, so no note is lost to a crash, a network
/// failure or a forced re-login. Kept per server (a draft for staging never goes to production).
public struct DraftStore: Sendable {
    public let directory: String

    public init(server: String, stateDirectory: String = SessionFile.stateDirectory()) {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in server.utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        directory = stateDirectory + "/drafts/" + String(hash, radix: 16)
    }

    static func fileName(_ key: String) -> String {
        String(key.map { $0.isLetter || $0.isNumber || $0 == "-" ? $0 : "_" }) + ".txt"
    }

    public func save(key: String, text: String) {
        try? PrivateFile.write(Data(text.utf8), to: directory + "/" + Self.fileName(key))
    }

    public func remove(key: String) {
        try? FileManager.default.removeItem(atPath: directory + "/" + Self.fileName(key))
    }

    public func all() -> [String: String] {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory) else { return [:] }
        var drafts: [String: String] = [:]
        for name in names where name.hasSuffix(".txt") {
            if let data = FileManager.default.contents(atPath: directory + "/" + name) {
                drafts[String(name.dropLast(4))] = String(decoding: data, as: UTF8.self)
            }
        }
        return drafts
    }
}
