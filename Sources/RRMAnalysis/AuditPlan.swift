import Foundation
import RRMFormat
import RRMStore

/// Which entries auditors should inspect next, and what the report's intervals are expected to
/// be once they have (docs/AUDITING.md, "Planning the next audits").
///
/// The report's open questions are each level's label and critique error rates and, at levels
/// with critiques, the relative risk of a label shown a wrong critique — which needs a label and
/// the critique its rater saw audited together. The plan spends the budget worst question first:
/// whichever question's expected interval is furthest from its target gets the next audit. It
/// keeps the samples the report's estimators assume: labels and critiques are drawn uniformly at
/// random within their level (seeded, so the worklist is reproducible), and pairs are made by
/// auditing the critique a sampled label's rater saw, or the critique of a label already audited.
public struct AuditPlan: Sendable {
    /// What to plan for.
    public struct Options: Sendable {
        /// Audits to spend: one finding each.
        public var budget: Int
        /// Seed of the random draws within each level.
        public var seed: UInt64
        /// Target width of a rate's 95% interval (0.10: ±5 percentage points).
        public var rateWidth: Double
        /// Target spread of a relative risk's 95% interval, upper bound over lower (2: e.g. 1.3–2.6).
        public var ratioSpread: Double

        public init(budget: Int, seed: UInt64 = 1, rateWidth: Double = 0.10, ratioSpread: Double = 2) {
            self.budget = budget
            self.seed = seed
            self.rateWidth = rateWidth
            self.ratioSpread = ratioSpread
        }
    }

    /// One open question of the report.
    public enum Question: Hashable, Sendable, CustomStringConvertible {
        /// The error rate of a kind at a level.
        case rate(EventKind, level: Int)
        /// The relative risk of a label shown a wrong critique, at a level.
        case exposure(level: Int)

        public var level: Int {
            switch self {
            case .rate(_, let level), .exposure(let level): return level
            }
        }

        /// "label error rate at level 2", "exposure (relative risk) at level 1".
        public var description: String {
            switch self {
            case .rate(let kind, let level): return "\(kind.rawValue) error rate at level \(level)"
            case .exposure(let level): return "exposure (relative risk) at level \(level)"
            }
        }

        /// The estimand's name in the report (`error_rate:label:2`, `relative_risk:1`).
        public var estimand: String {
            switch self {
            case .rate(let kind, let level): return "error_rate:\(kind.rawValue):\(level)"
            case .exposure(let level): return "relative_risk:\(level)"
            }
        }
    }

    /// A question with its interval width now, as expected after the plan, and its target.
    /// Widths of rates are in proportion units; of relative risks, the ratio upper/lower.
    public struct QuestionPlan: Sendable {
        public let question: Question
        /// Audits it holds now: entries of the kind (rates) or label + critique pairs (exposure).
        public let audited: Int
        public let planned: Int
        public let width: Double
        public let expectedWidth: Double
        public let target: Double
        public var met: Bool { expectedWidth <= target }
    }

    /// One entry of the worklist.
    public struct Item: Sendable {
        public let order: Int
        public let seq: Int64
        public let id: String
        public let kind: EventKind
        public let level: Int
        /// The question it was chosen for.
        public let question: Question
        /// For a critique audited as the pair of a label: that label's id.
        public let pairedWith: String?
    }

    public let options: Options
    public let head: ChainHead
    public let questions: [QuestionPlan]
    public let worklist: [Item]
    /// Audits the plan would need to meet every target (at most the unaudited entries there are),
    /// whatever the budget.
    public let neededForTargets: Int
}

