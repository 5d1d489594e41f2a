import Foundation
import Logging

extension ClinicStore {
    /// A consistent copy of a SQLite database taken while it is in use (`VACUUM INTO`), written
    /// with mode 0600. PostgreSQL is backed up with its own tools (pg_dump).
    public func backup(to path: String) async throws {
        guard database.dialect == .sqlite else {
            throw StoreError.refused("backups of PostgreSQL are made with pg_dump / pg_restore")
        }
        guard !FileManager.default.fileExists(atPath: path) else { throw StoreError.refused("\(path) exists already: choose a new file") }
        try await database.query("VACUUM INTO $1", [.text(path)])
        chmod(path, 0o600)
    }

    /// Checks that `path` is an intact Clinic OS Lite SQLite database; returns its patient count.
    public static func verifyBackup(at path: String, logger: Logger) async throws -> Int64 {
        let database = try await SQLiteDatabase.open(path: path, readers: 1, logger: logger)
        do {
            let check = try await database.query("PRAGMA integrity_check", [])
            guard try check.first?.string("integrity_check") == "ok" else { throw StoreError.corrupt("integrity_check failed for \(path)") }
            let versions = try await database.query("SELECT MAX(version) AS v FROM schema_migrations", [])
            guard let version = versions.first?.optionalInt("v"), version >= 1 else {
                throw StoreError.corrupt("\(path) is not a Clinic OS Lite database")
            }
            let count = try await database.query("SELECT COUNT(*) AS n FROM patients", []).first?.int("n") ?? 0
            await database.close()
            return count
        } catch {
            await database.close()
            throw error
        }
    }

    /// Replaces the SQLite file at `databasePath` with a verified backup (the server must be stopped).
    public static func restore(from backupPath: String, to databasePath: String, logger: Logger) async throws -> Int64 {
        let patients = try await verifyBackup(at: backupPath, logger: logger)
        let manager = FileManager.default
        let staging = databasePath + ".restoring"
        try? manager.removeItem(atPath: staging)
        try manager.copyItem(atPath: backupPath, toPath: staging)
        for suffix in ["-wal", "-shm"] { try? manager.removeItem(atPath: databasePath + suffix) }
        guard rename(staging, databasePath) == 0 else { throw StoreError.unavailable("cannot move the backup into place") }
        chmod(databasePath, 0o600)
        return patients
    }
}
