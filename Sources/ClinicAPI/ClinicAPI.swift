import Foundation
import OpenAPIRuntime

/// The contract's plan rules, in one place: the server enforces them and the client mirrors
/// them to lock panes before asking.
public enum Entitlements {
    /// What a request wants to do.
    public enum Capability: Sendable {
        /// Read the doctor's own records (allowed even when inactive).
        case read
        /// Create, change or delete patients, notes, appointments.
        case write
        /// Documents and analytics.
        case pro
    }

    /// Why a capability is refused; `code` is the contract's machine code.
    public enum Denial: String, Sendable, Error, Equatable {
        case proRequired = "pro_required"
        case subscriptionInactive = "subscription_inactive"

        public var detail: String {
            switch self {
            case .proRequired: return "This feature needs an active Pro subscription."
            case .subscriptionInactive: return "Your subscription is inactive: your records are read-only until you subscribe."
            }
        }
    }

    public static func denial(plan: String, status: String, for capability: Capability) -> Denial? {
        switch capability {
        case .read:
            return nil
        case .write:
            return status == "inactive" ? .subscriptionInactive : nil
        case .pro:
            return plan == "pro" && status == "active" ? nil : .proRequired
        }
    }
}

/// RFC 3339 in UTC: writes whole seconds (milliseconds when there are any) with `Z`; reads
/// fractional seconds and numeric offsets too, as FastAPI clients send them.
public struct RFC3339DateTranscoder: DateTranscoder, @unchecked Sendable {
    private let plain: ISO8601DateFormatter
    private let fractional: ISO8601DateFormatter

    public init() {
        plain = ISO8601DateFormatter()
        plain.formatOptions = [.withInternetDateTime]
        fractional = ISO8601DateFormatter()
        fractional.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
    }

    public func encode(_ date: Date) throws -> String {
        let millis = (date.timeIntervalSince1970 * 1000).rounded()
        return millis.truncatingRemainder(dividingBy: 1000) == 0 ? plain.string(from: date) : fractional.string(from: date)
    }

    public func decode(_ string: String) throws -> Date {
        if let date = plain.date(from: string) ?? fractional.date(from: string) { return date }
        // FastAPI/pydantic also writes naive timestamps, meaning UTC.
        if !string.hasSuffix("Z"), string.count >= 19, !string.dropFirst(19).contains(where: { $0 == "+" || $0 == "-" }) {
            if let date = plain.date(from: string + "Z") ?? fractional.date(from: string + "Z") { return date }
        }
        throw DecodingError.dataCorrupted(.init(codingPath: [], debugDescription: "Expected an RFC 3339 timestamp, got '\(string)'"))
    }
}

extension OpenAPIRuntime.Configuration {
    /// The configuration both the server and the client use.
    public static let clinic = OpenAPIRuntime.Configuration(dateTranscoder: RFC3339DateTranscoder(),
                                                            jsonEncodingOptions: [.withoutEscapingSlashes])
}

/// The OpenAPI document this module was generated from.
public enum ContractDocument {
    public static func yaml() -> Data? {
        guard let url = Bundle.module.url(forResource: "openapi", withExtension: "yaml") else { return nil }
        return try? Data(contentsOf: url)
    }
}

/// Why a request failed, in the terms a client acts on (retry, log in again, show the message).
public struct APIFailure: Error, Equatable, Sendable {
    public enum Kind: Equatable, Sendable {
        /// No HTTP answer (server down, timeout, DNS): the request may be retried.
        case unreachable
        /// The session could not be refreshed: log in again.
        case sessionExpired
        /// The server answered with an error.
        case rejected
        case cancelled
    }

    public var kind: Kind
    public var status: Int?
    public var code: String?
    public var message: String
    /// 422 field errors by field name (the last element of `loc`).
    public var fieldErrors: [String: String]

    public init(kind: Kind, status: Int? = nil, code: String? = nil, message: String, fieldErrors: [String: String] = [:]) {
        self.kind = kind
        self.status = status
        self.code = code
        self.message = message
        self.fieldErrors = fieldErrors
    }
}

/// The patient fields the form edits (strings as typed).
public struct PatientDraft: Equatable, Sendable {
    public var name = ""
    public var phoneNumber = ""
    public var dateOfBirth = ""
    public var sex = ""
    public var address = ""
    public var notes = ""

    public init() {}

    public init(_ patient: Components.Schemas.Patient) {
        name = patient.name
        phoneNumber = patient.phoneNumber ?? ""
        dateOfBirth = patient.dateOfBirth ?? ""
        sex = patient.sex ?? ""
        address = patient.address ?? ""
        notes = patient.notes ?? ""
    }
}

