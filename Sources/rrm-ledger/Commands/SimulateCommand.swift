import ArgumentParser
import Foundation
import RRMLedger

/// The simulator's parameters as flags, each defaulting to `SimulationParameters()`.
struct SimulationOptions: ParsableArguments {
    private static let defaults = SimulationParameters()

    @Option(help: "Levels 0…L of the recursion (3: agents A to D).")
    var levels = defaults.levels
    @Option(help: ArgumentHelp("Outputs per level (each is critiqued from level 1 on, and labelled).", valueName: "n"))
    var outputs: Int?
    @Option(help: ArgumentHelp("Size the pipeline to about this many entries instead of giving --outputs.", valueName: "n"))
    var entries: Int?
    @Option(help: "Seed of the random numbers: the same seed gives the same ledger.")
    var seed = Int128(defaults.seed)
    @Option(help: "Task categories; label errors, and so reward hacking, differ between them.")
    var categories = defaults.categories
    @Option(help: "Chance an output of the level-0 policy is flawed.")
    var baseFlawRate = defaults.baseFlawRate
    @Option(help: "Extra flaw chance per unit of label error in a category of the reward model that trained the policy.")
    var rewardHacking = defaults.rewardHacking
    @Option(help: "Unassisted rater error at level 0 (inter-rater agreement 73–77%).")
    var raterError = defaults.raterError
    @Option(help: "Added to the unassisted rater error per level (capped at 0.5).")
    var difficultyGrowth = defaults.difficultyGrowth
    @Option(help: "Share of flaws a critic trained on error-free labels catches.")
    var criticRecall = defaults.criticRecall
    @Option(help: "Chance a critic trained on error-free labels claims a flaw in a sound output.")
    var criticHallucination = defaults.criticHallucination
    @Option(help: "How strongly the error of a critic's training labels degrades it.")
    var criticDegradation = defaults.criticDegradation
    @Option(help: "How much a correct critique lowers a rater's error: error × (1 − benefit).")
    var assistanceBenefit = defaults.assistanceBenefit
    @Option(help: "Chance a rater shown a wrong critique follows it.")
    var sycophancy = defaults.sycophancy
    @Option(help: "Share of labels at levels ≥ 1 made with the critique shown.")
    var assistedShare = defaults.assistedShare
    @Option(help: ArgumentHelp("Raters (human:rater-1…n); each label goes to one at random.", valueName: "n"))
    var raters = defaults.raters
    @Option(help: "Spread σ of the raters' own error rates (log-normal multipliers of mean 1; 0: all alike).")
    var raterSpread = defaults.raterSpread
    @Option(help: "Spread σ of each 500-label batch's error rate, as --rater-spread (0: no batch effect).")
    var batchEffect = defaults.batchEffect
    @Option(help: "Share of labels and critiques that auditors inspect.")
    var auditRate = defaults.auditRate
    @Flag(help: "Audit the critique an audited label's rater saw together with the label (paired audits).")
    var pairedAudits = false
    @Option(help: "Labels per dataset part.")
    var datasetSize = defaults.datasetSize
    @Option(
        help: ArgumentHelp(
            "Plant extra errors: level:kind:rate, kind one of output, critique, label (repeatable).", valueName: "level:kind:rate"))
    var inject: [String] = []
    @Option(help: "Events per appended batch.")
    var batchSize = defaults.batchSize
    @Flag(
        help: """
            The null pipeline: difficulty growth, reward hacking, critic degradation, assistance benefit and \
            sycophancy all 0, so nothing propagates and no level differs (docs/SIMULATOR.md).
            """)
    var null = false

    /// The parameters, or a `ValidationError` naming every problem.
    func parameters() throws -> SimulationParameters {
        var p = SimulationParameters()
        p.levels = levels
        try checkOption("--seed", seed, in: OptionRange.seed)
        p.seed = UInt64(clamping: seed)
        p.categories = categories
        p.baseFlawRate = baseFlawRate
        p.rewardHacking = rewardHacking
        p.raterError = raterError
        p.difficultyGrowth = difficultyGrowth
        p.criticRecall = criticRecall
        p.criticHallucination = criticHallucination
        p.criticDegradation = criticDegradation
        p.assistanceBenefit = assistanceBenefit
        p.sycophancy = sycophancy
        p.assistedShare = assistedShare
        p.auditRate = auditRate
        p.raters = raters
        p.raterSpread = raterSpread
        p.batchEffect = batchEffect
        p.pairedAudits = pairedAudits
        p.datasetSize = datasetSize
        p.batchSize = batchSize
        var problems: [String] = []
        if null {
            for (key, flag) in SimulationParameters.nullSwitches {
                if p[keyPath: key] != Self.defaults[keyPath: key] {
                    problems.append("--null sets \(flag) to 0; give one or the other, not both")
                }
                p[keyPath: key] = 0
            }
        }
        for text in inject {
            if let injection = ErrorInjection(parsing: text) {
                p.injections.append(injection)
            } else {
                problems.append(
                    "--inject \"\(text)\" must be level:kind:rate, e.g. 1:critique:0.3 (kind output, critique or label; rate from 0 to 1)")
            }
        }
        if outputs != nil && entries != nil { problems.append("give --outputs or --entries, not both") }
        if let entries, !OptionRange.simulatedEntries.contains(entries) {
            problems.append(
                "--entries must be from \(OptionRange.simulatedEntries.lowerBound) to \(grouped(OptionRange.simulatedEntries.upperBound)), not \(entries)"
            )
        }
        if let outputs { p.outputsPerLevel = outputs }
        if let entries, OptionRange.simulatedEntries.contains(entries) {
            p.outputsPerLevel = SimulationParameters.outputsPerLevel(
                forEntries: entries, levels: levels, auditRate: auditRate, datasetSize: max(1, datasetSize))
        }
        problems += p.problems
        if !problems.isEmpty { throw ValidationError(problems.joined(separator: "\n")) }
        return p
    }
}

