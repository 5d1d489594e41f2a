import ArgumentParser
import ClinicServer
import Foundation
import Logging

/// `clinic-server`: the Clinic OS Lite API server alone, configured by environment or flags.
@main
struct ClinicServerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "clinic-server",
        abstract: "Runs the Clinic OS Lite API server.",
        discussion: """
            Settings come from the environment (PORT, HOST, DATABASE_URL, JWT_SECRET, PUBLIC_BASE_URL, BCRYPT_COST, \
            CLINIC_DATA_DIR, LOG_LEVEL); a flag overrides its variable. With no DATABASE_URL the server keeps a \
            SQLite file under the data directory. Serving on a non-loopback HOST needs JWT_SECRET.
            """)

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

    func run() async throws {
        var configuration: ServerConfiguration
        do {
            configuration = try ServerConfiguration.fromEnvironment()
        } catch {
            throw ValidationError("\(error)")
        }
        if let host { configuration.host = host }
        if let port { configuration.port = port }
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
        let logger = Logger(label: "clinic-server")
        do {
            _ = try configuration.resolveJWTSecret()
            try await ClinicServerApp.run(configuration: configuration, logger: logger)
        } catch let error as ConfigurationError {
            FileHandle.standardError.write(Data("clinic-server: \(error.description)\n".utf8))
            throw ExitCode(2)
        }
    }
}

