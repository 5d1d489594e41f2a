import ClinicAPI
import Foundation

/// The front desk's day: which hours the day view shows and how long a slot is.
public struct WorkingHours: Equatable, Sendable {
    public var startMinute: Int
    public var endMinute: Int
    public var slotMinutes: Int

    public init(startMinute: Int = 8 * 60, endMinute: Int = 18 * 60, slotMinutes: Int = 15) {
        self.startMinute = startMinute
        self.endMinute = endMinute
        self.slotMinutes = slotMinutes
    }

    /// "08:00-18:00" and a slot length in minutes; nil when they make no sense.
    public init?(hours: String, slotMinutes: Int) {
        let parts = hours.split(separator: "-").map(String.init)
        guard parts.count == 2, let start = CalendarMath.minuteOfDay(parts[0]), let end = CalendarMath.minuteOfDay(parts[1]),
              start < end, [5, 10, 15, 20, 30, 60].contains(slotMinutes)
        else { return nil }
        self.init(startMinute: start, endMinute: end, slotMinutes: slotMinutes)
    }
}

/// What the calendar shows and has loaded.
public struct CalendarState: Equatable, Sendable {
    public enum Span: Equatable, Sendable { case day, week, month }

    public var span = Span.day
    /// The selected day (its start in the doctor's time zone).
    public var day: Date
    /// The selected slot, as minutes after midnight.
    public var minute: Int
    /// The first slot row shown in the day view (kept stable so moving redraws little).
    public var scroll = 0
    /// With a column per doctor (a wide day view of all doctors), the selected doctor's column.
    public var column = 0
    /// In one list of several doctors' days, the visit Tab chose among those beginning together in
    /// the selected slot (keys act on it, the row names it); in any other slot it is not used.
    public var chosenVisitID: String?
    /// The compact day: a row where a visit begins and one per free stretch, so a whole day fits 80×24.
    public var compact = false
    public var appointments: [Appointment] = []
    public var loadedRange: Range<Date>?
    /// When the shown appointments were fetched: the calendar re-asks every minute (another desk may book).
    public var loadedAt: Date?
    public var requestedRange: Range<Date>?
    public var loading = false
    /// The minutely re-ask while the calendar is on screen: no spinner, no "loading…" (on a slow
    /// link a refresh that changed nothing must redraw nothing).
    public var refreshingQuietly = false
    public var requestID = 0
    public var error: String?
    /// Appointments with a change on its way to the server.
    public var pending: [String: AppointmentChange] = [:]
    /// Appointments that a booking or a move clashed with: drawn as such.
    public var clashes: Set<String> = []
    /// The doctor whose calendar is shown; nil shows every doctor's.
    public var providerID: String?
    /// Where the selection was when a move was sent: it follows the appointment only once the
    /// server has agreed (a refused move leaves the selection on the appointment it was meant for).
    public var moveOrigins: [String: Int] = [:]
    /// The status an appointment had before a change on its way, for the undo.
    public var statusBefore: [String: AppointmentStatus] = [:]
    /// The last change made from the calendar's keys (a status, a move, a length), which `u`
    /// takes back; any later change of another kind replaces or clears it, so `u` never reaches
    /// past the last thing done.
    public var undo: CalendarUndo?
    /// Appointments whose change on its way is an undo (not itself undone by the next `u`).
    public var undoing: Set<String> = []

    /// The appointments of the doctor shown (all of them when no doctor is chosen). An appointment
    /// from a v1 server has no provider and shows in every calendar.
    public var shown: [Appointment] {
        guard let providerID else { return appointments }
        return appointments.filter { $0.providerId == nil || $0.providerId == providerID }
    }

    public init(day: Date, minute: Int) {
        self.day = day
        self.minute = minute
    }
}

/// The booking form: patient (searched inline), the doctor (when the clinic has several), date,
/// time, length and reason.
public struct BookingForm: Equatable, Sendable {
    public enum Field: Hashable, Sendable, CaseIterable {
        case patient, doctor, date, time, minutes, reason

        var label: String {
            switch self {
            case .patient: return "Patient"
            case .doctor: return "Doctor (←/→)"
            case .date: return "Date"
            case .time: return "Time hh:mm"
            case .minutes: return "Minutes"
            case .reason: return "Reason"
            }
        }
    }

    /// A doctor the appointment can be with.
    public struct Doctor: Equatable, Sendable {
        public var id: String
        public var name: String

        public init(id: String, name: String) {
            self.id = id
            self.name = name
        }
    }

