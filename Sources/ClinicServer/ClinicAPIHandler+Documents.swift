import ClinicAPI
import ClinicStore
import Foundation
import HTTPTypes
import Hummingbird
import OpenAPIRuntime

extension ClinicAPIHandler {
    static let maximumDocumentBytes = 20 * 1024 * 1024
    static let downloadURLSeconds: Int64 = 300

    func uploadDocument(_ input: Operations.UploadDocument.Input) async throws -> Operations.UploadDocument.Output {
        let user = try await auth.authorize(.pro)
        let patientId = try InputRules.recordID(input.path.id, "Patient")
        guard try await store.patient(userId: user.id, id: patientId) != nil else { throw APIError.notFound("Patient") }
        guard case .multipartForm(let parts) = input.body else { throw APIError(.unsupportedMediaType, "expected multipart/form-data") }
        for try await part in parts {
            guard case .file(let file) = part else { continue }
            let id = RecordID.make()
            let key = id + "-" + AuthService.randomToken().prefix(16)
            var contentType = ""
            let size: Int64
            do {
                size = try await storage.write(key: key, body: file.payload.body, limit: Self.maximumDocumentBytes) { head in
                    // What the bytes are decides, not the declared type or the file name.
                    guard let sniffed = ContentSniffer.type(of: head) else {
                        throw APIError(.unsupportedMediaType, "Only PDF, JPEG, PNG and plain text documents are accepted",
                                       code: "unsupported_type")
                    }
                    contentType = sniffed
                }
            } catch is DocumentTooLarge {
                throw APIError(.contentTooLarge, "Documents are limited to 20 MiB", code: "too_large")
            } catch StorageError.unavailable(let reason) {
                RequestScope.logger.error("document storage failed", metadata: ["reason": "\(reason)"])
                throw APIError(.serviceUnavailable, "Document storage is unavailable: nothing was saved, try again shortly",
                               code: "storage_unavailable")
            }
            let name = ContentSniffer.sanitizeFileName(file.filename)
            guard let document = try await store.createDocument(userId: user.id, patientId: patientId, id: id, fileName: name,
                                                                contentType: contentType, sizeBytes: size, storageKey: key, now: now)
            else {
                await storage.delete(key: key)
                throw APIError.notFound("Patient")
            }
            return .created(.init(body: .json(.init(document))))
        }
        throw APIError.invalid(["body", "file"], "Field required", type: "missing")
    }

    func listDocuments(_ input: Operations.ListDocuments.Input) async throws -> Operations.ListDocuments.Output {
        let user = try await auth.authorize(.pro)
        let patientId = try InputRules.recordID(input.path.id, "Patient")
        guard let documents = try await store.documents(userId: user.id, patientId: patientId) else { throw APIError.notFound("Patient") }
        return .ok(.init(body: .json(.init(items: documents.map(Components.Schemas.Document.init), nextCursor: nil))))
    }

    func documentDownloadURL(_ input: Operations.DocumentDownloadURL.Input) async throws -> Operations.DocumentDownloadURL.Output {
        let user = try await auth.authorize(.pro)
        let id = try InputRules.recordID(input.path.id, "Document")
        guard let document = try await store.document(userId: user.id, id: id) else { throw APIError.notFound("Document") }
        let expires = now / 1000 + Self.downloadURLSeconds
        let base = (configuration.publicBaseURL ?? RequestScope.origin ?? "http://\(configuration.host):\(configuration.port)")
            .trimmingCharacters(in: CharacterSet(charactersIn: "/"))
        return .ok(.init(body: .json(.init(url: storage.signedURL(key: document.storageKey, expires: expires, baseURL: base),
                                           expiresAt: Date(timeIntervalSince1970: Double(expires))))))
    }

    func deleteDocument(_ input: Operations.DeleteDocument.Input) async throws -> Operations.DeleteDocument.Output {
        let user = try await auth.authorize(.pro)
        let id = try InputRules.recordID(input.path.id, "Document")
        guard let document = try await store.deleteDocument(userId: user.id, id: id) else { throw APIError.notFound("Document") }
        await storage.delete(key: document.storageKey)
        return .noContent(.init())
    }
}

extension Components.Schemas.Document {
    init(_ document: DocumentRecord) {
        self.init(id: document.id, patientId: document.patientId, fileName: document.fileName, contentType: document.contentType,
                  sizeBytes: document.sizeBytes, uploadedAt: Clock.date(document.uploadedAt))
    }
}

/// `GET /files/{key}?expires=&signature=`: the local storage's own download endpoint (what a GCS
/// signed URL is for Google's), outside the API: no bearer token, the HMAC is the permission.
struct SignedFileRoute: Sendable {
    let store: ClinicStore
    let storage: LocalFileStorage

    func response(key: String, expires: String?, signature: String?) async throws -> Response {
        let denied = APIError(.forbidden, "This download link is invalid or has expired", code: "link_invalid")
        guard let expires = expires.flatMap({ Int64($0) }), let signature,
              storage.verify(key: key, expires: expires, signature: signature, now: Clock.nowMillis() / 1000)
        else { throw denied }
        guard let document = try await store.document(storageKey: key), let path = storage.path(for: document.storageKey),
              let data = FileManager.default.contents(atPath: path)
        else { throw APIError.notFound("Document") }
        let asciiName = String(document.fileName.map { $0.isASCII && $0 != "\"" && $0 != "\\" && !$0.isNewline ? $0 : "_" })
        let encoded = document.fileName.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? asciiName
        var headers = HTTPFields()
        headers[.contentType] = document.contentType
        headers[.contentDisposition] = "attachment; filename=\"\(asciiName)\"; filename*=UTF-8''\(encoded)"
        headers[.cacheControl] = "private, no-store"
        headers[.init("X-Content-Type-Options")!] = "nosniff"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}
