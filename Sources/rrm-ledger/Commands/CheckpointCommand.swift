import ArgumentParser
import RRMLedger

struct CheckpointCommand: LedgerCommand {
    static let configuration = CommandConfiguration(
        commandName: "checkpoint",
        abstract: "Sign the current tree head and record it; print the signed checkpoint.",
        discussion: """
            Signs the ledger's origin, size and Merkle root as a C2SP tlog-checkpoint in a C2SP \
            signed note (Ed25519), records it in the ledger, and prints the note: what auditors \
            fetch (`audit`) and proofs quote (`prove`). Refuses an empty ledger (65), a private \
            key file others can read (65), and a ledger whose tree does not extend its last \
            recorded checkpoint (1: signing it would fork the log). Signing a size this key \
            already signed prints the recorded note again.
            """)

    @OptionGroup var ledger: LedgerOptions
    @OptionGroup var output: FormatOptions

    @Option(name: .long, help: ArgumentHelp("The private key file (from `keygen`), mode 0600.", valueName: "prefix.key"))
    var key: String

    @Option(name: .long, help: ArgumentHelp("Seconds to wait while another process holds the write lock.", valueName: "seconds"))
    var wait: Double = Ledger.defaultWaitSeconds

    func validate() throws {
        try checkOption("--wait", wait, in: OptionRange.waitSeconds, unit: "seconds")
    }

    func execute() throws {
        let signer = try readSigner(key)
        let target = try openLedger(ledger, readOnly: false, wait: wait)
        let recording = try target.recordCheckpoint(signer: signer)
        let checkpoint = recording.checkpoint
        switch output.format {
        case .text:
            Output.verbatim(checkpoint.note)
            // Beside the note, not in it: standard output stays the note exactly as auditors receive it.
            Output.note("size \(grouped(checkpoint.size)), \(checkpoint.rootHash.labelledRoot)")
        case .json:
            Output.json([
                "size": .number(Double(checkpoint.size)), "root": .string(checkpoint.rootHash.base64),
                "root_hex": .string(checkpoint.rootHash.hex),
                "signed_at": .string(checkpoint.signedAt), "signed_by": .string(signer.description), "new": .bool(recording.isNew),
                "note": .string(checkpoint.note),
            ])
        }
    }
}
