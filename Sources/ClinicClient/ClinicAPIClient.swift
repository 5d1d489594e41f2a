import ClinicAPI
import ClinicHTTP
import Foundation
import HTTPTypes
import OpenAPIRuntime

/// The typed Clinic OS Lite API for the terminal app: the generated client over libcurl, with
/// tokens attached, one refresh on a 401, and every failure turned into an `APIFailure`.
/// Works against any server that honours the contract (ours, or a FastAPI one).
public final class ClinicAPIClient: Sendable {
    public let serverURL: URL
    let client: Client
    let vault: SessionVault

    public init(serverURL: URL, http: CurlHTTPClient, session: StoredSession?, sessionFile: SessionFile?) {
        self.serverURL = serverURL
        let vault = SessionVault(session: session, file: sessionFile, server: serverURL.absoluteString, http: http)
        self.vault = vault
        let transport = CurlClientTransport(http: http)
        self.client = Client(serverURL: serverURL, configuration: .clinic, transport: transport,
                             middlewares: [FailureMiddleware(), BearerMiddleware(vault: vault, transport: transport, serverURL: serverURL)])
    }

    /// The refresh token of the session, while signed in.
    public var storedRefreshToken: String? {
        get async { await vault.session?.refreshToken }
    }

    /// The signed-in user as last known (from the session file): what locks Pro panes offline.
    public var cachedUser: Components.Schemas.User? {
        get async { await vault.session?.user }
    }

    public func login(email: String, password: String) async throws -> Components.Schemas.User {
        try await perform {
            let tokens = try await client.login(body: .urlEncodedForm(.init(username: email, password: password))).ok.body.json
            await vault.store(tokens)
            return tokens.user
        }
    }

    public func register(name: String, email: String, password: String, invitationCode: String? = nil) async throws -> Components.Schemas.User {
        try await perform {
            let tokens = try await client.registerUser(body: .json(.init(username: name, email: email, password: password,
                                                                         invitationCode: invitationCode))).created.body.json
            await vault.store(tokens)
            return tokens.user
        }
    }

    public func currentUser() async throws -> Components.Schemas.User {
        try await perform {
            let user = try await client.getCurrentUser().ok.body.json
            await vault.update(user: user)
            return user
        }
    }

    /// The clinic's staff (v2): the booking form needs the doctors. A v1 server has none: an empty list.
    public func staff() async throws -> [Components.Schemas.StaffMember] {
        do {
            return try await perform { try await client.listStaff().ok.body.json.items }
        } catch let failure as APIFailure where failure.status == 404 {
            return []
        }
    }

    /// Pending invitations (owner).
    public func invitations() async throws -> [Components.Schemas.Invitation] {
        try await perform { try await client.listInvitations().ok.body.json.items }
    }

    /// An invitation (owner): the answer holds the code, shown only this once.
    public func invite(email: String, role: Components.Schemas.Role) async throws -> Components.Schemas.CreatedInvitation {
        try await perform { try await client.createInvitation(body: .json(.init(email: email, role: role))).created.body.json }
    }

    public func withdrawInvitation(id: String) async throws {
        try await perform { _ = try await client.withdrawInvitation(path: .init(id: id)).noContent }
    }

    /// A change of role, or a deactivation (owner).
    public func updateStaffMember(id: String, role: Components.Schemas.Role?, active: Bool?) async throws -> Components.Schemas.StaffMember {
        try await perform { try await client.updateStaffMember(path: .init(id: id), body: .json(.init(role: role, active: active))).ok.body.json }
    }

    /// Every version of a note, oldest first, the current one last.
    public func noteVersions(patientID: String, noteID: String) async throws -> [Components.Schemas.NoteVersion] {
        try await perform { try await client.listNoteVersions(path: .init(id: patientID, noteId: noteID)).ok.body.json.items }
    }

    /// Renames the caller's clinic (owner); the name as stored.
    public func renameClinic(name: String) async throws -> String {
        try await perform { try await client.renameClinic(body: .json(.init(name: name))).ok.body.json.name }
    }

