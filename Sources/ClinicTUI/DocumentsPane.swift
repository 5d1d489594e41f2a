import ClinicAPI
import Foundation

/// Keys and answers of the documents pane (Pro): upload from a typed path, download through the
/// signed URL into a folder, delete with confirmation.
enum DocumentsPane {
    static func move(_ state: inout AppState, by step: Int) -> [Command] {
        Screens.run(&state, \.documents) { documents, _ in
            documents.selected = max(0, min(documents.items.count - 1, documents.selected + step))
            return .none
        }
    }

    static func openDownload(_ state: inout AppState) -> [Command] {
        Screens.run(&state, \.documents) { documents, app in documents.openDownload(in: app) }
    }

    static func confirmDelete(_ state: inout AppState) -> [Command] {
        Screens.run(&state, \.documents) { documents, app in documents.confirmDelete(in: app) }
    }

    static func openUpload(_ state: inout AppState) -> [Command] {
        Screens.run(&state, \.documents) { documents, app in documents.openUpload(in: app) }
    }

    /// The file prompt's path sent (the prompt's opener).
    static func send(_ state: inout AppState, _ prompt: AppState.FilePrompt, path: String) -> [Command] {
        Screens.run(&state, \.documents) { documents, _ in documents.send(prompt, path: path) }
    }

    static func update(_ state: inout AppState, _ msg: DocumentsMsg) -> [Command] {
        if case .pathCompleted(let input, let completed, let candidates) = msg {
            // The prompt's own answer: it changes the prompt only while that prompt is open, on the path asked about.
            state.overlay?.filePrompt?.completed(input: input, completed: completed, candidates: candidates)
            return []
        }
        return Screens.run(&state, \.documents) { documents, app in documents.update(msg, in: app) }
    }

    /// The server's 413 and 415 said in the doctor's words.
    static func plain(_ failure: ClientFailure) -> String {
        switch failure.status {
        case 413: return failure.message.contains("MiB") ? failure.message : "Too large: documents are limited to 20 MiB."
        case 415: return "Not accepted: documents must be PDF, JPEG, PNG or plain text."
        default: return failure.message
        }
    }
}

/// The documents pane's own state, changed by its keys and answers; the prompt and the question it
/// opens, its toasts and a refusal about the account are asked of the app.
extension AppState.DocumentsState {
    var selectedDocument: Document? { items.indices.contains(selected) ? items[selected] : nil }

    mutating func openDownload(in app: AppState) -> ScreenOutcome {
        // The front desk files letters but does not open them: no prompt, no request.
        guard app.roleAllows(.downloadDocuments), let document = selectedDocument else { return .none }
        guard transfer == nil else { return .ask(.toast(.info("A transfer is under way."))) }
        return .ask(.open(.filePrompt(AppState.FilePrompt(purpose: .download(document), path: LineField(app.downloadFolder, maxLength: 1024)))))
    }

    mutating func confirmDelete(in app: AppState) -> ScreenOutcome {
        guard app.roleAllows(.deleteDocuments), let document = selectedDocument else { return .none }
        if let blocked = MainScreen.writeBlocked(app) { return .ask(.toast(.error(blocked))) }
        return .ask(.open(.confirmDocumentDelete(document)))
    }

    mutating func openUpload(in app: AppState) -> ScreenOutcome {
        guard let patient = app.selectedPatient else { return .none }
        if let blocked = MainScreen.writeBlocked(app) { return .ask(.toast(.error(blocked))) }
        guard transfer == nil else { return .ask(.toast(.info("A transfer is under way."))) }
        return .ask(.open(.filePrompt(AppState.FilePrompt(purpose: .upload(patientID: patient.id, patientName: TerminalText.sanitize(patient.name)),
                                                          path: LineField("", maxLength: 1024)))))
    }

    /// The prompt's path sent: the transfer starts, and the prompt is kept to reopen if it fails.
    mutating func send(_ prompt: AppState.FilePrompt, path: String) -> ScreenOutcome {
        sentPrompt = prompt
        switch prompt.purpose {
        case .upload(let patientID, _):
            transfer = AppState.TransferState(label: "Uploading " + (path as NSString).lastPathComponent)
            return .ask(.closeDialog, sending: [.uploadDocument(patientID: patientID, path: path)])
        case .download(let document):
            transfer = AppState.TransferState(label: "Downloading " + TerminalText.sanitize(document.fileName))
            return .ask(.closeDialog, .downloadFolder(path), sending: [.downloadDocument(document, folder: path)])
        }
    }

    mutating func update(_ msg: DocumentsMsg, in app: AppState) -> ScreenOutcome {
        switch msg {
        case .documentsLoaded(let patientID, let items):
            guard self.patientID == patientID else { return .none }
            self.items = items
            loading = false
            error = nil
            return .none
        case .documentsFailed(let patientID, let failure):
            guard self.patientID == patientID else { return .none }
            loading = false
            if !failure.isAboutTheAccount && app.loggedIn { error = failure.message }
            return .ask(.accountFailure(failure))
        case .transferProgress(let done, let total):
            transfer?.done = done
            transfer?.total = total
            return .none
        case .documentUploaded(let patientID, let document):
            transfer = nil
            sentPrompt = nil
            if self.patientID == patientID {
                items.insert(document, at: 0)
                selected = 0
            }
            return .ask(.toast(.info("Uploaded \(TerminalText.sanitize(document.fileName)).")))
        case .documentDeleteFailed(let failure):
            // A delete is no transfer: an upload under way goes on, and no prompt comes back.
            return failed(failure, in: app)
        case .documentUploadFailed(let failure), .documentDownloadFailed(let failure):
            transfer = nil
            // The prompt comes back only where it was: this patient's documents, nothing else open, and
            // not when the account was the trouble (the pane locks, or the sign-in screen comes).
            if var prompt = sentPrompt, app.loggedIn, app.overlay == nil, !app.proLocked, app.mode == .records,
               app.rightPane == .documents, patientID == prompt.patientID, !failure.isAboutTheAccount {
                // Said in the reopened prompt, with the path still there to correct.
                prompt.error = DocumentsPane.plain(failure)
                sentPrompt = nil
                return .ask(.open(.filePrompt(prompt)))
            }
            sentPrompt = nil
            return failed(failure, in: app)
        case .documentDownloaded(let path):
            transfer = nil
            sentPrompt = nil
            return .ask(.toast(.info("Saved to \(TerminalText.sanitize(path)).")))
        case .documentDeleted(let id):
            items.removeAll { $0.id == id }
            selected = min(selected, max(0, items.count - 1))
            return .ask(.toast(.info("Document deleted.")))
        case .pathCompleted:
            return .none  // the prompt's (`DocumentsPane.update`)
        }
    }

    /// A refusal said as a toast, unless it was the session that expired (the sign-in screen says that).
    private func failed(_ failure: ClientFailure, in app: AppState) -> ScreenOutcome {
        guard app.loggedIn, failure.kind != .sessionExpired else { return .ask(.accountFailure(failure)) }
        return .ask(.accountFailure(failure), .toast(.error(DocumentsPane.plain(failure))))
    }
}

extension AppState.FilePrompt {
    /// Tab's completion of the path, if the path is still the one asked about.
    mutating func completed(input: String, completed: String, candidates: [String]) {
        guard path.text == input else { return }
        path = LineField(completed, maxLength: 1024)
        self.candidates = candidates
        error = candidates.isEmpty && completed == input ? "Nothing matches." : nil
    }
}