extension AuditPlan {
    /// Plans the next audits of `ledger`.
    public static func make(_ ledger: Ledger, _ options: Options) throws(LedgerError) -> AuditPlan {
        let graph = try LineageGraph.load(from: ledger)
        let findings = try AuditFindings.load(from: ledger, count: graph.count)
        let head = try ledger.head()
        var state = PlanState(graph: graph, findings: findings, seed: options.seed)
        let targets = Targets(rateWidth: options.rateWidth, ratioSpread: options.ratioSpread)
        var everything = state
        let needed = everything.spend(budget: Int.max, targets)
        let before = state.questions.map { ($0, state.width($0, targets)) }
        let audited = state.questions.map { state.audited($0) }
        _ = state.spend(budget: options.budget, targets)
        let names = try ledger.entries(seqs: state.chosen.map(\.seq) + state.chosen.compactMap(\.pairedWith))
        let worklist = state.chosen.enumerated().map { order, choice in
            Item(
                order: order + 1, seq: choice.seq, id: names[choice.seq]?.id ?? "#\(choice.seq)", kind: graph.kind(of: choice.seq),
                level: graph.level(of: choice.seq), question: choice.question,
                pairedWith: choice.pairedWith.map { names[$0]?.id ?? "#\($0)" })
        }
        let questions = zip(before, audited).map { pair, audited in
            let (question, width) = pair
            return QuestionPlan(
                question: question, audited: audited, planned: state.audited(question) - audited, width: width,
                expectedWidth: state.width(question, targets), target: targets.target(question))
        }
        return AuditPlan(options: options, head: head, questions: questions, worklist: worklist, neededForTargets: needed)
    }
}

/// The targets, in the units `PlanState.width` measures.
private struct Targets {
    let rateWidth: Double
    let ratioSpread: Double

    func target(_ question: AuditPlan.Question) -> Double {
        switch question {
        case .rate: return rateWidth
        case .exposure: return ratioSpread
        }
    }
}

/// The counts the plan changes as it chooses, and the candidates it chooses from.
private struct PlanState {
    struct Choice {
        let seq: Int64
        let question: AuditPlan.Question
        let pairedWith: Int64?
    }

    /// Audited entries of a kind at a level, and their erroneous share (known so far).
    struct RateCount {
        var audited = 0.0
        var erroneous = 0.0
    }

    /// Label + critique pairs at a level: shown a wrong critique (n1, x1) and a right one (n0, x0);
    /// pairs whose verdicts are not known yet count by their expected shares.
    struct PairCount {
        var wrongShown = 0.0
        var wrongShownErroneous = 0.0
        var rightShown = 0.0
        var rightShownErroneous = 0.0
    }

    let graph: LineageGraph
    let findings: AuditFindings
    var random: SplitMix64
    var rates: [AuditPlan.Question: RateCount] = [:]
    var pairs: [Int: PairCount] = [:]
    /// Unaudited labels and critiques per level, shuffled once; drawn from the end.
    var labelPool: [Int: [Int64]] = [:]
    var critiquePool: [Int: [Int64]] = [:]
    /// Audited labels whose critique is not audited: the critique completes a pair for one audit.
    var completions: [Int: [(label: Int64, critique: Int64)]] = [:]
    /// Entries already chosen (a critique may be reachable from two pools).
    var taken = Set<Int64>()
    var chosen: [Choice] = []
    var questions: [AuditPlan.Question] = []

    init(graph: LineageGraph, findings: AuditFindings, seed: UInt64) {
        self.graph = graph
        self.findings = findings
        random = SplitMix64(seed: seed)
        var levelsWithCritiques = Set<Int>()
        var levels = Set<Int>()
        for index in 1...max(1, graph.count) where index <= graph.count {
            let seq = Int64(index)
            let kind = graph.kind(of: seq)
            guard kind == .label || kind == .critique else { continue }
            let level = graph.level(of: seq)
            levels.insert(level)
            if kind == .critique { levelsWithCritiques.insert(level) }
            let question = AuditPlan.Question.rate(kind, level: level)
            if let verdict = findings.verdict(of: seq) {
                rates[question, default: RateCount()].audited += 1
                if verdict == .erroneous { rates[question, default: RateCount()].erroneous += 1 }
            } else if kind == .label {
                labelPool[level, default: []].append(seq)
            } else {
                critiquePool[level, default: []].append(seq)
            }
            guard kind == .label, findings.isAudited(seq), let critique = shownCritique(of: seq) else { continue }
            if findings.isAudited(critique) {
                add(pairOf: seq, critique: critique, at: level)
            } else {
                completions[level, default: []].append((label: seq, critique: critique))
            }
        }
        // In level order: a dictionary's own order changes from run to run, the seed's draws must not.
        for level in labelPool.keys.sorted() { labelPool[level]!.shuffle(using: &random) }
        for level in critiquePool.keys.sorted() { critiquePool[level]!.shuffle(using: &random) }
        for level in completions.keys.sorted() { completions[level]!.shuffle(using: &random) }
        questions =
            levels.sorted().flatMap { level -> [AuditPlan.Question] in
                levelsWithCritiques.contains(level)
                    ? [.rate(.label, level: level), .rate(.critique, level: level), .exposure(level: level)]
                    : [.rate(.label, level: level)]
            }
    }