    /// The audit log, newest first (owner), narrowed by whichever filters are given ([from, to)).
    public func auditEvents(patientID: String?, actorID: String? = nil, action: String? = nil, from: Date? = nil, to: Date? = nil,
                            cursor: String?) async throws -> (items: [Components.Schemas.AuditEvent], next: String?) {
        try await perform {
            let query = Operations.ListAuditEvents.Input.Query(patientId: patientID, actorId: actorID, action: action, from: from, to: to,
                                                               limit: 50, cursor: cursor)
            let page = try await client.listAuditEvents(query: query).ok.body.json
            return (page.items, page.nextCursor)
        }
    }

    public func patients(query: String, cursor: String?) async throws -> (items: [Components.Schemas.Patient], next: String?) {
        try await perform {
            let page = try await client.listPatients(query: .init(q: query.isEmpty ? nil : query, limit: 50, cursor: cursor)).ok.body.json
            return (page.items, page.nextCursor)
        }
    }

    public func notes(patientID: String, cursor: String?) async throws -> (items: [Components.Schemas.ClinicalNote], next: String?) {
        try await perform {
            let page = try await client.listNotes(path: .init(id: patientID), query: .init(limit: 50, cursor: cursor)).ok.body.json
            return (page.items, page.nextCursor)
        }
    }

    public func savePatient(id: String?, draft: PatientDraft) async throws -> Components.Schemas.Patient {
        func optional(_ text: String) -> String? {
            let trimmed = text.trimmingCharacters(in: .whitespaces)
            return trimmed.isEmpty ? nil : trimmed
        }
        return try await perform {
            if let id {
                // On update an empty string clears a field (absent leaves it as it is).
                let body = Components.Schemas.PatientUpdate(
                    name: draft.name, phoneNumber: draft.phoneNumber, address: draft.address, notes: draft.notes,
                    dateOfBirth: draft.dateOfBirth, sex: Components.Schemas.PatientUpdate.SexPayload(rawValue: draft.sex.lowercased()))
                if !draft.sex.isEmpty, body.sex == nil {
                    throw APIFailure(kind: .rejected, status: 422, message: "sex must be female, male, other or unknown",
                                     fieldErrors: ["sex": "female, male, other or unknown"])
                }
                return try await client.updatePatient(path: .init(id: id), body: .json(body)).ok.body.json
            }
            let sex = optional(draft.sex).map { Components.Schemas.PatientCreate.SexPayload(rawValue: $0.lowercased()) }
            if let sex, sex == nil {
                throw APIFailure(kind: .rejected, status: 422, message: "sex must be female, male, other or unknown",
                                 fieldErrors: ["sex": "female, male, other or unknown"])
            }
            let body = Components.Schemas.PatientCreate(
                name: draft.name, phoneNumber: optional(draft.phoneNumber), address: optional(draft.address),
                notes: optional(draft.notes), dateOfBirth: optional(draft.dateOfBirth), sex: sex ?? nil)
            return try await client.createPatient(body: .json(body)).created.body.json
        }
    }

    public func deletePatient(id: String) async throws {
        try await perform {
            _ = try await client.deletePatient(path: .init(id: id)).noContent
        }
    }

    public func saveNote(patientID: String, noteID: String?, content: String) async throws -> Components.Schemas.ClinicalNote {
        try await perform {
            if let noteID {
                return try await client.amendNote(path: .init(id: patientID, noteId: noteID), body: .json(.init(content: content))).ok.body.json
            }
            return try await client.createNote(path: .init(id: patientID), body: .json(.init(content: content))).created.body.json
        }
    }

    /// Signs out: the server revokes the refresh token's family (a v1 server without
    /// `/api/token/revoke` answers 404, which changes nothing), then the session is forgotten here.
    public func logout() async {
        if let refreshToken = await vault.session?.refreshToken {
            _ = try? await client.revokeToken(body: .json(.init(refreshToken: refreshToken)))
        }
        await vault.clear()
    }

