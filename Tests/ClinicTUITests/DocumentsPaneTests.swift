import ClinicAPI
@testable import ClinicTUI
import Foundation
import Testing

@Suite struct DocumentsPaneTests {
    static let scan = Document(id: String(format: "%024x", 900), patientId: Fixture.patients[0].id, fileName: "scan.pdf",
                               contentType: "application/pdf", sizeBytes: 3 << 20, uploadedAt: Fixture.now)

    /// A Pro doctor on the documents pane of the first patient, its list loaded.
    static func documentsState() -> AppState {
        var state = Fixture.mainState()
        state.user = Fixture.user(status: .active, plan: .pro)
        _ = update(&state, .key(.character("2")))
        _ = update(&state, .documents(.documentsLoaded(patientID: Fixture.patients[0].id, [scan])))
        return state
    }

    @Test func test_upload_fromATypedPath_showsProgress_andListsTheFile() throws {
        var state = Self.documentsState()
        _ = update(&state, .key(.character("u")))
        guard case .filePrompt = state.overlay else { Issue.record("no prompt"); return }
        #expect(update(&state, .key(.enter)).isEmpty, "an empty path is not sent")
        for character in "~/lab" { _ = update(&state, .key(.character(character))) }
        #expect(update(&state, .key(.tab)) == [.completePath("~/lab")])
        _ = update(&state, .documents(.pathCompleted(input: "~/lab", completed: "~/labs/", candidates: [])))
        for character in "cbc.pdf" { _ = update(&state, .key(.character(character))) }
        let sent = update(&state, .key(.enter))
        #expect(sent == [.uploadDocument(patientID: Fixture.patients[0].id, path: "~/labs/cbc.pdf")])
        #expect(state.overlay == nil)
        _ = update(&state, .documents(.transferProgress(done: 5 << 20, total: 10 << 20)))
        #expect(view(state).text.contains("Uploading cbc.pdf"))
        #expect(view(state).text.contains(" 50%"))
        #expect(update(&state, .key(.character("u"))).isEmpty)
        #expect(state.overlay == nil, "one transfer at a time")
        let uploaded = Document(id: String(format: "%024x", 901), patientId: Fixture.patients[0].id, fileName: "cbc.pdf",
                                contentType: "application/pdf", sizeBytes: 10 << 20, uploadedAt: Fixture.now)
        _ = update(&state, .documents(.documentUploaded(patientID: Fixture.patients[0].id, uploaded)))
        #expect(state.documents.items.map(\.fileName) == ["cbc.pdf", "scan.pdf"])
        #expect(state.documents.transfer == nil)
    }

    @Test func test_refusals_areSaidPlainly() {
        var state = Self.documentsState()
        _ = update(&state, .key(.character("u")))
        for character in "/tmp/x.exe" { _ = update(&state, .key(.character(character))) }
        _ = update(&state, .key(.enter))
        _ = update(&state, .documents(.documentUploadFailed(APIFailure(kind: .rejected, status: 415, code: "unsupported_media_type", message: "415"))))
        // The prompt comes back with what was typed and the reason, so the path is corrected, not retyped.
        guard case .filePrompt(let reopened) = state.overlay else { Issue.record("the prompt did not come back"); return }
        #expect(reopened.path.text == "/tmp/x.exe")
        #expect(reopened.error == "Not accepted: documents must be PDF, JPEG, PNG or plain text.")
        #expect(view(state).text.contains("Not accepted: documents must be PDF"))
        _ = update(&state, .key(.backspace))
        for character in "pdf" { _ = update(&state, .key(.character(character))) }
        let resent = update(&state, .key(.enter))
        #expect(resent == [.uploadDocument(patientID: Fixture.patients[0].id, path: "/tmp/x.expdf")])
        _ = update(&state, .documents(.documentUploadFailed(APIFailure(kind: .rejected, status: 413, message: "Payload Too Large"))))
        guard case .filePrompt(let again) = state.overlay else { Issue.record("the prompt did not come back"); return }
        #expect(again.error == "Too large: documents are limited to 20 MiB.")
        _ = update(&state, .key(.escape))
        #expect(state.overlay == nil)
        // A failure with no prompt behind it (a delete) is a toast.
        _ = update(&state, .documents(.documentDeleteFailed(APIFailure(kind: .rejected, status: 413, message: "Payload Too Large"))))
        #expect(state.toast == .error("Too large: documents are limited to 20 MiB."))
        // A stale cached plan is corrected by the server's 403.
        let commands = update(&state, .documents(.documentUploadFailed(APIFailure(kind: .rejected, status: 403, code: "pro_required", message: "Pro only"))))
        #expect(commands == [.refreshUser])
        #expect(state.proLocked)
    }

