// swift-tools-version:6.1
import PackageDescription

// The modules are the architecture (docs/ARCHITECTURE.md): each depends only on those below it,
// and the compiler enforces it.
//
//     rrm-ledger (the command line)
//         └─ RRMRendering ─┬─ RRMAnalysis ─┐
//                          └───────────────┴─ RRMStore ─ RRMFormat
//         └─ RRMArchive ─ RRMStore
//         └─ RRMSimulation ─ RRMStore
//
// RRMFormat knows the bytes (JSON, events, chain hash, Merkle math, signed notes, checkpoints,
// proofs) and nothing of SQLite, so an offline verifier needs it alone. RRMLedger re-exports
// every module for library users who want one import.
let package = Package(
    name: "rrm-ledger",
    platforms: [.macOS(.v13)],
    products: [
        .library(name: "RRMLedger", targets: ["RRMLedger"]),
        .library(name: "RRMFormat", targets: ["RRMFormat"]),
        .executable(name: "rrm-ledger", targets: ["rrm-ledger"]),
    ],
    dependencies: [
        .package(url: "https://github.com/groue/GRDB.swift", exact: "7.10.0"),
        .package(url: "https://github.com/apple/swift-argument-parser", exact: "1.8.2"),
        .package(url: "https://github.com/apple/swift-crypto", exact: "3.12.3"),
        .package(url: "https://github.com/apple/swift-collections", exact: "1.6.0"),
    ],
    targets: [
        .target(
            name: "CShims",
            linkerSettings: [.linkedLibrary("sqlite3"), .linkedLibrary("z")]),
        .target(
            name: "RRMFormat",
            dependencies: [
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "DequeModule", package: "swift-collections"),
            ]),
        .target(
            name: "RRMStore",
            dependencies: [
                "RRMFormat",
                "CShims",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]),
        .target(
            name: "RRMArchive",
            dependencies: [
                "RRMFormat", "RRMStore", "CShims",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]),
        .target(
            name: "RRMAnalysis",
            dependencies: [
                "RRMFormat", "RRMStore",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
            ]),
        .target(
            name: "RRMSimulation",
            dependencies: ["RRMFormat", "RRMStore", "RRMAnalysis"]),
        .target(
            name: "RRMRendering",
            dependencies: ["RRMFormat", "RRMStore", "RRMAnalysis"]),
        .target(
            name: "RRMLedger",
            dependencies: ["RRMFormat", "RRMStore", "RRMArchive", "RRMAnalysis", "RRMSimulation", "RRMRendering"]),
        .executableTarget(
            name: "rrm-ledger",
            dependencies: [
                "RRMLedger",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),
        // tools/bench/tree: what the Merkle tree costs; a benchmark, not a test.
        .executableTarget(
            name: "rrm-ledger-tree-bench",
            dependencies: ["RRMFormat", "RRMStore", "RRMSimulation"],
            path: "tools/bench/tree-bench"),
        // What both test targets share: running the independent Python cross-checks.
        .target(name: "RRMTestSupport", path: "Tests/RRMTestSupport"),
        .testTarget(
            name: "RRMLedgerTests",
            dependencies: ["RRMFormat", "RRMStore", "RRMArchive", "RRMAnalysis", "RRMSimulation", "RRMRendering", "RRMTestSupport"]),
        .testTarget(
            name: "RRMLedgerCLITests",
            dependencies: ["rrm-ledger", "RRMLedger", "RRMTestSupport", .product(name: "GRDB", package: "GRDB.swift")]),
    ]
)
