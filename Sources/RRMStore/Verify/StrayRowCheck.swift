import GRDB

/// Rows outside the entries 1…head that the chain scan walks: an entry numbered below 1 (its
/// CHECK edited out of the schema), derived rows of entries that do not exist, Merkle tree nodes
/// beyond the tree, checkpoints of sizes no tree has. Commands and views read them all (`stats`,
/// `show` and the `findings` view count an entry row wherever it is numbered; `append` would
/// collide with a level row beyond the head), so plain `verify` must account for every row, not
/// only those it hashes. Each query is an index range, so the check costs the same on any ledger.
struct StrayRowCheck {
    /// One row found outside the entries, named as `LedgerError.malformedRow` names a row.
    struct Stray {
        let table: String
        /// The entry the row belongs to, where it names one (0 when the stored value is no integer).
        let row: Int64
        let column: String
        let problem: String
        let fault: ChainFault
    }

    /// Most rows reported per table; more are damage enough.
    static let limit = 100

    /// The ledger's head: its highest sequence number.
    let head: Int64
    /// Also the entry and checkpoint tables (`verify`), not only the derived ones (`append`).
    var authoritative = true
    /// Also Merkle tree nodes and checkpoints beyond the head, which `verify --deep`'s tree check
    /// reports itself.
    var beyondTree = true

    /// The stray rows, table by table.
    func run(_ db: Database) throws -> [Stray] {
        var found: [Stray] = []
        if authoritative {
            for row in try Row.fetchAll(db, sql: "SELECT seq FROM entry WHERE seq < 1 ORDER BY seq LIMIT \(Self.limit)") {
                let seq: Int64 = try row.stored(0, "seq", row: 0)
                let problem =
                    "entry numbered \(seq), outside 1…\(head): sequence numbers start at 1, so the row was inserted by hand "
                    + "(`stats`, `show` and the views count it)"
                found.append(
                    Stray(
                        table: "entry", row: seq, column: "seq", problem: problem,
                        fault: ChainFault(seq: seq, kind: .insertedEntries, message: problem)))
            }
        }
        for row in try Row.fetchAll(
            db, sql: "SELECT seq FROM entry_level WHERE seq < 1 UNION ALL SELECT seq FROM entry_level WHERE seq > ? LIMIT \(Self.limit)",
            arguments: [head])
        {
            let seq: Int64 = try row.stored(0, "seq", table: "entry_level", row: 0)
            found.append(derived("entry_level", row: seq, column: "seq", "a level for entry \(seq), which does not exist"))
        }
        // Loosened by hand, a column may hold text, which SQLite orders after every number.
        for row in try Row.fetchAll(
            db,
            // One index range per bound (the primary key for child, edge_by_parent for parent).
            sql: """
                SELECT CASE typeof(child) WHEN 'integer' THEN child ELSE 0 END, substr(quote(child), 1, 40),
                       substr(quote(role), 1, 40), substr(quote(parent), 1, 40), child < 1 OR child > ?1
                FROM (SELECT * FROM edge WHERE child < 1 UNION SELECT * FROM edge WHERE child > ?1
                      UNION SELECT * FROM edge WHERE parent < 1 UNION SELECT * FROM edge WHERE parent > ?1)
                LIMIT \(Self.limit)
                """, arguments: [head])
        {
            let child: Int64 = try row.stored(0, "child", table: "edge", row: 0)
            let (childText, role, parent): (String, String, String) = (
                try row.stored(1, "child", table: "edge", row: child), try row.stored(2, "role", table: "edge", row: child),
                try row.stored(3, "parent", table: "edge", row: child)
            )
            let childOutside: Bool = try row.stored(4, "child", table: "edge", row: child)
            found.append(
                derived(
                    "edge", row: child, column: childOutside ? "child" : "parent",
                    "a link (role \(role)) from entry \(childText) to entry \(parent), which does not exist"))
        }
        for row in try Row.fetchAll(
            db, sql: "SELECT substr(quote(level), 1, 40) FROM merkle_node WHERE level < 1 OR level > 63 LIMIT \(Self.limit)")
        {
            let level: String = try row.stored(0, "level", table: "merkle_node", row: 0)
            found.append(derived("merkle_node", row: 0, column: "level", "a Merkle tree node at level \(level), outside 1…63"))
        }
        if beyondTree { try findNodesBeyondTree(db, into: &found) }
        if authoritative {
            let beyond = beyondTree ? " OR size > ?" : ""
            for row in try Row.fetchAll(
                db, sql: "SELECT size FROM checkpoint WHERE size < 1\(beyond) ORDER BY size LIMIT \(Self.limit)",
                arguments: beyondTree ? [head] : [])
            {
                let size: Int64 = try row.stored(0, "size", table: "checkpoint", row: 0)
                let problem: String
                let fault: ChainFault
                if size < 1 {
                    problem = "a checkpoint of size \(size): tree sizes start at 1"
                    fault = ChainFault(seq: nil, kind: .invalidBody, message: problem)
                } else {
                    problem =
                        "a checkpoint of size \(size) is recorded, but the ledger holds \(head) entries: entries were removed from its end"
                    fault = ChainFault(seq: head + 1, kind: .truncated, message: problem)
                }
                found.append(Stray(table: "checkpoint", row: size, column: "size", problem: problem, fault: fault))
            }
        }
        return found
    }

    /// Nodes that no complete subtree of the head's entries has.
    private func findNodesBeyondTree(_ db: Database, into found: inout [Stray]) throws {
        let beyond = try db.makeStatement(
            sql: """
                SELECT substr(quote(idx), 1, 40) FROM merkle_node WHERE level = ?1 AND idx < 0
                UNION ALL SELECT substr(quote(idx), 1, 40) FROM merkle_node WHERE level = ?1 AND idx >= ?2 LIMIT \(Self.limit)
                """)
        for level in Int64(1)...63 {
            // The complete subtrees at `level` over `head` leaves: head >> level of them.
            let nodes = head >= 0 ? head >> level : 0
            for row in try Row.fetchAll(beyond, arguments: [level, nodes]) {
                let index: String = try row.stored(0, "idx", table: "merkle_node", row: 0)
                found.append(
                    derived(
                        "merkle_node", row: 0, column: "idx",
                        "a Merkle tree node at level \(level), index \(index), not part of the tree of \(head) entries"))
            }
        }
    }

    /// A derived row that belongs to no entry: `rebuild` removes it.
    private func derived(_ table: String, row: Int64, column: String, _ what: String) -> Stray {
        let problem = "\(what) (the entries are 1…\(head)); `rrm-ledger rebuild` removes it"
        return Stray(
            table: table, row: row, column: column, problem: problem,
            fault: ChainFault(seq: nil, kind: .derivedMismatch, message: "\(table) holds \(problem)"))
    }
}
