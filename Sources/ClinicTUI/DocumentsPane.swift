import ClinicAPI
import Foundation

/// Keys and answers of the documents pane (Pro): upload from a typed path, download through the
/// signed URL into a folder, delete with confirmation.
enum DocumentsPane {
    static func move(_ state: inout AppState, by step: Int) -> [Command] {
        state.documents.selected = max(0, min(state.documents.items.count - 1, state.documents.selected + step))
        return []
    }

    static func openDownload(_ state: inout AppState) -> [Command] {
        // The front desk files letters but does not open them: no prompt, no request.
        guard state.roleAllows(.downloadDocuments), let document = selected(state) else { return [] }
        guard state.documents.transfer == nil else { state.toast = .info("A transfer is under way."); return [] }
        state.overlay = .filePrompt(AppState.FilePrompt(purpose: .download(document), path: LineField(state.downloadFolder, maxLength: 1024)))
        return []
    }

    static func confirmDelete(_ state: inout AppState) -> [Command] {
        guard state.roleAllows(.deleteDocuments), let document = selected(state) else { return [] }
        if let blocked = MainScreen.writeBlocked(state) { state.toast = .error(blocked); return [] }
        state.overlay = .confirmDocumentDelete(document)
        return []
    }

    static func selected(_ state: AppState) -> Document? {
        state.documents.items.indices.contains(state.documents.selected) ? state.documents.items[state.documents.selected] : nil
    }

    static func openUpload(_ state: inout AppState) -> [Command] {
        guard let patient = state.selectedPatient else { return [] }
        if let blocked = MainScreen.writeBlocked(state) { state.toast = .error(blocked); return [] }
        guard state.documents.transfer == nil else { state.toast = .info("A transfer is under way."); return [] }
        state.overlay = .filePrompt(AppState.FilePrompt(purpose: .upload(patientID: patient.id, patientName: TerminalText.sanitize(patient.name)),
                                                        path: LineField("", maxLength: 1024)))
        return []
    }

    /// The prompt's path sent: the transfer starts, and the prompt is kept to reopen if it fails.
    static func send(_ state: inout AppState, _ prompt: AppState.FilePrompt, path: String) -> [Command] {
        state.overlay = nil
        state.documents.sentPrompt = prompt
        switch prompt.purpose {
        case .upload(let patientID, _):
            state.documents.transfer = AppState.TransferState(label: "Uploading " + (path as NSString).lastPathComponent)
            return [.uploadDocument(patientID: patientID, path: path)]
        case .download(let document):
            state.downloadFolder = path
            state.documents.transfer = AppState.TransferState(label: "Downloading " + TerminalText.sanitize(document.fileName))
            return [.downloadDocument(document, folder: path)]
        }
    }

    static func update(_ state: inout AppState, _ msg: DocumentsMsg) -> [Command] {
        switch msg {
        case .documentsLoaded(let patientID, let items):
            guard state.documents.patientID == patientID else { return [] }
            state.documents.items = items
            state.documents.loading = false
            state.documents.error = nil
            return []
        case .documentsFailed(let patientID, let failure):
            guard state.documents.patientID == patientID else { return [] }
            state.documents.loading = false
            let commands = ProFeatures.correctStaleCache(&state, failure)
            if commands.isEmpty && state.loggedIn { state.documents.error = failure.message }
            return commands
        case .transferProgress(let done, let total):
            state.documents.transfer?.done = done
            state.documents.transfer?.total = total
            return []
        case .documentUploaded(let patientID, let document):
            state.documents.transfer = nil
            state.documents.sentPrompt = nil
            if state.documents.patientID == patientID {
                state.documents.items.insert(document, at: 0)
                state.documents.selected = 0
            }
            state.toast = .info("Uploaded \(TerminalText.sanitize(document.fileName)).")
            return []
        case .documentDeleteFailed(let failure):
            // A delete is no transfer: an upload under way goes on, and no prompt comes back.
            let commands = ProFeatures.correctStaleCache(&state, failure)
            if state.loggedIn { state.toast = .error(plain(failure)) }
            return commands
        case .documentUploadFailed(let failure), .documentDownloadFailed(let failure):
            state.documents.transfer = nil
            let commands = ProFeatures.correctStaleCache(&state, failure)
            // The prompt comes back only where it was: this patient's documents, nothing else open.
            if var prompt = state.documents.sentPrompt, state.loggedIn, state.overlay == nil, !state.proLocked, state.mode == .records,
               state.rightPane == .documents, state.documents.patientID == prompt.patientID {
                // Said in the reopened prompt, with the path still there to correct.
                prompt.error = plain(failure)
                state.overlay = .filePrompt(prompt)
                state.documents.sentPrompt = nil
                return commands
            }
            state.documents.sentPrompt = nil
            if state.loggedIn { state.toast = .error(plain(failure)) }
            return commands
        case .documentDownloaded(let path):
            state.documents.transfer = nil
            state.documents.sentPrompt = nil
            state.toast = .info("Saved to \(TerminalText.sanitize(path)).")
            return []
        case .documentDeleted(let id):
            state.documents.items.removeAll { $0.id == id }
            state.documents.selected = min(state.documents.selected, max(0, state.documents.items.count - 1))
            state.toast = .info("Document deleted.")
            return []
        case .pathCompleted(let input, let completed, let candidates):
            guard state.overlay?.filePrompt?.path.text == input else { return [] }
            state.overlay?.filePrompt?.path = LineField(completed, maxLength: 1024)
            state.overlay?.filePrompt?.candidates = candidates
            state.overlay?.filePrompt?.error = candidates.isEmpty && completed == input ? "Nothing matches." : nil
            return []
        }
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