    /// The one critique a label's rater saw; `nil` when none, or several (such labels are not
    /// paired: the report's exposure needs every critique shown audited, see ANALYSIS.md).
    func shownCritique(of label: Int64) -> Int64? {
        var shown: [Int64] = []
        graph.forEachParent(of: label) { parent, role in if role == .assistedBy { shown.append(parent) } }
        return shown.count == 1 ? shown[0] : nil
    }

    func audited(_ question: AuditPlan.Question) -> Int {
        switch question {
        case .rate: return Int((rates[question]?.audited ?? 0).rounded())
        case .exposure(let level):
            let pair = pairs[level] ?? PairCount()
            return Int((pair.wrongShown + pair.rightShown).rounded())
        }
    }

    /// The expected 95% interval width: Wilson's for a rate, with the estimate smoothed as
    /// (x + 1)/(n + 2); for a relative risk, exp of the log interval's width from the delta method
    /// with the cells smoothed by ½ (the spread upper/lower). Infinite without data.
    func width(_ question: AuditPlan.Question, _ targets: Targets) -> Double {
        let z = 1.959964
        switch question {
        case .rate:
            let count = rates[question] ?? RateCount()
            guard count.audited > 0 else { return 1 }
            let n = count.audited
            let p = (count.erroneous + 1) / (n + 2)
            return 2 * z / (1 + z * z / n) * (p * (1 - p) / n + z * z / (4 * n * n)).squareRoot()
        case .exposure(let level):
            let pair = pairs[level] ?? PairCount()
            guard pair.wrongShown > 0, pair.rightShown > 0 else { return .infinity }
            let p1 = (pair.wrongShownErroneous + 0.5) / (pair.wrongShown + 1)
            let p0 = (pair.rightShownErroneous + 0.5) / (pair.rightShown + 1)
            let variance = (1 - p1) / (pair.wrongShown * p1) + (1 - p0) / (pair.rightShown * p0)
            return exp(2 * z * variance.squareRoot())
        }
    }

    /// The level's current estimates, smoothed: critique error q, label error when shown a wrong
    /// critique p1 and a right one p0, and the level's label error.
    func estimates(_ level: Int) -> (q: Double, p1: Double, p0: Double, label: Double) {
        let critiques = rates[.rate(.critique, level: level)] ?? RateCount()
        let labels = rates[.rate(.label, level: level)] ?? RateCount()
        let pair = pairs[level] ?? PairCount()
        let label = (labels.erroneous + 1) / (labels.audited + 2)
        return (
            q: (critiques.erroneous + 1) / (critiques.audited + 2),
            p1: pair.wrongShown > 0 ? (pair.wrongShownErroneous + 0.5) / (pair.wrongShown + 1) : label,
            p0: pair.rightShown > 0 ? (pair.rightShownErroneous + 0.5) / (pair.rightShown + 1) : label,
            label: label
        )
    }

    /// Counts a pair whose verdicts are known.
    mutating func add(pairOf label: Int64, critique: Int64, at level: Int) {
        let erroneous = findings.isErroneous(label) ? 1.0 : 0
        if findings.isErroneous(critique) {
            pairs[level, default: PairCount()].wrongShown += 1
            pairs[level, default: PairCount()].wrongShownErroneous += erroneous
        } else {
            pairs[level, default: PairCount()].rightShown += 1
            pairs[level, default: PairCount()].rightShownErroneous += erroneous
        }
    }

    /// Counts an audit whose verdict is not known yet by its expected outcome.
    mutating func expect(_ question: AuditPlan.Question, erroneous p: Double) {
        rates[question, default: RateCount()].audited += 1
        rates[question, default: RateCount()].erroneous += p
    }

