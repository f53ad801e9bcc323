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
    /// Groups every root error, largest total reach first (ties: more errors first, then by name).
    static func groups(
        _ roots: [TrainingSpread.Reach], graph: LineageGraph, errorTypes: (Int64) -> String?, producerName: (Int64) -> String
    ) -> [RootErrorGroup] {
        struct Key: Hashable {
            let kind: EventKind
            let level: Int
            let producer: String
            let errorType: String?
        }
        var members: [Key: [TrainingSpread.Reach]] = [:]
        for root in roots {
            let kind = graph.kind(of: root.seq)
            var producer = kind == .label ? "raters" : ""
            if kind != .label {
                graph.forEachParent(of: root.seq) { parent, role in
                    if role == .critic || role == .model { producer = producerName(parent) }
                }
            }
            let key = Key(
                kind: kind, level: graph.level(of: root.seq), producer: producer.isEmpty ? "unknown" : producer,
                errorType: errorTypes(root.seq))
            members[key, default: []].append(root)
        }
        return members.map { key, roots in
            let radii = roots.map(\.radius)
            return RootErrorGroup(
                kind: key.kind, level: key.level, producer: key.producer, errorType: key.errorType, count: roots.count,
                largestRadius: radii.max() ?? 0, smallestRadius: radii.min() ?? 0, totalRadius: radii.reduce(0, +),
                exampleSeqs: Array(roots.map(\.seq).sorted().prefix(3)))
        }.sorted {
            if $0.totalRadius != $1.totalRadius { return $0.totalRadius > $1.totalRadius }
            if $0.count != $1.count { return $0.count > $1.count }
            return $0.name < $1.name
        }
    }
}
