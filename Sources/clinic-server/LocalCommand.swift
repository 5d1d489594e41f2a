import ArgumentParser
import ClinicAPI
import ClinicServer
import ClinicStore
import Foundation
import Logging

/// `clinic`'s embedded default: this computer's own server, started by `clinic` as its child on
/// loopback and a free port. It never reads the server's environment (a production DATABASE_URL
/// exported in the shell must not receive a local account and demo patients), logs to a file of its
/// own, and ends when its standard input closes: `clinic` holds the other end, so the server ends
/// with it, also when `clinic` is killed.
struct Local: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "This computer's own server for `clinic` (started by it; reports on stdout, ends when stdin closes).",
        shouldDisplay: false)

    @Option(name: .customLong("data-dir"), help: "Where its SQLite file, secret, account and log live (default: the user's data folder).")
    var dataDirectory: String?
    @Flag(help: "The demo clinic (two doctors, a front desk, busy calendars), kept apart from real data.") var demo = false
    @Option(name: .customLong("as"), help: "With --demo: owner, doctor or front-desk.") var role: String = "owner"

    func run() async throws {
        var configuration = ServerConfiguration()
        configuration.host = "127.0.0.1"
        configuration.port = 0
        if let dataDirectory { configuration.dataDirectory = dataDirectory }
        if demo { configuration.dataDirectory += "/demo" }
        let staffRole: StaffRole
        switch role {
        case "owner": staffRole = .owner
        case "doctor": staffRole = .doctor
        case "front-desk", "front_desk": staffRole = .frontDesk
        default: throw ValidationError("--as must be owner, doctor or front-desk")
        }
        let log = configuration.dataDirectory + "/server.log"
        try FileManager.default.createDirectory(atPath: configuration.dataDirectory, withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o700])
        Self.redirectStandardError(to: log)
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = .warning
            return handler
        }
        try Self.report(LocalServerHandshake(log: log))
        let parent = ParentLink()
        let server = try await ClinicServerApp.start(configuration: configuration, logger: Logger(label: "clinic-server.local"))
        do {
            let session = try await ClinicServerApp.localAccountSession(server: server, configuration: configuration, demo: demo,
                                                                        role: staffRole)
            try Self.report(LocalServerHandshake(url: server.baseURL, session: session, database: configuration.resolvedDatabaseURL))
            // Nothing more goes to the pipe: later writes to standard output land in the log.
            dup2(STDERR_FILENO, STDOUT_FILENO)
            await parent.untilGone()
        } catch {
            await server.stop()
            throw error
        }
        await server.stop()
    }

    static func report(_ message: LocalServerHandshake) throws {
        var line = try JSONEncoder().encode(message)
        line.append(0x0A)
        // A closed pipe means clinic is gone (it may ignore SIGPIPE, and so do we, inherited): end quietly.
        do { try FileHandle.standardOutput.write(contentsOf: line) } catch { _exit(0) }
    }

    static func redirectStandardError(to path: String) {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { return }
        dup2(descriptor, STDERR_FILENO)
        close(descriptor)
    }
}

/// The pipe on standard input that only the parent `clinic` holds. Watched from the start: a parent
/// gone while this server is still starting (migrating, seeding the demo) ends it at once.
private final class ParentLink: @unchecked Sendable {
    private let lock = NSLock()
    private var gone = false
    private var serving = false
    private var waiter: CheckedContinuation<Void, Never>?
    private var sources: [any DispatchSourceSignal] = []

    init() {
        Thread.detachNewThread { [self] in
            var buffer = [UInt8](repeating: 0, count: 256)
            while true {
                let count = read(STDIN_FILENO, &buffer, buffer.count)
                if count > 0 || (count < 0 && errno == EINTR) { continue }
                break
            }
            end()
        }
        for signalNumber in [SIGTERM, SIGINT] {
            signal(signalNumber, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: .global())
            source.setEventHandler { [self] in end() }
            source.resume()
            sources.append(source)
        }
    }

    private func end() {
        lock.lock()
        gone = true
        let starting = !serving
        let pending = waiter
        waiter = nil
        lock.unlock()
        // Nobody to serve: nothing is half-written that SQLite's journal does not undo.
        if starting { _exit(0) }
        pending?.resume()
    }

    /// Serves until the parent is gone (or SIGTERM/SIGINT), then returns for a graceful stop.
    func untilGone() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            lock.lock()
            serving = true
            if gone {
                lock.unlock()
                continuation.resume()
            } else {
                waiter = continuation
                lock.unlock()
            }
        }
    }
}
