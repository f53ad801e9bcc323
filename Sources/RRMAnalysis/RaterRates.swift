import Foundation
import GRDB
import RRMFormat
import RRMStore

/// Each rater's audited error rate at one level, and the test that the level's raters all err at
/// the same rate (docs/ANALYSIS.md, "Raters"). The report makes one claim per level about its
/// raters — that they differ — rather than one per rater, so that forty raters do not spend the
/// family's error budget; the per-rater rates are shown with their intervals as description.
public struct RaterRates: Sendable {
    public let level: Int
    /// Audited labels per rater, by rater name, most audited first.
    public let raters: [(rater: String, audit: Proportion)]
    /// Pearson's χ² statistic across the raters with audited labels.
    public let statistic: Double
    public let degreesOfFreedom: Int
    /// Its p-value: from the χ² distribution when every rater's expected errors and non-errors
    /// are at least 5 (Cochran's rule), else from 1,999 seeded permutations of the audited
    /// labels' verdicts among the raters (exact in level whatever the cell sizes).
    public let pValue: Double
    public let permuted: Bool

    /// Permutations for the Monte Carlo p-value.
    static let permutations = 1_999

    /// The rates and tests of every level with audited labels of two or more raters.
    static func load(from ledger: Ledger, graph: LineageGraph, findings: AuditFindings) throws(LedgerError) -> [RaterRates] {
        // Only audited labels matter: read their raters (the body's `rater`), not every label's.
        let rows: [(seq: Int64, rater: String)] = try ledger.read { db in
            var rows: [(seq: Int64, rater: String)] = []
            let statement = try RawStatement(
                db,
                """
                SELECT l.seq, json_extract(l.body, '$.rater') FROM entry l
                WHERE l.kind = 'label' AND l.seq IN (SELECT parent FROM edge WHERE role = 'about' AND child <= ?) ORDER BY l.seq
                """)
            statement.bind(1, Int64(graph.count))
            while try statement.step() {
                guard !statement.isNull(1) else { continue }
                rows.append((seq: statement.int64(0), rater: statement.string(1)))
            }
            statement.reset()
            return rows
        }
        var byLevel: [Int: [String: [Bool]]] = [:]
        for row in rows where graph.contains(row.seq) {
            guard let verdict = findings.verdict(of: row.seq) else { continue }
            byLevel[graph.level(of: row.seq), default: [:]][row.rater, default: []].append(verdict == .erroneous)
        }
        return byLevel.keys.sorted().compactMap { level in of(level: level, verdicts: byLevel[level]!) }
    }

    /// The rates and test of one level from each rater's audited verdicts (true: erroneous).
    static func of(level: Int, verdicts: [String: [Bool]]) -> RaterRates? {
        let names = verdicts.keys.sorted()
        guard names.count >= 2 else { return nil }
        let groups = names.map { name in Proportion(events: verdicts[name]!.filter { $0 }.count, trials: verdicts[name]!.count) }
        let pooled = groups.reduce(Proportion.none, +)
        let rate = pooled.rate
        let raters = zip(names, groups).map { (rater: $0, audit: $1) }.sorted { ($0.audit.trials, $1.rater) > ($1.audit.trials, $0.rater) }
        guard rate > 0, rate < 1 else {
            return RaterRates(level: level, raters: raters, statistic: 0, degreesOfFreedom: names.count - 1, pValue: 1, permuted: false)
        }
        let observed = Homogeneity.of(groups)?.statistic ?? 0
        let df = names.count - 1
        let large = groups.allSatisfy { Double($0.trials) * min(rate, 1 - rate) >= 5 }
        if large {
            return RaterRates(
                level: level, raters: raters, statistic: observed, degreesOfFreedom: df, pValue: chiSquareSurvival(observed, df),
                permuted: false)
        }
        // Shuffle the verdicts among the raters' labels (group sizes fixed) and count how often
        // the statistic is at least as large as observed.
        var pool = names.flatMap { verdicts[$0]! }
        let sizes = groups.map(\.trials)
        var random = SplitMix64(seed: 0x5241_5445_5200 &+ UInt64(level))
        var atLeast = 0
        for _ in 0..<permutations {
            pool.shuffle(using: &random)
            var events: [Int] = []
            events.reserveCapacity(sizes.count)
            var start = 0
            for size in sizes {
                var count = 0
                for i in start..<(start + size) where pool[i] { count += 1 }
                events.append(count)
                start += size
            }
            let statistic = Homogeneity.of(zip(events, sizes).map { Proportion(events: $0, trials: $1) })?.statistic ?? 0
            if statistic >= observed - 1e-9 { atLeast += 1 }
        }
        return RaterRates(
            level: level, raters: raters, statistic: observed, degreesOfFreedom: df,
            pValue: Double(atLeast + 1) / Double(permutations + 1), permuted: true)
    }
}
