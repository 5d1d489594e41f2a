import ArgumentParser
import ClinicAPI
import ClinicClient
import ClinicHTTP
import ClinicTUI
import ClinicTheme
import Foundation

/// `clinic`: the Clinic OS Lite terminal client.
@main
struct ClinicCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "clinic",
        abstract: "Clinic OS Lite in the terminal: patients, clinical notes, appointments.",
        discussion: """
            With no server configured (--server, CLINIC_SERVER, or `server = URL` in \
            ~/.config/clinic-os-lite/config) clinic starts this computer's own server (clinic-server local, found \
            beside clinic or on PATH) as its child on SQLite and signs in a local account, so one command runs the \
            whole product; the server ends with clinic. --demo does the same with a realistic demo clinic.
            """,
        subcommands: [Open.self, Logout.self, BenchRender.self],
        defaultSubcommand: Open.self)
}

struct Open: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "open", abstract: "Open the app (the default).")

    @Option(help: "The API server, e.g. https://staging.example.org (CLINIC_SERVER).") var server: String?
    @Option(help: "A CA certificate bundle to trust for the server's TLS (a staging CA).") var cacert: String?
    @Flag(help: "Run this computer's server with a realistic demo clinic (kept apart from real data).") var demo = false
    @Option(name: .customLong("as"), help: "With --demo: sign in as the clinic's owner (default), doctor or front-desk.")
    var demoRole: DemoRole = .owner
    @Flag(name: .customLong("no-color"), help: "No colours (also when NO_COLOR is set).") var noColor = false
    @Option(help: "Working hours the day view shows, e.g. 08:00-18:00 (config: hours).") var hours: String?
    @Option(help: "Slot length in minutes: 5, 10, 15, 20, 30 or 60 (config: slot).") var slot: Int?
    @Option(help: "A theme from themes/ (default, light, high-contrast, monochrome) or a .toml file (config: theme).") var theme: String?
    @Flag(name: .customLong("no-mouse"), help: "Leave the mouse to the terminal (its own copy and paste; config: mouse = off).")
    var noMouse = false
    @Flag(help: "Start on today's agenda (the front desk's home screen; config: start = agenda).") var agenda = false
    @Flag(help: "Print every screen's keys (the tables the screens read) and exit.") var keys = false

    /// Working hours and the first screen, from the flags or the config file.
    func calendarSettings(_ configFile: [String: String]) throws -> (hours: WorkingHours, agenda: Bool) {
        let hoursText = hours ?? configFile["hours"] ?? "08:00-18:00"
        let slotMinutes = slot ?? configFile["slot"].flatMap(Int.init) ?? 15
        guard let working = WorkingHours(hours: hoursText, slotMinutes: slotMinutes) else {
            throw ValidationError("working hours must look like 08:00-18:00 with a slot of 5, 10, 15, 20, 30 or 60 minutes; got '\(hoursText)' and \(slotMinutes)")
        }
        return (working, agenda || configFile["start"] == "agenda")
    }

    /// The locale's character set as the C library would pick it: LC_ALL, then LC_CTYPE, then LANG.
    static func localeIsUTF8() -> Bool {
        let environment = ProcessInfo.processInfo.environment
        let locale = ["LC_ALL", "LC_CTYPE", "LANG"].lazy.compactMap { environment[$0] }.first { !$0.isEmpty } ?? ""
        let lowered = locale.lowercased()
        return lowered.contains("utf-8") || lowered.contains("utf8")
    }

    /// $XDG_DOWNLOAD_DIR, else ~/Downloads when there is one, else the folder clinic was started in.
    static func downloadFolder() -> String {
        let environment = ProcessInfo.processInfo.environment
        if let folder = environment["XDG_DOWNLOAD_DIR"], !folder.isEmpty { return folder }
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: LocalPath.expandingTilde("~/Downloads"), isDirectory: &isDirectory), isDirectory.boolValue {
            return "~/Downloads"
        }
        return FileManager.default.currentDirectoryPath
    }

    func run() throws {
        if keys {
            print(KeyMap.markdown(), terminator: "")
            return
        }
        let configFile = ConfigFile.load()
        let environment = ProcessInfo.processInfo.environment
        let serverURL = server ?? environment["CLINIC_SERVER"].flatMap { $0.isEmpty ? nil : $0 } ?? configFile["server"]
        var options = CurlHTTPClient.Options()
        options.caCertificatePath = cacert ?? configFile["cacert"]
        let http = CurlHTTPClient(options: options)
        let useColor = !noColor && (environment["NO_COLOR"] ?? "").isEmpty
        let settings = try calendarSettings(configFile)
        let useMouse = !noMouse && configFile["mouse"] != "off"
        // A broken theme file is reported on screen (file and line) and the default is used.
        var chosenTheme = Theme.builtIn
        var themeProblem: String?
        do {
            chosenTheme = try Theme.load(theme ?? configFile["theme"] ?? "default", searchPaths: Theme.searchPaths())
        } catch {
            themeProblem = "Theme not used, \(error); using the default theme."
        }
        let startup = Startup.Settings(hours: settings.hours, startOnAgenda: settings.agenda, downloadFolder: Self.downloadFolder(),
                                       asciiOnly: !Self.localeIsUTF8(), themeProblem: themeProblem)

        if let serverURL, !demo {
            guard let url = URL(string: serverURL), url.scheme == "http" || url.scheme == "https", url.host != nil else {
                throw ValidationError("--server must be an http(s) URL, got '\(serverURL)'")
            }
            let sessionFile = SessionFile()
            let session = sessionFile.load().flatMap { $0.server == url.absoluteString ? $0 : nil }
            let client = ClinicAPIClient(serverURL: url, http: http, session: session, sessionFile: sessionFile)
            let drafts = DraftStore(server: url.absoluteString)
            let label = url.host.map { $0 + (url.port.map { ":\($0)" } ?? "") } ?? serverURL
            let (state, commands) = Startup.launch(serverLabel: label, user: session?.user, drafts: drafts.all(), settings: startup,
                                                   resumed: session != nil)
            runApp(state: state, initialCommands: commands, backend: client, drafts: drafts, useColor: useColor, theme: chosenTheme, useMouse: useMouse)
            return
        }

        // The embedded default: this computer's own server (`clinic-server local`, a child process on
        // loopback with SQLite), started behind a first frame so the terminal answers at once.
        let role = demoRole
        let demo = self.demo
        var local: LocalServerProcess?
        defer { local?.stop() }
        do {
            try runApp(splash: demo ? "Starting the demo clinic on this computer…  (q stops)" : "Starting the clinic on this computer…  (q stops)",
                       useColor: useColor, theme: chosenTheme, useMouse: useMouse) { cancelled in
                let server = try LocalServerProcess.start(demo: demo, role: role, cancelled: cancelled)
                local = server
                guard let tokens = server.handshake.session else { throw ValidationError("this computer's server gave no session") }
                // Held in memory only: the saved session file is for a server named by --server.
                let session = StoredSession(server: server.url.absoluteString, accessToken: tokens.accessToken, refreshToken: tokens.refreshToken,
                                            user: tokens.user)
                let client = ClinicAPIClient(serverURL: server.url, http: http, session: session, sessionFile: nil)
                let user = tokens.user
                let drafts = DraftStore(server: "embedded:" + (server.handshake.database ?? server.url.absoluteString))
                let (state, commands) = Startup.launch(serverLabel: demo ? "demo (this computer)" : "this computer", user: user,
                                                       drafts: drafts.all(), settings: startup, resumed: false)
                return AppLaunch(state: state, commands: commands, backend: client, drafts: drafts)
            }
        } catch is StartupCancelled {
            return  // left on the splash: the terminal is given back, the server stopped
        }
    }
}