    /// A pair with at least one verdict unknown, by expected shares.
    mutating func expectPair(at level: Int, labelKnown: Bool?, critiqueKnown: Bool?) {
        let e = estimates(level)
        let wrong = critiqueKnown.map { $0 ? 1.0 : 0 } ?? e.q
        pairs[level, default: PairCount()].wrongShown += wrong
        pairs[level, default: PairCount()].rightShown += 1 - wrong
        pairs[level, default: PairCount()].wrongShownErroneous += wrong * (labelKnown.map { $0 ? 1.0 : 0 } ?? e.p1)
        pairs[level, default: PairCount()].rightShownErroneous += (1 - wrong) * (labelKnown.map { $0 ? 1.0 : 0 } ?? e.p0)
    }

    /// Spends up to `budget` audits, worst question first; returns the audits spent.
    mutating func spend(budget: Int, _ targets: Targets) -> Int {
        var spent = 0
        var exhausted = Set<AuditPlan.Question>()
        while spent < budget {
            let open = questions.filter { !exhausted.contains($0) }.map { ($0, width($0, targets) / targets.target($0)) }
                .filter { $0.1 > 1 }
            guard let worst = open.max(by: { ($0.1, $1.0.description) < ($1.1, $0.0.description) })?.0 else { break }
            let cost = act(on: worst, budgetLeft: budget - spent)
            if cost == 0 { exhausted.insert(worst) } else { spent += cost }
        }
        return spent
    }

    /// One step for a question; returns its cost in audits (0 when nothing more can be done).
    mutating func act(on question: AuditPlan.Question, budgetLeft: Int) -> Int {
        let level = question.level
        switch question {
        case .exposure:
            if completePair(at: level, for: question) { return 1 }
            return sampleLabel(at: level, for: question, budgetLeft: budgetLeft)
        case .rate(.label, _):
            return sampleLabel(at: level, for: question, budgetLeft: budgetLeft)
        case .rate(_, _):
            if completePair(at: level, for: question) { return 1 }
            while let critique = critiquePool[level]?.popLast() {
                guard taken.insert(critique).inserted else { continue }
                chosen.append(Choice(seq: critique, question: question, pairedWith: nil))
                expect(question, erroneous: estimates(level).q)
                return 1
            }
            return 0
        }
    }

    /// Audits the critique of a label already audited, completing a pair.
    mutating func completePair(at level: Int, for question: AuditPlan.Question) -> Bool {
        while let next = completions[level]?.popLast() {
            guard taken.insert(next.critique).inserted else { continue }
            chosen.append(Choice(seq: next.critique, question: question, pairedWith: next.label))
            expectPair(at: level, labelKnown: findings.isErroneous(next.label), critiqueKnown: nil)
            expect(.rate(.critique, level: level), erroneous: estimates(level).q)
            return true
        }
        return false
    }

    /// Audits a label drawn at random from the level's unaudited ones and, when its rater saw one
    /// critique not audited yet, that critique too (a pair, two audits). Exposure questions draw
    /// from all labels too, unassisted ones included, so that the level's audited labels stay a
    /// simple random sample and its label error rate stays unbiased.
    mutating func sampleLabel(at level: Int, for question: AuditPlan.Question, budgetLeft: Int) -> Int {
        while let label = labelPool[level]?.popLast() {
            guard taken.insert(label).inserted else { continue }
            let critique = shownCritique(of: label)
            let e = estimates(level)
            chosen.append(Choice(seq: label, question: question, pairedWith: nil))
            expect(.rate(.label, level: level), erroneous: e.label)
            guard let critique else { return 1 }
            if findings.isAudited(critique) || taken.contains(critique) {
                let known: Bool? = findings.isAudited(critique) ? findings.isErroneous(critique) : nil
                expectPair(at: level, labelKnown: nil, critiqueKnown: known)
                return 1
            }
            guard budgetLeft >= 2 else { return 1 }
            taken.insert(critique)
            chosen.append(Choice(seq: critique, question: question, pairedWith: label))
            expect(.rate(.critique, level: level), erroneous: e.q)
            expectPair(at: level, labelKnown: nil, critiqueKnown: nil)
            return 2
        }
        return 0
    }
}