    /// nil when booking; the appointment being changed otherwise.
    public var appointmentID: String?
    public var patientID: String?
    public var patientName = ""
    public var patient = LineField(maxLength: 200)
    /// Born and phone of the chosen patient: two of one name are told apart before booking.
    public var patientDetail = ""
    /// The patient was offered from the list's selection, not chosen here: the first key typed on
    /// the field replaces the name, as a selected text would be.
    public var patientOffered = false
    public var matches: [Patient] = []
    public var matchIndex = 0
    public var generation = 0
    /// The clinic's doctors; the field is shown only when there is a choice.
    public var doctors: [Doctor] = []
    public var doctorIndex = 0
    /// The doctor of the appointment being changed: it is sent only when the desk picks another.
    public var originalProviderID: String?
    public var date = LineField(maxLength: 16)
    public var time = LineField(maxLength: 5)
    public var minutes = LineField(maxLength: 3)
    public var reason = LineField(maxLength: 500)
    public var focus = Field.patient
    public var fieldErrors: [Field: String] = [:]
    public var error: String?
    /// A past date is said once; saving again books it (a visit entered after the fact).
    public var pastDateConfirmed = false
    /// The appointments a 409 said this one overlaps.
    public var clashes: [Appointment] = []
    public var busy = false

    public init() {}

    /// The fields shown, in Tab order.
    public var fields: [Field] { Field.allCases.filter { $0 != .doctor || doctors.count > 1 } }

    var doctor: Doctor? { doctors.indices.contains(doctorIndex) ? doctors[doctorIndex] : nil }

    mutating func focusNext(by step: Int) {
        let shown = fields
        let index = shown.firstIndex(of: focus) ?? 0
        focus = shown[(index + step + shown.count) % shown.count]
    }

    var isOnLastField: Bool { focus == fields.last }

    mutating func edit(_ field: Field, _ body: (inout LineField) -> Void) {
        switch field {
        case .patient: body(&patient)
        case .date: body(&date)
        case .time: body(&time)
        case .minutes: body(&minutes)
        case .reason: body(&reason)
        case .doctor: break
        }
    }

    func value(_ field: Field) -> LineField {
        switch field {
        case .patient: return patient
        case .date: return date
        case .time: return time
        case .minutes: return minutes
        case .reason: return reason
        case .doctor: return LineField(doctor.map { TerminalText.sanitize($0.name) } ?? "", maxLength: 200)
        }
    }
}

/// The change `u` takes back: the appointment and what it was before.
public struct CalendarUndo: Equatable, Sendable {
    public enum Before: Equatable, Sendable {
        case status(AppointmentStatus)
        case time(startsAt: Date, endsAt: Date)
    }

    public var appointmentID: String
    public var before: Before
}

/// Dates for the calendar in the doctor's time zone (weeks start on Monday, as in analytics).
public enum CalendarMath {
    public static func calendar(_ timeZone: TimeZone) -> Calendar {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        calendar.firstWeekday = 2
        calendar.minimumDaysInFirstWeek = 4
        return calendar
    }

    /// "9:05" or "09:05" → 545; nil for anything else.
    public static func minuteOfDay(_ text: String) -> Int? {
        let parts = text.trimmingCharacters(in: .whitespaces).split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, (1...2).contains(parts[0].count), parts[1].count == 2,
              let hour = Int(parts[0]), let minute = Int(parts[1]), (0..<24).contains(hour), (0..<60).contains(minute)
        else { return nil }
        return hour * 60 + minute
    }

    /// A date as the front desk types it: "2026-11-25", "today", "tomorrow", "+3d", "+2w", "mon"
    /// (the next Monday, never today), each relative to `now`; nil for anything else.
    public static func day(_ text: String, in timeZone: TimeZone, now: Date) -> Date? {
        let word = text.trimmingCharacters(in: .whitespaces).lowercased()
        let today = startOfDay(now, in: timeZone)
        switch word {
        case "today", "tod": return today
        case "tomorrow", "tom", "tmw": return addDays(1, to: today, in: timeZone)
        case "yesterday": return addDays(-1, to: today, in: timeZone)
        default: break
        }
        if word.hasPrefix("+"), let unit = word.last, "dw".contains(unit), let count = Int(word.dropFirst().dropLast()), (0...520).contains(count) {
            return addDays(unit == "w" ? count * 7 : count, to: today, in: timeZone)
        }
        let weekdays = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"]
        if word.count >= 3, let index = weekdays.firstIndex(where: { word.hasPrefix($0) }) {
            let current = calendar(timeZone).component(.weekday, from: today) - 1
            let ahead = (index - current + 7) % 7
            return addDays(ahead == 0 ? 7 : ahead, to: today, in: timeZone)
        }
        return day(word, in: timeZone)
    }

    /// "2026-11-25" → that day's start in the zone; nil for anything else (31 February included).
    public static func day(_ text: String, in timeZone: TimeZone) -> Date? {
        let parts = text.trimmingCharacters(in: .whitespaces).split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
              let year = Int(parts[0]), let month = Int(parts[1]), let day = Int(parts[2])
        else { return nil }
        let calendar = calendar(timeZone)
        let components = DateComponents(year: year, month: month, day: day)
        guard components.isValidDate(in: calendar), let date = calendar.date(from: components) else { return nil }
        return calendar.startOfDay(for: date)
    }

    public static func startOfDay(_ date: Date, in timeZone: TimeZone) -> Date {
        calendar(timeZone).startOfDay(for: date)
    }

