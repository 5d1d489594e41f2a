import ArgumentParser
import ClinicAPI
import Foundation

/// The embedded default's server: `clinic-server local` as a child process (found beside `clinic`,
/// then on PATH), so `clinic` itself links no server, store or database driver. The child's standard
/// input is a pipe whose other end only `clinic` holds: when `clinic` ends, however it ends, the
/// pipe closes and the server stops.
final class LocalServerProcess: @unchecked Sendable {
    let process: Process
    private let input: Pipe
    let handshake: LocalServerHandshake
    let url: URL

    private init(process: Process, input: Pipe, handshake: LocalServerHandshake, url: URL) {
        self.process = process
        self.input = input
        self.handshake = handshake
        self.url = url
    }

    /// `clinic-server` beside this executable (the build folder, an install's bin), else on PATH.
    /// "Beside" is where the kernel says this program is, never a guess from argv[0] (which, for a
    /// bare `clinic`, would be the current folder and whatever was put there).
    static func executable() throws -> URL {
        if let own = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") {
            let beside = URL(fileURLWithPath: own).deletingLastPathComponent().appendingPathComponent("clinic-server")
            if FileManager.default.isExecutableFile(atPath: beside.path) { return beside }
        }
        for folder in (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":") {
            let candidate = URL(fileURLWithPath: String(folder)).appendingPathComponent("clinic-server")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
        }
        throw ValidationError("clinic-server was not found beside clinic or on PATH: build it (swift build) or use --server URL")
    }

    /// Starts the child and waits until it serves (a demo clinic is seeded on its first start);
    /// `cancelled` is asked every tenth of a second (the user pressed q or Ctrl-C on the splash).
    static func start(demo: Bool, role: DemoRole, timeout: TimeInterval = 180, cancelled: () -> Bool = { false }) throws -> LocalServerProcess {
        let process = Process()
        process.executableURL = try executable()
        process.arguments = ["local"] + (demo ? ["--demo", "--as", role.rawValue] : [])
        let input = Pipe(), output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice  // until it opens its own log, first thing
        try process.run()
        // Its report, read off the main thread so a silent child cannot hang clinic past the timeout.
        let lines = HandshakeReader(output.fileHandleForReading)
        var log: String?
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if cancelled() {
                process.terminate()
                throw StartupCancelled()
            }
            switch lines.next(until: min(deadline, Date().addingTimeInterval(0.1))) {
            case .message(let message):
                if let path = message.log { log = path }
                if let address = message.url, let url = URL(string: address), message.session != nil {
                    return LocalServerProcess(process: process, input: input, handshake: message, url: url)
                }
            case .waiting:
                continue
            case .ended:
                // It closed its output without serving: it stopped (give the reaper a moment for its status).
                let reaped = Date().addingTimeInterval(2)
                while process.isRunning && Date() < reaped { usleep(10_000) }
                let status = process.isRunning ? "closed its output" : "stopped (status \(process.terminationStatus))"
                process.terminate()
                throw ValidationError("this computer's server (\(process.executableURL?.path ?? "clinic-server") local) \(status)"
                                      + (log.map { "; its log: \($0)" } ?? "; an older clinic-server without `local`?"))
            }
        }
        process.terminate()
        throw ValidationError("this computer's server (\(process.executableURL?.path ?? "clinic-server") local) did not answer within "
                              + "\(Int(timeout)) s" + (log.map { "; its log: \($0)" } ?? ""))
    }

    /// Closes its input (it stops by itself, gracefully) and waits a little; then SIGTERM.
    func stop(within seconds: TimeInterval = 5) {
        try? input.fileHandleForWriting.close()
        let deadline = Date().addingTimeInterval(seconds)
        while process.isRunning && Date() < deadline { usleep(20_000) }
        if process.isRunning { process.terminate() }
    }
}

/// The child's JSON lines, read on a thread of their own.
private final class HandshakeReader: @unchecked Sendable {
    private let lock = NSCondition()
    private var messages: [LocalServerHandshake] = []
    private var ended = false

    init(_ handle: FileHandle) {
        Thread.detachNewThread { [self] in
            var pending = Data()
            while true {
                let chunk = handle.availableData
                if chunk.isEmpty { break }
                pending.append(chunk)
                while let newline = pending.firstIndex(of: 0x0A) {
                    let line = pending[pending.startIndex..<newline]
                    pending.removeSubrange(pending.startIndex...newline)
                    if let message = try? JSONDecoder().decode(LocalServerHandshake.self, from: line) {
                        lock.lock()
                        messages.append(message)
                        lock.signal()
                        lock.unlock()
                    }
                }
            }
            lock.lock()
            ended = true
            lock.signal()
            lock.unlock()
        }
    }

    enum Next {
        case message(LocalServerHandshake)
        case waiting
        case ended
    }

    /// The next message, `waiting` when none came by `deadline`, `ended` once the child closed its output.
    func next(until deadline: Date) -> Next {
        lock.lock()
        defer { lock.unlock() }
        while messages.isEmpty && !ended {
            if !lock.wait(until: deadline) { return .waiting }
        }
        return messages.isEmpty ? .ended : .message(messages.removeFirst())
    }
}

/// The user left (q or Ctrl-C) while this computer's server was starting.
struct StartupCancelled: Error {}
