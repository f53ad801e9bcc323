import ArgumentParser
import Foundation
import RRMLedger

/// The formats the report can be written in.
enum ReportFormat: String, ExpressibleByArgument, CaseIterable {
    case text, json, html
}

/// Options shared by `report` and `trace`: verification before analysis.
struct AnalysisOptions: ParsableArguments {
    @Flag(help: "Analyse even if the chain fails verification (the report then says so at the top).")
    var allowUnverified = false

    @Flag(help: "Verify as `verify --deep` does first: also the lineage tables the analysis reads, and the Merkle tree.")
    var deep = false

    /// Verifies the chain (chain, columns, SQLite quick_check; with --deep the derived data too);
    /// refuses a damaged ledger unless allowed.
    /// - Returns: whether the chain verified, and the head it verified.
    func verify(_ ledger: Ledger) throws -> (verified: Bool, head: ChainHead) {
        let report = try ledger.verify(VerificationOptions(deep: deep))
        if report.isIntact { return (true, report.head) }
        let first = report.firstDamagedSeq.map { ", the first at entry \($0)" } ?? ""
        let message = "the ledger FAILED verification: \(grouped(report.faultCount)) faults\(first); run `rrm-ledger verify` for the list"
        guard allowUnverified else {
            Output.error(
                message + ". An analysis of altered data would mislead; refusing (--allow-unverified analyses anyway)",
                code: "verification_failed", exitStatus: 1)
            throw ExitCode(1)
        }
        Output.note("WARNING: " + message + "; analysing anyway, as --allow-unverified asks")
        return (false, report.head)
    }

    /// Fails (exit 1) if entry `head.seq` no longer has the verified hash: the ledger was rewritten
    /// while it was analysed, and the figures may not rest on the verified entries.
    func confirmUnchanged(_ ledger: Ledger, _ head: ChainHead) throws {
        guard head.seq > 0 else { return }
        let now = try ledger.entries(seqs: [head.seq])[head.seq]?.hash
        guard now != head.hash else { return }
        Output.error(
            "entry \(head.seq) changed while it was analysed (its hash is no longer the verified \(head.hash.hex)); run `rrm-ledger verify`",
            code: "changed_while_analysed", exitStatus: 1)
        throw ExitCode(1)
    }
}

struct ReportCommand: LedgerCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Report how errors propagate through the recursion, level by level.",
        discussion: """
            Starts from the entries whose latest finding says erroneous (or, with \
            --assume-erroneous, from one entry), follows them through evaluation links (exposure) \
            and training links (shares), and reports per level the audited error rates with 95% \
            intervals; the relative risk that a label is wrong when its rater saw a wrong critique; \
            the step from each level to the next; per model version its training share; the root \
            errors ranked by blast radius; and the effect of assistance. Every statement that \
            something differs is a claim, Holm-adjusted with all the others (family-wise error 5%). \
            The chain is verified first. Definitions: docs/ANALYSIS.md.
            """)

    @OptionGroup var ledger: LedgerOptions
    @OptionGroup var analysis: AnalysisOptions

    @Option(help: "Output format: text, json or html (one self-contained page with charts).")
    var format: ReportFormat = .text

    @Option(help: ArgumentHelp("Write the report to this file instead of standard output; it must not exist.", valueName: "file"))
    var out: String?

    @Flag(help: "With --out, replace the file if it exists (atomically).")
    var force = false

    @Option(help: ArgumentHelp("Analyse what follows if this entry was wrong, instead of the known errors.", valueName: "id"))
    var assumeErroneous: String?

    @Option(help: ArgumentHelp("Root errors to list.", valueName: "n"))
    var top = 10

    func validate() throws {
        try checkOption("--top", top, in: OptionRange.listed)
    }

    func execute() throws {
        if let out { try refuseExistingOutput(out, force: force) }
        let target = try openLedger(ledger, readOnly: true)
        if let assumeErroneous { _ = try target.entry(id: assumeErroneous) }
        let showProgress = Output.showsProgress
        // Verification and analysis read the ledger in separate transactions. The analysis reads
        // entries 1…N of the verified head only, so appends meanwhile are left out; it counts if
        // entry N still has the verified hash afterwards (the chain up to it is then the verified one).
        if showProgress { Output.progress("verifying the chain…") }
        let verification = try analysis.verify(target)
        let report = try PropagationAnalysis.run(
            target,
            PropagationAnalysis.Options(
                assumeErroneous: assumeErroneous, topRootErrors: top, verified: verification.verified, deep: analysis.deep,
                verifiedHead: verification.head),
            progress: showProgress ? { Output.progress("\($0)…") } : nil)
        if showProgress { Output.endProgress() }
        try analysis.confirmUnchanged(target, verification.head)
        let text: String
        switch format {
        case .text: text = TerminalText.escaped(ReportText.render(report, ledger: target.path), keepingLineBreaks: true) + "\n"
        case .json: text = report.json.prettyPrinted() + "\n"
        case .html: text = ReportHTML.render(report, ledger: target.path)
        }
        if let out {
            try writeOutput(Array(text.utf8), to: out, force: force)
            Output.line("report written to \(out)")
        } else {
            print(text, terminator: "")
        }
    }
}
