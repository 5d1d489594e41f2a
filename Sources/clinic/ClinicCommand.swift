import ArgumentParser
import ClinicAPI
import ClinicClient
import ClinicServer
import ClinicStore
import ClinicTUI
import ClinicTheme
import Foundation
import Logging

/// `clinic`: the Clinic OS Lite terminal client.
@main
struct ClinicCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "clinic",
        abstract: "Clinic OS Lite in the terminal: patients, clinical notes, appointments.",
        discussion: """
            With no server configured (--server, CLINIC_SERVER, or `server = URL` in \
            ~/.config/clinic-os-lite/config) clinic starts the bundled server in this process on SQLite and logs \
            in a local account, so one command runs the whole product. --demo does the same with a realistic demo clinic.
            """,
        subcommands: [Open.self, Logout.self, BenchRender.self],
        defaultSubcommand: Open.self)
}

struct Open: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "open", abstract: "Open the app (the default).")

    @Option(help: "The API server, e.g. https://staging.example.org (CLINIC_SERVER).") var server: String?
    @Option(help: "A CA certificate bundle to trust for the server's TLS (a staging CA).") var cacert: String?
    @Flag(help: "Run the bundled server with a realistic demo clinic (kept apart from real data).") var demo = false
    @Option(name: .customLong("as"), help: "With --demo: sign in as the clinic's owner (default), doctor or front-desk.")
    var demoRole: DemoRole = .owner
    @Flag(name: .customLong("no-color"), help: "No colours (also when NO_COLOR is set).") var noColor = false
    @Option(help: "Working hours the day view shows, e.g. 08:00-18:00 (config: hours).") var hours: String?
    @Option(help: "Slot length in minutes: 5, 10, 15, 20, 30 or 60 (config: slot).") var slot: Int?
    @Option(help: "A theme from themes/ (default, light, high-contrast, monochrome) or a .toml file (config: theme).") var theme: String?
    @Flag(name: .customLong("no-mouse"), help: "Leave the mouse to the terminal (its own copy and paste; config: mouse = off).")
    var noMouse = false
    @Flag(help: "Start on today's agenda (the front desk's home screen; config: start = agenda).") var agenda = false

    /// Working hours and the first screen, from the flags or the config file.
    func calendarSettings(_ configFile: [String: String]) throws -> (hours: WorkingHours, agenda: Bool) {
        let hoursText = hours ?? configFile["hours"] ?? "08:00-18:00"
        let slotMinutes = slot ?? configFile["slot"].flatMap(Int.init) ?? 15
        guard let working = WorkingHours(hours: hoursText, slotMinutes: slotMinutes) else {
            throw ValidationError("working hours must look like 08:00-18:00 with a slot of 5, 10, 15, 20, 30 or 60 minutes; got '\(hoursText)' and \(slotMinutes)")
        }
        return (working, agenda || configFile["start"] == "agenda")
    }

    /// Applies the calendar settings; starting on the agenda adds its first load.
    static func apply(_ settings: (hours: WorkingHours, agenda: Bool), to state: inout AppState) -> [Command] {
        state.hours = settings.hours
        state.downloadFolder = downloadFolder()
        state.asciiOnly = !localeIsUTF8()
        guard settings.agenda else { return [] }
        return update(&state, .key(.character("t")))
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
        if FileManager.default.fileExists(atPath: NSHomeDirectory() + "/Downloads", isDirectory: &isDirectory), isDirectory.boolValue {
            return "~/Downloads"
        }
        return FileManager.default.currentDirectoryPath
    }

    func run() throws {
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

        if let serverURL, !demo {
            guard let url = URL(string: serverURL), url.scheme == "http" || url.scheme == "https", url.host != nil else {
                throw ValidationError("--server must be an http(s) URL, got '\(serverURL)'")
            }
            let sessionFile = SessionFile()
            let session = sessionFile.load().flatMap { $0.server == url.absoluteString ? $0 : nil }
            let client = ClinicAPIClient(serverURL: url, http: http, session: session, sessionFile: sessionFile)
            let drafts = DraftStore(server: url.absoluteString)
            var state = AppState(width: 80, height: 24, serverLabel: url.host.map { $0 + (url.port.map { ":\($0)" } ?? "") } ?? serverURL,
                                 user: session?.user, drafts: drafts.all())
            state.login.email = LineField(session?.user.email ?? "", maxLength: 254)
            state.hours = settings.hours
            state.downloadFolder = Self.downloadFolder()
            state.asciiOnly = !Self.localeIsUTF8()
            var commands = Startup.resume(&state)
            if settings.agenda && session != nil { commands += Self.apply(settings, to: &state) }
            if let themeProblem { state.toast = .error(themeProblem) }
            runApp(state: state, initialCommands: commands, backend: client, drafts: drafts, useColor: useColor, theme: chosenTheme, useMouse: useMouse)
            return
        }

        // The embedded default: our own server in this process, on loopback, with SQLite.
        let role = demoRole
        let embedded = try blockingAwait { try await EmbeddedClinic.start(demo: demo, as: role, http: http) }
        var state = AppState(width: 80, height: 24, serverLabel: embedded.label, user: embedded.user, drafts: embedded.drafts.all())
        state.hours = settings.hours
        state.downloadFolder = Self.downloadFolder()
        state.asciiOnly = !Self.localeIsUTF8()
        let commands = Startup.firstCommands(&state) + Self.apply(settings, to: &state)
        if let themeProblem { state.toast = .error(themeProblem) }
        runApp(state: state, initialCommands: commands, backend: embedded.client,
               drafts: embedded.drafts, useColor: useColor, theme: chosenTheme, useMouse: useMouse)
        try? blockingAwait { await embedded.server.stop() }
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

/// The bundled server started in this process, and a client logged in to it.
struct EmbeddedClinic: Sendable {
    let server: RunningServer
    let client: ClinicAPIClient
    let user: User
    let drafts: DraftStore
    let label: String

    static func start(demo: Bool, as role: DemoRole, http: CurlHTTPClient) async throws -> EmbeddedClinic {
        // Its own configuration, never the environment's: a production DATABASE_URL exported in
        // this shell must not receive a local account and demo patients.
        var configuration = ServerConfiguration()
        configuration.host = "127.0.0.1"
        configuration.port = 0
        if demo { configuration.dataDirectory += "/demo" }
        var logger = Logger(label: "clinic.embedded")
        logger.logLevel = .critical  // the terminal belongs to the UI
        let server = try await ClinicServerApp.start(configuration: configuration, logger: logger)
        do {
            // One local account per data directory, its password kept beside the session (0600).
            let account = try LocalAccount.loadOrCreate(directory: configuration.dataDirectory, demo: demo)
            var email = account.email
            if demo {
                // The demo clinic: its owner, a second doctor and a front desk, with the same password.
                let accounts = try await ClinicAdmin.seedDemoClinic(store: server.store, configuration: configuration, ownerName: account.name,
                                                                    email: account.email, password: account.password, patients: 200)
                email = accounts.first { $0.user.role == role.staffRole }?.user.email ?? account.email
            } else {
                _ = try await ClinicAdmin.ensureAccount(store: server.store, configuration: configuration, username: account.name,
                                                        email: account.email, password: account.password)
            }
            guard let url = URL(string: server.baseURL) else { throw ValidationError("bad embedded server URL") }
            let client = ClinicAPIClient(serverURL: url, http: http, session: nil, sessionFile: nil)
            let user = try await client.login(email: email, password: account.password)
            let drafts = DraftStore(server: "embedded:" + configuration.resolvedDatabaseURL)
            return EmbeddedClinic(server: server, client: client, user: user, drafts: drafts,
                                  label: demo ? "demo (this computer)" : "this computer")
        } catch {
            await server.stop()
            throw error
        }
    }
}

/// Whom `clinic --demo` signs in as.
enum DemoRole: String, ExpressibleByArgument, CaseIterable {
    case owner
    case doctor
    case frontDesk = "front-desk"

    var staffRole: StaffRole {
        switch self {
        case .owner: return .owner
        case .doctor: return .doctor
        case .frontDesk: return .frontDesk
        }
    }
}

/// The embedded server's local account.
struct LocalAccount: Codable {
    var name: String
    var email: String
    var password: String

    static func loadOrCreate(directory: String, demo: Bool) throws -> LocalAccount {
        let path = directory + "/local-account.json"
        if let data = FileManager.default.contents(atPath: path), let account = try? JSONDecoder().decode(LocalAccount.self, from: data) {
            return account
        }
        var generator = SystemRandomNumberGenerator()
        let password = (0..<24).map { _ in String(format: "%02x", UInt8.random(in: 0...255, using: &generator)) }.joined()
        let account = LocalAccount(name: demo ? "Dr Amara Okafor" : (ProcessInfo.processInfo.environment["USER"].map { "Dr \($0)" } ?? "Local Doctor"),
                                   email: demo ? "demo@clinic.local" : "doctor@clinic.local", password: password)
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        guard FileManager.default.createFile(atPath: path, contents: try JSONEncoder().encode(account), attributes: [.posixPermissions: 0o600])
        else { throw ValidationError("cannot write \(path)") }
        return account
    }
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
