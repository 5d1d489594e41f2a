import Hummingbird

/// A bare Hummingbird server with one route: the ceiling `make bench` measures our endpoints against.
public enum HelloServer {
    public static func run(port: Int) async throws {
        let router = Router()
        router.get("hello") { _, _ in "hello" }
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: port)))
        try await app.runService()
    }
}