    /// Runs one call and reports any failure as an `APIFailure`.
    func perform<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch {
            throw Self.failure(from: error)
        }
    }

    static func failure(from error: any Error) -> APIFailure {
        if let failure = error as? APIFailure { return failure }
        if let clientError = error as? ClientError { return failure(from: clientError.underlyingError) }
        if let transport = error as? TransportError {
            return transport == .cancelled ? APIFailure(kind: .cancelled, message: "cancelled")
                : APIFailure(kind: .unreachable, message: transport.description)
        }
        if error is CancellationError { return APIFailure(kind: .cancelled, message: "cancelled") }
        if error is DecodingError { return APIFailure(kind: .rejected, message: "The server's answer was not in the expected shape.") }
        return APIFailure(kind: .rejected, message: "Unexpected answer from the server.")
    }
}

/// Turns error answers into `APIFailure`: FastAPI's `{"detail": "…"}`, our `{"detail", "code"}`, and
/// the 422 list `{"detail": [{"loc": […], "msg": …}]}` (field errors by the last `loc` element).
public struct FailureMiddleware: ClientMiddleware {
    public func intercept(_ request: HTTPRequest, body: HTTPBody?, baseURL: URL, operationID: String,
                   next: (HTTPRequest, HTTPBody?, URL) async throws -> (HTTPResponse, HTTPBody?)) async throws -> (HTTPResponse, HTTPBody?) {
        let (response, responseBody) = try await next(request, body, baseURL)
        guard response.status.code >= 400 else { return (response, responseBody) }
        var data = Data()
        if let responseBody { data = (try? await Data(collecting: responseBody, upTo: 1 << 20)) ?? Data() }
        throw Self.failure(status: response.status.code, body: data, retryAfter: response.headerFields[.retryAfter])
    }

    public static func failure(status: Int, body: Data, retryAfter: String?) -> APIFailure {
        let object = (try? JSONSerialization.jsonObject(with: body)) as? [String: Any]
        var message = Self.plainMessage(status: status, body: body)
        var fieldErrors: [String: String] = [:]
        if let detail = object?["detail"] as? String {
            message = detail
        } else if let issues = object?["detail"] as? [[String: Any]] {
            for issue in issues {
                let location = issue["loc"] as? [Any] ?? []
                let field = location.last.map { "\($0)" } ?? "body"
                let text = issue["msg"] as? String ?? "invalid"
                if fieldErrors[field] == nil { fieldErrors[field] = text }
            }
            message = (issues.first?["msg"] as? String) ?? "The request was not valid."
        }
        // A detail with nothing to read in it (blank, or only escape sequences the screen will strip).
        if !UntrustedText.isReadable(message) {
            message = Self.plainMessage(status: status, body: Data())
        }
        if status == 429, let retryAfter { message += " (retry in \(retryAfter) s)" }
        // A 502/503/504 without the contract's error body is a proxy or load balancer speaking (the
        // server is restarting or gone): as good as no answer, so saves are kept and retried. Our own
        // 502/503 (a payment gateway's refusal) carry `detail` and stay errors.
        if [502, 503, 504].contains(status), object?["detail"] == nil {
            return APIFailure(kind: .unreachable, status: status, message: "the server is unavailable (\(status) from the proxy in front of it)")
        }
        let kind: APIFailure.Kind = status == 401 ? .sessionExpired : .rejected
        return APIFailure(kind: kind, status: status, code: object?["code"] as? String, message: message, fieldErrors: fieldErrors)
    }

    /// Words for an error answer without the contract's `detail`: a short plain-text body (uvicorn
    /// answers an unhandled error with "Internal Server Error"), else what the status means. (The
    /// status alone has no words: `HTTPResponse.Status(code:)` leaves its reason phrase empty, which
    /// once showed a 500 as a blank line in the note editor.)
    static func plainMessage(status: Int, body: Data) -> String {
        let text = String(decoding: body.prefix(200), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        let firstLine = text.split(whereSeparator: \.isNewline).first.map(String.init) ?? ""
        if !firstLine.isEmpty, !firstLine.hasPrefix("<"), !firstLine.hasPrefix("{"), !firstLine.hasPrefix("["),
           UntrustedText.isReadable(firstLine) {
            return "\(firstLine.prefix(120)) (\(status))"
        }
        switch status {
        case 400: return "The server did not accept the request (400)"
        case 403: return "Not allowed (403)"
        case 404: return "Not found (404)"
        case 409: return "It clashes with something already there (409)"
        case 413: return "Too large for the server (413)"
        case 415: return "The server does not accept this kind of file (415)"
        case 422: return "The request was not valid (422)"
        case 429: return "Too many requests"
        case 500...599: return "The server failed (\(status))"
        default: return "The server answered \(status)"
        }
    }
}

/// Adds the bearer token; on a 401 refreshes once (the refresh token rotates) and retries.
struct BearerMiddleware: ClientMiddleware {
    static let publicOperations: Set<String> = ["login", "registerUser", "refreshToken", "healthz", "readyz", "openapiDocument"]
    let vault: SessionVault
    let transport: CurlClientTransport
    let serverURL: URL

