import ClinicAPI
import Foundation

/// The status menu of one appointment (`s` in the day view; `x` and `o` open it straight at their
/// question). Every status is listed with its key, and cancelling or marking a no-show asks once
/// more, so a visit's status is never changed by one stray key.
public struct StatusMenu: Equatable, Sendable {
    public struct Choice: Equatable, Sendable {
        public var key: Character
        public var status: AppointmentStatus
        public var label: String
    }

    public static let choices: [Choice] = [
        Choice(key: "i", status: .arrived, label: "checked in (waiting)"),
        Choice(key: "c", status: .completed, label: "completed (seen)"),
        Choice(key: "o", status: .noShow, label: "no-show (did not come)"),
        Choice(key: "x", status: .cancelled, label: "cancelled"),
        Choice(key: "b", status: .scheduled, label: "booked (as it was)"),
    ]

    public var appointment: Appointment
    public var selected = 0
    /// Cancel and no-show wait for a `y` before they are sent.
    public var confirming: AppointmentStatus?
    /// Opened by `x` or `o` for their question alone: `n` closes it instead of going back to the list.
    public var questionOnly = false

    public init(appointment: Appointment, confirming: AppointmentStatus? = nil) {
        self.appointment = appointment
        self.confirming = confirming
        questionOnly = confirming != nil
        selected = Self.choices.firstIndex { $0.status == appointment.status }.map { ($0 + 1) % Self.choices.count } ?? 0
    }

    static func needsConfirmation(_ status: AppointmentStatus) -> Bool { status == .cancelled || status == .noShow }

    enum KeyAction: Equatable, Sendable {
        case set(AppointmentStatus)
        case down, up, choose, close
    }

    /// The menu's keys: a letter per status (from `choices`), moving, choosing, closing. While it
    /// asks about a cancel or a no-show, `Question.yesNo` instead.
    static let bindings: [KeyBinding<KeyAction>] = [
        KeyBinding(choices.map { String($0.key) }.joined(separator: "/"), choices.map { (Key.character($0.key), KeyAction.set($0.status)) },
                   help: { _ in "set status" }),
        KeyBinding("j/k", [(.character("j"), .down), (.character("k"), .up)], help: { _ in "move" }),
        KeyBinding("Enter", .enter, .choose, "choose"),
        KeyBinding("Esc", [(.escape, .close), (.character("q"), .close), (.character("s"), .close)], help: { _ in "close" }),
        .hidden([(.down, .down), (.up, .up)]),
    ]

    /// A key in the menu: the status chosen (after its question, for cancel and no-show) goes to the calendar.
    mutating func update(_ key: Key, in state: AppState) -> DialogOutcome<AppointmentStatus> {
        if let question = confirming {
            if Question.yesNo.action(for: key, in: state) == .yes { return .intent(question) }
            confirming = nil
            return questionOnly ? .close : .stay
        }
        switch Self.bindings.action(for: key, in: state) {
        case .close: return .close
        case .down: selected = min(Self.choices.count - 1, selected + 1)
        case .up: selected = max(0, selected - 1)
        case .choose: return choose(Self.choices[selected].status)
        case .set(let status): return choose(status)
        case nil: break
        }
        return .stay
    }

    private mutating func choose(_ status: AppointmentStatus) -> DialogOutcome<AppointmentStatus> {
        guard status != appointment.status else { return .close }
        if Self.needsConfirmation(status) {
            confirming = status
            return .stay
        }
        return .intent(status)
    }

    /// "Cancel 10:00–10:45 Amara Okafor?"
    static func question(_ status: AppointmentStatus, _ appointment: Appointment, in timeZone: TimeZone) -> String {
        let verb = status == .cancelled ? "Cancel" : "Mark as no-show:"
        return verb + " " + CalendarScreen.describe(appointment, in: timeZone) + "?"
    }
}

enum StatusMenuView {
    static func draw(_ menu: StatusMenu, state: AppState, into screen: inout Screen) {
        let tz = state.timeZone
        let box = drawBox(title: "Status", width: 56, height: StatusMenu.choices.count + 6, rightAligned: true, into: &screen)
        screen.put(CalendarScreen.describe(menu.appointment, in: tz), x: box.x, y: box.y, style: .bold, maxWidth: box.width)
        screen.put("now " + menu.appointment.status.label, x: box.x, y: box.y + 1, style: .dim, maxWidth: box.width)
        if let question = menu.confirming {
            for (offset, line) in TerminalText.wrap(StatusMenu.question(question, menu.appointment, in: tz), to: box.width).prefix(2).enumerated() {
                screen.put(line, x: box.x, y: box.y + 3 + offset, style: .warning, maxWidth: box.width)
            }
            screen.put("y yes   n no", x: box.x, y: box.y + 6, style: .bold)
            return
        }
        for (index, choice) in StatusMenu.choices.enumerated() {
            let y = box.y + 3 + index
            let current = choice.status == menu.appointment.status
            let text = " \(choice.key)  \(choice.label)" + (current ? "  (now)" : "")
            screen.bar(TerminalText.fit(text, to: box.width), y: y, x: box.x, width: box.width,
                       style: index == menu.selected ? .selected : current ? .dim : .normal)
        }
    }
}
