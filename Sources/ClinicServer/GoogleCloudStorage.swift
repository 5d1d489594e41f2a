import ClinicHTTP
import Crypto
import Foundation
import OpenAPIRuntime
import _CryptoExtras

/// A Google service account key file (GOOGLE_APPLICATION_CREDENTIALS): who we are and the RSA key
/// that signs both OAuth assertions and V4 download URLs.
struct ServiceAccount: Sendable {
    let clientEmail: String
    let privateKeyID: String?
    let tokenURI: String
    let key: _RSA.Signing.PrivateKey

    init(json: Data) throws {
        guard let object = try? JSONSerialization.jsonObject(with: json) as? [String: Any],
              let email = object["client_email"] as? String, let pem = object["private_key"] as? String
        else { throw ConfigurationError("the credentials file is not a service account key (client_email and private_key are needed)") }
        do {
            key = try _RSA.Signing.PrivateKey(pemRepresentation: pem)
        } catch {
            throw ConfigurationError("the credentials file's private_key is not an RSA key in PEM form")
        }
        clientEmail = email
        privateKeyID = object["private_key_id"] as? String
        tokenURI = object["token_uri"] as? String ?? "https://oauth2.googleapis.com/token"
    }

    static func load(path: String) throws -> ServiceAccount {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ConfigurationError("GOOGLE_APPLICATION_CREDENTIALS: cannot read \(path)")
        }
        return try ServiceAccount(json: data)
    }

    func sign(_ text: String) throws -> Data {
        try key.signature(for: Data(text.utf8), padding: .insecurePKCS1v1_5).rawRepresentation
    }
}

