import ClinicHTTP
import Foundation
import HTTPTypes
import OpenAPIRuntime

/// swift-openapi-runtime's transport over libcurl: the generated `Client` talks through this.
public struct CurlClientTransport: ClientTransport {
    public let http: CurlHTTPClient
    /// The largest response body read into memory.
    public var maximumResponseBytes = 64 << 20

    public init(http: CurlHTTPClient) {
        self.http = http
    }

    public func send(_ request: HTTPRequest, body: HTTPBody?, baseURL: URL, operationID: String) async throws -> (HTTPResponse, HTTPBody?) {
        var base = baseURL.absoluteString
        if base.hasSuffix("/") { base.removeLast() }
        let url = base + (request.path ?? "/")
        var bodyData: Data?
        if let body { bodyData = try await Data(collecting: body, upTo: 64 << 20) }
        let headers = request.headerFields.map { ($0.name.rawName, $0.value) }
        let response = try await http.send(.init(method: request.method.rawValue, url: url, headers: headers, body: bodyData))
        var fields = HTTPFields()
        for (name, value) in response.headers {
            if let fieldName = HTTPField.Name(name) { fields.append(HTTPField(name: fieldName, value: value)) }
        }
        let status = HTTPResponse.Status(code: response.status)
        return (HTTPResponse(status: status, headerFields: fields), response.body.isEmpty ? nil : HTTPBody(response.body))
    }
}
