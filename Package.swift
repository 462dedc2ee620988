// swift-tools-version: 6.0
import PackageDescription

let package = Package(
    name: "authx",
    products: [
        .library(name: "AuthExport", targets: ["AuthExport"]),
        .library(name: "AuthExportSQLite", targets: ["AuthExportSQLite"]),
        .library(name: "AuthExportPostgres", targets: ["AuthExportPostgres"]),
        .executable(name: "authx", targets: ["authx"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        // `swift package generate-documentation` (scripts/docs): the DocC catalogues of the three library modules.
        .package(url: "https://github.com/swiftlang/swift-docc-plugin", from: "1.5.0"),
    ],
    targets: [
        // Thin system-library wrappers over the C libraries (module map + shim header only).
        .systemLibrary(name: "CDeflate", providers: [.apt(["libdeflate-dev"])]),
        .systemLibrary(name: "CSQLite", pkgConfig: "sqlite3", providers: [.apt(["libsqlite3-dev"])]),
        .systemLibrary(name: "CLibPQ", pkgConfig: "libpq", providers: [.apt(["libpq-dev"])]),
        // System calls Swift's Glibc module leaves out (header only).
        .systemLibrary(name: "CPlatform"),

        // The format: model, codec, gzip framing, writer, reader, verifier. No database dependency.
        .target(
            name: "AuthExport",
            dependencies: [
                "CDeflate", "CPlatform", .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
            ]
        ),
        // Backends.
        .target(name: "AuthExportSQLite", dependencies: ["AuthExport", "CSQLite"]),
        .target(name: "AuthExportPostgres", dependencies: ["AuthExport", "CLibPQ"]),

        // The thin command-line tool.
        .executableTarget(
            name: "authx",
            dependencies: [
                "AuthExport", "AuthExportSQLite", "AuthExportPostgres",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),

        // Feeds inputs to every offline reader of an archive: `scripts/fuzz` builds it with libFuzzer; a plain
        // build replays files given as arguments.
        .executableTarget(
            name: "authx-fuzz",
            dependencies: [
                "AuthExport", "AuthExportSQLite", "AuthExportPostgres",
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),

        .testTarget(
            name: "AuthExportTests", dependencies: ["AuthExport", .product(name: "Crypto", package: "swift-crypto")]),
        .testTarget(name: "AuthExportSQLiteTests", dependencies: ["AuthExport", "AuthExportSQLite"]),
        .testTarget(name: "AuthExportPostgresTests", dependencies: ["AuthExport", "AuthExportSQLite", "AuthExportPostgres"]),
        .testTarget(name: "CLITests", dependencies: ["AuthExport"]),
    ]
)

for target in package.targets where target.type != .system {
    var settings = target.swiftSettings ?? []
    settings.append(.enableUpcomingFeature("ExistentialAny"))
    settings.append(.enableUpcomingFeature("MemberImportVisibility"))
    target.swiftSettings = settings
}
