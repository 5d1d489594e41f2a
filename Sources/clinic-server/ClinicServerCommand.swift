import ArgumentParser
import ClinicAPI
import ClinicServer
import ClinicStore
import Foundation
import Logging

/// `clinic-server`: the Clinic OS Lite API server and its operator tasks.
@main
struct ClinicServerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "clinic-server",
        abstract: "The Clinic OS Lite API server.",
        discussion: """
            Settings come from the environment (PORT, HOST, DATABASE_URL, JWT_SECRET, PUBLIC_BASE_URL, BCRYPT_COST, \
            CLINIC_DATA_DIR, LOG_LEVEL); a flag overrides its variable. With no DATABASE_URL the server keeps a \
            SQLite file under the data directory. Serving on a non-loopback HOST needs JWT_SECRET.
            """,
        subcommands: [Serve.self, Migrate.self, CreateUser.self, Seed.self, Audit.self, Backup.self, Restore.self, Local.self, BenchHello.self],
        defaultSubcommand: Serve.self)
}

/// Settings shared by every subcommand.
struct ServerOptions: ParsableArguments {
    @Option(help: "Address to listen on (HOST; default 127.0.0.1).") var host: String?
    @Option(help: "Port to listen on; 0 picks a free one (PORT; default 8080).") var port: Int?
    @Option(name: .customLong("database-url"), help: "sqlite:///path/file.sqlite or postgres://user:pass@host:port/db (DATABASE_URL).")
    var databaseURL: String?
    @Option(name: .customLong("data-dir"), help: "Where the default SQLite file and generated secret live (CLINIC_DATA_DIR).")
    var dataDirectory: String?
    @Option(name: .customLong("public-base-url"), help: "Base URL for links the server hands out (PUBLIC_BASE_URL).")
    var publicBaseURL: String?
    @Option(name: .customLong("log-level"), help: "trace, debug, info, notice, warning, error or critical (LOG_LEVEL).")
    var logLevel: String?

    func resolve() throws -> ServerConfiguration {
        var configuration: ServerConfiguration
        do {
            configuration = try ServerConfiguration.fromEnvironment()
        } catch {
            // The environment is the operator's, not the command line's: one line, no usage text.
            FileHandle.standardError.write(Data("clinic-server: \(error)\n".utf8))
            throw ExitCode(2)
        }
        if let host { configuration.host = host }
        if let port {
            guard (0...65535).contains(port) else { throw ValidationError("--port must be 0 to 65535") }
            configuration.port = port
        }
        if let databaseURL { configuration.databaseURL = databaseURL }
        if let dataDirectory { configuration.dataDirectory = dataDirectory }
        if let publicBaseURL { configuration.publicBaseURL = publicBaseURL }
        if let logLevel { configuration.logLevel = logLevel }
        let level = Logger.Level(rawValue: configuration.logLevel) ?? .info
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        return configuration
    }
}

/// Prints a configuration or database problem as one line and exits non-zero.
func reportingFailures(_ body: () async throws -> Void) async throws {
    do {
        try await body()
    } catch let error as ConfigurationError {
        FileHandle.standardError.write(Data("clinic-server: \(error.description)\n".utf8))
        throw ExitCode(2)
    } catch let error as StoreError {
        FileHandle.standardError.write(Data("clinic-server: \(error.description)\n".utf8))
        throw ExitCode(2)
    }
}

/// Opens the configured database, runs `body`, and closes it whether or not `body` succeeds.
func withStore<T>(_ configuration: ServerConfiguration, _ body: (ClinicStore) async throws -> T) async throws -> T {
    let store = try await ClinicStore.open(url: configuration.resolvedDatabaseURL, logger: Logger(label: "clinic-server"))
    do {
        let result = try await body(store)
        await store.close()
        return result
    } catch {
        await store.close()
        throw error
    }
}

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Serve the API (the default).")
    @OptionGroup var options: ServerOptions
    @Option(name: .customLong("port-file"), help: "Write the port listened on to this file once listening (with --port 0: tests, scripts).")
    var portFile: String?

    func run() async throws {
        let configuration = try options.resolve()
        let portFile = portFile
        try await reportingFailures {
            _ = try configuration.resolveJWTSecret()
            try await ClinicServerApp.run(configuration: configuration, logger: Logger(label: "clinic-server")) { port in
                // Written whole, then renamed: a reader never sees half a number.
                guard let portFile else { return }
                let partial = portFile + ".part"
                if FileManager.default.createFile(atPath: partial, contents: Data("\(port)\n".utf8)) { rename(partial, portFile) }
            }
        }
    }
}