    @Test func test_download_andDelete_actOnTheSelectedDocument() {
        var state = Self.documentsState()
        state.downloadFolder = "~/Downloads"
        _ = update(&state, .key(.tab))
        _ = update(&state, .key(.enter))
        guard case .filePrompt(let prompt) = state.overlay else { Issue.record("no prompt"); return }
        #expect(prompt.path.text == "~/Downloads")
        #expect(update(&state, .key(.enter)) == [.downloadDocument(Self.scan, folder: "~/Downloads")])
        _ = update(&state, .documents(.documentDownloaded(path: "/home/ana/Downloads/scan.pdf")))
        #expect(state.toast == .info("Saved to /home/ana/Downloads/scan.pdf."))
        _ = update(&state, .key(.character("x")))
        #expect(state.overlay == .confirmDocumentDelete(Self.scan))
        #expect(update(&state, .key(.character("n"))).isEmpty, "anything but y keeps it")
        _ = update(&state, .key(.character("x")))
        #expect(update(&state, .key(.character("y"))) == [.deleteDocument(id: Self.scan.id)])
        _ = update(&state, .documents(.documentDeleted(id: Self.scan.id)))
        #expect(state.documents.items.isEmpty)
    }

    @Test func test_lockedPane_hasNoUploadKey() {
        var state = Fixture.mainState()
        _ = update(&state, .key(.character("2")))
        #expect(update(&state, .key(.character("u"))).isEmpty)
        #expect(state.overlay == nil)
    }

    @Test func test_pathCompletion_completesTheCommonPart_andListsChoices() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("clinic-complete-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory + "/reports", withIntermediateDirectories: true)
        for name in ["scan-2025.pdf", "scan-2026.pdf", ".hidden.pdf"] {
            FileManager.default.createFile(atPath: directory + "/" + name, contents: Data("x".utf8))
        }
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let two = PathCompletion.complete(directory + "/sc")
        #expect(two.text == directory + "/scan-202")
        #expect(two.candidates == ["scan-2025.pdf", "scan-2026.pdf"])
        #expect(PathCompletion.complete(directory + "/rep").text == directory + "/reports/", "a folder gets its slash")
        #expect(PathCompletion.complete(directory + "/").candidates.contains(".hidden.pdf") == false)
        #expect(PathCompletion.complete(directory + "/zzz").candidates.isEmpty)
    }
}

/// `~` in a typed path is $HOME, as a shell has it.
@Suite struct LocalPathTests {
    @Test func test_tilde_isHOME() {
        let environment = ["HOME": "/tmp/desk-home"]
        #expect(LocalPath.expandingTilde("~/labs/cbc.pdf", environment: environment) == "/tmp/desk-home/labs/cbc.pdf")
        #expect(LocalPath.expandingTilde("~", environment: environment) == "/tmp/desk-home")
        #expect(LocalPath.expandingTilde("/srv/scans/a.pdf", environment: environment) == "/srv/scans/a.pdf")
        #expect(LocalPath.expandingTilde("a~b", environment: environment) == "a~b")
    }
}
