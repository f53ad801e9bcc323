import RRMFormat

/// Which way a lineage query walks.
public enum LineageDirection: String, Sendable, CaseIterable {
    /// Ancestors: what influenced the entry.
    case up
    /// Descendants: what the entry influenced.
    case down
    /// Both.
    case both
}

/// What a lineage query follows and how far.
public struct LineageQuery: Sendable {
    public var direction: LineageDirection
    /// Link classes to follow (evaluation, training, version, audit).
    public var via: Set<LinkClass>
    /// Most links from the start; `nil` for no limit.
    public var maxDepth: Int?

    public init(direction: LineageDirection, via: Set<LinkClass> = Set(LinkClass.allCases), maxDepth: Int? = nil) {
        self.direction = direction
        self.via = via
        self.maxDepth = maxDepth
    }
}

/// The entries a lineage query reached, each with its distance from the start and the link it
/// was first reached through, so that a path back to the start can be told for any of them.
public struct LineageClosure: Sendable {
    /// One reached entry.
    public struct Step: Sendable, Equatable {
        public let seq: Int64
        public let depth: Int
        /// The entry it was reached from, and the link's role; `nil` for the start.
        public let from: Int64?
        public let role: LinkRole?
        /// Whether it lies upstream (an ancestor) of the start.
        public let upstream: Bool
    }

    public let start: Int64
    /// Reached entries in breadth-first order, the start first.
    public let steps: [Step]

    /// Entries reached, the start excluded.
    public var count: Int { steps.count - 1 }

    /// Entries reached per level and kind, the start excluded.
    package func counts(in source: some LineageSource) throws -> [Int: [EventKind: Int]] {
        var counts: [Int: [EventKind: Int]] = [:]
        for step in steps.dropFirst() {
            counts[try source.level(of: step.seq), default: [:]][try source.kind(of: step.seq), default: 0] += 1
        }
        return counts
    }

    /// The path from the start to `seq`, as steps, start first.
    public func path(to seq: Int64) -> [Step] {
        let bySeq = Dictionary(steps.map { ($0.seq, $0) }, uniquingKeysWith: { first, _ in first })
        var path: [Step] = []
        var current = bySeq[seq]
        while let step = current {
            path.append(step)
            current = step.from.flatMap { bySeq[$0] }
        }
        return path.reversed()
    }
}

/// The one graph walker every lineage question goes through: breadth-first from one entry (or
/// several), following only the link classes asked for, up, down or both.
package enum LineageWalker {
    /// The closure of `start` under `query`.
    package static func closure(of start: Int64, in source: some LineageSource, _ query: LineageQuery) throws -> LineageClosure {
        var steps = [LineageClosure.Step(seq: start, depth: 0, from: nil, role: nil, upstream: false)]
        var seen = Set<Int64>([start])
        if query.direction != .down { try walk(from: [start], upstream: true, source, query, &steps, &seen) }
        if query.direction != .up { try walk(from: [start], upstream: false, source, query, &steps, &seen) }
        return LineageClosure(start: start, steps: steps)
    }

    /// What several entries reach together, walking from all of them at once (the analysis's
    /// exposure: every entry reached from any seed, with the one it was first reached from). The
    /// starts themselves are not among the steps unless one reaches another.
    package static func closure(ofAll starts: [Int64], in source: some LineageSource, _ query: LineageQuery) throws -> [LineageClosure.Step]
    {
        var steps: [LineageClosure.Step] = []
        var seen = Set(starts)
        if query.direction != .down { try walk(from: starts, upstream: true, source, query, &steps, &seen, revisitStarts: true) }
        if query.direction != .up { try walk(from: starts, upstream: false, source, query, &steps, &seen, revisitStarts: true) }
        return steps
    }

    /// Breadth first from `starts`, one direction, appending each newly reached entry to `steps`.
    /// With `revisitStarts`, a start reached from another start is recorded (once) too.
    private static func walk(
        from starts: [Int64], upstream: Bool, _ source: some LineageSource, _ query: LineageQuery,
        _ steps: inout [LineageClosure.Step], _ seen: inout Set<Int64>, revisitStarts: Bool = false
    ) throws {
        let startSet = revisitStarts ? Set(starts) : []
        var reachedStarts = Set<Int64>()
        var frontier = starts
        var depth = 0
        let classes = LinkClass.allCases.map { query.via.contains($0) }
        while !frontier.isEmpty {
            if let maxDepth = query.maxDepth, depth >= maxDepth { return }
            depth += 1
            var next: [Int64] = []
            for seq in frontier {
                let visit = { (neighbour: Int64, role: LinkRole) in
                    guard classes[role.linkClass.ordinal] else { return }
                    if seen.insert(neighbour).inserted {
                        steps.append(LineageClosure.Step(seq: neighbour, depth: depth, from: seq, role: role, upstream: upstream))
                        next.append(neighbour)
                    } else if startSet.contains(neighbour), reachedStarts.insert(neighbour).inserted {
                        steps.append(LineageClosure.Step(seq: neighbour, depth: depth, from: seq, role: role, upstream: upstream))
                    }
                }
                if upstream { try source.forEachParent(of: seq, visit) } else { try source.forEachChild(of: seq, visit) }
            }
            frontier = next
        }
    }
}

extension LinkClass {
    /// Position in `allCases`, for per-class tables.
    var ordinal: Int {
        switch self {
        case .evaluation: return 0
        case .training: return 1
        case .version: return 2
        case .audit: return 3
        }
    }
}
