import Foundation
import GRDB
import RRMFormat
import RRMStore

/// Computes the compounding-errors report (docs/ANALYSIS.md) from a ledger's lineage graph and
/// its audit findings.
public enum PropagationAnalysis {
    /// What to analyse.
    public struct Options: Sendable {
        /// Analyse "what if this entry was wrong" instead of the known errors.
        public var assumeErroneous: String?
        /// Root errors to keep in the ranking.
        public var topRootErrors: Int
        /// Whether the caller verified the chain first, and whether deeply (derived data too).
        public var verified: Bool
        public var deep: Bool
        /// The head the caller verified: the analysis then reads entries 1…its seq and nothing
        /// appended later. `nil`: the ledger's head when the analysis starts.
        public var verifiedHead: ChainHead?

        public init(
            assumeErroneous: String? = nil, topRootErrors: Int = 10, verified: Bool = true, deep: Bool = false,
            verifiedHead: ChainHead? = nil
        ) {
            self.assumeErroneous = assumeErroneous
            self.topRootErrors = topRootErrors
            self.verified = verified
            self.deep = deep
            self.verifiedHead = verifiedHead
        }
    }

    /// Builds the report.
    /// - Parameter progress: told what stage the analysis is in.
    public static func run(_ ledger: Ledger, _ options: Options, progress: ((String) -> Void)? = nil) throws(LedgerError)
        -> PropagationReport
    {
        // Every read stops at the head: entries appended while the analysis runs are not in it.
        let head: ChainHead
        if let verified = options.verifiedHead { head = verified } else { head = try ledger.head() }
        // The newest signed checkpoint within the analysed entries.
        let checkpoint = try ledger.checkpoints().filter { $0.size <= head.seq }.max { $0.size < $1.size }
        progress?("loading the lineage graph")
        let graph = try LineageGraph.load(from: ledger, through: head.seq)
        progress?("reading the audit findings")
        let findings = try AuditFindings.load(from: ledger, count: graph.count)
        var seeds = findings.erroneous
        var assumedSeq: Int64?
        if let assumed = options.assumeErroneous {
            let entry = try ledger.entry(id: assumed)
            assumedSeq = entry.seq
            seeds = [entry.seq]
        }
        progress?("tracing exposure from \(seeds.count) known errors")
        let exposure = Exposure.compute(graph: graph, seeds: seeds)
        let modelFacts = try ledger.read { db in
            try Row.fetchAll(
                db, sql: "SELECT seq, id, coalesce(json_extract(body, '$.role'), '') FROM entry WHERE kind = 'model' ORDER BY seq"
            ).map {
                (seq: $0[0] as Int64, id: $0[1] as String, role: $0[2] as String)
            }
        }
        let levels = levelFindings(graph, findings, exposure)
        // Exposure's per-entry arrays are not needed past here: they go before the root errors'
        // walk, which has the graph and the training spread to hold (docs/SCALING.md).
        let models = modelFindings(modelFacts, graph, findings, exposure)
        let assistance = assistanceFindings(graph, findings)
        progress?("ranking critics and raters")
        let modelIDs = Dictionary(modelFacts.map { ($0.seq, $0.id) }, uniquingKeysWith: { first, _ in first })
        let sources = ErrorSource.rank(graph: graph, findings: findings, levels: levels, modelIDs: modelIDs)
        let raters = try RaterRates.load(from: ledger, graph: graph, findings: findings)
        progress?("measuring the blast radius of each root error")
        let spread = TrainingSpread(graph: graph)
        // One root error at a time: the largest few are kept whole, every one adds to its group.
        // Keeping every reach would cost root errors × reach (3.2 GB at 10M entries).
        var tally = RootErrorGroup.Tally()
        let keep = max(0, options.topRootErrors)
        var top: [(reach: TrainingSpread.Reach, radius: Double)] = []
        func ranksAbove(_ a: (reach: TrainingSpread.Reach, radius: Double), _ b: (reach: TrainingSpread.Reach, radius: Double)) -> Bool {
            (a.radius, -a.reach.seq) > (b.radius, -b.reach.seq)
        }
        for seed in seeds {
            let root = spread.rootError(of: seed, graph: graph, findings: findings)
            let radius = root.radius
            tally.add(
                seed, radius: radius, graph: graph,
                errorType: findings.errorTypes[seed] ?? (seed == assumedSeq ? "assumed" : nil),
                producerName: { modelIDs[$0] ?? "#\($0)" })
            guard keep > 0 else { continue }
            top.append((root, radius))
            if top.count >= max(2 * keep, keep + 64) {
                top.sort(by: ranksAbove)
                top.removeLast(top.count - keep)
            }
        }
        top.sort(by: ranksAbove)
        let kept = top.prefix(keep).map(\.reach)
        var groups = Array(tally.groups.prefix(options.topRootErrors))
        let names = try ledger.entries(
            seqs: kept.map(\.seq) + kept.flatMap { $0.models.map(\.seq) } + groups.flatMap(\.exampleSeqs))
        for index in groups.indices { groups[index].examples = groups[index].exampleSeqs.map { names[$0]?.id ?? "#\($0)" } }
        let rootErrors = kept.map { root in
            PropagationReport.RootError(
                seq: root.seq, id: names[root.seq]?.id ?? "#\(root.seq)", kind: graph.kind(of: root.seq), level: graph.level(of: root.seq),
                errorType: findings.errorTypes[root.seq] ?? (root.seq == assumedSeq ? "assumed" : nil),
                direct: root.direct, weighted: root.weighted, reachable: root.reachable,
                models: root.models.map { (id: names[$0.seq]?.id ?? "#\($0.seq)", share: $0.share) })
        }
        return PropagationReport(
            basis: PropagationReport.Basis(
                entries: graph.count, head: head, verified: options.verified, deep: options.deep,
                checkpoint: checkpoint.map {
                    PropagationReport.Basis.Checkpoint(
                        size: $0.size, rootHash: $0.rootHash.hex, origin: String($0.note.prefix { $0 != "\n" }),
                        signedAt: $0.signedAt)
                },
                audited: (1...max(1, graph.count)).filter { $0 <= graph.count && findings.isAudited(Int64($0)) }.count,
                seeds: seeds.count, assumed: options.assumeErroneous),
            levels: levels, claims: Claim.family(levels: levels, assistance: assistance, sources: sources, raters: raters),
            models: models, sources: sources, raters: raters,
            rootErrors: rootErrors, rootErrorCount: seeds.count, rootErrorGroups: groups,
            assistance: assistance)
    }

