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
            counts per level, the head, the compounding-errors report and commands to try next.
            """)

    static let defaultPath = "rrm-demo.sqlite"

    @Option(name: .long, help: ArgumentHelp("Where to write the demo ledger.", valueName: "path"))
    var ledger = DemoCommand.defaultPath

    @Option(help: ArgumentHelp("Outputs per level.", valueName: "n"))
    var outputs = 5_000

    @Option(help: "Seed of the simulation.")
    var seed: Int128 = 7

    func validate() throws {
        try checkOption("--outputs", outputs, in: OptionRange.demoOutputs)
        try checkOption("--seed", seed, in: OptionRange.seed)
    }

    func execute() throws {
        if FileManager.default.fileExists(atPath: ledger) {
            _ = try Ledger.open(at: ledger, readOnly: true)  // only ever replace a ledger, never another file
            try removeLedgerFiles(ledger)
        }
        var parameters = SimulationParameters()
        parameters.outputsPerLevel = outputs
        parameters.seed = UInt64(clamping: seed)
        parameters.injections = [ErrorInjection(level: 1, kind: .critique, rate: 0.3)]

        Output.line("rrm-ledger demo: a recursive reward modelling pipeline, agents A (level 0) to D (level 3).")
        Output.line("At level 1 the critic (agent A) is made sycophantic: 30% of its right critiques are made wrong.")
        Output.line("")
        let started = Date()
        let target = try Ledger.create(at: ledger)
        let run = try SimulationRun.intoLedger(target, parameters: parameters)
        if let level1 = run.summary.levels.first(where: { $0.level == 1 }), level1.critiques > 0 {
            let planted = Double(level1.injectedCritiques) / Double(level1.critiques)
            let wrong = level1.critiqueErrorRate
            Output.line(
                "(The simulator's truth: \(grouped(level1.injectedCritiques)) of level 1's \(grouped(level1.critiques)) critiques, \(String(format: "%.1f%%", 100 * planted)), were planted wrong; \(String(format: "%.1f%%", 100 * wrong)) are wrong in all.)"
            )
        }
        Output.line(
            "1. Recorded \(grouped(run.summary.entries)) entries in \(run.batches) atomic \(run.batches == 1 ? "batch" : "batches") into \(ledger) (\(String(format: "%.1f", Date().timeIntervalSince(started))) s)."
        )

        let report = try target.verify()
        Output.line(
            report.isIntact
                ? "2. Verified: the hash chain of \(grouped(report.entries)) entries is intact; SQLite quick_check ok."
                : "2. VERIFICATION FAILED: \(report.faultCount) faults, first at entry \(report.firstDamagedSeq ?? 0).")
        Output.line("   head \(report.head)   (save it: `verify --expect-head` detects a later rewrite)")
        Output.line("")
        Output.line("3. Entries per kind and level:")
        for line in LevelKindTable.lines(try target.statistics().counts, indent: "   ") { Output.line(line) }
        Output.line("")
        Output.line("4. The compounding-errors report (rrm-ledger report):")
        Output.line("")
        let analysis = try PropagationAnalysis.run(target, PropagationAnalysis.Options(topRootErrors: 3, verified: report.isIntact))
        Output.line(ReportText.render(analysis, ledger: ledger))
        Output.line("")
        Output.line("Try next:")
        Output.line("   rrm-ledger verify --ledger \(ledger) --deep")
        Output.line("   rrm-ledger report --ledger \(ledger) --format html --out report.html")
        Output.line("   rrm-ledger trace --ledger \(ledger) \(analysis.rootErrors.first?.id ?? "L1-critique-0")")
        Output.line("   rrm-ledger lineage --ledger \(ledger) L2-label-0 --direction up --via evaluation,training")
        Output.line("   rrm-ledger show --ledger \(ledger) L1-critique-0")
        Output.line("   rrm-ledger log --ledger \(ledger) --kind finding --level 1 --limit 5")
        Output.line("   sqlite3 \(ledger) 'SELECT * FROM latest_finding WHERE verdict = \"erroneous\" LIMIT 5'")
        if !report.isIntact { throw ExitCode(1) }
    }
}
