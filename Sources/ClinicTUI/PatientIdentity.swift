import ClinicAPI
import Foundation

/// What tells two patients of one name apart wherever one is chosen or confirmed: the date of
/// birth and the whole phone number (never cut: the last digits are the ones that differ).
enum PatientIdentity {
    /// "born 1980-02-03 · +27 21 356 0691"; empty when the record has neither.
    static func detail(_ patient: Patient) -> String {
        var parts: [String] = []
        if let born = patient.dateOfBirth, !born.isEmpty { parts.append("born " + TerminalText.sanitize(born)) }
        if let phone = patient.phoneNumber, !phone.isEmpty { parts.append(TerminalText.sanitize(phone)) }
        return parts.joined(separator: " · ")
    }

    /// A row of a list of patients to choose from: the name cut to leave room for the detail.
    static func row(_ patient: Patient, width: Int) -> String {
        let detail = detail(patient)
        guard !detail.isEmpty else { return TerminalText.truncate(TerminalText.sanitize(patient.name), to: width) }
        let nameWidth = max(8, width - TerminalText.width(detail) - 2)
        return TerminalText.fit(TerminalText.sanitize(patient.name), to: nameWidth) + "  " + detail
    }
}
