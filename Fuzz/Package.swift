// swift-tools-version:6.1
import PackageDescription

// libFuzzer targets for rrm-ledger's parsers of hostile input (docs/RELIABILITY.md, "Hostile
// input"). A package of its own so that the main package's build and tests never see them.
// Build and run them with tools/fuzz; by hand:
//
//     swift build --package-path Fuzz --scratch-path Fuzz/.build-fuzz -c debug \
//         -Xswiftc -sanitize=fuzzer,address -Xswiftc -parse-as-library
//     Fuzz/.build-fuzz/debug/fuzz-jsonl Fuzz/corpus/jsonl
//
// Each executable defines `LLVMFuzzerTestOneInput` and the `<target>_main` that SwiftPM's `main`
// calls, which hands over to libFuzzer (`LLVMFuzzerRunDriver`): a build without
// `-sanitize=fuzzer` does not link.
let package = Package(
    name: "rrm-ledger-fuzz",
    dependencies: [.package(name: "rrm-ledger", path: "..")],
    targets: [
        .target(name: "CLibFuzzer"),
        .target(name: "FuzzSupport", dependencies: ["CLibFuzzer"]),
        .executableTarget(name: "fuzz-jsonl", dependencies: ["FuzzSupport", .product(name: "RRMLedger", package: "rrm-ledger")]),
        .executableTarget(name: "fuzz-canonical", dependencies: ["FuzzSupport", .product(name: "RRMLedger", package: "rrm-ledger")]),
        .executableTarget(name: "fuzz-archive", dependencies: ["FuzzSupport", .product(name: "RRMLedger", package: "rrm-ledger")]),
        .executableTarget(name: "fuzz-notes", dependencies: ["FuzzSupport", .product(name: "RRMLedger", package: "rrm-ledger")]),
    ]
)
