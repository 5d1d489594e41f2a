import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A minimal HTTP/1.1 server on loopback that answers with canned bytes per path: for FastAPI's
/// shapes, 5xx, slow answers and dropped connections. One thread per connection.
final class FakeServer: @unchecked Sendable {
    enum Behaviour: Sendable {
        case respond(status: Int, body: String, headers: [String: String] = [:])
        case delay(seconds: Double, then: Int, body: String)
        case drop
    }

    let port: Int
    private let socketFD: Int32
    private let routes: [String: Behaviour]
    private let lock = NSLock()
    private(set) var requests: [String] = []

    init(routes: [String: Behaviour]) throws {
        self.routes = routes
        let socketFD = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(socketFD, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(socketFD, 16) == 0 else { throw POSIXError(.EADDRINUSE) }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { _ = getsockname(socketFD, $0, &length) }
        }
        self.socketFD = socketFD
        port = Int(UInt16(bigEndian: address.sin_port))
        let thread = Thread { [self] in acceptLoop() }
        thread.start()
    }

    /// A port bound on loopback but never listened on: connections to it are refused, and no other
    /// test can be given it while `body` runs (a port merely "free" a moment ago can be reused).
    static func withRefusingPort<T>(_ body: (Int) async throws -> T) async throws -> T {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        _ = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { _ = getsockname(fd, $0, &length) }
        }
        return try await body(Int(UInt16(bigEndian: address.sin_port)))
    }

    func stop() {
        shutdown(socketFD, Int32(SHUT_RDWR))
        close(socketFD)
    }

    private func acceptLoop() {
        while true {
            let client = accept(socketFD, nil, nil)
            if client < 0 { return }
            let thread = Thread { [self] in serve(client) }
            thread.start()
        }
    }

    private func serve(_ client: Int32) {
        defer { close(client) }
        var buffer = [UInt8](repeating: 0, count: 65536)
        var received = Data()
        while !received.contains(Data("\r\n\r\n".utf8)) {
            let count = read(client, &buffer, buffer.count)
            if count <= 0 { return }
            received.append(contentsOf: buffer[0..<count])
        }
        // Read the whole body: closing with unread bytes makes the kernel send RST, and the client
        // may then see "connection reset" instead of our answer.
        let headerEnd = received.range(of: Data("\r\n\r\n".utf8))!.upperBound
        let head = String(decoding: received[..<headerEnd], as: UTF8.self)
        let contentLength = head.split(separator: "\r\n").first { $0.lowercased().hasPrefix("content-length:") }
            .flatMap { Int($0.split(separator: ":")[1].trimmingCharacters(in: .whitespaces)) } ?? 0
        while received.count - headerEnd < contentLength {
            let count = read(client, &buffer, buffer.count)
            if count <= 0 { break }
            received.append(contentsOf: buffer[0..<count])
        }
        let requestLine = head.split(separator: "\r\n").first.map(String.init) ?? ""
        let parts = requestLine.split(separator: " ")
        let path = parts.count > 1 ? String(parts[1].split(separator: "?").first ?? "") : ""
        lock.lock()
        requests.append(requestLine)
        lock.unlock()
        func send(_ status: Int, _ body: String, _ headers: [String: String]) {
            var response = "HTTP/1.1 \(status) X\r\nContent-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\nConnection: close\r\n"
            for (name, value) in headers { response += "\(name): \(value)\r\n" }
            response += "\r\n" + body
            _ = response.utf8CString.withUnsafeBufferPointer { write(client, $0.baseAddress, $0.count - 1) }
            // Half-close and let the client finish reading before the socket goes away.
            shutdown(client, Int32(SHUT_WR))
            var drain = [UInt8](repeating: 0, count: 1024)
            while read(client, &drain, drain.count) > 0 {}
        }
        switch routes[path] ?? .respond(status: 404, body: #"{"detail":"Not Found"}"#) {
        case .respond(let status, let body, let headers): send(status, body, headers)
        case .delay(let seconds, let status, let body):
            Thread.sleep(forTimeInterval: seconds)
            send(status, body, [:])
        case .drop: return
        }
    }
}
