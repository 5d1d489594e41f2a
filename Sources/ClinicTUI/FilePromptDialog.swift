import Foundation

/// A path typed with Tab completion: the file to upload or the folder to download into.
extension AppState.FilePrompt {
    enum Intent: Equatable, Sendable {
        /// The path typed, trimmed and not empty.
        case send(path: String)
    }

    /// Typing and completing the path; sending it is the documents pane's.
    mutating func update(_ key: Key, in state: AppState) -> DialogOutcome<Intent> {
        switch DocumentsPane.promptBindings.action(for: key, in: state) {
        case .cancel:
            return .close
        case .complete:
            return .stay([.completePath(path.text)])
        case .submit:
            let typed = path.text.trimmingCharacters(in: .whitespaces)
            guard !typed.isEmpty else {
                error = "Type a path (Tab completes)."
                return .stay
            }
            error = nil
            candidates = []
            return .intent(.send(path: typed))
        default:
            if path.handle(key) {
                candidates = []
                error = nil
            }
            return .stay
        }
    }
}

enum FilePromptView {
    static func draw(_ prompt: AppState.FilePrompt, into screen: inout Screen) {
        let title: String
        let label: String
        switch prompt.purpose {
        case .upload(_, let name):
            title = "Upload a document for " + name
            label = "File (PDF, JPEG, PNG or text; up to 20 MiB):"
        case .download(let document):
            title = "Download " + TerminalText.sanitize(document.fileName)
            label = "Into the folder:"
        }
        let box = drawBox(title: title, width: 72, height: 7 + min(prompt.candidates.count, 8), into: &screen)
        screen.put(label, x: box.x, y: box.y, maxWidth: box.width)
        screen.fill(x: box.x, y: box.y + 1, width: box.width, height: 1, style: .inputFocused)
        let visible = prompt.path.visible(columns: box.width)
        screen.put(TerminalText.sanitize(visible.text), x: box.x, y: box.y + 1, style: .inputFocused, maxWidth: box.width)
        screen.cursor = (box.x + visible.cursorColumn, box.y + 1)
        var y = box.y + 2
        for candidate in prompt.candidates.prefix(8) {
            screen.put("  " + TerminalText.sanitize(candidate), x: box.x, y: y, style: .dim, maxWidth: box.width)
            y += 1
        }
        if let error = prompt.error { screen.put(TerminalText.sanitize(error), x: box.x, y: y, style: .error, maxWidth: box.width) }
    }
}
