// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "rrm-ledger",
    platforms: [.macOS(.v13)],
    products: [
        .library(name: "RRMLedger", targets: ["RRMLedger"]),
        .executable(name: "rrm-ledger", targets: ["rrm-ledger"]),
    ],
    dependencies: [
        .package(url: "https://github.com/groue/GRDB.swift", exact: "7.10.0"),
        .package(url: "https://github.com/apple/swift-argument-parser", exact: "1.8.2"),
        .package(url: "https://github.com/apple/swift-crypto", exact: "3.12.3"),
    ],
    targets: [
        .target(
            name: "CShims",
            linkerSettings: [.linkedLibrary("sqlite3"), .linkedLibrary("z")]),
        .target(
            name: "RRMLedger",
            dependencies: [
                "CShims",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]),
        .executableTarget(
            name: "rrm-ledger",
            dependencies: [
                "RRMLedger",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),
        // tools/bench/tree: what the Merkle tree costs; a benchmark, not a test.
        .executableTarget(
            name: "rrm-ledger-tree-bench",
            dependencies: ["RRMLedger"],
            path: "tools/bench/tree-bench"),
        .testTarget(
            name: "RRMLedgerTests",
            dependencies: ["RRMLedger"]),
        .testTarget(
            name: "RRMLedgerCLITests",
            dependencies: ["rrm-ledger", "RRMLedger", .product(name: "GRDB", package: "GRDB.swift")]),
    ]
)