struct Logout: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Sign out: the server revokes the session's tokens, and the saved session (tokens and cached plan) is forgotten.")

    func run() throws {
        let sessionFile = SessionFile()
        if let session = sessionFile.load(), let url = URL(string: session.server), url.scheme == "http" || url.scheme == "https" {
            var options = CurlHTTPClient.Options()
            options.timeout = .seconds(10)
            let client = ClinicAPIClient(serverURL: url, http: CurlHTTPClient(options: options), session: session, sessionFile: sessionFile)
            // Revoked on the server when it can be reached (a v1 server has no revocation): forgotten here in any case.
            try blockingAwait { await client.logout() }
        }
        sessionFile.remove()
        print("Logged out.")
    }
}

/// `key = value` lines from `$XDG_CONFIG_HOME/clinic-os-lite/config`.
enum ConfigFile {
    static func load() -> [String: String] {
        let environment = ProcessInfo.processInfo.environment
        let base = environment["XDG_CONFIG_HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? ((environment["HOME"] ?? "") + "/.config")
        guard let text = try? String(contentsOfFile: base + "/clinic-os-lite/config", encoding: .utf8) else { return [:] }
        var values: [String: String] = [:]
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            let parts = line.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            if parts.count == 2 { values[parts[0]] = parts[1].trimmingCharacters(in: CharacterSet(charactersIn: "\"")) }
        }
        return values
    }
}

/// Whom `clinic --demo` signs in as.
enum DemoRole: String, ExpressibleByArgument, CaseIterable {
    case owner
    case doctor
    case frontDesk = "front-desk"
}

/// Runs async work from synchronous code on the main thread (which is not one of the
/// concurrency pool's threads, so it may wait).
func blockingAwait<T: Sendable>(_ body: @escaping @Sendable () async throws -> T) throws -> T {
    let semaphore = DispatchSemaphore(value: 0)
    let box = ResultBox<T>()
    Task {
        do { box.result = .success(try await body()) } catch { box.result = .failure(error) }
        semaphore.signal()
    }
    semaphore.wait()
    return try box.result!.get()
}

final class ResultBox<T>: @unchecked Sendable {
    var result: Result<T, any Error>?
}
