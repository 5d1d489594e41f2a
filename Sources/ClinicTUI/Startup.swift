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

    /// What the executable found out about the terminal and the user's choices (flags, config file,
    /// locale, environment), for the first state.
    public struct Settings: Sendable {
        public var hours: WorkingHours
        /// Open on today's agenda (`--agenda`, `start = agenda`).
        public var startOnAgenda: Bool
        public var downloadFolder: String
        public var asciiOnly: Bool
        /// A theme that could not be used, said on the first frame.
        public var themeProblem: String?

        public init(hours: WorkingHours, startOnAgenda: Bool, downloadFolder: String, asciiOnly: Bool, themeProblem: String?) {
            self.hours = hours
            self.startOnAgenda = startOnAgenda
            self.downloadFolder = downloadFolder
            self.asciiOnly = asciiOnly
            self.themeProblem = themeProblem
        }
    }

    /// The first state and its first commands. `resumed`: a saved session (its user shown at once,
    /// the server asked again); otherwise `user` has just signed in, or is nil for the login screen.
    public static func launch(serverLabel: String, user: User?, drafts: [String: String], settings: Settings,
                              resumed: Bool) -> (state: AppState, commands: [Command]) {
        var state = AppState(width: 80, height: 24, serverLabel: serverLabel, user: user, drafts: drafts)
        state.login.email = LineField(user?.email ?? "", maxLength: 254)
        state.hours = settings.hours
        state.downloadFolder = settings.downloadFolder
        state.asciiOnly = settings.asciiOnly
        var commands = resumed ? resume(&state) : (user == nil ? [] : firstCommands(&state))
        if settings.startOnAgenda && state.loggedIn { commands += update(&state, .key(.character("t"))) }
        if let problem = settings.themeProblem { state.toast = .error(problem) }
        return (state, commands)
    }
}
