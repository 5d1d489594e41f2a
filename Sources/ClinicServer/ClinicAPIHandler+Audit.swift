import ClinicAPI
import ClinicStore
import Foundation

/// The audit log from the handlers' side: an entry stamped with who is asking, from where, and
/// what they were answered; and refusals of a patient's record logged as well as successes.
extension ClinicAPIHandler {
    func auditEntry(_ caller: CallerRecord, _ action: AuditAction, status: Int, patientId: String? = nil,
                    record: (type: String, id: String)? = nil) -> AuditEntry {
        AuditEntry(clinicId: caller.clinicId, at: now, actorId: caller.userId, actorName: caller.user.username,
                   actorRole: caller.user.role.rawValue, action: action.rawValue, patientId: patientId.map { String($0.prefix(64)) },
                   recordType: record?.type, recordId: record?.id, ip: RequestScope.clientAddress, status: status)
    }

    /// Runs a request about a patient's record. When it is refused (403 by a role or plan rule, or
    /// 404: another clinic's id, or none) the refusal is logged in the caller's clinic with the ids
    /// as sent, and the patient's name only once the body has found the record in the caller's own
    /// clinic (`subject.patient`); successes are logged by the body itself (a change in its own
    /// transaction, a read once it has read).
    func auditingRefusals<T>(_ caller: CallerRecord, _ action: AuditAction, patientId: String?, record: (type: String, id: String)? = nil,
                             _ body: (AuditSubject) async throws -> T) async throws -> T {
        let subject = AuditSubject()
        do {
            return try await body(subject)
        } catch let error as APIError where error.status == .forbidden || error.status == .notFound || error.status == .conflict {
            // A change refused on a patient's record is logged too: a role's 403, another clinic's
            // 404, and a clash's 409 (whose answer names the visit in the way).
            let entry = auditEntry(caller, action, status: Int(error.status.code), patientId: patientId, record: record)
            try await store.recordAudit(entry.about(patient: subject.patient))
            throw error
        }
    }

    /// A read that was answered: logged before the answer goes out (no log, no answer).
    func recordRead(_ caller: CallerRecord, _ action: AuditAction, patient: PatientRecord?, patientId: String? = nil,
                    record: (type: String, id: String)? = nil) async throws {
        guard configuration.auditReads else { return }
        try await store.recordAudit(auditEntry(caller, action, status: 200).about(patient: patient, patientId: patientId, record: record))
    }
}

/// What a request turned out to be about, once found in the caller's clinic (for logging a refusal).
final class AuditSubject: @unchecked Sendable {
    var patient: PatientRecord?
}
