import ClinicAPI

/// For every operation of the OpenAPI document: who may call it (a capability of `Entitlements`,
/// nil when it needs no sign-in) and what the audit log records about it. One table, read by the
/// handlers, and checked against the document by the tests: an operation without a row fails them.
struct OperationPolicy: Sendable {
    let capability: Entitlements.Capability?
    let audit: AuditAction?

    static let table: [String: OperationPolicy] = [
        // Open: health, the document, accounts, plans, payments' callbacks.
        Operations.Healthz.id: .init(nil), Operations.Readyz.id: .init(nil), Operations.OpenapiDocument.id: .init(nil),
        Operations.RegisterUser.id: .init(nil, .staffJoin), Operations.Login.id: .init(nil, .signinSuccess),
        Operations.RefreshToken.id: .init(nil), Operations.RevokeToken.id: .init(nil), Operations.ListPlans.id: .init(nil),
        Operations.PaymentWebhook.id: .init(nil), Operations.LocalCheckoutPage.id: .init(nil), Operations.LocalCheckoutConfirm.id: .init(nil),
        Operations.GetCurrentUser.id: .init(.account),
        // Patients.
        Operations.ListPatients.id: .init(.readPatients, .patientsList),
        Operations.CreatePatient.id: .init(.writePatients, .patientCreate),
        Operations.GetPatient.id: .init(.readPatients, .patientView),
        Operations.UpdatePatient.id: .init(.writePatients, .patientUpdate),
        Operations.DeletePatient.id: .init(.deletePatients, .patientDelete),
        // Clinical notes.
        Operations.ListNotes.id: .init(.readNotes, .notesList),
        Operations.CreateNote.id: .init(.writeNotes, .noteCreate),
        Operations.GetNote.id: .init(.readNotes, .noteView),
        Operations.ListNoteVersions.id: .init(.readNotes, .noteView),
        Operations.AmendNote.id: .init(.writeNotes, .noteAmend),
        Operations.DeleteNote.id: .init(.writeNotes, .noteDelete),
        // Appointments.
        Operations.ListAppointments.id: .init(.readAppointments, .appointmentsList),
        Operations.CreateAppointment.id: .init(.writeAppointments, .appointmentCreate),
        Operations.GetAppointment.id: .init(.readAppointments, .appointmentView),
        Operations.UpdateAppointment.id: .init(.writeAppointments, .appointmentUpdate),
        Operations.DeleteAppointment.id: .init(.writeAppointments, .appointmentDelete),
        // Documents (Pro).
        Operations.ListDocuments.id: .init(.listDocuments, .documentList),
        Operations.UploadDocument.id: .init(.uploadDocuments, .documentUpload),
        Operations.DocumentDownloadURL.id: .init(.downloadDocuments, .documentDownload),
        Operations.DeleteDocument.id: .init(.deleteDocuments, .documentDelete),
        // Analytics (Pro): counts, no patient's data.
        Operations.PatientGrowth.id: .init(.analytics), Operations.AppointmentOutcomes.id: .init(.analytics),
        // Billing, the clinic, staff and the audit log.
        Operations.CreatePaymentSession.id: .init(.billing),
        Operations.GetClinic.id: .init(.readClinic), Operations.RenameClinic.id: .init(.manageStaff, .clinicUpdate),
        Operations.ListStaff.id: .init(.readClinic), Operations.UpdateStaffMember.id: .init(.manageStaff, .staffUpdate),
        Operations.ListInvitations.id: .init(.overseeStaff), Operations.CreateInvitation.id: .init(.manageStaff, .staffInvite),
        Operations.WithdrawInvitation.id: .init(.overseeStaff, .staffWithdraw),
        Operations.ListAuditEvents.id: .init(.viewAudit),
    ]

    init(_ capability: Entitlements.Capability?, _ audit: AuditAction? = nil) {
        self.capability = capability
        self.audit = audit
    }

    /// The row of an operation (every operation has one: the tests check the document against this table).
    static func of(_ operationId: String) -> OperationPolicy {
        guard let policy = table[operationId] else { preconditionFailure("no policy for operation \(operationId)") }
        return policy
    }
}
