import ClinicAPI
import ClinicClient
import Foundation
import Testing

final class ProgressLog: @unchecked Sendable {
    private let lock = NSLock()
    private var values: [(Int64, Int64)] = []
    func add(_ done: Int64, _ total: Int64) { lock.lock(); values.append((done, total)); lock.unlock() }
    var all: [(Int64, Int64)] { lock.lock(); defer { lock.unlock() }; return values }
}

@Suite struct AppointmentsAndDocumentsClientTests {
    @Test func test_booking_clash_andMove_overLibcurl() async throws {
        try await withRunningServer { server in
            let client = makeClient(server.baseURL)
            _ = try await client.register(name: "Dr Desk", email: "desk-\(UUID().uuidString.prefix(8))@example.org", password: "password1")
            var draft = PatientDraft()
            draft.name = "Ada Lovelace"
            let patient = try await client.savePatient(id: nil, draft: draft)
            let nine = Date(timeIntervalSince1970: 1_795_597_200)  // 2026-11-25T09:00:00Z
            let booked = try await client.createAppointment(AppointmentChange(patientID: patient.id, startsAt: nine,
                                                                              endsAt: nine.addingTimeInterval(1800), reason: "Review"))
            #expect(booked.patientName == "Ada Lovelace" && booked.status == .scheduled)
            let clash = await failure {
                _ = try await client.createAppointment(AppointmentChange(patientID: patient.id, startsAt: nine.addingTimeInterval(900),
                                                                         endsAt: nine.addingTimeInterval(2700)))
            }
            #expect(clash?.status == 409 && clash?.code == "appointment_conflict")
            let moved = try await client.updateAppointment(id: booked.id, AppointmentChange(startsAt: nine.addingTimeInterval(3600),
                                                                                             endsAt: nine.addingTimeInterval(5400)))
            #expect(moved.startsAt == nine.addingTimeInterval(3600) && moved.reason == "Review", "a partial update keeps the rest")
            let done = try await client.updateAppointment(id: booked.id, AppointmentChange(status: .completed))
            #expect(done.status == .completed)
            let day = try await client.appointments(from: nine.addingTimeInterval(-9 * 3600), to: nine.addingTimeInterval(15 * 3600), patientID: nil)
            #expect(day.map(\.id) == [booked.id])
            let others = try await client.appointments(from: nine, to: nine.addingTimeInterval(86_400), patientID: "ffffffffffffffffffffffff")
            #expect(others.isEmpty)
        }
    }

    @Test func test_documents_streamUp_andComeBackByteIdentical_throughTheSignedURL() async throws {
        try await withRunningServer { server in
            let client = makeClient(server.baseURL)
            _ = try await client.register(name: "Dr Files", email: "files-\(UUID().uuidString.prefix(8))@example.org", password: "password1")
            var draft = PatientDraft()
            draft.name = "Grace Hopper"
            let patient = try await client.savePatient(id: nil, draft: draft)
            let folder = NSTemporaryDirectory() + "clinic-docs-\(UUID().uuidString)"
            try FileManager.default.createDirectory(atPath: folder + "/out", withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(atPath: folder) }
            var bytes = Data("%PDF-1.4\n".utf8)
            bytes.append(Data((0..<(5 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 2_654_435_761 >> 13) }))
            FileManager.default.createFile(atPath: folder + "/scan.pdf", contents: bytes)

            // Basic: the server refuses (403), and says why.
            let locked = await failure { _ = try await client.uploadDocument(patientID: patient.id, path: folder + "/scan.pdf") { _, _ in } }
            #expect(locked?.status == 403 && locked?.code == "pro_required")
            let checkout = try await client.createCheckout()
            try await client.confirmLocalCheckout(url: checkout.url)
            #expect(try await client.currentUser().plan == .pro)

            let progress = ProgressLog()
            let document = try await client.uploadDocument(patientID: patient.id, path: folder + "/scan.pdf") { progress.add($0, $1) }
            #expect(document.sizeBytes == bytes.count && document.contentType == "application/pdf" && document.fileName == "scan.pdf")
            #expect(!progress.all.isEmpty && progress.all.allSatisfy { $0.1 >= Int64(bytes.count) }, "progress counts the whole body")
            let first = try await client.downloadDocument(id: document.id, fileName: document.fileName, folder: folder + "/out") { _, _ in }
            #expect(first == folder + "/out/scan.pdf")
            #expect(FileManager.default.contents(atPath: first) == bytes)
            let second = try await client.downloadDocument(id: document.id, fileName: "../../etc/scan.pdf", folder: folder + "/out") { _, _ in }
            #expect(second == folder + "/out/etcscan.pdf", "never outside the folder, never hidden")
            let third = try await client.downloadDocument(id: document.id, fileName: document.fileName, folder: folder + "/out") { _, _ in }
            #expect(third == folder + "/out/scan (1).pdf", "an existing file is not overwritten")
            let missing = await failure { _ = try await client.uploadDocument(patientID: patient.id, path: folder + "/nope.pdf") { _, _ in } }
            #expect(missing?.message.hasPrefix("No such file") == true)
            try await client.deleteDocument(id: document.id)
            #expect(try await client.documents(patientID: patient.id).isEmpty)
        }
    }
}
