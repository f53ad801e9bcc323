import GRDB
import RRMFormat

/// The tree's nodes as the ledger stores them, read inside one of its transactions: levels 1 and
/// up from `merkle_node`, leaf hashes computed from `entry.hash` (one SHA-256 each, which is why
/// they are not stored).
///
/// A node that should exist and does not, or that is not 32 bytes, means the derived tree was
/// damaged or deleted: `LedgerError.damagedTree`, which `verify --deep` explains in detail.
package struct LedgerMerkleNodes: MerkleNodeSource {
    private let storedNode: RawStatement
    private let entryHash: RawStatement
    private let path: String

    package init(_ db: Database, path: String) throws {
        storedNode = try RawStatement(db, "SELECT hash FROM merkle_node WHERE level = ? AND idx = ?")
        entryHash = try RawStatement(db, "SELECT hash FROM entry WHERE seq = ?")
        self.path = path
    }

    package func node(level: Int, index: Int64) throws -> SHA256Hash {
        guard level >= 0, level < 63, index >= 0, index < Int64.max >> level else {
            throw LedgerError.damagedTree(path: path, detail: "no Merkle tree node can be at level \(level), index \(index)")
        }
        let statement: RawStatement
        if level == 0 {
            statement = entryHash
            statement.bind(1, index + 1)
        } else {
            statement = storedNode
            statement.bind(1, Int64(level))
            statement.bind(2, index)
        }
        defer { statement.reset() }
        guard try statement.step() else {
            let what =
                level == 0
                ? "entry \(index + 1), leaf \(index) of the Merkle tree, is missing"
                : "the Merkle tree node at level \(level), index \(index) is missing"
            throw LedgerError.damagedTree(path: path, detail: what)
        }
        let bytes = statement.bytes(0)
        guard let stored = SHA256Hash(bytes: bytes) else {
            throw LedgerError.damagedTree(
                path: path, detail: "the hash at level \(level), index \(index) of the Merkle tree is \(bytes.count) bytes, not 32")
        }
        return level == 0 ? MerkleHash.leafHash(bytes) : stored
    }
}
