import RRMFormat

/// The compounding-errors report: every figure docs/ANALYSIS.md defines, per level, per model
/// version, per root error, and for assistance. Rates are estimates from audit samples, each with
/// its 95% interval.
public struct PropagationReport: Sendable {
    /// What the report was computed from.
    public struct Basis: Sendable {
        public let entries: Int
        public let head: ChainHead
        /// Whether the chain was verified before the analysis (it is refused otherwise, unless asked),
        /// and whether deeply: the lineage tables this analysis reads and the Merkle tree too.
        public let verified: Bool
        public let deep: Bool
        /// The newest signed checkpoint the ledger holds, if any: the head an auditor can hold the
        /// operator to (its signature is checked by `audit`, not here).
        public let checkpoint: Checkpoint?

        public struct Checkpoint: Sendable {
            public let size: Int64
            public let rootHash: String
            public let origin: String
            public let signedAt: String
        }
        /// Entries with at least one finding.
        public let audited: Int
        /// The seeds: entries known (or assumed) erroneous.
        public let seeds: Int
        /// The entry assumed erroneous, for a "what if" report.
        public let assumed: String?
    }

    /// One level of the recursion.
    public struct Level: Sendable {
        public let level: Int
        public let entries: [EventKind: Int]
        /// Audit results per kind: erroneous among audited.
        public let audits: [EventKind: Proportion]
        /// The 95% interval of the level's error rate of `kind`: its audits are a sample of its
        /// entries of that kind, so the finite-population Wilson interval (section 3).
        public func rateInterval(_ kind: EventKind) -> ClosedRange<Double>? {
            audits[kind].map { $0.interval(sampledFrom: entries[kind] ?? 0) }
        }
        /// Audited labels whose rater was shown critiques that were all audited: those shown at
        /// least one wrong critique, and those shown only right ones.
        public let shownWrong: Proportion
        public let shownRight: Proportion
        /// Audited labels shown a critique that was not audited (not used for the relative risk).
        public let unpairedAssisted: Int
        /// P(label wrong | shown a wrong critique) / P(label wrong | shown a right one), with
        /// Koopman's score interval.
        public let relativeRisk: RiskRatio?
        /// This level's label and critique error rates over the level below's.
        public let labelStep: RiskRatio?
        public let critiqueStep: RiskRatio?
        /// Mean training share inherited by this level's outputs and critiques.
        public let inheritedShare: Double
        /// Erroneous findings per error type.
        public let errorTypes: [String: Int]
    }

    /// One model version.
    public struct Model: Sendable {
        public let seq: Int64
        public let id: String
        public let role: String
        public let level: Int
        /// Labels its training signal comes from (through datasets and reward models).
        public let trainingLabels: Double
        /// Share of its training signal that is known erroneous or directly exposed (a lower bound:
        /// only audited errors are known).
        public let knownShare: Double
        /// Audits of its training labels: the estimated erroneous share, with its interval.
        public let trainingAudit: Proportion
        /// What it produced and what it critiqued: counts and audits.
        public let produced: Int
        public let producedAudit: Proportion
        public let critiqued: Int
        public let critiquedAudit: Proportion
    }

    /// One known error and how far it reaches.
    public struct RootError: Sendable {
        public let seq: Int64
        public let id: String
        public let kind: EventKind
        public let level: Int
        public let errorType: String?
        /// Entries it reaches along evaluation links, per level and kind (exact).
        public let direct: [Int: [EventKind: Int]]
        /// Entries it reaches through training, weighted by its share of each model's signal, per level.
        public let weighted: [Int: Double]
        /// Entries reachable through training at all (the naive closure), for comparison.
        public let reachable: Int
        /// The models it reaches, with its share of each one's training signal.
        public let models: [(id: String, share: Double)]

        public var directTotal: Int { direct.values.flatMap(\.values).reduce(0, +) }
        public var weightedTotal: Double { Self.total(of: weighted) }
        /// A per-level reach summed in level order, so that equal reaches are equal to the last
        /// bit (a dictionary's order is not fixed) and ties are broken by sequence number.
        static func total(of weighted: [Int: Double]) -> Double { weighted.sorted { $0.key < $1.key }.reduce(0) { $0 + $1.value } }
        /// The blast radius it is ranked by: exact direct reach plus weighted training reach.
        public var radius: Double { Double(directTotal) + weightedTotal }
    }

    /// Labels made with and without critiques, at one level.
    public struct Assistance: Sendable {
        public let level: Int
        public let assisted: Proportion
        public let unassisted: Proportion
        public let ratio: RiskRatio?
        /// Audited erroneous labels whose rater was shown a critique audited erroneous.
        public let induced: Int
        /// Audited correct labels whose rater was shown an audited correct critique claiming a flaw.
        public let caught: Int
        /// Labels whose latest finding calls the error sycophancy.
        public let sycophancy: Int
    }

    public let basis: Basis
    public let levels: [Level]
    /// Every statement that something differs or compounds, Holm-adjusted together.
    public let claims: [Claim]
    public let models: [Model]
    /// Critics and raters ranked by the errors they made beyond the rest of their kind.
    public let sources: [ErrorSource]
    /// Each level's raters: their audited rates and the test that they differ.
    public let raters: [RaterRates]
    /// Root errors ranked by blast radius, largest first (at most the number asked for).
    public let rootErrors: [RootError]
    /// Root errors in all (before the ranking was cut).
    public let rootErrorCount: Int
    /// Root errors grouped by kind, level, producer and error type, largest total reach first (at
    /// most the number asked for).
    public let rootErrorGroups: [RootErrorGroup]
    public let assistance: [Assistance]
}
