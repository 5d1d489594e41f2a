import ClinicAPI
import Foundation
import HTTPTypes
import NIOConcurrencyHelpers
import OpenAPIRuntime

/// The Content-Type one part of a multipart upload declares. The generated part types keep a
/// part's body and file name only, so the part headers are read here, from the request body as it
/// streams to the generated decoder. The decoder reads a part's headers before it hands the part
/// on: by the time the handler holds the part, what it declared has been seen.
final class DeclaredPartType: Sendable {
    private let scanner: NIOLockedValueBox<MultipartHeaderScanner>

    init(boundary: String, partName: String) {
        scanner = NIOLockedValueBox(MultipartHeaderScanner(boundary: boundary, partName: partName))
    }

    /// What the part declared; nil when it declared nothing (or has not streamed past yet).
    var declaredType: String? {
        scanner.withLockedValue { $0.declaredType }
    }

    /// The same body, each chunk looked at on its way through.
    func observing(_ body: HTTPBody) -> HTTPBody {
        let observed = body.map { (chunk: HTTPBody.ByteChunk) -> HTTPBody.ByteChunk in
            self.scanner.withLockedValue { $0.feed(chunk) }
            return chunk
        }
        return HTTPBody(observed, length: body.length, iterationBehavior: body.iterationBehavior)
    }

    /// The boundary of a multipart Content-Type as the generated decoder reads it (OpenAPIMIMEType:
    /// parameters split at `;` and `=`, the value taken as it stands), so both find the same parts.
    static func boundary(ofContentType value: String) -> String? {
        for parameter in value.split(separator: ";").dropFirst() {
            let pair = parameter.split(separator: "=")
            guard pair.count == 2, pair[0].trimmingCharacters(in: .whitespaces) == "boundary" else { continue }
            let boundary = pair[1].trimmingCharacters(in: .whitespaces)
            return boundary.isEmpty || boundary.utf8.count > 70 ? nil : boundary
        }
        return nil
    }
}

/// Finds the header block of one named part in a multipart body fed in chunks of any size. Each
/// part opens after a delimiter line `--boundary` (a CRLF before it, except at the very start of
/// the body) and its headers end at the first empty line. Once that part's headers are read, or
/// the closing delimiter `--boundary--` is, the rest of the body is passed over unread.
struct MultipartHeaderScanner: Sendable {
    /// A header block longer than this is not read (the generated decoder refuses such a part anyway).
    static let headerLimit = 16 * 1024
    private static let blankLine: [UInt8] = [13, 10, 13, 10]

    private let delimiter: [UInt8]
    private let partName: String
    /// How many bytes of the delimiter the latest bytes matched.
    private var matched: Int
    private var header: [UInt8] = []
    private var readingHeader = false
    private(set) var finished = false
    private(set) var declaredType: String?

    init(boundary: String, partName: String) {
        delimiter = Array("\r\n--\(boundary)".utf8)
        self.partName = partName
        // The body may open with the first delimiter line itself: as if its CRLF had just been seen.
        matched = 2
    }

    mutating func feed(_ chunk: ArraySlice<UInt8>) {
        for byte in chunk {
            if finished { return }
            if readingHeader {
                readHeader(byte)
            } else if byte == delimiter[matched] {
                matched += 1
                if matched == delimiter.count {
                    readingHeader = true
                    matched = 0
                }
            } else {
                // A boundary holds no CR, so a match can only start again at a CR.
                matched = byte == delimiter[0] ? 1 : 0
            }
        }
    }

    private mutating func readHeader(_ byte: UInt8) {
        header.append(byte)
        if header.count == 2 && header[0] == UInt8(ascii: "-") && header[1] == UInt8(ascii: "-") {
            finished = true
            return
        }
        if header.count >= 4 && header.suffix(4).elementsEqual(Self.blankLine) {
            let fields = Self.fields(header)
            header = []
            readingHeader = false
            if let disposition = fields["content-disposition"], Self.dispositionName(disposition) == partName {
                declaredType = fields["content-type"]
                finished = true
            }
        } else if header.count > Self.headerLimit {
            header = []
            readingHeader = false
        }
    }

    /// The header lines of a block (the rest of the delimiter line first, which has no colon):
    /// names lower-cased, values trimmed, the first of a name kept.
    static func fields(_ block: [UInt8]) -> [String: String] {
        var fields: [String: String] = [:]
        for line in String(decoding: block, as: UTF8.self).components(separatedBy: "\r\n") {
            guard let colon = line.firstIndex(of: ":") else { continue }
            let name = line[..<colon].trimmingCharacters(in: .whitespaces).lowercased()
            let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            if fields[name] == nil { fields[name] = value }
        }
        return fields
    }

    /// The `name` parameter of a Content-Disposition value, quoted or not (a `;` between quotes,
    /// as in a file name, separates nothing).
    static func dispositionName(_ value: String) -> String? {
        var parameters: [String] = []
        var current = ""
        var quoted = false
        var escaped = false
        for character in value {
            if escaped {
                current.append(character)
                escaped = false
                continue
            }
            switch character {
            case "\\" where quoted:
                escaped = true
            case "\"":
                quoted.toggle()
                current.append(character)
            case ";" where !quoted:
                parameters.append(current)
                current = ""
            default:
                current.append(character)
            }
        }
        parameters.append(current)
        for parameter in parameters.dropFirst() {
            let pair = parameter.split(separator: "=", maxSplits: 1)
            guard pair.count == 2, pair[0].trimmingCharacters(in: .whitespaces).lowercased() == "name" else { continue }
            var name = pair[1].trimmingCharacters(in: .whitespaces)
            if name.count >= 2, name.hasPrefix("\""), name.hasSuffix("\"") { name = String(name.dropFirst().dropLast()) }
            return name
        }
        return nil
    }
}

/// Lets the upload handler see the Content-Type its file part declares (`RequestScope.uploadDeclaredType`).
struct DeclaredPartTypeMiddleware: ServerMiddleware {
    func intercept(
        _ request: HTTPRequest, body: HTTPBody?, metadata: ServerRequestMetadata, operationID: String,
        next: @Sendable (HTTPRequest, HTTPBody?, ServerRequestMetadata) async throws -> (HTTPResponse, HTTPBody?)
    ) async throws -> (HTTPResponse, HTTPBody?) {
        guard operationID == Operations.UploadDocument.id, let body, let contentType = request.headerFields[.contentType],
              let boundary = DeclaredPartType.boundary(ofContentType: contentType)
        else {
            return try await next(request, body, metadata)
        }
        let declared = DeclaredPartType(boundary: boundary, partName: "file")
        return try await RequestScope.$uploadDeclaredType.withValue(declared) {
            try await next(request, declared.observing(body), metadata)
        }
    }
}
