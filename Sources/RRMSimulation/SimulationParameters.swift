import RRMStore

/// Every parameter of the simulated pipeline, with the defaults docs/SIMULATOR.md justifies from
/// the literature. The command line exposes each as a flag of the same name.
public struct SimulationParameters: Sendable, Equatable {
    /// Levels 0…levels (3: agents A, B, C, D).
    public var levels = 3
    /// Outputs each level's policy produces (each is critiqued at levels ≥ 1 and labelled once).
    public var outputsPerLevel = 1_000
    public var seed: UInt64 = 1
    /// Task categories; label errors, and so reward hacking, differ between them (blind spots).
    public var categories = 8

    /// Chance that an output of the level-0 policy is flawed.
    public var baseFlawRate = 0.30
    /// Extra flaw probability of a policy's outputs per unit of label error, in the output's
    /// category, among the labels that trained its reward model.
    public var rewardHacking = 0.5

    /// Unassisted rater error at level 0 (inter-rater agreement of 73–77%).
    public var raterError = 0.25
    /// Added to the unassisted rater error per level: stronger models' outputs are harder to judge
    /// alone. Errors are capped at 0.5, a coin toss.
    public var difficultyGrowth = 0.05

    /// Share of flaws a critic catches when its own training labels were error-free.
    public var criticRecall = 0.6
    /// Chance a critic claims a flaw in a sound output when its training labels were error-free.
    public var criticHallucination = 0.1
    /// How strongly the error of a critic's training labels lowers its recall and raises its
    /// hallucination: recall × (1 − d·e), hallucination × (1 + 2·d·e).
    public var criticDegradation = 1.0

    /// How much a correct critique lowers a rater's error: error × (1 − benefit).
    public var assistanceBenefit = 0.4
    /// Chance a rater shown a wrong critique follows it.
    public var sycophancy = 0.15
    /// Share of labels at levels ≥ 1 made with the critique shown.
    public var assistedShare = 0.8

    /// Raters, `human:rater-1…N`; each label goes to one at random.
    public var raters = 40
    /// Spread of the raters' own error rates: each rater's unassisted error is multiplied by
    /// exp(σ·z − σ²/2), z standard normal, so the multipliers average 1 (0: every rater alike).
    public var raterSpread = 0.0
    /// The same for each batch of 500 labels of a level (`attributes.batch`): a batch effect, as
    /// of a bad day or a changed instruction (0: no batch differs).
    public var batchEffect = 0.0

    /// Share of labels and of critiques that auditors inspect and record findings for.
    public var auditRate = 0.10
    /// Paired audits: when an assisted label is audited, so is the critique its rater saw (the
    /// pair the exposure estimate needs); critiques of unassisted labels are sampled at the rate
    /// on their own. Off: labels and critiques are sampled independently.
    public var pairedAudits = false
    /// Labels per dataset part; the parts of a level are chained with `extends`.
    public var datasetSize = 1_000
    /// Extra errors planted at one level.
    public var injections: [ErrorInjection] = []

    /// Events per appended batch.
    public var batchSize = 50_000
    /// Time of the first event, in seconds since 1970; each later event is one second later.
    public var startTime = 1_767_225_600  // 2026-01-01T00:00:00Z

    public init() {}

    /// The null pipeline (`simulate --null`): the defaults with every mechanism that propagates
    /// errors or makes levels differ switched off — no difficulty growth, no reward hacking, no
    /// critic degradation, no assistance benefit, no sycophancy. Every level's raters then err at
    /// the same rate whether or not they saw a critique (level 0, which has no critiques, included),
    /// every critic is equally good, and a label's error does not depend on its critique's.
    public static var null: SimulationParameters {
        var p = SimulationParameters()
        for path in nullSwitches { p[keyPath: path.key] = 0 }
        return p
    }

