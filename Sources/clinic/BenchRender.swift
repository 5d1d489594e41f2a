import ArgumentParser
import CNcurses
import ClinicAPI
import ClinicTUI
import Foundation

/// `clinic bench-render`: keystroke-to-frame time in the patient list with 10,000 patients
/// loaded, and the bytes ncurses writes for a cursor move and for a page scroll (the real
/// renderer, writing to a file through `newterm` instead of a terminal).
struct BenchRender: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "bench-render", abstract: "Measure the renderer (benchmarks).",
                                                    shouldDisplay: false)
    @Option(help: "Patients loaded in the list.") var patients = 10_000
    @Option(help: "Key presses timed.") var keys = 2_000
    @Option(help: "Cursor moves drawn through ncurses.") var moves = 50
    @Option(help: "all, keys (update+view+diff only) or draw (ncurses only): scripts/bench-tui.sh runs the phases under callgrind with two counts and takes the difference, the instructions per key.")
    var phase = "all"

    func run() throws {
        let now = Date()
        let items = (0..<patients).map { index in
            Patient(id: String(format: "%024x", index), name: "Patient \(index) Ñandú 王", phoneNumber: "+1 555 \(1000 + index % 9000)",
                    address: nil, notes: nil, dateOfBirth: "1980-01-01", sex: "female", createdAt: now, updatedAt: now)
        }
        var state = AppState(width: 80, height: 24, serverLabel: "bench",
                             user: User(id: "u", username: "Dr Bench", email: "b@x.org", plan: .basic, status: .trialing,
                                        trialEndsAt: now.addingTimeInterval(86_400 * 30), createdAt: now), now: now)
        state.patients.requestID = 1
        _ = update(&state, .records(.patientsLoaded(requestID: 1, items: items, nextCursor: nil, append: false)))

        if phase == "all" || phase == "keys" { timeKeystrokes(state) }
        if phase == "all" || phase == "draw" { try measureBytes(user: state.user, items: items, now: now) }
        print(String(format: "RSS with %d patients loaded: %.1f MiB", patients, Double(residentKiB()) / 1024))
    }

    /// Keystroke to frame: update + view + diff, as the loop does (no terminal).
    func timeKeystrokes(_ start: AppState) {
        var state = start
        var previous = view(state)
        var samples: [Double] = []
        for index in 0..<keys {
            let start = DispatchTime.now().uptimeNanoseconds
            _ = update(&state, .key(index % 200 < 100 ? .down : .up))
            let frame = view(state)
            _ = frame.changes(since: previous)
            previous = frame
            samples.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1000)
        }
        samples.sort()
        func percentile(_ p: Double) -> Double { samples[min(samples.count - 1, Int(Double(samples.count) * p))] }
        print(String(format: "keystroke→frame (10k patients, update+view+diff): p50 %.0f µs  p99 %.0f µs  max %.0f µs",
                     percentile(0.5), percentile(0.99), samples.last ?? 0))
    }

    /// Bytes: the real ncurses renderer into a file.
    func measureBytes(user: User?, items: [Patient], now: Date) throws {
        setenv("LINES", "24", 1)
        setenv("COLUMNS", "80", 1)
        setlocale(LC_ALL, "C.UTF-8")
        let path = NSTemporaryDirectory() + "clinic-bench-\(getpid()).out"
        guard let output = fopen(path, "w"), let input = fopen("/dev/null", "r"),
              clinic_newterm_file("xterm-256color", output, input) != nil
        else { throw ValidationError("cannot start ncurses on a file (is the xterm-256color terminfo installed?)") }
        defer {
            endwin()
            fclose(output)
            unlink(path)
        }
        let terminal = NcursesTerminal(useColor: true)
        terminal.adoptCurrentScreen()
        func bytes(after body: () -> Void) -> Int {
            fflush(output)
            let before = ftell(output)
            body()
            fflush(output)
            return ftell(output) - before
        }
        var state = AppState(width: 80, height: 24, serverLabel: "bench", user: user, now: now)
        state.patients.requestID = 1
        _ = update(&state, .records(.patientsLoaded(requestID: 1, items: items, nextCursor: nil, append: false)))
        let first = bytes { terminal.draw(view(state)) }
        var moves: [Int] = []
        // Moves inside the page (ten down, ten up): what a doctor does most; a page scroll is measured apart.
        for index in 0..<self.moves {
            moves.append(bytes {
                _ = update(&state, .key(index % 20 < 10 ? .down : .up))
                terminal.draw(view(state))
            })
        }
        let page = bytes {
            _ = update(&state, .key(.pageDown))
            terminal.draw(view(state))
        }
        moves.sort()
        print("bytes written: first frame \(first), cursor move median \(moves[moves.count / 2]) (max \(moves.last ?? 0)), page scroll \(page)")
    }
}

/// This process's resident memory in KiB (from /proc/self/status).
func residentKiB() -> Int {
    guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return 0 }
    for line in status.split(separator: "\n") where line.hasPrefix("VmRSS:") {
        return Int(line.split(separator: " ").dropFirst().first ?? "0") ?? 0
    }
    return 0
}

/// Start-up trace: with CLINIC_TRACE_STARTUP=path, `clinic` appends "first_frame_ms N" and
/// "first_data_ms N" (since the process started, as the kernel counts it) to that file.
enum StartupTrace {
    static let path = ProcessInfo.processInfo.environment["CLINIC_TRACE_STARTUP"]
    nonisolated(unsafe) static var recorded: Set<String> = []

    static func mark(_ name: String) {
        guard let path, !recorded.contains(name) else { return }
        recorded.insert(name)
        let line = String(format: "%@ %.1f\n", name, millisecondsSinceProcessStart())
        if let handle = FileHandle(forWritingAtPath: path) ?? (FileManager.default.createFile(atPath: path, contents: nil) ? FileHandle(forWritingAtPath: path) : nil) {
            handle.seekToEndOfFile()
            handle.write(Data(line.utf8))
            try? handle.close()
        }
    }

    static func millisecondsSinceProcessStart() -> Double {
        // Field 22 of /proc/self/stat is the start time in clock ticks since boot.
        guard let stat = try? String(contentsOfFile: "/proc/self/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")"),
              let uptimeText = try? String(contentsOfFile: "/proc/uptime", encoding: .utf8),
              let uptime = Double(uptimeText.split(separator: " ").first ?? "")
        else { return -1 }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        guard fields.count > 19, let startTicks = Double(fields[19]) else { return -1 }
        return (uptime - startTicks / Double(sysconf(Int32(_SC_CLK_TCK)))) * 1000
    }
}
