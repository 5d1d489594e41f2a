import Crypto
import Foundation

/// A secret generated once and kept in a file of its own (the JWT and webhook secrets beside the
/// SQLite file on a loopback server). The file is created whole and exclusively with mode 0600; one found
/// there is trusted only if this user owns it, it is a plain file (not a link) and nobody else may
/// read or write it: a secret planted by another account would let it sign tokens.
struct KeptSecretFile {
    let path: String
    let purpose: String

    func loadOrCreate() throws -> String {
        if let existing = try read() { return existing }
        let secret = SymmetricKey(size: .bits256).withUnsafeBytes { Data($0) }.base64EncodedString()
        // Written whole under a name of its own, then linked into place: the kept name never
        // exists half written (servers started together on one data directory read it at once;
        // with the secret written after an exclusive create, one read it empty and refused to start).
        let draft = path + ".new-\(getpid())-" + String(UInt64.random(in: 0...UInt64.max), radix: 16)
        let descriptor = open(draft, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            throw ConfigurationError("cannot create \(draft) for the generated \(purpose): \(String(cString: strerror(errno)))")
        }
        defer { unlink(draft) }
        let bytes = Array(secret.utf8)
        let written = write(descriptor, bytes, bytes.count) == bytes.count && fsync(descriptor) == 0
        close(descriptor)
        guard written else { throw ConfigurationError("cannot write the generated \(purpose) to \(draft)") }
        if link(draft, path) != 0 {
            // Another process put its own there first: use theirs, under the same checks.
            if errno == EEXIST, let existing = try read() { return existing }
            throw ConfigurationError("cannot create \(path) for the generated \(purpose): \(String(cString: strerror(errno)))")
        }
        return secret
    }

    /// The kept secret, nil when there is none yet; throws when the file is not safe to trust.
    func read() throws -> String? {
        let descriptor = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)
        if descriptor < 0 {
            if errno == ENOENT { return nil }
            throw ConfigurationError("\(path) (the kept \(purpose)) cannot be opened: \(String(cString: strerror(errno)))")
        }
        defer { close(descriptor) }
        var info = stat()
        guard fstat(descriptor, &info) == 0 else { throw ConfigurationError("cannot inspect \(path)") }
        guard (info.st_mode & S_IFMT) == S_IFREG else { throw ConfigurationError("\(path) is not a plain file: refusing it as the \(purpose)") }
        guard info.st_uid == geteuid() else {
            throw ConfigurationError("\(path) belongs to another user (uid \(info.st_uid)): refusing it as the \(purpose); delete it or set \(purpose)")
        }
        guard info.st_mode & 0o077 == 0 else {
            throw ConfigurationError("\(path) can be read or written by other users (mode \(String(info.st_mode & 0o777, radix: 8))): "
                + "refusing it as the \(purpose); delete it (a new one is made) or chmod 600 it")
        }
        var buffer = [UInt8](repeating: 0, count: 4096)
        let count = Foundation.read(descriptor, &buffer, buffer.count)
        guard count > 0 else { throw ConfigurationError("\(path) (the kept \(purpose)) is empty: delete it and a new one is made") }
        let secret = String(decoding: buffer[..<count], as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard secret.utf8.count >= 32 else { throw ConfigurationError("\(path) holds a \(purpose) shorter than 32 bytes: delete it") }
        return secret
    }
}
