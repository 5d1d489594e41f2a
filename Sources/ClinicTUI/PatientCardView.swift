import ClinicAPI
import Foundation

/// The right-hand pane for an account that does not see clinical notes (the front desk): the
/// patient's card (what the desk registers and checks) and their visits, with the doctor of each.
enum PatientCardView {
    static func draw(_ state: AppState, x: Int, width: Int, into screen: inout Screen) {
        guard let patient = state.selectedPatient, state.timeline.patientID == patient.id else {
            screen.put("Select a patient to see their details.", x: x, y: 2, style: .dim, maxWidth: width)
            return
        }
        let focused = state.focus == .timeline
        screen.put(TerminalText.sanitize(patient.name), x: x, y: 1, style: focused ? .title : .bold, maxWidth: width)
        var y = 2
        let fields: [(String, String?)] = [
            ("Born", patient.dateOfBirth), ("Sex", patient.sex), ("Phone", patient.phoneNumber), ("Address", patient.address),
        ]
        for (label, value) in fields {
            let text = value.map { TerminalText.sanitize($0) }.flatMap { $0.isEmpty ? nil : $0 } ?? "—"
            screen.put(TerminalText.fit(label, to: 8), x: x, y: y, style: .dim)
            screen.put(text, x: x + 9, y: y, maxWidth: width - 9)
            y += 1
        }
        y += 1
        let bottom = screen.height - 2
        let visits = state.timeline.appointments
        let upcoming = visits.filter { $0.endsAt > state.now && ($0.status == .scheduled || $0.status == .arrived) }
        let past = visits.filter { !upcoming.contains($0) }.reversed()
        screen.put("Visits", x: x, y: y, style: .accent)
        y += 1
        if visits.isEmpty {
            screen.put("None booked: b books one.", x: x, y: y, style: .dim, maxWidth: width)
            return
        }
        for appointment in upcoming + past {
            guard y < bottom else { break }
            var text = PatientAppointmentsLine.short(appointment, in: state.timeZone)
            if let doctor = appointment.providerName { text += " · " + TerminalText.sanitize(doctor) }
            text += " · " + appointment.status.label
            let isUpcoming = upcoming.contains(appointment)
            screen.put((isUpcoming ? "▸ " : "  ") + text, x: x, y: y, style: isUpcoming ? .normal : .dim, maxWidth: width)
            y += 1
        }
    }
}
