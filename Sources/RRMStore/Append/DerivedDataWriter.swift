import GRDB
import RRMFormat

/// Writes what one entry implies into the derived tables: its lineage edges, its level, its
/// search index rows, and the Merkle tree nodes its leaf completes.
///
/// Append derives them for each entry it appends, in the entry's own transaction; `rebuild` for
/// every stored entry, in sequence order. Edges, levels and the tree's nodes are held and written
/// in bulk (`BulkInsert`); the search index is filled once per batch from its view (`finish`,
/// which also writes everything held, before the batch is re-verified). One derivation serves
/// both, so a rebuilt table holds exactly the rows append wrote.
struct DerivedDataWriter {
    /// The tree's right edge after the entries written so far.
    private(set) var tree: MerkleFrontier

    private let writesEdges: Bool
    private let writesLevels: Bool
    private let writesSearch: Bool
    private let writesTree: Bool
    private let db: Database
    private let edges: BulkInsert
    private let levels: BulkInsert
    /// Each role's index in `LinkRole.allCases`, the texts `edges` binds its role column from.
    private static let roleIndex = Dictionary(uniqueKeysWithValues: LinkRole.allCases.enumerated().map { ($1, Int64($0)) })
    /// The entries written since the search index last caught up (`finish`).
    private var unindexed: ClosedRange<Int64>?
    private let nodes: BulkInsert
    private var searchRows: Int64 = 0

    /// - Parameters:
    ///   - tables: the tables to write; the others are left alone.
    ///   - tree: the tree before the first entry to be written (its right edge).
    init(_ db: Database, tables: Set<DerivedTable>, tree: MerkleFrontier) throws {
        writesEdges = tables.contains(.edges)
        writesLevels = tables.contains(.levels)
        writesSearch = tables.contains(.search)
        writesTree = tables.contains(.merkle)
        self.tree = tree
        edges = try BulkInsert(
            db, table: "edge", columns: [.integer("child"), .text("role", texts: LinkRole.allCases.map(\.rawValue)), .integer("parent")])
        levels = try BulkInsert(db, table: "entry_level", columns: [.integer("seq"), .integer("level")])
        nodes = try BulkInsert(db, table: "merkle_node", columns: [.integer("level"), .integer("idx"), .hash("hash")])
        self.db = db
    }

    /// Writes the lineage edges, level and search text of entry `seq`, whose body decoded to
    /// `event` and whose references resolved to `referenced` (in the order of
    /// `event.references`). Returns the entry's level (EVENTS.md, "Levels").
    mutating func writeLineage(seq: Int64, event: Event, referenced: [ResolvedEntry]) throws -> Int {
        let level = LevelRule.level(of: event, referenced: referenced)
        if writesEdges {
            for (reference, parent) in zip(event.references, referenced) {
                try edges.add(seq, Self.roleIndex[reference.role]!, parent.seq)
            }
        }
        if writesLevels { try levels.add(seq, Int64(level)) }
        if writesSearch { unindexed = (unindexed?.lowerBound ?? seq)...seq }
        return level
    }

    /// Adds the entry with chain hash `entryHash` as the tree's next leaf and stores every node
    /// it completes above the leaves.
    mutating func appendLeaf(entryHash: UnsafeRawBufferPointer) throws {
        guard writesTree else { return }
        let nodes = self.nodes
        try tree.append(leafHash: MerkleHash.leafHash(entryHash)) { node in
            guard node.level > 0 else { return }
            try node.hash.withUnsafeBytes { try nodes.add(Int64(node.level), node.index, hash: $0) }
        }
    }

    /// Writes the held edges, levels and tree nodes, then indexes the entries written since the
    /// last call for full-text search in one statement from the view the index reads its text
    /// from (`search_content`): the view is the one definition of what is searchable, and one
    /// bulk insert per batch costs a third of a row at a time. Called before the batch is
    /// re-verified and committed.
    mutating func finish() throws {
        try flushHeldRows()
        guard writesSearch, let range = unindexed else { return }
        try db.execute(
            sql: "INSERT INTO entry_search (rowid, text, claims) SELECT seq, text, claims FROM search_content WHERE seq BETWEEN ? AND ?",
            arguments: [range.lowerBound, range.upperBound])
        searchRows += Int64(db.changesCount)
        unindexed = nil
    }

    /// What must run before a query reads `entry_level` inside the transaction (the resolver's
    /// lookups): writing the level rows held so far.
    var beforeReadingLevels: () throws -> Void {
        { [levels] in try levels.flush() }
    }

    private func flushHeldRows() throws {
        try edges.flush()
        try levels.flush()
        try nodes.flush()
    }

    /// Rows written so far, per table written.
    var rows: [DerivedTable: Int64] {
        var rows: [DerivedTable: Int64] = [:]
        if writesEdges { rows[.edges] = edges.rowsWritten }
        if writesLevels { rows[.levels] = levels.rowsWritten }
        if writesSearch { rows[.search] = searchRows }
        if writesTree { rows[.merkle] = nodes.rowsWritten }
        return rows
    }
}