    // MARK: - Per level

    static func levelFindings(_ graph: LineageGraph, _ findings: AuditFindings, _ exposure: Exposure) -> [PropagationReport.Level] {
        struct Tally {
            var entries: [EventKind: Int] = [:]
            var audits: [EventKind: Proportion] = [:]
            var shownWrong = Proportion.none
            var shownRight = Proportion.none
            var unpaired = 0
            var inherited = 0.0
            var inheritors = 0
            var errorTypes: [String: Int] = [:]
        }
        var tallies: [Int: Tally] = [:]
        for index in 1...max(1, graph.count) where index <= graph.count {
            let seq = Int64(index)
            let kind = graph.kind(of: seq)
            let level = graph.level(of: seq)
            var tally = tallies[level] ?? Tally()
            tally.entries[kind, default: 0] += 1
            if kind == .output || kind == .critique {
                tally.inherited += exposure.share(of: seq)
                tally.inheritors += 1
            }
            if let verdict = findings.verdict(of: seq) {
                let erroneous = verdict == .erroneous
                tally.audits[kind, default: .none] = tally.audits[kind, default: .none] + Proportion(events: erroneous ? 1 : 0, trials: 1)
                if kind == .label {
                    // Exposure is measured on labels only, and only where every critique shown to
                    // the rater was audited too: shown a wrong one, or only right ones.
                    var shown = 0
                    var audited = 0
                    var wrong = false
                    graph.forEachParent(of: seq) { parent, role in
                        guard role == .assistedBy else { return }
                        shown += 1
                        if findings.isAudited(parent) { audited += 1 }
                        if findings.isErroneous(parent) { wrong = true }
                    }
                    let one = Proportion(events: erroneous ? 1 : 0, trials: 1)
                    if shown > 0 && audited == shown {
                        if wrong { tally.shownWrong = tally.shownWrong + one } else { tally.shownRight = tally.shownRight + one }
                    } else if shown > 0 {
                        tally.unpaired += 1
                    }
                }
                if erroneous, let type = findings.errorTypes[seq] { tally.errorTypes[type, default: 0] += 1 }
            }
            tallies[level] = tally
        }
        var result: [PropagationReport.Level] = []
        for level in tallies.keys.sorted() {
            let tally = tallies[level]!
            let below = tallies[level - 1]?.audits
            result.append(
                PropagationReport.Level(
                    level: level, entries: tally.entries, audits: tally.audits,
                    shownWrong: tally.shownWrong, shownRight: tally.shownRight, unpairedAssisted: tally.unpaired,
                    relativeRisk: RiskRatio.of(tally.shownWrong, tally.shownRight),
                    labelStep: step(tally.audits[.label], below?[.label]),
                    critiqueStep: step(tally.audits[.critique], below?[.critique]),
                    inheritedShare: tally.inheritors == 0 ? 0 : tally.inherited / Double(tally.inheritors),
                    errorTypes: tally.errorTypes))
        }
        return result
    }

