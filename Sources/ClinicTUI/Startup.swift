import ClinicAPI
import Foundation

/// What the app asks for once someone is signed in (at start with a saved session, or after the
/// login screen): the patient list, the account's plan and role, the clinic's staff on a v2 server;
/// the front desk starts on today's desk (the calendar of every doctor) instead of the records.
public enum Startup {
    public static func firstCommands(_ state: inout AppState) -> [Command] {
        var commands = MainScreen.reloadPatients(&state)
        guard let user = state.user else { return commands }
        if user.role != nil { commands.append(.loadStaff) }
        if user.role == .frontDesk && state.mode == .records && state.overlay == nil {
            commands += CalendarScreen.open(&state, today: true)
        }
        return commands
    }

    /// A saved session: the first frame shows the cached user at once, and the server is asked again.
    public static func resume(_ state: inout AppState) -> [Command] {
        guard state.loggedIn else { return [] }
        return firstCommands(&state) + [.refreshUser]
    }
}
