import RRMFormat
import RRMStore

/// How one error travelled, level by level (`rrm-ledger trace`): the entries it reached along
/// evaluation links, with the link each was reached through, and the datasets and models it
/// reached through training, with its share of each and the entries that inherit that share.
public struct ErrorTrace: Sendable {
    /// One entry reached along evaluation links.
    public struct DirectStep: Sendable {
        public let entry: StoredEntry
        public let from: String
        public let role: LinkRole
        /// The latest finding's verdict about it, if audited.
        public let audit: AuditFindings.Verdict?
    }

    /// One dataset or model reached through training.
    public struct TrainingStep: Sendable {
        public let seq: Int64
        public let id: String
        public let kind: EventKind
        public let level: Int
        /// The error's share of its training signal.
        public let share: Double
        /// For a model: entries that inherit the share (outputs, critiques, labels made with its critiques), per level.
        public let inheritors: [Int: Double]
    }

    public let start: StoredEntry
    public let startAudit: AuditFindings.Verdict?
    public let errorType: String?
    /// Per level: the entries reached directly.
    public let direct: [Int: [DirectStep]]
    /// Per level: the datasets and models reached through training.
    public let training: [Int: [TrainingStep]]
    /// The weighted entries reached through training, per level.
    public let weighted: [Int: Double]

    public var levels: [Int] { Set(direct.keys).union(training.keys).union([start.level]).sorted() }

    /// Traces the error `id` (as if it were wrong, whatever its findings say).
    public static func trace(_ ledger: Ledger, id: String) throws(LedgerError) -> ErrorTrace {
        let start = try ledger.entry(id: id)
        let graph = try LineageGraph.load(from: ledger)
        let findings = try AuditFindings.load(from: ledger, count: graph.count)
        let spread = TrainingSpread(graph: graph)
        let reach = spread.rootError(of: start.seq, graph: graph, findings: findings)
        let entries = try ledger.entries(seqs: reach.directPaths.flatMap { [$0.seq, $0.from] } + reach.coarse.map(\.seq))
        var direct: [Int: [DirectStep]] = [:]
        for path in reach.directPaths {
            guard let entry = entries[path.seq] else { continue }
            let from = path.from == start.seq ? start.id : entries[path.from]?.id ?? "#\(path.from)"
            direct[entry.level, default: []].append(
                DirectStep(entry: entry, from: from, role: path.role, audit: findings.verdict(of: path.seq)))
        }
        var training: [Int: [TrainingStep]] = [:]
        for step in reach.coarse where step.seq != start.seq {
            let kind = graph.kind(of: step.seq)
            training[graph.level(of: step.seq), default: []].append(
                TrainingStep(
                    seq: step.seq, id: entries[step.seq]?.id ?? "#\(step.seq)", kind: kind, level: graph.level(of: step.seq),
                    share: step.share,
                    inheritors: kind == .model ? spread.inheritorCounts(ofModel: step.seq) : [:]))
        }
        return ErrorTrace(
            start: start, startAudit: findings.verdict(of: start.seq), errorType: findings.errorTypes[start.seq],
            direct: direct, training: training, weighted: reach.weighted)
    }
}
