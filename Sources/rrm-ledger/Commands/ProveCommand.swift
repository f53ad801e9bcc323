import ArgumentParser
import RRMLedger

struct ProveCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "prove",
        abstract: "Print an offline proof: that an entry is in the ledger, or that the ledger only grew.",
        discussion: """
            Proofs are text files (docs/FORMAT.md section 8), modelled on C2SP tlog-proof, that \
            `verify-proof` checks with nothing but the log's verifier key. They are made against \
            a recorded checkpoint (`checkpoint`), by default the newest.
            """,
        subcommands: [InclusionCommand.self, ConsistencyCommand.self])

    struct InclusionCommand: LedgerCommand {
        static let configuration = CommandConfiguration(
            commandName: "inclusion",
            abstract: "Prove that an entry is in the ledger at a signed checkpoint.",
            discussion: """
                The proof carries the entry's seq, prev_hash and canonical body, so a verifier \
                recomputes its hash, its leaf hash and the checkpoint's root from the proof alone.
                """)

        @OptionGroup var ledger: LedgerOptions
        @OptionGroup var output: FormatOptions

        @Argument(help: ArgumentHelp("The entry's id.", valueName: "id"))
        var id: String

        @Option(name: .long, help: ArgumentHelp("The size of a recorded checkpoint. Default: the newest.", valueName: "size"))
        var checkpoint: Int128?

        func validate() throws {
            try checkOption("--checkpoint", checkpoint, in: OptionRange.treeSize)
        }

        func execute() throws {
            let bundle = try openLedger(ledger, readOnly: true).inclusionProofBundle(
                id: id, checkpointSize: checkpoint.map { Int64(clamping: $0) })
            switch output.format {
            case .text:
                Output.verbatim(bundle.text)
            case .json:
                Output.json([
                    "kind": "inclusion", "seq": .number(Double(bundle.seq)), "index": .number(Double(bundle.index)),
                    "prev_hash": .string(bundle.prevHash.hex), "body": .string(bundle.body),
                    "entry_hash": .string(bundle.entryHash.hex), "proof": .array(bundle.proof.map { .string($0.base64) }),
                    "note": .string(bundle.note), "text": .string(bundle.text),
                ])
            }
        }
    }

    struct ConsistencyCommand: LedgerCommand {
        static let configuration = CommandConfiguration(
            commandName: "consistency",
            abstract: "Prove that the ledger at a signed checkpoint extends its tree at an older size.",
            discussion: """
                The proof carries the older size and root and, when one was recorded, the older \
                checkpoint: then it shows that two roots the log signed are one history.
                """)

        @OptionGroup var ledger: LedgerOptions
        @OptionGroup var output: FormatOptions

        @Argument(help: ArgumentHelp("The older tree size, 1 or more.", valueName: "old-size"))
        var oldSize: Int128

        @Argument(help: ArgumentHelp("The size of a recorded checkpoint. Default: the newest.", valueName: "new-size"))
        var newSize: Int128?

        func validate() throws {
            try checkOption("OLD_SIZE", oldSize, in: OptionRange.treeSize)
            try checkOption("NEW_SIZE", newSize, in: OptionRange.treeSize)
            if let newSize, newSize < oldSize {
                throw ValidationError("NEW_SIZE (\(newSize)) must not be smaller than OLD_SIZE (\(oldSize))")
            }
        }

        func execute() throws {
            let bundle = try openLedger(ledger, readOnly: true).consistencyProofBundle(
                oldSize: Int64(clamping: oldSize), newSize: newSize.map { Int64(clamping: $0) })
            switch output.format {
            case .text:
                Output.verbatim(bundle.text)
            case .json:
                Output.json([
                    "kind": "consistency", "old_size": .number(Double(bundle.oldSize)), "old_root": .string(bundle.oldRoot.base64),
                    "proof": .array(bundle.proof.map { .string($0.base64) }), "note": .string(bundle.note),
                    "old_note": bundle.oldNote.map { .string($0) } ?? .null, "text": .string(bundle.text),
                ])
            }
        }
    }
}
