import ClinicAPI
import Foundation

/// What the calendar's keys and answers work on: its own state and its booking form (the one
/// dialog whose answers are the calendar's) to change, and the app's state to read (the clock,
/// the zone, the working hours, the clinic's doctors, the screen's size). Whatever else it wants
/// (leave, a toast, a dialog opened or closed, the records' copy of a visit, an expired session)
/// it asks in `requests`, and `Screens` carries that out: the calendar cannot leave the app half
/// changed.
struct CalendarFrame {
    let app: AppState
    var calendar: CalendarState
    /// The booking form while it is open.
    var booking: BookingForm?
    private(set) var requests: [ScreenRequest] = []

    init(_ app: AppState) {
        self.app = app
        calendar = app.calendar
        booking = app.overlay?.booking
    }

    /// The app with the calendar as the frame has it now.
    var current: AppState {
        var app = app
        app.calendar = calendar
        return app
    }

    var now: Date { app.now }
    var timeZone: TimeZone { app.timeZone }
    var hours: WorkingHours { app.hours }
    var doctors: [StaffMember] { app.doctors }
    var width: Int { app.width }
    var height: Int { app.height }
    var user: User? { app.user }
    var mode: AppState.Mode { app.mode }
    /// Why the account may not change anything now (an inactive subscription), if so.
    var writeBlocked: String? { MainScreen.writeBlocked(app) }

    mutating func ask(_ request: ScreenRequest) { requests.append(request) }

    mutating func closeDialog() {
        booking = nil
        ask(.closeDialog)
    }
}

/// The calendar run from the app: a frame made, the calendar's function run on it, the calendar
/// and its form written back, then what it asked carried out.
extension CalendarScreen {
    static func within(_ state: inout AppState, key: Key? = nil, _ body: (inout CalendarFrame) -> [Command]) -> [Command] {
        var frame = CalendarFrame(state)
        let commands = body(&frame)
        state.calendar = frame.calendar
        if let booking = frame.booking { state.overlay?.booking = booking }
        return Screens.carryOut(&state, ScreenOutcome(commands: commands, requests: frame.requests), key: key)
    }

    static func handle(_ state: inout AppState, _ key: Key) -> [Command] { within(&state, key: key) { handle(&$0, key) } }

    static func update(_ state: inout AppState, _ msg: CalendarMsg) -> [Command] { within(&state) { update(&$0, msg) } }

    /// `t` from the records (today's agenda) or `c` (the calendar where it was left).
    static func open(_ state: inout AppState, today: Bool) -> [Command] {
        state.mode = .calendar
        return within(&state) { open(&$0, today: today) }
    }

    static func load(_ state: inout AppState, force: Bool = false, quietly: Bool = false) -> [Command] {
        within(&state) { load(&$0, force: force, quietly: quietly) }
    }

    static func keepSlotInView(_ state: inout AppState) {
        _ = within(&state) { frame in
            keepSlotInView(&frame)
            return []
        }
    }

    static func openBooking(_ state: inout AppState, patient: Patient?, at day: Date, minute: Int) -> [Command] {
        within(&state) { openBooking(&$0, patient: patient, at: day, minute: minute) }
    }

    static func booked(_ state: inout AppState, _ intent: BookingForm.Intent) -> [Command] { within(&state) { booked(&$0, intent) } }

    static func statusChosen(_ state: inout AppState, _ menu: StatusMenu, _ status: AppointmentStatus) -> [Command] {
        within(&state) { statusChosen(&$0, menu, status) }
    }

    // What the views, the mouse and the records read of the calendar.
    static func slots(_ state: AppState) -> [Int] { slots(CalendarFrame(state)) }
    static func dayRows(_ state: AppState) -> Int { dayRows(CalendarFrame(state)) }
    static func doctorColumns(_ state: AppState) -> [StaffMember]? { doctorColumns(CalendarFrame(state)) }
    static func selectedColumn(_ state: AppState) -> Int? { selectedColumn(CalendarFrame(state)) }
    static func selectedRow(_ state: AppState) -> Int { selectedRow(CalendarFrame(state)) }
    static func selected(_ state: AppState) -> Appointment? { selected(CalendarFrame(state)) }
    static func waiting(_ state: AppState) -> [Appointment] { waiting(CalendarFrame(state)) }
    static func slotVisits(_ state: AppState) -> [Appointment] { slotVisits(CalendarFrame(state)) }
    static func chosenVisit(_ state: AppState) -> Appointment? { chosenVisit(CalendarFrame(state)) }
    static func nextFreeSlot(_ state: AppState) -> (day: Date, minute: Int) { nextFreeSlot(CalendarFrame(state)) }
}
