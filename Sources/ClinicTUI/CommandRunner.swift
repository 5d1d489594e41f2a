import ClinicAPI
import Foundation

/// The API as the terminal app needs it; `ClinicAPIClient` provides it (and a test can fake it).
public protocol ClinicBackend: Sendable {
    func login(email: String, password: String) async throws -> User
    func register(name: String, email: String, password: String, invitationCode: String?) async throws -> User
    func currentUser() async throws -> User
    /// The clinic's members (v2), and the owner's tools.
    func staff() async throws -> [StaffMember]
    func invitations() async throws -> [Invitation]
    func invite(email: String, role: MemberRole) async throws -> CreatedInvitation
    func withdrawInvitation(id: String) async throws
    func updateStaffMember(id: String, role: MemberRole?, active: Bool?) async throws -> StaffMember
    func auditEvents(_ query: AuditQuery, cursor: String?) async throws -> (items: [AuditEvent], next: String?)
    /// The clinic's new name as the server stored it (owner).
    func renameClinic(name: String) async throws -> String
    func patients(query: String, cursor: String?) async throws -> (items: [Patient], next: String?)
    func notes(patientID: String, cursor: String?) async throws -> (items: [ClinicalNote], next: String?)
    /// Every version of a note, oldest first (404 from a server without the endpoint).
    func noteVersions(patientID: String, noteID: String) async throws -> [NoteVersion]
    func savePatient(id: String?, draft: PatientDraft) async throws -> Patient
    func deletePatient(id: String) async throws
    func saveNote(patientID: String, noteID: String?, content: String) async throws -> ClinicalNote
    func plans() async throws -> [PlanOffer]
    func createCheckout() async throws -> (sessionID: String, url: String)
    func confirmLocalCheckout(url: String) async throws
    func documents(patientID: String) async throws -> [Document]
    /// Both Pro charts for one range, counted in the terminal's time zone.
    func analytics(interval: String, from: Date, to: Date) async throws -> (growth: [GrowthPoint], outcomes: [OutcomePoint])
    /// Every appointment overlapping [from, to) (all pages), or a patient's within it.
    func appointments(from: Date, to: Date, patientID: String?) async throws -> [Appointment]
    func createAppointment(_ change: AppointmentChange) async throws -> Appointment
    func updateAppointment(id: String, _ change: AppointmentChange) async throws -> Appointment
    func uploadDocument(patientID: String, path: String, progress: @escaping @Sendable (Int64, Int64) -> Void) async throws -> Document
    func downloadDocument(id: String, fileName: String, folder: String, progress: @escaping @Sendable (Int64, Int64) -> Void) async throws -> String
    func deleteDocument(id: String) async throws
}

/// Where unsaved note texts live between runs.
public protocol DraftStorage: Sendable {
    func save(key: String, text: String)
    func remove(key: String)
}

/// Performs `Command`s off the UI thread and answers with `Msg`s through `send`. Requests can be
/// cancelled by id (Esc); nothing here blocks the caller.
public final class CommandRunner: @unchecked Sendable {
    private let backend: any ClinicBackend
    private let drafts: any DraftStorage
    private let send: @Sendable (Msg) -> Void
    private let lock = NSLock()
    private var inFlight: [Int: Task<Void, Never>] = [:]

    public init(backend: any ClinicBackend, drafts: any DraftStorage, send: @escaping @Sendable (Msg) -> Void) {
        self.backend = backend
        self.drafts = drafts
        self.send = send
    }

    public func run(_ commands: [Command]) {
        for command in commands { run(command) }
    }

    static func failure(_ error: any Error) -> ClientFailure {
        (error as? ClientFailure) ?? ClientFailure(kind: .rejected, message: "\(error)")
    }

