// swift-tools-version:6.1
import PackageDescription

/// Settings applied to every Swift target (one loop, as swift-nio does).
let strict: [SwiftSetting] = [
    .swiftLanguageMode(.v6),
    .enableUpcomingFeature("ExistentialAny"),
]

var package = Package(
    name: "cabinet",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "cabinet", targets: ["cabinet"]),
        .executable(name: "cabinet-bench", targets: ["cabinet-bench"]),
    ],
    dependencies: [
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        // HMAC-SHA1 for TOTP (RFC 6238): libsodium has no SHA-1.
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
    ],
    targets: [
        // System libraries: modulemap + shim header only.
        .systemLibrary(name: "CSQLite", path: "Sources/CSQLite"),
        .systemLibrary(name: "CSodium", path: "Sources/CSodium"),
        .systemLibrary(name: "CNcursesw", path: "Sources/CNcursesw"),
        .systemLibrary(name: "CQRencode", path: "Sources/CQRencode"),
        .systemLibrary(name: "CZxcvbn", path: "Sources/CZxcvbn"),

        // The C page-encryption shim (docs/SEALED-STORE.md).
        .target(
            name: "CSealedVFS",
            path: "Sources/CSealedVFS",
            cSettings: [.unsafeFlags(["-Wall", "-Wextra", "-O2"])],
            linkerSettings: [.linkedLibrary("sqlite3"), .linkedLibrary("sodium")]
        ),

        // User-facing text: the French and English catalogues.
        .target(
            name: "CabinetResources",
            path: "Resources",
            resources: [.copy("strings"), .copy("passwords"), .copy("demo")]
        ),

        // Second factor: TOTP codes (RFC 6238) and otpauth:// URIs.
        .target(
            name: "CabinetTOTP",
            dependencies: [.product(name: "Crypto", package: "swift-crypto")]
        ),

        // QR codes drawn in a terminal (libqrencode).
        .target(name: "QRCode", dependencies: ["CQRencode"]),

        // Passphrase strength estimates (libzxcvbn), as Swift values.
        .target(name: "PassphraseStrength", dependencies: ["CZxcvbn"]),

        // Domain: entities, rules, services, errors. No C, no UI.
        .target(name: "CabinetCore", dependencies: ["CabinetResources", "PassphraseStrength"]),
        // In-memory repositories to test the services with (tests only).
        .target(name: "CabinetCoreTesting", dependencies: ["CabinetCore"]),

        // The vault: envelope, key slots, unlock, database access.
        .target(
            name: "CabinetStore",
            dependencies: [
                "CabinetCore", "CabinetResources", "CSealedVFS", "CSodium", "CSQLite", "CabinetTOTP",
                .product(name: "GRDB", package: "GRDB.swift"),
            ]
        ),

        // The demonstration cabinet in one place: fictitious identities,
        // scenarios of care, the bulk filler and the demo's accounts.
        .target(
            name: "CabinetDemo",
            dependencies: ["CabinetCore", "CabinetStore", "CabinetResources", .product(name: "GRDB", package: "GRDB.swift")]
        ),

        // The store's testing and benchmarking helpers (bare sealed SQL, VFS
        // probes): never linked by the application.
        .target(
            name: "CabinetStoreTesting",
            dependencies: ["CabinetStore", "CabinetCore", "CSealedVFS", "CSQLite"]
        ),

        // Terminal-independent screen model, and its ncurses backend.
        .target(name: "TerminalUI"),
        // Snapshot helpers for views rendered into the in-memory screen.
        .target(name: "TerminalUITesting", dependencies: ["TerminalUI"]),
        .target(name: "TerminalUINcurses", dependencies: ["TerminalUI", "CNcursesw"]),

        // App state, actions, reducer, views.
        .target(name: "CabinetApp", dependencies: ["CabinetCore", "TerminalUI"]),
        // The app's services over the vault (what the effects call).
        .target(name: "CabinetServices", dependencies: ["CabinetApp", "CabinetCore", "CabinetDemo", "CabinetStore", "QRCode"]),

        .executableTarget(
            name: "cabinet",
            dependencies: [
                "CabinetApp", "CabinetCore", "CabinetDemo", "CabinetResources", "CabinetServices", "CabinetStore", "TerminalUINcurses",
                "QRCode",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),

        // The benchmark suite (`cabinet bench` hands over to it): its own
        // executable, so that the product links none of it.
        .executableTarget(
            name: "cabinet-bench",
            dependencies: [
                "CabinetApp", "CabinetCore", "CabinetDemo", "CabinetResources", "CabinetServices", "CabinetStore",
                "CabinetStoreTesting", "TerminalUI", .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),

        // A helper process the store tests drive (crash loops, two writers).
        .executableTarget(
            name: "cabinet-store-probe",
            dependencies: ["CabinetStore", "CabinetStoreTesting", "CabinetCore"],
            path: "Tests/StoreProbe"
        ),

        .testTarget(name: "CabinetCoreTests", dependencies: ["CabinetCore", "CabinetCoreTesting", "CabinetDemo"]),
        .testTarget(name: "CabinetTOTPTests", dependencies: ["CabinetTOTP", "QRCode"]),
        .testTarget(
            name: "CabinetStoreTests",
            dependencies: ["CabinetStore", "CabinetStoreTesting", "CabinetCore", "CabinetDemo", "CSQLite", "CSodium",
                           "cabinet-store-probe"]
        ),
        .testTarget(name: "CabinetCLITests", dependencies: ["cabinet", "cabinet-bench", "CSodium", "CabinetCore"]),
        .testTarget(name: "TerminalUITests", dependencies: ["TerminalUI", "TerminalUITesting"]),
        .testTarget(
            name: "CabinetAppTests",
            dependencies: ["CabinetApp", "CabinetCore", "CabinetCoreTesting", "CabinetServices", "CabinetStore", "TerminalUI",
                           "TerminalUITesting", "CabinetTOTP"],
            exclude: ["__Snapshots__"]
        ),
    ]
)

for target in package.targets where target.type != .system {
    guard target.name != "CSealedVFS" else { continue }
    target.swiftSettings = (target.swiftSettings ?? []) + strict
}
