import ArgumentParser
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
        subcommands: [Serve.self, Migrate.self, CreateUser.self, Seed.self, Backup.self, Restore.self, BenchHello.self],
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

    func run() async throws {
        let configuration = try options.resolve()
        try await reportingFailures {
            _ = try configuration.resolveJWTSecret()
            try await ClinicServerApp.run(configuration: configuration, logger: Logger(label: "clinic-server"))
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
    static let configuration = CommandConfiguration(commandName: "create-user", abstract: "Create a doctor's account (staging, demos).")
    @OptionGroup var options: ServerOptions
    @Option(help: "The doctor's full name.") var name: String
    @Option(help: "Login email.") var email: String
    @Option(help: "Password; read from CLINIC_PASSWORD when omitted.") var password: String?

    func run() async throws {
        let configuration = try options.resolve()
        guard let password = password ?? ProcessInfo.processInfo.environment["CLINIC_PASSWORD"] else {
            throw ValidationError("give --password or set CLINIC_PASSWORD")
        }
        try await reportingFailures {
            let user = try await withStore(configuration) { store in
                try await ClinicAdmin.ensureUser(store: store, configuration: configuration, username: name, email: email, password: password)
            }
            print(user.id)
        }
    }
}

struct Seed: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Fill an account with realistic demo patients, notes and appointments.")
    @OptionGroup var options: ServerOptions
    @Option(help: "The account's email (created when missing).") var email: String
    @Option(help: "The account's password; read from CLINIC_PASSWORD when omitted.") var password: String?
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
            try await withStore(configuration) { store in
                let user = try await ClinicAdmin.ensureUser(store: store, configuration: configuration, username: "Dr Demo",
                                                            email: email, password: password)
                try await DemoClinic.seed(store: store, userId: user.id, patients: patients, notesPerPatient: notes,
                                          appointments: !noAppointments)
            }
            print("seeded \(patients) patients for \(email)")
        }
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
