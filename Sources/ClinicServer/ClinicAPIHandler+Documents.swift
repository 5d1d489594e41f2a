import ClinicAPI
import ClinicStore
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import NIOPosix
import OpenAPIRuntime

extension ClinicAPIHandler {
    static let maximumDocumentBytes = 20 * 1024 * 1024
    static let downloadURLSeconds: Int64 = 300

    func uploadDocument(_ input: Operations.UploadDocument.Input) async throws -> Operations.UploadDocument.Output {
        let caller = try await auth.authenticate()
        return try await auditingRefusals(caller, .documentUpload, patientId: input.path.id) { subject in
            let patient = try await ownPatient(caller, input.path.id)
            subject.patient = patient
            try allow(caller, Operations.UploadDocument.id)
            guard case .multipartForm(let parts) = input.body else { throw APIError(.unsupportedMediaType, "expected multipart/form-data") }
            for try await part in parts {
                guard case .file(let file) = part else { continue }
                let id = RecordID.make()
                let key = id + "-" + AuthService.randomToken().prefix(16)
                var contentType = ""
                let size: Int64
                // The generated part keeps no headers: the type the part declares was read off the body as it came in.
                let declaredType = RequestScope.uploadDeclaredType?.declaredType
                do {
                    size = try await storage.write(key: key, body: file.payload.body, limit: Self.maximumDocumentBytes) { head in
                        // What the bytes are decides what is stored; markup is refused whether named, declared or sniffed.
                        guard let sniffed = ContentSniffer.type(of: head),
                              !(sniffed.hasPrefix("text/")
                                  && ContentSniffer.isMarkup(declaredType: declaredType, fileName: file.filename, head: head))
                        else {
                            throw APIError(.unsupportedMediaType,
                                           "Only PDF, JPEG, PNG and plain text documents are accepted (not HTML, SVG or XML)",
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
                guard let document = try await store.createDocument(clinicId: caller.clinicId, patientId: patient.id, id: id, fileName: name,
                                                                    contentType: contentType, sizeBytes: size, storageKey: key,
                                                                    uploadedBy: caller.userId, now: now,
                                                                    audit: auditEntry(caller, .documentUpload, status: 201))
                else {
                    await storage.delete(key: key)
                    throw APIError.notFound("Patient")
                }
                return .created(.init(body: .json(.init(document))))
            }
            throw APIError.invalid(["body", "file"], "Field required", type: "missing")
        }
    }

    func listDocuments(_ input: Operations.ListDocuments.Input) async throws -> Operations.ListDocuments.Output {
        let caller = try await auth.authenticate()
        return try await auditingRefusals(caller, .documentList, patientId: input.path.id) { subject in
            let patient = try await ownPatient(caller, input.path.id)
            subject.patient = patient
            try allow(caller, Operations.ListDocuments.id)
            let documents = try await store.documents(clinicId: caller.clinicId, patientId: patient.id)
            try await recordRead(caller, .documentList, patient: patient)
            return .ok(.init(body: .json(.init(items: documents.map(Components.Schemas.Document.init), nextCursor: nil))))
        }
    }

    func documentDownloadURL(_ input: Operations.DocumentDownloadURL.Input) async throws -> Operations.DocumentDownloadURL.Output {
        let caller = try await auth.authenticate()
        return try await auditingRefusals(caller, .documentDownload, patientId: nil, record: ("document", String(input.path.id.prefix(64)))) { subject in
            let id = try InputRules.recordID(input.path.id, "Document")
            guard let document = try await store.document(clinicId: caller.clinicId, id: id) else { throw APIError.notFound("Document") }
            let patient = try await store.patient(clinicId: caller.clinicId, id: document.patientId)
            subject.patient = patient
            try allow(caller, Operations.DocumentDownloadURL.id)
            // Logged when the link is issued: whoever holds the link can fetch the file for five minutes.
            try await recordRead(caller, .documentDownload, patient: patient, patientId: document.patientId, record: ("document", id))
            let expires = now / 1000 + Self.downloadURLSeconds
            return .ok(.init(body: .json(.init(url: storage.signedURL(key: document.storageKey, expires: expires, baseURL: linkBase),
                                               expiresAt: Date(timeIntervalSince1970: Double(expires))))))
        }
    }

    func deleteDocument(_ input: Operations.DeleteDocument.Input) async throws -> Operations.DeleteDocument.Output {
        let caller = try await auth.authenticate()
        return try await auditingRefusals(caller, .documentDelete, patientId: nil, record: ("document", String(input.path.id.prefix(64)))) { subject in
            let id = try InputRules.recordID(input.path.id, "Document")
            guard let existing = try await store.document(clinicId: caller.clinicId, id: id) else { throw APIError.notFound("Document") }
            subject.patient = try await store.patient(clinicId: caller.clinicId, id: existing.patientId)
            try allow(caller, Operations.DeleteDocument.id)
            guard let document = try await store.deleteDocument(clinicId: caller.clinicId, id: id,
                                                                audit: auditEntry(caller, .documentDelete, status: 204))
            else { throw APIError.notFound("Document") }
            await storage.delete(key: document.storageKey)
            return .noContent(.init())
        }
    }
}

extension Components.Schemas.Document {
    init(_ document: DocumentRecord) {
        self.init(id: document.id, patientId: document.patientId, fileName: document.fileName, contentType: document.contentType,
                  sizeBytes: document.sizeBytes, uploadedAt: Clock.date(document.uploadedAt), uploadedByName: document.uploadedByName)
    }
}

/// `GET /files/{key}?expires=&signature=`: the local storage's own download endpoint (what a GCS
/// signed URL is for Google's), outside the API: no bearer token, the HMAC is the permission.
struct SignedFileRoute: Sendable {
    let store: ClinicStore
    let storage: LocalFileStorage

    func response(key: String, expires: String?, signature: String?, range: String?) async throws -> Response {
        let denied = APIError(.forbidden, "This download link is invalid or has expired", code: "link_invalid")
        guard let expiresText = expires, expiresText.utf8.count <= 12, let expires = Int64(expiresText), let signature,
              signature.utf8.count <= 128, storage.verify(key: key, expires: expires, signature: signature, now: Clock.nowMillis() / 1000)
        else { throw denied }
        guard let document = try await store.document(storageKey: key), let path = storage.path(for: document.storageKey) else {
            throw APIError.notFound("Document")
        }
        let size: Int
        do {
            size = (try FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)?.intValue ?? 0
        } catch {
            throw APIError.notFound("Document")
        }
        let asciiName = String(document.fileName.map { $0.isASCII && $0 != "\"" && $0 != "\\" && !$0.isNewline ? $0 : "_" })
        let encoded = document.fileName.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? asciiName
        var headers = HTTPFields()
        headers[.contentType] = document.contentType
        headers[.contentDisposition] = "attachment; filename=\"\(asciiName)\"; filename*=UTF-8''\(encoded)"
        headers[.cacheControl] = "private, no-store"
        headers[.acceptRanges] = "bytes"
        headers[.init("X-Content-Type-Options")!] = "nosniff"
        // An empty file has no byte range at all (0...-1 would trap): answered whole, and empty, before any range is built.
        guard size > 0 else { return Response(status: .ok, headers: headers) }
        var wanted = 0...(size - 1)
        var status = HTTPResponse.Status.ok
        if let range {
            guard let asked = ByteRange.parse(header: range, size: size) else {
                headers[.contentRange] = "bytes */\(size)"
                return Response(status: .rangeNotSatisfiable, headers: headers)
            }
            headers[.contentRange] = "bytes \(asked.lowerBound)-\(asked.upperBound)/\(size)"
            wanted = asked
            status = .partialContent
        }
        return Response(status: status, headers: headers, body: Self.stream(path: path, range: wanted))
    }

    /// The file streamed from disk one 32 KiB chunk at a time, read off the event loops, the next
    /// read only once the connection took the previous chunk: a 20 MiB document is never held in
    /// memory. (Hummingbird's FileIO reads eight chunks ahead; how far a reader can fall behind is
    /// bounded by the connection's send buffer, see `ConnectionGuard`.)
    static func stream(path: String, range: ClosedRange<Int>) -> ResponseBody {
        let chunk = 32 * 1024
        return ResponseBody(contentLength: range.count) { writer in
            let io = NonBlockingFileIO(threadPool: .singleton)
            try await io.withFileRegion(path: path) { region in
                var offset = Int64(range.lowerBound)
                let end = Int64(range.upperBound) + 1
                while offset < end {
                    let buffer = try await io.read(fileHandle: region.fileHandle, fromOffset: offset,
                                                   byteCount: Int(min(Int64(chunk), end - offset)), allocator: ByteBufferAllocator())
                    guard buffer.readableBytes > 0 else { throw APIError.notFound("Document") }
                    offset += Int64(buffer.readableBytes)
                    try await writer.write(buffer)
                }
            }
            try await writer.finish(nil)
        }
    }
}

/// One range of a `Range: bytes=…` header (the first, if several are asked for): `a-b`, `a-` or
/// the last `-n` bytes, clamped to the file. nil when it cannot be satisfied or is not understood.
enum ByteRange {
    static func parse(header: String, size: Int) -> ClosedRange<Int>? {
        guard size > 0, header.hasPrefix("bytes="), header.utf8.count <= 200 else { return nil }
        let first = header.dropFirst("bytes=".count).split(separator: ",").first.map { $0.trimmingCharacters(in: .whitespaces) } ?? ""
        let parts = first.split(separator: "-", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 2, parts.allSatisfy({ $0.utf8.count <= 18 && $0.utf8.allSatisfy { (48...57).contains($0) } }) else { return nil }
        if parts[0].isEmpty {
            guard let suffix = Int(parts[1]), suffix > 0 else { return nil }
            return max(0, size - suffix)...(size - 1)
        }
        guard let start = Int(parts[0]), start < size else { return nil }
        let end = parts[1].isEmpty ? size - 1 : min(Int(parts[1]) ?? -1, size - 1)
        return start <= end ? start...end : nil
    }
}
