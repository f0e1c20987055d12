// swift-tools-version:6.1
import PackageDescription

// The layout follows DESIGN.md's "Parts": a pure domain, then one target per concern
// (wire protocol, rendering, printer drivers, station store, station services), and thin
// executables on top. C libraries come in through system-library targets that hold only
// a module map and a shim header.
// How the executables are linked (docs/install.md, "Memory"): by lld, with the relative
// relocations packed (`-z pack-relative-relocs`: DT_RELR, which Debian 12's glibc 2.36
// reads) and without every symbol exported (swiftc links executables `-export-dynamic`;
// nothing here looks a symbol up at run time). A station PC keeps fewer pages of ektpd:
// measured on the packaged (static) ektpd at idle, 57 MiB resident before, 46 after.
let leanExecutable: [LinkerSetting] = [
    .unsafeFlags(["-use-ld=lld", "-Xlinker", "-z", "-Xlinker", "pack-relative-relocs", "-Xlinker", "--no-export-dynamic"])
]

let package = Package(
    name: "ektp",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "ektpd", targets: ["ektpd"]),
        .executable(name: "ektpctl", targets: ["ektpctl"]),
        .executable(name: "ektp-demo", targets: ["ektp-demo"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-configuration", from: "1.4.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/LebJe/TOMLKit", from: "0.6.0"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth", from: "2.5.0"),
    ],
    targets: [
        // MARK: System libraries
        .systemLibrary(name: "CCups", providers: [.apt(["libcups2-dev"])]),
        .systemLibrary(name: "CLibUSB", pkgConfig: "libusb-1.0", providers: [.apt(["libusb-1.0-0-dev"])]),
        .systemLibrary(name: "CCairo", pkgConfig: "cairo", providers: [.apt(["libcairo2-dev"])]),
        .systemLibrary(name: "CJPEG", providers: [.apt(["libjpeg62-turbo-dev"])]),
        .systemLibrary(name: "CMalloc"),
        .systemLibrary(name: "CPCSCLite", pkgConfig: "libpcsclite", providers: [.apt(["libpcsclite-dev"])]),

        // MARK: Domain (Foundation only, no I/O)
        .target(name: "EKTPDomain"),

        // MARK: The installed system: data file locations, build version, journald logging,
        // systemd readiness
        .target(
            name: "EKTPInstall",
            dependencies: [
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),

        // MARK: Accounts (no HTTP): users, roles, sessions, password hashing, and their
        // statements on SQLite
        .target(
            name: "EKTPAccounts",
            dependencies: [
                .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),

        // MARK: Wire protocol: Codable types shared by hub, station and CLI; job signatures
        .target(
            name: "EKTPWire",
            dependencies: [
                "EKTPDomain",
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),

        // MARK: HTTP glue shared by the hub API and the station's local API: JSON replies,
        // refusals mapped to statuses, request bodies within limits, bearer credentials
        .target(
            name: "EKTPHTTP",
            dependencies: [
                "EKTPWire",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
            ]
        ),

        // MARK: Rendering: the KTP-el face to PDF, print planes and PNG preview
        .target(
            name: "EKTPRendering",
            dependencies: ["EKTPDomain", "EKTPInstall", "CCairo", "CJPEG"]
        ),

        // MARK: Printer emulators written from the vendors' documents alone (Foundation only:
        // they cannot see the drivers they check); the demo's and the tests' printers
        .target(name: "EKTPEmulators"),

        // MARK: Printer drivers: one CardPrinter interface, drivers as URI schemes
        .target(
            name: "EKTPDrivers",
            dependencies: [
                "EKTPDomain",
                "EKTPInstall",
                "CCups",
                "CLibUSB",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "TOMLKit", package: "TOMLKit"),
            ]
        ),

        // MARK: Chip encoding: PC/SC sessions through pcsc-lite and the boundary to the
        // ministry's personalisation module (a child process speaking ektp-chip/1)
        .target(
            name: "EKTPChip",
            dependencies: ["EKTPDomain", "CPCSCLite", .product(name: "Logging", package: "swift-log")]
        ),

        // MARK: Simulated printers (the demo's, the tests', an office's training PC): a
        // printer model without bytes, and the real USB drivers on the guide emulators
        .target(name: "EKTPSimulator", dependencies: ["EKTPDomain", "EKTPDrivers", "EKTPEmulators", "EKTPInstall"]),

        // MARK: Station store: SQLite through GRDB; PII encrypted at rest
        .target(
            name: "EKTPStationStore",
            dependencies: [
                "EKTPAccounts",
                "EKTPDomain",
                "EKTPWire",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),

        // MARK: Station services: print worker, local API
        .target(
            name: "EKTPStation",
            dependencies: [
                "EKTPClient",
                "EKTPHTTP",
                "EKTPAccounts",
                "EKTPChip",
                "EKTPDomain",
                "EKTPInstall",
                "EKTPWire",
                "EKTPDrivers",
                "EKTPSimulator",
                "EKTPStationStore",
                "EKTPRendering",
                "EKTPSynthetic",
                "EKTPWeb",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Configuration", package: "swift-configuration"),
                .product(name: "TOMLKit", package: "TOMLKit"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOCore", package: "swift-nio"),
            ]
        ),

        // MARK: Hub rules (no I/O): intake and ack classification, enrollment, queue order,
        // what each station event does to the hub's state; the stores only carry them out
        .target(name: "EKTPHubRules", dependencies: ["EKTPDomain", "EKTPWire"]),

        // MARK: Hub services: intake, queues, station API, events, fleet views
        .target(
            name: "EKTPHub",
            dependencies: [
                "EKTPHTTP",
                "EKTPAccounts",
                "EKTPDomain",
                "EKTPHubRules",
                "EKTPInstall",
                "EKTPWire",
                "EKTPWeb",
                "EKTPRendering",
                "CMalloc",
                .product(name: "TOMLKit", package: "TOMLKit"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ]
        ),

        // MARK: Web pages shared by station and hub: HTML, session cookies, CSRF, SVG charts
        .target(
            name: "EKTPWeb",
            dependencies: [
                "EKTPDomain",
                "EKTPRendering",
                "EKTPAccounts",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),

        // MARK: Clients: the station's local API (ektpctl, the demo, tests) and the hub's API
        // (the station's sync, the central office's calls)
        .target(
            name: "EKTPClient",
            dependencies: [
                "EKTPDomain",
                "EKTPWire",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ]
        ),

        // MARK: Synthetic people: PRR jobs, portraits and signatures (demo, tests, benchmarks,
        // a printer's test card)
        .target(
            name: "EKTPSynthetic",
            dependencies: ["EKTPDomain", "EKTPInstall", "EKTPWire", "EKTPRendering", "CCairo"]
        ),

        // MARK: Test support (linked by tests, benchmarks and the demo; never by a shipped
        // program): process harness, the hub daemon, ektpd's configuration file, loopback
        // ports, the private CUPS world
        .target(
            name: "EKTPTestSupport",
            dependencies: [
                "EKTPDomain", "EKTPWire", "EKTPClient", "EKTPInstall", .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Hummingbird", package: "hummingbird"), .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ]
        ),
        // The `.daemons` test trait: tests that start daemons run a few at a time (test
        // targets only; it imports Testing).
        .target(name: "EKTPTestSlots"),

        // MARK: Executables
        .executableTarget(
            name: "ektp-demo",
            dependencies: [
                "EKTPSimulator",
                "EKTPTestSupport",
                "EKTPSynthetic",
                "EKTPClient",
                "EKTPDrivers",
                "EKTPHub",
                "EKTPHubRules",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            linkerSettings: leanExecutable
        ),
        .executableTarget(
            name: "ektp-bench",
            dependencies: [
                "EKTPSimulator",
                "EKTPTestSupport",
                "EKTPStation", "EKTPHub", "EKTPSynthetic", "EKTPClient",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ],
            linkerSettings: leanExecutable
        ),
        .executableTarget(
            name: "ektp-hub",
            dependencies: [
                "EKTPAccounts",
                "EKTPClient",
                "EKTPHub",
                "EKTPHubRules",
                "EKTPInstall",
                "EKTPWeb",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            linkerSettings: leanExecutable
        ),
        .executableTarget(
            name: "ektpd",
            dependencies: [
                "EKTPStation",
                "EKTPInstall",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            linkerSettings: leanExecutable
        ),
        .executableTarget(
            name: "ektpctl",
            dependencies: [
                "EKTPDomain",
                "EKTPInstall",
                "EKTPWire",
                "EKTPClient",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            linkerSettings: leanExecutable
        ),

        // MARK: Tests
        .testTarget(name: "EKTPDomainTests", dependencies: ["EKTPDomain"]),
        .testTarget(name: "EKTPWireTests", dependencies: ["EKTPWire"]),
        .testTarget(name: "EKTPHubRulesTests", dependencies: ["EKTPHubRules"]),
        .testTarget(
            name: "EKTPRenderingTests", dependencies: ["EKTPRendering", "EKTPSynthetic", "EKTPTestSupport", "CCairo"], resources: [.copy("Golden")]),
        .testTarget(
            name: "EKTPStationStoreTests",
            dependencies: ["EKTPStationStore", .product(name: "GRDB", package: "GRDB.swift")]
        ),
        .testTarget(name: "EKTPSimulatorTests", dependencies: ["EKTPSimulator", "EKTPDrivers"]),
        .testTarget(
            name: "EKTPHubTests",
            dependencies: [
                "EKTPTestSlots",
                "EKTPTestSupport",
                "EKTPHub", "EKTPHubRules", "EKTPSynthetic",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ]
        ),
        .testTarget(name: "EKTPCUPSTests", dependencies: ["EKTPTestSlots", "EKTPTestSupport", "EKTPDrivers"]),
        .testTarget(
            name: "EKTPUSBTests", dependencies: ["EKTPTestSlots", "EKTPDrivers", "EKTPEmulators", "EKTPSimulator", "EKTPRendering", "EKTPSynthetic"],
            resources: [.copy("Fixtures")]),
        .testTarget(
            name: "EKTPStationTests",
            dependencies: [
                "EKTPTestSlots", "EKTPStation", "EKTPSynthetic", "EKTPClient", "EKTPDrivers", "EKTPSimulator", "EKTPStationStore", "EKTPTestSupport",
            ]
        ),
        .testTarget(name: "EKTPClientTests", dependencies: ["EKTPClient"]),
        .testTarget(
            name: "EKTPChipTests",
            dependencies: ["EKTPChip", "EKTPDomain", "EKTPSynthetic", "EKTPTestSupport", "EKTPWire", .product(name: "Logging", package: "swift-log")]),
        .testTarget(
            name: "EKTPSyncTests",
            dependencies: [
                "EKTPTestSlots",
                "EKTPSimulator",
                "EKTPTestSupport",
                "EKTPHub", "EKTPClient", "EKTPSynthetic", "EKTPDrivers", "EKTPWire",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ]
        ),
        .testTarget(
            name: "EKTPWebTests",
            dependencies: [
                "EKTPTestSlots",
                "EKTPSimulator",
                "EKTPTestSupport",
                "EKTPAccounts",
                "EKTPWeb", "EKTPStation", "EKTPStationStore", "EKTPHub", "EKTPSynthetic", "EKTPDrivers", "EKTPRendering", "EKTPClient",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ]
        ),
    ]
)
