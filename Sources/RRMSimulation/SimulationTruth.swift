import RRMFormat

/// The hidden truth about one simulated output, critique or label: what the ledger does not
/// record, written to the `--truth` file so tests and the analysis can be checked against it.
struct TruthRecord: Sendable, Equatable {
    let id: String
    let kind: EventKind
    let level: Int
    let category: Int
    /// For an output: whether it is flawed; for a critique or a label: whether it is wrong.
    let erroneous: Bool
    /// The error type a perfect auditor would record (`reward_hacking`, `missed_flaw`, …).
    let errorType: String?
    /// What made it wrong: `base`, `reward_hacking`, `critic_quality`, `rater`,
    /// `followed_wrong_critique` or `injected`; `nil` when it is right.
    let cause: String?
    /// For a label: the critique its rater was shown.
    let shownCritique: String?
    /// Whether auditors recorded a finding about it.
    let audited: Bool

    var json: JSONValue {
        var object: JSONObject = [
            "id": .string(id), "kind": .string(kind.rawValue), "level": .number(Double(level)),
            "category": .number(Double(category)), "erroneous": .bool(erroneous), "audited": .bool(audited),
        ]
        if let errorType { object["error_type"] = .string(errorType) }
        if let cause { object["cause"] = .string(cause) }
        if let shownCritique { object["shown_critique"] = .string(shownCritique) }
        return .object(object)
    }
}

/// The true rates of one level, known only to the simulator.
public struct LevelTruth: Sendable, Equatable {
    public let level: Int
    public var outputs = 0
    public var flawedOutputs = 0
    public var critiques = 0
    public var wrongCritiques = 0
    public var labels = 0
    public var wrongLabels = 0
    public var assistedLabels = 0
    public var wrongAssistedLabels = 0
    /// Labels wrong because the rater followed a wrong critique.
    public var sycophanticLabels = 0
    /// Labels right because a right critique caught a flaw the rater would have missed alone is
    /// not observable per label; this counts flawed outputs whose assisted label caught the flaw.
    public var caughtWithHelp = 0
    /// The critic's recall and hallucination rate at this level (levels ≥ 1).
    public var criticRecall = 0.0
    public var criticHallucination = 0.0

    public init(level: Int) {
        self.level = level
    }

    public var outputFlawRate: Double { rate(flawedOutputs, outputs) }
    public var critiqueErrorRate: Double { rate(wrongCritiques, critiques) }
    public var labelErrorRate: Double { rate(wrongLabels, labels) }
    /// Errors of labels and critiques together: the population the default audit samples.
    public var evaluationErrorRate: Double { rate(wrongLabels + wrongCritiques, labels + critiques) }

    private func rate(_ part: Int, _ whole: Int) -> Double { whole == 0 ? 0 : Double(part) / Double(whole) }

    var json: JSONValue {
        [
            "kind": "level_summary", "level": .number(Double(level)),
            "outputs": .number(Double(outputs)), "flawed_outputs": .number(Double(flawedOutputs)),
            "critiques": .number(Double(critiques)), "wrong_critiques": .number(Double(wrongCritiques)),
            "labels": .number(Double(labels)), "wrong_labels": .number(Double(wrongLabels)),
            "assisted_labels": .number(Double(assistedLabels)), "wrong_assisted_labels": .number(Double(wrongAssistedLabels)),
            "sycophantic_labels": .number(Double(sycophanticLabels)),
            "critic_recall": .number(criticRecall), "critic_hallucination": .number(criticHallucination),
            "output_flaw_rate": .number(outputFlawRate), "critique_error_rate": .number(critiqueErrorRate),
            "label_error_rate": .number(labelErrorRate),
        ]
    }
}