    func intercept(_ request: HTTPRequest, body: HTTPBody?, baseURL: URL, operationID: String,
                   next: (HTTPRequest, HTTPBody?, URL) async throws -> (HTTPResponse, HTTPBody?)) async throws -> (HTTPResponse, HTTPBody?) {
        guard !Self.publicOperations.contains(operationID) else { return try await next(request, body, baseURL) }
        // The body may be needed twice (a retry after refresh): keep it in memory.
        var bodyData: Data?
        if let body { bodyData = try await Data(collecting: body, upTo: 64 << 20) }
        func send(token: String?) async throws -> (HTTPResponse, HTTPBody?) {
            var request = request
            if let token { request.headerFields[.authorization] = "Bearer \(token)" }
            return try await next(request, bodyData.map { HTTPBody($0) }, baseURL)
        }
        guard let token = await vault.session?.accessToken else {
            throw APIFailure(kind: .sessionExpired, status: 401, message: "Not logged in.")
        }
        let first = try await send(token: token)
        guard first.0.status.code == 401 else { return first }
        guard let refreshed = try await vault.refresh(using: transport, serverURL: serverURL, staleToken: token) else {
            throw APIFailure(kind: .sessionExpired, status: 401, message: "Your session has expired.")
        }
        return try await send(token: refreshed)
    }
}

// MARK: Plans, payments and Pro features

extension ClinicAPIClient {
    public func plans() async throws -> [Components.Schemas.PlanOffer] {
        try await perform { try await client.listPlans().ok.body.json }
    }

    public func createCheckout() async throws -> (sessionID: String, url: String) {
        try await perform {
            let session = try await client.createPaymentSession(body: .json(.init(plan: .pro))).ok.body.json
            return (session.sessionId, session.checkoutUrl)
        }
    }

    /// Confirms a checkout at the local gateway (the embedded default) from the terminal: the same
    /// POST its page's button makes. Only for URLs on the API's own origin.
    public func confirmLocalCheckout(url: String) async throws {
        guard let target = URL(string: url), target.host == serverURL.host, target.port == serverURL.port,
              target.path.hasPrefix("/checkout/cs_local_")
        else { throw APIFailure(kind: .rejected, message: "This checkout is at the payment provider: finish it in a browser.") }
        let response: HTTPExchange.Response
        do {
            response = try await vault.http.send(.init(method: "POST", url: url + "/confirm"))
        } catch {
            throw Self.failure(from: error)
        }
        guard response.status == 200 else { throw FailureMiddleware.failure(status: response.status, body: response.body, retryAfter: nil) }
    }

    public func documents(patientID: String) async throws -> [Components.Schemas.Document] {
        try await perform { try await client.listDocuments(path: .init(id: patientID)).ok.body.json.items }
    }

