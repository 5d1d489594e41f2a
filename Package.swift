// swift-tools-version:6.1
import Foundation
import PackageDescription

// `CLINIC_FUZZ_RUNTIME=<libclang_rt.fuzzer_no_main.a> swift build --build-path .build-fuzz --product fuzz-…`
// (make test-fuzz-lib): our own parsing and decoding targets instrumented for libFuzzer, the fuzz
// targets linked with its no-main runtime (SwiftPM gives every executable its own entry point).
// Only ours: `-Xswiftc -sanitize=fuzzer` would also reach the build plugin's generator tool.
let fuzzRuntime = ProcessInfo.processInfo.environment["CLINIC_FUZZ_RUNTIME"] ?? ""
let fuzzInstrumented: [SwiftSetting] = fuzzRuntime.isEmpty ? [] : [.unsafeFlags(["-sanitize=fuzzer"]), .define("FUZZING")]
let fuzzLinked: [LinkerSetting] = fuzzRuntime.isEmpty ? [] : [.unsafeFlags([fuzzRuntime, "-lstdc++"])]

let package = Package(
    name: "ClinicOSLite",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "clinic", targets: ["clinic"]),
        .executable(name: "clinic-server", targets: ["clinic-server"]),
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth.git", from: "2.5.0"),
        .package(url: "https://github.com/hummingbird-project/swift-openapi-hummingbird.git", from: "2.1.0"),
        .package(url: "https://github.com/apple/swift-openapi-generator.git", from: "1.14.3"),
        .package(url: "https://github.com/apple/swift-openapi-runtime.git", from: "1.13.4"),
        .package(url: "https://github.com/vapor/sqlite-nio.git", from: "1.13.2"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
        .package(url: "https://github.com/vapor/jwt-kit.git", from: "5.7.1"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-crypto.git", "3.12.3"..<"5.0.0"),
        .package(url: "https://github.com/LebJe/TOMLKit.git", from: "0.6.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/yaslab/CSV.swift.git", from: "2.5.2"),
    ],
    targets: [
        // The HTTP contract: openapi.yaml generates types, server stubs and the client.
        .target(
            name: "ClinicAPI",
            dependencies: [.product(name: "OpenAPIRuntime", package: "swift-openapi-runtime")],
            resources: [.copy("openapi.yaml")],
            swiftSettings: fuzzInstrumented,
            plugins: [.plugin(name: "OpenAPIGenerator", package: "swift-openapi-generator")]
        ),
        // What clients send to find things: page cursors and search terms. Pure (Foundation only),
        // so the fuzzers build it without the database drivers.
        .target(name: "ClinicQuery", swiftSettings: fuzzInstrumented),
        // Payment gateways' webhooks: signature headers and event bodies read into what they mean.
        // Pure (Foundation and Crypto), so its fuzzer builds without the server.
        .target(
            name: "ClinicWebhooks",
            dependencies: [.product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: fuzzInstrumented
        ),
        // Persistence: one protocol, SQLite and PostgreSQL executors, migrations.
        .target(
            name: "ClinicStore",
            dependencies: [
                "ClinicQuery",
                .product(name: "SQLiteNIO", package: "sqlite-nio"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        // The Hummingbird application: routes -> services -> store.
        .target(
            name: "ClinicServer",
            dependencies: [
                "ClinicAPI", "ClinicStore", "ClinicHTTP", "ClinicWebhooks",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
                .product(name: "OpenAPIHummingbird", package: "swift-openapi-hummingbird"),
                .product(name: "OpenAPIRuntime", package: "swift-openapi-runtime"),
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "CSV", package: "CSV.swift"),
            ]
        ),
        .executableTarget(
            name: "clinic-server",
            dependencies: [
                "ClinicServer", "ClinicAPI", "ClinicStore",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // libcurl, found by pkg-config; shim.h wraps the variadic curl_easy_setopt.
        .systemLibrary(
            name: "CCurl",
            pkgConfig: "libcurl",
            providers: [.apt(["libcurl4-openssl-dev"])]
        ),
        // HTTP over libcurl, for the terminal client and for the server's calls out (Stripe, Razorpay,
        // Google Cloud Storage): the one thing both need of each other's side.
        .target(name: "ClinicHTTP", dependencies: ["CCurl"]),
        // The typed API client (generated from the same openapi.yaml) over ClinicHTTP.
        .target(
            name: "ClinicClient",
            dependencies: [
                "ClinicHTTP", "ClinicAPI",
                .product(name: "OpenAPIRuntime", package: "swift-openapi-runtime"),
            ],
            swiftSettings: fuzzInstrumented
        ),
        // ncursesw (wide characters), found by pkg-config.
        .systemLibrary(
            name: "CNcurses",
            pkgConfig: "ncursesw",
            providers: [.apt(["libncursesw5-dev"])]
        ),
        // `clinic`: the terminal client (ncurses + ClinicClient + ClinicTUI). Its embedded default is
        // `clinic-server local` as a child process: no server, store or database driver linked here.
        .executableTarget(
            name: "clinic",
            dependencies: [
                "CNcurses", "ClinicTUI", "ClinicTheme", "ClinicClient", "ClinicAPI",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // The terminal app as state, update and view: no curl, no ncurses.
        .target(
            name: "ClinicTUI",
            dependencies: ["ClinicAPI"],
            swiftSettings: fuzzInstrumented
        ),
        // Themes: TOML files (themes/) mapped onto the UI's style roles.
        .target(
            name: "ClinicTheme",
            dependencies: ["ClinicTUI", .product(name: "TOMLKit", package: "TOMLKit")]
        ),
        // Fuzz targets: libFuzzer binaries with `-sanitize=fuzzer -DFUZZING` (make test-fuzz-lib),
        // corpus replayers otherwise (run by the tests on the seeds in Tests/Fuzz).
        .target(name: "CLibFuzzer"),
        .target(name: "FuzzHarness", dependencies: ["CLibFuzzer"], swiftSettings: fuzzInstrumented),
        .executableTarget(
            name: "fuzz-client-decoding",
            dependencies: ["FuzzHarness", "ClinicClient", "ClinicHTTP", "ClinicAPI", "ClinicTUI",
                           .product(name: "OpenAPIRuntime", package: "swift-openapi-runtime")],
            swiftSettings: fuzzInstrumented, linkerSettings: fuzzLinked
        ),
        .executableTarget(
            name: "fuzz-query-parsing",
            dependencies: ["FuzzHarness", "ClinicQuery", "ClinicAPI"],
            swiftSettings: fuzzInstrumented, linkerSettings: fuzzLinked
        ),
        .executableTarget(
            name: "fuzz-webhook-parsing",
            dependencies: ["FuzzHarness", "ClinicWebhooks"],
            swiftSettings: fuzzInstrumented, linkerSettings: fuzzLinked
        ),
        .testTarget(
            name: "ClinicTUITests",
            dependencies: ["ClinicTUI", "ClinicTheme", "ClinicAPI"],
            exclude: ["Snapshots", "Fixtures"]
        ),
        .testTarget(
            name: "ClinicClientTests",
            dependencies: ["ClinicClient", "ClinicHTTP", "ClinicAPI", "ClinicServer"]
        ),
        .testTarget(
            name: "ClinicServerTests",
            dependencies: ["ClinicServer", "ClinicAPI", "ClinicStore", "ClinicClient", "ClinicHTTP", "ClinicWebhooks",
                           .product(name: "Hummingbird", package: "hummingbird"),
                           .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
                           .product(name: "PostgresNIO", package: "postgres-nio"),
                           .product(name: "SQLiteNIO", package: "sqlite-nio")],
            exclude: ["Fixtures"]
        ),
    ]
)