/// The benchmark's ceiling: Hummingbird with one route and nothing of ours (no middleware, no auth,
/// no database), so each endpoint can be reported as a fraction of what this machine can serve.
struct BenchHello: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "bench-hello", abstract: "Serve GET /hello only (the benchmark's ceiling).",
                                                    shouldDisplay: false)
    @Option(help: "Port to listen on.") var port: Int
    func run() async throws {
        try await HelloServer.run(port: port)
    }
}

struct Migrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Apply pending database migrations and exit.")
    @OptionGroup var options: ServerOptions

    func run() async throws {
        let configuration = try options.resolve()
        try await reportingFailures {
            try await withStore(configuration) { _ in }
            print("migrated: \(configuration.resolvedDatabaseURL.hasPrefix("postgres") ? "postgres" : configuration.resolvedDatabaseURL)")
        }
    }
}

struct CreateUser: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "create-user",
        abstract: "Create an account (staging, demos): an owner with a clinic of their own, or a member of a clinic.")
    @OptionGroup var options: ServerOptions
    @Option(help: "The person's full name.") var name: String
    @Option(help: "Login email.") var email: String
    @Option(help: "Password; read from CLINIC_PASSWORD when omitted.") var password: String?
    @Option(help: "owner, doctor or front_desk.") var role: String = "owner"
    @Option(help: "The clinic to join: its id, or the email of one of its members (an owner without one founds a clinic).")
    var clinic: String?

    func run() async throws {
        let configuration = try options.resolve()
        guard let password = password ?? ProcessInfo.processInfo.environment["CLINIC_PASSWORD"] else {
            throw ValidationError("give --password or set CLINIC_PASSWORD")
        }
        guard let role = StaffRole(rawValue: role) else { throw ValidationError("--role must be owner, doctor or front_desk") }
        try await reportingFailures {
            let caller = try await withStore(configuration) { store in
                let clinicId = try await clinic.asyncFlatMap { try await ClinicAdmin.clinicId(named: $0, store: store) }
                return try await ClinicAdmin.ensureAccount(store: store, configuration: configuration, username: name, email: email,
                                                           password: password, role: role, clinicId: clinicId)
            }
            print("\(caller.user.id) \(caller.user.role.rawValue) of clinic \(caller.clinic.id) (\(caller.clinic.name))")
        }
    }
}

struct Seed: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "A demo clinic: an owner, a second doctor and a front desk, realistic patients, notes and both calendars busy.",
        discussion: "The staff sign in as EMAIL with +doctor and +desk before the @ (demo@x → demo+doctor@x), with the same password.")
    @OptionGroup var options: ServerOptions
    @Option(help: "The owner's email (created when missing).") var email: String
    @Option(help: "The password of all three; read from CLINIC_PASSWORD when omitted.") var password: String?
    @Option(help: "How many patients.") var patients: Int = 200
    @Option(help: "Most notes per patient (for the first 500 patients).") var notes: Int = 3
    @Flag(help: "Leave out appointments.") var noAppointments = false

    func run() async throws {
        let configuration = try options.resolve()
        guard let password = password ?? ProcessInfo.processInfo.environment["CLINIC_PASSWORD"] else {
            throw ValidationError("give --password or set CLINIC_PASSWORD")
        }
        guard (0...1_000_000).contains(patients) else { throw ValidationError("--patients must be 0 to 1000000") }
        try await reportingFailures {
            let accounts = try await withStore(configuration) { store in
                try await ClinicAdmin.seedDemoClinic(store: store, configuration: configuration, ownerName: "Dr Amara Okafor", email: email,
                                                     password: password, patients: patients, notesPerPatient: notes,
                                                     appointments: !noAppointments)
            }
            print("seeded \(patients) patients in clinic \(accounts.first?.clinic.name ?? "?")")
            for account in accounts { print("  \(account.user.role.rawValue): \(account.user.email)") }
        }
    }
}

