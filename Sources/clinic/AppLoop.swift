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

/// Runs the app until the user quits: key in → update → commands to the runner → view → draw.
/// Network answers arrive through the inbox; the loop never waits on them.
func runApp(state initial: AppState, initialCommands: [Command], backend: any ClinicBackend, drafts: any DraftStorage,
            useColor: Bool, theme: Theme = .builtIn, useMouse: Bool = true) {
    let terminal = NcursesTerminal(useColor: useColor, theme: theme, useMouse: useMouse)
    let inbox = Inbox()
    let runner = CommandRunner(backend: backend, drafts: drafts, send: inbox.post)
    installSignalHandlers()
    terminal.start()
    activeTerminal = terminal
    defer {
        terminal.stop()
        activeTerminal = nil
    }
    var state = initial
    let size = terminal.size
    _ = update(&state, .resized(width: size.width, height: size.height))
    runner.run(initialCommands)
    var lastTick = Date()
    var frame = view(state)
    terminal.draw(frame)
    StartupTrace.mark("first_frame_ms")
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