    public func run(_ command: Command) {
        let backend = self.backend
        let send = self.send
        switch command {
        case .quit, .copyToClipboard:
            break  // the terminal loop's own
        case .saveDraft(let key, let text):
            drafts.save(key: key, text: text)
        case .clearDraft(let key):
            drafts.remove(key: key)
        case .cancel(let requestID):
            lock.lock()
            let task = inFlight.removeValue(forKey: requestID)
            lock.unlock()
            task?.cancel()
        case .after(let milliseconds, let msg):
            Task {
                try? await Task.sleep(for: .milliseconds(milliseconds))
                send(msg)
            }
        case .openBrowser(let url):
            send(.upgrade(.browserOpened(error: BrowserLauncher.open(url))))
        case .completePath(let input):
            let completion = PathCompletion.complete(input)
            send(.documents(.pathCompleted(input: input, completed: completion.text, candidates: completion.candidates)))
        case .login(let email, let password):
            request({ try await backend.login(email: email, password: password) }, then: { .loggedIn($0) }, else: { .authFailed($0) })
        case .register(let name, let email, let password, let code):
            request({ try await backend.register(name: name, email: email, password: password, invitationCode: code) },
                    then: { .loggedIn($0) }, else: { .authFailed($0) })
        case .refreshUser:
            request({ try await backend.currentUser() }, then: { .userRefreshed($0) }, else: nil)
        case .loadStaff:
            request({ try await backend.staff() }, then: { .staffLoaded($0) }, else: { .staff(.staffFailed($0)) })
        case .loadInvitations:
            request({ try await backend.invitations() }, then: { .staff(.invitationsLoaded($0)) }, else: { .staff(.staffFailed($0)) })
        case .invite(let email, let role):
            request({ try await backend.invite(email: email, role: role) }, then: { .staff(.invitationCreated($0)) }, else: { .staff(.invitationFailed($0)) })
        case .withdrawInvitation(let id):
            request({ try await backend.withdrawInvitation(id: id) }, then: { .staff(.invitationWithdrawn(id: id)) }, else: { .staff(.staffChangeFailed($0)) })
        case .updateStaffMember(let id, let role, let active):
            request({ try await backend.updateStaffMember(id: id, role: role, active: active) }, then: { .staff(.staffMemberChanged($0)) },
                    else: { .staff(.staffChangeFailed($0)) })
        case .loadNoteVersions(let patientID, let noteID):
            request({ try await backend.noteVersions(patientID: patientID, noteID: noteID) }, then: { .noteVersions(.loaded(noteID: noteID, $0)) },
                    else: { .noteVersions(.failed(noteID: noteID, $0)) })
        case .renameClinic(let name):
            request({ try await backend.renameClinic(name: name) }, then: { .staff(.clinicRenamed(name: $0)) }, else: { .staff(.clinicRenameFailed($0)) })
        case .loadAudit(let key, let query, let cursor):
            request({ try await backend.auditEvents(query, cursor: cursor) },
                    then: { .audit(.loaded(key: key, items: $0.items, nextCursor: $0.next, append: cursor != nil)) }, else: { .audit(.failed(key: key, $0)) })
        case .loadPatients(let requestID, let query, let cursor):
            request(id: requestID, { try await backend.patients(query: query, cursor: cursor) },
                    then: { .records(.patientsLoaded(requestID: requestID, items: $0.items, nextCursor: $0.next, append: cursor != nil)) },
                    else: { .records(.patientsFailed(requestID: requestID, $0)) })
        case .loadNotes(let patientID, let cursor):
            request({ try await backend.notes(patientID: patientID, cursor: cursor) },
                    then: { .records(.notesLoaded(patientID: patientID, items: $0.items, nextCursor: $0.next, append: cursor != nil)) },
                    else: { .records(.notesFailed(patientID: patientID, $0)) })
        case .savePatient(let id, let draft):
            request({ try await backend.savePatient(id: id, draft: draft) }, then: { .records(.patientSaved($0, isNew: id == nil)) },
                    else: { .records(.patientSaveFailed($0)) })
        case .findPossibleDuplicates(let name, let phone):
            request({
                var found = try await backend.patients(query: name, cursor: nil).items
                if phone.count >= 5 { found += try await backend.patients(query: String(phone.suffix(9)), cursor: nil).items }
                return found
            }, then: { .records(.possibleDuplicatesFound($0)) }, else: { .records(.patientSaveFailed($0)) })
        case .deletePatient(let id):
            request({ try await backend.deletePatient(id: id) }, then: { .records(.patientDeleted(id: id)) }, else: { .records(.patientDeleteFailed($0)) })
        case .saveNote(let patientID, let noteID, let content, let draftKey):
            request({ try await backend.saveNote(patientID: patientID, noteID: noteID, content: content) },
                    then: { .records(.noteSaved(patientID: patientID, $0, draftKey: draftKey)) }, else: { .records(.noteSaveFailed($0, draftKey: draftKey)) })
        case .loadPlans:
            request({ try await backend.plans() }, then: { .upgrade(.plansLoaded($0)) }, else: { .upgrade(.plansFailed($0)) })
        case .createCheckout:
            request({ try await backend.createCheckout() }, then: { .upgrade(.checkoutCreated(sessionID: $0.sessionID, url: $0.url)) },
                    else: { .upgrade(.checkoutFailed($0)) })
        case .confirmLocalCheckout(let url):
            request({ try await backend.confirmLocalCheckout(url: url) }, then: { .upgrade(.localCheckoutConfirmed) }, else: { .upgrade(.checkoutFailed($0)) })
        case .loadDocuments(let patientID):
            request({ try await backend.documents(patientID: patientID) }, then: { .documents(.documentsLoaded(patientID: patientID, $0)) },
                    else: { .documents(.documentsFailed(patientID: patientID, $0)) })
        case .loadAnalytics(let key, let interval, let from, let to):
            request({ try await backend.analytics(interval: interval, from: from, to: to) },
                    then: { .analytics(.loaded(key: key, growth: $0.growth, outcomes: $0.outcomes)) }, else: { .analytics(.failed(key: key, $0)) })
        case .loadAppointments(let requestID, let from, let to):
            request({ try await backend.appointments(from: from, to: to, patientID: nil) },
                    then: { .calendar(.appointmentsLoaded(requestID: requestID, items: $0)) }, else: { .calendar(.appointmentsFailed(requestID: requestID, $0)) })
        case .loadPatientAppointments(let patientID):
            let window = PatientAppointmentsLine.window(around: Date())
            request({ try await backend.appointments(from: window.lowerBound, to: window.upperBound, patientID: patientID) },
                    then: { .calendar(.patientAppointmentsLoaded(patientID: patientID, $0)) }, else: nil)
        case .createAppointment(let change):
            request({ try await backend.createAppointment(change) }, then: { .calendar(.appointmentSaved($0, isNew: true)) },
                    else: { .calendar(.appointmentSaveFailed($0)) })
        case .updateAppointment(let id, let change):
            request({ try await backend.updateAppointment(id: id, change) }, then: { .calendar(.appointmentSaved($0, isNew: false)) },
                    else: { .calendar(.appointmentUpdateFailed(id: id, $0)) })
        case .searchBookingPatients(let generation, let query):
            request({ try await backend.patients(query: query, cursor: nil) },
                    then: { .calendar(.bookingPatientsLoaded(generation: generation, Array($0.items.prefix(8)))) }, else: nil)
        case .uploadDocument(let patientID, let path):
            let progress = Self.progressReporter(send)
            request({ try await backend.uploadDocument(patientID: patientID, path: path, progress: progress) },
                    then: { .documents(.documentUploaded(patientID: patientID, $0)) }, else: { .documents(.documentUploadFailed($0)) })
        case .downloadDocument(let document, let folder):
            let progress = Self.progressReporter(send)
            request({ try await backend.downloadDocument(id: document.id, fileName: document.fileName, folder: folder, progress: progress) },
                    then: { .documents(.documentDownloaded(path: $0)) }, else: { .documents(.documentDownloadFailed($0)) })
        case .deleteDocument(let id):
            request({ try await backend.deleteDocument(id: id) }, then: { .documents(.documentDeleted(id: id)) }, else: { .documents(.documentDeleteFailed($0)) })
        }
    }

