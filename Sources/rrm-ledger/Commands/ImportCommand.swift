import ArgumentParser
import Foundation
import RRMLedger

struct ImportCommand: LedgerCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Create a ledger from an archive, verifying it as it goes.",
        discussion: """
            A full archive makes a new ledger (--ledger must not exist) with the archive's head \
            hash; an incremental archive (export --since) extends the ledger it was made for. An \
            archive that does not verify is refused and nothing is written.
            """)

    @OptionGroup var ledger: LedgerOptions
    @OptionGroup var output: FormatOptions

    @Argument(help: ArgumentHelp("The archive.", valueName: "file"))
    var file: String

    @Option(
        help: ArgumentHelp(
            "The source ledger's verifier key (file or text): the archive's checkpoint must be signed with it.", valueName: "key"))
    var key: String?

    func execute() throws {
        guard FileManager.default.fileExists(atPath: file) else { throw LedgerError.unreadableInput(source: file, detail: "no such file") }
        let verifier = try key.map { try readVerifierKey($0) }
        let started = Date()
        let summary = try Ledger.importArchive(from: file, into: ledger.path, verifier: verifier)
        let seconds = Date().timeIntervalSince(started)
        switch output.format {
        case .text:
            Output.line(
                "imported \(grouped(summary.manifest.entries)) entries from \(file) into \(ledger.path) (\(String(format: "%.1f", seconds)) s)"
            )
            Output.line("head \(summary.head)")
            if let checkpoint = summary.manifest.checkpoint {
                // As verify-archive says it: without --key the checkpoint proves the archive is
                // whole, not who signed it.
                let signature = verifier.map { "signed by \($0.name)" } ?? "signature NOT checked (give --key)"
                Output.line("checkpoint: \(grouped(checkpoint.size)) entries, \(signature)")
            }
        case .json:
            Output.json([
                "ledger": .string(ledger.path), "entries": .number(Double(summary.manifest.entries)), "head": summary.head.json,
                "signature_checked": .bool(verifier != nil && summary.manifest.checkpoint != nil),
            ])
        }
    }
}
