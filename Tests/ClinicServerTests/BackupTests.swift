import ClinicStore
import Foundation
import Logging
import Testing

@Suite struct BackupTests {
    @Test func test_backupWhileRunning_thenRestore_bringsBackEveryRow() async throws {
        let server = try await TestServer.start(.sqlite)
        let doctor = try await server.registerDoctor()
        for index in 0..<25 { _ = try await server.createPatient(doctor, ["name": "Kept \(index)"]) }
        let patient = try #require(try await server.call("GET", "/api/patients?limit=1", token: doctor.token).items().first?["id"] as? String)
        _ = try await server.call("POST", "/api/patients/\(patient)/notes", token: doctor.token, json: ["content": "kept note"])
        let backup = server.directory + "/backup.sqlite"
        try await server.store.backup(to: backup)
        let attributes = try FileManager.default.attributesOfItem(atPath: backup)
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
        await #expect(throws: (any Error).self) { try await server.store.backup(to: backup) }
        // Later changes, then disaster: restore.
        _ = try await server.createPatient(doctor, ["name": "After the backup"])
        await server.running.stop()
        let logger = Logger(label: "test")
        let restored = try await ClinicStore.restore(from: backup, to: server.directory + "/clinic.sqlite", logger: logger)
        #expect(restored == 25)
        let store = try await ClinicStore.open(url: "sqlite://\(server.directory)/clinic.sqlite", logger: logger)
        let names = try await store.patients(clinicId: doctor.id, query: nil, limit: 100, after: nil).items.map(\.name)
        #expect(names.count == 25 && !names.contains("After the backup"))
        #expect(try await store.notes(clinicId: doctor.id, patientId: patient, limit: 10, after: nil).items.first?.content == "kept note")
        await store.close()
        // A file that is not a database is refused.
        let junk = server.directory + "/junk.sqlite"
        FileManager.default.createFile(atPath: junk, contents: Data("not a database".utf8))
        await #expect(throws: (any Error).self) { _ = try await ClinicStore.restore(from: junk, to: server.directory + "/clinic.sqlite", logger: logger) }
        try? FileManager.default.removeItem(atPath: server.directory)
    }
}
