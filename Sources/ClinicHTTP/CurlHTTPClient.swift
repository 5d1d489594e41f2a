import CCurl
import Foundation

/// One HTTP exchange as bytes: what `CurlHTTPClient` sends and gets back.
public struct HTTPExchange: Sendable {
    public struct Request: Sendable {
        public var method: String
        public var url: String
        public var headers: [(String, String)]
        public var body: Data?
        /// A file sent as the one part of a multipart/form-data body, streamed from disk by libcurl.
        public var multipartFile: MultipartFile?
        /// A file sent as the whole body, streamed from disk by libcurl.
        public var bodyFile: String?
        /// Bytes moved so far and expected (upload or download, whichever is under way).
        public var progress: (@Sendable (_ done: Int64, _ total: Int64) -> Void)?
        /// The most an answer may hold: a server (or anything posing as one) cannot fill memory or disk.
        public var maximumResponseBytes: Int
        /// Where the answer's body goes instead of memory (a downloaded document): created new,
        /// mode 0600, and removed again when the transfer fails.
        public var responseFile: String?

        /// An API answer: JSON lists of 200 records are far below this.
        public static let defaultMaximumResponseBytes = 8 << 20

        public init(method: String, url: String, headers: [(String, String)] = [], body: Data? = nil,
                    multipartFile: MultipartFile? = nil, bodyFile: String? = nil, progress: (@Sendable (Int64, Int64) -> Void)? = nil,
                    maximumResponseBytes: Int = Request.defaultMaximumResponseBytes, responseFile: String? = nil) {
            self.maximumResponseBytes = maximumResponseBytes
            self.responseFile = responseFile
            self.bodyFile = bodyFile
            self.method = method
            self.url = url
            self.headers = headers
            self.body = body
            self.multipartFile = multipartFile
            self.progress = progress
        }
    }

    public struct MultipartFile: Sendable {
        public var field: String
        public var path: String
        public var fileName: String
        public var contentType: String

        public init(field: String, path: String, fileName: String, contentType: String) {
            self.field = field
            self.path = path
            self.fileName = fileName
            self.contentType = contentType
        }
    }

    public struct Response: Sendable {
        public var status: Int
        /// Header names lower-cased, in arrival order.
        public var headers: [(String, String)]
        public var body: Data

        public func header(_ name: String) -> String? {
            let name = name.lowercased()
            return headers.first(where: { $0.0 == name })?.1
        }
    }
}

/// Why a request got no HTTP answer.
public enum TransportError: Error, Equatable, CustomStringConvertible {
    case cancelled
    case timedOut
    case cannotConnect(String)
    case tls(String)
    case failed(code: Int, message: String)
    /// The answer was larger than the request allowed; the transfer was stopped.
    case tooLarge(limit: Int)
    /// Only http and https are spoken; any other URL is refused before a byte is sent.
    case unsupportedScheme(String)

    public var description: String {
        switch self {
        case .cancelled: return "cancelled"
        case .timedOut: return "the server did not answer in time"
        case .cannotConnect(let message): return "cannot reach the server (\(message))"
        case .tls(let message): return "TLS failure: \(message)"
        case .failed(_, let message): return message
        case .tooLarge(let limit): return "the answer was larger than \(limit / (1 << 20)) MiB and was not read"
        case .unsupportedScheme(let scheme): return "only http and https addresses are fetched, not \(scheme)"
        }
    }
}

/// HTTP over libcurl. Easy handles are pooled so a connection to the server stays open between
/// requests (keep-alive); each transfer runs on a background thread and never blocks the caller's.
public final class CurlHTTPClient: @unchecked Sendable {
    public struct Options: Sendable {
        public var timeout: Duration = .seconds(30)
        public var connectTimeout: Duration = .seconds(5)
        /// A CA bundle to trust instead of the system's (a staging server's own CA).
        public var caCertificatePath: String?
        /// Off only when explicitly asked for (never by default).
        public var verifyTLS = true
        public var userAgent = "clinic-os-lite"

        public init() {}
    }

