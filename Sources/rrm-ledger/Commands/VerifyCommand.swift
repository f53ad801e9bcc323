import ArgumentParser
import Foundation
import RRMLedger

struct VerifyCommand: LedgerCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Recompute the whole hash chain and report every fault.",
        discussion: """
            Exits 0 when the ledger is intact and 1 when anything is wrong, printing one line per \
            fault and the first damaged sequence number. Detects edited bodies and hashes, deleted, \
            inserted and reordered entries, and columns that disagree with the hashed bodies; with \
            --expect-head, a truncated or rewritten ledger; with --deep, forged lineage edges or \
            levels, forged or missing Merkle tree nodes, and recorded checkpoints the entries no \
            longer give. SQLite's own check of the file runs too: quick_check, or with --deep the full \
            integrity_check and foreign_key_check.
            """)

    @OptionGroup var ledger: LedgerOptions
    @OptionGroup var output: FormatOptions

    @Option(
        name: .long,
        help: ArgumentHelp("A head saved earlier (from `rrm-ledger head`) that the ledger must still hold.", valueName: "seq:hash"))
    var expectHead: String?

    @Flag(
        name: .long,
        help: "Also re-derive lineage edges, levels and the Merkle tree, check recorded checkpoints, and run SQLite's full integrity_check."
    )
    var deep = false

    @Flag(
        name: .long,
        help: "Skip SQLite's own check of the file: verify the chain and columns only (for very large ledgers, or to time the chain alone)."
    )
    var skipStorageCheck = false

    @Option(name: .long, help: ArgumentHelp("Threads to verify with; the default is one per core.", valueName: "n"))
    var workers: Int = ProcessInfo.processInfo.activeProcessorCount

    func validate() throws {
        if let expectHead, ChainHead(parsing: expectHead) == nil {
            throw ValidationError(
                "--expect-head must be SEQ:HASH with a 64-digit hex hash, as `rrm-ledger head` prints it; got \"\(expectHead)\"")
        }
        try checkOption("--workers", workers, in: OptionRange.workers)
        if deep && skipStorageCheck {
            throw ValidationError("--deep includes SQLite's integrity check; it cannot be combined with --skip-storage-check")
        }
    }

    func execute() throws {
        let target = try openLedger(ledger, readOnly: true)
        var options = VerificationOptions(deep: deep, storageCheck: !skipStorageCheck, workers: workers)
        options.expectedHead = expectHead.flatMap(ChainHead.init(parsing:))
        let showProgress = Output.showsProgress && output.format == .text
        let progress: (@Sendable (Int64) -> Void)? = showProgress ? Self.reportProgress : nil
        let report = try target.verify(options, progress: progress)
        if showProgress { Output.endProgress() }
        switch output.format {
        case .text: printText(report)
        case .json: printJSON(report)
        }
        if !report.isIntact { throw ExitCode(1) }
    }

    @Sendable private static func reportProgress(_ checked: Int64) {
        Output.progress("verified \(grouped(checked)) entries…")
    }

    private func printText(_ report: VerificationReport) {
        for fault in report.faults {
            Output.line("FAULT \(fault.kind.rawValue): \(fault)")
        }
        if report.faultCount > report.faults.count {
            Output.line("… and \(grouped(report.faultCount - report.faults.count)) more faults")
        }
        let sqliteCheck = skipStorageCheck ? "" : deep ? ", SQLite integrity_check and foreign_key_check" : " and SQLite quick_check"
        let checks = (deep ? "chain, columns, lineage, levels, Merkle tree, checkpoints" : "chain, columns") + sqliteCheck
        if report.isIntact {
            Output.line("ok: \(grouped(report.entries)) entries verified (\(checks)); head \(report.head)")
        } else {
            let first = report.firstDamagedSeq.map { "; first damaged entry: \($0)" } ?? ""
            Output.line("FAILED: \(grouped(report.faultCount)) faults in \(grouped(report.entries)) entries\(first)")
        }
    }

    private func printJSON(_ report: VerificationReport) {
        let faults: [JSONValue] = report.faults.map { fault in
            [
                "seq": fault.seq.map { .number(Double($0)) } ?? .null, "kind": .string(fault.kind.rawValue),
                "message": .string(fault.message),
            ]
        }
        Output.json([
            "intact": .bool(report.isIntact), "entries": .number(Double(report.entries)), "head": report.head.json,
            "fault_count": .number(Double(report.faultCount)),
            "first_damaged_seq": report.firstDamagedSeq.map { .number(Double($0)) } ?? .null,
            "faults": .array(faults), "deep": .bool(deep),
            "seconds": .number((report.seconds * 1000).rounded() / 1000),
        ])
    }
}