    /// A level's rate over the level below's, when both were audited.
    private static func step(_ here: Proportion?, _ below: Proportion?) -> RiskRatio? {
        guard let here, let below else { return nil }
        return RiskRatio.of(here, below)
    }

    // MARK: - Per model version

    static func modelFindings(
        _ models: [(seq: Int64, id: String, role: String)], _ graph: LineageGraph, _ findings: AuditFindings, _ exposure: Exposure
    ) -> [PropagationReport.Model] {
        // Audits of training labels, accumulated like shares: a dataset counts its own members and
        // the parts it extends; a model what it was trained on.
        // Kept for datasets and models only (a few per thousand entries).
        var audits: [Int64: Proportion] = [:]
        for index in 1...max(1, graph.count) where index <= graph.count {
            let seq = Int64(index)
            switch graph.kind(of: seq) {
            case .dataset, .model:
                var total = Proportion.none
                graph.forEachParent(of: seq) { parent, role in
                    switch role {
                    case .member:
                        if let verdict = findings.verdict(of: parent) {
                            total = total + Proportion(events: verdict == .erroneous ? 1 : 0, trials: 1)
                        }
                    case .extends:
                        total = total + (audits[parent] ?? .none)
                    case .trainedOn:
                        if graph.kind(of: parent) == .label {
                            if let verdict = findings.verdict(of: parent) {
                                total = total + Proportion(events: verdict == .erroneous ? 1 : 0, trials: 1)
                            }
                        } else {
                            total = total + (audits[parent] ?? .none)
                        }
                    default: break
                    }
                }
                audits[seq] = total
            default: break
            }
        }
        return models.filter { graph.contains($0.seq) }.map { model in
            var produced = 0
            var producedAudit = Proportion.none
            var critiqued = 0
            var critiquedAudit = Proportion.none
            graph.forEachChild(of: model.seq) { child, role in
                let audit = findings.verdict(of: child).map { Proportion(events: $0 == .erroneous ? 1 : 0, trials: 1) } ?? .none
                switch role {
                case .model:
                    produced += 1
                    producedAudit = producedAudit + audit
                case .critic:
                    critiqued += 1
                    critiquedAudit = critiquedAudit + audit
                default: break
                }
            }
            return PropagationReport.Model(
                seq: model.seq, id: model.id, role: model.role, level: graph.level(of: model.seq),
                trainingLabels: exposure.trainingLabelCount(of: model.seq), knownShare: exposure.share(of: model.seq),
                trainingAudit: audits[model.seq] ?? .none, produced: produced, producedAudit: producedAudit,
                critiqued: critiqued, critiquedAudit: critiquedAudit)
        }
    }

    // MARK: - Assistance

    static func assistanceFindings(_ graph: LineageGraph, _ findings: AuditFindings) -> [PropagationReport.Assistance] {
        struct Tally {
            var assisted = Proportion.none
            var unassisted = Proportion.none
            var induced = 0
            var caught = 0
            var sycophancy = 0
        }
        var tallies: [Int: Tally] = [:]
        var levelsWithCritiques = Set<Int>()
        for index in 1...max(1, graph.count) where index <= graph.count {
            let seq = Int64(index)
            let kind = graph.kind(of: seq)
            if kind == .critique { levelsWithCritiques.insert(graph.level(of: seq)) }
            guard kind == .label, let verdict = findings.verdict(of: seq) else { continue }
            let level = graph.level(of: seq)
            var tally = tallies[level] ?? Tally()
            let erroneous = verdict == .erroneous
            var shown: [Int64] = []
            graph.forEachParent(of: seq) { parent, role in if role == .assistedBy { shown.append(parent) } }
            let one = Proportion(events: erroneous ? 1 : 0, trials: 1)
            if shown.isEmpty { tally.unassisted = tally.unassisted + one } else { tally.assisted = tally.assisted + one }
            if erroneous && shown.contains(where: { findings.isErroneous($0) }) { tally.induced += 1 }
            if !erroneous && shown.contains(where: { findings.verdict(of: $0) == .correct && findings.critiquesClaimingFlaws.contains($0) })
            {
                tally.caught += 1
            }
            if erroneous && findings.errorTypes[seq] == "sycophancy" { tally.sycophancy += 1 }
            tallies[level] = tally
        }
        return tallies.keys.sorted().filter { levelsWithCritiques.contains($0) }.map { level in
            let tally = tallies[level]!
            return PropagationReport.Assistance(
                level: level, assisted: tally.assisted, unassisted: tally.unassisted, ratio: RiskRatio.of(tally.assisted, tally.unassisted),
                induced: tally.induced, caught: tally.caught, sycophancy: tally.sycophancy)
        }
    }
}