    private static let globalInit: Void = { curl_global_init(Int(CURL_GLOBAL_ALL)) }()
    private let options: Options
    private let lock = NSLock()
    private var idleHandles: [OpaquePointer] = []

    public init(options: Options = Options()) {
        _ = Self.globalInit
        self.options = options
    }

    deinit {
        for handle in idleHandles { curl_easy_cleanup(UnsafeMutableRawPointer(handle)) }
    }

    /// Sends a request; throws `TransportError` when no HTTP answer came. Task cancellation aborts the transfer.
    public func send(_ request: HTTPExchange.Request) async throws -> HTTPExchange.Response {
        let scheme = request.url.split(separator: ":", maxSplits: 1).first.map { $0.lowercased() } ?? ""
        guard scheme == "http" || scheme == "https" else { throw TransportError.unsupportedScheme(String(scheme.prefix(20))) }
        var output: FileHandle?
        if let path = request.responseFile {
            let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
            guard descriptor >= 0 else { throw TransportError.failed(code: -1, message: "cannot create \(path): \(String(cString: strerror(errno)))") }
            output = FileHandle(fileDescriptor: descriptor, closeOnDealloc: true)
        }
        let transfer = Transfer(progress: request.progress, limit: request.maximumResponseBytes, output: output)
        defer { try? output?.close() }
        do {
            return try await withTaskCancellationHandler {
                try await withCheckedThrowingContinuation { continuation in
                    // A thread of its own: curl_easy_perform blocks, and blocking GCD's small worker
                    // pool stalls everything else queued on it (Linux adds workers about once a second).
                    let thread = Thread {
                        continuation.resume(with: Result { try self.perform(request, transfer: transfer) })
                    }
                    thread.stackSize = 1 << 20
                    thread.start()
                }
            } onCancel: {
                transfer.cancel()
            }
        } catch {
            // Half a document is no document.
            if let path = request.responseFile { unlink(path) }
            throw error
        }
    }

    private func takeHandle() -> OpaquePointer? {
        lock.lock()
        defer { lock.unlock() }
        if let handle = idleHandles.popLast() { return handle }
        return curl_easy_init().map { OpaquePointer($0) }
    }

    private func returnHandle(_ handle: OpaquePointer) {
        lock.lock()
        defer { lock.unlock() }
        if idleHandles.count < 8 {
            idleHandles.append(handle)
        } else {
            curl_easy_cleanup(UnsafeMutableRawPointer(handle))
        }
    }

