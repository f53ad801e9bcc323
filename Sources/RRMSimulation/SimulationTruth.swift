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

    /// The same record, audited or not.
    func audited(_ audited: Bool) -> TruthRecord {
        TruthRecord(
            id: id, kind: kind, level: level, category: category, erroneous: erroneous, errorType: errorType, cause: cause,
            shownCritique: shownCritique, audited: audited)
    }

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
    /// Assisted labels whose rater saw a wrong critique, and how many of them are wrong.
    public var shownWrongLabels = 0
    public var wrongShownWrongLabels = 0
    /// Entries made wrong (or outputs flawed) by `--inject`, per kind.
    public var injectedOutputs = 0
    public var injectedCritiques = 0
    public var injectedLabels = 0
    /// The critic's recall and hallucination rate at this level (levels ≥ 1).
    public var criticRecall = 0.0
    public var criticHallucination = 0.0
    /// The model version that critiqued this level's outputs (levels ≥ 1).
    public var critic: String?
    /// Labels and wrong labels per rater, by rater name.
    public var raters: [String: Tally] = [:]

    /// Wrong entries among all of some kind.
    public struct Tally: Sendable, Equatable {
        public var all = 0
        public var wrong = 0
        public var rate: Double? { all == 0 ? nil : Double(wrong) / Double(all) }
    }

    public init(level: Int) {
        self.level = level
    }

    public var outputFlawRate: Double { rate(flawedOutputs, outputs) }
    public var critiqueErrorRate: Double { rate(wrongCritiques, critiques) }
    public var labelErrorRate: Double { rate(wrongLabels, labels) }
    /// Errors of labels and critiques together: the population the default audit samples.
    public var evaluationErrorRate: Double { rate(wrongLabels + wrongCritiques, labels + critiques) }

    private func rate(_ part: Int, _ whole: Int) -> Double { whole == 0 ? 0 : Double(part) / Double(whole) }

    /// The true values of the estimands the report claims about this level, named as
    /// docs/ANALYSIS.md and tools/calibrate name them (`relative_risk:2`, …); `nil` where the
    /// level has nothing to estimate from (no critiques at level 0, a zero denominator).
    public func estimands(below: LevelTruth?) -> [(name: String, value: Double?)] {
        func ratio(_ a: Int, _ n: Int, _ b: Int, _ m: Int) -> Double? {
            guard n > 0, m > 0, b > 0 else { return nil }
            return (Double(a) / Double(n)) / (Double(b) / Double(m))
        }
        let k = level
        let shownRight = assistedLabels - shownWrongLabels
        let wrongShownRight = wrongAssistedLabels - wrongShownWrongLabels
        let unassisted = labels - assistedLabels
        let wrongUnassisted = wrongLabels - wrongAssistedLabels
        var values: [(String, Double?)] = [
            ("error_rate:label:\(k)", labels == 0 ? nil : labelErrorRate),
            ("error_rate:output:\(k)", outputs == 0 ? nil : outputFlawRate),
        ]
        if critiques > 0 {
            values.append(("error_rate:critique:\(k)", critiqueErrorRate))
            values.append(("relative_risk:\(k)", ratio(wrongShownWrongLabels, shownWrongLabels, wrongShownRight, shownRight)))
            values.append(("assistance_ratio:\(k)", ratio(wrongAssistedLabels, assistedLabels, wrongUnassisted, unassisted)))
            // Label errors the level's wrong critiques induced: the labels shown one, times the
            // excess risk over labels shown a right critique.
            if shownWrongLabels > 0, shownRight > 0 {
                let excess = Double(wrongShownWrongLabels) / Double(shownWrongLabels) - Double(wrongShownRight) / Double(shownRight)
                values.append(("induced_label_errors:\(k)", Double(shownWrongLabels) * excess))
            } else {
                values.append(("induced_label_errors:\(k)", nil))
            }
        }
        if let below {
            values.append(("step_ratio:label:\(k)", ratio(wrongLabels, labels, below.wrongLabels, below.labels)))
            if below.critiques > 0, critiques > 0 {
                values.append(("step_ratio:critique:\(k)", ratio(wrongCritiques, critiques, below.wrongCritiques, below.critiques)))
            }
        }
        for (rater, tally) in raters.sorted(by: { $0.key < $1.key }) {
            values.append(("rater_error_rate:\(k):\(rater)", tally.rate))
        }
        return values
    }

    var json: JSONValue {
        [
            "kind": "level_summary", "level": .number(Double(level)),
            "outputs": .number(Double(outputs)), "flawed_outputs": .number(Double(flawedOutputs)),
            "critiques": .number(Double(critiques)), "wrong_critiques": .number(Double(wrongCritiques)),
            "labels": .number(Double(labels)), "wrong_labels": .number(Double(wrongLabels)),
            "assisted_labels": .number(Double(assistedLabels)), "wrong_assisted_labels": .number(Double(wrongAssistedLabels)),
            "sycophantic_labels": .number(Double(sycophanticLabels)),
            "shown_wrong_labels": .number(Double(shownWrongLabels)), "wrong_shown_wrong_labels": .number(Double(wrongShownWrongLabels)),
            "injected_outputs": .number(Double(injectedOutputs)), "injected_critiques": .number(Double(injectedCritiques)),
            "injected_labels": .number(Double(injectedLabels)),
            "critic_recall": .number(criticRecall), "critic_hallucination": .number(criticHallucination),
            "output_flaw_rate": .number(outputFlawRate), "critique_error_rate": .number(critiqueErrorRate),
            "label_error_rate": .number(labelErrorRate), "critic": critic.map(JSONValue.string) ?? .null,
        ]
    }
}
