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
    var seed: Int128 = 1

    @Option(help: ArgumentHelp("Target width of a rate's 95% interval, from 0.001 to 1 (0.10: ±5 points).", valueName: "w"))
    var rateWidth = 0.10

    @Option(help: ArgumentHelp("Target spread of a relative risk's 95% interval, upper over lower, from 1.001 to 1,000.", valueName: "s"))
    var ratioSpread = 2.0

    @Option(help: "Output format: text (a summary and the first items), json or csv (the whole worklist).")
    var format: AuditPlanFormat = .text

    @Option(help: ArgumentHelp("Write to this file instead of standard output (it must not exist, unless --force).", valueName: "file"))
    var out: String?

    @Flag(help: "With --out: replace an existing file (atomically).")
    var force = false

    func validate() throws {
        try checkOption("--budget", budget, in: OptionRange.auditBudget)
        try checkOption("--seed", seed, in: OptionRange.seed)
        try checkOption("--rate-width", rateWidth, in: OptionRange.rateWidth)
        try checkOption("--ratio-spread", ratioSpread, in: OptionRange.ratioSpread)
    }

    func execute() throws {
        if let out { try refuseExistingOutput(out, force: force) }
        let target = try openLedger(ledger, readOnly: true)
        let plan = try AuditPlan.make(
            target, AuditPlan.Options(budget: budget, seed: UInt64(clamping: seed), rateWidth: rateWidth, ratioSpread: ratioSpread))
        let text: String
        switch format {
        case .text: text = TerminalText.escaped(AuditPlanRendering.text(plan, ledger: target.path), keepingLineBreaks: true)
        case .json: text = AuditPlanRendering.json(plan).prettyPrinted() + "\n"
        case .csv: text = AuditPlanRendering.csv(plan)
        }
        guard let out else {
            print(text, terminator: "")
            return
        }
        try writeOutput(Array(text.utf8), to: out, force: force)
        Output.line("audit plan of \(grouped(plan.worklist.count)) entries written to \(out)")
    }
}
