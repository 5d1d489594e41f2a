import ClinicAPI
import Foundation

/// The API as the terminal app needs it; `ClinicAPIClient` provides it (and a test can fake it).
public protocol ClinicBackend: Sendable {
    func login(email: String, password: String) async throws -> User
    func register(name: String, email: String, password: String) async throws -> User
    func currentUser() async throws -> User
    func patients(query: String, cursor: String?) async throws -> (items: [Patient], next: String?)
    func notes(patientID: String, cursor: String?) async throws -> (items: [ClinicalNote], next: String?)
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
        case .quit:
            break
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
        case .login(let email, let password):
            Task {
                do { send(.loggedIn(try await backend.login(email: email, password: password))) } catch { send(.authFailed(Self.failure(error))) }
            }
        case .register(let name, let email, let password):
            Task {
                do { send(.loggedIn(try await backend.register(name: name, email: email, password: password))) } catch {
                    send(.authFailed(Self.failure(error)))
                }
            }
        case .refreshUser:
            Task {
                if let user = try? await backend.currentUser() { send(.userRefreshed(user)) }
            }
        case .loadPatients(let requestID, let query, let cursor):
            let task = Task {
                do {
                    let page = try await backend.patients(query: query, cursor: cursor)
                    send(.patientsLoaded(requestID: requestID, items: page.items, nextCursor: page.next, append: cursor != nil))
                } catch {
                    send(.patientsFailed(requestID: requestID, Self.failure(error)))
                }
                self.finished(requestID)
            }
            lock.lock()
            inFlight[requestID] = task
            lock.unlock()
        case .loadNotes(let patientID, let cursor):
            Task {
                do {
                    let page = try await backend.notes(patientID: patientID, cursor: cursor)
                    send(.notesLoaded(patientID: patientID, items: page.items, nextCursor: page.next, append: cursor != nil))
                } catch {
                    send(.notesFailed(patientID: patientID, Self.failure(error)))
                }
            }
        case .savePatient(let id, let draft):
            Task {
                do { send(.patientSaved(try await backend.savePatient(id: id, draft: draft), isNew: id == nil)) } catch {
                    send(.patientSaveFailed(Self.failure(error)))
                }
            }
        case .deletePatient(let id):
            Task {
                do {
                    try await backend.deletePatient(id: id)
                    send(.patientDeleted(id: id))
                } catch {
                    send(.patientDeleteFailed(Self.failure(error)))
                }
            }
        case .loadPlans:
            Task {
                do { send(.plansLoaded(try await backend.plans())) } catch { send(.plansFailed(Self.failure(error))) }
            }
        case .createCheckout:
            Task {
                do {
                    let checkout = try await backend.createCheckout()
                    send(.checkoutCreated(sessionID: checkout.sessionID, url: checkout.url))
                } catch {
                    send(.checkoutFailed(Self.failure(error)))
                }
            }
        case .confirmLocalCheckout(let url):
            Task {
                do {
                    try await backend.confirmLocalCheckout(url: url)
                    send(.localCheckoutConfirmed)
                } catch {
                    send(.checkoutFailed(Self.failure(error)))
                }
            }
        case .loadDocuments(let patientID):
            Task {
                do { send(.documentsLoaded(patientID: patientID, try await backend.documents(patientID: patientID))) } catch {
                    send(.documentsFailed(patientID: patientID, Self.failure(error)))
                }
            }
        case .loadAnalytics(let key, let interval, let from, let to):
            Task {
                do {
                    let answer = try await backend.analytics(interval: interval, from: from, to: to)
                    send(.analyticsLoaded(key: key, growth: answer.growth, outcomes: answer.outcomes))
                } catch {
                    send(.analyticsFailed(key: key, Self.failure(error)))
                }
            }
        case .loadAppointments(let requestID, let from, let to):
            Task {
                do { send(.appointmentsLoaded(requestID: requestID, items: try await backend.appointments(from: from, to: to, patientID: nil))) } catch {
                    send(.appointmentsFailed(requestID: requestID, Self.failure(error)))
                }
            }
        case .loadPatientAppointments(let patientID):
            Task {
                // A year either side: the patient pane shows the next visits and the last ones.
                let now = Date()
                if let items = try? await backend.appointments(from: now.addingTimeInterval(-365 * 86_400),
                                                               to: now.addingTimeInterval(365 * 86_400), patientID: patientID) {
                    send(.patientAppointmentsLoaded(patientID: patientID, items))
                }
            }
        case .createAppointment(let change):
            Task {
                do { send(.appointmentSaved(try await backend.createAppointment(change), isNew: true)) } catch {
                    send(.appointmentSaveFailed(Self.failure(error)))
                }
            }
        case .updateAppointment(let id, let change):
            Task {
                do { send(.appointmentSaved(try await backend.updateAppointment(id: id, change), isNew: false)) } catch {
                    send(.appointmentUpdateFailed(id: id, Self.failure(error)))
                }
            }
        case .searchBookingPatients(let generation, let query):
            Task {
                if let page = try? await backend.patients(query: query, cursor: nil) {
                    send(.bookingPatientsLoaded(generation: generation, Array(page.items.prefix(8))))
                }
            }
        case .uploadDocument(let patientID, let path):
            let progress = Self.progressReporter(send)
            Task {
                do { send(.documentUploaded(patientID: patientID, try await backend.uploadDocument(patientID: patientID, path: path, progress: progress))) } catch {
                    send(.documentUploadFailed(Self.failure(error)))
                }
            }
        case .downloadDocument(let document, let folder):
            let progress = Self.progressReporter(send)
            Task {
                do {
                    send(.documentDownloaded(path: try await backend.downloadDocument(id: document.id, fileName: document.fileName, folder: folder,
                                                                                      progress: progress)))
                } catch {
                    send(.documentDownloadFailed(Self.failure(error)))
                }
            }
        case .deleteDocument(let id):
            Task {
                do {
                    try await backend.deleteDocument(id: id)
                    send(.documentDeleted(id: id))
                } catch {
                    send(.documentDeleteFailed(Self.failure(error)))
                }
            }
        case .openBrowser(let url):
            send(.browserOpened(error: BrowserLauncher.open(url)))
        case .completePath(let input):
            let completion = PathCompletion.complete(input)
            send(.pathCompleted(input: input, completed: completion.text, candidates: completion.candidates))
        case .saveNote(let patientID, let noteID, let content, let draftKey):
            Task {
                do {
                    let note = try await backend.saveNote(patientID: patientID, noteID: noteID, content: content)
                    send(.noteSaved(patientID: patientID, note, draftKey: draftKey))
                } catch {
                    send(.noteSaveFailed(Self.failure(error), draftKey: draftKey))
                }
            }
        }
    }

    /// Progress at most ten times a second and on every whole percent: a slow link is not flooded with redraws.
    static func progressReporter(_ send: @escaping @Sendable (Msg) -> Void) -> @Sendable (Int64, Int64) -> Void {
        let last = ProgressGate()
        return { done, total in
            if last.shouldReport(done: done, total: total) { send(.transferProgress(done: done, total: total)) }
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
        let expanded = (input as NSString).expandingTildeInPath
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
    static func open(_ url: String, environment: [String: String] = ProcessInfo.processInfo.environment) -> String? {
        guard let target = URL(string: url), target.scheme == "https" || target.scheme == "http" else { return "Not a web address." }
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
