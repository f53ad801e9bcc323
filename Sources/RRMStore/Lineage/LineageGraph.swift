import Foundation
import GRDB
import RRMFormat

/// The whole lineage graph in memory, as compact arrays indexed by sequence number: each entry's
/// kind and level, and its parents and children (compressed sparse rows) with the role of each
/// link. About 20 bytes per entry and per link, so a million-entry ledger takes some 60 MB, and
/// walking all of it takes milliseconds. Loaded with two sequential scans (entries and edges),
/// run side by side.
///
/// Sequence numbers are `Int32`: a ledger of more than two billion entries would need wider ones.
public final class LineageGraph: LineageSource, Sendable {
    /// Entries 1…count; index 0 of every per-entry array is unused.
    public let count: Int
    let kinds: [UInt8]
    let levels: [Int32]
    let parentOffsets: [Int32]
    let parentSeqs: [Int32]
    let parentRoles: [UInt8]
    let childOffsets: [Int32]
    let childSeqs: [Int32]
    let childRoles: [UInt8]

    /// Builds a graph from already-loaded columns (tests build small graphs this way).
    /// - Parameter edges: (child, role code, parent) triples.
    init(kinds: [UInt8], levels: [Int32], edges: [(Int32, UInt8, Int32)]) {
        count = kinds.count - 1
        self.kinds = kinds
        self.levels = levels
        (parentOffsets, parentSeqs, parentRoles) = Self.rows(count: count, edges, reversed: false)
        (childOffsets, childSeqs, childRoles) = Self.rows(count: count, edges, reversed: true)
    }

    /// Compressed sparse rows from (child, role, parent) triples: by child, or by parent when reversed.
    private static func rows(count: Int, _ triples: [(Int32, UInt8, Int32)], reversed: Bool) -> ([Int32], [Int32], [UInt8]) {
        var offsets = [Int32](repeating: 0, count: count + 2)
        for (child, _, parent) in triples { offsets[Int(reversed ? parent : child) + 1] += 1 }
        for index in 1..<offsets.count { offsets[index] += offsets[index - 1] }
        var next = offsets
        var targets = [Int32](repeating: 0, count: triples.count)
        var roles = [UInt8](repeating: 0, count: triples.count)
        for (child, role, parent) in triples {
            let from = Int(reversed ? parent : child)
            let slot = Int(next[from])
            targets[slot] = reversed ? child : parent
            roles[slot] = role
            next[from] += 1
        }
        return (offsets, targets, roles)
    }

    /// Loads the graph of a ledger.
    public static func load(from ledger: Ledger) throws(LedgerError) -> LineageGraph {
        let path = ledger.path
        let lastSeq = try ledger.read { db in try Int64.fetchOne(db, sql: "SELECT max(seq) FROM entry") ?? 0 }
        guard lastSeq < Int64(Int32.max) else {
            throw .database(detail: "the ledger has more entries than the lineage graph can hold (2^31)")
        }
        let count = Int(lastSeq)
        let roleCodes = Dictionary(uniqueKeysWithValues: LinkRole.allCases.map { ($0.rawValue, $0.code) })

        /// What each of the two scans reads: the nodes, or the edges.
        struct Scan: Sendable {
            var kinds: [UInt8] = []
            var levels: [Int32] = []
            var edges: [(Int32, UInt8, Int32)] = []
        }
        let scans = try ParallelJobs.collect(2) { part throws(LedgerError) -> Scan in
            do {
                let reader = try Ledger.open(at: path, readOnly: true)
                return try reader.read { db in
                    if part == 0 {
                        var kinds = [UInt8](repeating: 0, count: count + 1)
                        var levels = [Int32](repeating: 0, count: count + 1)
                        let rows = try RawStatement(db, "SELECT seq, kind, level FROM entry WHERE seq <= ?")
                        rows.bind(1, lastSeq)
                        while try rows.step() {
                            let seq = Int(rows.int64(0))
                            kinds[seq] = EventKind(rawValue: rows.string(1))?.code ?? 0
                            levels[seq] = Int32(clamping: rows.int64(2))
                        }
                        return Scan(kinds: kinds, levels: levels)
                    } else {
                        var loaded: [(Int32, UInt8, Int32)] = []
                        loaded.reserveCapacity(count * 3)
                        let rows = try RawStatement(db, "SELECT child, role, parent FROM edge WHERE child <= ?")
                        rows.bind(1, lastSeq)
                        while try rows.step() {
                            loaded.append((Int32(rows.int64(0)), roleCodes[rows.string(1)] ?? 0, Int32(rows.int64(2))))
                        }
                        return Scan(edges: loaded)
                    }
                }
            } catch {
                throw LedgerError(error, path: path)
            }
        }
        return LineageGraph(kinds: scans[0].kinds, levels: scans[0].levels, edges: scans[1].edges)
    }

    // MARK: - Reading

    /// Whether `seq` names an entry of this graph.
    public func contains(_ seq: Int64) -> Bool { seq >= 1 && seq <= Int64(count) && kinds[Int(seq)] != 0 }

    public func kind(of seq: Int32) -> EventKind { EventKind(code: kinds[Int(seq)]) ?? .model }
    public func level(of seq: Int32) -> Int { Int(levels[Int(seq)]) }

    /// Calls `body` with each parent of `seq` (an entry it references) and the link's role.
    @inline(__always)
    public func forEachParent(of seq: Int32, _ body: (Int32, LinkRole) throws -> Void) rethrows {
        for slot in Int(parentOffsets[Int(seq)])..<Int(parentOffsets[Int(seq) + 1]) {
            try body(parentSeqs[slot], LinkRole(code: parentRoles[slot]) ?? .about)
        }
    }

    /// Calls `body` with each child of `seq` (an entry that references it) and the link's role.
    @inline(__always)
    public func forEachChild(of seq: Int32, _ body: (Int32, LinkRole) throws -> Void) rethrows {
        for slot in Int(childOffsets[Int(seq)])..<Int(childOffsets[Int(seq) + 1]) {
            try body(childSeqs[slot], LinkRole(code: childRoles[slot]) ?? .about)
        }
    }

    /// The parents of `seq`, with their roles.
    public func parents(of seq: Int32) -> [(seq: Int32, role: LinkRole)] {
        var result: [(Int32, LinkRole)] = []
        forEachParent(of: seq) { result.append(($0, $1)) }
        return result
    }

    /// The children of `seq`, with their roles.
    public func children(of seq: Int32) -> [(seq: Int32, role: LinkRole)] {
        var result: [(Int32, LinkRole)] = []
        forEachChild(of: seq) { result.append(($0, $1)) }
        return result
    }

    /// Number of links in the graph.
    public var linkCount: Int { parentSeqs.count }
}

extension EventKind {
    /// A one-byte code for compact per-entry arrays (0 means "no entry").
    var code: UInt8 { UInt8(ordinal + 1) }

    private static let byCode: [EventKind] = allCases

    init?(code: UInt8) {
        guard code >= 1 && Int(code) <= Self.byCode.count else { return nil }
        self = Self.byCode[Int(code) - 1]
    }
}

extension LinkRole {
    /// A one-byte code for compact link arrays.
    var code: UInt8 { Self.codes[self]! }

    private static let byCode: [LinkRole] = allCases
    private static let codes: [LinkRole: UInt8] = Dictionary(uniqueKeysWithValues: allCases.enumerated().map { ($1, UInt8($0 + 1)) })

    init?(code: UInt8) {
        guard code >= 1 && Int(code) <= Self.byCode.count else { return nil }
        self = Self.byCode[Int(code) - 1]
    }
}