    /// The one way a request runs: off the UI thread, its answer or its failure turned into a message
    /// (`else: nil` for background refreshes whose failure the next one repairs). With an id it can
    /// be cancelled (Esc).
    private func request<Value: Sendable>(id requestID: Int? = nil, _ work: @escaping @Sendable () async throws -> Value,
                                          then success: @escaping @Sendable (Value) -> Msg,
                                          else failure: (@Sendable (ClientFailure) -> Msg)?) {
        let send = self.send
        let task = Task {
            do {
                send(success(try await work()))
            } catch {
                if let failure { send(failure(Self.failure(error))) }
            }
            if let requestID { self.finished(requestID) }
        }
        guard let requestID else { return }
        lock.lock()
        inFlight[requestID] = task
        lock.unlock()
    }

    /// Progress at most ten times a second and on every whole percent: a slow link is not flooded with redraws.
    static func progressReporter(_ send: @escaping @Sendable (Msg) -> Void) -> @Sendable (Int64, Int64) -> Void {
        let last = ProgressGate()
        return { done, total in
            if last.shouldReport(done: done, total: total) { send(.documents(.transferProgress(done: done, total: total))) }
        }
    }

    private func finished(_ requestID: Int) {
        lock.lock()
        inFlight[requestID] = nil
        lock.unlock()
    }
}

