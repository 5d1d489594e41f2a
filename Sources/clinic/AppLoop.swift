import ClinicAPI
import ClinicClient
import ClinicTUI
import ClinicTheme
import Foundation

/// Messages from background work, handed to the UI thread.
final class Inbox: @unchecked Sendable {
    private let lock = NSLock()
    private var messages: [Msg] = []

    func post(_ msg: Msg) {
        lock.lock()
        messages.append(msg)
        lock.unlock()
    }

    func drain() -> [Msg] {
        lock.lock()
        defer { lock.unlock() }
        let drained = messages
        messages = []
        return drained
    }
}

/// Set by the SIGTERM/SIGHUP handler; the loop leaves and restores the terminal.
nonisolated(unsafe) var terminationRequested: sig_atomic_t = 0

/// The terminal, if running, so a crash signal can restore it.
nonisolated(unsafe) var activeTerminal: NcursesTerminal?

func installSignalHandlers() {
    signal(SIGTERM) { _ in terminationRequested = 1 }
    signal(SIGHUP) { _ in terminationRequested = 1 }
    signal(SIGINT) { _ in terminationRequested = 1 }
    signal(SIGPIPE, SIG_IGN)
    for crash in [SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT, SIGTRAP] {
        signal(crash) { number in
            // Give the terminal back before dying, then die of the same signal.
            activeTerminal?.stop()
            signal(number, SIG_DFL)
            raise(number)
        }
    }
}

/// What the app starts from: its state, its first requests, and where they go.
struct AppLaunch {
    var state: AppState
    var commands: [Command]
    var backend: any ClinicBackend
    var drafts: any DraftStorage
}

/// Runs the app until the user quits: key in → update → commands to the runner → view → draw.
/// Network answers arrive through the inbox; the loop never waits on them.
func runApp(state initial: AppState, initialCommands: [Command], backend: any ClinicBackend, drafts: any DraftStorage,
            useColor: Bool, theme: Theme = .builtIn, useMouse: Bool = true) {
    try? runApp(splash: nil, useColor: useColor, theme: theme, useMouse: useMouse) { _ in
        AppLaunch(state: initial, commands: initialCommands, backend: backend, drafts: drafts)
    }
}

/// The same, with a first frame (`splash`) drawn before `launch` runs: the embedded default's
/// server starts behind it instead of in front of the first frame. `launch` is handed a question to
/// ask while it waits: has the user left (q, Ctrl-C, Esc on the splash, or SIGTERM/SIGHUP)? A
/// `launch` that fails gives the terminal back before its error is reported.
func runApp(splash: String?, useColor: Bool, theme: Theme = .builtIn, useMouse: Bool = true,
            launch: (_ cancelled: () -> Bool) throws -> AppLaunch) throws {
    let terminal = NcursesTerminal(useColor: useColor, theme: theme, useMouse: useMouse)
    installSignalHandlers()
    terminal.start()
    activeTerminal = terminal
    defer {
        terminal.stop()
        activeTerminal = nil
    }
    if let splash {
        terminal.draw(splashScreen(splash, size: terminal.size))
        StartupTrace.mark("first_frame_ms")
    }
    let app = try launch {
        if terminationRequested != 0 { return true }
        guard case .key(let key) = terminal.read(timeoutMilliseconds: 0) else { return false }
        return key == .character("q") || key == .control("c") || key == .escape
    }
    let inbox = Inbox()
    let runner = CommandRunner(backend: app.backend, drafts: app.drafts, send: inbox.post)
    var state = app.state
    let size = terminal.size
    _ = update(&state, .resized(width: size.width, height: size.height))
    runner.run(app.commands)
    var lastTick = Date()
    var frame = view(state)
    terminal.draw(frame)
    if splash == nil { StartupTrace.mark("first_frame_ms") }
    while !state.quitting && terminationRequested == 0 {
        var messages: [Msg] = []
        if let input = terminal.read(timeoutMilliseconds: 30) {
            switch input {
            case .key(let key): messages.append(.key(key))
            case .resized:
                let size = terminal.size
                messages.append(.resized(width: size.width, height: size.height))
            }
        }
        messages += inbox.drain()
        let now = Date()
        if now.timeIntervalSince(lastTick) >= 0.1 {
            messages.append(.tick(now))
            lastTick = now
        }
        guard !messages.isEmpty else { continue }
        for msg in messages {
            let commands = update(&state, msg)
            for case .copyToClipboard(let text) in commands { terminal.copyToClipboard(text) }
            runner.run(commands)
        }
        let next = view(state)
        if next != frame {
            terminal.draw(next)
            frame = next
            if !state.patients.items.isEmpty { StartupTrace.mark("first_data_ms") }
        }
    }
}

extension ClinicAPIClient: ClinicBackend {
    public func auditEvents(_ query: AuditQuery, cursor: String?) async throws -> (items: [AuditEvent], next: String?) {
        try await auditEvents(patientID: query.patientID, actorID: query.actorID, action: query.action, from: query.from, to: query.to, cursor: cursor)
    }
}
extension DraftStore: DraftStorage {}

/// The frame shown while this computer's server starts: the product's name and what is happening.
func splashScreen(_ message: String, size: (width: Int, height: Int)) -> Screen {
    var screen = Screen(width: size.width, height: size.height)
    screen.bar(" Clinic OS Lite", y: 0, style: .statusBar)
    let y = max(1, size.height / 2 - 1)
    _ = screen.put(message, x: max(0, (size.width - message.count) / 2), y: y, style: .bold, maxWidth: size.width)
    return screen
}
