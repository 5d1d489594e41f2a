import ClinicStore
import Foundation
import Testing

@testable import ClinicServer

@Suite struct DocumentTests {
    static let png: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + Array(repeating: 7, count: 100)
    static let pdf = Array("%PDF-1.7\n1 0 obj\n<<>>\nendobj\n".utf8)

    static func multipart(_ bytes: [UInt8], filename: String, contentType: String) -> (Data, String) {
        let boundary = "clinic-\(UUID().uuidString)"
        var body = Data("--\(boundary)\r\nContent-Disposition: form-data; name=\"file\"; filename=\"\(filename)\"\r\nContent-Type: \(contentType)\r\n\r\n".utf8)
        body.append(contentsOf: bytes)
        body.append(Data("\r\n--\(boundary)--\r\n".utf8))
        return (body, "multipart/form-data; boundary=\(boundary)")
    }

    func upload(_ server: TestServer, _ doctor: Doctor, patient: String, _ bytes: [UInt8], name: String = "report.pdf",
                type: String = "application/pdf") async throws -> Reply {
        let (body, contentType) = Self.multipart(bytes, filename: name, contentType: type)
        return try await server.call("POST", "/api/patients/\(patient)/documents", token: doctor.token, raw: body, contentType: contentType)
    }

    func proDoctor(_ server: TestServer) async throws -> (Doctor, String) {
        let doctor = try await server.registerDoctor()
        try await server.store.setSubscription(clinicId: doctor.id, plan: "pro", status: "active", trialEndsAt: nil, now: Clock.nowMillis())
        let patient = try #require(try await server.createPatient(doctor, ["name": "Document Patient"])["id"] as? String)
        return (doctor, patient)
    }

    @Test(arguments: StoreKind.available)
    func test_uploadListDownload_roundTripsBytes_withoutABearerToken(kind: StoreKind) async throws {
        try await withServer(kind) { server in
            let (doctor, patient) = try await proDoctor(server)
            var bytes = Self.pdf
            for index in 0..<300_000 { bytes.append(UInt8(truncatingIfNeeded: index &* 31)) }
            let reply = try await upload(server, doctor, patient: patient, bytes, name: "blood report (Jan).pdf")
            #expect(reply.status == 201, "\(reply.text)")
            let document = try reply.object()
            #expect(document["content_type"] as? String == "application/pdf")
            #expect(document["size_bytes"] as? Int == bytes.count)
            #expect(document["storage_key"] == nil, "the storage key stays internal")
            let id = try #require(document["id"] as? String)
            let list = try await server.call("GET", "/api/patients/\(patient)/documents", token: doctor.token)
            #expect(try list.items().compactMap { $0["id"] as? String } == [id])
            let link = try await server.call("GET", "/api/documents/\(id)/download-url", token: doctor.token).object()
            let url = try #require(link["url"] as? String)
            #expect(link["expires_at"] is String)
            let download = try await server.http.send(.init(method: "GET", url: url))
            #expect(download.status == 200)
            #expect(Array(download.body) == bytes)
            #expect(download.header("content-type") == "application/pdf")
            #expect(download.header("content-disposition")?.contains("blood report (Jan).pdf") == true)
            // Tampered and expired links.
            let tampered = url.replacingOccurrences(of: "signature=", with: "signature=0")
            #expect(try await server.http.send(.init(method: "GET", url: tampered)).status == 403)
            let key = String(url.split(separator: "/files/")[1].split(separator: "?")[0])
            let secret = try String(contentsOfFile: server.directory + "/jwt-secret", encoding: .utf8)
            let past = Int64(Date().timeIntervalSince1970) - 10
            let expired = "\(server.baseURL)/files/\(key)?expires=\(past)&signature=\(LocalFileStorage.signature(key: key, expires: past, secret: secret))"
            #expect(try await server.http.send(.init(method: "GET", url: expired)).status == 403)
            // Another key with this key's signature (the first character changed; it was "0" one time in 16).
            let otherKey = url.replacingOccurrences(of: key, with: (key.first == "0" ? "1" : "0") + key.dropFirst())
            #expect(try await server.http.send(.init(method: "GET", url: otherKey)).status == 403)
            // Deleting removes the row and the file.
            #expect(try await server.call("DELETE", "/api/documents/\(id)", token: doctor.token).status == 204)
            #expect(try await server.http.send(.init(method: "GET", url: url)).status == 404)
            #expect(!FileManager.default.fileExists(atPath: server.directory + "/documents/" + key))
        }
    }

