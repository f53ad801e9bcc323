import ArgumentParser
import Foundation
import RRMLedger

/// The `--ledger` option every command shares.
struct LedgerOptions: ParsableArguments {
    /// The ledger used when neither `--ledger` nor `RRM_LEDGER` says otherwise.
    static let defaultPath = "rrm-ledger.sqlite"

    @Option(
        name: .long,
        help: ArgumentHelp(
            "The ledger file. Default: $RRM_LEDGER, else ./\(LedgerOptions.defaultPath).",
            valueName: "path"))
    var ledger: String?

    /// The path to use, after the environment default.
    var path: String {
        ledger ?? ProcessInfo.processInfo.environment["RRM_LEDGER"].flatMap { $0.isEmpty ? nil : $0 } ?? Self.defaultPath
    }
}

/// How a command prints its result.
enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
    case text
    case json
}

/// The `--format` option of commands that print results.
struct FormatOptions: ParsableArguments {
    @Option(name: .long, help: "Output format: text or json.")
    var format: OutputFormat = .text
}
