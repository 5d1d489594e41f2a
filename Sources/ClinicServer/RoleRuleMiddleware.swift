import ClinicAPI
import ClinicStore
import HTTPTypes
import OpenAPIRuntime

/// The role rule before the request is read: a role that may not make a request gets its 403
/// `role_forbidden` whatever its body or query holds (otherwise a front desk posting a malformed
/// note was told 422 about the note's fields, and the attempt was not logged). The order of the
/// contract holds: on a route naming a patient, another clinic's patient is a 404 first, and the
/// refusal is in the audit log as the handler would log it. Routes naming other records (a staff
/// member, an invitation, a document) are left to their handlers, which look the record up first.
/// The caller found here is the request's: the handler does not read it again (`RequestScope.caller`).
struct RoleRuleMiddleware: ServerMiddleware {
    let handler: ClinicAPIHandler

    func intercept(
        _ request: HTTPRequest, body: HTTPBody?, metadata: ServerRequestMetadata, operationID: String,
        next: @Sendable (HTTPRequest, HTTPBody?, ServerRequestMetadata) async throws -> (HTTPResponse, HTTPBody?)
    ) async throws -> (HTTPResponse, HTTPBody?) {
        guard let policy = OperationPolicy.table[operationID], let capability = policy.capability,
              Entitlements.roles(for: capability).count < Entitlements.Role.allCases.count,
              // No valid token: the handler answers 401 as ever.
              let caller = try? await handler.auth.authenticate()
        else {
            return try await next(request, body, metadata)
        }
        guard Entitlements.denial(plan: caller.plan, status: caller.status, role: caller.role, for: capability) == .roleForbidden else {
            return try await RequestScope.$caller.withValue(caller) { try await next(request, body, metadata) }
        }
        let parameters = metadata.pathParameters
        if parameters.isEmpty {
            try handler.auth.check(caller, capability)
        } else if let patientId = parameters["id"].map(String.init), request.path?.hasPrefix("/api/patients/") == true,
                  Set(parameters.keys).isSubset(of: ["id", "note_id"]) {
            let patient = try await handler.store.patient(clinicId: caller.clinicId, id: patientId)
            let record = parameters["note_id"].map { (type: "note", id: String($0.prefix(64))) }
            try await handler.auditingRefusals(caller, policy.audit ?? .patientView, patientId: patientId, record: record) { subject in
                guard let patient else { throw APIError.notFound("Patient") }
                subject.patient = patient
                try handler.auth.check(caller, capability)
            }
        }
        return try await RequestScope.$caller.withValue(caller) { try await next(request, body, metadata) }
    }
}
