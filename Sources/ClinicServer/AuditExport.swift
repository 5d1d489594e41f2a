import ClinicAPI
import ClinicStore
import CSV
import Foundation

/// `clinic-server audit export`: a clinic's audit events in a date range as CSV, oldest first, for
/// an owner's records request (or a regulator's). Cells a spreadsheet would run as a formula are
/// written with a leading apostrophe: a patient named "=HYPERLINK(…)" stays text.
public enum AuditExport {
    public static let header = ["id", "at", "actor_id", "actor_name", "actor_role", "action", "patient_id", "patient_name", "record_type",
                                "record_id", "ip", "status"]

    /// Writes to `stream` (opened by the caller); returns the number of events written.
    @discardableResult
    public static func write(store: ClinicStore, clinicId: String, from: Int64, to: Int64, to stream: OutputStream) async throws -> Int {
        let csv = try CSVWriter(stream: stream)
        try csv.write(row: header)
        var cursor: PageCursor?
        var written = 0
        while true {
            let page = try await store.auditEventsInOrder(clinicId: clinicId, from: from, to: to, after: cursor, limit: 1000)
            for event in page {
                let entry = event.entry
                try csv.write(row: [
                    event.id, RFC3339DateTranscoder.format(Clock.date(entry.at)), entry.actorId ?? "", entry.actorName ?? "", entry.actorRole ?? "", entry.action,
                    entry.patientId ?? "", entry.patientName ?? "", entry.recordType ?? "", entry.recordId ?? "", entry.ip ?? "",
                    String(entry.status),
                ].map(safeCell))
                written += 1
            }
            guard let last = page.last, page.count == 1000 else { break }
            cursor = PageCursor(key: last.entry.at, id: last.id)
        }
        csv.stream.close()
        return written
    }

    /// A cell as text a spreadsheet will not evaluate.
    static func safeCell(_ value: String) -> String {
        guard let first = value.first, "=+-@\t\r".contains(first) else { return value }
        return "'" + value
    }
}
