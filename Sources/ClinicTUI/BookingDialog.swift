import ClinicAPI
import Foundation

/// The booking form's keys: finding the patient as the receptionist types, the doctor, the day and
/// time, checked here before anything is sent. The calendar sends the change and clears its clash
/// marks (`CalendarScreen.booked`).
extension BookingForm {
    enum Intent: Equatable, Sendable {
        case cancel
        /// The appointment to create or change, checked.
        case send(Command)
    }

    /// The patient chosen in the form, with what tells two of one name apart.
    mutating func pick(_ chosen: Patient) {
        patientID = chosen.id
        patientName = TerminalText.sanitize(chosen.name)
        patientDetail = PatientIdentity.detail(chosen)
        patient = LineField(patientName, maxLength: 200)
        matches = []
        fieldErrors[.patient] = nil
    }

    mutating func update(_ key: Key, in state: AppState) -> DialogOutcome<Intent> {
        let onPatient = focus == .patient
        let action = CalendarScreen.bookingBindings.action(for: key, in: state)
        switch action {
        case .closeMatches:
            matches = []
        case .cancel:
            return .intent(.cancel)
        case .nextMatch:
            matchIndex = min(matches.count - 1, matchIndex + 1)
        case .previousMatch:
            matchIndex = max(0, matchIndex - 1)
        case .pickMatch:
            pick(matches[matchIndex])
            focusNext(by: 1)
        case .nextChoice, .previousChoice:
            guard !doctors.isEmpty else { return .stay }
            doctorIndex = (doctorIndex + (action == .previousChoice ? doctors.count - 1 : 1)) % doctors.count
            fieldErrors[.doctor] = nil
            error = nil
        case .nextField:
            focusNext(by: 1)
        case .previousField:
            focusNext(by: -1)
        case .submit:
            return submit(in: state)
        default:
            let field = focus
            let before = value(field).text
            if onPatient && patientOffered {
                patientOffered = false
                switch key {
                case .character, .backspace, .delete: patient = LineField(maxLength: 200)
                default: break
                }
            }
            edit(field) { _ = $0.handle(key) }
            guard value(field).text != before else { return .stay }
            fieldErrors[field] = nil
            if field == .date || field == .time { pastDateConfirmed = false }
            if onPatient {
                // Typing a name forgets the patient chosen before and searches as the receptionist types.
                patientID = nil
                patientDetail = ""
                generation += 1
                let query = patient.text.trimmingCharacters(in: .whitespaces)
                if query.isEmpty {
                    matches = []
                    return .stay
                }
                return .stay([.after(milliseconds: 200, .calendar(.bookingSearchDebounced(generation: generation)))])
            }
        }
        return .stay
    }

    mutating func submit(in state: AppState) -> DialogOutcome<Intent> {
        guard !busy else { return .stay }
        var errors: [Field: String] = [:]
        if patientID == nil { errors[.patient] = "type part of a name, then pick with ↑/↓ and Enter" }
        let day = CalendarMath.day(date.text, in: state.timeZone, now: state.now)
        if day == nil { errors[.date] = "a date: 2026-12-24, today, tomorrow, +2w, mon" }
        let minute = CalendarMath.minuteOfDay(time.text)
        if minute == nil { errors[.time] = "a time as HH:MM (24-hour)" }
        let length = Int(minutes.text.trimmingCharacters(in: .whitespaces))
        if length == nil || !(5...720).contains(length ?? 0) { errors[.minutes] = "from 5 to 720 minutes" }
        fieldErrors = errors
        if let first = fields.first(where: { errors[$0] != nil }) {
            focus = first
            error = nil
            return .stay
        }
        guard let patientID, let day, let minute, let length else { return .stay }
        let starts = CalendarMath.instant(day: day, minute: minute, in: state.timeZone)
        let ends = starts.addingTimeInterval(Double(length) * 60)
        // A time already past is said once (the focus stays where it is); saving again books it:
        // a visit entered after the fact is real work, a wrong day by a slip is not.
        if starts < state.now && !pastDateConfirmed && appointmentID == nil {
            pastDateConfirmed = true
            error = "\(CalendarMath.dayTitle(starts, in: state.timeZone)) \(CalendarMath.clock(minute: minute)) is in the past: "
                + "Ctrl-S again books it anyway."
            return .stay
        }
        let trimmedReason = reason.text.trimmingCharacters(in: .whitespaces)
        busy = true
        error = nil
        clashes = []
        var provider = doctors.count > 1 ? doctor?.id : nil
        if appointmentID != nil && provider == originalProviderID { provider = nil }
        let change = AppointmentChange(patientID: patientID, providerID: provider, startsAt: starts, endsAt: ends,
                                       reason: trimmedReason.isEmpty ? nil : trimmedReason)
        if let appointmentID { return .intent(.send(.updateAppointment(id: appointmentID, change))) }
        return .intent(.send(.createAppointment(change)))
    }
}