    /// The parameters `null` switches off, with their flags.
    public static var nullSwitches: [(key: WritableKeyPath<SimulationParameters, Double>, flag: String)] {
        [
            (\.difficultyGrowth, "--difficulty-growth"), (\.rewardHacking, "--reward-hacking"),
            (\.criticDegradation, "--critic-degradation"), (\.assistanceBenefit, "--assistance-benefit"),
            (\.sycophancy, "--sycophancy"),
        ]
    }

    /// The problems with these parameters, one sentence each; empty when they are usable.
    public var problems: [String] {
        var problems: [String] = []
        if levels < 1 || levels > 50 { problems.append("--levels must be from 1 to 50 (levels 0…L), not \(levels)") }
        if outputsPerLevel < 1 || outputsPerLevel > 10_000_000 {
            problems.append("--outputs must be from 1 to 10,000,000, not \(outputsPerLevel)")
        }
        if categories < 1 || categories > 1_000 { problems.append("--categories must be from 1 to 1,000, not \(categories)") }
        if raters < 1 || raters > 1_000_000 { problems.append("--raters must be from 1 to 1,000,000, not \(raters)") }
        if datasetSize < 1 { problems.append("--dataset-size must be at least 1, not \(datasetSize)") }
        if batchSize < 1 { problems.append("--batch-size must be at least 1, not \(batchSize)") }
        let rates: [(String, Double)] = [
            ("--base-flaw-rate", baseFlawRate), ("--rater-error", raterError), ("--critic-recall", criticRecall),
            ("--critic-hallucination", criticHallucination), ("--assistance-benefit", assistanceBenefit),
            ("--sycophancy", sycophancy), ("--assisted-share", assistedShare), ("--audit-rate", auditRate),
        ]
        for (name, value) in rates where !(0...1).contains(value) {
            problems.append("\(name) is a probability and must be from 0 to 1, not \(value)")
        }
        let weights: [(String, Double)] = [
            ("--reward-hacking", rewardHacking), ("--difficulty-growth", difficultyGrowth), ("--critic-degradation", criticDegradation),
            ("--rater-spread", raterSpread), ("--batch-effect", batchEffect),
        ]
        for (name, value) in weights where !(0...10).contains(value) {
            problems.append("\(name) must be from 0 to 10, not \(value)")
        }
        for injection in injections where injection.level > levels || (injection.kind == .critique && injection.level == 0) {
            problems.append(
                "--inject \(injection): level \(injection.level) has no \(injection.kind.rawValue)s (critiques exist at levels 1…\(levels))"
            )
        }
        return problems
    }

    /// Outputs per level that make about `entries` entries in all.
    public static func outputsPerLevel(forEntries entries: Int, levels: Int, auditRate: Double, datasetSize: Int) -> Int {
        // Per output: the output and its label, 1/datasetSize of a dataset, the audit findings;
        // at levels ≥ 1 also a critique, itself audited.
        let level0 = 2 + 1 / Double(datasetSize) + auditRate
        let upper = 3 + 1 / Double(datasetSize) + 2 * auditRate
        let perOutput = level0 + Double(levels) * upper
        return max(1, Int((Double(entries) / perOutput).rounded()))
    }
}

/// Extra errors planted at one level, `level:kind:rate` on the command line (`1:critique:0.3`: a
/// third of level 1's critiques are made wrong, as by a sycophantic critic).
public struct ErrorInjection: Sendable, Equatable, CustomStringConvertible {
    /// What can be made wrong.
    public enum Kind: String, Sendable, CaseIterable {
        case output, critique, label
    }

    public let level: Int
    public let kind: Kind
    public let rate: Double

    public init(level: Int, kind: Kind, rate: Double) {
        self.level = level
        self.kind = kind
        self.rate = rate
    }

    /// Parses `level:kind:rate`; `nil` when malformed or out of range.
    public init?(parsing text: String) {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 3, let level = Int(parts[0]), level >= 0, let kind = Kind(rawValue: String(parts[1])),
            let rate = Double(parts[2]), (0...1).contains(rate)
        else { return nil }
        self.init(level: level, kind: kind, rate: rate)
    }

    public var description: String { "\(level):\(kind.rawValue):\(rate)" }
}