struct Audit: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "The audit log, for an owner's records request.", subcommands: [AuditExportCommand.self])
}

struct AuditExportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "export", abstract: "A clinic's audit events in [from, to) as CSV, oldest first.")
    @OptionGroup var options: ServerOptions
    @Option(help: "The clinic: its id, or the email of one of its members.") var clinic: String
    @Option(help: "First day (YYYY-MM-DD, UTC) or an RFC 3339 time.") var from: String
    @Option(help: "Day after the last (YYYY-MM-DD, UTC) or an RFC 3339 time.") var to: String
    @Option(help: "The file to write (default: standard output).") var output: String?

    static func instant(_ text: String) -> Int64? {
        let full = text.count == 10 ? text + "T00:00:00Z" : text
        return RFC3339DateTranscoder.parse(full).map(Clock.millis)
    }

    func run() async throws {
        let configuration = try options.resolve()
        guard let start = Self.instant(from), let end = Self.instant(to), start < end else {
            throw ValidationError("--from and --to must be dates (YYYY-MM-DD) or RFC 3339 times, --from before --to")
        }
        // The file names patients and who read their records: readable by its owner only, from the
        // moment it exists (created 0600, never a symlink followed).
        if let output {
            let descriptor = open(output, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW, 0o600)
            guard descriptor >= 0, fchmod(descriptor, 0o600) == 0 else {
                if descriptor >= 0 { close(descriptor) }
                throw ValidationError("cannot write \(output): \(String(cString: strerror(errno)))")
            }
            close(descriptor)
        }
        guard let stream = output.map({ OutputStream(toFileAtPath: $0, append: true) }) ?? OutputStream(toFileAtPath: "/dev/stdout", append: true)
        else { throw ValidationError("cannot write \(output ?? "standard output")") }
        stream.open()
        try await reportingFailures {
            let written = try await withStore(configuration) { store in
                try await AuditExport.write(store: store, clinicId: try await ClinicAdmin.clinicId(named: clinic, store: store),
                                            from: start, to: end, to: stream)
            }
            FileHandle.standardError.write(Data("exported \(written) audit events\n".utf8))
        }
    }
}

extension Optional {
    func asyncFlatMap<T>(_ transform: (Wrapped) async throws -> T?) async rethrows -> T? {
        guard let self else { return nil }
        return try await transform(self)
    }
}

struct Backup: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Copy the SQLite database to a new file while the server runs.")
    @OptionGroup var options: ServerOptions
    @Option(help: "The backup file to create.") var to: String

    func run() async throws {
        let configuration = try options.resolve()
        try await reportingFailures {
            try await withStore(configuration) { store in try await store.backup(to: to) }
            let patients = try await ClinicStore.verifyBackup(at: to, logger: Logger(label: "clinic-server"))
            print("backed up to \(to) (\(patients) patients, integrity ok)")
        }
    }
}

struct Restore: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Replace the SQLite database with a verified backup (stop the server first).")
    @OptionGroup var options: ServerOptions
    @Option(help: "The backup file to restore.") var from: String

    func run() async throws {
        let configuration = try options.resolve()
        let url = configuration.resolvedDatabaseURL
        guard url.hasPrefix("sqlite://") else { throw ValidationError("restore is for SQLite; use pg_restore for PostgreSQL") }
        try await reportingFailures {
            let patients = try await ClinicStore.restore(from: from, to: String(url.dropFirst("sqlite://".count)),
                                                         logger: Logger(label: "clinic-server"))
            print("restored \(from) (\(patients) patients)")
        }
    }
}