    private func perform(_ request: HTTPExchange.Request, transfer: Transfer) throws -> HTTPExchange.Response {
        if transfer.isCancelled { throw TransportError.cancelled }
        guard let opaque = takeHandle() else { throw TransportError.failed(code: -1, message: "libcurl could not start a transfer") }
        let handle = UnsafeMutableRawPointer(opaque)
        // Reset keeps the handle's open connections and caches, drops the previous request's options.
        curl_easy_reset(handle)
        defer { returnHandle(opaque) }

        var headerList: UnsafeMutablePointer<curl_slist>?
        // "Expect:" stops curl waiting a second for a 100-continue before larger bodies.
        for line in request.headers.map({ "\($0.0): \($0.1)" }) + ["Expect:"] {
            headerList = curl_slist_append(headerList, line)
        }
        defer { curl_slist_free_all(headerList) }

        let unmanaged = Unmanaged.passRetained(transfer)
        defer { unmanaged.release() }
        let context = unmanaged.toOpaque()

        clinic_curl_setopt_ptr(handle, CURLOPT_URL, request.url)
        // A URL handed over by a server (a download link, a checkout) is fetched only over http(s).
        clinic_curl_setopt_ptr(handle, CURLOPT_PROTOCOLS_STR, "http,https")
        clinic_curl_setopt_ptr(handle, CURLOPT_REDIR_PROTOCOLS_STR, "http,https")
        clinic_curl_setopt_long(handle, CURLOPT_NOSIGNAL, 1)
        clinic_curl_setopt_long(handle, CURLOPT_TIMEOUT_MS, Self.millis(options.timeout))
        clinic_curl_setopt_long(handle, CURLOPT_CONNECTTIMEOUT_MS, Self.millis(options.connectTimeout))
        clinic_curl_setopt_long(handle, CURLOPT_FOLLOWLOCATION, 0)
        clinic_curl_setopt_long(handle, CURLOPT_SSL_VERIFYPEER, options.verifyTLS ? 1 : 0)
        clinic_curl_setopt_long(handle, CURLOPT_SSL_VERIFYHOST, options.verifyTLS ? 2 : 0)
        if let ca = options.caCertificatePath { clinic_curl_setopt_ptr(handle, CURLOPT_CAINFO, ca) }
        clinic_curl_setopt_ptr(handle, CURLOPT_USERAGENT, options.userAgent)
        clinic_curl_setopt_ptr(handle, CURLOPT_HTTPHEADER, headerList)
        clinic_curl_setopt_cb(handle, CURLOPT_WRITEFUNCTION, curlWriteBody)
        clinic_curl_setopt_ptr(handle, CURLOPT_WRITEDATA, context)
        clinic_curl_setopt_cb(handle, CURLOPT_HEADERFUNCTION, curlWriteHeader)
        clinic_curl_setopt_ptr(handle, CURLOPT_HEADERDATA, context)
        clinic_curl_setopt_long(handle, CURLOPT_NOPROGRESS, 0)
        clinic_curl_setopt_xfercb(handle, CURLOPT_XFERINFOFUNCTION, curlProgress)
        clinic_curl_setopt_ptr(handle, CURLOPT_XFERINFODATA, context)

        // A file upload: libcurl reads the file as it sends, so a 20 MiB scan is never held in memory.
        var mime: OpaquePointer?
        if let file = request.multipartFile {
            guard let form = curl_mime_init(handle) else { throw TransportError.failed(code: -1, message: "libcurl could not build the form") }
            mime = form
            let part = curl_mime_addpart(form)
            curl_mime_name(part, file.field)
            curl_mime_filename(part, file.fileName)
            curl_mime_type(part, file.contentType)
            guard curl_mime_filedata(part, file.path) == CURLE_OK else {
                curl_mime_free(form)
                throw TransportError.failed(code: -1, message: "cannot read \(file.path)")
            }
            clinic_curl_setopt_ptr(handle, CURLOPT_MIMEPOST, UnsafeRawPointer(form))
        }
        defer { if let mime { curl_mime_free(mime) } }
        var bodyStream: UnsafeMutablePointer<FILE>?
        if let path = request.bodyFile {
            guard let file = fopen(path, "rb") else { throw TransportError.failed(code: -1, message: "cannot read \(path)") }
            bodyStream = file
            var info = stat()
            fstat(fileno(file), &info)
            clinic_curl_setopt_long(handle, CURLOPT_POST, 1)
            clinic_curl_setopt_off(handle, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(info.st_size))
            clinic_curl_setopt_cb(handle, CURLOPT_READFUNCTION, clinic_curl_read_file)
            clinic_curl_setopt_ptr(handle, CURLOPT_READDATA, UnsafeRawPointer(file))
        }
        defer { if let bodyStream { fclose(bodyStream) } }

        let method = request.method.uppercased()
        let body = request.body ?? Data()
        let code: CURLcode = body.withUnsafeBytes { (bytes: UnsafeRawBufferPointer) -> CURLcode in
            switch method {
            case "GET": clinic_curl_setopt_long(handle, CURLOPT_HTTPGET, 1)
            case "HEAD": clinic_curl_setopt_long(handle, CURLOPT_NOBODY, 1)
            default:
                if method != "POST" { clinic_curl_setopt_ptr(handle, CURLOPT_CUSTOMREQUEST, method) }
                if request.multipartFile == nil && request.bodyFile == nil && (request.body != nil || method == "POST") {
                    clinic_curl_setopt_long(handle, CURLOPT_POST, 1)
                    clinic_curl_setopt_off(handle, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(body.count))
                    clinic_curl_setopt_ptr(handle, CURLOPT_POSTFIELDS, bytes.baseAddress ?? UnsafeRawPointer(bitPattern: 1))
                }
            }
            return curl_easy_perform(handle)
        }
        guard code == CURLE_OK else {
            if transfer.isCancelled { throw TransportError.cancelled }
            if transfer.exceeded { throw TransportError.tooLarge(limit: transfer.limit) }
            let message = String(cString: curl_easy_strerror(code))
            switch code {
            case CURLE_OPERATION_TIMEDOUT: throw TransportError.timedOut
            case CURLE_COULDNT_CONNECT, CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_RESOLVE_PROXY: throw TransportError.cannotConnect(message)
            case CURLE_SSL_CONNECT_ERROR, CURLE_PEER_FAILED_VERIFICATION, CURLE_SSL_CACERT_BADFILE: throw TransportError.tls(message)
            default: throw TransportError.failed(code: Int(code.rawValue), message: message)
            }
        }
        var status = 0
        clinic_curl_getinfo_long(handle, CURLINFO_RESPONSE_CODE, &status)
        return HTTPExchange.Response(status: status, headers: transfer.headers, body: transfer.body)
    }

