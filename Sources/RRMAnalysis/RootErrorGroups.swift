import Foundation
import RRMFormat
import RRMStore

/// Known errors of one class — the same kind at the same level, made by the same producer, with
/// the same error type — and how far they reach together (docs/ANALYSIS.md, section 11, "Root
/// errors"). Hundreds of single errors that tie at one radius are one row, not a list ordered by
/// sequence number.
public struct RootErrorGroup: Sendable {
    public let kind: EventKind
    public let level: Int
    /// Who made them: the critic's or the model's id, or "raters" for labels.
    public let producer: String
    public let errorType: String?
    /// Known errors in the group.
    public let count: Int
    /// The largest and smallest single radius, and their sum: the group's reach together.
    public let largestRadius: Double
    public let smallestRadius: Double
    public let totalRadius: Double
    /// The first few, by sequence number, for `trace`; their ids once `PropagationAnalysis` has
    /// looked them up.
    public let exampleSeqs: [Int64]
    public internal(set) var examples: [String] = []

    /// The single radius as people read it: "3.8", or "0–3.8" when they differ at 3 digits.
    public var radiusRange: String {
        let small = String(format: "%.3g", smallestRadius)
        let large = String(format: "%.3g", largestRadius)
        return small == large ? large : "\(small)–\(large)"
    }

    /// "level 1 critiques by policy-L0, hallucinated_flaw".
    public var name: String {
        "level \(level) \(kind.rawValue)s by \(producer)\(errorType.map { ", \($0)" } ?? "")"
    }
}

extension RootErrorGroup {
    /// Groups root errors one at a time, keeping each group's running figures only, so that a
    /// ledger with hundreds of thousands of root errors costs one small record per group, not one
    /// reach per error.
    struct Tally {
        private struct Key: Hashable {
            let kind: EventKind
            let level: Int
            let producer: String
            let errorType: String?
        }
        private struct Figures {
            var count = 0
            var largest = -Double.infinity
            var smallest = Double.infinity
            var total = 0.0
            /// The smallest sequence numbers seen, ascending, at most three.
            var examples: [Int64] = []
        }
        private var figures: [Key: Figures] = [:]

        /// Adds the root error `seq`, whose radius is `radius`.
        mutating func add(
            _ seq: Int64, radius: Double, graph: LineageGraph, errorType: String?, producerName: (Int64) -> String
        ) {
            let kind = graph.kind(of: seq)
            var producer = kind == .label ? "raters" : ""
            if kind != .label {
                graph.forEachParent(of: seq) { parent, role in
                    if role == .critic || role == .model { producer = producerName(parent) }
                }
            }
            let key = Key(
                kind: kind, level: graph.level(of: seq), producer: producer.isEmpty ? "unknown" : producer, errorType: errorType)
            var group = figures[key, default: Figures()]
            group.count += 1
            group.largest = max(group.largest, radius)
            group.smallest = min(group.smallest, radius)
            group.total += radius
            if group.examples.count < 3 || seq < group.examples[2] {
                group.examples.insert(seq, at: group.examples.firstIndex { $0 > seq } ?? group.examples.count)
                if group.examples.count > 3 { group.examples.removeLast() }
            }
            figures[key] = group
        }

        /// Every group, largest total reach first (ties: more errors first, then by name).
        var groups: [RootErrorGroup] {
            figures.map { key, group in
                RootErrorGroup(
                    kind: key.kind, level: key.level, producer: key.producer, errorType: key.errorType, count: group.count,
                    largestRadius: group.largest, smallestRadius: group.smallest, totalRadius: group.total,
                    exampleSeqs: group.examples)
            }.sorted {
                if $0.totalRadius != $1.totalRadius { return $0.totalRadius > $1.totalRadius }
                if $0.count != $1.count { return $0.count > $1.count }
                return $0.name < $1.name
            }
        }
    }
}
