import ArgumentParser
import Foundation
import RRMLedger

/// The formats the audit plan can be written in.
enum AuditPlanFormat: String, ExpressibleByArgument, CaseIterable {
    case text, json, csv
}

struct AuditPlanCommand: LedgerCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit-plan",
        abstract: "Choose which entries auditors should inspect next, for a budget of audits.",
        discussion: """
            Spends the budget on the report's open questions, worst first: each level's label and \
            critique error rates and, at levels with critiques, the relative risk of a label whose \
            rater saw a wrong critique, which needs the label and that critique audited together \
            (pairs). Entries are drawn at random within their level with --seed, so the worklist is \
            reproducible and the report's estimators stay unbiased. Prints the expected 95% interval \
            widths after the audits and writes the worklist as text, JSON or CSV. The design: \
            docs/AUDITING.md, "Planning the next audits".
            """)

    @OptionGroup var ledger: LedgerOptions

    @Option(help: ArgumentHelp("Audits to plan (one finding each), from 1 to 10,000,000.", valueName: "n"))
    var budget: Int

    @Option(help: "Seed of the random draws within each level: the same seed gives the same worklist.")
    var seed: UInt64 = 1

    @Option(help: ArgumentHelp("Target width of a rate's 95% interval, from 0.001 to 1 (0.10: ±5 points).", valueName: "w"))
    var rateWidth = 0.10

    @Option(help: ArgumentHelp("Target spread of a relative risk's 95% interval, upper over lower, above 1.", valueName: "s"))
    var ratioSpread = 2.0

    @Option(help: "Output format: text (a summary and the first items), json or csv (the whole worklist).")
    var format: AuditPlanFormat = .text

    @Option(help: ArgumentHelp("Write to this file instead of standard output (it must not exist).", valueName: "file"))
    var out: String?

    func validate() throws {
        guard (1...10_000_000).contains(budget) else { throw ValidationError("--budget must be from 1 to 10,000,000, not \(budget)") }
        guard rateWidth >= 0.001, rateWidth <= 1 else { throw ValidationError("--rate-width must be from 0.001 to 1, not \(rateWidth)") }
        guard ratioSpread > 1, ratioSpread <= 1_000 else {
            throw ValidationError("--ratio-spread must be above 1 and at most 1,000, not \(ratioSpread)")
        }
    }

    func execute() throws {
        let target = try openLedger(ledger, readOnly: true)
        let plan = try AuditPlan.make(
            target, AuditPlan.Options(budget: budget, seed: seed, rateWidth: rateWidth, ratioSpread: ratioSpread))
        let text: String
        switch format {
        case .text: text = AuditPlanRendering.text(plan, ledger: target.path)
        case .json: text = AuditPlanRendering.json(plan).prettyPrinted() + "\n"
        case .csv: text = AuditPlanRendering.csv(plan)
        }
        guard let out else {
            print(text, terminator: "")
            return
        }
        try writeNewFile(Data(text.utf8), to: out)
        Output.line("audit plan of \(grouped(plan.worklist.count)) entries written to \(out)")
    }
}

/// Writes `data` to a new file at `path`, refusing (73) to replace one that exists: written beside
/// it first, then linked into place, which fails if the name was taken meanwhile.
func writeNewFile(_ data: Data, to path: String) throws {
    let url = URL(fileURLWithPath: path)
    let temporary = url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).\(getpid()).partial")
    do {
        try data.write(to: temporary, options: .withoutOverwriting)
    } catch {
        throw LedgerError.storage(path: path, detail: error.localizedDescription)
    }
    defer { unlink(temporary.path) }
    guard link(temporary.path, path) == 0 else {
        let code = errno
        if code == EEXIST { throw LedgerError.alreadyExists(path: path) }
        throw LedgerError.storage(path: path, detail: String(cString: strerror(code)))
    }
}