    private static func millis(_ duration: Duration) -> Int {
        Int(duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000)
    }
}

/// What one transfer collects, shared with libcurl's callbacks.
final class Transfer: @unchecked Sendable {
    private let lock = NSLock()
    private var cancelled = false
    var body = Data()
    var received = 0
    var exceeded = false
    var headers: [(String, String)] = []
    let progress: (@Sendable (Int64, Int64) -> Void)?
    let limit: Int
    let output: FileHandle?

    init(progress: (@Sendable (Int64, Int64) -> Void)? = nil, limit: Int = HTTPExchange.Request.defaultMaximumResponseBytes,
         output: FileHandle? = nil) {
        self.progress = progress
        self.limit = limit
        self.output = output
    }

    /// Takes a chunk of the answer; false stops the transfer (over the limit, or the file cannot be written).
    func receive(_ bytes: UnsafeRawBufferPointer) -> Bool {
        received += bytes.count
        guard received <= limit else {
            exceeded = true
            return false
        }
        if let output {
            do { try output.write(contentsOf: Data(bytes)) } catch { return false }
        } else {
            body.append(contentsOf: bytes)
        }
        return true
    }

    var isCancelled: Bool {
        lock.lock()
        defer { lock.unlock() }
        return cancelled
    }

    func cancel() {
        lock.lock()
        cancelled = true
        lock.unlock()
    }
}

private let curlWriteBody: clinic_curl_data_cb = { pointer, size, count, context in
    guard let pointer, let context else { return 0 }
    let transfer = Unmanaged<Transfer>.fromOpaque(context).takeUnretainedValue()
    return transfer.receive(UnsafeRawBufferPointer(start: pointer, count: size * count)) ? size * count : 0
}

private let curlWriteHeader: clinic_curl_data_cb = { pointer, size, count, context in
    guard let pointer, let context else { return 0 }
    let transfer = Unmanaged<Transfer>.fromOpaque(context).takeUnretainedValue()
    let line = String(decoding: UnsafeRawBufferPointer(start: pointer, count: size * count), as: UTF8.self)
        .trimmingCharacters(in: .whitespacesAndNewlines)
    if line.hasPrefix("HTTP/") {
        transfer.headers = []  // a new response (after a 100 Continue): start over
    } else if let colon = line.firstIndex(of: ":") {
        let name = line[..<colon].trimmingCharacters(in: .whitespaces).lowercased()
        let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        transfer.headers.append((name, value))
    }
    return size * count
}

private let curlProgress: clinic_curl_xfer_cb = { context, downloadTotal, downloadNow, uploadTotal, uploadNow in
    guard let context else { return 0 }
    let transfer = Unmanaged<Transfer>.fromOpaque(context).takeUnretainedValue()
    if let progress = transfer.progress {
        // An upload's answer is small: its progress is the upload's.
        if uploadTotal > 0 {
            progress(Int64(uploadNow), Int64(uploadTotal))
        } else if downloadTotal > 0 {
            progress(Int64(downloadNow), Int64(downloadTotal))
        }
    }
    return transfer.isCancelled ? 1 : 0
}