    /// Patient growth and appointment outcomes for one range, both counted in the terminal's zone.
    public func analytics(interval: String, from: Date, to: Date)
        async throws -> (growth: [Components.Schemas.PatientGrowth.PointsPayloadPayload],
                         outcomes: [Components.Schemas.AppointmentOutcomes.PointsPayloadPayload]) {
        try await perform {
            let tz = TimeZone.current.identifier
            let period = Components.Parameters.Interval(rawValue: interval) ?? .day
            async let growth = client.patientGrowth(query: .init(interval: period, from: from, to: to, tz: tz)).ok.body.json.points
            async let outcomes = client.appointmentOutcomes(query: .init(interval: period, from: from, to: to, tz: tz)).ok.body.json.points
            return (try await growth, try await outcomes)
        }
    }
}

// MARK: Appointments

extension ClinicAPIClient {
    public func appointments(from: Date, to: Date, patientID: String?) async throws -> [Components.Schemas.Appointment] {
        try await perform {
            var items: [Components.Schemas.Appointment] = []
            var cursor: String?
            // A month of a busy clinic is a few pages; the bound stops a server that never ends its cursor chain.
            for _ in 0..<50 {
                let page = try await client.listAppointments(query: .init(from: from, to: to, patientId: patientID, limit: 200,
                                                                          cursor: cursor)).ok.body.json
                items += page.items
                guard let next = page.nextCursor, !page.items.isEmpty else { break }
                cursor = next
            }
            return items
        }
    }

    public func createAppointment(_ change: AppointmentChange) async throws -> Components.Schemas.Appointment {
        try await perform {
            guard let patientID = change.patientID, let starts = change.startsAt, let ends = change.endsAt else {
                throw APIFailure(kind: .rejected, message: "A booking needs a patient, a start and an end.")
            }
            return try await client.createAppointment(body: .json(.init(patientId: patientID, startsAt: starts, endsAt: ends,
                                                                        reason: change.reason, status: change.status,
                                                                        providerId: change.providerID))).created.body.json
        }
    }

    public func updateAppointment(id: String, _ change: AppointmentChange) async throws -> Components.Schemas.Appointment {
        try await perform {
            try await client.updateAppointment(path: .init(id: id),
                                               body: .json(.init(patientId: change.patientID, providerId: change.providerID, startsAt: change.startsAt,
                                                                 endsAt: change.endsAt, reason: change.reason,
                                                                 status: change.status))).ok.body.json
        }
    }
}

// MARK: Documents: files to and from disk

extension ClinicAPIClient {
    public static let documentSizeLimit: Int64 = 20 << 20

    /// Uploads a file from disk as `multipart/form-data` (part `file`), streamed by libcurl with progress.
    public func uploadDocument(patientID: String, path: String,
                               progress: @escaping @Sendable (Int64, Int64) -> Void) async throws -> Components.Schemas.Document {
        let expanded = LocalPath.expandingTilde(path)
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: expanded, isDirectory: &isDirectory), !isDirectory.boolValue else {
            throw APIFailure(kind: .rejected, message: "No such file: \(path)")
        }
        guard FileManager.default.isReadableFile(atPath: expanded) else { throw APIFailure(kind: .rejected, message: "Cannot read \(path)") }
        let size = ((try? FileManager.default.attributesOfItem(atPath: expanded))?[.size] as? NSNumber)?.int64Value ?? 0
        // Said before sending 20 MiB over a slow link; the server checks again.
        guard size <= Self.documentSizeLimit else {
            throw APIFailure(kind: .rejected, status: 413, code: "payload_too_large",
                             message: String(format: "The file is %.1f MiB: documents are limited to 20 MiB.", Double(size) / 1_048_576))
        }
        let fileName = (expanded as NSString).lastPathComponent
        let file = HTTPExchange.MultipartFile(field: "file", path: expanded, fileName: fileName, contentType: Self.contentType(of: fileName))
        let url = serverURL.absoluteString.trimmingCharacters(in: CharacterSet(charactersIn: "/")) + "/api/patients/\(patientID)/documents"
        let response = try await authorizedSend { token in
            HTTPExchange.Request(method: "POST", url: url, headers: [("Authorization", "Bearer \(token)")], multipartFile: file, progress: progress)
        }
        guard response.status == 201 || response.status == 200 else {
            throw FailureMiddleware.failure(status: response.status, body: response.body, retryAfter: response.header("retry-after"))
        }
        return try Self.decoder.decode(Components.Schemas.Document.self, from: response.body)
    }

