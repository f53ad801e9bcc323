import ArgumentParser
import Foundation
import RRMLedger

struct DemoCommand: LedgerCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Simulate a 4-level pipeline with a compounding error, verify it, and show what an auditor sees first.",
        discussion: """
            Writes ./\(DemoCommand.defaultPath) (replacing an earlier demo ledger), with a sycophantic \
            critic planted at level 1 (--inject 1:critique:0.3), then verifies the chain and prints \
            counts per level, the head, the audited error rates and commands to try next.
            """)

    static let defaultPath = "rrm-demo.sqlite"

    @Option(name: .long, help: ArgumentHelp("Where to write the demo ledger.", valueName: "path"))
    var ledger = DemoCommand.defaultPath

    @Option(help: ArgumentHelp("Outputs per level.", valueName: "n"))
    var outputs = 2_000

    @Option(help: "Seed of the simulation.")
    var seed: UInt64 = 7

    func validate() throws {
        guard (1...1_000_000).contains(outputs) else { throw ValidationError("--outputs must be from 1 to 1,000,000") }
    }

    func execute() throws {
        if FileManager.default.fileExists(atPath: ledger) {
            _ = try Ledger.open(at: ledger)  // only ever replace a ledger, never another file
            try removeLedgerFiles(ledger)
        }
        var parameters = SimulationParameters()
        parameters.outputsPerLevel = outputs
        parameters.seed = seed
        parameters.injections = [ErrorInjection(level: 1, kind: .critique, rate: 0.3)]

        Output.line("rrm-ledger demo: a recursive reward modelling pipeline, agents A (level 0) to D (level 3).")
        Output.line("At level 1 the critic (agent A) is made sycophantic: 30% of its critiques are planted wrong.")
        Output.line("")
        let started = Date()
        let target = try Ledger.create(at: ledger)
        let run = try SimulationRun.intoLedger(target, parameters: parameters)
        Output.line(
            "1. Recorded \(grouped(run.summary.entries)) entries in \(run.batches) atomic batches into \(ledger) (\(String(format: "%.1f", Date().timeIntervalSince(started))) s)."
        )

        let report = try target.verify()
        Output.line(
            report.isIntact
                ? "2. Verified: the hash chain of \(grouped(report.entries)) entries is intact; SQLite quick_check ok."
                : "2. VERIFICATION FAILED: \(report.faultCount) faults, first at entry \(report.firstDamagedSeq ?? 0).")
        Output.line("   head \(report.head)   (save it: `verify --expect-head` detects a later rewrite)")
        Output.line("")
        Output.line("3. Entries per kind and level:")
        LevelKindTable.print(try target.statistics().counts, indent: "   ")
        Output.line("")
        Output.line("4. What the auditors found in their sample (latest finding per audited entry):")
        Output.line("   level  audited  erroneous  rate    sycophancy  missed flaw  hallucinated flaw")
        for row in try target.auditSummary() {
            Output.line(
                String(
                    format: "   %5d  %7d  %9d  %5.1f%%  %10d  %11d  %17d", row.level, row.audited, row.erroneous, 100 * row.rate,
                    row.byType["sycophancy"] ?? 0, row.byType["missed_flaw"] ?? 0, row.byType["hallucinated_flaw"] ?? 0))
        }
        Output.line("")
        Output.line("Try next:")
        Output.line("   rrm-ledger verify --ledger \(ledger) --deep")
        Output.line("   rrm-ledger show --ledger \(ledger) L1-critique-0")
        Output.line("   rrm-ledger log --ledger \(ledger) --kind finding --level 1 --limit 5")
        Output.line("   sqlite3 \(ledger) 'SELECT * FROM latest_finding WHERE verdict = \"erroneous\" LIMIT 5'")
        if !report.isIntact { throw ExitCode(1) }
    }
}
