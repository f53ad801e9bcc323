import GRDB
import RRMFormat

/// The tree head: what a checkpoint signs.
public struct TreeHead: Sendable, Equatable {
    /// Leaves in the tree: the number of entries it covers.
    public let size: Int64
    /// RFC 9162's MTH of the leaves.
    public let rootHash: SHA256Hash
}

extension Ledger {
    /// The ledger's origin (`LedgerOrigin`), or `nil` for a ledger made from the schema by hand.
    public func origin() throws(LedgerError) -> String? {
        try read { db in try Self.origin(db) }
    }

    package static func origin(_ db: Database) throws -> String? {
        // A row whose value is NULL or not text is damage, not a ledger without an origin.
        guard let row = try Row.fetchOne(db, sql: "SELECT rowid, value FROM ledger_info WHERE key = ?", arguments: [LedgerOrigin.infoKey])
        else { return nil }
        let rowid: Int64 = try row.stored(0, "rowid", table: "ledger_info", row: 0)
        return try row.stored(1, "value", table: "ledger_info", row: rowid) as String
    }

    /// The tree over every entry: its size and root, from one stored node per set bit of the size.
    ///
    /// - Throws: `LedgerError.damagedTree` when a stored node is missing.
    public func treeHead() throws(LedgerError) -> TreeHead {
        try withTree { _, tree, entries in
            TreeHead(size: entries, rootHash: try tree.rootHash(size: entries))
        }
    }

    /// The root of the tree of the first `size` entries, from O(log n) stored nodes.
    ///
    /// - Throws: `LedgerError.treeSizeBeyondLedger`, or `.damagedTree` when a stored node is missing.
    public func rootHash(size: Int64) throws(LedgerError) -> SHA256Hash {
        try withTree(size: size) { _, tree, _ in try tree.rootHash(size: size) }
    }

    /// The inclusion proof of entry `seq` (leaf `seq − 1`) in the tree of the first `size` entries.
    ///
    /// - Throws: `LedgerError.treeSizeBeyondLedger`, `.damagedTree`, or `.outOfRange` when `seq`
    ///   is not in `1...size`.
    public func inclusionProof(seq: Int64, size: Int64) throws(LedgerError) -> [SHA256Hash] {
        try withTree(size: size) { _, tree, _ in
            guard seq >= 1, seq <= size else {
                throw LedgerError.outOfRange("entry \(seq) is not in a tree of size \(size)")
            }
            return try tree.inclusionProof(index: seq - 1, size: size)
        }
    }

    /// The consistency proof that the tree of `newSize` entries extends the tree of `oldSize`.
    ///
    /// - Throws: `LedgerError.treeSizeBeyondLedger`, `.damagedTree`, or `.outOfRange` when
    ///   `oldSize` is larger than `newSize`.
    public func consistencyProof(oldSize: Int64, newSize: Int64) throws(LedgerError) -> [SHA256Hash] {
        try withTree(size: newSize) { _, tree, _ in
            guard oldSize <= newSize else { throw LedgerError.outOfRange("old tree size \(oldSize) exceeds new size \(newSize)") }
            return try tree.consistencyProof(oldSize: oldSize, newSize: newSize)
        }
    }

    /// Runs `body` in one read transaction with the tree over the stored nodes and the number of
    /// entries, after checking that the ledger holds at least `size` entries.
    func withTree<T>(size: Int64 = 0, _ body: (Database, MerkleTreeMath<LedgerMerkleNodes>, _ entries: Int64) throws -> T)
        throws(LedgerError) -> T
    {
        let path = self.path
        return try read { db in
            let entries = try Self.head(db).seq
            guard size >= 0 else { throw LedgerError.outOfRange("tree size \(size) is negative") }
            guard size <= entries else { throw LedgerError.treeSizeBeyondLedger(size: size, entries: entries) }
            return try body(db, MerkleTreeMath(nodes: try LedgerMerkleNodes(db, path: path)), entries)
        }
    }
}
