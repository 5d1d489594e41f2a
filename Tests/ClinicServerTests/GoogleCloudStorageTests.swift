import ClinicAPI
import ClinicClient
import ClinicHTTP
import ClinicStore
import Foundation
import Testing
import _CryptoExtras

@testable import ClinicServer

/// Google's public conformance data: a dummy, inactive service account and V4 URLs signed with it.
enum GoogleConformance {
    static let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/gcs-v4-conformance.json")

    static func document() throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
    }

    static func account() throws -> ServiceAccount {
        try ServiceAccount(json: JSONSerialization.data(withJSONObject: try document()["serviceAccount"] as Any))
    }

    /// The key file with `token_uri` pointed somewhere of ours.
    static func credentialsFile(tokenURI: String) throws -> String {
        var account = try #require(try document()["serviceAccount"] as? [String: Any])
        account["token_uri"] = tokenURI
        let path = NSTemporaryDirectory() + "gcs-key-\(UUID().uuidString).json"
        try JSONSerialization.data(withJSONObject: account).write(to: URL(fileURLWithPath: path))
        return path
    }
}

/// gcp-storage-emulator (PyPI): Cloud Storage's JSON API on loopback, in memory.
struct StorageEmulator: Sendable {
    let process: Process
    let baseURL: String

    static func start(bucket: String) async throws -> StorageEmulator {
        let http = CurlHTTPClient()
        for _ in 0..<5 {
            let port = TestRandom.int(in: 20_000...59_999)
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = ["python3", "-m", "gcp_storage_emulator", "start", "--host", "127.0.0.1", "--port", "\(port)",
                                 "--in-memory", "--default-bucket", bucket, "--quiet"]
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            let base = "http://127.0.0.1:\(port)"
            for _ in 0..<100 where process.isRunning {
                if let reply = try? await http.send(.init(method: "GET", url: base + "/storage/v1/b/\(bucket)")), reply.status == 200 {
                    return StorageEmulator(process: process, baseURL: base)
                }
                try await Task.sleep(for: .milliseconds(100))
            }
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
        throw TestFailure("gcp-storage-emulator did not start: install it with `pip install gcp-storage-emulator` (make test does)")
    }

    func objectNames(_ bucket: String) async throws -> [String] {
        let reply = try await CurlHTTPClient().send(.init(method: "GET", url: baseURL + "/storage/v1/b/\(bucket)/o"))
        let object = try JSONSerialization.jsonObject(with: reply.body) as? [String: Any]
        return (object?["items"] as? [[String: Any]] ?? []).compactMap { $0["name"] as? String }
    }

    func stop() {
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }
}

@Suite struct GoogleCloudStorageTests {
    @Test func test_v4SignedURLs_matchGooglesPublishedExamples() throws {
        let account = try GoogleConformance.account()
        let vectors = try #require(try GoogleConformance.document()["signingV4Tests"] as? [[String: Any]])
        #expect(vectors.count == 5)
        for vector in vectors {
            let date = try #require(RFC3339DateTranscoder.parse(vector["timestamp"] as? String ?? ""))
            let url = try V4Signer.signedURL(account: account, endpoint: "https://storage.googleapis.com", bucket: vector["bucket"] as? String ?? "",
                                             object: vector["object"] as? String, expiresIn: vector["expiration"] as? Int ?? 0, at: date,
                                             headers: vector["headers"] as? [String: String] ?? [:],
                                             queryParameters: vector["queryParameters"] as? [String: String] ?? [:])
            #expect(url == vector["expectedUrl"] as? String, "\(vector["description"] ?? "")")
        }
    }