struct SimulateCommand: LedgerCommand {
    static let configuration = CommandConfiguration(
        commandName: "simulate",
        abstract: "Simulate a recursive reward modelling pipeline with known ground truth into a ledger.",
        discussion: """
            Seeded and deterministic: the same parameters give the same head hash. Events go through \
            the public append path in batches; the hidden truth (which outputs are flawed, which \
            critiques and labels are wrong, and why) stays out of the ledger and is written to \
            --truth on request. The model and its defaults are in docs/SIMULATOR.md.
            """)

    @OptionGroup var ledger: LedgerOptions
    @OptionGroup var simulation: SimulationOptions
    @OptionGroup var output: FormatOptions

    @Flag(help: "Replace the ledger if it exists (otherwise an existing ledger must be empty).")
    var fresh = false

    @Option(help: ArgumentHelp("Write the hidden truth here (JSON Lines).", valueName: "file"))
    var truth: String?

    @Option(help: ArgumentHelp("Write the events to this JSONL file instead of a ledger.", valueName: "file"))
    var eventsOut: String?

    @Flag(help: "Replace the --truth and --events-out files if they exist (else exit 73).")
    var force = false

    func validate() throws {
        _ = try simulation.parameters()
        if eventsOut != nil && fresh { throw ValidationError("--fresh applies to a ledger, not to --events-out") }
        if let truth, truth == eventsOut || truth == ledger.path { throw ValidationError("--truth must name a file of its own") }
    }

    func execute() throws {
        let parameters = try simulation.parameters()
        let started = Date()
        let result: SimulationRun.Result
        let destination: String
        if let eventsOut {
            destination = eventsOut
            result = try SimulationRun.intoFile(path: eventsOut, parameters: parameters, truthPath: truth, replacing: force)
        } else {
            // Refused before the ledger is touched; the truth file is still put in place only at the end.
            if let truth, !force { try refuseExistingOutput(truth, force: false) }
            let target = try prepareLedger()
            destination = target.path
            result = try SimulationRun.intoLedger(target, parameters: parameters, truthPath: truth, replacing: force)
        }
        let seconds = Date().timeIntervalSince(started)
        switch output.format {
        case .text:
            Output.line(
                "simulated \(grouped(result.summary.entries)) entries, levels 0 to \(parameters.levels), seed \(parameters.seed), into \(destination) in \(String(format: "%.1f", seconds)) s"
            )
            if let head = result.head { Output.line("head \(head)") }
            Output.line(TruthTable.render(result.summary))
            if let truth { Output.line("hidden truth written to \(truth)") }
        case .json:
            Output.json([
                "entries": .number(Double(result.summary.entries)), "batches": .number(Double(result.batches)),
                "destination": .string(destination), "head": result.head.map(\.json) ?? .null,
                "seconds": .number((seconds * 1000).rounded() / 1000),
                "truth": .array(result.summary.levels.map(TruthTable.json)),
            ])
        }
    }

    /// The ledger to simulate into: created if absent, recreated with --fresh, else it must be empty.
    private func prepareLedger() throws -> Ledger {
        let path = ledger.path
        if FileManager.default.fileExists(atPath: path) {
            // Read-only first: a ledger about to be replaced is not worth upgrading.
            let existing = try Ledger.open(at: path, readOnly: true)
            if fresh {
                try removeLedgerFiles(path)
                return try Ledger.create(at: path)
            }
            let head = try existing.head()
            guard head.seq == 0 else {
                throw ValidationErrorExit(
                    "\(path) already holds \(grouped(head.seq)) entries; give --fresh to replace it, or another --ledger")
            }
            return try openLedger(ledger, readOnly: false)
        }
        return try Ledger.create(at: path)
    }
}

/// Deletes a ledger and its WAL files (only after `Ledger.open` proved it is one).
func removeLedgerFiles(_ path: String) throws {
    for suffix in ["", "-wal", "-shm"] where FileManager.default.fileExists(atPath: path + suffix) {
        try FileManager.default.removeItem(atPath: path + suffix)
    }
}

/// A usage problem found only after looking at the files: reported like a validation error,
/// with exit code 64.
struct ValidationErrorExit: Error {
    let message: String
    init(_ message: String) { self.message = message }
}

/// The simulator's true per-level rates, as a table.
enum TruthTable {
    static func render(_ summary: SimulationSummary) -> String {
        var lines = [
            "true rates (hidden from the ledger):", "level  outputs  flawed  critiques  wrong  labels  wrong  critic recall/halluc.",
        ]
        for level in summary.levels {
            let critic = level.level == 0 ? "-" : String(format: "%.2f / %.2f", level.criticRecall, level.criticHallucination)
            lines.append(
                String(
                    format: "%5d  %7d  %5.1f%%  %9d  %4.1f%%  %6d  %4.1f%%  %@", level.level, level.outputs, 100 * level.outputFlawRate,
                    level.critiques, 100 * level.critiqueErrorRate, level.labels, 100 * level.labelErrorRate, critic))
        }
        return lines.joined(separator: "\n")
    }

    static func json(_ level: LevelTruth) -> JSONValue {
        [
            "level": .number(Double(level.level)), "outputs": .number(Double(level.outputs)),
            "output_flaw_rate": .number(level.outputFlawRate), "critiques": .number(Double(level.critiques)),
            "critique_error_rate": .number(level.critiqueErrorRate), "labels": .number(Double(level.labels)),
            "label_error_rate": .number(level.labelErrorRate),
        ]
    }
}
