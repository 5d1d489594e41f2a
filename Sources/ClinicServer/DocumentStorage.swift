import Crypto
import ClinicWebhooks
import Foundation
import OpenAPIRuntime

/// Where document bytes live. Keys are made by the server (never from a file name).
protocol DocumentStorage: Sendable {
    /// Streams `body` to `key`; `inspect` sees the first bytes before anything is stored (and may
    /// refuse them), and more than `limit` bytes stop it with `DocumentTooLarge`. Returns the size.
    func write(key: String, body: HTTPBody, limit: Int, inspect: ([UInt8]) throws -> Void) async throws -> Int64
    func delete(key: String) async
    /// A URL that needs no bearer token until `expires` (unix seconds).
    func signedURL(key: String, expires: Int64, baseURL: String) -> String
}

struct DocumentTooLarge: Error {}
struct StorageKeyInvalid: Error {}

/// Documents on the local file system (the default, under the data directory), downloaded through
/// this server's `/files/{key}` with an HMAC over key and expiry.
struct LocalFileStorage: DocumentStorage {
    let root: String
    let secret: String

    func path(for key: String) -> String? {
        // Keys are ours: letters, digits, '-' and '_' only, so no path can escape the root.
        guard !key.isEmpty, key.count <= 100,
              key.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }) else { return nil }
        return root + "/" + key
    }

    func write(key: String, body: HTTPBody, limit: Int, inspect: ([UInt8]) throws -> Void) async throws -> Int64 {
        guard let final = path(for: key) else { throw StorageKeyInvalid() }
        var iterator = body.makeAsyncIterator()
        var head: [UInt8] = []
        while head.count < 512, let chunk = try await iterator.next() { head += chunk }
        try inspect(Array(head.prefix(512)))
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let temporary = final + ".part"
        guard FileManager.default.createFile(atPath: temporary, contents: nil, attributes: [.posixPermissions: 0o600]),
              let handle = FileHandle(forWritingAtPath: temporary)
        else { throw CocoaError(.fileWriteUnknown) }
        var size = head.count
        do {
            if size > limit { throw DocumentTooLarge() }
            try handle.write(contentsOf: head)
            while let chunk = try await iterator.next() {
                size += chunk.count
                if size > limit { throw DocumentTooLarge() }
                try handle.write(contentsOf: chunk)
            }
            try handle.synchronize()
            try handle.close()
            guard rename(temporary, final) == 0 else { throw CocoaError(.fileWriteUnknown) }
        } catch {
            try? handle.close()
            try? FileManager.default.removeItem(atPath: temporary)
            throw error
        }
        return Int64(size)
    }

    func delete(key: String) async {
        if let path = path(for: key) { try? FileManager.default.removeItem(atPath: path) }
    }

    static func signature(key: String, expires: Int64, secret: String) -> String {
        WebhookSignature.hmacHex(secret: secret, message: Array("\(key)\n\(expires)".utf8))
    }

    func signedURL(key: String, expires: Int64, baseURL: String) -> String {
        "\(baseURL)/files/\(key)?expires=\(expires)&signature=\(Self.signature(key: key, expires: expires, secret: secret))"
    }

    /// Whether a download URL is one we signed and still valid.
    func verify(key: String, expires: Int64, signature: String, now: Int64) -> Bool {
        expires >= now && WebhookSignature.constantTimeEqual(signature.lowercased(), Self.signature(key: key, expires: expires, secret: secret))
    }
}

/// What a file is, from its first bytes (the declared type is not trusted).
enum ContentSniffer {
    static func type(of head: [UInt8]) -> String? {
        if head.starts(with: Array("%PDF-".utf8)) { return "application/pdf" }
        if head.starts(with: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) { return "image/png" }
        if head.starts(with: [0xFF, 0xD8, 0xFF]) { return "image/jpeg" }
        // Plain text: UTF-8 without NULs or other binary control bytes (a cut multi-byte character at the end is fine).
        guard !head.isEmpty, !head.contains(where: { $0 < 0x09 || ($0 > 0x0D && $0 < 0x20 && $0 != 0x1B) || $0 == 0x7F }) else { return nil }
        var trimmed = head
        for _ in 0..<3 where String(validating: trimmed, as: UTF8.self) == nil && !trimmed.isEmpty { trimmed.removeLast() }
        return String(validating: trimmed, as: UTF8.self) != nil ? "text/plain; charset=utf-8" : nil
    }

    /// Markup is not plain text: a browser that opens an HTML, SVG or XML "text" file runs what it
    /// holds. Declared by type or name, or sniffed from the first bytes, it is refused.
    static let markupTypes: Set<String> = ["text/html", "application/xhtml+xml", "image/svg+xml", "text/xml", "application/xml",
                                           "text/javascript", "application/javascript", "text/css"]
    static let markupExtensions: Set<String> = ["html", "htm", "xhtml", "shtml", "svg", "svgz", "xml", "xsl", "xslt", "js", "mjs", "css"]
    static let markupOpenings = ["<!doctype", "<html", "<head", "<body", "<script", "<svg", "<?xml", "<iframe", "<object", "<embed",
                                 "<meta", "<link", "<style", "<img", "<a ", "<form", "<math", "<xsl"]

    static func isMarkup(declaredType: String?, fileName: String?, head: [UInt8]) -> Bool {
        let declared = (declaredType ?? "").split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() } ?? ""
        if markupTypes.contains(declared) || declared.hasSuffix("+xml") { return true }
        let name = (fileName ?? "").lowercased()
        if let dot = name.lastIndex(of: "."), markupExtensions.contains(String(name[name.index(after: dot)...])) { return true }
        var bytes = head[...]
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes = bytes.dropFirst(3) }
        let text = String(decoding: bytes, as: UTF8.self).lowercased()
        let opening = text.drop(while: { $0.isWhitespace })
        if opening.hasPrefix("<"), let next = opening.dropFirst().first, next.isLetter || next == "!" || next == "?" || next == "/" {
            return true
        }
        return markupOpenings.contains { text.contains($0) }
    }

    static let extensions = ["application/pdf": "pdf", "image/png": "png", "image/jpeg": "jpg", "text/plain; charset=utf-8": "txt"]

    /// A file name safe to store and to show: the last path component, no control characters,
    /// at most 200 characters.
    static func sanitizeFileName(_ name: String?) -> String {
        let last = (name ?? "").split(whereSeparator: { $0 == "/" || $0 == "\\" }).last.map(String.init) ?? ""
        let cleaned = String(String.UnicodeScalarView(last.unicodeScalars.filter {
            $0.properties.generalCategory != .control && $0.properties.generalCategory != .format
        })).trimmingCharacters(in: .whitespacesAndNewlines)
        let safe = cleaned == "." || cleaned == ".." ? "" : cleaned
        return safe.isEmpty ? "document" : String(safe.prefix(200))
    }
}
