/// What a key in a dialog asks of the screen that opened it. A dialog's `update` changes only its
/// own state and reads the app's; closing it, a toast, the app's drafts or the calendar's marks are
/// the opener's to do (`Overlays.handle` routes), so a dialog is testable alone and cannot leave
/// the app half changed.
enum DialogOutcome<Intent: Equatable & Sendable>: Equatable, Sendable {
    /// Still open (with its new state), with these requests sent for it.
    case stay([Command])
    /// Closed, nothing else to do.
    case close
    /// Something for the opener to carry out; the opener decides whether the dialog stays.
    case intent(Intent)

    static var stay: Self { .stay([]) }
}

/// A dialog with state of its own (the delete questions and help have none): `Overlays.step` runs
/// its `update` and writes it back before its opener acts.
protocol Dialog {
    associatedtype Intent: Equatable & Sendable
    mutating func update(_ key: Key, in state: AppState) -> DialogOutcome<Intent>
}

extension AppState.UpgradeState: Dialog {}
extension BookingForm: Dialog {}
extension AppState.FilePrompt: Dialog {}
extension StatusMenu: Dialog {}
extension NoteVersionsState: Dialog {}
extension PatientForm: Dialog {}
extension AppState.NoteEditorState: Dialog {}

/// Each dialog's state read and written in place (`state.overlay?.upgrade?.loading = false`), so an
/// answer from the network changes the dialog only while that dialog is still the one open. Setting
/// one to nil does nothing: a dialog is closed by `state.overlay = nil`.
extension AppState.Overlay {
    var upgrade: AppState.UpgradeState? {
        get { if case .upgrade(let value) = self { value } else { nil } }
        set { if let newValue, case .upgrade = self { self = .upgrade(newValue) } }
    }

    var patientForm: PatientForm? {
        get { if case .patientForm(let value) = self { value } else { nil } }
        set { if let newValue, case .patientForm = self { self = .patientForm(newValue) } }
    }

    var noteEditor: AppState.NoteEditorState? {
        get { if case .noteEditor(let value) = self { value } else { nil } }
        set { if let newValue, case .noteEditor = self { self = .noteEditor(newValue) } }
    }

    var booking: BookingForm? {
        get { if case .booking(let value) = self { value } else { nil } }
        set { if let newValue, case .booking = self { self = .booking(newValue) } }
    }

    var filePrompt: AppState.FilePrompt? {
        get { if case .filePrompt(let value) = self { value } else { nil } }
        set { if let newValue, case .filePrompt = self { self = .filePrompt(newValue) } }
    }

    var noteVersions: NoteVersionsState? {
        get { if case .noteVersions(let value) = self { value } else { nil } }
        set { if let newValue, case .noteVersions = self { self = .noteVersions(newValue) } }
    }
}
