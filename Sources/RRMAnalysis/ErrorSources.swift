import Foundation
import RRMFormat
import RRMStore

/// A producer of evaluation entries — a critic model version at a level it critiqued, or the
/// raters of a level — and the errors it made beyond what its kind makes at the levels nearest
/// to it (docs/ANALYSIS.md, "Sources"). Sources are ranked by these estimated errors, so a
/// planted critic or a level of careless raters comes first whatever level it sits at (a ranking
/// by how far single errors reach always puts the lowest level first), and errors that merely
/// grow with level are no one source's.
public struct ErrorSource: Sendable {
    /// What kind of producer.
    public enum Producer: Sendable, Equatable {
        /// A model version critiquing a level's outputs.
        case critic(seq: Int64, id: String)
        /// The raters who labelled a level's outputs, together (one by one in `raters`).
        case raters
    }

    public let producer: Producer
    public let level: Int
    /// What it produced: critiques or labels.
    public var kind: EventKind { producer == .raters ? .label : .critique }
    /// Entries it produced, audited or not.
    public let entries: Int
    /// Its audited error rate, and that of the same kind's entries made by the other sources of
    /// its own level and the two nearest others (`comparisonLevels`), named in `comparedWith`.
    public let audit: Proportion
    public let rest: Proportion
    /// Whom it is compared with: "the raters of levels 1 and 3", "the other critics of levels 1–2".
    public let comparedWith: String
    /// Its rate minus the rest's, with Newcombe's interval and the z test (the claim's test).
    public let difference: RateDifference?
    /// Excess errors: `entries` × (its rate − the rest's), the errors it made beyond what the rest
    /// of its kind would have made on the same work; with the interval scaled alike.
    public let excess: Double
    public let excessInterval: ClosedRange<Double>
    /// For a critic: labels its wrong critiques made wrong — the labels shown one of its critiques,
    /// times its error rate, times the level's excess risk of a label shown a wrong critique; with
    /// a Jeffreys-posterior interval. `nil` for raters, or without paired audits to estimate it.
    public let induced: Double?
    public let inducedInterval: ClosedRange<Double>?

    /// What the source is ranked by: its excess errors. Induced errors are not added: every critic
    /// induces some wherever raters follow critiques at all, so adding them would rank any critic
    /// above a level of careless raters; they are shown beside the excess instead.
    public var rankedErrors: Double { excess }

    /// The estimand's name for tools: `source_excess:critic:2`, `source_excess:raters:0`.
    public var estimand: String { "source_excess:\(producer == .raters ? "raters" : "critic"):\(level)" }

    /// "policy-L0 critiquing level 1", "the raters of level 2".
    public var name: String {
        switch producer {
        case .critic(_, let id): return "\(id) critiquing level \(level)"
        case .raters: return "the raters of level \(level)"
        }
    }
}

extension ErrorSource {
    /// Every source of a ledger, ranked by `rankedErrors`, largest first.
    /// - Parameter modelIDs: model versions' ids by seq, to name the critics.
    static func rank(
        graph: LineageGraph, findings: AuditFindings, levels: [PropagationReport.Level], modelIDs: [Int64: String]
    ) -> [ErrorSource] {
        struct Key: Hashable { let critic: Int64; let level: Int }
        var critiqueEntries: [Key: Int] = [:]
        var critiqueAudits: [Key: Proportion] = [:]
        var shownBy: [Key: Int] = [:]
        var labelEntries: [Int: Int] = [:]
        var labelAudits: [Int: Proportion] = [:]
        var criticOf = [Int32](repeating: 0, count: graph.count + 1)
        for index in 1...max(1, graph.count) where index <= graph.count {
            let seq = Int64(index)
            let level = graph.level(of: seq)
            let audit = findings.verdict(of: seq).map { Proportion(events: $0 == .erroneous ? 1 : 0, trials: 1) } ?? .none
            switch graph.kind(of: seq) {
            case .critique:
                var critic: Int64 = 0
                graph.forEachParent(of: seq) { parent, role in if role == .critic { critic = parent } }
                criticOf[index] = Int32(critic)
                let key = Key(critic: critic, level: level)
                critiqueEntries[key, default: 0] += 1
                critiqueAudits[key, default: .none] = critiqueAudits[key, default: .none] + audit
            case .label:
                labelEntries[level, default: 0] += 1
                labelAudits[level, default: .none] = labelAudits[level, default: .none] + audit
                var critics = Set<Int64>()
                graph.forEachParent(of: seq) { parent, role in
                    if role == .assistedBy, criticOf[Int(parent)] != 0 { critics.insert(Int64(criticOf[Int(parent)])) }
                }
                for critic in critics { shownBy[Key(critic: critic, level: level), default: 0] += 1 }
            default: break
            }
        }
        let byLevel = Dictionary(levels.map { ($0.level, $0) }, uniquingKeysWith: { first, _ in first })
        var sources: [ErrorSource] = []
        for (key, entries) in critiqueEntries {
            let audit = critiqueAudits[key] ?? .none
            let (rest, comparedWith) = comparison(
                at: key.level, critiqueAudits.filter { $0.key != key }.map { (level: $0.key.level, audit: $0.value) },
                of: "the other critics")
            var induced: (Double, ClosedRange<Double>)?
            if let level = byLevel[key.level], level.shownWrong.trials > 0, level.shownRight.trials > 0, audit.trials > 0 {
                induced = inducedErrors(
                    shown: shownBy[key] ?? 0, critic: audit, level: level, seed: UInt64(key.critic) << 8 | UInt64(key.level & 0xFF))
            }
            sources.append(
                source(
                    .critic(seq: key.critic, id: modelIDs[key.critic] ?? "#\(key.critic)"), key.level, entries, audit, rest,
                    comparedWith, induced: induced))
        }
        for (level, entries) in labelEntries {
            let audit = labelAudits[level] ?? .none
            let (rest, comparedWith) = comparison(
                at: level, labelAudits.filter { $0.key != level }.map { (level: $0.key, audit: $0.value) }, of: "the raters")
            sources.append(source(.raters, level, entries, audit, rest, comparedWith, induced: nil))
        }
        // Largest first; equal estimates in level order, critics before raters, then by name, so
        // the order never depends on a dictionary's.
        return sources.sorted {
            if $0.rankedErrors != $1.rankedErrors { return $0.rankedErrors > $1.rankedErrors }
            return ($0.level, $0.producer == .raters ? 1 : 0, $0.name) < ($1.level, $1.producer == .raters ? 1 : 0, $1.name)
        }
    }

