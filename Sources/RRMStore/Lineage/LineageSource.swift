import GRDB
import RRMFormat

/// Where the walker reads links from: the whole graph in memory (`LineageGraph`, for closures
/// that may reach most of the ledger and for the analysis), or the ledger's edge indexes one
/// entry at a time (`IndexedLineageSource`, for small closures, answered in milliseconds
/// without loading anything).
package protocol LineageSource {
    func kind(of seq: Int64) throws -> EventKind
    func level(of seq: Int64) throws -> Int
    /// Calls `body` with each entry `seq` references, and the link's role.
    func forEachParent(of seq: Int64, _ body: (Int64, LinkRole) throws -> Void) throws
    /// Calls `body` with each entry that references `seq`, and the link's role.
    func forEachChild(of seq: Int64, _ body: (Int64, LinkRole) throws -> Void) throws
}

/// Links read through the `edge` table's two indexes, inside one read transaction.
final class IndexedLineageSource: LineageSource {
    private let parents: RawStatement
    private let children: RawStatement
    private let entry: RawStatement
    private var nodes: [Int64: (kind: EventKind, level: Int)] = [:]

    init(_ db: Database) throws {
        parents = try RawStatement(
            db,
            """
            SELECT e.parent, e.role, p.kind, l.level FROM edge e JOIN entry p ON p.seq = e.parent
            LEFT JOIN entry_level l ON l.seq = e.parent WHERE e.child = ?
            """)
        children = try RawStatement(
            db,
            """
            SELECT e.child, e.role, c.kind, l.level FROM edge e JOIN entry c ON c.seq = e.child
            LEFT JOIN entry_level l ON l.seq = e.child WHERE e.parent = ?
            """)
        entry = try RawStatement(db, "SELECT e.kind, l.level FROM entry e LEFT JOIN entry_level l ON l.seq = e.seq WHERE e.seq = ?")
    }

    private func node(_ seq: Int64) throws -> (kind: EventKind, level: Int) {
        if let known = nodes[seq] { return known }
        entry.bind(1, seq)
        defer { entry.reset() }
        guard try entry.step() else {
            throw LedgerError.malformedRow(table: "entry", row: seq, column: "seq", problem: "missing, though a link points to it")
        }
        guard !entry.isNull(1) else { throw LedgerError.missingLevel(seq: seq) }
        let node = (
            kind: try EventKind(stored: entry.string(0), row: seq),
            level: Int(try storedLevel(entry.storedInteger(1, "level", table: "entry_level", row: seq), row: seq))
        )
        nodes[seq] = node
        return node
    }

    func kind(of seq: Int64) throws -> EventKind { try node(seq).kind }
    func level(of seq: Int64) throws -> Int { try node(seq).level }

    func forEachParent(of seq: Int64, _ body: (Int64, LinkRole) throws -> Void) throws {
        try links(parents, seq, body)
    }

    func forEachChild(of seq: Int64, _ body: (Int64, LinkRole) throws -> Void) throws {
        try links(children, seq, body)
    }

    private func links(_ statement: RawStatement, _ seq: Int64, _ body: (Int64, LinkRole) throws -> Void) throws {
        statement.bind(1, seq)
        var found: [(Int64, LinkRole)] = []
        while try statement.step() {
            let other = statement.int64(0)
            guard other >= 1 else {
                statement.reset()
                throw LedgerError.malformedRow(table: "edge", row: seq, column: "parent", problem: "a link to entry \(other)")
            }
            guard !statement.isNull(3) else {
                statement.reset()
                throw LedgerError.missingLevel(seq: other)
            }
            nodes[other] = (
                try EventKind(stored: statement.string(2), row: other),
                Int(try storedLevel(statement.storedInteger(3, "level", table: "entry_level", row: other), row: other))
            )
            found.append((other, try LinkRole(stored: statement.string(1), row: max(seq, other))))
        }
        statement.reset()
        for (other, role) in found { try body(other, role) }
    }
}
