import Foundation
import GRDB
import RRMFormat

/// The whole lineage graph in memory, as compact arrays indexed by sequence number: each entry's
/// kind and level, and its parents and children (compressed sparse rows) with the role of each
/// link. 13 bytes per entry and 10 per link: the simulator's pipelines have 1.8 links per entry,
/// so a million entries hold about 31 MB, and walking all of it takes milliseconds. Loaded with
/// two sequential scans run side by side, the entries and the edges in key order; the edges go
/// straight into the parents' rows, and the children's are derived from those.
///
/// Its API speaks `Int64`, the type of every sequence number; the arrays hold them as `Int32`,
/// which halves the graph's memory: a ledger of more than two billion entries would need wider ones.
package final class LineageGraph: LineageSource, Sendable {
    /// Entries 1…count; index 0 of every per-entry array is unused.
    package let count: Int
    /// A Swift enum without payloads is one byte: kinds and roles are kept as themselves.
    let kinds: [EventKind]
    let levels: [Int32]
    let parentOffsets: [Int32]
    let parentSeqs: [Int32]
    let parentRoles: [LinkRole]
    let childOffsets: [Int32]
    let childSeqs: [Int32]
    let childRoles: [LinkRole]

    /// Builds a graph from already-loaded and checked columns: every entry 1…count present, and
    /// each entry's parents as compressed sparse rows (`parentOffsets[seq]..<parentOffsets[seq + 1]`
    /// of `parentSeqs` and `parentRoles`). The children's rows are derived from them, so no list
    /// of links is ever held beside the graph (at 10M entries that list was 360 MB).
    init(kinds: [EventKind], levels: [Int32], parentOffsets: [Int32], parentSeqs: [Int32], parentRoles: [LinkRole]) {
        count = kinds.count - 1
        self.kinds = kinds
        self.levels = levels
        self.parentOffsets = parentOffsets
        self.parentSeqs = parentSeqs
        self.parentRoles = parentRoles
        // A counting sort by parent; children of one parent come in increasing sequence order.
        var offsets = [Int32](repeating: 0, count: count + 2)
        for parent in parentSeqs { offsets[Int(parent) + 1] += 1 }
        for index in 1..<offsets.count { offsets[index] += offsets[index - 1] }
        var next = offsets
        var children = [Int32](repeating: 0, count: parentSeqs.count)
        var roles = [LinkRole](repeating: .about, count: parentSeqs.count)
        for child in 0...count {
            for slot in Int(parentOffsets[child])..<Int(parentOffsets[child + 1]) {
                let parent = Int(parentSeqs[slot])
                children[Int(next[parent])] = Int32(child)
                roles[Int(next[parent])] = parentRoles[slot]
                next[parent] += 1
            }
        }
        childOffsets = offsets
        childSeqs = children
        childRoles = roles
    }

    /// Loads the graph of a ledger.
    /// - Parameter through: the last entry to load (an analysis of a verified head loads exactly
    ///   the verified entries, whatever is appended meanwhile); all of them when `nil`.
    package static func load(from ledger: Ledger, through: Int64? = nil) throws(LedgerError) -> LineageGraph {
        let path = ledger.path
        let stored = try ledger.read { db in try Int64.fetchOne(db, sql: "SELECT max(seq) FROM entry") ?? 0 }
        let lastSeq = through.map { min($0, stored) } ?? stored
        guard lastSeq >= 0 else {
            throw .malformedRow(table: "entry", row: lastSeq, column: "seq", problem: "sequence numbers start at 1")
        }
        guard lastSeq < Int64(Int32.max) else {
            throw .tooManyEntriesForLineage(entries: lastSeq, limit: Int64(Int32.max) - 1)
        }
        let count = Int(lastSeq)
        /// What each of the two scans reads: the nodes, or the edges.
        struct Scan: Sendable {
            var kinds: [EventKind] = []
            var levels: [Int32] = []
            var parentOffsets: [Int32] = []
            var parentSeqs: [Int32] = []
            var parentRoles: [LinkRole] = []
        }
        let scans = try ParallelJobs.collect(2) { part throws(LedgerError) -> Scan in
            do {
                let reader = try Ledger.open(at: path, readOnly: true)
                return try reader.read { db in
                    if part == 0 {
                        var kinds = [EventKind](repeating: .model, count: count + 1)
                        var levels = [Int32](repeating: 0, count: count + 1)
                        let rows = try RawStatement(
                            db,
                            "SELECT e.seq, e.kind, l.level FROM entry e LEFT JOIN entry_level l ON l.seq = e.seq WHERE e.seq <= ? ORDER BY e.seq"
                        )
                        rows.bind(1, lastSeq)
                        defer { rows.reset() }
                        var expected: Int64 = 1
                        while try rows.step() {
                            let seq = rows.int64(0)
                            guard seq >= expected else {
                                throw LedgerError.malformedRow(
                                    table: "entry", row: seq, column: "seq", problem: "sequence numbers start at 1 (the file was edited)")
                            }
                            guard seq == expected else {
                                throw LedgerError.malformedRow(
                                    table: "entry", row: seq, column: "seq",
                                    problem: "entries \(expected)…\(seq - 1) are missing: the lineage graph needs them all")
                            }
                            expected += 1
                            guard !rows.isNull(2) else { throw LedgerError.missingLevel(seq: seq) }
                            kinds[Int(seq)] = try EventKind(stored: rows.string(1), row: seq)
                            levels[Int(seq)] = try storedLevel(rows.storedInteger(2, "level", table: "entry_level", row: seq), row: seq)
                        }
                        return Scan(kinds: kinds, levels: levels)
                    } else {
                        // In the table's key order (child, role, parent): each entry's parents
                        // arrive together, so they go straight into the graph's rows.
                        var offsets = [Int32](repeating: 0, count: count + 2)
                        var parents: [Int32] = []
                        var roles: [LinkRole] = []
                        let rows = try RawStatement(
                            db, "SELECT child, role, parent FROM edge WHERE child <= ? ORDER BY child, role, parent")
                        rows.bind(1, lastSeq)
                        defer { rows.reset() }
                        while try rows.step() {
                            let child = try rows.storedInteger(0, "child", table: "edge", row: 0)
                            let parent = try rows.storedInteger(2, "parent", table: "edge", row: child)
                            // A link points back to an earlier entry (FORMAT.md); anything else
                            // would index outside the graph.
                            guard child >= 1, parent >= 1, parent < child else {
                                throw LedgerError.malformedRow(
                                    table: "edge", row: child, column: "parent",
                                    problem: "a link from entry \(child) to entry \(parent): links point from 1… to an earlier entry")
                            }
                            offsets[Int(child) + 1] += 1
                            parents.append(Int32(parent))
                            roles.append(try LinkRole(stored: rows.string(1), row: child))
                        }
                        for index in 1..<offsets.count { offsets[index] += offsets[index - 1] }
                        // Appending doubled the capacity as it went: keep exact copies (at 10M
                        // entries, 76 MB of spare capacity).
                        return Scan(parentOffsets: offsets, parentSeqs: exactCopy(parents), parentRoles: exactCopy(roles))
                    }
                }
            } catch {
                throw LedgerError(error, path: path)
            }
        }
        return LineageGraph(
            kinds: scans[0].kinds, levels: scans[0].levels, parentOffsets: scans[1].parentOffsets, parentSeqs: scans[1].parentSeqs,
            parentRoles: scans[1].parentRoles)
    }

    /// A copy of `array` whose capacity is its count.
    private static func exactCopy<Element>(_ array: [Element]) -> [Element] {
        [Element](unsafeUninitializedCapacity: array.count) { buffer, initialized in
            initialized = buffer.initialize(fromContentsOf: array)
        }
    }

    // MARK: - Reading

    /// Whether `seq` names an entry of this graph.
    package func contains(_ seq: Int64) -> Bool { seq >= 1 && seq <= Int64(count) }

    package func kind(of seq: Int64) -> EventKind { kinds[Int(seq)] }
    package func level(of seq: Int64) -> Int { Int(levels[Int(seq)]) }

    /// Calls `body` with each parent of `seq` (an entry it references) and the link's role.
    @inline(__always)
    package func forEachParent(of seq: Int64, _ body: (Int64, LinkRole) throws -> Void) rethrows {
        for slot in Int(parentOffsets[Int(seq)])..<Int(parentOffsets[Int(seq) + 1]) {
            try body(Int64(parentSeqs[slot]), parentRoles[slot])
        }
    }

    /// Calls `body` with each child of `seq` (an entry that references it) and the link's role.
    @inline(__always)
    package func forEachChild(of seq: Int64, _ body: (Int64, LinkRole) throws -> Void) rethrows {
        for slot in Int(childOffsets[Int(seq)])..<Int(childOffsets[Int(seq) + 1]) {
            try body(Int64(childSeqs[slot]), childRoles[slot])
        }
    }

    /// The parents of `seq`, with their roles.
    package func parents(of seq: Int64) -> [(seq: Int64, role: LinkRole)] {
        var result: [(Int64, LinkRole)] = []
        forEachParent(of: seq) { result.append(($0, $1)) }
        return result
    }

    /// The children of `seq`, with their roles.
    package func children(of seq: Int64) -> [(seq: Int64, role: LinkRole)] {
        var result: [(Int64, LinkRole)] = []
        forEachChild(of: seq) { result.append(($0, $1)) }
        return result
    }

    /// Number of links in the graph.
    package var linkCount: Int { parentSeqs.count }
}
