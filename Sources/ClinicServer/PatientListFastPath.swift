import Foundation
import HTTPTypes
import Hummingbird

/// `GET /api/patients` answered without the generated route's JSON encoding: the same work
/// (`ClinicAPIHandler.patientListPage`: authentication, role rule, audit) and the same answer,
/// written by `PatientPageJSON`. Only requests whose query it reads exactly as the generated
/// decoder would (at most one each of `q`, `limit`, `cursor`, in plain percent-encoding, an integer
/// limit) and that accept JSON take this path; every other request, bad ones included, goes on to
/// the generated route and gets its answer and its errors from there.
struct PatientListFastPath<Context: RequestContext>: RouterMiddleware {
    let handler: ClinicAPIHandler

    struct Query: Equatable {
        var q: String?
        var limit: Int?
        var cursor: String?
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard request.method == .get, request.uri.path == "/api/patients", Self.acceptsJSON(request.headers[values: .accept]),
              let query = Self.plainQuery(request.uri.query)
        else {
            return try await next(request, context)
        }
        context.coreContext.endpointPath.value = "/api/patients"
        let page = try await handler.patientListPage(q: query.q, limit: query.limit, cursor: query.cursor)
        var headers = HTTPFields()
        headers[.contentType] = "application/json; charset=utf-8"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: PatientPageJSON.encode(page)))
    }

    /// No Accept header, or one made only of ranges the generated route accepts for JSON
    /// (`application/json`, `application/*`, `*/*`, each with at most a `q` between 0 and 1). Anything
    /// else, however close (`application/json-seq`, `q=2`, a bare `text`), goes to the generated route
    /// and gets its 415 or 422.
    static func acceptsJSON(_ values: [String]) -> Bool {
        values.allSatisfy { value in
            value.split(separator: ",", omittingEmptySubsequences: false).allSatisfy { range in
                let parts = range.split(separator: ";", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
                guard ["application/json", "application/*", "*/*"].contains(parts[0].lowercased()), parts.count <= 2 else { return false }
                guard parts.count == 2 else { return true }
                let parameter = parts[1].split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
                guard parameter.count == 2, parameter[0].lowercased() == "q", let q = Double(parameter[1]) else { return false }
                return (0...1).contains(q)
            }
        }
    }

    /// The query when it is one this path reads exactly as the generated decoder does; nil otherwise.
    static func plainQuery(_ raw: String?) -> Query? {
        var query = Query()
        guard let raw, !raw.isEmpty else { return query }
        var seen = Set<Substring>()
        for item in raw.split(separator: "&", omittingEmptySubsequences: false) {
            let parts = item.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard parts.count == 2, !parts[1].isEmpty, seen.insert(parts[0]).inserted,
                  parts[1].utf8.allSatisfy(isPlain), let value = String(parts[1]).removingPercentEncoding
            else { return nil }
            switch parts[0] {
            case "q": query.q = value
            case "cursor": query.cursor = value
            case "limit":
                guard let limit = Int(value) else { return nil }
                query.limit = limit
            default: return nil
            }
        }
        return query
    }

    /// Unreserved characters and percent escapes: no `+` (space or plus?), no separators left in a value.
    static func isPlain(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
             UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"), UInt8(ascii: "%"):
            return true
        default:
            return false
        }
    }
}
