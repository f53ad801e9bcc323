import GRDB
import RRMFormat

/// Which entries a provenance document describes, and which links among them.
public enum ProvenanceSelection: Sendable {
    /// Every entry and every link.
    case all
    /// The entries at one level, and the links between two of them.
    case level(Int)
    /// These entries (a lineage), and the links of these classes between two of them.
    case entries(Set<Int64>, via: Set<LinkClass>)
}

/// The latest finding about an entry, as far as a provenance document states it.
public struct LatestVerdict: Sendable, Equatable {
    public let findingID: String
    /// The finding's `verdict` and `error_type`, when they are strings.
    public let verdict: String?
    public let errorType: String?
}

/// One link with both of its ends named.
public struct ProvenanceLink: Sendable {
    public let child: Int64
    public let childID: String
    public let childKind: EventKind
    public let role: LinkRole
    public let parent: Int64
    public let parentID: String
    public let parentKind: EventKind
}

extension Ledger {
    /// Streams what a provenance document needs, from one snapshot (a read transaction): the
    /// selected entries in sequence order, each with its latest finding (by sequence number),
    /// then the links among them in the order of their child. Nothing is held but the row being
    /// visited, so a whole ledger of any size streams.
    /// - Returns: the snapshot's head.
    /// - Throws: `LedgerError` for what the file holds; the visitors' errors as they threw them.
    public func readProvenance(
        _ selection: ProvenanceSelection, entry visitEntry: (StoredEntry, LatestVerdict?) throws -> Void,
        link visitLink: (ProvenanceLink) throws -> Void
    ) throws -> ChainHead {
        try readPassingThrough { db in
            let head = try Self.head(db)
            // A finding's body that is not JSON is left for verify to name; here it has no verdict.
            let text = { (field: String) in "CASE WHEN json_valid(f.body) THEN json_extract(f.body, '$.\(field)') END" }
            var sql = """
                SELECT \(StoredEntry.columns), f.id, \(text("verdict")), \(text("error_type"))
                FROM \(StoredEntry.tables)
                LEFT JOIN entry f ON f.seq = (SELECT max(child) FROM edge WHERE parent = e.seq AND role = 'about')
                """
            // A slice is read entry by entry, by key, so its cost follows its size, not the ledger's.
            let wanted: [Int64]?
            if case .entries(let seqs, _) = selection { wanted = seqs.sorted() } else { wanted = nil }
            var arguments: StatementArguments = []
            if case .level(let level) = selection {
                sql += " WHERE l.level = ?"
                arguments = [level]
            }
            func visit(_ row: Row) throws {
                let entry = try StoredEntry(row: row)
                let finding = Self.text(row, 8).map {
                    LatestVerdict(findingID: $0, verdict: Self.text(row, 9), errorType: Self.text(row, 10))
                }
                try visitEntry(entry, finding)
            }
            if let wanted {
                let statement = try db.cachedStatement(sql: sql + " WHERE e.seq = ?")
                for seq in wanted {
                    if let row = try Row.fetchOne(statement, arguments: [seq]) { try visit(row) }
                }
            } else {
                let entries = try Row.fetchCursor(db, sql: sql + " ORDER BY e.seq", arguments: arguments)
                while let row = try entries.next() { try visit(row) }
            }

            var linkSQL = """
                SELECT g.child, g.role, g.parent, c.id, c.kind, p.id, p.kind
                FROM edge g JOIN entry c ON c.seq = g.child JOIN entry p ON p.seq = g.parent
                """
            if case .level = selection {
                linkSQL += """
                     JOIN entry_level cl ON cl.seq = g.child JOIN entry_level pl ON pl.seq = g.parent
                    WHERE cl.level = ?1 AND pl.level = ?1
                    """
            }
            func visitLinkRow(_ row: Row) throws {
                let child: Int64 = try row.stored(0, "child", table: "edge", row: 0)
                let parent: Int64 = try row.stored(2, "parent", table: "edge", row: child)
                let role = try LinkRole(stored: row.stored(1, "role", table: "edge", row: child), row: child)
                if case .entries(let seqs, let via) = selection {
                    guard seqs.contains(parent), via.contains(role.linkClass) else { return }
                }
                try visitLink(
                    ProvenanceLink(
                        child: child, childID: try row.stored(3, "id", row: child),
                        childKind: try EventKind(stored: row.stored(4, "kind", row: child), row: child), role: role, parent: parent,
                        parentID: try row.stored(5, "id", row: parent),
                        parentKind: try EventKind(stored: row.stored(6, "kind", row: parent), row: parent)))
            }
            if let wanted {
                let statement = try db.cachedStatement(sql: linkSQL + " WHERE g.child = ? ORDER BY g.parent, g.role")
                for seq in wanted {
                    let rows = try Row.fetchCursor(statement, arguments: [seq])
                    while let row = try rows.next() { try visitLinkRow(row) }
                }
            } else {
                let links = try Row.fetchCursor(db, sql: linkSQL + " ORDER BY g.child, g.parent, g.role", arguments: arguments)
                while let row = try links.next() { try visitLinkRow(row) }
            }
            return head
        }
    }

    /// Column `index` when it holds text; anything else (NULL, or a value a hostile edit put
    /// there) is no text, never a trap.
    private static func text(_ row: Row, _ index: Int) -> String? {
        if case .string(let text) = (row[index] as DatabaseValue).storage { return text }
        return nil
    }
}