    /// The instant of a wall-clock minute on a day (DST-aware: 10:00 is 10:00 on the day clocks change).
    public static func instant(day: Date, minute: Int, in timeZone: TimeZone) -> Date {
        let calendar = calendar(timeZone)
        return calendar.date(bySettingHour: minute / 60, minute: minute % 60, second: 0, of: day)
            ?? day.addingTimeInterval(Double(minute) * 60)
    }

    /// Minutes after midnight of an instant, on its own day in the zone.
    public static func minute(of date: Date, in timeZone: TimeZone) -> Int {
        let c = calendar(timeZone).dateComponents([.hour, .minute], from: date)
        return (c.hour ?? 0) * 60 + (c.minute ?? 0)
    }

    public static func addDays(_ days: Int, to day: Date, in timeZone: TimeZone) -> Date {
        let calendar = calendar(timeZone)
        return calendar.startOfDay(for: calendar.date(byAdding: .day, value: days, to: day) ?? day)
    }

    public static func addMonths(_ months: Int, to day: Date, in timeZone: TimeZone) -> Date {
        let calendar = calendar(timeZone)
        return calendar.startOfDay(for: calendar.date(byAdding: .month, value: months, to: day) ?? day)
    }

    /// The Monday on or before a day.
    public static func weekStart(_ day: Date, in timeZone: TimeZone) -> Date {
        let calendar = calendar(timeZone)
        let weekday = calendar.component(.weekday, from: day)  // 1 = Sunday
        return addDays(-((weekday + 5) % 7), to: day, in: timeZone)
    }

    /// The 6×7 grid of the month view: from the Monday on or before the 1st.
    public static func monthGrid(_ day: Date, in timeZone: TimeZone) -> Range<Date> {
        let calendar = calendar(timeZone)
        let first = calendar.date(from: calendar.dateComponents([.year, .month], from: day)) ?? day
        let start = weekStart(calendar.startOfDay(for: first), in: timeZone)
        return start..<addDays(42, to: start, in: timeZone)
    }

    /// What a view needs loaded. Day and week views share the week, so moving between days of a
    /// week asks the server nothing.
    public static func range(for span: CalendarState.Span, day: Date, in timeZone: TimeZone) -> Range<Date> {
        switch span {
        case .day, .week:
            let start = weekStart(day, in: timeZone)
            return start..<addDays(7, to: start, in: timeZone)
        case .month:
            return monthGrid(day, in: timeZone)
        }
    }

    /// Appointments that overlap a stretch of time, as the server judges a clash.
    public static func overlapping(_ appointments: [Appointment], from: Date, to: Date) -> [Appointment] {
        appointments.filter { $0.startsAt < to && from < $0.endsAt }
    }

    /// The rows of the day view, as minutes after midnight: working hours, stretched to show
    /// any appointment outside them.
    public static func slots(day: Date, appointments: [Appointment], hours: WorkingHours, in timeZone: TimeZone) -> [Int] {
        var first = hours.startMinute
        var last = hours.endMinute
        let next = addDays(1, to: day, in: timeZone)
        for appointment in overlapping(appointments, from: day, to: next) {
            let start = appointment.startsAt < day ? 0 : minute(of: appointment.startsAt, in: timeZone)
            let end = appointment.endsAt >= next ? 24 * 60 : minute(of: appointment.endsAt, in: timeZone)
            first = min(first, start - start % hours.slotMinutes)
            last = max(last, end)
        }
        return Array(stride(from: first, to: last, by: hours.slotMinutes))
    }

    /// "Wed 25 Nov 2026"
    static func dayTitle(_ day: Date, in timeZone: TimeZone) -> String {
        TimelineView.dayAndTime(day, in: timeZone).day
    }

    /// "09:05"
    static func clock(_ date: Date, in timeZone: TimeZone) -> String {
        TimelineView.dayAndTime(date, in: timeZone).time
    }

    static func clock(minute: Int) -> String {
        String(format: "%02d:%02d", minute / 60, minute % 60)
    }

    /// "2026-11-25"
    static func isoDay(_ day: Date, in timeZone: TimeZone) -> String {
        let c = calendar(timeZone).dateComponents([.year, .month, .day], from: day)
        return String(format: "%04d-%02d-%02d", c.year ?? 1970, c.month ?? 1, c.day ?? 1)
    }
}

extension AppointmentStatus {
    /// How the calendar names a status.
    var label: String {
        switch self {
        case .scheduled: return "booked"
        case .arrived: return "arrived"
        case .completed: return "completed"
        case .cancelled: return "cancelled"
        case .noShow: return "no-show"
        }
    }

    /// What the message says was done: "Checked in 09:00 Ana Ruiz".
    var doneVerb: String {
        switch self {
        case .scheduled: return "Back to booked:"
        case .arrived: return "Checked in"
        case .completed: return "Completed"
        case .cancelled: return "Cancelled"
        case .noShow: return "Marked no-show:"
        }
    }
}
