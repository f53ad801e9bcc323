import ArgumentParser
import Foundation
import RRMLedger

struct VerifyArchiveCommand: LedgerCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify-archive",
        abstract: "Verify an archive offline, with nothing but the file.",
        discussion: """
            Checks the gzip and tar structure, refuses hostile members, recomputes every entry's \
            hash and the chain from the first entry to the last (to the manifest's head and the \
            checkpoint's root), and checks the manifest's figures. Reads format versions 1 and 2. Exits 0 when the archive is intact, 1 with one line per fault, 65 when it \
            is not a well-formed archive.
            """)

    @OptionGroup var output: FormatOptions

    @Argument(help: ArgumentHelp("The archive.", valueName: "file"))
    var file: String

    @Option(
        help: ArgumentHelp("The ledger's verifier key (file or text): the archive's checkpoint must be signed with it.", valueName: "key"))
    var key: String?

    func execute() throws {
        guard FileManager.default.fileExists(atPath: file) else { throw LedgerError.unreadableInput(source: file, detail: "no such file") }
        let verifier = try key.map { try readVerifierKey($0) }
        let report = try ArchiveVerifier.verify(path: file, verifier: verifier)
        switch output.format {
        case .text:
            for fault in report.faults { Output.line("FAULT \(fault)") }
            if report.faultCount > report.faults.count {
                Output.line("… and \(grouped(report.faultCount - report.faults.count)) more faults")
            }
            if report.isIntact {
                let manifest = report.manifest
                let checks: String
                switch manifest.selection {
                case .full: checks = "the chain from the first entry"
                case .incremental: checks = "the chain from entry \(manifest.base?.size ?? 0) and the consistency proof"
                case .slice: checks = "each entry's inclusion proof"
                }
                let hashes = manifest.version == .v1 ? "hashes" : "hashes recomputed from the bodies"
                Output.line(
                    "ok: \(grouped(report.entries)) entries verified (\(manifest.selection.rawValue) archive, format \(manifest.version.rawValue): \(hashes), \(checks), manifest); last entry \(report.head)"
                )
                if let pseudonymised = manifest.pseudonymised {
                    Output.line(
                        "pseudonymised: \(grouped(pseudonymised.entries)) entries name persons by pseudonym; each is chained through its original body's digest, so only its position and hash are proven, not its other fields"
                    )
                }
                if let checkpoint = manifest.checkpoint {
                    let signature = report.verifiedCheckpoint.map { "signed by \($0.signer.name)" } ?? "signature NOT checked (give --key)"
                    Output.line(
                        "checkpoint: \(grouped(checkpoint.size)) entries, \(checkpoint.rootHash.labelledRoot), \(signature)"
                    )
                }
                if let note = report.unsignedEntriesNote { Output.line("unsigned: \(note)") }
            } else {
                Output.line("FAILED: \(grouped(report.faultCount)) faults in \(grouped(report.entries)) entries")
            }
        case .json:
            Output.json([
                "intact": .bool(report.isIntact), "format": .string(report.manifest.format), "entries": .number(Double(report.entries)),
                "head": report.head.json,
                "fault_count": .number(Double(report.faultCount)), "faults": .array(report.faults.map { .string($0) }),
                "pseudonymised": .number(Double(report.manifest.pseudonymised?.entries ?? 0)),
                "checkpoint": report.manifest.checkpoint.map {
                    ["size": .number(Double($0.size)), "root_hex": .string($0.rootHash.hex), "root_base64": .string($0.rootHash.base64)]
                } ?? .null,
                "unsigned": report.unsignedEntries.map {
                    [
                        "first_seq": .number(Double($0.lowerBound)), "last_seq": .number(Double($0.upperBound)),
                        "note": .string(report.unsignedEntriesNote ?? ""),
                    ]
                } ?? .null,
            ])
        }
        if !report.isIntact { throw ExitCode(1) }
    }
}
