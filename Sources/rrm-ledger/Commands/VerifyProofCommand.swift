import ArgumentParser
import RRMLedger

struct VerifyProofCommand: LedgerCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify-proof",
        abstract: "Verify a proof file offline, with nothing but the log's verifier key.",
        discussion: """
            Checks the checkpoint's signature, then the inclusion proof (recomputing the entry's \
            hash from the seq, prev_hash and body the proof carries) or the consistency proof. \
            No ledger is opened. Prints one line: ok, or the error. Exit 0 verified, 1 does not \
            verify (wrong key, other origin, altered proof), 65 malformed, 66 no such file.
            """)

    @OptionGroup var output: FormatOptions

    @Argument(help: ArgumentHelp("The proof file (from `prove`), or - for standard input.", valueName: "file"))
    var file: String

    @Option(name: .long, help: ArgumentHelp("The log's verifier key: a file (PREFIX.pub) or the key text.", valueName: "verifier-key"))
    var key: String

    @Option(
        name: .long,
        help: ArgumentHelp("The origin the checkpoint must name. Without it, check the origin printed yourself.", valueName: "origin"))
    var origin: String?

    func execute() throws {
        let verifier = try readVerifierKey(key)
        let text = try readTextFile(file, limit: 17 << 20)
        let source = file == "-" ? "standard input" : file
        let firstLine = text.prefix { $0 != "\n" }
        do throws(ProofError) {
            guard firstLine == InclusionProofBundle.header || firstLine == ConsistencyProofBundle.header else {
                throw .malformed(
                    line: 1, "the first line must be \"\(InclusionProofBundle.header)\" or \"\(ConsistencyProofBundle.header)\"")
            }
            if firstLine == ConsistencyProofBundle.header {
                let bundle = try ConsistencyProofBundle(parsing: text)
                report(bundle, try bundle.verify(with: verifier, origin: origin))
            } else {
                let bundle = try InclusionProofBundle(parsing: text)
                report(bundle, try bundle.verify(with: verifier, origin: origin))
            }
        } catch {
            throw LedgerError.proofRefused(source: source, error)
        }
    }

    private var originNote: String { origin == nil ? " (origin not checked: give --origin)" : "" }

    private func report(_ bundle: InclusionProofBundle, _ checkpoint: VerifiedCheckpoint) {
        let body = (try? JSONParser.parse(bundle.body)) ?? .null
        let kind = body["kind"]?.stringValue
        let id = body["id"]?.stringValue
        switch output.format {
        case .text:
            let described = [kind, id.map { "\"\($0)\"" }].compactMap { $0 }.joined(separator: " ")
            Output.line(
                "ok: entry \(bundle.seq)\(described.isEmpty ? "" : " (\(described))") is in \(checkpoint.checkpoint.origin) "
                    + "at size \(checkpoint.size), \(checkpoint.checkpoint.rootHash.labelledRoot), signed by \(checkpoint.signer)\(originNote)"
            )
        case .json:
            Output.json([
                "verified": true, "kind": "inclusion", "seq": .number(Double(bundle.seq)), "id": id.map { .string($0) } ?? .null,
                "entry_hash": .string(bundle.entryHash.hex), "checkpoint": checkpoint.json, "origin_checked": .bool(origin != nil),
            ])
        }
    }

    private func report(_ bundle: ConsistencyProofBundle, _ verified: ConsistencyProofBundle.Verified) {
        let new = verified.checkpoint
        switch output.format {
        case .text:
            let old =
                verified.oldCheckpoint.map { "its checkpoint of size \($0.size), \($0.checkpoint.rootHash.labelledRoot), signed too" }
                ?? "its tree of size \(bundle.oldSize), \(bundle.oldRoot.labelledRoot) (not signed: compare it with a root you trust)"
            Output.line(
                "ok: \(new.checkpoint.origin) at size \(new.size), \(new.checkpoint.rootHash.labelledRoot), signed by \(new.signer), "
                    + "extends \(old)\(originNote)")
        case .json:
            Output.json([
                "verified": true, "kind": "consistency", "checkpoint": new.json, "old_size": .number(Double(bundle.oldSize)),
                "old_root": .string(bundle.oldRoot.base64), "old_root_signed": .bool(verified.oldCheckpoint != nil),
                "old_checkpoint": verified.oldCheckpoint?.json ?? .null, "origin_checked": .bool(origin != nil),
            ])
        }
    }
}
