/// What a full screen (the staff list, the audit log) asks of the app after a key or an answer.
/// As with a dialog (`DialogOutcome`), a screen's `handle` and `update` change only its own state
/// and read the app's; leaving it, a toast, the clinic's roster, an expired session and the
/// app-wide keys are the app's to do, and `Screens` carries them out.
enum ScreenRequest: Equatable, Sendable {
    /// Back to this mode (the one the screen was opened from).
    case leave(to: AppState.Mode)
    case toast(AppState.Toast)
    /// A request failed: when it was the session that expired, the app asks for a new sign-in
    /// (the screen keeps what was typed and says nothing of its own).
    case failed(ClientFailure)
    /// A member's role or state changed: the roster is the whole app's (the calendar's doctors).
    case memberChanged(StaffMember)
    case clinicRenamed(name: String)
    /// Not the screen's key: the app-wide keys (help, quit, upgrade, the other screens) get it.
    case notMine
}

/// A screen's requests to the server and its wishes for the app, in the order given.
struct ScreenOutcome: Equatable, Sendable {
    var commands: [Command] = []
    var requests: [ScreenRequest] = []

    static let none = ScreenOutcome()

    static func send(_ commands: [Command]) -> ScreenOutcome { ScreenOutcome(commands: commands) }

    static func ask(_ requests: ScreenRequest..., sending commands: [Command] = []) -> ScreenOutcome {
        ScreenOutcome(commands: commands, requests: requests)
    }
}

/// A full screen with state of its own: its keys and the answers to its requests.
protocol ScreenComponent {
    associatedtype Answer
    mutating func handle(_ key: Key, in app: AppState) -> ScreenOutcome
    mutating func update(_ answer: Answer, in app: AppState) -> ScreenOutcome
}

/// The one place a screen's outcome reaches the app: the screen written back first (what the
/// app then does may read it), its wishes carried out, its requests sent.
enum Screens {
    static func key<S: ScreenComponent>(_ state: inout AppState, _ path: WritableKeyPath<AppState, S>, _ key: Key) -> [Command] {
        var screen = state[keyPath: path]
        let outcome = screen.handle(key, in: state)
        state[keyPath: path] = screen
        return carryOut(&state, outcome, key: key)
    }

    static func answer<S: ScreenComponent>(_ state: inout AppState, _ path: WritableKeyPath<AppState, S>, _ answer: S.Answer) -> [Command] {
        var screen = state[keyPath: path]
        let outcome = screen.update(answer, in: state)
        state[keyPath: path] = screen
        return carryOut(&state, outcome, key: nil)
    }

    static func carryOut(_ state: inout AppState, _ outcome: ScreenOutcome, key: Key?) -> [Command] {
        var commands = outcome.commands
        for request in outcome.requests {
            switch request {
            case .leave(let mode):
                state.mode = mode
            case .toast(let toast):
                state.toast = toast
            case .failed(let failure):
                commands += Results.expireIfNeeded(&state, failure) ?? []
            case .memberChanged(let member):
                if let index = state.staff.firstIndex(where: { $0.id == member.id }) { state.staff[index] = member }
            case .clinicRenamed(let name):
                state.user?.clinic?.name = name
            case .notMine:
                if let key { commands += MainScreen.appWide(&state, key) ?? [] }
            }
        }
        return commands
    }
}
