import ClinicAPI
import Foundation

/// The delete questions (a patient, a document): `y` deletes, any other key keeps, so a stray key
/// never deletes. The question only answers; the deleting is the records' and documents' to do.
enum Confirmation {
    static func update(_ key: Key, in state: AppState) -> DialogOutcome<Question.Answer> {
        Question.delete.action(for: key, in: state) == .yes ? .intent(.yes) : .close
    }

    /// `y`: the dialog closes and the deletion is sent.
    static func confirmed(_ state: inout AppState, _ command: Command) -> [Command] {
        state.overlay = nil
        state.toast = .info("Deleting…")
        return [command]
    }
}

enum ConfirmView {
    static func draw(_ patient: Patient, into screen: inout Screen) {
        let box = drawBox(title: "Delete patient", width: 56, height: 7, into: &screen)
        screen.put("Delete " + TerminalText.sanitize(patient.name) + "?", x: box.x, y: box.y + 1, style: .bold, maxWidth: box.width)
        // Two patients of one name are told apart here, before anything is lost.
        let detail = PatientIdentity.detail(patient)
        screen.put(detail.isEmpty ? "(no date of birth or phone on record)" : detail, x: box.x, y: box.y + 2, style: .dim, maxWidth: box.width)
        screen.put("Their notes and appointments go too.", x: box.x, y: box.y + 3, maxWidth: box.width)
        screen.put("y delete   n keep", x: box.x, y: box.y + 4, style: .warning)
    }
}