    @Test(arguments: StoreKind.available)
    func test_sizeLimit_isTwentyMebibytes_exactly(kind: StoreKind) async throws {
        try await withServer(kind) { server in
            let (doctor, patient) = try await proDoctor(server)
            let limit = 20 * 1024 * 1024
            let exact = Self.pdf + Array(repeating: 0x41, count: limit - Self.pdf.count)
            #expect(try await upload(server, doctor, patient: patient, exact).status == 201)
            let over = try await upload(server, doctor, patient: patient, exact + [0x41])
            #expect(over.status == 413)
            #expect(over.isContractError)
            #expect(try await server.call("GET", "/api/patients/\(patient)/documents", token: doctor.token).items().count == 1)
            let leftovers = try FileManager.default.contentsOfDirectory(atPath: server.directory + "/documents").filter { $0.hasSuffix(".part") }
            #expect(leftovers.isEmpty)
        }
    }

    @Test(arguments: StoreKind.available)
    func test_contentIsSniffed_andNamesAreSanitised(kind: StoreKind) async throws {
        try await withServer(kind) { server in
            let (doctor, patient) = try await proDoctor(server)
            let renamed = try await upload(server, doctor, patient: patient, Self.png, name: "scan.pdf", type: "application/pdf")
            #expect(renamed.status == 201)
            #expect(try renamed.object()["content_type"] as? String == "image/png")
            let executable = Array("MZ\u{90}\u{0}\u{3}\u{0}\u{0}\u{0}".utf8) + Array(repeating: 0, count: 200)
            let refused = try await upload(server, doctor, patient: patient, executable, name: "report.pdf", type: "application/pdf")
            #expect(refused.status == 415)
            #expect(try refused.object()["code"] as? String == "unsupported_type")
            for (name, expected) in [("../../etc/passwd", "passwd"), (#"..\..\windows\win.ini"#, "win.ini"), ("..", "document")] {
                let reply = try await upload(server, doctor, patient: patient, Array("plain text note\n".utf8), name: name, type: "text/plain")
                #expect(reply.status == 201, "\(name)")
                #expect(try reply.object()["file_name"] as? String == expected, "\(name)")
            }
            // A control character in the name never reaches storage (the multipart parser or the sanitiser drops it).
            let bell = try await upload(server, doctor, patient: patient, Array("x\n".utf8), name: "notes\u{7}bell.txt", type: "text/plain")
            let stored = try #require(try bell.object()["file_name"] as? String)
            #expect(stored.hasSuffix("bell.txt") && !stored.unicodeScalars.contains { $0.value < 0x20 })
            #expect(ContentSniffer.sanitizeFileName("a\u{7}b\u{202E}c.txt") == "abc.txt")
            // A multipart body without any part (schemathesis' find): the request's fault, a 422.
            let empty = try await server.call("POST", "/api/patients/\(patient)/documents", token: doctor.token,
                                              raw: Data("--c637--\r\n".utf8), contentType: "multipart/form-data; boundary=c637")
            #expect(empty.status == 422 && empty.isContractError, "\(empty.status) \(empty.text)")
            #expect(ContentSniffer.sanitizeFileName(String(repeating: "a", count: 500) + ".pdf").count == 200, "names are cut to 200")
        }
    }

    @Test(arguments: StoreKind.available)
    func test_planGating_andTenancy_onEveryDocumentRoute(kind: StoreKind) async throws {
        try await withServer(kind) { server in
            let (owner, patient) = try await proDoctor(server)
            let id = try #require(try await upload(server, owner, patient: patient, Self.pdf).object()["id"] as? String)
            let (intruder, _) = try await proDoctor(server)
            #expect(try await upload(server, intruder, patient: patient, Self.pdf).status == 404)
            for (method, path) in [("GET", "/api/patients/\(patient)/documents"), ("GET", "/api/documents/\(id)/download-url"),
                                   ("DELETE", "/api/documents/\(id)")] {
                #expect(try await server.call(method, path, token: intruder.token).status == 404, "\(method) \(path)")
            }
            let basic = try await server.registerDoctor()
            let basicPatient = try #require(try await server.createPatient(basic, ["name": "Basic"])["id"] as? String)
            for reply in [try await upload(server, basic, patient: basicPatient, Self.pdf),
                          try await server.call("GET", "/api/patients/\(basicPatient)/documents", token: basic.token)] {
                #expect(reply.status == 403)
                #expect(try reply.object()["code"] as? String == "pro_required")
            }
            // Another clinic's document is 404 before any plan rule is looked at (contract v2).
            #expect(try await server.call("GET", "/api/documents/\(id)/download-url", token: basic.token).status == 404)
            // Deleting the patient deletes the stored file too.
            let files = { try FileManager.default.contentsOfDirectory(atPath: server.directory + "/documents") }
            #expect(try files().count == 1)
            #expect(try await server.call("DELETE", "/api/patients/\(patient)", token: owner.token).status == 204)
            #expect(try files().isEmpty)
        }
    }
}