    @Test func test_theOAuthAssertion_isSignedByTheServiceAccount() async throws {
        let account = try GoogleConformance.account()
        let source = GoogleTokenSource(account: account, http: CurlHTTPClient())
        let jwt = try await source.assertion(now: Date(timeIntervalSince1970: 1_795_600_000))
        let parts = jwt.split(separator: ".").map(String.init)
        #expect(parts.count == 3)
        func decode(_ text: String) -> Data? {
            var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
            while base64.count % 4 != 0 { base64 += "=" }
            return Data(base64Encoded: base64)
        }
        let claims = try #require(try JSONSerialization.jsonObject(with: decode(parts[1]) ?? Data()) as? [String: Any])
        #expect(claims["iss"] as? String == "test-iam-credentials@dummy-project-id.iam.gserviceaccount.com")
        #expect(claims["aud"] as? String == "https://oauth2.googleapis.com/token")
        #expect(claims["exp"] as? Int == 1_795_603_600)
        let signature = _RSA.Signing.RSASignature(rawRepresentation: try #require(decode(parts[2])))
        #expect(account.key.publicKey.isValidSignature(signature, for: Data((parts[0] + "." + parts[1]).utf8), padding: .insecurePKCS1v1_5))
    }

    @Test(arguments: StoreKind.available)
    func test_documentsInABucket_throughTheEmulator_withSignedDownloads(kind: StoreKind) async throws {
        let bucket = "clinic-docs"
        let emulator = try await StorageEmulator.start(bucket: bucket)
        defer { emulator.stop() }
        try await FakeProvider.running(status: .ok, json: #"{"access_token":"ya29.clinic-test","expires_in":3600,"token_type":"Bearer"}"#) { tokens in
            let credentials = try GoogleConformance.credentialsFile(tokenURI: tokens.baseURL + "/token")
            defer { try? FileManager.default.removeItem(atPath: credentials) }
            try await withServer(kind, configure: { configuration in
                configuration.storageURL = "gs://\(bucket)"
                configuration.googleCredentialsPath = credentials
                configuration.gcsEndpoint = emulator.baseURL
            }) { server in
                let (doctor, patient) = try await DocumentTests().proDoctor(server)
                var bytes = DocumentTests.pdf
                for index in 0..<(2 << 20) { bytes.append(UInt8(truncatingIfNeeded: index &* 131)) }
                let reply = try await DocumentTests().upload(server, doctor, patient: patient, bytes, name: "scan.pdf")
                #expect(reply.status == 201, "\(reply.text)")
                let id = try #require(try reply.object()["id"] as? String)
                #expect(try await emulator.objectNames(bucket).count == 1, "the bytes are in the bucket")
                // The token came from the service account's signed assertion, asked for once.
                let asked = await tokens.recorded.items
                #expect(asked.count == 1)
                #expect(formFields(asked.first?.body ?? "")["grant_type"] == "urn:ietf:params:oauth:grant-type:jwt-bearer")
                // Refused types never reach the bucket.
                #expect(try await DocumentTests().upload(server, doctor, patient: patient, [0x7F, 0x45, 0x4C, 0x46, 2, 1, 1, 0]).status == 415)
                #expect(try await emulator.objectNames(bucket).count == 1)

                let link = try await server.call("GET", "/api/documents/\(id)/download-url", token: doctor.token).object()
                let url = try #require(link["url"] as? String)
                #expect(url.hasPrefix(emulator.baseURL + "/\(bucket)/"))
                #expect(url.contains("X-Goog-Algorithm=GOOG4-RSA-SHA256") && url.contains("X-Goog-Signature="))
                let download = try await CurlHTTPClient().send(.init(method: "GET", url: url))
                #expect(download.status == 200)
                #expect(Array(download.body) == bytes, "byte-identical through the signed URL, no bearer token")

                // Deleting the patient deletes its documents' objects.
                #expect(try await DocumentTests().upload(server, doctor, patient: patient, DocumentTests.png, name: "x.png", type: "image/png").status == 201)
                #expect(try await emulator.objectNames(bucket).count == 2)
                #expect(try await server.call("DELETE", "/api/patients/\(patient)", token: doctor.token).status == 204)
                #expect(try await emulator.objectNames(bucket).isEmpty)
            }
        }
    }

    @Test func test_storageConfiguration_isCheckedAtStart() throws {
        #expect(throws: ConfigurationError.self) { try ServerConfiguration.fromEnvironment(["STORAGE_URL": "gs://clinic-docs"]) }
        #expect(throws: ConfigurationError.self) {
            try ServerConfiguration.fromEnvironment(["STORAGE_URL": "gs://clinic-docs", "GOOGLE_APPLICATION_CREDENTIALS": "/nonexistent/key.json"])
        }
        let broken = NSTemporaryDirectory() + "broken-key-\(UUID().uuidString).json"
        try Data(#"{"client_email":"a@b.iam.gserviceaccount.com","private_key":"not a key"}"#.utf8).write(to: URL(fileURLWithPath: broken))
        defer { try? FileManager.default.removeItem(atPath: broken) }
        do {
            _ = try ServerConfiguration.fromEnvironment(["STORAGE_URL": "gs://clinic-docs", "GOOGLE_APPLICATION_CREDENTIALS": broken])
            Issue.record("a broken key was accepted")
        } catch {
            #expect("\(error)".contains("private_key is not an RSA key"))
        }
        #expect(throws: ConfigurationError.self) { try ServerConfiguration.fromEnvironment(["STORAGE_URL": "s3://bucket"]).resolvedStorageDirectory() }
        let good = try GoogleConformance.credentialsFile(tokenURI: "https://oauth2.googleapis.com/token")
        defer { try? FileManager.default.removeItem(atPath: good) }
        let configuration = try ServerConfiguration.fromEnvironment(["STORAGE_URL": "gs://clinic-docs/", "GOOGLE_APPLICATION_CREDENTIALS": good,
                                                                     "STORAGE_EMULATOR_HOST": "127.0.0.1:9023"])
        #expect(configuration.gcsBucket == "clinic-docs" && configuration.gcsEndpoint == "http://127.0.0.1:9023")
    }
}