final class ProgressGate: @unchecked Sendable {
    private let lock = NSLock()
    private var lastPercent = -1
    private var lastTime = Date.distantPast

    func shouldReport(done: Int64, total: Int64) -> Bool {
        guard total > 0 else { return false }
        let percent = Int(done * 100 / total)
        lock.lock()
        defer { lock.unlock() }
        let now = Date()
        guard percent != lastPercent, now.timeIntervalSince(lastTime) >= 0.1 || percent == 100 else { return false }
        lastPercent = percent
        lastTime = now
        return true
    }
}

/// Tab completion of file paths for the upload and download prompts.
enum PathCompletion {
    static func complete(_ input: String) -> (text: String, candidates: [String]) {
        let expanded = LocalPath.expandingTilde(input)
        let (directory, prefix): (String, String) = {
            if input.isEmpty { return (FileManager.default.currentDirectoryPath, "") }
            if expanded.hasSuffix("/") { return (expanded, "") }
            return ((expanded as NSString).deletingLastPathComponent.isEmpty ? "." : (expanded as NSString).deletingLastPathComponent,
                    (expanded as NSString).lastPathComponent)
        }()
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: directory) else { return (input, []) }
        let matches = entries.filter { $0.hasPrefix(prefix) && (prefix.hasPrefix(".") || !$0.hasPrefix(".")) }.sorted()
        guard !matches.isEmpty else { return (input, []) }
        var common = matches[0]
        for match in matches.dropFirst() {
            while !match.hasPrefix(common) { common.removeLast() }
        }
        // Keep what the doctor typed (a "~" stays a "~"); add only the completed part.
        var text = input + String(common.dropFirst(prefix.count))
        if matches.count == 1 {
            var isDirectory: ObjCBool = false
            FileManager.default.fileExists(atPath: directory + "/" + matches[0], isDirectory: &isDirectory)
            if isDirectory.boolValue { text += "/" }
            return (text, [])
        }
        return (text, Array(matches.prefix(8)))
    }
}

/// Opens a URL in the doctor's browser: $BROWSER (the first of a colon-separated list; "%s" marks
/// where the URL goes), else xdg-open. Detached, with no access to the terminal the app draws on.
enum BrowserLauncher {
    /// Only an http(s) address goes to the browser, or to the clipboard.
    static func isWebAddress(_ url: String) -> Bool {
        guard let target = URL(string: url) else { return false }
        return target.scheme == "https" || target.scheme == "http"
    }

    static func open(_ url: String, environment: [String: String] = ProcessInfo.processInfo.environment) -> String? {
        guard isWebAddress(url) else { return "Not a web address." }
        var command: [String]
        if let browser = environment["BROWSER"]?.split(separator: ":").first.map(String.init), !browser.isEmpty {
            let words = browser.split(separator: " ").map(String.init)
            command = words.contains { $0.contains("%s") } ? words.map { $0.replacingOccurrences(of: "%s", with: url) } : words + [url]
        } else {
            command = ["xdg-open", url]
        }
        let executable = command.removeFirst()
        let paths = executable.contains("/") ? [executable]
            : (environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":").map { $0 + "/" + executable }
        guard let path = paths.first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            return "No browser found: set $BROWSER, or open the address on another device."
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = command
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        do {
            try process.run()
            return nil
        } catch {
            return "Could not start \(executable): \(error.localizedDescription)"
        }
    }
}
