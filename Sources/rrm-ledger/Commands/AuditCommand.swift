import ArgumentParser
import RRMLedger

struct AuditCommand: LedgerCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "Hold the ledger's newest signed checkpoint to the last one you trusted.",
        discussion: """
            The auditor's side. Keeps in DIR (a file DIR/checkpoint) the last checkpoint it \
            trusted. Fetches the ledger's newest recorded checkpoint, checks its signature and \
            origin, proves it consistent with the trusted one (a consistency proof computed from \
            the ledger, checked against both signed roots) and that the entries still give both \
            roots; only then saves it. The first run trusts on first use, and says so. A ledger \
            that shrank, forked or rewrote its past is refused with one line (SHRINK, FORK or \
            REWRITE, with the sizes) and exit 1; DIR is then left as it was.
            """)

    @OptionGroup var ledger: LedgerOptions
    @OptionGroup var output: FormatOptions

    @Option(name: .long, help: ArgumentHelp("The log's verifier key: a file (PREFIX.pub) or the key text.", valueName: "verifier-key"))
    var key: String

    @Option(name: .long, help: ArgumentHelp("The folder holding the last trusted checkpoint; created if missing.", valueName: "dir"))
    var state: String

    @Option(
        name: .long,
        help: ArgumentHelp(
            "The origin the checkpoints must name. Default: the trusted checkpoint's, or on first use the ledger's own.",
            valueName: "origin"))
    var origin: String?

    func execute() throws {
        let verifier = try readVerifierKey(key)
        let stateFile = TrustedCheckpointFile(directory: state)
        let trusted = try stateFile.load(verifier: verifier, origin: origin)
        let target = try openLedger(ledger, readOnly: true)
        let result = try target.audit(verifier: verifier, origin: origin, trusted: trusted)
        if result.checkpoint.note != trusted?.note {
            try stateFile.save(result.checkpoint.note)
        }
        let checkpoint = result.checkpoint
        let described = "\(checkpoint.checkpoint.origin) at size \(checkpoint.size), \(checkpoint.checkpoint.rootHash.labelledRoot)"
        switch output.format {
        case .text:
            switch result.outcome {
            case .trustedOnFirstUse:
                Output.line(
                    "ok: trusted on first use: \(described), signed by \(checkpoint.signer); saved to \(stateFile.path). "
                        + "Check this origin and root with the ledger's owner, out of band.")
            case .unchanged:
                Output.line("ok: unchanged: \(described), the checkpoint trusted before")
            case .extended(let fromSize):
                Output.line(
                    "ok: the ledger grew from size \(fromSize) to \(checkpoint.size) without rewriting its past "
                        + "(consistency proof of \(result.proofLength) hashes verified): now trusting \(described); saved to \(stateFile.path)"
                )
            }
        case .json:
            let outcome: JSONValue
            switch result.outcome {
            case .trustedOnFirstUse: outcome = "trusted-on-first-use"
            case .unchanged: outcome = "unchanged"
            case .extended: outcome = "extended"
            }
            var fromSize: JSONValue = .null
            if case .extended(let size) = result.outcome { fromSize = .number(Double(size)) }
            Output.json([
                "ok": true, "outcome": outcome, "checkpoint": checkpoint.json, "previous_size": fromSize,
                "entries": .number(Double(result.entries)), "state": .string(stateFile.path),
            ])
        }
    }
}