    /// Fetches a document through its signed URL (no bearer token goes to the storage) into a folder;
    /// returns the path written. An existing file is never overwritten: "scan (1).pdf" and so on.
    public func downloadDocument(id: String, fileName: String, folder: String,
                                 progress: @escaping @Sendable (Int64, Int64) -> Void) async throws -> String {
        let directory = LocalPath.expandingTilde(folder)
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw APIFailure(kind: .rejected, message: "No such folder: \(folder)")
        }
        let signed = try await perform { try await client.documentDownloadURL(path: .init(id: id)).ok.body.json }
        // A relative URL is the API's own; an absolute one may be object storage (GCS). Nothing but
        // http(s) is fetched, whatever the server says.
        guard let target = URL(string: signed.url, relativeTo: serverURL)?.absoluteURL,
              target.scheme == "https" || target.scheme == "http", target.host?.isEmpty == false
        else {
            throw APIFailure(kind: .rejected, message: "The server gave an unusable download address.")
        }
        let path = Self.freePath(in: directory, for: Self.safeFileName(fileName))
        let response: HTTPExchange.Response
        do {
            response = try await vault.http.send(.init(method: "GET", url: target.absoluteString, progress: progress,
                                                       maximumResponseBytes: Self.maximumDownloadBytes, responseFile: path))
        } catch {
            throw Self.failure(from: error)
        }
        guard response.status == 200 else {
            unlink(path)
            throw APIFailure(kind: .rejected, status: response.status, message: "The download link was refused (HTTP \(response.status)).")
        }
        return path
    }

    /// Documents are at most 20 MiB (contract); a little more for what a storage service adds.
    static let maximumDownloadBytes = 21 << 20

    public func deleteDocument(id: String) async throws {
        try await perform { _ = try await client.deleteDocument(path: .init(id: id)).noContent }
    }

    /// A request that carries the bearer token, refreshed once on a 401 (as the generated client's are).
    func authorizedSend(_ make: (String) -> HTTPExchange.Request) async throws -> HTTPExchange.Response {
        guard let token = await vault.session?.accessToken else {
            throw APIFailure(kind: .sessionExpired, status: 401, message: "Not logged in.")
        }
        do {
            let first = try await vault.http.send(make(token))
            guard first.status == 401 else { return first }
            guard let refreshed = try await vault.refresh(using: CurlClientTransport(http: vault.http), serverURL: serverURL, staleToken: token)
            else { throw APIFailure(kind: .sessionExpired, status: 401, message: "Your session has expired.") }
            return try await vault.http.send(make(refreshed))
        } catch {
            throw Self.failure(from: error)
        }
    }

    /// For the few answers read without the generated client (uploads, token refresh): the
    /// contract's timestamps, as tolerant as the generated client's transcoder.
    static let decoder: JSONDecoder = {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .custom { decoder in
            try RFC3339DateTranscoder().decode(try decoder.singleValueContainer().decode(String.self))
        }
        return decoder
    }()

    static func contentType(of fileName: String) -> String {
        switch (fileName as NSString).pathExtension.lowercased() {
        case "pdf": return "application/pdf"
        case "png": return "image/png"
        case "jpg", "jpeg": return "image/jpeg"
        case "txt", "text", "md": return "text/plain"
        default: return "application/octet-stream"
        }
    }

    /// A name from the server made safe for the local disk: no folders, no hidden files, no control characters.
    static func safeFileName(_ name: String) -> String {
        let cleaned = String(String.UnicodeScalarView(name.unicodeScalars.filter {
            !CharacterSet.controlCharacters.contains($0) && $0 != "/" && $0 != "\\"
        })).trimmingCharacters(in: CharacterSet(charactersIn: ". ").union(.whitespaces))
        return cleaned.isEmpty ? "document" : String(cleaned.prefix(200))
    }

    static func freePath(in directory: String, for fileName: String) -> String {
        let base = (fileName as NSString).deletingPathExtension
        let ext = (fileName as NSString).pathExtension
        var candidate = directory + "/" + fileName
        var counter = 1
        while FileManager.default.fileExists(atPath: candidate) {
            candidate = directory + "/" + base + " (\(counter))" + (ext.isEmpty ? "" : "." + ext)
            counter += 1
        }
        return candidate
    }
}