/// V4 signed URLs (GOOG4-RSA-SHA256), as Google documents them: a canonical request, its SHA-256
/// in a string to sign, and an RSA-SHA256 signature in hex. Checked against Google's published
/// conformance examples.
enum V4Signer {
    static let unreserved: CharacterSet = {
        var set = CharacterSet()
        set.insert(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
        return set
    }()

    static func encode(_ text: String, keepSlash: Bool = false) -> String {
        var allowed = unreserved
        if keepSlash { allowed.insert("/") }
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
    }

    static func timestamp(_ date: Date) -> (day: String, full: String) {
        let c = Calendar(identifier: .gregorian).dateComponents(in: TimeZone(identifier: "UTC")!, from: date)
        let day = String(format: "%04d%02d%02d", c.year ?? 1970, c.month ?? 1, c.day ?? 1)
        return (day, day + String(format: "T%02d%02d%02dZ", c.hour ?? 0, c.minute ?? 0, c.second ?? 0))
    }

    /// `endpoint` is scheme and host (https://storage.googleapis.com, or an emulator's address).
    static func signedURL(account: ServiceAccount, endpoint: String, bucket: String, object: String?, method: String = "GET",
                          expiresIn seconds: Int, at date: Date, headers: [String: String] = [:],
                          queryParameters: [String: String] = [:]) throws -> String {
        guard let url = URL(string: endpoint), let host = url.host else { throw StorageError.badEndpoint }
        let hostHeader = host + (url.port.map { ":\($0)" } ?? "")
        let (day, full) = timestamp(date)
        let scope = "\(day)/auto/storage/goog4_request"
        var canonicalHeaders = ["host": hostHeader]
        for (name, value) in headers {
            // Trimmed, inner runs of spaces and tabs collapsed to one space, and lower-cased as Google's
            // conformance examples are (we sign only `host` ourselves, which is lower case anyway).
            let collapsed = value.split(whereSeparator: { $0 == " " || $0 == "\t" }).joined(separator: " ")
            canonicalHeaders[name.lowercased()] = collapsed.lowercased()
        }
        let signedHeaders = canonicalHeaders.keys.sorted().joined(separator: ";")
        var query = queryParameters
        query["X-Goog-Algorithm"] = "GOOG4-RSA-SHA256"
        query["X-Goog-Credential"] = account.clientEmail + "/" + scope
        query["X-Goog-Date"] = full
        query["X-Goog-Expires"] = String(seconds)
        query["X-Goog-SignedHeaders"] = signedHeaders
        let canonicalQuery = query.map { (encode($0.key), encode($0.value)) }.sorted { $0.0 < $1.0 }.map { $0.0 + "=" + $0.1 }
            .joined(separator: "&")
        let path = "/" + bucket + (object.map { "/" + encode($0, keepSlash: true) } ?? "")
        let canonicalRequest = [method, path, canonicalQuery,
                                canonicalHeaders.keys.sorted().map { "\($0):\(canonicalHeaders[$0] ?? "")\n" }.joined(),
                                signedHeaders, "UNSIGNED-PAYLOAD"].joined(separator: "\n")
        let hash = SHA256.hash(data: Data(canonicalRequest.utf8)).map { String(format: "%02x", $0) }.joined()
        let stringToSign = ["GOOG4-RSA-SHA256", full, scope, hash].joined(separator: "\n")
        let signature = try account.sign(stringToSign).map { String(format: "%02x", $0) }.joined()
        return (url.scheme ?? "https") + "://" + hostHeader + path + "?" + canonicalQuery + "&X-Goog-Signature=" + signature
    }
}

enum StorageError: Error {
    case badEndpoint
    case unavailable(String)
}

/// OAuth 2.0 access tokens for the service account (the JWT bearer grant), kept until a minute
/// before they expire.
actor GoogleTokenSource {
    let account: ServiceAccount
    let http: CurlHTTPClient
    private var cached: (token: String, expires: Date)?

    init(account: ServiceAccount, http: CurlHTTPClient) {
        self.account = account
        self.http = http
    }

    static func base64URL(_ data: Data) -> String {
        data.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    /// The signed assertion: RS256 over header.claims.
    func assertion(now: Date) throws -> String {
        var header: [String: Any] = ["alg": "RS256", "typ": "JWT"]
        if let kid = account.privateKeyID { header["kid"] = kid }
        let issued = Int(now.timeIntervalSince1970)
        let claims: [String: Any] = ["iss": account.clientEmail, "scope": "https://www.googleapis.com/auth/devstorage.read_write",
                                     "aud": account.tokenURI, "iat": issued, "exp": issued + 3600]
        let signingInput = Self.base64URL(try JSONSerialization.data(withJSONObject: header, options: [.sortedKeys])) + "."
            + Self.base64URL(try JSONSerialization.data(withJSONObject: claims, options: [.sortedKeys]))
        return signingInput + "." + Self.base64URL(try account.sign(signingInput))
    }

    func token() async throws -> String {
        let now = Date()
        if let cached, cached.expires > now.addingTimeInterval(60) { return cached.token }
        let body = "grant_type=" + V4Signer.encode("urn:ietf:params:oauth:grant-type:jwt-bearer") + "&assertion=" + (try assertion(now: now))
        let response: HTTPExchange.Response
        do {
            response = try await http.send(.init(method: "POST", url: account.tokenURI,
                                                  headers: [("Content-Type", "application/x-www-form-urlencoded")], body: Data(body.utf8)))
        } catch {
            throw StorageError.unavailable("the token service cannot be reached")
        }
        guard response.status == 200, let object = try? JSONSerialization.jsonObject(with: response.body) as? [String: Any],
              let token = object["access_token"] as? String
        else { throw StorageError.unavailable("the token service refused the service account (HTTP \(response.status))") }
        let lifetime = object["expires_in"] as? Double ?? 3600
        cached = (token, now.addingTimeInterval(lifetime))
        return token
    }
}

/// Documents in a Google Cloud Storage bucket through the JSON API, downloaded through V4 signed
/// URLs. Uploads are staged to a private temporary file (so sniffing and the size limit work as
/// for local storage, and 20 MiB never sits in memory), then streamed to GCS by libcurl.
struct GoogleCloudStorage: DocumentStorage {
    let bucket: String
    let endpoint: String
    let account: ServiceAccount
    let tokens: GoogleTokenSource
    let http: CurlHTTPClient
    let staging: LocalFileStorage

    init(bucket: String, endpoint: String, account: ServiceAccount, stagingDirectory: String) {
        var options = CurlHTTPClient.Options()
        options.timeout = .seconds(120)
        let http = CurlHTTPClient(options: options)
        self.bucket = bucket
        self.endpoint = endpoint.trimmingCharacters(in: CharacterSet(charactersIn: "/"))
        self.account = account
        self.http = http
        self.tokens = GoogleTokenSource(account: account, http: http)
        // The staging area's own signing secret is never used: its files are never served.
        self.staging = LocalFileStorage(root: stagingDirectory, secret: UUID().uuidString)
    }

    func write(key: String, body: HTTPBody, limit: Int, inspect: ([UInt8]) throws -> Void) async throws -> Int64 {
        let size = try await staging.write(key: key, body: body, limit: limit, inspect: inspect)
        guard let path = staging.path(for: key) else { throw StorageKeyInvalid() }
        defer { try? FileManager.default.removeItem(atPath: path) }
        let token = try await tokens.token()
        let url = endpoint + "/upload/storage/v1/b/\(V4Signer.encode(bucket))/o?uploadType=media&name=" + V4Signer.encode(key)
        let response: HTTPExchange.Response
        do {
            response = try await http.send(.init(method: "POST", url: url, headers: [
                ("Authorization", "Bearer \(token)"), ("Content-Type", "application/octet-stream"),
            ], bodyFile: path))
        } catch {
            throw StorageError.unavailable("Cloud Storage cannot be reached")
        }
        guard (200..<300).contains(response.status) else { throw StorageError.unavailable("Cloud Storage refused the upload (HTTP \(response.status))") }
        return size
    }

    func delete(key: String) async {
        guard let token = try? await tokens.token() else { return }
        _ = try? await http.send(.init(method: "DELETE", url: endpoint + "/storage/v1/b/\(V4Signer.encode(bucket))/o/" + V4Signer.encode(key),
                                       headers: [("Authorization", "Bearer \(token)")]))
    }

    func signedURL(key: String, expires: Int64, baseURL: String) -> String {
        let now = Date()
        let seconds = max(1, min(604_800, Int(expires) - Int(now.timeIntervalSince1970)))
        return (try? V4Signer.signedURL(account: account, endpoint: endpoint, bucket: bucket, object: key, expiresIn: seconds, at: now)) ?? ""
    }
}
