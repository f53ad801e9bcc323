import GRDB
import RRMFormat

/// Which reached entries a lineage answer lists (counts always cover everything reached).
public struct LineageListing: Sendable {
    public var kind: EventKind?
    public var level: Int?
    /// Most entries listed; `nil` for all.
    public var limit: Int?

    public init(kind: EventKind? = nil, level: Int? = nil, limit: Int? = 200) {
        self.kind = kind
        self.level = level
        self.limit = limit
    }
}

/// The answer to a lineage question: what was reached, counted per level and kind, and the
/// listed entries with the links among them.
public struct LineageAnswer: Sendable {
    public let start: StoredEntry
    public let closure: LineageClosure
    /// Entries reached upstream (ancestors) and downstream (descendants), per level and kind.
    public let upstreamCounts: [Int: [EventKind: Int]]
    public let downstreamCounts: [Int: [EventKind: Int]]
    /// The listed steps, in breadth-first order (the start excluded).
    public let listed: [LineageClosure.Step]
    /// Whether the listing stopped at its limit.
    public let truncated: Bool
    /// The start and the listed entries, by sequence number.
    public let entries: [Int64: StoredEntry]
    /// The followed links among the start and the listed entries.
    public let links: [(child: Int64, role: LinkRole, parent: Int64)]
}

extension Ledger {
    /// Answers a lineage question about the entry `id`. Closures that follow training links can
    /// reach most of a ledger, so those load the whole graph into memory (`LineageGraph`); the
    /// others walk the edge indexes and touch only what they reach.
    /// - Throws: `LedgerError.unknownEntry` for an unknown id.
    public func lineage(of id: String, _ query: LineageQuery, listing: LineageListing = LineageListing()) throws(LedgerError)
        -> LineageAnswer
    {
        let start = try entry(id: id)
        let small = !query.via.contains(.training) || (query.maxDepth ?? .max) <= 2
        let walked:
            (LineageClosure, [Int: [EventKind: Int]], [Int: [EventKind: Int]], [(Int64, LinkRole, Int64)], [LineageClosure.Step], Bool)
        if small {
            walked = try read { db in try Self.walk(start: start, query, listing, try IndexedLineageSource(db)) }
        } else {
            let graph = try LineageGraph.load(from: self)
            do {
                walked = try Self.walk(start: start, query, listing, graph)
            } catch {
                throw LedgerError(error, path: path)
            }
        }
        let (closure, up, down, links, listed, truncated) = walked
        var wanted = Set(listed.map(\.seq))
        wanted.insert(start.seq)
        let entries = try self.entries(seqs: wanted)
        return LineageAnswer(
            start: start, closure: closure, upstreamCounts: up, downstreamCounts: down, listed: listed, truncated: truncated,
            entries: entries, links: links.map { (child: $0.0, role: $0.1, parent: $0.2) })
    }

    private static func walk(start: StoredEntry, _ query: LineageQuery, _ listing: LineageListing, _ source: some LineageSource) throws -> (
        LineageClosure, [Int: [EventKind: Int]], [Int: [EventKind: Int]], [(Int64, LinkRole, Int64)], [LineageClosure.Step], Bool
    ) {
        let closure = try LineageWalker.closure(of: start.seq, in: source, query)
        var up: [Int: [EventKind: Int]] = [:]
        var down: [Int: [EventKind: Int]] = [:]
        var listed: [LineageClosure.Step] = []
        var truncated = false
        for step in closure.steps.dropFirst() {
            let kind = try source.kind(of: step.seq)
            let level = try source.level(of: step.seq)
            if step.upstream { up[level, default: [:]][kind, default: 0] += 1 } else { down[level, default: [:]][kind, default: 0] += 1 }
            guard listing.kind.map({ $0 == kind }) ?? true, listing.level.map({ $0 == level }) ?? true else { continue }
            if let limit = listing.limit, listed.count >= limit {
                truncated = true
                continue
            }
            listed.append(step)
        }
        // The followed links among the start and the listed entries.
        var members = Set(listed.map(\.seq))
        members.insert(start.seq)
        var links: [(Int64, LinkRole, Int64)] = []
        for seq in members.sorted() {
            try source.forEachParent(of: seq) { parent, role in
                if members.contains(parent) && query.via.contains(role.linkClass) { links.append((seq, role, parent)) }
            }
        }
        return (closure, up, down, links, listed, truncated)
    }
}