    /// The levels a source at `level` is compared with, among `candidates` (levels where other
    /// sources of its kind have audits): its own and the two nearest others — both neighbours
    /// inside the recursion, the next two at either end — so that errors which grow steadily with
    /// level (harder outputs, critics trained on worse labels) are a small excess for everyone, a
    /// level that stands out from those near it is a large one, and every source is compared with
    /// about as many audits. The simulator's truth uses the same rule.
    public static func comparisonLevels(at level: Int, among candidates: Set<Int>) -> Set<Int> {
        let nearest = candidates.subtracting([level]).sorted { (abs($0 - level), $0) < (abs($1 - level), $1) }.prefix(2)
        return Set(nearest).union(candidates.contains(level) ? [level] : [])
    }

    /// What a source at `level` is compared with: the pooled audits of the other sources of its
    /// kind at `comparisonLevels`, and how to name them.
    static func comparison(at level: Int, _ others: [(level: Int, audit: Proportion)], of whom: String) -> (Proportion, String) {
        let audited = others.filter { $0.audit.trials > 0 }
        let wanted = comparisonLevels(at: level, among: Set(audited.map(\.level)))
        let chosen = audited.filter { wanted.contains($0.level) }
        let levels = wanted.sorted()
        let named: String
        switch levels.count {
        case 0: named = "\(whom) (none audited)"
        case 1: named = "\(whom) of level \(levels[0])"
        case 2: named = "\(whom) of levels \(levels[0]) and \(levels[1])"
        default:
            let contiguous = levels.last! - levels.first! == levels.count - 1
            named =
                "\(whom) of levels " + (contiguous ? "\(levels.first!)–\(levels.last!)" : levels.map(String.init).joined(separator: ", "))
        }
        return (chosen.map(\.audit).reduce(Proportion.none, +), named)
    }

    private static func source(
        _ producer: Producer, _ level: Int, _ entries: Int, _ audit: Proportion, _ rest: Proportion, _ comparedWith: String,
        induced: (Double, ClosedRange<Double>)?
    ) -> ErrorSource {
        let difference = RateDifference.of(audit, rest)
        let n = Double(entries)
        return ErrorSource(
            producer: producer, level: level, entries: entries, audit: audit, rest: rest, comparedWith: comparedWith,
            difference: difference,
            excess: n * (difference?.estimate ?? 0),
            excessInterval: difference.map { n * $0.interval.lowerBound...n * $0.interval.upperBound } ?? -n...n,
            induced: induced?.0, inducedInterval: induced?.1)
    }

    /// Labels made wrong by a critic's wrong critiques: shown × q × (p₁ − p₀), where q is the
    /// critic's error rate and p₁, p₀ the level's label error rates when shown a wrong and a right
    /// critique (paired audits). The interval is the equal-tailed 95% interval of the product over
    /// the three rates' Jeffreys posteriors.
    static func inducedErrors(shown: Int, critic: Proportion, level: PropagationReport.Level, seed: UInt64)
        -> (Double, ClosedRange<Double>)
    {
        let n = Double(shown)
        let estimate = n * critic.rate * (level.shownWrong.rate - level.shownRight.rate)
        var posterior = JeffreysPosterior(seed: seed)
        let interval = posterior.interval { draw in
            n * draw.draw(critic) * (draw.draw(level.shownWrong) - draw.draw(level.shownRight))
        }
        return (estimate, interval)
    }
}
