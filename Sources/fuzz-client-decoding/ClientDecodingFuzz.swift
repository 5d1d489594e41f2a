import ClinicAPI
import ClinicClient
import ClinicHTTP
import ClinicTUI
import Foundation
import FuzzHarness
import HTTPTypes
import OpenAPIRuntime

/// The terminal client reading a server's answer: the generated client's decoding (the contract's
/// date transcoder, FastAPI's shapes), the error mapping, and the sanitising every string passes
/// through before the terminal. A staging server is not ours: any bytes may come back.
///
/// Input: byte 0 picks the operation, byte 1 the status, byte 2 the content type, the rest is the body.
enum ClientDecodingFuzz {
    static let statuses = [200, 201, 204, 400, 401, 403, 404, 409, 413, 415, 422, 429, 500, 502, 503]
    static let contentTypes = ["application/json", "application/json; charset=utf-8", "text/html", "application/problem+json"]

    struct CannedAnswer: ClientTransport {
        let status: Int
        let contentType: String
        let body: Data

        func send(_ request: HTTPRequest, body: HTTPBody?, baseURL: URL, operationID: String) async throws -> (HTTPResponse, HTTPBody?) {
            var fields = HTTPFields()
            fields[.contentType] = contentType
            return (HTTPResponse(status: .init(code: status), headerFields: fields), HTTPBody(self.body))
        }
    }

    static func run(_ input: Data) {
        guard input.count >= 3 else { return }
        let bytes = [UInt8](input)
        let status = statuses[Int(bytes[1]) % statuses.count]
        let body = Data(bytes[3...])
        let transport = CannedAnswer(status: status, contentType: contentTypes[Int(bytes[2]) % contentTypes.count], body: body)
        let client = Client(serverURL: URL(string: "http://fuzz.invalid")!, configuration: .clinic, transport: transport)
        let operation = Int(bytes[0])

        // Every string of a decoded answer is what the screens would show.
        nonisolated(unsafe) var decoded: (any Encodable)?
        runBlocking {
            let id = "0123456789abcdef01234567"
            let day = Date(timeIntervalSince1970: 1_700_000_000)
            switch operation % 10 {
            case 0: decoded = try? await client.getCurrentUser().ok.body.json
            case 1: decoded = try? await client.listPatients(query: .init(q: "a")).ok.body.json
            case 2: decoded = try? await client.getPatient(path: .init(id: id)).ok.body.json
            case 3: decoded = try? await client.listNotes(path: .init(id: id)).ok.body.json
            case 4: decoded = try? await client.listAppointments(query: .init(from: day, to: day)).ok.body.json
            case 5: decoded = try? await client.listDocuments(path: .init(id: id)).ok.body.json
            case 6: decoded = try? await client.listPlans().ok.body.json
            case 7: decoded = try? await client.patientGrowth(query: .init(interval: .day, from: day, to: day)).ok.body.json
            case 8: decoded = try? await client.documentDownloadURL(path: .init(id: id)).ok.body.json
            default: decoded = try? await client.login(body: .urlEncodedForm(.init(username: "a", password: "b"))).ok.body.json
            }
        }
        if let decoded, let json = try? JSONEncoder().encode(decoded),
           let object = try? JSONSerialization.jsonObject(with: json, options: [.fragmentsAllowed]) {
            forEachString(in: object) { checkTerminalText($0, input) }
        }

        // An error answer becomes a message (and field errors) for the status line.
        let failure = FailureMiddleware.failure(status: status, body: body, retryAfter: bytes[0] & 1 == 0 ? "7" : nil)
        guard !TerminalText.sanitize(failure.message).trimmingCharacters(in: .whitespaces).isEmpty else {
            FuzzHarness.violated("an error answer (\(status)) became an empty message", input)
        }
        checkTerminalText(failure.message, input)
        for (field, message) in failure.fieldErrors { checkTerminalText(field, input); checkTerminalText(message, input) }

        // And the raw bytes themselves, as any text field could hold them.
        checkTerminalText(String(decoding: body, as: UTF8.self), input)
    }

    static func forEachString(in object: Any, _ body: (String) -> Void) {
        if let text = object as? String { body(text) }
        else if let array = object as? [Any] { array.forEach { forEachString(in: $0, body) } }
        else if let dictionary = object as? [String: Any] { dictionary.forEach { body($0.key); forEachString(in: $0.value, body) } }
    }

    /// What reaches the terminal has nothing it would act on, and is measured so it fits.
    static func checkTerminalText(_ text: String, _ input: Data) {
        for keepNewlines in [false, true] {
            let clean = TerminalText.sanitize(text, keepNewlines: keepNewlines)
            for scalar in clean.unicodeScalars {
                let value = scalar.value
                let allowed = keepNewlines && value == 0x0A
                if (value < 0x20 && !allowed) || (0x7F...0x9F).contains(value) || (0x202A...0x202E).contains(value)
                    || (0x2066...0x2069).contains(value) || value == 0x200E || value == 0x200F || value == 0x061C {
                    FuzzHarness.violated("U+\(String(value, radix: 16)) survived sanitising", input)
                }
            }
        }
        let clean = TerminalText.sanitize(text)
        for columns in [1, 2, 8, 27, 80] {
            guard TerminalText.width(TerminalText.truncate(clean, to: columns)) <= columns else { FuzzHarness.violated("truncate wider than \(columns)", input) }
            guard TerminalText.width(TerminalText.fit(clean, to: columns)) == columns else { FuzzHarness.violated("fit not \(columns) wide", input) }
            let widest = clean.map(TerminalText.width).max() ?? 0
            for line in TerminalText.wrap(TerminalText.sanitize(text, keepNewlines: true), to: columns) {
                guard TerminalText.width(line) <= max(columns, widest) else { FuzzHarness.violated("wrapped line wider than \(columns)", input) }
            }
        }
    }
}

@main struct ClientDecodingFuzzer {
    static func main() {
        FuzzHarness.main(ClientDecodingFuzz.run, fuzzer: { start, count in
            ClientDecodingFuzz.run(FuzzHarness.data(start, count))
            return 0
        })
    }
}
